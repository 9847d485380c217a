"""Column specifications of the importable registries (``REGISTRIES``).

Each registry names its table, its key (what an import upserts on), and its
columns: the stored field (also the English header), the Chinese header,
the value kind, whether it is required, enumerations, defaults and
references to other registries. Headers are matched in Chinese or English,
plus the spellings of the national and provincial registry exports
(``aliases``), after :func:`normalize_header` (case, width, spaces and a
leading "*" required-marker do not matter). A header still unknown can be
mapped by the planner; mappings are remembered (``ImportHeaderMapping``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ...models import (ENTITY_STATUSES, RISK_CLASSES, CheckItem, CheckRecord, Conflict, Department, District,
                       Entity, Inspector, InspectorLeave, PairConflict)

# What a column's ``ref`` points at: (table, key column).
REFERENCE_TARGETS = {
    "department": (Department.__table__, "id"),
    "district": (District.__table__, "code"),
    "inspector": (Inspector.__table__, "id"),
    "entity": (Entity.__table__, "uscc"),
}


_SPACES = re.compile(r"\s+")


def normalize_header(text: str) -> str:
    """The form headers are compared in: NFKC (full-width brackets and
    letters become ASCII), no white space, no leading "*", lower case.

    >>> normalize_header(" *法定代表人（负责人） ")
    '法定代表人(负责人)'
    >>> normalize_header("ＵＳＣＣ")
    'uscc'
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lstrip("*").lower()


@dataclass(frozen=True)
class Column:
    key: str  # stored field; also the English header
    zh: str  # Chinese header
    kind: str = "text"  # text | uscc | choice | bool | date | int | ratio | list
    required: bool = False
    default: Any = None  # for empty cells, and on insert when the column is absent
    choices: tuple[str, ...] = ()
    ref: str | None = None  # a REFERENCE_TARGETS name; the value (each item of a list) must exist
    aliases: tuple[str, ...] = ()
    always: bool = False  # applied (with its default) even when the file lacks the column
    multiline: bool = False  # line breaks and tabs allowed in the text

    @property
    def en(self) -> str:
        return self.key


@dataclass(frozen=True)
class RegistrySpec:
    kind: str
    zh: str  # the registry's Chinese name, for pages and reports
    en: str
    table: sa.Table
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    sync: bool = False  # supports sync mode: rows missing from a full file become inactive
    versioned: bool = False  # published rows get a new version instead of an update
    touch: str | None = None  # timestamp column set on insert and update
    ordered_pair: tuple[str, str] | None = None  # stored with first < second
    date_range: tuple[str, str] | None = None  # (start, end): end must not be before start
    headers: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for col in self.columns:
            for name in (col.zh, col.en, *col.aliases):
                other = self.headers.setdefault(normalize_header(name), col)
                if other is not col:
                    raise ValueError(f"{self.kind}: header {name!r} names both {other.key} and {col.key}")

    def header_column(self, text: str) -> Column | None:
        return self.headers.get(normalize_header(text))

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def max_length(self, col: Column) -> int | None:
        return getattr(self.table.c[col.key].type, "length", None)


def _registries(*specs: RegistrySpec) -> dict[str, RegistrySpec]:
    return {spec.kind: spec for spec in specs}


