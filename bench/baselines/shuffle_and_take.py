"""Baseline (a): what existing 双随机 systems do.

Each department runs its own draw: for every task, shuffle the eligible population of each
stratum (``ORDER BY RAND()``) and take the first ``ceil(ratio x N)``; then, visit by visit,
pick random inspectors of the department.  No global view: no shared random numbers across
departments (so checks rarely merge into joint visits), no look-ahead when forming teams.

Two team pickers are measured:

* ``naive`` — ``SELECT id FROM inspector WHERE department = ? ORDER BY RAND() LIMIT k``:
  the rules are left to the operator.  We count how often the result breaks one.
* ``filtered`` — the same query with every rule in the ``WHERE`` clause (active, valid
  certificate, qualifications, no declared conflict, not on the last check, capacity left,
  no pair conflict with the members already picked), visits taken in task order.  It never
  breaks a team rule, but it gets *stuck* when no candidate is left, and nothing balances
  the workload.

Real systems use an unseeded RNG; we seed ``random.Random`` so that the benchmark repeats.
Dates are not scheduled by either picker, so date rules (leave, daily limit) are not
counted for the baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter

from bench.baselines.common import Population, Rules, check, load, task_departments, workload


def sample_independent(inst: dict, rng: random.Random, pop: Population | None = None) -> dict[str, list[str]]:
    """Per task: shuffle each stratum, take the first quota (``count`` tasks: the first
    ``count`` of the shuffled whole population)."""
    pop = pop or Population(inst)
    out = {}
    for k, t in enumerate(inst["tasks"]):
        strata = pop.strata[k]
        if "count" in t and t["count"] is not None:
            allv = sorted(u for s in sorted(strata) for u in strata[s])
            rng.shuffle(allv)
            out[t["id"]] = allv[: t["count"]]
            continue
        taken = []
        for s in sorted(strata):
            members = list(strata[s])
            rng.shuffle(members)
            taken += members[: pop.quota(k, s, len(members))]
        out[t["id"]] = taken
    return out


def visits_of(inst: dict, samples: dict[str, list[str]]) -> list[dict]:
    """Separate systems: one visit per (entity, department) for single-department tasks
    (a department merges its own tasks on one entity), one per (entity, joint task)."""
    by_key: dict[tuple, dict] = {}
    for t in inst["tasks"]:
        deps = task_departments(t)
        for u in samples[t["id"]]:
            key = (u, deps[0]) if len(deps) == 1 else (u, "joint:" + t["id"])
            v = by_key.get(key)
            if v is None:
                by_key[key] = {"uscc": u, "tasks": [t["id"]], "departments": sorted(deps)}
            else:
                v["tasks"].append(t["id"])
    visits = list(by_key.values())
    for n, v in enumerate(visits):
        v["id"] = f"B{n + 1:06d}"
    return visits


def pick_naive(R: Rules, visits: list[dict], rng: random.Random) -> None:
    """``ORDER BY RAND() LIMIT k`` over the department's inspectors (of the entity's
    jurisdiction, when the instance restricts it: each bureau draws its own staff)."""
    local: dict[tuple[str, str], list[str]] = {}
    for v in visits:
        e = R.entities[v["uscc"]]
        team = []
        for d, k in R.need(v["tasks"], v["departments"]).items():
            key = (d, R.jurisdiction(e))
            staff = local.get(key)
            if staff is None:
                staff = local[key] = [i for i in R.by_dept[d] if R.in_jurisdiction(i, e)]
            team += rng.sample(staff, min(k, len(staff)))
        v["team"] = team


def pick_filtered(R: Rules, visits: list[dict], rng: random.Random) -> list[dict]:
    """Greedy ``ORDER BY RAND() LIMIT k`` with every rule in the WHERE clause.  Returns the
    visits it got stuck on (they get an empty team)."""
    pol = R.pol
    load: Counter = Counter()
    pools: dict[tuple, list[str]] = {}
    stuck = []
    for v in visits:
        need = R.need(v["tasks"], v["departments"])
        quals = R.quals(v["tasks"], v["departments"])
        e = R.entities[v["uscc"]]
        team: list[str] = []
        ok = True
        for d, k in need.items():
            key = (d, tuple(sorted(quals[d])), R.jurisdiction(e))
            pool = pools.get(key)
            if pool is None:
                pool = pools[key] = [i for i in R.by_dept[d] if R.in_jurisdiction(i, e)
                                     and R.inspector_ok(i, d, quals[d]) is None and R.capacity[i] > 0]
            last = R.last_team(e, d) if pol["rotation"] else set()

            def allowed(i: str) -> bool:
                return (i not in team and (i, v["uscc"]) not in R.conflicts and i not in last
                        and not any(frozenset((i, j)) in R.pairs for j in team))

            got = 0
            tries = 0
            while got < k and pool and tries < 64:
                tries += 1
                x = rng.randrange(len(pool))
                i = pool[x]
                if load[i] >= R.capacity[i]:  # saturated: drop from the pool for good
                    pool[x] = pool[-1]
                    pool.pop()
                    continue
                if allowed(i):
                    team.append(i)
                    got += 1
            if got < k:  # the database would scan everything: do it
                cands = [i for i in pool if load[i] < R.capacity[i] and allowed(i)]
                while got < k and cands:
                    i = cands.pop(rng.randrange(len(cands)))
                    if allowed(i):
                        team.append(i)
                        got += 1
            if got < k:
                ok = False
                break
        if ok:
            for i in team:
                load[i] += 1
            v["team"] = team
        else:
            v["team"] = []
            stuck.append(v)
    return stuck


def run(inst: dict, seed: int = 1, rules: Rules | None = None, pop: Population | None = None) -> dict:
    t0 = time.perf_counter()
    R = rules or Rules(inst)
    pop = pop or Population(inst)
    rng = random.Random(seed)
    samples = sample_independent(inst, rng, pop)
    visits = visits_of(inst, samples)
    t_sample = time.perf_counter() - t0
    per_entity = Counter(v["uscc"] for v in visits)
    res = {
        "visits": len(visits),
        "joint_visits": sum(1 for v in visits if len(v["departments"]) > 1),
        "entities": len(per_entity),
        "entities_with_several_visits": sum(1 for n in per_entity.values() if n > 1),
        "sample_seconds": round(t_sample, 2),
    }
    # naive picker
    t1 = time.perf_counter()
    pick_naive(R, visits, rng)
    chk = check(inst, visits, dated=False, rules=R)
    bad_visits = _visits_with_violations(R, inst, visits)
    res["naive"] = {
        "violations": dict(sorted(chk["violations"].items())),
        "visits_breaking_a_rule": bad_visits,
        "workload": workload(inst, chk["load"], R),
        "seconds": round(time.perf_counter() - t1, 2),
    }
    # filtered greedy picker
    t2 = time.perf_counter()
    stuck = pick_filtered(R, visits, rng)
    staffed = [v for v in visits if v["team"]]
    chk = check(inst, staffed, dated=False, rules=R)
    reasons = Counter()
    for v in stuck:
        reasons[",".join(v["departments"])] += 1
    res["filtered"] = {
        "stuck": len(stuck),
        "stuck_by_departments": dict(reasons.most_common(8)),
        "violations": dict(sorted(chk["violations"].items())),
        "workload": workload(inst, chk["load"], R),
        "seconds": round(time.perf_counter() - t2, 2),
    }
    res["seconds"] = round(time.perf_counter() - t0, 2)
    return res


def _visits_with_violations(R: Rules, inst: dict, visits: list[dict]) -> int:
    """Visits whose team breaks at least one per-visit rule (capacity is global: excluded)."""
    n = 0
    for v in visits:
        c = check(inst, [v], dated=False, rules=R)["violations"]
        c.pop("capacity", None)
        n += bool(c)
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="shuffle-and-take baseline")
    ap.add_argument("instance")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    t = time.perf_counter()
    inst = load(a.instance)
    print(f"loaded in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    print(json.dumps(run(inst, a.seed), ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
