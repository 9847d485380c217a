"""Data models: the one list and two registries (一单两库) and what they need.

Conventions
-----------
* Registry keys are the business identifiers planners use (USCC, inspector
  number, department code, item code); imports upsert on them.
* Multi-valued attributes that are only ever read as a whole (tags, lists,
  qualifications) are stored as JSON arrays of strings.
* Nothing here is deleted by the application: entities missing from a full
  registry file are marked inactive, items get a new version, draws are
  immutable (see the planner workflow).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

RISK_CLASSES = ("A", "B", "C", "D")
ROLES = ("admin", "planner", "inspector")
# Registration statuses as the registration authorities write them; only the
# first two count as active (存续/在业) for sampling.
ACTIVE_STATUSES = ("存续", "在业")
ENTITY_STATUSES = ("存续", "在业", "停业", "清算", "注销", "吊销", "撤销", "迁出")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _json_list() -> Column:
    return Column(JSON, nullable=False, default=list)


class Department(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)  # short code, e.g. "SCJG"
    name: str = Field(max_length=100)  # 市场监督管理局
    name_en: str | None = Field(default=None, max_length=200)


class District(SQLModel, table=True):
    """Administrative division: GB/T 2260 six-digit code plus street-level
    digits (e.g. 350181 + 001). A filter on a district matches by prefix."""

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=100)
    parent_code: str | None = Field(default=None, max_length=12, index=True)
    level: int = 0  # 1 province, 2 city, 3 county, 4 street


class Entity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200)
    type: str | None = Field(default=None, max_length=50)  # 有限责任公司, 个体工商户 …
    legal_rep: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    district: str = Field(max_length=12, foreign_key="district.code", index=True)
    industry: str | None = Field(default=None, max_length=100, index=True)
    status: str = Field(default="存续", max_length=10, index=True)
    risk: str = Field(default="B", max_length=1, index=True)
    lists: list[str] = Field(default_factory=list, sa_column=_json_list())
    tags: list[str] = Field(default_factory=list, sa_column=_json_list())
    # Present in the last full registry file (sync import); separate from status.
    active: bool = Field(default=True, sa_column=Column(sa.Boolean, nullable=False, server_default=sa.true(), index=True))
    updated_at: datetime = Field(default_factory=utcnow)


class Inspector(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)  # staff number, e.g. "E001"
    name: str = Field(max_length=100)
    department: str = Field(max_length=32, foreign_key="department.id", index=True)
    district: str = Field(max_length=12, foreign_key="district.code", index=True)
    certificate_no: str | None = Field(default=None, max_length=64)
    certificate_expires: date | None = None
    qualifications: list[str] = Field(default_factory=list, sa_column=_json_list())
    specialities: list[str] = Field(default_factory=list, sa_column=_json_list())
    active: bool = True
    max_visits: int = 30  # capacity per draw window
    updated_at: datetime = Field(default_factory=utcnow)


class InspectorLeave(SQLModel, table=True):
    __tablename__ = "inspector_leave"
    id: int | None = Field(default=None, primary_key=True)
    inspector: str = Field(max_length=32, foreign_key="inspector.id", index=True)
    start: date
    end: date
    reason: str | None = Field(default=None, max_length=200)


class Conflict(SQLModel, table=True):
    """Declared interest of an inspector in an entity (回避)."""

    __table_args__ = (sa.UniqueConstraint("inspector", "uscc"),)
    id: int | None = Field(default=None, primary_key=True)
    inspector: str = Field(max_length=32, foreign_key="inspector.id", index=True)
    uscc: str = Field(max_length=18, index=True)
    reason: str = Field(max_length=200)
    declared_on: date


class PairConflict(SQLModel, table=True):
    """Two inspectors who must not be on one team; stored with a < b."""

    __tablename__ = "pair_conflict"
    __table_args__ = (sa.UniqueConstraint("a", "b"), sa.CheckConstraint("a < b", name="ck_pair_order"))
    id: int | None = Field(default=None, primary_key=True)
    a: str = Field(max_length=32, foreign_key="inspector.id")
    b: str = Field(max_length=32, foreign_key="inspector.id")
    reason: str | None = Field(default=None, max_length=200)
    declared_on: date | None = None


class CheckItem(SQLModel, table=True):
    """An entry of the random-check item list (随机抽查事项清单).

    Items are versioned: editing a published item creates a new row with the
    same code and version + 1; tasks keep pointing at the version they used.
    """

    __tablename__ = "check_item"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, index=True)
    version: int = 1
    department: str = Field(max_length=32, foreign_key="department.id", index=True)
    name: str = Field(max_length=200)
    legal_basis: str = Field(default="", sa_column=Column(sa.Text, nullable=False, default=""))
    content: str = Field(default="", sa_column=Column(sa.Text, nullable=False, default=""))
    method: str | None = Field(default=None, max_length=100)  # 现场检查, 书面检查 …
    qualification: str | None = Field(default=None, max_length=50)
    ratio_a: str = Field(default="0.01", max_length=10)  # exact decimals as text
    ratio_b: str = Field(default="0.03", max_length=10)
    ratio_c: str = Field(default="0.10", max_length=10)
    ratio_d: str = Field(default="0.30", max_length=10)
    frequency: str | None = Field(default=None, max_length=50)  # 每年一次 …
    published: bool = False
    current: bool = True  # the newest version of its code


class CheckRecord(SQLModel, table=True):
    """A past check of an entity (from earlier draws or imported history);
    feeds rotation, the recent-check exclusion and the frequency cap."""

    __tablename__ = "check_record"
    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, index=True)
    department: str = Field(max_length=32, foreign_key="department.id")
    checked_on: date = Field(index=True)
    inspectors: list[str] = Field(default_factory=list, sa_column=_json_list())
    source: str | None = Field(default=None, max_length=64)  # draw id or "import"


class ResultCodeSet(SQLModel, table=True):
    """A version of the result-code table; results record the version used."""

    __tablename__ = "result_code_set"
    version: int = Field(primary_key=True)
    effective_from: date
    note: str | None = Field(default=None, max_length=200)


class ResultCode(SQLModel, table=True):
    __tablename__ = "result_code"
    __table_args__ = (sa.UniqueConstraint("version", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(foreign_key="result_code_set.version", index=True)
    code: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, max_length=16)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=200)
    sort: int = 0


class CalendarYear(SQLModel, table=True):
    """A year whose working-day arrangement is known, and where it came from."""

    __tablename__ = "calendar_year"
    year: int = Field(primary_key=True)
    source: str = Field(max_length=200)  # "chinese-calendar 1.11.0" or the notice's title
    imported_at: datetime = Field(default_factory=utcnow)


class CalendarDay(SQLModel, table=True):
    """An exception to Monday–Friday: a public holiday on a weekday, or a
    make-up working day (调休) on a weekend."""

    __tablename__ = "calendar_day"
    day: date = Field(primary_key=True)
    kind: str = Field(max_length=10)  # "holiday" | "workday"
    name: str | None = Field(default=None, max_length=50)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)  # one of ROLES
    inspector: str | None = Field(default=None, max_length=32, foreign_key="inspector.id")
    department: str | None = Field(default=None, max_length=32, foreign_key="department.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
