"""Deterministic generator of realistic ``inspect-draw/1`` instances for the solver benchmarks.

Three sizes (see ``SIZES``): a county (50,000 entities), a city (500,000) and a province
(5,000,000).  Everything is derived from one seed through a local
``numpy.random.Generator``: no global random state, so the same ``(size, seed)`` always
gives byte-identical files.

Usage::

    .venv/bin/python -m bench.solver_instances --size county -o bench/out/county.json
    .venv/bin/python -m bench.solver_instances --size province -o bench/out/province.json

What the instance contains (all synthetic):

* Fujian-like geography: real GB/T 2260 county codes (福清市 350181 for the county size,
  福州市 3501xx for the city, all of 福建省 35xxxx for the province) plus 3-digit street
  codes, so district filters match by prefix.
* Entities with an 18-character USCC whose check character is computed (GB 32100, the same
  algorithm as ``stdnum.cn.uscc``; the 9-character organisation code has its own GB 11714
  check character), industry tags, a risk class A-D, a few percent on the abnormal-operations
  or serious-violation list, 2 % inactive, a few at the frequency cap, and ~20 % with last
  checks in 2025-2026 (rotation and recent-check exclusion).
* Five departments (市场监管 SCJG, 城管 CGJ, 生态环境 STHJ, 卫健 WJW, 应急管理 YJGL),
  twelve check items with qualifications, nine tasks: an undirected one with the risk ratios
  A 1 % / B 3 % / C 10 % / D 30 % and a list_ratio, directed ones by tag and by district,
  one count-based task and two joint tasks (lead + participating).
* Inspectors with qualifications, leave days, ~3 % expired certificates, 1 % inactive, spread
  over the counties and given a ``max_visits`` in proportion to the expected slot demand of
  their department in their county (estimated by a quick simulation of the
  permanent-random-number sampling, see ``estimate``), since the policy restricts every
  inspector to their own county (``jurisdiction_digits`` 6, 属地管理); declared
  conflicts with ~2 % of the entities, and pair conflicts for ~1 % of the inspectors.
* Window 2027-01-01 .. 2027-03-31.  The 2027 holiday arrangement has not been published
  yet: the calendar below is SYNTHETIC (New Year 2027-01-01; Spring Festival 2027-02-05 ..
  2027-02-13 as holidays, make-up working days Sunday 2027-01-31 and Saturday 2027-02-20),
  a plausible guess, not the State Council's notice.

Entity records are kept small: empty ``lists``, ``checks_this_year`` = 0 and empty
``last_checks`` are left out (``--full-records`` writes them), and the file is streamed,
one entity per line, so that the 5 M-entity province takes well under a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from datetime import date, timedelta

import numpy as np

from solver.model import policy_document

FORMAT = "inspect-draw/1"
DEFAULT_SEED = 20270101

SIZES = {
    "county": {"entities": 50_000, "inspectors": 120, "target_visits": 1_500},
    "city": {"entities": 500_000, "inspectors": 1_200, "target_visits": 15_000},
    "province": {"entities": 5_000_000, "inspectors": 12_000, "target_visits": 150_000},
    # Without 属地管理 (jurisdiction_digits 0, the app's default; a city-wide 城管 detachment):
    # the same geography and entities as "city" / "province", more inspectors, every one a
    # candidate for every entity of their department.
    "city-open": {"entities": 500_000, "inspectors": 2_000, "target_visits": 15_000,
                  "geography": "city", "jurisdiction_digits": 0},
    "province-open": {"entities": 5_000_000, "inspectors": 20_000, "target_visits": 150_000,
                      "geography": "province", "jurisdiction_digits": 0},
}

WINDOW = (date(2027, 1, 1), date(2027, 3, 31))
# SYNTHETIC: the State Council has not published the 2027 arrangement (see module docstring).
HOLIDAYS = [date(2027, 1, 1)] + [date(2027, 2, 5) + timedelta(days=k) for k in range(9)]
MAKEUP_WORKDAYS = [date(2027, 1, 31), date(2027, 2, 20)]

# The solver's defaults, except 属地管理: a county bureau's inspectors check the entities of
# their own county (GB/T 2260 county code = the first 6 digits of a district code).
# exclude_local_supervisor is left out (its default, false), as the generator always has,
# so that its files stay byte-identical.
POLICY = {k: v for k, v in policy_document().items() if k != "exclude_local_supervisor"}
POLICY["jurisdiction_digits"] = 6

# ---------------------------------------------------------------------------------------
# Geography (GB/T 2260 codes of Fujian; names used in entity names)

FUJIAN = {
    "3501": ("福州市", [("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"),
                        ("350105", "马尾区"), ("350111", "晋安区"), ("350112", "长乐区"),
                        ("350121", "闽侯县"), ("350122", "连江县"), ("350123", "罗源县"),
                        ("350124", "闽清县"), ("350125", "永泰县"), ("350128", "平潭县"),
                        ("350181", "福清市")]),
    "3502": ("厦门市", [("350203", "思明区"), ("350205", "海沧区"), ("350206", "湖里区"),
                        ("350211", "集美区"), ("350212", "同安区"), ("350213", "翔安区")]),
    "3503": ("莆田市", [("350302", "城厢区"), ("350303", "涵江区"), ("350304", "荔城区"),
                        ("350305", "秀屿区"), ("350322", "仙游县")]),
    "3504": ("三明市", [("350404", "三元区"), ("350405", "沙县区"), ("350421", "明溪县"),
                        ("350423", "清流县"), ("350424", "宁化县"), ("350425", "大田县"),
                        ("350426", "尤溪县"), ("350428", "将乐县"), ("350429", "泰宁县"),
                        ("350430", "建宁县"), ("350481", "永安市")]),
    "3505": ("泉州市", [("350502", "鲤城区"), ("350503", "丰泽区"), ("350504", "洛江区"),
                        ("350505", "泉港区"), ("350521", "惠安县"), ("350524", "安溪县"),
                        ("350525", "永春县"), ("350526", "德化县"), ("350581", "石狮市"),
                        ("350582", "晋江市"), ("350583", "南安市")]),
    "3506": ("漳州市", [("350602", "芗城区"), ("350603", "龙文区"), ("350604", "龙海区"),
                        ("350605", "长泰区"), ("350622", "云霄县"), ("350623", "漳浦县"),
                        ("350624", "诏安县"), ("350626", "东山县"), ("350627", "南靖县"),
                        ("350628", "平和县"), ("350629", "华安县")]),
    "3507": ("南平市", [("350702", "延平区"), ("350703", "建阳区"), ("350721", "顺昌县"),
                        ("350722", "浦城县"), ("350723", "光泽县"), ("350724", "松溪县"),
                        ("350725", "政和县"), ("350781", "邵武市"), ("350782", "武夷山市"),
                        ("350783", "建瓯市")]),
    "3508": ("龙岩市", [("350802", "新罗区"), ("350803", "永定区"), ("350821", "长汀县"),
                        ("350823", "上杭县"), ("350824", "武平县"), ("350825", "连城县"),
                        ("350881", "漳平市")]),
    "3509": ("宁德市", [("350902", "蕉城区"), ("350921", "霞浦县"), ("350922", "古田县"),
                        ("350923", "屏南县"), ("350924", "寿宁县"), ("350925", "周宁县"),
                        ("350926", "柘荣县"), ("350981", "福安市"), ("350982", "福鼎市")]),
}
# Relative economic weight of the prefecture-level cities (roughly: number of entities).
CITY_WEIGHT = {"3501": 2.4, "3502": 2.0, "3503": 0.8, "3504": 0.6, "3505": 2.6,
               "3506": 1.2, "3507": 0.6, "3508": 0.7, "3509": 0.7}


def _counties(size: str) -> list[tuple[str, str, float]]:
    """(code, name, weight) of the counties the instance covers."""
    if size == "county":
        return [("350181", "福清市", 1.0)]
    cities = ["3501"] if size == "city" else sorted(FUJIAN)
    out = []
    for c in cities:
        _, counties = FUJIAN[c]
        for k, (code, name) in enumerate(counties):
            # urban districts (xx01-xx19) are denser than rural counties
            w = CITY_WEIGHT[c] * (1.6 if int(code[4:]) < 20 else 1.0) / len(counties)
            out.append((code, name, w))
    return out


# ---------------------------------------------------------------------------------------
# Industries, departments, items, tasks

# tag, share of entities, individual-business share, name words, risk shift
INDUSTRIES = [
    ("retail", 0.30, 0.70, ["商行", "百货", "便利店", "贸易", "五金", "服饰"], 0.0),
    ("restaurant", 0.15, 0.65, ["餐饮", "小吃", "饭店", "酒家", "面馆", "茶餐厅"], 0.2),
    ("service", 0.12, 0.60, ["家政服务", "洗衣", "维修", "摄影", "汽车服务"], 0.0),
    ("food_retail", 0.08, 0.60, ["食品", "生鲜", "粮油", "水产", "茶叶"], 0.2),
    ("manufacturing", 0.10, 0.05, ["机械", "塑胶", "鞋业", "纺织", "电子", "建材"], 0.4),
    ("construction", 0.04, 0.02, ["建筑工程", "装饰工程", "市政工程"], 0.3),
    ("hotel", 0.03, 0.30, ["酒店", "宾馆", "民宿"], 0.1),
    ("entertainment", 0.02, 0.20, ["KTV", "网吧", "游艺", "健身"], 0.2),
    ("hair_beauty", 0.04, 0.80, ["美容", "美发", "美甲"], 0.0),
    ("clinic", 0.02, 0.30, ["诊所", "口腔门诊", "中医诊所"], 0.3),
    ("chemical", 0.015, 0.0, ["化工", "涂料", "化学品"], 1.2),
    ("gas_station", 0.005, 0.0, ["加油站", "燃气"], 1.0),
    ("logistics", 0.04, 0.20, ["物流", "货运", "仓储"], 0.1),
    ("software", 0.04, 0.05, ["科技", "网络科技", "信息技术"], -0.3),
]
SECOND_TAGS = [("special_equipment", ("manufacturing", "hotel", "chemical", "entertainment",
                                      "construction", "logistics"), 0.25),
               ("outdoor_ad", ("retail", "restaurant", "service", "food_retail", "hair_beauty"),
                0.08)]

DEPARTMENTS = [("SCJG", "市场监督管理局"), ("CGJ", "城市管理局"), ("STHJ", "生态环境局"),
               ("WJW", "卫生健康委员会"), ("YJGL", "应急管理局")]

# id, department, name, qualification
ITEMS = [
    ("SCJG-01", "SCJG", "企业公示信息", "registration"),
    ("SCJG-02", "SCJG", "食品经营许可及经营行为", "food"),
    ("SCJG-03", "SCJG", "特种设备使用单位安全", "special_equipment"),
    ("SCJG-04", "SCJG", "产品质量", "product_quality"),
    ("CGJ-01", "CGJ", "户外广告及招牌设置", "urban_management"),
    ("CGJ-02", "CGJ", "餐饮油烟排放", "urban_management"),
    ("STHJ-01", "STHJ", "排污许可执行情况", "pollution"),
    ("STHJ-02", "STHJ", "危险废物规范化管理", "hazardous_waste"),
    ("WJW-01", "WJW", "公共场所卫生", "public_health"),
    ("WJW-02", "WJW", "医疗机构依法执业", "medical"),
    ("YJGL-01", "YJGL", "工贸企业安全生产", "work_safety"),
    ("YJGL-02", "YJGL", "危险化学品经营安全", "hazchem"),
]
# qualification -> share of that department's inspectors holding it
QUAL_SHARE = {
    "SCJG": {"registration": 1.0, "food": 0.7, "special_equipment": 0.35, "product_quality": 0.3},
    "CGJ": {"urban_management": 1.0},
    "STHJ": {"pollution": 1.0, "hazardous_waste": 0.6},
    "WJW": {"public_health": 0.9, "medical": 0.6},
    "YJGL": {"work_safety": 1.0, "hazchem": 0.7},
}

RATIO = {"A": 0.01, "B": 0.03, "C": 0.10, "D": 0.30}
RISKS = "ABCD"
RISK_P = np.array([0.735, 0.20, 0.048, 0.017])
LISTS = ("abnormal", "serious")


def _tasks(counties: list[tuple[str, str, float]], size: str, n_entities: int) -> list[dict]:
    codes = [c for c, _, _ in counties]
    if size == "county":
        urban = ["350181001", "350181002", "350181003", "350181004", "350181005", "350181006"]
        campaign = ["350181101", "350181102", "350181103", "350181104"]
    else:
        urban = [c for c in codes if int(c[4:]) < 20][:4]
        campaign = [c for c in codes if int(c[4:]) >= 20][::3]
    return [
        {"id": "T01", "name": "企业公示信息随机抽查", "department": "SCJG", "items": ["SCJG-01"],
         "ratio": RATIO, "list_ratio": {"abnormal": 0.15, "serious": 0.5}, "inspectors_per_visit": 2},
        {"id": "T02", "name": "食品经营者监督检查", "department": "SCJG", "items": ["SCJG-02"],
         "filter": {"tags_any": ["restaurant", "food_retail"]}, "ratio": RATIO,
         "inspectors_per_visit": 2},
        {"id": "T03", "name": "特种设备使用单位抽查", "department": "SCJG", "items": ["SCJG-03"],
         "filter": {"tags_any": ["special_equipment"]}, "ratio": RATIO, "inspectors_per_visit": 2},
        {"id": "T04", "name": "城区餐饮油烟及户外广告检查", "department": "CGJ",
         "items": ["CGJ-01", "CGJ-02"],
         "filter": {"tags_any": ["restaurant", "outdoor_ad"], "districts": urban},
         "ratio": RATIO, "inspectors_per_visit": 2},
        {"id": "T05", "name": "排污单位双随机抽查", "department": "STHJ", "items": ["STHJ-01"],
         "filter": {"tags_any": ["manufacturing"]}, "ratio": RATIO, "inspectors_per_visit": 2},
        {"id": "T06", "name": "公共场所卫生与特种设备联合抽查", "department": "WJW",
         "participating": ["SCJG"], "items": ["WJW-01", "SCJG-03"],
         "filter": {"tags_any": ["hotel", "entertainment", "hair_beauty"]}, "ratio": RATIO,
         "inspectors_per_visit": 2},
        {"id": "T07", "name": "医疗机构依法执业抽查", "department": "WJW", "items": ["WJW-02"],
         "filter": {"tags_any": ["clinic"]}, "ratio": RATIO, "inspectors_per_visit": 2},
        {"id": "T08", "name": "危险化学品企业安全与环境联合检查", "department": "YJGL",
         "participating": ["STHJ"], "items": ["YJGL-02", "STHJ-02"],
         "filter": {"tags_any": ["chemical", "gas_station"]}, "ratio": RATIO,
         "inspectors_per_visit": 2},
        {"id": "T09", "name": "乡镇工贸企业安全生产专项检查", "department": "YJGL",
         "items": ["YJGL-01"], "filter": {"tags_any": ["manufacturing", "construction"],
                                          "districts": campaign},
         "count": max(10, round(n_entities * 0.0008)), "inspectors_per_visit": 2},
    ]


# ---------------------------------------------------------------------------------------
# USCC (GB 32100-2015) and organisation code (GB 11714)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_W = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64)
_ORG_W = np.array([3, 7, 9, 10, 5, 8, 4, 2], np.int64)
_ASCII = np.frombuffer(USCC_ALPHABET.encode(), np.uint8)


def make_usccs(region: np.ndarray, kind: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Vectorised USCCs: ``region`` (N,6) digit values, ``kind`` 1 (enterprise) or
    2 (individual business), ``index`` unique ints.  Returns an (N,) array of ``S18``."""
    n = len(index)
    vals = np.zeros((n, 17), np.int64)  # values in the USCC alphabet
    vals[:, 0] = 9  # registration authority: market regulation
    vals[:, 1] = kind
    vals[:, 2:8] = region
    # organisation code: 2/3 new-style "MA" + 6 base-31 chars, 1/3 old 8-digit codes
    new = (index % 3) != 0
    body = np.zeros((n, 8), np.int64)
    x = (index * 104_729 + 12_345) % (31 ** 6)
    for k in range(7, 1, -1):
        body[:, k] = np.where(new, x % 31, 0)
        x //= 31
    body[:, 0] = np.where(new, USCC_ALPHABET.index("M"), 0)
    body[:, 1] = np.where(new, USCC_ALPHABET.index("A"), 0)
    y = (index * 7_919 + 10_000_019) % 10 ** 8
    for k in range(7, -1, -1):
        body[:, k] = np.where(new, body[:, k], y % 10)
        y //= 10
    # GB 11714 check: characters valued 0-9, A=10 .. Z=35
    ch = _ASCII[body]
    gb = np.where(ch >= 65, ch.astype(np.int64) - 55, ch.astype(np.int64) - 48)
    c = 11 - (gb @ _ORG_W) % 11
    org_check = np.where(c == 10, USCC_ALPHABET.index("X"), np.where(c == 11, 0, c))
    vals[:, 8:16] = body
    vals[:, 16] = org_check
    check = (31 - (vals @ _USCC_W) % 31) % 31
    full = np.concatenate([vals, check[:, None]], axis=1)
    return np.ascontiguousarray(_ASCII[full]).view("S18").ravel()


