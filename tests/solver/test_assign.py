"""Team assignment (solver.assign): acceptance, balanced random teams, pair conflicts."""

from __future__ import annotations

import hmac
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.graph.python import max_flow
from test_teams import WORKDAYS, entity, inspector, make_instance, visit

from solver.accept import accept_visits
from solver.assign import RandomCost, _solve_part, assign_teams, balance_cost, department_teams
from solver import legacy_v1
from solver.model import Item, LastCheck, Policy, Task
from solver.progress import NullProgress
from solver.teams import Rules, VisitChecker, build_requests

SEED = bytes(range(32))


def texts(result, instance):
    """The unfilled reasons as format /1 wrote them (frozen in solver.legacy_v1)."""
    names = {d.id: d.name for d in instance.departments}
    return {k: legacy_v1.render(r, names) for k, r in result.unfilled.items()}


def codes(result):
    """The unfilled reasons as format /2 writes them."""
    return {k: r.document() for k, r in result.unfilled.items()}


def run(instance, visits, seed=SEED, **options):
    requests = build_requests(instance, visits, WORKDAYS)
    return requests, assign_teams(instance, requests, seed, WORKDAYS, NullProgress(), **options)


# --- acceptance equals a from-scratch max flow per prefix ------------------------------------

def feasible(requests, rules) -> bool:
    """Can every place of ``requests`` be filled at once? (OR-Tools max flow, from scratch)."""
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    node = {}
    demand = 0
    nodes = 2
    for request in requests:
        for slot in request.slots:
            place, nodes = nodes, nodes + 1
            flow.add_arc_with_capacity(source, place, slot.count)
            demand += slot.count
            for i in slot.eligible:
                if i not in node:
                    node[i], nodes = nodes, nodes + 1
                flow.add_arc_with_capacity(place, node[i], 1)
    for i, n in node.items():
        flow.add_arc_with_capacity(n, sink, rules.capacity[i])
    if demand == 0:
        return True
    assert flow.solve(source, sink) == flow.OPTIMAL
    return flow.optimal_flow() == demand


def oracle(requests, rules) -> list[str]:
    accepted = []
    for request in sorted(requests, key=lambda r: (r.visit.priority, r.visit.id)):
        if feasible(accepted + [request], rules):
            accepted.append(request)
    return [r.visit.id for r in accepted]


@st.composite
def small_instances(draw):
    departments = draw(st.sampled_from([("SCJG",), ("CG", "SCJG")]))
    inspectors = []
    for department in departments:
        for k in range(draw(st.integers(1, 6))):
            inspectors.append(inspector(
                f"{department}{k}", department, max_visits=draw(st.integers(0, 4)),
                qualifications=draw(st.sampled_from([frozenset({"food", "urban"}), frozenset({"food"}),
                                                     frozenset({"urban"})]))))
    n = draw(st.integers(1, 12))
    entities = [entity(f"U{k}") for k in range(n)]
    task_sets = [("T-SCJG",), ("T-SCJG2",), ("T-SCJG", "T-SCJG2")]
    if len(departments) == 2:
        task_sets += [("T-CG",), ("T-CG", "T-SCJG"), ("T-CG", "T-SCJG2")]
    tasks = (Task("T-CG", "CG", ("CG-01",), inspectors_per_visit=draw(st.integers(1, 3))),
             Task("T-SCJG", "SCJG", ("SCJG-01",), inspectors_per_visit=draw(st.integers(1, 3))),
             Task("T-SCJG2", "SCJG", ("SCJG-02",), inspectors_per_visit=draw(st.integers(1, 3))))
    items = (Item("CG-01", "CG", "city", "urban"), Item("SCJG-01", "SCJG", "food", "food"),
             Item("SCJG-02", "SCJG", "signs", "urban"))
    ids = [i.id for i in inspectors]
    conflicts = draw(st.sets(st.tuples(st.sampled_from(ids), st.sampled_from([e.uscc for e in entities])),
                             max_size=4))
    instance = make_instance(inspectors, entities, tasks=tasks, conflicts=conflicts, items=items,
                             policy=Policy(min_team_size=draw(st.integers(1, 2))))
    visits = [visit(f"V{k:02d}", f"U{k}", tasks=draw(st.sampled_from(task_sets)),
                    priority=draw(st.integers(0, 5)), instance=instance) for k in range(n)]
    return instance, visits


