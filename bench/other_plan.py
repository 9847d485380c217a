"""The plan of the independent instances of :mod:`bench.other_instances`: what they hold.

Everything but the layout of the file, written from docs/draw-protocol.md alone (no code
shared with ``bench/solver_instances.py``): the sizes, geography, departments and their
qualifications, items, tasks and inspectors (:class:`Plan`), the entity columns of each
chunk of 50,000 entities (:func:`columns`: numpy, deterministic per seed and chunk), the
filter of protocol §3 on them, demand and capacity estimates, and the pair conflicts.
On purpose:

* 4–7 departments (``MKT``, ``ENV``, ``SAFE``, ``HLTH``, ``TRAN``, ``LAB``, ``FIRE``),
  2–4 qualifications each, inspectors holding a random subset (many combinations);
* districts: ``province`` spreads entities almost uniformly over ~100 counties with
  9-digit township codes, the open sizes use a Zipf-like skew over 6-digit county codes;
* capacity ``max_visits`` 5–40 (skewed high, sometimes omitted = 30), ~45 % of the
  inspectors on leave, some inactive / expired / without certificate / fully away;
* ``exclude_local_supervisor`` true in ``city-open`` and ``small``; declared conflicts,
  pair conflicts, ``last_checks`` with inspectors (rotation), joint tasks with
  ``participating``, count and ratio tasks, a ``list_ratio`` task, filters of every kind.

The declared conflicts and ``last_checks`` are drawn by :mod:`bench.other_instances` as it
streams the rows. Inspectors are staffed per department in proportion to the department's
estimated demand (and, with ``jurisdiction_digits`` 6, per county in proportion to its
entities); the task rates are set so that capacity is about 1.3–1.8 times the demand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

CHUNK = 50_000

# size: entities, inspectors, jurisdiction_digits, departments, counties, district skew,
# exclude_local_supervisor, task rate, share of inspectors with max_visits 5-19 (else 28-40)
SIZES = {
    "small": (20_000, 150, 6, ("MKT", "ENV", "SAFE", "HLTH"), 2, 0.0, True, 1.0, 0.15),
    "city-open": (500_000, 2_000, 0, ("MKT", "ENV", "SAFE", "HLTH", "TRAN", "FIRE"), 14, 1.1, True,
                  1.05, 0.3),
    "province": (5_000_000, 12_000, 6, ("MKT", "ENV", "SAFE", "HLTH", "LAB"), 101, 0.0, False, 0.8, 0.08),
    "province-open": (5_000_000, 20_000, 0, ("MKT", "ENV", "SAFE", "HLTH", "TRAN", "LAB", "FIRE"),
                      101, 0.9, False, 0.83, 0.45),
}
DEPARTMENTS = {  # id: (name, qualifications)
    "MKT": ("市场监督管理局", ("food", "special_equipment", "metrology", "pricing")),
    "ENV": ("生态环境局", ("wastewater", "air", "solid_waste")),
    "SAFE": ("应急管理局", ("hazchem", "industrial_trade", "mining")),
    "HLTH": ("卫生健康委员会", ("public_places", "occupational", "drinking_water")),
    "TRAN": ("交通运输局", ("road_freight", "passenger")),
    "LAB": ("人力资源和社会保障局", ("wages", "social_insurance")),
    "FIRE": ("消防救援支队", ("crowded_places", "high_rise")),
}
INDUSTRIES = ("C13", "C14", "C26", "C30", "C33", "D44", "E47", "F51", "F52", "G54", "G58",
              "H61", "H62", "I65", "O80", "Q84", "R90")
IND_P = np.array([4, 3, 3, 3, 4, 1, 6, 12, 20, 4, 2, 4, 14, 8, 7, 2, 3], float)
IND_WORD = ("食品", "饮料", "化工", "建材", "金属制品", "热力", "建筑", "商贸", "超市", "货运", "物流",
            "宾馆", "餐饮", "科技", "美容美发", "诊所", "文化娱乐")
TYPES = ("有限责任公司", "个体工商户", "股份有限公司", "农民专业合作社", "外商投资企业")
TYPE_P = np.array([46, 40, 6, 3, 5], float)
TYPE_ORG = "12131"  # GB 32100 organisation category character per type
TAGS = ("食品", "特种设备", "危化品", "人员密集场所", "学校食堂", "冷链", "高层建筑")
LISTS = ("重点排污单位", "信用异常名录", "重点监管对象")
RISK_P = np.array([0.04, 0.18, 0.52, 0.26])
STATUSES = ("active", "吊销", "注销", "停业")
NAME_CHARS = "华兴盛达鑫源泰丰瑞隆昌宏恒信安康福祥顺利通海天宇嘉诚和美新晨光明辉金银鼎立佳乐众旺"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌婷雪琳晶"
IPV3 = {"inspectors_per_visit": 3}
TASKS = (  # id, lead, items, ratio by risk (or count at 500,000 entities), filter, more members
    ("2027-MKT-GEN", "MKT", ["MKT03"], {"A": 0.05, "B": 0.025, "C": 0.008, "D": 0.003}, None, {}),
    ("2027-MKT-FOOD", "MKT", ["MKT01"], {"A": 0.12, "B": 0.05, "C": 0.02},
     {"industries": ["C13", "C14", "F52", "H62"], "tags_any": ["食品", "冷链"]}, IPV3),
    ("2027-MKT-SE", "MKT", ["MKT02", "MKT01"], 900, {"tags_any": ["特种设备"]}, {}),
    ("2027-ENV-KEY", "ENV", ["ENV01", "ENV02"], {"A": 0.1, "B": 0.06, "C": 0.03, "D": 0.01},
     {"industries": ["C13", "C26", "C30", "C33", "D44"]}, {"list_ratio": {"重点排污单位": 0.2}}),
    ("2027-SAFE-CHEM", "SAFE", ["SAFE01"], 700, {"tags_any": ["危化品"]},
     {"participating": ("ENV", "FIRE"), **IPV3}),
    ("2027-SAFE-GEN", "SAFE", ["SAFE02"], {"A": 0.06, "B": 0.03, "C": 0.012},
     {"types": ["有限责任公司", "股份有限公司", "外商投资企业"], "risks": ["A", "B", "C"]}, {}),
    ("2027-HLTH-PUB", "HLTH", ["HLTH01"], {"A": 0.1, "B": 0.05, "C": 0.025, "D": 0.012},
     {"industries": ["H61", "O80", "R90", "Q84"]}, {}),
    ("2027-HLTH-SCH", "HLTH", ["HLTH03"], 250, {"tags_any": ["学校食堂"]}, {"participating": ("MKT",), **IPV3}),
    ("2027-TRAN", "TRAN", ["TRAN01"], {"A": 0.15, "B": 0.08, "C": 0.04, "D": 0.02},
     {"industries": ["G54", "G58"]}, {}),
    ("2027-LAB", "LAB", ["LAB01", "LAB02"], 1800,
     {"types": ["有限责任公司", "外商投资企业"], "industries": ["E47", "C33", "H62", "F51"]}, {}),
    ("2027-LAB-LIST", "LAB", ["LAB03"], {"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2},
     {"lists_any": ["信用异常名录"]}, {}),
    ("2027-FIRE", "FIRE", ["FIRE01"], {"A": 0.1, "B": 0.06, "C": 0.03, "D": 0.015},
     {"tags_any": ["人员密集场所", "高层建筑"]}, {"participating": ("MKT",)}),
)
WINDOW = ("2027-04-06", "2027-06-30")
HOLIDAYS = ("2027-05-03", "2027-05-04", "2027-05-05", "2027-06-09")
WORKDAYS = ("2027-04-25", "2027-05-08")


class Plan:
    """Everything but the entity rows: geography, departments, items, tasks, inspectors."""

    def __init__(self, size: str, seed: int, entities: int | None, inspectors: int | None) -> None:
        (n, m, self.k, self.depts, nc, skew, self.local, rate, self.low) = SIZES[size]
        self.n, self.m, self.seed = entities or n, inspectors or m, seed
        rng = np.random.default_rng([seed, 7])
        self.prov = int(rng.choice([41, 43, 45, 52, 53, 62]))
        cities = max(1, nc // 10)
        self.counties = np.array([self.prov * 10_000 + (1 + c % cities) * 100 + 1 + c // cities
                                  for c in range(nc)], np.int64)
        w = (1 + rng.permutation(nc)) ** -skew if skew else rng.uniform(0.7, 1.3, nc)
        self.cp = w / w.sum()
        self.towns = rng.integers(6, 25, nc)  # townships per county (9-digit codes)
        self.nine = self.k == 6 or size == "small"  # 9-digit township codes for entities
        self.quals = {d: DEPARTMENTS[d][1][:2 + (i % 3)] for i, d in enumerate(self.depts)}
        self.items = []
        for d in self.depts:
            qs = self.quals[d]
            for j, q in enumerate(qs + (None, None)[: 1 + len(qs) % 2]):
                item = {"department": d, "id": f"{d}{j + 1:02d}",
                        "name": f"{DEPARTMENTS[d][0]}检查事项{j + 1}"}
                if q:
                    item["qualification"] = f"{d.lower()}.{q}"
                self.items.append(item)
        self.hold = {d: rng.uniform(0.7, 0.95, len(self.quals[d])) for d in self.depts}
        self.tasks = self._tasks(rate, rate * self.n / 500_000)  # counts are per 500,000 entities
        self.inspectors = self._inspectors(rng)

    def _item(self, d: str, k: int) -> str:
        ids = [i["id"] for i in self.items if i["department"] == d]
        return ids[k % len(ids)]

    def _tasks(self, rate: float, scale: float) -> list[dict]:
        ids, out = {i["id"] for i in self.items}, []
        local = (("2027-MKT-LOCAL", "MKT", ["MKT02"], 300, {"districts": [f"{self.counties[0]}"]}, {}),)
        for tid, d, items, size, filt, extra in TASKS + (local if self.k else ()):
            if d not in self.depts:
                continue
            task: dict = {"items": list(items), "department": d, "id": tid}
            part = [p for p in extra.get("participating", ()) if p in self.depts]
            if part:
                task["participating"] = part
                task["items"] += [self._item(p, 0) for p in part]
            if filt:
                task["filter"] = filt
            if isinstance(size, dict):
                task["ratio"] = {r: round(min(1.0, x * rate), 4) for r, x in size.items()}
            else:
                task["count"] = int(size * scale)
            task.update((k, v) for k, v in extra.items() if k != "participating")
            task["items"] = list(dict.fromkeys(x if x in ids else self._item(d, 0) for x in task["items"]))
            out.append(task)
        return out

    def demand(self) -> tuple[dict[str, float], float]:
        """Places per department (divided by the share of the department's inspectors
        qualified for them) and visits, simulated on chunk 0: coordinated sampling with
        stand-in u-values, visits merged, places as in protocol 7.1."""
        c = columns(self, 0)
        m = len(c["risk"])
        f = self.n / m
        u = np.random.default_rng([self.seed, 5]).random(m)
        ok = (c["status"] == 0) & (c["checks"] < 4)
        visits: dict[int, list[dict]] = {}
        for t in self.tasks:
            sel = ok & match(c, t.get("filter", {}))
            if "ratio" in t:
                stratum = np.where(sel, c["risk"], -1)
                quota = {j: t["ratio"].get(x, 0) for j, x in enumerate("ABCD")}
                for name, r in t.get("list_ratio", {}).items():  # one list per task here
                    stratum[sel & ((c["lists"] >> LISTS.index(name)) & 1 == 1)] = 10
                    quota[10] = r
                picked = np.concatenate([np.flatnonzero(stratum == j)[np.argsort(u[stratum == j])]
                                         [:int(np.ceil(q * (stratum == j).sum()))] for j, q in quota.items()])
            else:
                idx = np.flatnonzero(sel)
                picked = idx[np.argsort(u[idx])][:round(t["count"] / f)]
            for e in picked.tolist():
                visits.setdefault(e, []).append(t)
        places = dict.fromkeys(self.depts, 0.0)
        self.places = 0.0
        quals = {i["id"]: (i["department"], i.get("qualification")) for i in self.items}
        for ts in visits.values():
            deps = sorted({d for t in ts for d in [t["department"]] + t.get("participating", [])})
            need = {d: 1 for d in deps}
            if len(deps) == 1:
                need[deps[0]] = max([2] + [t.get("inspectors_per_visit", 2) for t in ts])
            else:
                lead = ts[0]["department"]
                order = [lead] + [d for d in deps if d != lead]
                size = max([2, len(deps)] + [t.get("inspectors_per_visit", 2) for t in ts if t.get("participating")])
                for j in range(size - len(deps)):
                    need[order[j % len(order)]] += 1
            held = {d: 1.0 for d in deps}
            for t in ts:
                for it in t["items"]:
                    d, q = quals[it]
                    if q:
                        owner = d if d in held else t["department"]
                        held[owner] *= self.hold[owner][self.quals[owner].index(q.split(".")[1])]
            for d, k in need.items():
                places[d] += k * f / max(held[d], 0.2)
                self.places += k * f
        return places, len(visits) * f

    def _inspectors(self, rng: np.random.Generator) -> list[dict]:
        dem = self.demand()[0]
        share = np.array([max(dem[d], 1.0) for d in self.depts])
        share /= share.sum()
        # with jurisdictions per county and department, in proportion to entities x demand
        cells = [(c, d) for c in (range(len(self.counties)) if self.k else [-1]) for d in range(len(self.depts))]
        want = np.array([(self.cp[c] if c >= 0 else 1.0) * share[d] for c, d in cells]) * self.m
        got = np.maximum(np.floor(want).astype(int), 4)
        order = np.argsort(-(want - np.floor(want)), kind="stable")
        j = 0
        while got.sum() != self.m:  # largest remainders, never below 4 per pool
            i = order[j % len(order)]
            if got.sum() < self.m:
                got[i] += 1
            elif got[i] > 4:
                got[i] -= 1
            j += 1
        days = workdays()
        out = []
        for (c, d), cnt in zip(cells, got):
            dep = self.depts[d]
            qs = self.quals[dep]
            hold = self.hold[dep]
            for x in range(cnt):
                county = self.counties[c] if c >= 0 else rng.choice(self.counties, p=self.cp)
                town = (f"{county}{1 + rng.integers(self.towns[c if c >= 0 else 0]):03d}"
                        if self.nine and (self.local or rng.random() < 0.5) else f"{county}")
                ins = {"id": f"{dep}-{county}-{x + 1:03d}" if c >= 0 else f"{dep}{len(out) + 7001:06d}",
                       "name": SURNAMES[rng.integers(len(SURNAMES))]
                       + "".join(GIVEN[g] for g in rng.integers(len(GIVEN), size=1 + rng.integers(2))),
                       "department": dep, "district": town,
                       "qualifications": [f"{dep.lower()}.{q}" for q, p in zip(qs, hold) if rng.random() < p]}
                u = rng.random()
                ins["certificate_expires"] = (None if u < 0.005 else "2027-05-31" if u < 0.025
                                              else f"{2027 + rng.integers(1, 6)}-12-31")
                if rng.random() < 0.02:
                    ins["active"] = False
                elif rng.random() < 0.3:
                    ins["active"] = True
                leave = rng.random()
                if leave < 0.01:
                    ins["unavailable"] = list(days)
                elif leave < 0.46:
                    a = int(rng.integers(len(days)))
                    pick = set(days[a:a + int(rng.integers(2, 16))])
                    pick.update(days[int(i)] for i in rng.integers(len(days), size=rng.integers(0, 4)))
                    ins["unavailable"] = sorted(pick)
                mv = int(rng.integers(5, 20)) if rng.random() < self.low else int(rng.integers(28, 41))
                if mv != 30 or rng.random() < 0.5:
                    ins["max_visits"] = mv
                keys = list(ins)
                rng.shuffle(keys)
                out.append({key: ins[key] for key in keys})
        return out


def capacity(inspectors: list[dict]) -> int:
    """Total cap(i) (protocol 7.1) of the inspectors who can serve at all."""
    days = workdays()
    return sum(min(i.get("max_visits", 30), 3 * (len(days) - len(i.get("unavailable", ()))))
               for i in inspectors if i.get("active", True) and (i["certificate_expires"] or "") >= WINDOW[1])


def workdays() -> list[str]:
    d, end, out = dt.date.fromisoformat(WINDOW[0]), dt.date.fromisoformat(WINDOW[1]), []
    while d <= end:
        s = d.isoformat()
        if (d.weekday() < 5 and s not in HOLIDAYS) or s in WORKDAYS:
            out.append(s)
        d += dt.timedelta(days=1)
    return out


def columns(plan: Plan, chunk: int) -> dict:
    """The entity columns of one chunk (numpy, deterministic per seed and chunk)."""
    lo, hi = chunk * CHUNK, min(plan.n, (chunk + 1) * CHUNK)
    rng = np.random.default_rng([plan.seed, 11, chunk])
    n = hi - lo
    ind = rng.choice(len(INDUSTRIES), n, p=IND_P / IND_P.sum())
    tags = np.zeros(n, np.int64)
    tag_p = {0: (np.isin(ind, [0, 1, 7, 8, 12]), 0.7), 1: (np.isin(ind, [2, 3, 4, 6, 11]), 0.12),
             2: (np.isin(ind, [2, 5]), 0.35), 3: (np.isin(ind, [8, 11, 12, 16]), 0.35),
             4: (ind == 12, 0.04), 5: (np.isin(ind, [0, 7]), 0.25), 6: (np.isin(ind, [11, 13]), 0.15)}
    for bit, (where, p) in tag_p.items():
        tags |= ((where & (rng.random(n) < p)) | (rng.random(n) < 0.004)).astype(np.int64) << bit
    manuf = np.isin(ind, [0, 1, 2, 3, 4, 5])
    lists = ((manuf & (rng.random(n) < 0.15)).astype(np.int64)
             | ((rng.random(n) < 0.02).astype(np.int64) << 1) | ((rng.random(n) < 0.03).astype(np.int64) << 2))
    county = rng.choice(len(plan.counties), n, p=plan.cp)
    return {"lo": lo, "codes": plan.counties, "ind": ind, "tags": tags, "lists": lists, "county": county,
            "town": 1 + (rng.random(n) * plan.towns[county]).astype(np.int64),
            "risk": rng.choice(4, n, p=RISK_P), "typ": rng.choice(len(TYPES), n, p=TYPE_P / TYPE_P.sum()),
            "status": np.where(rng.random(n) < 0.94, 0, rng.integers(1, 4, n)),
            "checks": rng.choice(7, n, p=[0.6, 0.2, 0.1, 0.05, 0.03, 0.015, 0.005]),
            "name": rng.integers(len(NAME_CHARS), size=(n, 2)), "order": rng.integers(4, size=n),
            "last": rng.random(n), "rng": rng}


FILTER_COLUMNS = {"industries": ("ind", INDUSTRIES), "types": ("typ", TYPES), "risks": ("risk", "ABCD")}


def match(c: dict, f: dict) -> np.ndarray:
    """The filter of protocol §3 on a chunk's columns."""
    sel = np.ones(len(c["risk"]), bool)
    for key, col, names in (("tags_any", "tags", TAGS), ("lists_any", "lists", LISTS)):
        if f.get(key):
            sel &= (c[col] & sum(1 << names.index(x) for x in f[key])) != 0
    for key, (col, names) in FILTER_COLUMNS.items():
        if f.get(key):
            sel &= np.isin(c[col], [names.index(x) for x in f[key]])
    if f.get("districts"):
        sel &= np.isin(c["codes"][c["county"]], [int(x[:6]) for x in f["districts"]])
    return sel


def pair_conflicts(plan: Plan, rng: np.random.Generator) -> list[dict]:
    groups: dict[tuple, list[str]] = {}
    for ins in plan.inspectors:
        groups.setdefault((ins["department"], ins["district"][:6] if plan.k else ""), []).append(ins["id"])
    out = []
    for ids in groups.values():
        for _ in range(max(1, len(ids) // 25)):
            a, b = (ids[int(j)] for j in rng.choice(len(ids), 2, replace=False))
            out.append({"a": a, "b": b})
            if rng.random() < 0.1:
                out.append({"b": a, "a": b})  # the same unordered pair again
    out.append({"a": plan.inspectors[0]["id"], "b": "NOBODY-000"})  # unknown: no effect
    return out