# ---------------------------------------------------------------------------------------
# Calendar

def working_days(start: date = WINDOW[0], end: date = WINDOW[1]) -> list[date]:
    hol, mk = set(HOLIDAYS), set(MAKEUP_WORKDAYS)
    out, d = [], start
    while d <= end:
        if (d.weekday() < 5 and d not in hol) or d in mk:
            out.append(d)
        d += timedelta(days=1)
    return out


# ---------------------------------------------------------------------------------------
# Sampling estimate (permanent random numbers, as DRAW-PROTOCOL.md describes), used to size
# inspector capacity and printed so that the sizes can be tuned.  It simulates u(e) with the
# generator's own RNG: the real draw (HMAC of the seed) gives statistically the same counts.

def _task_mask(t: dict, ent: dict, tag_idx: dict, street_codes: np.ndarray) -> np.ndarray:
    n = len(ent["risk"])
    m = np.ones(n, bool)
    f = t.get("filter")
    if f:
        if f.get("tags_any"):
            mm = np.zeros(n, bool)
            for tg in f["tags_any"]:
                k = tag_idx[tg]
                mm |= (ent["tag"] == k) | (ent["tag2"] == k)
            m &= mm
        if f.get("districts"):
            codes = street_codes[ent["street"]]
            mm = np.zeros(n, bool)
            for p in f["districts"]:
                mm |= np.char.startswith(codes, p)
            m &= mm
    return m