@settings(max_examples=150, deadline=None)
@given(small_instances())
def test_acceptance_equals_max_flow_per_prefix(case):
    instance, visits = case
    requests = build_requests(instance, visits, WORKDAYS)
    rules = Rules(instance, WORKDAYS)
    ordered = sorted(requests, key=lambda r: (r.visit.priority, r.visit.id))
    accepted, unfilled = accept_visits(ordered, rules, NullProgress())
    assert [r.visit.id for r in accepted] == oracle(requests, rules)
    assert sorted([r.visit.id for r in accepted] + list(unfilled)) == sorted(v.id for v in visits)


@settings(max_examples=100, deadline=None)
@given(small_instances())
def test_accepted_visits_are_fully_staffed_within_capacity(case):
    instance, visits = case
    requests, result = run(instance, visits)
    rules = Rules(instance, WORKDAYS)
    checker = VisitChecker(instance, WORKDAYS)
    by_id = {v.id: v for v in visits}
    assert set(result.teams) | set(result.unfilled) == set(by_id)
    assert not set(result.teams) & set(result.unfilled)
    for visit_id, team in result.teams.items():
        assert list(team) == sorted(team)
        assert checker.check(by_id[visit_id], team, WORKDAYS[0]) == []
    for inspector_id, load in result.loads.items():
        assert load == sum(inspector_id in team for team in result.teams.values())
        assert load <= rules.capacity[inspector_id]


# --- balance and randomness ------------------------------------------------------------------

def test_balance_within_one_with_equal_availability():
    inspectors = [inspector(f"E{k:02d}", max_visits=10) for k in range(7)]
    entities = [entity(f"U{k:03d}") for k in range(23)]
    inst = make_instance(inspectors, entities)
    _, result = run(inst, [visit(f"V{k:03d}", e.uscc) for k, e in enumerate(entities)])
    assert len(result.teams) == 23
    loads = [result.loads[i.id] for i in inspectors]
    assert sum(loads) == 46 and max(loads) - min(loads) <= 1


def test_balance_is_relative_to_capacity():
    inspectors = [inspector("E1", max_visits=4), inspector("E2", max_visits=8), inspector("E3", max_visits=12)]
    entities = [entity(f"U{k:03d}") for k in range(6)]
    inst = make_instance(inspectors, entities)
    _, result = run(inst, [visit(f"V{k:03d}", e.uscc) for k, e in enumerate(entities)])
    assert [result.loads[i] for i in ("E1", "E2", "E3")] == [2, 4, 6]


def test_seed_changes_teams_and_same_input_gives_same_output():
    inspectors = [inspector(f"E{k:02d}", max_visits=30) for k in range(10)]
    entities = [entity(f"U{k:03d}") for k in range(8)]
    inst = make_instance(inspectors, entities)
    visits = [visit(f"V{k:03d}", e.uscc, priority=k % 3) for k, e in enumerate(entities)]
    _, first = run(inst, visits)
    _, again = run(inst, list(reversed(visits)))
    assert first == again
    _, other = run(inst, visits, seed=bytes(32))
    assert other.teams != first.teams


def test_random_cost_is_the_documented_hmac():
    cost = RandomCost(SEED)
    expected = int.from_bytes(hmac.digest(SEED, "assign:U1:E01".encode(), "sha256")[:3], "big")
    assert cost.costs("U1", ["E01", "E02"])[0] == expected
    assert 0 <= cost.costs("U1", ["E02"])[0] < 2**24


