"""Demo and test data: a realistic prefecture (福州市) at any scale.

:func:`load_demo` fills an empty database with departments, districts, the
check-item list, market entities, inspectors (with leave, expired
certificates, declared conflicts and pair conflicts), past check records,
the working-day calendar, three demo accounts and a year in progress (a
published plan and a sealed draw around ``as_of``: services/demo_year.py).

* **Deterministic**: everything derives from ``seed`` and the reference date
  ``as_of`` through a local ``random.Random`` and a local Faker instance
  (``seed_instance``); no global random state is touched. The same seed and
  date give the same rows (only the accounts' password hashes differ).
* **Scalable**: entities are generated and inserted in chunks with Core bulk
  inserts (PostgreSQL: ``COPY``), so 5,000,000 entities never sit in memory as
  objects. Person names and trade names come from pools built once with Faker
  (calling Faker per row would cost ~50 µs a name).
* **Valid identifiers**: each USCC has registration authority 9 (market
  regulation), entity kind 1 (enterprise), 2 (individual business) or 3
  (farmers' cooperative), the six-digit region code of the entity's county,
  a GB 11714 organisation code with its own mod-11 check character, and the
  check character from ``stdnum.cn.uscc.calc_check_digit``. Organisation
  codes come from a bijective permutation of the entity's index, so they
  never repeat.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from faker import Faker
from sqlmodel import Session
from stdnum.cn import uscc as stdnum_uscc

from ..models import (CheckItem, CheckRecord, Conflict, Department, District, Entity, Inspector,
                      InspectorLeave, PairConflict, User)
from . import calendar as calendar_service
from . import demo_last_year, demo_year
from .accounts import create_account

DATA_DIR = Path(__file__).parent / "demo_data"
DEFAULT_SEED = 2026
DEFAULT_ENTITIES = 20_000
CHUNK_SIZE = 20_000
ENTITIES_PER_INSPECTOR = 400
MIN_INSPECTORS_PER_DEPARTMENT = 4
DEMO_USERS = ("admin", "planner", "inspector")

# (code, name, English name, share of the inspectors, specialities)
DEPARTMENTS = [
    ("SCJG", "市场监督管理局", "Administration for Market Regulation", 0.45,
     ["食品安全", "药品监管", "特种设备", "广告监管", "价格监督", "产品质量", "企业信用监管"]),
    ("CGJ", "城市管理局", "Urban Management Bureau", 0.15, ["市容管理", "户外广告", "油烟治理", "建筑垃圾"]),
    ("STHJ", "生态环境局", "Ecology and Environment Bureau", 0.10, ["排污许可", "危险废物", "环评执法", "大气污染防治"]),
    ("WJW", "卫生健康委员会", "Health Commission", 0.12, ["公共场所卫生", "医疗执业", "生活饮用水", "职业卫生"]),
    ("YJGL", "应急管理局", "Emergency Management Bureau", 0.10, ["危险化学品", "工贸安全", "消防安全", "安全生产"]),
    ("WHLY", "文化和旅游局", "Culture and Tourism Bureau", 0.08, ["文化市场", "旅游市场", "网络文化", "演出市场"]),
]

# (code, department, name, legal basis, content, method, qualification, ratios A-D,
#  frequency, published, tags of the entities it concerns)
_STD = ("0.01", "0.03", "0.10", "0.30")
_HIGH = ("0.05", "0.10", "0.20", "0.50")
CHECK_ITEMS = [
    ("SCJG-01", "SCJG", "食品经营者经营活动检查", "《中华人民共和国食品安全法》第一百一十条",
     "食品经营许可、进货查验记录、从业人员健康证明、食品贮存条件", "现场检查", "food", _STD, "每年一次", True,
     ["restaurant", "food"]),
    ("SCJG-02", "SCJG", "药品零售企业检查", "《中华人民共和国药品管理法》第九十九条",
     "药品经营许可、执业药师在岗、处方药销售、药品储存养护", "现场检查", "drug", _HIGH, "每年一次", True,
     ["drug"]),
    ("SCJG-03", "SCJG", "特种设备使用单位检查", "《中华人民共和国特种设备安全法》第五十七条",
     "特种设备使用登记、定期检验、作业人员持证、安全技术档案", "现场检查", "special_equipment", _STD, "每年一次",
     True, ["special_equipment"]),
    ("SCJG-04", "SCJG", "企业公示信息抽查", "《企业信息公示暂行条例》；《企业公示信息抽查办法》",
     "年度报告公示信息、即时公示信息的真实性", "书面检查", "market", ("0.03", "0.03", "0.05", "0.10"), "每年一次",
     True, []),
    ("SCJG-05", "SCJG", "产品质量监督抽查", "《中华人民共和国产品质量法》第十五条",
     "产品质量、标识标注、生产记录", "抽样检验", "product_quality", _STD, "每年一次", True,
     ["manufacturing"]),
    ("SCJG-06", "SCJG", "广告发布行为检查", "《中华人民共和国广告法》第四十九条",
     "广告内容真实合法、广告审查", "网络监测", "advertising", _STD, "每年一次", True, ["advertising"]),
    ("SCJG-07", "SCJG", "价格行为检查", "《中华人民共和国价格法》第三十四条",
     "明码标价、价格欺诈", "现场检查", "price", _STD, "每年一次", False, ["retail", "hotel"]),
    ("SCJG-08", "SCJG", "医疗器械经营企业检查", "《医疗器械监督管理条例》",
     "经营备案、进货查验、储存条件", "现场检查", "medical_device", _HIGH, "每年一次", True, ["medical_device"]),
    ("CGJ-01", "CGJ", "户外广告设施设置检查", "《城市市容和环境卫生管理条例》",
     "户外广告及招牌设置审批、安全状况", "现场检查", "urban", _STD, "每年一次", True, ["retail", "restaurant"]),
    ("CGJ-02", "CGJ", "餐饮服务业油烟排放检查", "《中华人民共和国大气污染防治法》",
     "油烟净化设施安装和正常使用", "现场检查", "urban", _STD, "每半年一次", True, ["restaurant"]),
    ("CGJ-03", "CGJ", "建筑垃圾处置检查", "《城市建筑垃圾管理规定》",
     "建筑垃圾处置核准、运输车辆密闭", "现场检查", "urban", _STD, "每年一次", False, ["construction"]),
    ("STHJ-01", "STHJ", "排污许可执行情况检查", "《排污许可管理条例》",
     "持证排污、自行监测、执行报告", "现场检查", "environment", _STD, "每年一次", True,
     ["manufacturing", "auto_repair"]),
    ("STHJ-02", "STHJ", "危险废物规范化管理检查", "《中华人民共和国固体废物污染环境防治法》",
     "危险废物贮存、转移联单、管理台账", "现场检查", "environment", _HIGH, "每年一次", True,
     ["hazchem", "clinic", "auto_repair"]),
    ("STHJ-03", "STHJ", "建设项目环境保护“三同时”检查", "《建设项目环境保护管理条例》",
     "环保设施与主体工程同时设计、同时施工、同时投产使用", "现场检查", "environment", _STD, "每年一次", False,
     ["construction", "manufacturing"]),
    ("WJW-01", "WJW", "公共场所卫生检查", "《公共场所卫生管理条例》",
     "卫生许可证、从业人员健康证明、卫生检测", "现场检查", "public_health", _STD, "每年一次", True,
     ["hotel", "beauty", "entertainment"]),
    ("WJW-02", "WJW", "医疗机构执业活动检查", "《医疗机构管理条例》",
     "执业许可、医务人员资质、医疗废物处置", "现场检查", "medical", _HIGH, "每年一次", True, ["clinic"]),
    ("WJW-03", "WJW", "生活饮用水卫生检查", "《生活饮用水卫生监督管理办法》",
     "供水单位卫生许可、水质检测", "抽样检验", "public_health", _STD, "每年一次", True, ["water"]),
    ("YJGL-01", "YJGL", "危险化学品经营单位安全检查", "《危险化学品安全管理条例》",
     "经营许可、储存场所、安全管理制度", "现场检查", "hazchem", _HIGH, "每半年一次", True, ["hazchem"]),
    ("YJGL-02", "YJGL", "工贸企业安全生产检查", "《中华人民共和国安全生产法》",
     "安全生产责任制、隐患排查治理、安全培训", "现场检查", "work_safety", _STD, "每年一次", True,
     ["manufacturing", "logistics"]),
    ("WHLY-01", "WHLY", "娱乐场所经营活动检查", "《娱乐场所管理条例》",
     "娱乐经营许可、营业时间、未成年人保护", "现场检查", "culture", _HIGH, "每年一次", True, ["entertainment"]),
    ("WHLY-02", "WHLY", "旅行社经营行为检查", "《旅行社条例》",
     "旅行社业务经营许可、质量保证金、旅游合同", "书面检查", "tourism", _STD, "每年一次", True, ["travel_agency"]),
    ("WHLY-03", "WHLY", "互联网上网服务营业场所检查", "《互联网上网服务营业场所管理条例》",
     "网络文化经营许可、实名登记、未成年人禁入", "现场检查", "culture", _STD, "每年一次", True,
     ["internet_cafe"]),
]

# (industry, tags, weight among enterprises, weight among individual businesses,
#  words for company names, words for shop names)
INDUSTRIES = [
    ("餐饮服务", ["restaurant", "food"], 8, 22, ["餐饮管理", "餐饮服务", "食品"],
     ["小吃店", "餐厅", "饭店", "茶餐厅", "面馆", "烧烤店", "沙县小吃店", "鱼丸店"]),
    ("食品销售", ["food", "retail"], 6, 14, ["食品", "商贸", "茶业"], ["食品商行", "副食品店", "便利店", "超市", "茶叶店"]),
    ("食品生产", ["food", "manufacturing", "special_equipment"], 2, 1, ["食品", "食品工业"], ["食品加工坊", "糕点坊"]),
    ("药品零售", ["drug", "retail"], 2, 3, ["大药房", "医药"], ["药店", "大药房"]),
    ("医疗器械经营", ["medical_device", "retail"], 1.5, 0.5, ["医疗器械", "医疗科技"], ["医疗器械店", "康复用品店"]),
    ("批发和零售业", ["retail"], 18, 24, ["贸易", "商贸", "百货", "进出口"], ["商行", "百货店", "五金店", "服装店", "日杂店"]),
    ("建筑施工", ["construction", "special_equipment"], 5, 0.5, ["建设工程", "建筑工程", "装饰工程"], ["装修队", "装饰部"]),
    ("危险化学品经营", ["hazchem"], 0.8, 0.1, ["化工", "化工贸易"], ["化工经营部"]),
    ("加油站", ["hazchem", "fuel"], 0.3, 0, ["石油销售", "能源"], ["加油站"]),
    ("娱乐场所", ["entertainment"], 0.8, 0.5, ["娱乐", "文化娱乐"], ["KTV", "歌舞厅"]),
    ("住宿服务", ["hotel"], 2, 2, ["酒店管理", "酒店"], ["宾馆", "民宿", "旅馆"]),
    ("美容美发", ["beauty"], 1.5, 5, ["美容", "美业"], ["美容美发店", "理发店", "美甲店", "美容院"]),
    ("旅行社", ["travel_agency"], 0.6, 0, ["旅行社", "国际旅行社"], ["旅游服务部"]),
    ("互联网上网服务", ["internet_cafe"], 0.3, 0.4, ["网络会所", "网咖"], ["网吧", "网咖"]),
    ("机动车维修", ["auto_repair"], 1.5, 3, ["汽车服务", "汽车维修"], ["汽车维修店", "汽修厂", "轮胎店"]),
    ("制造业", ["manufacturing", "special_equipment"], 8, 1, ["机械", "电子", "鞋业", "服饰", "纺织", "塑胶制品"],
     ["加工厂", "制衣厂"]),
    ("信息技术服务", ["it"], 9, 0.5, ["科技", "信息技术", "网络科技", "软件"], ["电脑店", "手机维修部"]),
    ("商务服务", ["advertising"], 8, 1, ["广告", "文化传媒", "企业管理咨询", "会展服务"], ["广告部", "图文店"]),
    ("物流运输", ["logistics"], 4, 2, ["物流", "货运", "供应链管理"], ["货运部", "快递服务部"]),
    ("诊所", ["clinic"], 0.5, 0.8, ["口腔门诊部", "医疗管理"], ["诊所", "中医诊所", "口腔诊所"]),
    ("供水", ["water"], 0.1, 0, ["自来水", "供水"], ["供水站"]),
    ("农业", ["agriculture"], 2, 2, ["农业发展", "生态农业", "茶叶"], ["种植场", "养殖场"]),
]
COMPANY_TYPES = [("有限责任公司（自然人投资或控股）", 50), ("有限责任公司（自然人独资）", 25),
                 ("有限责任公司（法人独资）", 8), ("股份有限公司（非上市、自然人投资或控股）", 3),
                 ("个人独资企业", 8), ("有限合伙企业", 4), ("外商投资企业", 2)]
COMPANY_SUFFIX = {"个人独资企业": "", "有限合伙企业": "（有限合伙）"}
# Entity kinds in the USCC: 1 enterprise, 2 individual business, 3 farmers' cooperative.
KINDS = [("1", 34), ("2", 63), ("3", 3)]
STATUSES = [("存续", 86), ("在业", 8), ("停业", 1.5), ("注销", 2.5), ("吊销", 1.5), ("迁出", 0.5)]
RISKS = [("A", 30), ("B", 55), ("C", 12), ("D", 3)]
# Chance of being on each list, by risk class.
LIST_RATES = {"abnormal": {"A": 0.002, "B": 0.02, "C": 0.10, "D": 0.25},
              "serious_violation": {"A": 0.0, "B": 0.001, "C": 0.01, "D": 0.08}}
TRADE_CHARS = "鑫盛恒通华兴瑞祥福泰隆昌源达嘉宏鸿信诚利金海闽榕安康丰顺佳美永德和正博睿创辉腾越新凯旺聚益宝锦晟天明远航"
CONFLICT_REASONS = ["近亲属在该单位任职", "曾在该单位任职未满三年", "本人或近亲属持有该单位股份", "与经营者存在其他利害关系"]
PAIR_REASONS = ["夫妻关系", "直系亲属关系", "近姻亲关系"]
LEAVE_REASONS = ["年休假", "病假", "培训", "借调", "婚假"]
CHECK_RECORD_RATE = 0.06

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 11714: digits count as themselves, letters A–Z as 10–35; weights 3 7 9 10 5 8 4 2.
_ORG_VALUES = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_MA_SPACE = 31 ** 6
_NUM_SPACE = 10 ** 8


class DemoError(RuntimeError):
    pass


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, password)
    seconds: float = 0.0


def org_check_char(body: str) -> str:
    """GB 11714 check character of an eight-character organisation code body.

    >>> org_check_char("60003734")
    '1'
    """
    v = _ORG_VALUES
    total = (3 * v[body[0]] + 7 * v[body[1]] + 9 * v[body[2]] + 10 * v[body[3]] + 5 * v[body[4]]
             + 8 * v[body[5]] + 4 * v[body[6]] + 2 * v[body[7]])
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(kind: str, region: str, org_body: str) -> str:
    """A USCC with registration authority 9 (market regulation).

    >>> make_uscc("1", "110000", "60003734")
    '91110000600037341L'
    """
    first17 = "9" + kind + region + org_body + org_check_char(org_body)
    return first17 + stdnum_uscc.calc_check_digit(first17)


def _base31(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 31)
        out.append(USCC_ALPHABET[r])
    return "".join(reversed(out))


class _Generator:
    """Deterministic pools and row makers for one seed."""

    def __init__(self, seed: int, as_of: date):
        self.rnd = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.as_of = as_of
        self.stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc)
        geo = json.loads((DATA_DIR / "fuzhou.json").read_text(encoding="utf-8"))
        self.geo = geo
        self.counties = geo["counties"]
        self.county_cum = list(accumulate(c["weight"] for c in self.counties))
        self.people = [self.fake.name() for _ in range(5000)]
        self.roads = sorted({self.fake.street_name() for _ in range(800)})
        trade = {a + b for a in TRADE_CHARS for b in TRADE_CHARS if a != b}
        trade |= {p for p in self.fake.provider("faker.providers.company").company_prefixes if len(p) <= 4}
        self.trade_names = sorted(trade)
        self.industry_cum = {
            "1": list(accumulate(i[2] for i in INDUSTRIES)),
            "2": list(accumulate(i[3] for i in INDUSTRIES)),
        }
        self.agri = next(i for i in INDUSTRIES if i[0] == "农业")
        self.kind_cum = list(accumulate(w for _, w in KINDS))
        self.status_cum = list(accumulate(w for _, w in STATUSES))
        self.risk_cum = list(accumulate(w for _, w in RISKS))
        self.ctype_cum = list(accumulate(w for _, w in COMPANY_TYPES))
        # Bijective index permutations for organisation codes (multipliers
        # coprime with the spaces, offsets from the seed).
        self.ma_mul, self.ma_add = 550_041_307, self.rnd.randrange(_MA_SPACE)
        self.num_mul, self.num_add = 61_803_399, self.rnd.randrange(_NUM_SPACE)
        self.item_tags = {}
        for item in CHECK_ITEMS:
            for tag in item[10]:
                self.item_tags.setdefault(tag, set()).add(item[1])

    # -- reference data -------------------------------------------------
    def departments(self) -> list[dict]:
        return [{"id": d[0], "name": d[1], "name_en": d[2]} for d in DEPARTMENTS]

    def districts(self) -> list[dict]:
        g = self.geo
        rows = [{"code": g["province"]["code"], "name": g["province"]["name"], "parent_code": None, "level": 1},
                {"code": g["city"]["code"], "name": g["city"]["name"], "parent_code": g["province"]["code"],
                 "level": 2}]
        for c in self.counties:
            rows.append({"code": c["code"], "name": c["name"], "parent_code": g["city"]["code"], "level": 3})
            for i, street in enumerate(c["streets"], start=1):
                rows.append({"code": f"{c['code']}{i:03d}", "name": street, "parent_code": c["code"], "level": 4})
        return rows

    def items(self) -> list[dict]:
        return [{"code": code, "version": 1, "department": dept, "name": name, "legal_basis": basis,
                 "content": content, "method": method, "qualification": qual, "ratio_a": r[0], "ratio_b": r[1],
                 "ratio_c": r[2], "ratio_d": r[3], "frequency": freq, "published": published, "current": True}
                for code, dept, name, basis, content, method, qual, r, freq, published, _tags in CHECK_ITEMS]

    # -- inspectors -----------------------------------------------------
    def inspectors(self, n_entities: int) -> tuple[list[dict], list[dict], list[dict]]:
        rnd, as_of = self.rnd, self.as_of
        total = max(1, round(n_entities / ENTITIES_PER_INSPECTOR))
        rows, leaves, pairs = [], [], []
        seq = 0
        for d_index, (dept, _name, _en, share, specialities) in enumerate(DEPARTMENTS):
            quals = sorted({i[6] for i in CHECK_ITEMS if i[1] == dept})
            count = max(MIN_INSPECTORS_PER_DEPARTMENT, 2 * len(quals), round(total * share))
            first_of_dept = len(rows)
            for j in range(count):
                seq += 1
                county = self.counties[rnd.randrange(len(self.counties))]
                if dept == "SCJG" and rnd.random() < 0.6:  # market-regulation offices sit in streets and towns
                    district = f"{county['code']}{rnd.randrange(len(county['streets'])) + 1:03d}"
                else:
                    district = county["code"]
                # Every qualification of the department is held by at least two inspectors.
                own = {quals[j % len(quals)]} | {q for q in quals if rnd.random() < 0.3}
                if dept == "SCJG":
                    own.add("market")
                if seq == 1:  # the demo inspector account's fallback (no demo year): a food inspector
                    own.add("food")
                issued = as_of.year - rnd.randrange(0, 5)
                if seq == 1 or rnd.random() >= 0.06:
                    expires = as_of + timedelta(days=rnd.randrange(60, 5 * 365))
                else:
                    expires = as_of - timedelta(days=rnd.randrange(1, 400))  # expired certificate
                active = seq == 1 or rnd.random() >= 0.03
                rows.append({
                    "id": f"E{seq:05d}", "name": rnd.choice(self.people), "department": dept, "district": district,
                    "certificate_no": f"35{d_index + 1:02d}{issued}{seq:06d}", "certificate_expires": expires,
                    "qualifications": sorted(own), "specialities": rnd.sample(specialities, rnd.randint(1, 2)),
                    "active": active, "max_visits": rnd.choice((20, 25, 30, 30, 40)), "updated_at": self.stamp,
                })
                if seq != 1 and rnd.random() < 0.12:
                    start = as_of + timedelta(days=rnd.randrange(0, 180))
                    leaves.append({"inspector": f"E{seq:05d}", "start": start,
                                   "end": start + timedelta(days=rnd.randrange(2, 15)),
                                   "reason": rnd.choice(LEAVE_REASONS)})
            dept_ids = [r["id"] for r in rows[first_of_dept:]]
            seen = set()
            for _ in range(max(1, count // 150)):
                a, b = sorted(rnd.sample(dept_ids, 2))
                if (a, b) not in seen:
                    seen.add((a, b))
                    pairs.append({"a": a, "b": b, "reason": rnd.choice(PAIR_REASONS),
                                  "declared_on": as_of - timedelta(days=rnd.randrange(0, 700))})
        return rows, leaves, pairs

    # -- entities -------------------------------------------------------
    def org_body(self, index: int) -> str:
        if self.rnd.random() < 0.6:  # issued after 2015: "MA" codes
            return "MA" + _base31((index * self.ma_mul + self.ma_add) % _MA_SPACE, 6)
        return f"{(index * self.num_mul + self.num_add) % _NUM_SPACE:08d}"

    def entity_chunk(self, start: int, k: int) -> list[tuple]:
        """Rows (as tuples in :data:`ENTITY_COLUMNS` order) for entity
        indices ``start`` .. ``start + k - 1``."""
        rnd = self.rnd
        counties = rnd.choices(self.counties, cum_weights=self.county_cum, k=k)
        kinds = rnd.choices([k_ for k_, _ in KINDS], cum_weights=self.kind_cum, k=k)
        statuses = rnd.choices([s for s, _ in STATUSES], cum_weights=self.status_cum, k=k)
        risks = rnd.choices([r for r, _ in RISKS], cum_weights=self.risk_cum, k=k)
        industries = {kind: rnd.choices(INDUSTRIES, cum_weights=cum, k=k) for kind, cum in self.industry_cum.items()}
        etypes = rnd.choices([t for t, _ in COMPANY_TYPES], cum_weights=self.ctype_cum, k=k)
        out = []
        city = self.geo["city"]["name"]
        for i in range(k):
            county, kind, risk = counties[i], kinds[i], risks[i]
            street_no = rnd.randrange(len(county["streets"]))
            street = county["streets"][street_no]
            if kind == "3":
                industry = self.agri
            else:
                industry = industries[kind][i]
            trade = rnd.choice(self.trade_names)
            person = rnd.choice(self.people)
            if kind == "2":
                etype = "个体工商户"
                word = rnd.choice(industry[5])
                name = f"{county['name']}{trade}{word}" if rnd.random() < 0.8 else f"{city}{county['name']}{person}{word}"
            elif kind == "3":
                etype = "农民专业合作社"
                name = f"{county['name']}{street[:2]}{trade}{rnd.choice(industry[4])}专业合作社"
            else:
                etype = etypes[i]
                word = rnd.choice(industry[4])
                place = rnd.choice((city, city, "福建", county["name"][:-1]))
                suffix = COMPANY_SUFFIX.get(etype, "有限公司" if "股份" not in etype else "股份有限公司")
                name = f"{place}{trade}{word}{suffix}"
            lists = [name_ for name_, rates in LIST_RATES.items() if rnd.random() < rates[risk]]
            tags = list(industry[1])
            if kind == "1" and rnd.random() < 0.85:
                tags.append("small_micro")
            if "special_equipment" in tags and rnd.random() < 0.5:
                tags.remove("special_equipment")
            elif "special_equipment" not in tags and industry[0] in ("住宿服务", "批发和零售业") and rnd.random() < 0.1:
                tags.append("special_equipment")  # lifts in hotels and shopping centres
            address = (f"福建省{city}{county['name']}{street}{rnd.choice(self.roads)}"
                       f"{rnd.randint(1, 399)}号" + (f"{rnd.randint(1, 30)}0{rnd.randint(1, 9)}室" if kind == "1" else ""))
            index = start + i
            uscc = make_uscc(kind, county["code"], self.org_body(index))
            out.append((uscc, name, etype, person, address, f"{county['code']}{street_no + 1:03d}", industry[0],
                        statuses[i], risk, lists, tags))
        return out

    def check_records(self, chunk: list[tuple], dept_inspectors: dict[str, list[str]]) -> list[dict]:
        rnd, rows = self.rnd, []
        for row in chunk:
            if rnd.random() >= CHECK_RECORD_RATE:
                continue
            depts = sorted({d for t in row[10] for d in self.item_tags.get(t, ())}) or ["SCJG"]
            for _ in range(1 if rnd.random() < 0.8 else 2):
                dept = rnd.choice(depts)
                rows.append({"uscc": row[0], "department": dept,
                             "checked_on": self.as_of - timedelta(days=rnd.randrange(1, 730)),
                             "inspectors": rnd.sample(dept_inspectors[dept], 2), "source": "demo"})
        return rows


ENTITY_COLUMNS = ("uscc", "name", "type", "legal_rep", "address", "district", "industry", "status", "risk",
                  "lists", "tags")


def has_data(session: Session) -> bool:
    """Whether any registry holds rows (the demo refuses to mix in)."""
    for model in (Department, District, Entity, Inspector, CheckItem):
        if session.execute(sa.select(sa.literal(1)).select_from(model).limit(1)).first():
            return True
    return False


def reset(session: Session) -> None:
    """Empty the database: every migration is undone and redone, so tables
    that refuse deletes (sealed draws) go too, and the reference data the
    migrations seed comes back."""
    from ..db import alembic_config

    from alembic import command

    session.commit()
    engine = session.get_bind()
    session.close()
    down = engine
    if engine.dialect.name == "sqlite":
        # Downgrading recreates tables (batch mode) that rows of a sealed
        # draw still reference: on a connection without foreign-key checks
        # (SQLite's default; the app's engine turns them on).
        down = sa.create_engine(engine.url, connect_args={"timeout": 30})
    try:
        command.downgrade(alembic_config(down), "base")
    finally:
        if down is not engine:
            down.dispose()
    command.upgrade(alembic_config(engine), "head")


def load_demo(session: Session, entities: int = DEFAULT_ENTITIES, seed: int = DEFAULT_SEED,
              as_of: date | None = None, reset_first: bool = False, passwords: dict[str, str] | None = None,
              progress: Callable[[str], None] | None = None) -> DemoResult:
    """Fill the database with a demo prefecture of ``entities`` market
    entities (100 to 5,000,000). Refuses a database that already holds
    registry data unless ``reset_first``. ``passwords`` maps demo user names
    to passwords; missing ones are generated. Returns counts and logins."""
    if not 100 <= entities <= 5_000_000:
        raise DemoError("entities must be between 100 and 5,000,000")
    t0 = time.perf_counter()
    as_of = as_of or date.today()
    say = progress or (lambda _msg: None)
    if reset_first:
        say("emptying the database")
        reset(session)
    elif has_data(session):
        raise DemoError("the database already holds registry data; use --reset to replace it")
    taken = session.execute(sa.select(User.username).where(User.username_key.in_(DEMO_USERS))).scalars().all()
    if taken:
        raise DemoError(f"user account(s) {', '.join(taken)} exist already; use --reset")

    try:
        counts = _load_registries(session, entities, seed, as_of, say)
    except BaseException:
        session.rollback()
        raise

    years = calendar_service.seed_from_package(session)
    counts["calendar_years"] = len(years)

    passwords = dict(passwords or {})
    logins, accounts = [], {}
    planner_dept = "SCJG"

    def account(username: str, role: str, inspector: str | None = None, department: str | None = None) -> User:
        password = passwords.get(username) or f"{username}-{secrets.token_urlsafe(9)}"
        accounts[username] = create_account(session, username, password, role, inspector=inspector,
                                            department=department)
        logins.append((role, username, password))
        return accounts[username]

    account("admin", "admin")
    planner = account("planner", "planner", department=planner_dept)
    # Last year's finished batch (services/demo_last_year.py): published
    # results and a revealed draw for the public side; before this year's
    # draw, whose instance then carries its visits as history.
    try:
        last = demo_last_year.load_last_year(session, seed, as_of, planner, say)
    except demo_year.DemoYearError as error:
        raise DemoError(str(error)) from error
    if last is not None:
        counts.update(last_year_visits=last.visits)
    # The year in progress (services/demo_year.py): a published plan and a
    # sealed draw; the demo inspector is one on its teams.
    try:
        year = demo_year.load_year(session, seed, as_of, planner, say)
    except demo_year.DemoYearError as error:
        raise DemoError(str(error)) from error
    if year is not None:
        counts.update(draw_visits=year.visits, draw_visits_past=year.past, draw_visits_upcoming=year.upcoming)
    inspector_id = demo_year.demo_inspector(session, year, as_of, planner_dept) or session.execute(
        sa.select(Inspector.id).order_by(Inspector.id).limit(1)).scalar_one()
    account("inspector", "inspector", inspector=inspector_id, department=session.get(Inspector, inspector_id).department)
    counts["users"] = len(logins)
    results = demo_year.record_demo_results(session, year, as_of, seed, accounts["inspector"], planner, say)
    counts.update({f"results_{k}": v for k, v in results.items()})
    return DemoResult(counts=counts, logins=logins, seconds=time.perf_counter() - t0)


def _load_registries(session: Session, entities: int, seed: int, as_of: date,
                     say: Callable[[str], None]) -> dict[str, int]:
    """Generate and insert everything but the calendar and the accounts, in
    one transaction; returns the counts."""
    gen = _Generator(seed, as_of)
    conn = session.connection()
    counts: dict[str, int] = {}

    def insert(model, rows: list[dict], name: str) -> None:
        if rows:
            conn.execute(sa.insert(model.__table__), rows)
        counts[name] = counts.get(name, 0) + len(rows)

    insert(Department, gen.departments(), "departments")
    insert(District, gen.districts(), "districts")
    items = gen.items()
    insert(CheckItem, items, "check_items")
    counts["check_items_published"] = sum(1 for i in items if i["published"])
    inspectors, leaves, pairs = gen.inspectors(entities)
    insert(Inspector, inspectors, "inspectors")
    insert(InspectorLeave, leaves, "inspector_leaves")
    insert(PairConflict, pairs, "pair_conflicts")
    counts["inspectors_expired_certificate"] = sum(1 for i in inspectors if i["certificate_expires"] < as_of)
    say(f"reference data and {len(inspectors)} inspectors")

    dept_inspectors: dict[str, list[str]] = {}
    for row in inspectors:
        dept_inspectors.setdefault(row["department"], []).append(row["id"])
    # Entities the conflict declarations will name, picked before streaming.
    declaring = [r["id"] for r in inspectors if gen.rnd.random() < 0.03] or [inspectors[-1]["id"]]
    conflict_targets = {insp: gen.rnd.sample(range(entities), gen.rnd.randint(1, 3)) for insp in declaring}
    wanted = {i for targets in conflict_targets.values() for i in targets}
    captured: dict[int, str] = {}

    writer = _EntityWriter(conn, gen.stamp)
    with _name_index_suspended(conn):
        for start in range(0, entities, CHUNK_SIZE):
            k = min(CHUNK_SIZE, entities - start)
            chunk = gen.entity_chunk(start, k)
            writer.write(chunk)
            for i in wanted.intersection(range(start, start + k)):
                captured[i] = chunk[i - start][0]
            insert(CheckRecord, gen.check_records(chunk, dept_inspectors), "check_records")
            counts["entities"] = counts.get("entities", 0) + k
            for row in chunk:
                for name in row[9]:
                    counts[f"entities_{name}"] = counts.get(f"entities_{name}", 0) + 1
            say(f"entities {start + k:,}/{entities:,}")
        say("name search index")

    conflicts = [{"inspector": insp, "uscc": captured[i], "reason": gen.rnd.choice(CONFLICT_REASONS),
                  "declared_on": as_of - timedelta(days=gen.rnd.randrange(0, 365))}
                 for insp, targets in conflict_targets.items() for i in targets]
    insert(Conflict, conflicts, "conflicts")
    session.commit()

    return counts


class _EntityWriter:
    """Streams entity rows into the database: ``COPY`` on PostgreSQL; on
    SQLite the driver's ``executemany`` with values in the form SQLAlchemy
    stores them (about twice as fast as a Core insert of dicts)."""

    def __init__(self, conn: sa.Connection, stamp: datetime):
        self.conn, self.stamp = conn, stamp
        self.dialect = conn.dialect.name
        self.columns = ENTITY_COLUMNS + ("active", "updated_at")

    def write(self, chunk: list[tuple]) -> None:
        cols = ", ".join(self.columns)
        if self.dialect == "postgresql":
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY entity ({cols}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row[:9] + (json.dumps(row[9]), json.dumps(row[10]), True, self.stamp))
        elif self.dialect == "sqlite":
            stamp = self.stamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
            sql = f"INSERT INTO entity ({cols}) VALUES ({', '.join('?' * len(self.columns))})"
            self.conn.connection.driver_connection.executemany(
                sql, [row[:9] + (json.dumps(row[9]), json.dumps(row[10]), 1, stamp) for row in chunk])
        else:
            self.conn.execute(sa.insert(Entity.__table__), [
                {**dict(zip(ENTITY_COLUMNS, row)), "active": True, "updated_at": self.stamp} for row in chunk])


@contextmanager
def _name_index_suspended(conn: sa.Connection):
    """On SQLite, lift the triggers that keep the FTS5 name index in step
    with ``entity`` (per-row trigram indexing makes bulk loads four times
    slower) and rebuild the index in one pass afterwards. The triggers are
    recreated from their own stored SQL, so this follows the migrations.
    Elsewhere a no-op (PostgreSQL's trigram index is an ordinary index)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entity' "
        "AND name LIKE 'entity_fts%'").all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)
    if triggers:
        conn.exec_driver_sql("INSERT INTO entity_fts(entity_fts) VALUES ('rebuild')")