def estimate(tasks: list[dict], ent: dict, tag_idx: dict, street_codes: np.ndarray,
             rng: np.random.Generator, coordinated: bool = True,
             ent_county: np.ndarray | None = None, n_counties: int = 1) -> dict:
    n = len(ent["risk"])
    dept_bit = {d: 1 << k for k, (d, _) in enumerate(DEPARTMENTS)}
    u_common = rng.random(n)
    depts = np.zeros(n, np.int64)
    sampled_by_task = {}
    eligible = (ent["status"] == 0) & (ent["cty"] < POLICY["frequency_cap"])
    for t in tasks:
        u = u_common if coordinated else rng.random(n)
        m = eligible & _task_mask(t, ent, tag_idx, street_codes)
        recent = (ent["lc_dept"] == [d for d, _ in DEPARTMENTS].index(t["department"])) & \
                 (ent["lc_recent"]) & (ent["risk"] <= 1)
        m &= ~recent
        take = np.zeros(n, bool)
        if "count" in t:
            idx = np.flatnonzero(m)
            k = min(t["count"], len(idx))
            take[idx[np.argsort(u[idx])[:k]]] = True
        else:
            lr = t.get("list_ratio", {})
            strata = []
            listed = np.zeros(n, bool)
            for li, name in enumerate(LISTS):
                if name in lr:
                    s = m & (ent["lists"] == li + 1)
                    strata.append((s, lr[name]))
                    listed |= s
            for ri, r in enumerate(RISKS):
                strata.append((m & ~listed & (ent["risk"] == ri), t["ratio"][r]))
            for s, ratio in strata:
                idx = np.flatnonzero(s)
                k = math.ceil(ratio * len(idx) - 1e-9)
                if k:
                    take[idx[np.argpartition(u[idx], k - 1)[:k]]] = True
        sampled_by_task[t["id"]] = int(take.sum())
        for d in [t["department"]] + t.get("participating", []):
            depts[take] |= dept_bit[d]
    visited = depts > 0
    nd = np.zeros(n, np.int64)
    for b in dept_bit.values():
        nd += (depts & b) > 0
    demand, by_county = {}, {}
    for d, b in dept_bit.items():
        has = (depts & b) > 0
        demand[d] = int(2 * (has & (nd == 1)).sum() + (has & (nd > 1)).sum())
        if ent_county is not None:  # the same slot demand, per county
            by_county[d] = np.bincount(ent_county[has], weights=np.where(nd[has] == 1, 2, 1),
                                       minlength=n_counties)
    return {"tasks": sampled_by_task, "visits": int(visited.sum()),
            "joint": int((nd > 1).sum()), "slot_demand": demand, "slot_demand_by_county": by_county}