REGISTRIES: dict[str, RegistrySpec] = _registries(
    RegistrySpec(
        "departments", "部门", "departments", Department.__table__, ("id",), (
            Column("id", "部门代码", required=True, aliases=("代码", "code")),
            Column("name", "部门名称", required=True, aliases=("名称",)),
            Column("name_en", "英文名称"),
        )),
    RegistrySpec(
        "districts", "行政区划", "districts", District.__table__, ("code",), (
            Column("code", "区划代码", required=True, aliases=("代码", "行政区划代码")),
            Column("name", "区划名称", required=True, aliases=("名称",)),
            Column("parent_code", "上级区划代码", ref="district", aliases=("上级代码", "parent")),
            Column("level", "层级", kind="int", default=0),
        )),
    RegistrySpec(
        "entities", "检查对象名录库", "entity registry", Entity.__table__, ("uscc",), (
            Column("uscc", "统一社会信用代码", kind="uscc", required=True,
                   aliases=("社会信用代码", "信用代码", "统一代码", "统一社会信用代码/注册号")),
            Column("name", "名称", required=True,
                   aliases=("企业名称", "主体名称", "市场主体名称", "企业(机构)名称", "单位名称", "字号名称")),
            Column("type", "类型", aliases=("主体类型", "企业类型", "市场主体类型", "企业(主体)类型", "类型名称",
                                          "企业类型名称")),
            Column("legal_rep", "法定代表人", aliases=(
                "法定代表人（负责人）", "负责人", "经营者", "法定代表人(负责人、经营者)", "法定代表人/负责人",
                "法定代表人/负责人/经营者", "法定代表人姓名", "法人代表", "法定代表人(负责人)姓名")),
            Column("address", "住所", aliases=("地址", "住所（经营场所）", "经营场所", "住所/经营场所", "注册地址",
                                             "经营地址", "住所地址", "企业住所", "通讯地址")),
            Column("district", "行政区划", required=True, ref="district", aliases=(
                "区划代码", "行政区划代码", "所属行政区划", "所属行政区划代码", "住所所在行政区划代码",
                "住所所在行政区划", "属地行政区划代码", "管辖区划代码", "所在区划代码")),
            Column("industry", "行业", aliases=("行业类别", "国民经济行业", "国民经济行业分类", "行业门类",
                                              "所属行业", "行业分类", "国民经济行业门类")),
            Column("status", "登记状态", kind="choice", choices=ENTITY_STATUSES, default="存续",
                   aliases=("经营状态", "企业状态", "主体状态", "登记状态名称")),
            Column("risk", "信用风险分类", kind="choice", choices=RISK_CLASSES, default="B",
                   aliases=("风险分类", "风险等级", "信用风险分类结果", "信用风险等级", "风险类别", "信用等级")),
            Column("lists", "名录", kind="list", default="[]"),
            Column("tags", "标签", kind="list", default="[]"),
            Column("active", "在册", kind="bool", default=True, always=True),
        ), sync=True, touch="updated_at"),
    RegistrySpec(
        "inspectors", "执法检查人员名录库", "inspector registry", Inspector.__table__, ("id",), (
            Column("id", "工号", required=True, aliases=("人员编号", "编号")),
            Column("name", "姓名", required=True, aliases=("名称",)),
            Column("department", "部门", required=True, ref="department", aliases=("部门代码", "所属部门")),
            Column("district", "行政区划", required=True, ref="district", aliases=(
                "区划代码", "行政区划代码", "所属行政区划", "所属行政区划代码")),
            Column("certificate_no", "执法证号", aliases=("执法证件号", "执法证件号码", "执法证编号")),
            Column("certificate_expires", "执法证有效期至", kind="date", aliases=("执法证有效期",)),
            Column("qualifications", "执法资质", kind="list", default="[]", aliases=("资质",)),
            Column("specialities", "业务专长", kind="list", default="[]", aliases=("专长",)),
            Column("active", "在岗", kind="bool", default=True, always=True),
            Column("max_visits", "最大检查户数", kind="int", default=30, aliases=("检查容量",)),
        ), sync=True, touch="updated_at"),
    RegistrySpec(
        "leaves", "人员请假", "inspector leave", InspectorLeave.__table__, ("inspector", "start"), (
            Column("inspector", "工号", required=True, ref="inspector", aliases=("人员编号",)),
            Column("start", "开始日期", kind="date", required=True),
            Column("end", "结束日期", kind="date", required=True),
            Column("reason", "事由", aliases=("请假事由",)),
        ), date_range=("start", "end")),
    RegistrySpec(
        "conflicts", "回避关系", "recusals", Conflict.__table__, ("inspector", "uscc"), (
            Column("inspector", "工号", required=True, ref="inspector", aliases=("人员编号",)),
            Column("uscc", "统一社会信用代码", kind="uscc", required=True, ref="entity"),
            Column("reason", "回避事由", required=True, aliases=("事由",)),
            Column("declared_on", "申报日期", kind="date", required=True),
        )),
    RegistrySpec(
        "pair_conflicts", "人员互斥", "inspector pair conflicts", PairConflict.__table__, ("a", "b"), (
            Column("a", "工号A", required=True, ref="inspector", aliases=("人员A",)),
            Column("b", "工号B", required=True, ref="inspector", aliases=("人员B",)),
            Column("reason", "事由"),
            Column("declared_on", "申报日期", kind="date"),
        ), ordered_pair=("a", "b")),
    RegistrySpec(
        "items", "随机抽查事项清单", "check items", CheckItem.__table__, ("code",), (
            Column("code", "事项编码", required=True, aliases=("编码",)),
            Column("department", "部门", required=True, ref="department", aliases=("部门代码", "实施部门")),
            Column("name", "事项名称", required=True, aliases=("名称", "抽查事项")),
            Column("legal_basis", "检查依据", default="", aliases=("依据",), multiline=True),
            Column("content", "检查内容", default="", multiline=True),
            Column("method", "检查方式"),
            Column("qualification", "所需资质", aliases=("执法资质",)),
            Column("ratio_a", "A类抽查比例", kind="ratio", default="0.01"),
            Column("ratio_b", "B类抽查比例", kind="ratio", default="0.03"),
            Column("ratio_c", "C类抽查比例", kind="ratio", default="0.10"),
            Column("ratio_d", "D类抽查比例", kind="ratio", default="0.30"),
            Column("frequency", "检查频次", aliases=("频次",)),
            Column("published", "已公布", kind="bool", default=False, aliases=("是否公布",)),
        ), versioned=True),
    RegistrySpec(
        "check_records", "检查记录", "check history", CheckRecord.__table__, ("uscc", "department", "checked_on"), (
            Column("uscc", "统一社会信用代码", kind="uscc", required=True),
            Column("department", "部门", required=True, ref="department", aliases=("部门代码", "检查部门")),
            Column("checked_on", "检查日期", kind="date", required=True),
            Column("inspectors", "检查人员", kind="list", default="[]", ref="inspector", aliases=("检查人员工号",)),
            Column("source", "来源", default="import"),
        )),
)
