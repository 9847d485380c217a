"""Shared helpers of the solver benchmarks: instance loading, working days, sampling
eligibility and an *independent* rule checker.

Nothing here imports :mod:`solver`: the benchmark counts rule violations of the solver's
outcome (and of the baselines) from the instance document alone, following the rules of
DOMAIN.md / DRAW-PROTOCOL.md as the project states them (the team-size and qualification
conventions are those documented in ``solver/team_rules.py``'s module docstring):

* a single-department visit needs ``max(min_team_size, inspectors_per_visit)`` inspectors
  of that department; a joint visit at least one inspector of every department and
  ``max(min_team_size, #departments, joint tasks' inspectors_per_visit)`` in all;
* every inspector of a department holds all qualifications of that department's items on
  the visit (an item belongs to its own department if it is on the visit, else to the
  task's lead department);
* inspectors are active, their certificate is valid through the window end, no declared
  conflict with the entity, not on the entity's most recent check by their department
  (rotation), no pair conflict inside one team;
* per inspector: at most ``min(max_visits, daily limit x available working days)`` visits,
  at most ``daily_visits_per_inspector`` per day, never on a leave day; visits only on
  working days of the window;
* sampled entities are active, below the frequency cap, and (risk in
  ``exclude_recent_risk``) not checked by one of the task's departments on or after
  ``window.start - exclude_recent_days``.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from fractions import Fraction

RISKS = ("A", "B", "C", "D")


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def D(s: str) -> date:
    return date.fromisoformat(s)


def working_days(inst: dict) -> list[date]:
    start, end = D(inst["window"]["start"]), D(inst["window"]["end"])
    cal = inst.get("calendar", {})
    hol = {D(x) for x in cal.get("holidays", [])}
    mk = {D(x) for x in cal.get("workdays", [])}
    out, d = [], start
    while d <= end:
        if (d.weekday() < 5 and d not in hol) or d in mk:
            out.append(d)
        d += timedelta(days=1)
    return out


def policy(inst: dict) -> dict:
    p = {"coordinated_sampling": True, "min_team_size": 2, "rotation": True,
         "exclude_recent_days": 365, "exclude_recent_risk": ["A", "B"], "frequency_cap": 4,
         "daily_visits_per_inspector": 3, "exclude_local_supervisor": False, "jurisdiction_digits": 0}
    p.update(inst.get("policy", {}))
    return p


def task_departments(task: dict) -> list[str]:
    return [task["department"]] + [d for d in task.get("participating", []) if d != task["department"]]


# ---------------------------------------------------------------------------------------
# Sampling eligibility (used by the shuffle baseline and the independent sample check)

class Population:
    """Per task: the eligible entities grouped by stratum, and exclusion counts."""

    def __init__(self, inst: dict) -> None:
        self.inst = inst
        pol = policy(inst)
        start = D(inst["window"]["start"])
        recent_from = (start - timedelta(days=pol["exclude_recent_days"])).isoformat()
        recent_risk = set(pol["exclude_recent_risk"])
        cap = pol["frequency_cap"]
        tasks = inst["tasks"]
        # compiled filters
        comp = []
        for t in tasks:
            f = t.get("filter") or {}
            comp.append((
                frozenset(f.get("tags_any", ())), tuple(f.get("districts", ())),
                frozenset(f.get("industries", ())), frozenset(f.get("types", ())),
                frozenset(f.get("risks", ())), frozenset(f.get("lists_any", ())),
                frozenset(task_departments(t)),
            ))
        self.strata: list[dict[str, list[str]]] = [defaultdict(list) for _ in tasks]
        self.excluded: list[Counter] = [Counter() for _ in tasks]
        list_order = []  # per task: list names by descending ratio, ties by name
        for t in tasks:
            lr = t.get("list_ratio", {}) or {}
            list_order.append(sorted(lr, key=lambda n, lr=lr: (-Fraction(str(lr[n])), n)))
        for e in inst["entities"]:
            tags = e.get("tags", ())
            lists = e.get("lists", ())
            active = e.get("status") == "active"
            capped = e.get("checks_this_year", 0) >= cap
            recent_depts = set()
            if e["risk"] in recent_risk:
                for c in e.get("last_checks", ()):
                    if c["date"] >= recent_from:
                        recent_depts.add(c["department"])
            for k, (tg, dist, ind, typ, rk, la, depts) in enumerate(comp):
                if tg and not any(x in tg for x in tags):
                    continue
                if dist and not e["district"].startswith(dist):
                    continue
                if ind and e.get("industry") not in ind:
                    continue
                if typ and e.get("type") not in typ:
                    continue
                if rk and e["risk"] not in rk:
                    continue
                if la and not any(x in la for x in lists):
                    continue
                # exclusions, first reason that applies (DRAW-PROTOCOL / sampling docs order)
                if not active:
                    self.excluded[k]["inactive"] += 1
                elif recent_depts and not recent_depts.isdisjoint(depts):
                    self.excluded[k]["recent_check"] += 1
                elif capped:
                    self.excluded[k]["frequency_cap"] += 1
                else:
                    key = e["risk"]
                    if lists:
                        for name in list_order[k]:  # the listed stratum with the highest ratio
                            if name in lists:
                                key = "list:" + name
                                break
                    self.strata[k][key].append(e["uscc"])

    def quota(self, k: int, stratum: str, n: int) -> int:
        t = self.inst["tasks"][k]
        if stratum.startswith("list:"):
            r = t["list_ratio"][stratum[5:]]
        else:
            r = t["ratio"].get(stratum, 0)
        return math.ceil(Fraction(str(r)) * n)


# ---------------------------------------------------------------------------------------
# Team rules

class Rules:
    def __init__(self, inst: dict) -> None:
        self.inst = inst
        self.pol = policy(inst)
        self.wdays = working_days(inst)
        self.wset = set(self.wdays)
        self.window_end = D(inst["window"]["end"])
        self.tasks = {t["id"]: t for t in inst["tasks"]}
        self.items = {i["id"]: i for i in inst["items"]}
        self.insp = {i["id"]: i for i in inst["inspectors"]}
        self.unavail = {i["id"]: frozenset(D(x) for x in i.get("unavailable", ())) for i in inst["inspectors"]}
        self.available = {k: sum(1 for d in self.wdays if d not in v) for k, v in self.unavail.items()}
        self.capacity = {i["id"]: max(0, min(i.get("max_visits", 30),
                                             self.pol["daily_visits_per_inspector"] * self.available[i["id"]]))
                         for i in inst["inspectors"]}
        self.conflicts = {(c["inspector"], c["uscc"]) for c in inst.get("conflicts", ())}
        self.pairs = {frozenset((p["a"], p["b"])) for p in inst.get("pair_conflicts", ())}
        self.by_dept: dict[str, list[str]] = defaultdict(list)
        for i in sorted(inst["inspectors"], key=lambda x: x["id"]):
            self.by_dept[i["department"]].append(i["id"])
        self._entities: dict[str, dict] | None = None
        self.k = int(self.pol.get("jurisdiction_digits", 0))

    def jurisdiction(self, entity: dict) -> str:
        """The entity's district prefix that an inspector must share ("" = anywhere)."""
        return entity["district"][:self.k] if self.k else ""

    def in_jurisdiction(self, iid: str, entity: dict) -> bool:
        return not self.k or self.insp[iid].get("district", "")[:self.k] == entity["district"][:self.k]

    @property
    def entities(self) -> dict[str, dict]:
        if self._entities is None:
            self._entities = {e["uscc"]: e for e in self.inst["entities"]}
        return self._entities

    def need(self, tasks: list[str], departments: list[str]) -> dict[str, int]:
        ts = [self.tasks[t] for t in tasks]
        if len(departments) == 1:
            return {departments[0]: max([self.pol["min_team_size"]] + [t.get("inspectors_per_visit", 2) for t in ts])}
        joint = [t.get("inspectors_per_visit", 2) for t in ts if len(task_departments(t)) > 1]
        total = max([self.pol["min_team_size"], len(departments)] + joint)
        need = {d: 1 for d in departments}
        lead = ts[0]["department"] if ts else departments[0]
        order = [lead] + [d for d in sorted(departments) if d != lead] if lead in need else sorted(departments)
        for k in range(total - len(departments)):
            need[order[k % len(order)]] += 1
        return need

    def quals(self, tasks: list[str], departments: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {d: set() for d in departments}
        for t in tasks:
            task = self.tasks[t]
            for it in task["items"]:
                item = self.items[it]
                q = item.get("qualification")
                if not q:
                    continue
                owner = item["department"] if item["department"] in out else task["department"]
                if owner in out:
                    out[owner].add(q)
        return out

    def last_team(self, entity: dict, dept: str) -> set[str]:
        cs = [c for c in entity.get("last_checks", ()) if c["department"] == dept]
        if not cs:
            return set()
        latest = max(c["date"] for c in cs)
        return {i for c in cs if c["date"] == latest for i in c.get("inspectors", ())}

    def inspector_ok(self, iid: str, dept: str, quals: set[str]) -> str | None:
        """Entity-independent reasons (None = ok)."""
        i = self.insp[iid]
        if i["department"] != dept:
            return "wrong_department"
        if not i.get("active", True):
            return "inactive_inspector"
        ce = i.get("certificate_expires")
        if ce is None or D(ce) < self.window_end:
            return "certificate"
        if not quals <= set(i.get("qualifications", ())):
            return "qualification"
        return None


def check(inst: dict, visits: list[dict], *, dated: bool = True, rules: Rules | None = None) -> dict:
    """Count rule violations of staffed visits.

    ``visits``: dicts with ``uscc``, ``tasks``, ``departments``, ``team`` and (if ``dated``)
    ``date``.  Returns ``{"violations": Counter, "examples": {kind: text}, ...}``.
    """
    R = rules or Rules(inst)
    pol = R.pol
    v_count: Counter = Counter()
    examples: dict[str, str] = {}

    def bad(kind: str, text: str) -> None:
        v_count[kind] += 1
        examples.setdefault(kind, text)

    load: Counter = Counter()
    daily: Counter = Counter()
    seen_entity: Counter = Counter()
    ents = R.entities
    start = D(inst["window"]["start"])
    recent_from = (start - timedelta(days=pol["exclude_recent_days"])).isoformat()
    for v in visits:
        vid = v.get("id", v["uscc"])
        e = ents.get(v["uscc"])
        if e is None:
            bad("unknown_entity", vid)
            continue
        seen_entity[v["uscc"]] += 1
        if e.get("status") != "active":
            bad("inactive_entity", vid)
        if e.get("checks_this_year", 0) >= pol["frequency_cap"]:
            bad("frequency_cap", vid)
        if e["risk"] in pol["exclude_recent_risk"]:
            recent = {c["department"] for c in e.get("last_checks", ()) if c["date"] >= recent_from}
            for t in v["tasks"]:
                if recent.intersection(task_departments(R.tasks[t])):
                    bad("recent_check", f"{vid} task {t}")
        deps = list(v["departments"])
        team = list(v["team"])
        need = R.need(v["tasks"], deps)
        quals = R.quals(v["tasks"], deps)
        if len(set(team)) != len(team):
            bad("duplicate_inspector", vid)
        counts: Counter = Counter()
        day = D(v["date"]) if dated and v.get("date") else None
        if dated:
            if day is None or day not in R.wset:
                bad("not_a_working_day", f"{vid} {v.get('date')}")
        for iid in team:
            i = R.insp.get(iid)
            if i is None:
                bad("unknown_inspector", f"{vid} {iid}")
                continue
            d = i["department"]
            if d not in need:
                bad("wrong_department", f"{vid} {iid}")
                continue
            counts[d] += 1
            r = R.inspector_ok(iid, d, quals[d])
            if r:
                bad(r, f"{vid} {iid}")
            if not R.in_jurisdiction(iid, e):
                bad("jurisdiction", f"{vid} {iid}")
            if (iid, v["uscc"]) in R.conflicts:
                bad("conflict", f"{vid} {iid}")
            if pol["rotation"] and iid in R.last_team(e, d):
                bad("rotation", f"{vid} {iid}")
            if pol.get("exclude_local_supervisor") and i.get("district") == e["district"]:
                bad("local_supervisor", f"{vid} {iid}")
            load[iid] += 1
            if day is not None:
                daily[(iid, day)] += 1
                if day in R.unavail[iid]:
                    bad("leave_day", f"{vid} {iid} {day}")
        for d, k in need.items():
            if counts[d] != k:
                bad("team_size", f"{vid} {d}: {counts[d]} of {k}")
        ts = sorted(set(team))
        for x in range(len(ts)):
            for y in range(x + 1, len(ts)):
                if frozenset((ts[x], ts[y])) in R.pairs:
                    bad("pair_conflict", f"{vid} {ts[x]}+{ts[y]}")
    for iid, n in load.items():
        if n > R.capacity.get(iid, 0):
            bad("capacity", f"{iid} {n} > {R.capacity.get(iid, 0)}")
    for (iid, day), n in daily.items():
        if n > pol["daily_visits_per_inspector"]:
            bad("daily_limit", f"{iid} {day} {n}")
    dup = sum(1 for n in seen_entity.values() if n > 1)
    if dup:
        bad("entity_visited_twice", str(dup))
    return {"violations": v_count, "examples": examples, "load": load}


def workload(inst: dict, load: Counter, rules: Rules | None = None) -> dict:
    """Workload spread per department over the inspectors who can serve at all (active,
    certificate valid through the window end, capacity > 0), and the largest spread among
    inspectors of equal availability (same department, qualifications, max_visits and
    available working days).  With ``policy.jurisdiction_digits`` the inspectors of one
    department serve different jurisdictions with different demand, so both figures are
    taken within one jurisdiction (the department's spread is its worst jurisdiction's)."""
    R = rules or Rules(inst)
    per_dept: dict[str, list[int]] = defaultdict(list)
    per_place: dict[tuple, list[int]] = defaultdict(list)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i in inst["inspectors"]:
        iid = i["id"]
        if R.inspector_ok(iid, i["department"], set()) or R.capacity[iid] <= 0:
            continue
        n = load.get(iid, 0)
        where = i.get("district", "")[:R.k] if R.k else ""
        per_dept[i["department"]].append(n)
        per_place[(i["department"], where)].append(n)
        groups[(i["department"], where, tuple(sorted(i.get("qualifications", ()))), i.get("max_visits"),
                R.available[iid])].append(n)
    spread: dict[str, int] = {}
    for (d, _), v in sorted(per_place.items()):
        spread[d] = max(spread.get(d, 0), max(v) - min(v))
    eq = [max(v) - min(v) for v in groups.values() if len(v) >= 2]
    return {
        "spread": spread,
        "max_spread": max(spread.values()) if spread else 0,
        "equal_avail_max_spread": max(eq) if eq else 0,
        "equal_avail_groups": len(eq),
        "equal_avail_groups_over_1": sum(1 for x in eq if x > 1),
        "load_min_max": {d: (min(v), max(v)) for d, v in sorted(per_dept.items()) if v},
    }