def allocate(total: int, demand: np.ndarray, minimum: int) -> np.ndarray:
    """``total`` inspectors over counties in proportion to ``demand`` (largest remainder),
    at least ``minimum`` wherever there is demand (when ``total`` allows).

    >>> allocate(10, np.array([6.0, 3.0, 1.0, 0.0]), 2).tolist()
    [5, 3, 2, 0]
    """
    if demand.sum() <= 0:
        demand = np.ones_like(demand)
    exact = total * demand / demand.sum()
    alloc = np.floor(exact).astype(int)
    alloc = np.where(demand > 0, np.maximum(alloc, minimum), 0)
    while alloc.sum() > total:  # take from the county with the most above its share
        over = np.where(alloc > minimum, alloc - exact, -np.inf)
        alloc[int(np.argmax(over))] -= 1
    while alloc.sum() < total:  # give to the largest remainder
        alloc[int(np.argmax(exact - alloc))] += 1
    return alloc


# ---------------------------------------------------------------------------------------
# Names

_BRAND_CHARS = ("鑫盛兴隆华泰宏达金源恒信永福安康瑞祥博顺丰德和美佳嘉新富贵利旺通明晨星海天"
                "宇鸿辉锦荣昌盈茂联创汇聚正大一品东南西北中诚益众合鼎尚凯")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红萍建国志文斌辉鹏宇浩凯丹玲雪梅林燕婷晨晓东海波峰云飞欣怡嘉琪子涵雨轩"