def test_teams_minimise_random_cost_when_balance_ties():
    inspectors = [inspector(f"E{k}", max_visits=30) for k in range(5)]
    inst = make_instance(inspectors, [entity("U1")])
    _, result = run(inst, [visit("V1", "U1")])
    costs = RandomCost(SEED).costs("U1", [i.id for i in inspectors])
    cheapest = tuple(sorted(np.array([i.id for i in inspectors])[np.argsort(costs)[:2]]))
    assert result.teams["V1"] == cheapest


# --- acceptance order and reasons ------------------------------------------------------------

def test_higher_priority_visits_win_when_capacity_is_short():
    inst = make_instance([inspector("E1", max_visits=1), inspector("E2", max_visits=1)],
                         [entity("U1"), entity("U2")])
    _, result = run(inst, [visit("V1", "U1", priority=9), visit("V2", "U2", priority=3)], bound=None)  # /1's rule
    assert list(result.teams) == ["V2"]
    assert texts(result, inst) == {"V1": "市场监督管理局: 2 eligible inspectors, all at capacity with higher-priority visits"}
    assert codes(result) == {"V1": {"code": "capacity", "department": "SCJG", "needed": 2, "eligible": 2}}


def test_acceptance_reroutes_earlier_visits_instead_of_refusing():
    # V1 could take E1+E2 or E2+E3; V2 can only take E1+E2 ... unless V1 moves over.
    inspectors = [inspector("E1", max_visits=1), inspector("E2", max_visits=2), inspector("E3", max_visits=1)]
    inst = make_instance(inspectors, [entity("U1"), entity("U2")], conflicts={("E3", "U2")})
    _, result = run(inst, [visit("V1", "U1", priority=1), visit("V2", "U2", priority=2)])
    assert result.teams == {"V1": ("E2", "E3"), "V2": ("E1", "E2")}


def test_unfilled_reason_all_conflicted():
    inst = make_instance([inspector("C1", "CG"), inspector("C2", "CG"), inspector("E1"), inspector("E2")],
                         [entity("U1")], conflicts={("C1", "U1"), ("C2", "U1")})
    _, result = run(inst, [visit("V1", "U1", tasks=("T-CG", "T-SCJG"))])
    assert texts(result, inst) == {"V1": "both qualified inspectors of 城管局 have declared conflicts with the entity"}
    assert codes(result) == {"V1": {"code": "too_few_eligible", "departments": [
        {"department": "CG", "needed": 1, "qualifications": ["urban"], "members": 2, "eligible": 0,
         "dropped": {"declared_conflict": 2}}]}}


def test_unfilled_reason_none_qualified_or_expired():
    inst = make_instance([inspector("E1", qualifications=frozenset()), inspector("E2", qualifications=frozenset()),
                          inspector("E3", certificate_expires=date(2027, 1, 1))], [entity("U1")])
    _, result = run(inst, [visit("V1", "U1")])
    assert texts(result, inst)["V1"] == ("市场监督管理局: 2 inspectors needed, 0 of 3 eligible "
                                     "(1 certificate expired before the window ends; 2 not qualified (food))")
    only_expired = make_instance([inspector("E3", certificate_expires=date(2027, 1, 1))], [entity("U1")])
    _, result = run(only_expired, [visit("V1", "U1")])
    assert texts(result, only_expired)["V1"] == ("the only inspector of 市场监督管理局 has a certificate that expires "
                                     "before the window ends")


def test_unfilled_reason_no_inspectors_and_rotation():
    inst = make_instance([inspector("E1"), inspector("E2")],
                         [entity("U1", last_checks=(LastCheck(department="SCJG", date=date(2026, 3, 3), inspectors=("E1",)),))])
    _, result = run(inst, [visit("V1", "U1"), visit("V2", "U1", tasks=("T-WJ",))])
    assert texts(result, inst)["V1"] == ("市场监督管理局: 2 inspectors needed, 1 of 2 eligible "
                                     "(1 on the entity's last check (rotation))")
    assert texts(result, inst)["V2"] == "卫健委 has no inspectors in the instance"
    assert codes(result)["V2"]["departments"][0] == {"department": "WJ", "needed": 2, "qualifications": ["health"],
                                                     "members": 0, "eligible": 0, "dropped": {}}


