"""Bounded candidate sets (draw protocol 7.3, format /3): each place offers the
team flow a uniformly random subset of its eligible inspectors, drawn from the
seed; a department whose candidates cannot fill every accepted place widens
its bound; no visit that could be staffed is left unfilled."""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.graph.python import max_flow
from test_assign import WORKDAYS, oracle, small_instances
from test_fairness import chi_square

from solver.accept import accept_visits
from solver.assign import RandomCost, assign_teams, connected_parts, department_teams, improvable, part_name
from solver.candidates import DEFAULT_BOUND, candidates, many_positions, positions
from solver.calendar import working_days
from solver.canonical import FastHmac
from solver.draw import draw, instance_seed
from solver.eligible import Eligible
from solver.errors import VerificationFailed
from solver.instance import parse_instance
from solver.progress import NullProgress
from solver.sampling import sample
from solver.teams import Rules, build_requests
from solver.verify import verify_outcome
from solver.visits import merge_samples
from tests.solver.examples import document

SEED = bytes(range(32))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("AB0123456789", min_size=1, max_size=5), min_size=1, max_size=30, unique=True),
       st.integers(1, 20), st.data())
def test_many_positions_equal_one_by_one(ids, k, data):
    key = FastHmac(SEED)
    places = [(f"U{n}", data.draw(st.sampled_from(["SCJG", "CGJ"])), data.draw(st.integers(1, 60)))
              for n in range(len(ids))]
    one_by_one = [sorted(positions(key, u, d, n, k)) for u, d, n in places]
    assert many_positions(key, places, k) == one_by_one
    for picks, (_, _, n) in zip(one_by_one, places, strict=True):
        assert len(picks) == min(n, k) == len(set(picks)) and all(0 <= x < n for x in picks)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.data())
def test_an_eligible_view_is_the_tuple_it_stands_for(size, data):
    pool = tuple(f"E{n:03d}" for n in range(size))
    cut = tuple(sorted(data.draw(st.sets(st.integers(0, max(0, size - 1)), max_size=size)) if size else ()))
    view = Eligible(pool, cut)
    plain = tuple(i for n, i in enumerate(pool) if n not in cut)
    assert view == plain and tuple(view) == plain and len(view) == len(plain) and hash(view) == hash(plain)
    assert [view[n] for n in range(len(plain))] == list(plain)
    indexes = sorted(data.draw(st.sets(st.integers(0, max(0, len(plain) - 1)), max_size=len(plain)))
                     if plain else ())
    assert view.pick(indexes) == tuple(plain[n] for n in indexes)
    assert all((i in view) == (i in plain) for i in pool)


def test_every_eligible_inspector_is_a_candidate_equally_often():
    """16 of 40 over 1,500 seeds: each position is a candidate 600 times in
    expectation (chi-square, 39 degrees of freedom, alpha 0.001: 72.055)."""
    eligible = tuple(f"E{n:03d}" for n in range(40))
    counts = Counter()
    for k in range(1500):
        key = FastHmac(hashlib.sha256(f"candidates-{k}".encode()).digest())
        counts.update(candidates(key, "91350100M000100009", "SCJG", eligible, DEFAULT_BOUND))
    assert sum(counts.values()) == 1500 * 16
    assert chi_square([counts[i] for i in eligible], 600) < 72.055


def test_unrestricted_pool_of_hundreds_staffs_a_visit_uniformly():
    """300 interchangeable inspectors of one department (no jurisdictions),
    20 visits a draw, 1,200 seeds: the team of the first visit is uniform
    over the pool (chi-square, 299 degrees of freedom, alpha 0.001: 380.3 by
    the Wilson–Hilferty approximation)."""
    doc = document(entities=20, inspectors=300)
    doc["tasks"][0].pop("ratio")
    doc["tasks"][0]["count"] = 20
    base = parse_instance(doc)
    workdays = working_days(base)
    counts = Counter()
    rounds = 1200
    for k in range(rounds):
        instance = replace(base, secret=hashlib.sha256(f"pool-{k}".encode()).digest())
        seed = instance_seed(instance)
        visits = merge_samples(instance, sample(instance, seed))
        requests = build_requests(instance, visits, workdays)
        assignment = assign_teams(instance, requests, seed, workdays, NullProgress())
        first = min(assignment.teams)
        counts.update(assignment.teams[first])
        assert not assignment.widened
    inspectors = [i.id for i in base.inspectors]
    assert sum(counts.values()) == 2 * rounds
    assert chi_square([counts[i] for i in inspectors], 2 * rounds / 300) < 380.3