def _brands() -> list[str]:
    c = _BRAND_CHARS
    return [a + b for a in c for b in c if a != b]


def _inspector_names(n: int, seed: int, rng: np.random.Generator) -> list[str]:
    try:
        from faker import Faker

        fk = Faker("zh_CN")
        fk.seed_instance(seed)
        return [fk.name() for _ in range(n)]
    except ImportError:  # pragma: no cover - Faker is in requirements.txt
        s = rng.integers(0, len(_SURNAMES), n)
        g1 = rng.integers(0, len(_GIVEN), n)
        g2 = rng.integers(-len(_GIVEN), len(_GIVEN), n)
        return [_SURNAMES[a] + _GIVEN[b] + (_GIVEN[c] if c >= 0 else "")
                for a, b, c in zip(s.tolist(), g1.tolist(), g2.tolist())]


# ---------------------------------------------------------------------------------------
# Generation

def _iso(d: date) -> str:
    return d.isoformat()


def generate(size: str, path: str, seed: int = DEFAULT_SEED, *, full_records: bool = False,
             coordinated: bool = True, quiet: bool = False) -> dict:
    """Write the instance of ``size`` to ``path``; return a summary dict (counts)."""
    t0 = time.perf_counter()
    spec = SIZES[size]
    n = spec["entities"]
    geography = spec.get("geography", size)
    size_salt = {"county": 1, "city": 2, "province": 3}[geography]
    rng = np.random.default_rng([seed, size_salt])
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))

    # --- geography
    counties = _counties(geography)
    cw = np.array([w for _, _, w in counties])
    street_codes, street_county, street_w = [], [], []
    for ci, (code, _, _) in enumerate(counties):
        ns = 24 if geography == "county" else int(rng.integers(8, 21))
        n_urban = max(3, ns // 3)
        for k in range(ns):
            num = k + 1 if k < n_urban else 100 + k - n_urban + 1
            street_codes.append(f"{code}{num:03d}")
            street_county.append(ci)
            street_w.append((2.5 if k < n_urban else 1.0) * float(rng.uniform(0.5, 1.5)))
    street_codes = np.array(street_codes)
    street_county = np.array(street_county)
    street_w = np.array(street_w)
    # per-street probability = county weight * street share within county
    p = np.zeros(len(street_codes))
    for ci in range(len(counties)):
        s = street_county == ci
        p[s] = cw[ci] / cw.sum() * street_w[s] / street_w[s].sum()
    p /= p.sum()

    # --- entities (numpy columns)
    tags = [t for t, *_ in INDUSTRIES] + [t for t, *_ in SECOND_TAGS]
    tag_idx = {t: k for k, t in enumerate(tags)}
    ent: dict[str, np.ndarray] = {}
    ent["street"] = rng.choice(len(street_codes), n, p=p)
    ip = np.array([x[1] for x in INDUSTRIES])
    ip /= ip.sum()
    ent["tag"] = rng.choice(len(INDUSTRIES), n, p=ip)
    tag2 = np.full(n, -1)
    for t2, hosts, share in SECOND_TAGS:
        host = np.isin(ent["tag"], [tag_idx[h] for h in hosts])
        tag2[host & (rng.random(n) < share)] = tag_idx[t2]
    ent["tag2"] = tag2
    indiv_share = np.array([x[2] for x in INDUSTRIES])
    ent["kind"] = np.where(rng.random(n) < indiv_share[ent["tag"]], 2, 1)
    # risk: base mix, with C and D weighted up by (1 + 2 * shift) for risky industries
    shift = np.array([x[4] for x in INDUSTRIES])
    probs = np.tile(RISK_P, (len(INDUSTRIES), 1))
    probs[:, 2:] *= (1 + 2 * np.maximum(shift, -0.4))[:, None]
    probs /= probs.sum(axis=1, keepdims=True)
    cum = np.cumsum(probs, axis=1)[ent["tag"]]
    ent["risk"] = np.minimum((rng.random(n)[:, None] >= cum).sum(axis=1), 3)
    r = rng.random(n)
    ent["lists"] = np.where(r < 0.003, 2, np.where(r < 0.028, 1, 0))  # serious / abnormal
    ent["status"] = np.where(rng.random(n) < 0.02, 1 + (rng.random(n) < 0.3), 0)
    r = rng.random(n)
    ent["cty"] = np.where(r < 0.004, 4, np.where(r < 0.03, 1 + (r * 1000).astype(int) % 2, 0))

    # --- departments: last checks (one or two per entity)
    dept_ids = [d for d, _ in DEPARTMENTS]
    dept_p = np.array([0.55, 0.15, 0.1, 0.12, 0.08])
    has_lc = rng.random(n) < 0.20
    ent["lc_dept"] = np.where(has_lc, rng.choice(5, n, p=dept_p), -1)
    day0 = date(2025, 7, 1)
    lc_day = rng.integers(0, (date(2026, 12, 20) - day0).days, n)
    ent["lc_day"] = lc_day
    ent["lc_recent"] = has_lc & (lc_day >= (WINDOW[0] - timedelta(days=POLICY["exclude_recent_days"]) - day0).days)
    has_lc2 = has_lc & (rng.random(n) < 0.12)
    lc2_dept = np.where(has_lc2, (ent["lc_dept"] + rng.integers(1, 5, n)) % 5, -1)
    lc2_day = rng.integers(0, (date(2026, 12, 20) - day0).days, n)

    tasks = _tasks(counties, geography, n)
    ent_county = street_county[ent["street"]]
    est = estimate(tasks, ent, tag_idx, street_codes, rng, ent_county=ent_county, n_counties=len(counties))
    log(f"[{size}] estimated samples per task {est['tasks']}")
    log(f"[{size}] estimated visits {est['visits']} (target {spec['target_visits']}), "
        f"joint {est['joint']} ({est['joint'] / max(1, est['visits']):.0%}), "
        f"slot demand {est['slot_demand']}")

    # --- inspectors, sized per department from the slot demand
    n_insp = spec["inspectors"]
    demand = np.array([est["slot_demand"][d] for d in dept_ids], float)
    # every department gets at least 6 % of the staff (small departments still need teams)
    share = np.maximum(demand / demand.sum(), 0.06)
    share /= share.sum()
    per_dept = np.floor(share * n_insp).astype(int)
    per_dept[0] += n_insp - per_dept.sum()
    wdays = working_days()
    insp = []
    names = _inspector_names(n_insp, seed * 10 + size_salt, rng)
    nid = 0
    for di, d in enumerate(dept_ids):
        k = int(per_dept[di])
        # each county bureau gets staff in proportion to its own slot demand (policy
        # jurisdiction_digits = 6: inspectors serve their own county), at least 5
        cdemand = est["slot_demand_by_county"][d]
        alloc = allocate(k, cdemand, 5)
        # capacity: 1.4 x the county's expected demand, as three distinct levels (equal
        # availability groups)
        base_c = np.maximum(6, np.ceil(1.4 * cdemand / np.maximum(1, alloc))).astype(int)
        cnty = rng.permutation(np.repeat(np.arange(len(counties)), alloc))
        for j in range(k):
            ci = int(cnty[j])
            base = int(base_c[ci])
            levels = [max(3, base - 6), base, base + 6]
            streets_c = np.flatnonzero(street_county == ci)
            quals = sorted(q for q, s in QUAL_SHARE[d].items() if rng.random() < s)
            if not quals:
                quals = [next(iter(QUAL_SHARE[d]))]
            r = rng.random()
            if r < 0.03:
                cert = date(2026, 1, 1) + timedelta(days=int(rng.integers(0, 360)))
            elif r < 0.05:
                cert = date(2027, 1, 15) + timedelta(days=int(rng.integers(0, 60)))
            else:
                cert = date(2027, 6, 30) + timedelta(days=int(rng.integers(0, 1300)))
            r = rng.random()
            if r < 0.55:
                leave = []
            elif r < 0.85:
                leave = sorted(rng.choice(len(wdays), int(rng.integers(1, 6)), replace=False).tolist())
                leave = [wdays[x] for x in leave]
            elif r < 0.95:
                st = int(rng.integers(0, len(wdays) - 15))
                leave = wdays[st: st + int(rng.integers(5, 16))]
            else:
                st = int(rng.integers(0, len(wdays) - 40))
                leave = wdays[st: st + int(rng.integers(20, 41))]
            insp.append({
                "id": f"{d}{nid:05d}", "name": names[nid], "department": d,
                "district": str(street_codes[streets_c[int(rng.integers(0, len(streets_c)))]]),
                "qualifications": quals, "certificate_expires": _iso(cert),
                "active": bool(rng.random() >= 0.01),
                "unavailable": [_iso(x) for x in leave],
                "max_visits": int(levels[int(rng.choice(3, p=[0.2, 0.6, 0.2]))]),
            })
            nid += 1
    ins_ids = [i["id"] for i in insp]
    ins_dept = np.array([dept_ids.index(i["department"]) for i in insp])
    # county of each inspector (from its district code)
    cindex = {c: k for k, (c, _, _) in enumerate(counties)}
    ins_cnty = np.array([cindex[i["district"][:6]] for i in insp])
    # inspector groups by (county, department) for last checks and conflicts
    order = np.lexsort((np.arange(n_insp), ins_dept, ins_cnty))
    key = ins_cnty[order] * 8 + ins_dept[order]
    nkey = len(counties) * 8
    gstart = np.searchsorted(key, np.arange(nkey), side="left")
    gsize = np.searchsorted(key, np.arange(nkey), side="right") - gstart
    dorder = np.argsort(ins_dept, kind="stable")
    dstart = np.searchsorted(ins_dept[dorder], np.arange(5), side="left")
    dsize = np.bincount(ins_dept, minlength=5)

    def pick(dept: np.ndarray, cnty: np.ndarray, r1: np.ndarray, r2: np.ndarray):
        """Two distinct inspectors of ``dept``, from the entity's county when it has >= 2."""
        k = cnty * 8 + dept
        local = gsize[k] >= 2
        size_ = np.where(local, gsize[k], dsize[dept])
        a = (r1 * size_).astype(np.int64)
        b = (a + 1 + (r2 * (size_ - 1)).astype(np.int64)) % size_
        last = len(order) - 1
        ia = np.where(local, order[np.minimum(gstart[k] + a, last)], dorder[dstart[dept] + a])
        ib = np.where(local, order[np.minimum(gstart[k] + b, last)], dorder[dstart[dept] + b])
        return ia, ib

    ent_cnty = street_county[ent["street"]]
    lc = {}  # entity index -> json fragment
    for dep, day, sel in ((ent["lc_dept"], lc_day, has_lc), (lc2_dept, lc2_day, has_lc2)):
        idx = np.flatnonzero(sel)
        ia, ib = pick(dep[idx], ent_cnty[idx], rng.random(len(idx)), rng.random(len(idx)))
        for e, d, dd, a, b in zip(idx.tolist(), dep[idx].tolist(), day[idx].tolist(),
                                  ia.tolist(), ib.tolist()):
            frag = (f'{{"department":"{dept_ids[d]}","date":"{_iso(day0 + timedelta(days=dd))}",'
                    f'"inspectors":["{ins_ids[a]}","{ins_ids[b]}"]}}')
            lc[e] = lc[e] + "," + frag if e in lc else frag

    # conflicts: ~2 % of entities with one inspector (local, department by weight)
    cidx = np.flatnonzero(rng.random(n) < 0.02)
    cdep = rng.choice(5, len(cidx), p=np.array([0.5, 0.15, 0.12, 0.13, 0.1]))
    ca, _ = pick(cdep, ent_cnty[cidx], rng.random(len(cidx)), rng.random(len(cidx)))
    reasons = ["relative", "shareholder", "former_employee", "prior_dispute"]
    creason = rng.choice(4, len(cidx), p=[0.5, 0.15, 0.2, 0.15])
    # pair conflicts: ~1 % of inspectors, pairs in the same department
    pairs = []
    pidx = np.flatnonzero(rng.random(n_insp) < 0.025)
    for a in pidx.tolist():
        d = int(ins_dept[a])
        b = int(dorder[dstart[d] + int(rng.integers(0, dsize[d]))])
        if a != b:
            pairs.append((min(ins_ids[a], ins_ids[b]), max(ins_ids[a], ins_ids[b])))
    pairs = sorted(set(pairs))

    # --- entity strings
    region = np.array([[int(ch) for ch in c[:6]] for c in street_codes])[ent["street"]]
    usccs = make_usccs(region, ent["kind"], np.arange(n, dtype=np.int64) + size_salt * 10 ** 7)
    secret = hashlib.sha256(f"bench-secret:{size}:{seed}".encode()).hexdigest()
    doc_head = {
        "format": FORMAT,
        "draw_id": f"BENCH-{size.upper()}-2027-Q1",
        "secret": secret,
        "external_entropy": str(int(hashlib.sha256(f"entropy:{seed}".encode()).hexdigest()[:8], 16) % 1_000_000).zfill(6),
        "window": {"start": _iso(WINDOW[0]), "end": _iso(WINDOW[1])},
        "calendar": {"holidays": [_iso(d) for d in HOLIDAYS],
                     "workdays": [_iso(d) for d in MAKEUP_WORKDAYS],
                     "note": "SYNTHETIC 2027 arrangement (not yet published): Spring Festival "
                             "2027-02-05..13, make-up workdays 2027-01-31 and 2027-02-20"},
        "policy": dict(POLICY, coordinated_sampling=coordinated,
                       jurisdiction_digits=spec.get("jurisdiction_digits", POLICY["jurisdiction_digits"])),
        "departments": [{"id": d, "name": nm} for d, nm in DEPARTMENTS],
        "items": [{"id": i, "department": d, "name": nm, "qualification": q}
                  for i, d, nm, q in ITEMS],
        "tasks": tasks,
        "inspectors": insp,
        "pair_conflicts": [{"a": a, "b": b} for a, b in pairs],
    }
    t_gen = time.perf_counter() - t0

    tmp = path + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 22) as fh:
        head = json.dumps(doc_head, ensure_ascii=False, separators=(",", ":"))
        fh.write(head[:-1])
        fh.write(',\n"conflicts":[\n')
        cu = usccs[cidx]
        fh.write(",\n".join(
            f'{{"inspector":"{ins_ids[a]}","uscc":"{u.decode()}","reason":"{reasons[rr]}"}}'
            for a, u, rr in zip(ca.tolist(), cu.tolist(), creason.tolist())))
        fh.write('\n],\n"entities":[\n')
        county_names = [nm for _, nm, _ in counties]
        brands = _brands()
        words = [x[3] for x in INDUSTRIES]
        tag_frag = {}
        for t in range(len(INDUSTRIES)):
            for t2 in [-1] + [tag_idx[s] for s, *_ in SECOND_TAGS]:
                tag_frag[(t, t2)] = json.dumps([tags[t]] + ([tags[t2]] if t2 >= 0 else []),
                                               ensure_ascii=False, separators=(",", ":"))
        status_s = ["active", "cancelled", "revoked"]
        list_s = ["[]", '["abnormal"]', '["serious"]']
        CH = 250_000
        first = True
        for s0 in range(0, n, CH):
            s1 = min(n, s0 + CH)
            sl = slice(s0, s1)
            u_l = [x.decode() for x in usccs[sl].tolist()]
            st = ent["street"][sl]
            cn = street_county[st].tolist()
            br = rng.integers(0, len(brands), s1 - s0).tolist()
            wsel = rng.integers(0, 6, s1 - s0).tolist()
            tg = ent["tag"][sl].tolist()
            tg2 = ent["tag2"][sl].tolist()
            kind = ent["kind"][sl].tolist()
            risk = ent["risk"][sl].tolist()
            stat = ent["status"][sl].tolist()
            lists = ent["lists"][sl].tolist()
            cty = ent["cty"][sl].tolist()
            dist = street_codes[st].tolist()
            out = []
            ap = out.append
            for k in range(s1 - s0):
                t = tg[k]
                w = words[t]
                nm = (county_names[cn[k]] + brands[br[k]] + w[wsel[k] % len(w)]
                      + ("有限公司" if kind[k] == 1 else "店"))
                rec = (f'{{"uscc":"{u_l[k]}","name":"{nm}","district":"{dist[k]}",'
                       f'"risk":"{RISKS[risk[k]]}","status":"{status_s[stat[k]]}",'
                       f'"tags":{tag_frag[(t, tg2[k])]}')
                if lists[k] or full_records:
                    rec += f',"lists":{list_s[lists[k]]}'
                if cty[k] or full_records:
                    rec += f',"checks_this_year":{cty[k]}'
                e = s0 + k
                if e in lc:
                    rec += f',"last_checks":[{lc[e]}]'
                elif full_records:
                    rec += ',"last_checks":[]'
                ap(rec + "}")
            if not first:
                fh.write(",\n")
            fh.write(",\n".join(out))
            first = False
        fh.write("\n]}\n")
    os.replace(tmp, path)
    t_all = time.perf_counter() - t0
    summary = {
        "size": size, "seed": seed, "path": path, "bytes": os.path.getsize(path),
        "entities": n, "inspectors": n_insp,
        "inspectors_per_department": dict(zip(dept_ids, per_dept.tolist())),
        "conflicts": int(len(cidx)), "pair_conflicts": len(pairs),
        "last_checks": int(has_lc.sum() + has_lc2.sum()),
        "working_days": len(wdays), "estimate": {k: v for k, v in est.items() if k != "slot_demand_by_county"},
        "seconds": round(t_all, 1), "seconds_before_write": round(t_gen, 1),
    }
    log(f"[{size}] wrote {path}: {summary['bytes'] / 1e6:.0f} MB in {t_all:.1f} s "
        f"(inspectors {summary['inspectors_per_department']}, conflicts {summary['conflicts']}, "
        f"pair conflicts {len(pairs)}, last checks {summary['last_checks']})")
    return summary