def test_unfilled_reason_partial_capacity():
    inspectors = [inspector("E1", max_visits=1), inspector("E2", max_visits=1), inspector("E3", max_visits=1)]
    inst = make_instance(inspectors, [entity("U1"), entity("U2")])
    _, result = run(inst, [visit("V1", "U1", priority=1), visit("V2", "U2", priority=2)], bound=None)  # /1's rule
    assert texts(result, inst) == {"V2": "市场监督管理局: 2 inspectors needed, 3 eligible, 2 at capacity with "
                                         "higher-priority visits that cannot be reassigned"}
    # format /2 names no count at capacity: another maximum flow of V1 could hold E3 instead
    assert codes(result) == {"V2": {"code": "capacity", "department": "SCJG", "needed": 2, "eligible": 3}}


# --- pair conflicts --------------------------------------------------------------------------

def test_pair_conflict_is_repaired_by_a_swap():
    inspectors = [inspector("E1"), inspector("E2"), inspector("E3")]
    entities = [entity("U1")]
    plain = make_instance(inspectors, entities)
    _, before = run(plain, [visit("V1", "U1")])
    clash = before.teams["V1"]
    inst = make_instance(inspectors, entities, pair_conflicts=[clash])
    _, after = run(inst, [visit("V1", "U1")])
    (team,) = after.teams.values()
    assert set(team) != set(clash) and len(set(team) & set(clash)) == 1
    assert VisitChecker(inst, WORKDAYS).check(visit("V1", "U1"), team, WORKDAYS[0]) == []
    assert sum(after.loads.values()) == 2


def test_pair_conflict_without_replacement_leaves_the_visit_unfilled():
    inst = make_instance([inspector("E1"), inspector("E2"), inspector("C1", "CG")], [entity("U1"), entity("U2")],
                         pair_conflicts=[("E1", "E2")])
    _, result = run(inst, [visit("V1", "U1"), visit("V2", "U2", tasks=("T-CG", "T-SCJG"))])
    assert texts(result, inst) == {"V1": "inspectors E1 and E2 must not serve on one team, and no eligible "
                                         "replacement with spare capacity resolves it"}
    assert codes(result) == {"V1": {"code": "pair_conflict", "inspectors": ["E1", "E2"]}}
    assert sorted(result.teams) == ["V2"]
    assert sum(result.loads.values()) == 2


@settings(max_examples=60, deadline=None)
@given(small_instances(), st.data())
def test_no_team_holds_a_pair_conflict(case, data):
    instance, visits = case
    ids = sorted(i.id for i in instance.inspectors)
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1]),
                               max_size=4))
    instance = make_instance(instance.inspectors, instance.entities, tasks=instance.tasks, policy=instance.policy,
                             conflicts=instance.conflicts, pair_conflicts=pairs, items=instance.items)
    _, result = run(instance, visits)
    checker = VisitChecker(instance, WORKDAYS)
    by_id = {v.id: v for v in visits}
    for visit_id, team in result.teams.items():
        assert checker.check(by_id[visit_id], team, WORKDAYS[0]) == []
    rules = Rules(instance, WORKDAYS)
    for inspector_id, load in result.loads.items():
        assert load == sum(inspector_id in team for team in result.teams.values()) <= rules.capacity[inspector_id]


