"""Baseline (b): the team assignment as one direct CP-SAT model.

Same visits as our draw (read from our outcome: its ``visits`` plus its ``unfilled``), same
rules (see :mod:`bench.baselines.common`), one model:

* ``x[v, i]`` boolean for every visit ``v`` and every inspector ``i`` who may serve it
  (department, active, certificate, qualifications, capacity > 0, no conflict, rotation);
* ``f[v]`` boolean "visit staffed": for each department ``d`` of ``v``,
  ``sum_i x[v, i] == need[v, d] * f[v]``;
* capacity ``sum_v x[v, i] <= cap_i``; pair conflicts ``x[v, a] + x[v, b] <= 1``;
* objective, lexicographic through weights: maximise staffed visits, then minimise the sum
  over departments of (max load - min load), then the random cost
  ``HMAC-SHA256(seed, "assign:" + USCC + ":" + inspector)`` (10 bits).

It only forms teams (no dates), with a wall-clock limit (default 60 s, 2 workers): that is
how a team would try "just use CP-SAT".  The model is skipped when it would have more than
``--max-vars`` variables (building it alone would take minutes in Python).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
from collections import defaultdict

from bench.baselines.common import Rules, check, load, task_departments, workload


def visits_from_outcome(inst: dict, outcome: dict) -> list[dict]:
    tasks = {t["id"]: t for t in inst["tasks"]}
    out = []
    for v in outcome["visits"]:
        out.append({"id": v["id"], "uscc": v["uscc"], "tasks": list(v["tasks"]),
                    "departments": list(v["departments"])})
    for n, v in enumerate(outcome.get("unfilled", ())):
        deps = sorted({d for t in v["tasks"] for d in task_departments(tasks[t])})
        out.append({"id": v.get("id", f"U{n + 1:05d}"), "uscc": v["uscc"], "tasks": list(v["tasks"]),
                    "departments": list(v.get("departments", deps))})
    return out


def candidates(R: Rules, visits: list[dict]) -> tuple[list[dict], int]:
    """Per visit: {department: (need, [eligible inspector ids])}; and the variable count."""
    pools: dict[tuple, list[str]] = {}
    out, nvars = [], 0
    for v in visits:
        need = R.need(v["tasks"], v["departments"])
        quals = R.quals(v["tasks"], v["departments"])
        e = R.entities[v["uscc"]]
        per = {}
        for d, k in need.items():
            key = (d, tuple(sorted(quals[d])), R.jurisdiction(e))
            pool = pools.get(key)
            if pool is None:
                pool = pools[key] = [i for i in R.by_dept[d] if R.in_jurisdiction(i, e)
                                     and R.inspector_ok(i, d, quals[d]) is None and R.capacity[i] > 0]
            last = R.last_team(e, d) if R.pol["rotation"] else set()
            c = [i for i in pool if i not in last and (i, v["uscc"]) not in R.conflicts]
            per[d] = (k, c)
            nvars += len(c)
        out.append(per)
    return out, nvars


def estimate_vars(R: Rules, visits: list[dict]) -> int:
    return candidates(R, visits)[1]


def solve(inst: dict, visits: list[dict], seed_hex: str, *, time_limit: float = 60.0,
          workers: int = 2, max_vars: int = 3_000_000, rules: Rules | None = None) -> dict:
    from ortools.sat.python import cp_model

    R = rules or Rules(inst)
    t0 = time.perf_counter()
    cand, nvars = candidates(R, visits)
    res: dict = {"visits": len(visits), "variables": nvars}
    if nvars > max_vars:
        res.update(status="SKIPPED", reason=f"{nvars:,} variables > {max_vars:,}",
                   build_seconds=round(time.perf_counter() - t0, 2))
        return res
    seed = bytes.fromhex(seed_hex)
    m = cp_model.CpModel()
    x: dict[tuple[int, str], object] = {}
    by_insp: dict[str, list] = defaultdict(list)
    f = []
    cost_terms, cost_coefs = [], []
    for vi, (v, per) in enumerate(zip(visits, cand)):
        fv = m.new_bool_var(f"f{vi}")
        f.append(fv)
        team = []
        for d, (k, cs) in per.items():
            xs = []
            for i in cs:
                b = m.new_bool_var("")
                x[(vi, i)] = b
                xs.append(b)
                by_insp[i].append(b)
                team.append(i)
                h = hmac.new(seed, f"assign:{v['uscc']}:{i}".encode(), hashlib.sha256).digest()
                cost_terms.append(b)
                cost_coefs.append(int.from_bytes(h[:2], "big") >> 6)  # 0..1023
            m.add(sum(xs) == k * fv)
        members = set(team)
        for p in R.pairs:
            a, b2 = tuple(p)
            if a in members and b2 in members:
                m.add(x[(vi, a)] + x[(vi, b2)] <= 1)
    loads = {}
    for i, bs in by_insp.items():
        ld = m.new_int_var(0, R.capacity[i], f"l_{i}")
        m.add(ld == sum(bs))
        loads[i] = ld
    spread_terms = []
    dept_of = {i["id"]: i["department"] for i in inst["inspectors"]}
    by_dept: dict[str, list] = defaultdict(list)
    for i, ld in loads.items():
        by_dept[dept_of[i]].append(ld)
    for d, lds in sorted(by_dept.items()):
        hi = m.new_int_var(0, 10_000, f"hi_{d}")
        lo = m.new_int_var(0, 10_000, f"lo_{d}")
        m.add_max_equality(hi, lds)
        m.add_min_equality(lo, lds)
        spread_terms.append(hi - lo)
    max_cost = 1024 * sum(sum(k for k, _ in per.values()) for per in cand) + 1
    w_spread = max_cost
    w_fill = w_spread * (10_000 * max(1, len(spread_terms)) + 1)
    m.minimize(-w_fill * sum(f) + w_spread * sum(spread_terms)
               + cp_model.LinearExpr.weighted_sum(cost_terms, cost_coefs))
    build = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    t1 = time.perf_counter()
    status = solver.solve(m)
    solve_s = time.perf_counter() - t1
    res.update(status=solver.status_name(status), build_seconds=round(build, 2),
               solve_seconds=round(solve_s, 2))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        staffed = []
        for vi, v in enumerate(visits):
            if solver.value(f[vi]):
                team = [i for d, (k, cs) in cand[vi].items() for i in cs if solver.value(x[(vi, i)])]
                staffed.append(dict(v, team=team))
        chk = check(inst, staffed, dated=False, rules=R)
        wl = workload(inst, chk["load"], R)
        res.update(filled=len(staffed), violations=dict(chk["violations"]),
                   spread=wl["spread"], equal_avail_max_spread=wl["equal_avail_max_spread"],
                   bound_filled=None)
        # the fill part of the best bound: how many visits could at best be staffed
        res["best_bound_filled"] = int(-(solver.best_objective_bound // w_fill)) if solver.best_objective_bound < 0 else 0
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="direct CP-SAT team assignment baseline")
    ap.add_argument("instance")
    ap.add_argument("outcome")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-vars", type=int, default=3_000_000)
    a = ap.parse_args(argv)
    inst = load(a.instance)
    with open(a.outcome, encoding="utf-8") as fh:
        outcome = json.load(fh)
    visits = visits_from_outcome(inst, outcome)
    r = solve(inst, visits, outcome["seed"], time_limit=a.time_limit, workers=a.workers,
              max_vars=a.max_vars)
    print(json.dumps(r, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