def _candidate_flow_fills(places, rules, seed, department, bound) -> bool:
    """Can the candidates within ``bound`` fill all of ``places`` ((request,
    slot) of ``department``) at once? (OR-Tools max flow, from scratch)."""
    cost = RandomCost(seed)
    flow = max_flow.SimpleMaxFlow()
    node, nodes, demand = {}, 2, 0
    for request, slot in places:
        place, nodes = nodes, nodes + 1
        flow.add_arc_with_capacity(0, place, slot.count)
        demand += slot.count
        for i in cost.candidates(request.visit.uscc, department, slot.eligible, bound):
            if i not in node:
                node[i], nodes = nodes, nodes + 1
            flow.add_arc_with_capacity(place, node[i], 1)
    for i, n in node.items():
        flow.add_arc_with_capacity(n, 1, rules.capacity[i])
    assert flow.solve(0, 1) == flow.OPTIMAL
    return flow.optimal_flow() == demand


@settings(max_examples=150, deadline=None)
@given(small_instances(), st.sampled_from([1, 2, 3]))
def test_no_visit_that_could_be_staffed_is_left_unfilled(case, bound):
    """With a bound of 1–3 candidates (so that parts widen often): the staffed
    visits are exactly those a from-scratch max flow over every eligible
    inspector accepts; every team lies within its places' candidates at its
    part's final bound, no trade with an eligible inspector would balance the
    part better, and half that bound either could not fill the part or left
    such a trade."""
    instance, visits = case
    requests = build_requests(instance, visits, WORKDAYS)
    rules = Rules(instance, WORKDAYS)
    result = assign_teams(instance, requests, SEED, WORKDAYS, NullProgress(), bound=bound)
    accepted = oracle(requests, rules)
    assert sorted(result.teams) == sorted(accepted)  # no pair conflicts in these instances
    cost = RandomCost(SEED)
    by_id = {r.visit.id: r for r in requests}
    chosen = sorted((by_id[v] for v in accepted), key=lambda r: (r.visit.priority, r.visit.id))
    by_department: dict = {}
    for request in chosen:
        for slot in request.slots:
            by_department.setdefault(slot.department, []).append((request, slot))
    widened = dict(result.widened or {})
    for department, places in by_department.items():
        for part in connected_parts([(r.visit.uscc, slot) for r, slot in places]):
            k = widened.pop(part_name(department, places[part[0]][0].visit.id), bound)
            mine = [places[p] for p in part]
            for request, slot in mine:
                offered = cost.candidates(request.visit.uscc, department, slot.eligible, k)
                members = [i for i in result.teams[request.visit.id] if rules.inspectors[i].department == department]
                assert len(members) == slot.count and set(members) <= set(offered)
            assert _candidate_flow_fills(mine, rules, SEED, department, k)
            members = [tuple(i for i in result.teams[r.visit.id] if rules.inspectors[i].department == department)
                       for r, _ in mine]
            assert not improvable([(r.visit.uscc, slot) for r, slot in mine], members, rules)
            if k > bound:  # half the bound could not fill the part, or left a trade that balances better
                assert k % bound == 0
                narrower = department_teams(department, [(r.visit.uscc, slot) for r, slot in mine], rules,
                                            RandomCost(SEED), k // 2)
                assert narrower is None or improvable([(r.visit.uscc, slot) for r, slot in mine], narrower, rules)
                assert (narrower is None) == (not _candidate_flow_fills(mine, rules, SEED, department, k // 2))
    assert widened == {}  # every widened name is a part
    ordered = sorted(requests, key=lambda r: (r.visit.priority, r.visit.id))
    assert [r.visit.id for r in accept_visits(ordered, rules, NullProgress())[0]] == accepted


def _one_big_and_many_small(visits: int, draw_id: str) -> dict:
    """40 inspectors of one department, E001 of capacity 30 and 39 of
    capacity 1, ``visits`` visits of 2."""
    doc = document(entities=400, inspectors=40)
    doc["draw_id"] = draw_id
    for n, inspector in enumerate(doc["inspectors"]):
        inspector["max_visits"] = 30 if n == 0 else 1
    doc["tasks"][0].pop("ratio")
    doc["tasks"][0]["count"] = visits
    return doc


def _saturated() -> dict:
    """60 visits: the 34 accepted visits need the big one on 30 of them, more
    than 16 candidates a place offer him."""
    return _one_big_and_many_small(60, "W-1")


def test_a_department_whose_candidates_cannot_fill_widens_its_bound():
    instance = parse_instance(_saturated())
    outcome = draw(instance).outcome()
    assert outcome["certificate"]["widened"] == {"V00001 SCJG": 32}
    assert outcome["stats"]["visits"] == 34 and outcome["stats"]["unfilled"] == 26
    verify_outcome(instance, outcome)
    assert json.loads(json.dumps(outcome)) == outcome


@pytest.mark.parametrize(("widened", "start"), [
    ({}, "certificate.flow_teams."),  # teams of bound 32 are not all among 16 candidates
    ({"V00001 SCJG": 64}, "certificate.levels[0]: the move "),  # more candidates: the teams are no longer optimal
    ({"V00001 SCJG": 48}, "certificate.widened.V00001 SCJG: expected 16 doubled one or more times, found 48"),
])
def test_a_changed_bound_is_caught_and_named(widened, start):
    instance = parse_instance(_saturated())
    outcome = draw(instance).outcome()
    changed = copy.deepcopy(outcome)
    changed["certificate"]["widened"] = widened
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, changed)
    assert str(caught.value).startswith(start), str(caught.value)


class _Counting:
    """A progress reporter that records, per stage, its total and the units done."""

    def __init__(self) -> None:
        self.stages: list[list] = []

    def stage(self, name, total=None):
        self.stages.append([name, total, 0])

    def advance(self, n=1):
        self.stages[-1][2] += n

    def done(self):
        pass


def test_widening_does_not_count_a_stage_past_its_total():
    counting = _Counting()
    outcome = draw(parse_instance(_saturated()), counting).outcome()
    assert outcome["certificate"]["widened"]  # a part was solved twice
    form = [s for s in counting.stages if s[0] == "form teams"]
    assert form and all(total is not None and done == total for _, total, done in form), form


def _one_big_inspector() -> dict:
    """20 visits: every visit is staffed at K = 16, but a place whose 16
    candidates miss E001 (load 9 of 30) holds two inspectors at their only
    visit, a trade the candidates do not offer (7.3): the part widens to 64."""
    return _one_big_and_many_small(20, "W-2")


def unwidened_outcome(instance, monkeypatch) -> dict:
    """The draw of ``instance`` as if no trade ever made a part widen: its
    certificate holds at K = 16, its teams are not the protocol's."""
    with monkeypatch.context() as patched:
        patched.setattr("solver.assign.improvable", lambda *args: False)
        return draw(instance).outcome()


def test_a_part_that_should_have_widened_is_named_without_solving(monkeypatch):
    instance = parse_instance(_one_big_inspector())
    outcome = draw(instance).outcome()
    assert outcome["certificate"]["widened"] == {"V00001 SCJG": 64} and outcome["stats"]["unfilled"] == 0
    verify_outcome(instance, outcome)
    loads = Counter(i for entry in outcome["visits"] for i in entry["team"])
    assert loads["E001"] == 20 and max(n for i, n in loads.items() if i != "E001") == 1
    unwidened = unwidened_outcome(instance, monkeypatch)
    assert unwidened["certificate"]["widened"] == {}
    assert Counter(i for entry in unwidened["visits"] for i in entry["team"])["E001"] < 20
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, unwidened)
    assert str(caught.value).startswith(
        "certificate.widened.V00001 SCJG: the part should have widened beyond 16 candidates: place V"), caught.value
    assert "to E001 (load " in str(caught.value) and "capacity 30), who is eligible but not a candidate" in str(
        caught.value)
    # stopping at 32 leaves the same kind of trade
    narrower = copy.deepcopy(outcome)
    narrower["certificate"]["widened"] = {"V00001 SCJG": 32}
    with pytest.raises(VerificationFailed) as caught:
        verify_outcome(instance, narrower)
    assert str(caught.value).startswith("certificate."), caught.value