def flow_cost(places, teams, rules, random_cost) -> int:
    """Objective of 7.3 for the given teams of one department's places."""
    loads: dict[str, int] = {}
    total = 0
    for (uscc, slot), team in zip(places, teams):
        costs = dict(zip(slot.eligible, random_cost.costs(uscc, slot.eligible)))
        for i in team:
            total += costs[i]
            loads[i] = loads.get(i, 0) + 1
    for i, load in loads.items():
        total += sum(balance_cost(k, rules.capacity[i]) for k in range(1, load + 1))
    return total


@settings(max_examples=40, deadline=None)
@given(small_instances())
def test_split_flow_is_as_cheap_as_one_flow_per_department(case):
    instance, visits = case
    requests = build_requests(instance, visits, WORKDAYS)
    rules = Rules(instance, WORKDAYS)
    ordered = sorted(requests, key=lambda r: (r.visit.priority, r.visit.id))
    accepted, _ = accept_visits(ordered, rules, NullProgress())
    random_cost = RandomCost(SEED)
    for department in ("CG", "SCJG"):
        places = [(r.visit.uscc, s) for r in accepted for s in r.slots if s.department == department]
        if not places:
            continue
        split = department_teams(department, places, rules, random_cost)
        whole, _ = _solve_part(department, places, rules, random_cost.many([(u, s.eligible) for u, s in places]),
                               random_cost)
        assert flow_cost(places, split, rules, random_cost) == flow_cost(places, whole, rules, random_cost)
        assert split == whole  # the optimum is unique (7.5)


@pytest.mark.parametrize("seed", range(1, 13))
def test_acceptance_equals_oracle_on_a_tight_medium_instance(seed):
    """Many rejections: exercises the dead sets and the bounds of step 1."""
    rng = np.random.default_rng(seed)
    quals = [frozenset({"food"}), frozenset({"urban"}), frozenset({"food", "urban"})]
    inspectors = [inspector(f"S{k:02d}", "SCJG", max_visits=int(rng.integers(1, 6)), qualifications=quals[k % 3])
                  for k in range(18)]
    inspectors += [inspector(f"C{k:02d}", "CG", max_visits=int(rng.integers(1, 6))) for k in range(6)]
    entities = [entity(f"U{k:03d}") for k in range(160)]
    conflicts = {(f"S{int(rng.integers(18)):02d}", f"U{int(rng.integers(160)):03d}") for _ in range(120)}
    tasks = (Task("T-CG", "CG", ("CG-01",)), Task("T-SCJG", "SCJG", ("SCJG-01",)),
             Task("T-SCJG2", "SCJG", ("SCJG-02",), inspectors_per_visit=3),
             Task("T-SCJG3", "SCJG", ("SCJG-02",)))
    items = (Item("CG-01", "CG", "city", "urban"), Item("SCJG-01", "SCJG", "food", "food"),
             Item("SCJG-02", "SCJG", "signs", "urban"))
    inst = make_instance(inspectors, entities, tasks=tasks, items=items, conflicts=conflicts)
    # Places of one pool with counts 1, 2 and 3.
    task_sets = [("T-SCJG",), ("T-SCJG2",), ("T-SCJG3",), ("T-SCJG", "T-SCJG2"), ("T-CG", "T-SCJG"),
                 ("T-CG", "T-SCJG3"), ("T-CG",)]
    visits = [visit(f"V{k:03d}", e.uscc, tasks=task_sets[int(rng.integers(len(task_sets)))],
                    priority=int(rng.integers(1000)), instance=inst) for k, e in enumerate(entities)]
    requests = build_requests(inst, visits, WORKDAYS)
    rules = Rules(inst, WORKDAYS)
    ordered = sorted(requests, key=lambda r: (r.visit.priority, r.visit.id))
    accepted, unfilled = accept_visits(ordered, rules, NullProgress())
    assert len(unfilled) > 40
    assert [r.visit.id for r in accepted] == oracle(requests, rules)