def independent_copy(src: str, dst: str) -> None:
    """Copy an instance with ``policy.coordinated_sampling`` set to false, streaming (the
    policy is in the file's first line, before the entities)."""
    with open(src, "rb") as fi, open(dst + ".tmp", "wb") as fo:
        head = fi.readline()
        old, new = b'"coordinated_sampling":true', b'"coordinated_sampling":false'
        if head.count(old) != 1:
            raise ValueError("policy not found in the first line of " + src)
        fo.write(head.replace(old, new))
        shutil.copyfileobj(fi, fo, 1 << 24)
    os.replace(dst + ".tmp", dst)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), required=True)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--full-records", action="store_true",
                    help="write empty lists / zero counters instead of leaving them out")
    ap.add_argument("--independent", action="store_true",
                    help="policy.coordinated_sampling = false")
    a = ap.parse_args(argv)
    s = generate(a.size, a.output, a.seed, full_records=a.full_records,
                 coordinated=not a.independent)
    print(json.dumps(s, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- other layouts of the same document (key order carries no meaning) ---

def shuffled(value, rng: random.Random):
    """The same JSON value with the keys of every object in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def reverse_sorted(value):
    """The same JSON value with the keys of every object in descending order."""
    if isinstance(value, dict):
        return {k: reverse_sorted(value[k]) for k in sorted(value, reverse=True)}
    if isinstance(value, list):
        return [reverse_sorted(v) for v in value]
    return value
