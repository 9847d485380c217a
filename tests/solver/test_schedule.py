"""Scheduling (solver.schedule): working days, leave, daily limits, grouping."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_teams import WORKDAYS, entity, inspector, make_instance, visit

from solver.model import Policy
from solver.schedule import schedule_visits
from solver.teams import VisitChecker, check_loads


def test_visits_land_on_working_days_where_the_team_is_available():
    on_leave = frozenset(WORKDAYS[:3])
    inst = make_instance([inspector("E1", unavailable=on_leave), inspector("E2")], [entity("U1")])
    result = schedule_visits(inst, [visit("V1", "U1")], {"V1": ("E1", "E2")}, WORKDAYS)
    assert result.unscheduled == {}
    assert result.dates["V1"] in WORKDAYS[3:]


def test_daily_limit_spreads_visits():
    entities = [entity(f"U{k}", district=f"35010{k}") for k in range(5)]
    inst = make_instance([inspector("E1"), inspector("E2")], entities, policy=Policy(daily_visits_per_inspector=1))
    visits = [visit(f"V{k}", f"U{k}") for k in range(5)]
    result = schedule_visits(inst, visits, {v.id: ("E1", "E2") for v in visits}, WORKDAYS)
    assert len(set(result.dates.values())) == 5


def test_teams_spread_over_the_window_instead_of_crowding_its_first_days():
    """Disjoint teams each get a free day; the quietest day wins, so they do
    not all start on the first day of the window."""
    inspectors = [inspector(f"E{k}") for k in range(2 * len(WORKDAYS))]
    entities = [entity(f"U{k}") for k in range(len(WORKDAYS))]
    inst = make_instance(inspectors, entities)
    visits = [visit(f"V{k:02d}", f"U{k}") for k in range(len(WORKDAYS))]
    teams = {v.id: (f"E{2 * k}", f"E{2 * k + 1}") for k, v in enumerate(visits)}
    result = schedule_visits(inst, visits, teams, WORKDAYS)
    assert sorted(result.dates.values()) == sorted(WORKDAYS)  # one visit on each working day


def test_one_team_in_one_district_shares_a_day():
    entities = [entity(f"U{k}", district="350102001") for k in range(3)] + [entity("U9", district="350103001")]
    inst = make_instance([inspector("E1"), inspector("E2")], entities)
    visits = [visit(f"V{k}", f"U{k}") for k in (0, 1, 2, 9)]
    result = schedule_visits(inst, visits, {v.id: ("E1", "E2") for v in visits}, WORKDAYS)
    assert result.dates["V0"] == result.dates["V1"] == result.dates["V2"]
    assert result.dates["V9"] != result.dates["V0"]


def test_an_inspector_is_not_sent_to_two_districts_on_one_day_when_avoidable():
    entities = [entity("U1", district="350102001"), entity("U2", district="350103001")]
    inst = make_instance([inspector("E1"), inspector("E2"), inspector("E3")], entities)
    visits = [visit("V1", "U1"), visit("V2", "U2")]
    result = schedule_visits(inst, visits, {"V1": ("E1", "E2"), "V2": ("E2", "E3")}, WORKDAYS)
    assert result.dates["V1"] != result.dates["V2"]


def test_no_common_day_is_reported():
    half = len(WORKDAYS) // 2
    inst = make_instance([inspector("E1", unavailable=frozenset(WORKDAYS[:half])),
                          inspector("E2", unavailable=frozenset(WORKDAYS[half:]))], [entity("U1")])
    result = schedule_visits(inst, [visit("V1", "U1")], {"V1": ("E1", "E2")}, WORKDAYS)
    assert result.dates == {}
    assert {k: r.document() for k, r in result.unscheduled.items()} == {
        "V1": {"code": "no_common_day", "team": ["E1", "E2"]}}


def test_fully_booked_days_are_reported():
    leave = frozenset(WORKDAYS[1:])
    entities = [entity(f"U{k}") for k in range(3)]
    inst = make_instance([inspector("E1", unavailable=leave), inspector("E2")], entities,
                         policy=Policy(daily_visits_per_inspector=2))
    visits = [visit(f"V{k}", f"U{k}") for k in range(3)]
    result = schedule_visits(inst, visits, {v.id: ("E1", "E2") for v in visits}, WORKDAYS)
    assert sorted(result.dates) == ["V0", "V1"]
    assert {k: r.document() for k, r in result.unscheduled.items()} == {
        "V2": {"code": "days_fully_booked", "team": ["E1", "E2"], "days": 1, "limit": 2}}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_schedules_keep_every_rule_and_ignore_input_order(data):
    ids = [f"E{k}" for k in range(5)]
    inspectors = [inspector(i, unavailable=frozenset(data.draw(st.sets(st.sampled_from(WORKDAYS), max_size=8))))
                  for i in ids]
    n = data.draw(st.integers(1, 25))
    entities = [entity(f"U{k:02d}", district=data.draw(st.sampled_from(["350102001", "350103001"])))
                for k in range(n)]
    limit = data.draw(st.integers(1, 3))
    inst = make_instance(inspectors, entities, policy=Policy(daily_visits_per_inspector=limit))
    visits = [visit(f"V{k:02d}", f"U{k:02d}") for k in range(n)]
    teams = {v.id: tuple(sorted(data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))))
             for v in visits}
    result = schedule_visits(inst, visits, teams, WORKDAYS)
    assert set(result.dates) | set(result.unscheduled) == set(teams)
    assert not set(result.dates) & set(result.unscheduled)
    checker = VisitChecker(inst, WORKDAYS)
    for v in visits:
        if v.id in result.dates:
            assert checker.check(v, teams[v.id], result.dates[v.id]) == []
    staffed = {k: (teams[k], d) for k, d in result.dates.items()}
    assert [p for p in check_loads(inst, staffed, WORKDAYS) if "daily limit" in p] == []
    assert schedule_visits(inst, list(reversed(visits)), teams, WORKDAYS) == result


def test_load_is_spread_over_the_window_below_the_daily_limit():
    entities = [entity(f"U{k}", district=f"35010{k}") for k in range(6)]
    inst = make_instance([inspector("E1"), inspector("E2")], entities, policy=Policy(daily_visits_per_inspector=3))
    visits = [visit(f"V{k}", f"U{k}") for k in range(6)]
    result = schedule_visits(inst, visits, {v.id: ("E1", "E2") for v in visits}, WORKDAYS)
    assert sorted(result.dates.values()) == list(WORKDAYS[:6])