def test_pair_conflict_repair_is_deterministic_and_order_free():
    inspectors = [inspector(f"E{k:02d}", max_visits=4) for k in range(8)]
    entities = [entity(f"U{k:03d}") for k in range(12)]
    pairs = [(f"E{a:02d}", f"E{b:02d}") for a in range(8) for b in range(a + 1, 8) if (a + b) % 3 == 0]
    inst = make_instance(inspectors, entities, pair_conflicts=pairs)
    visits = [visit(f"V{k:03d}", e.uscc, priority=k % 4) for k, e in enumerate(entities)]
    _, first = run(inst, visits)
    _, again = run(inst, list(reversed(visits)))
    assert first == again
    checker = VisitChecker(inst, WORKDAYS)
    by_id = {v.id: v for v in visits}
    assert all(checker.check(by_id[k], t, WORKDAYS[0]) == [] for k, t in first.teams.items())


def test_forked_arc_costs_equal_in_process_ones(monkeypatch):
    import solver.assign as module

    seed = bytes(range(32))
    places = [(f"91350181MA2Y0X{n:04d}", tuple(f"E{k:03d}" for k in range(n % 7)))
              for n in range(40)]
    expected = [c for uscc, ids in places for c in RandomCost(seed).costs(uscc, ids)]
    assert RandomCost(seed).many(places).tolist() == expected
    monkeypatch.setattr(module, "PARALLEL_ARCS", 1)
    for workers in (2, 3, 50):
        assert RandomCost(seed, workers).many(places).tolist() == expected
    assert RandomCost(seed, 2).many([]).tolist() == []


def test_parts_solved_in_forked_processes_give_the_same_teams(monkeypatch):
    """Step 2's parts (here one per jurisdiction and department) shared between
    processes give exactly the teams of one process."""
    import solver.assign as module

    districts = ("350102001", "350103002", "350104003", "350181004")
    inspectors = [inspector(f"S{n:02d}", district=districts[n % 4]) for n in range(24)]
    inspectors += [inspector(f"C{n:02d}", "CG", district=districts[n % 4]) for n in range(12)]
    entities = [entity(f"U{n:03d}", district=districts[n % 4]) for n in range(60)]
    inst = make_instance(inspectors, entities, policy=Policy(jurisdiction_digits=6),
                         pair_conflicts=[("S00", "S04")])
    visits = [visit(f"V{n:03d}", f"U{n:03d}", tasks=("T-SCJG", "T-CG") if n % 3 == 0 else ("T-SCJG",),
                    priority=n % 5) for n in range(60)]
    requests = build_requests(inst, visits, WORKDAYS)
    single = assign_teams(inst, requests, SEED, WORKDAYS, NullProgress())
    assert len(single.teams) > 40
    monkeypatch.setattr(module, "PARALLEL_ARCS", 0)
    for workers in (2, 3):
        assert assign_teams(inst, requests, SEED, WORKDAYS, NullProgress(), workers=workers) == single


def test_a_failed_child_is_recomputed_in_the_parent(monkeypatch):
    import os

    import solver.assign as module

    inspectors = [inspector(f"S{n:02d}", district=("350102001", "350181001")[n % 2]) for n in range(12)]
    entities = [entity(f"U{n:03d}", district=("350102001", "350181001")[n % 2]) for n in range(20)]
    inst = make_instance(inspectors, entities, policy=Policy(jurisdiction_digits=6))
    visits = [visit(f"V{n:03d}", f"U{n:03d}") for n in range(20)]
    requests = build_requests(inst, visits, WORKDAYS)
    single = assign_teams(inst, requests, SEED, WORKDAYS, NullProgress())
    parent, real = os.getpid(), module._solve_job

    def crash_in_child(*args):
        if os.getpid() != parent:
            raise RuntimeError("worker lost")
        return real(*args)

    monkeypatch.setattr(module, "PARALLEL_ARCS", 0)
    monkeypatch.setattr(module, "_solve_job", crash_in_child)
    assert assign_teams(inst, requests, SEED, WORKDAYS, NullProgress(), workers=2) == single
