"""Team requirements and eligibility rules (solver.team_rules), applied to an
instance (solver.teams).

The helpers at the top build small instances directly from solver.model; the
assignment and scheduling tests import them.
"""

from __future__ import annotations

from datetime import date, timedelta

from solver.model import Department, Entity, Instance, Inspector, Item, LastCheck, Policy, Task, Visit
from solver.team_rules import (CERTIFICATE_EXPIRED, CHECKED_LAST_TIME, DECLARED_CONFLICT, INACTIVE, LOCAL_SUPERVISOR,
                               NO_AVAILABLE_DAY, NO_CAPACITY, NO_CERTIFICATE, NOT_QUALIFIED, OUTSIDE_JURISDICTION,
                               capacity)
from solver.teams import VisitChecker, build_requests, check_loads, check_visit

START = date(2027, 3, 1)  # a Monday
END = date(2027, 3, 12)
WORKDAYS = tuple(START + timedelta(days=k) for k in range(12) if (START + timedelta(days=k)).weekday() < 5)
DEPARTMENTS = (Department("CG", "城管局"), Department("SCJG", "市场监督管理局"), Department("WJ", "卫健委"))
QUALIFICATION = {"CG": "urban", "SCJG": "food", "WJ": "health"}


def inspector(id: str, department: str = "SCJG", **kw) -> Inspector:
    kw.setdefault("qualifications", frozenset({QUALIFICATION[department]}))
    kw.setdefault("certificate_expires", date(2030, 1, 1))
    kw.setdefault("district", "350101001")
    return Inspector(id=id, name=id, department=department, **kw)


def entity(uscc: str, **kw) -> Entity:
    kw.setdefault("district", "350102001")
    return Entity(uscc=uscc, name=uscc, risk="B", status="active", **kw)


def make_instance(inspectors, entities, *, tasks=None, policy=None, conflicts=(), pair_conflicts=(),
                  items=None) -> Instance:
    items = items or tuple(Item(f"{d.id}-01", d.id, f"{d.id} item", QUALIFICATION[d.id]) for d in DEPARTMENTS)
    tasks = tasks or tuple(Task(f"T-{d.id}", d.id, (f"{d.id}-01",)) for d in DEPARTMENTS)
    return Instance(
        format="inspect-draw/1", draw_id="TEST", secret=bytes(32), external_entropy="1",
        window_start=START, window_end=END, holidays=frozenset(), workdays=frozenset(),
        policy=policy or Policy(), departments=DEPARTMENTS, items=tuple(items), entities=tuple(entities),
        inspectors=tuple(inspectors), conflicts=frozenset(conflicts),
        pair_conflicts=frozenset(frozenset(p) for p in pair_conflicts), tasks=tuple(tasks), input_digest=bytes(32))


def visit(id: str, uscc: str, tasks=("T-SCJG",), priority: int = 0, instance: Instance | None = None) -> Visit:
    if instance is not None:
        by_id = {t.id: t for t in instance.tasks}
        departments = tuple(sorted({d for t in tasks for d in by_id[t].departments}))
    else:
        departments = tuple(sorted(t.split("-", 1)[1] for t in tasks))
    return Visit(id=id, uscc=uscc, tasks=tuple(tasks), departments=departments, priority=priority)


def only_request(instance, v):
    (request,) = build_requests(instance, [v], WORKDAYS)
    return request


# --- team size -------------------------------------------------------------------------------

def test_single_department_visit_needs_min_team_size():
    inst = make_instance([inspector(f"E{k}") for k in range(4)], [entity("U1")])
    request = only_request(inst, visit("V1", "U1"))
    assert [(s.department, s.count) for s in request.slots] == [("SCJG", 2)]
    assert request.size == 2


def test_single_department_visit_takes_larger_inspectors_per_visit():
    tasks = (Task("T-SCJG", "SCJG", ("SCJG-01",), inspectors_per_visit=3),)
    inst = make_instance([inspector(f"E{k}") for k in range(4)], [entity("U1")], tasks=tasks)
    assert only_request(inst, visit("V1", "U1")).slots[0].count == 3
    inst = make_instance([inspector(f"E{k}") for k in range(4)], [entity("U1")], tasks=tasks,
                         policy=Policy(min_team_size=4))
    assert only_request(inst, visit("V1", "U1")).slots[0].count == 4


def test_joint_visit_of_separate_tasks_needs_one_per_department_and_two_in_all():
    inst = make_instance([inspector("E1"), inspector("C1", "CG")], [entity("U1")])
    request = only_request(inst, visit("V1", "U1", tasks=("T-CG", "T-SCJG")))
    assert [(s.department, s.count) for s in request.slots] == [("CG", 1), ("SCJG", 1)]


def test_joint_visit_extra_places_go_to_the_lead_department_first():
    tasks = (Task("TJ", "SCJG", ("SCJG-01", "CG-01"), participating=("CG", "WJ"), inspectors_per_visit=5),)
    inst = make_instance([], [entity("U1")], tasks=tasks)
    request = only_request(inst, visit("V1", "U1", tasks=("TJ",), instance=inst))
    assert {s.department: s.count for s in request.slots} == {"SCJG": 2, "CG": 2, "WJ": 1}
    three = make_instance([], [entity("U1")], policy=Policy(min_team_size=3))
    request = only_request(three, visit("V1", "U1", tasks=("T-CG", "T-SCJG")))
    assert {s.department: s.count for s in request.slots} == {"CG": 2, "SCJG": 1}


# --- eligibility -----------------------------------------------------------------------------

def test_qualifications_of_each_department_are_required_of_its_inspectors():
    tasks = (Task("TJ", "SCJG", ("SCJG-01", "CG-01"), participating=("CG",)),)
    inspectors = [inspector("E1"), inspector("E2", qualifications=frozenset({"urban"})),
                  inspector("C1", "CG"), inspector("C2", "CG", qualifications=frozenset({"food"}))]
    inst = make_instance(inspectors, [entity("U1")], tasks=tasks)
    request = only_request(inst, visit("V1", "U1", tasks=("TJ",), instance=inst))
    assert {s.department: s.qualifications for s in request.slots} == {"CG": {"urban"}, "SCJG": {"food"}}
    assert {s.department: s.eligible for s in request.slots} == {"CG": ("C1",), "SCJG": ("E1",)}


def test_department_level_rules_drop_inspectors_with_reasons():
    inspectors = [
        inspector("E1"),
        inspector("E2", active=False),
        inspector("E3", certificate_expires=None),
        inspector("E4", certificate_expires=END - timedelta(days=1)),
        inspector("E5", certificate_expires=END),  # valid through the last day
        inspector("E6", qualifications=frozenset({"tax"})),
        inspector("E7", unavailable=frozenset(WORKDAYS)),
        inspector("E8", max_visits=0),
        inspector("C1", "CG"),
    ]
    inst = make_instance(inspectors, [entity("U1")])
    slot = only_request(inst, visit("V1", "U1")).slots[0]
    assert slot.eligible == ("E1", "E5")
    assert dict(slot.pool.dropped) == {INACTIVE: 1, NO_CERTIFICATE: 1, CERTIFICATE_EXPIRED: 1, NOT_QUALIFIED: 1,
                                       NO_AVAILABLE_DAY: 1, NO_CAPACITY: 1}
    assert slot.pool.members == 8


def test_conflict_rotation_and_local_supervisor_exclude_per_visit():
    last = (LastCheck(department="SCJG", date=date(2026, 5, 1), inspectors=("E2",)),
            LastCheck(department="SCJG", date=date(2025, 5, 1), inspectors=("E3",)),
            LastCheck(department="CG", date=date(2026, 6, 1), inspectors=("E4",)))
    inspectors = [inspector(f"E{k}") for k in range(1, 6)] + [inspector("E6", district="350102001")]
    ent = entity("U1", last_checks=last)
    inst = make_instance(inspectors, [ent, entity("U2")], conflicts={("E1", "U1")},
                         policy=Policy(exclude_local_supervisor=True))
    u1, u2 = build_requests(inst, [visit("V1", "U1"), visit("V2", "U2")], WORKDAYS)
    # E3 checked an older time, E4's last check was by another department: both stay eligible.
    assert u1.slots[0].eligible == ("E3", "E4", "E5")
    assert u1.slots[0].excluded == (("E1", DECLARED_CONFLICT), ("E2", CHECKED_LAST_TIME), ("E6", LOCAL_SUPERVISOR))
    assert u2.slots[0].eligible == ("E1", "E2", "E3", "E4", "E5")
    without_rotation = make_instance(inspectors, [ent], policy=Policy(rotation=False))
    assert "E2" in only_request(without_rotation, visit("V1", "U1")).slots[0].eligible


def test_a_local_supervisor_with_a_conflict_or_the_last_check_is_excluded_for_that():
    """Rules 6 and 7 come before rule 8 for an inspector of the entity's
    district; the others of the district are local supervisors."""
    local = "350102001"
    last = (LastCheck(department="SCJG", date=date(2026, 5, 1), inspectors=("E2",)),)
    inspectors = [inspector(f"E{k}", district=local) for k in range(1, 5)] + [inspector("E5"), inspector("E6")]
    inst = make_instance(inspectors, [entity("U1", last_checks=last), entity("U2")],
                         conflicts={("E1", "U1"), ("E5", "U1")}, policy=Policy(exclude_local_supervisor=True))
    u1, u2 = build_requests(inst, [visit("V1", "U1"), visit("V2", "U2")], WORKDAYS)
    assert u1.slots[0].excluded == (("E1", DECLARED_CONFLICT), ("E2", CHECKED_LAST_TIME), ("E3", LOCAL_SUPERVISOR),
                                    ("E4", LOCAL_SUPERVISOR), ("E5", DECLARED_CONFLICT))
    assert u1.slots[0].eligible == ("E6",)
    assert u2.slots[0].excluded == tuple((f"E{k}", LOCAL_SUPERVISOR) for k in range(1, 5))
    assert u2.slots[0].eligible == ("E5", "E6")


def test_jurisdiction_keeps_inspectors_to_the_entitys_district_prefix():
    inspectors = [inspector("E1", district="350102001"), inspector("E2", district="350102007"),
                  inspector("E3", district="350181001"), inspector("E4", district="350102"),
                  inspector("E5", district="3501"), inspector("E6", district="350102003", active=False)]
    entities = [entity("U1", district="350102005"), entity("U2", district="350181002")]
    county = make_instance(inspectors, entities, policy=Policy(jurisdiction_digits=6))
    u1, u2 = build_requests(county, [visit("V1", "U1"), visit("V2", "U2")], WORKDAYS)
    assert u1.slots[0].eligible == ("E1", "E2", "E4")
    # the jurisdiction rule comes first: E6 is counted as inactive only inside its jurisdiction
    assert dict(u1.slots[0].pool.dropped) == {OUTSIDE_JURISDICTION: 2, INACTIVE: 1}
    assert u1.slots[0].pool.jurisdiction == "350102"
    assert u2.slots[0].eligible == ("E3",)
    city = make_instance(inspectors, entities, policy=Policy(jurisdiction_digits=4))
    assert only_request(city, visit("V2", "U2")).slots[0].eligible == ("E1", "E2", "E3", "E4", "E5")
    anywhere = make_instance(inspectors, entities)
    assert only_request(anywhere, visit("V2", "U2")).slots[0].eligible == ("E1", "E2", "E3", "E4", "E5")


def test_jurisdiction_shortage_is_reported_and_checked():
    from solver.assign import assign_teams

    inspectors = [inspector("E1", district="350181001"), inspector("E2", district="350181002"),
                  inspector("E3", district="350102001")]
    inst = make_instance(inspectors, [entity("U1", district="350102009")], policy=Policy(jurisdiction_digits=6))
    result = assign_teams(inst, build_requests(inst, [visit("V1", "U1")], WORKDAYS), bytes(32), WORKDAYS)
    assert result.unfilled["V1"].document() == {"code": "too_few_eligible", "departments": [
        {"department": "SCJG", "needed": 2, "qualifications": ["food"], "members": 3, "eligible": 1,
         "dropped": {"outside_jurisdiction": 2}}]}
    problems = VisitChecker(inst, WORKDAYS).check(visit("V1", "U1"), ["E1", "E3"], WORKDAYS[0])
    assert problems == ["V1: E1 is not eligible (outside jurisdiction)"]


def test_capacity_is_bounded_by_available_days():
    policy = Policy(daily_visits_per_inspector=2)
    assert capacity(inspector("E1", max_visits=30), policy, WORKDAYS) == 20
    assert capacity(inspector("E1", max_visits=5), policy, WORKDAYS) == 5
    assert capacity(inspector("E1", unavailable=frozenset(WORKDAYS[1:])), policy, WORKDAYS) == 2


def test_requests_keep_the_input_order():
    inst = make_instance([inspector("E1"), inspector("E2")], [entity("U1"), entity("U2")])
    visits = [visit("V2", "U2"), visit("V1", "U1")]
    assert [r.visit.id for r in build_requests(inst, visits, WORKDAYS)] == ["V2", "V1"]


# --- check_visit -----------------------------------------------------------------------------

def checked_instance(**kw):
    inspectors = [inspector("E1"), inspector("E2"), inspector("E3", unavailable=frozenset({WORKDAYS[0]})),
                  inspector("E4", active=False), inspector("C1", "CG"), inspector("E5", district="350102001")]
    return make_instance(inspectors, [entity("U1", last_checks=(LastCheck(department="SCJG", date=date(2026, 1, 5), inspectors=("E2",)),))],
                         conflicts={("E1", "U1")}, pair_conflicts=[("E3", "E5")], **kw)


def test_check_visit_accepts_a_valid_team():
    inst = make_instance([inspector("E1"), inspector("E2")], [entity("U1")])
    assert check_visit(inst, visit("V1", "U1"), ["E1", "E2"], WORKDAYS[0], WORKDAYS) == []


def test_check_visit_names_every_violation():
    inst = checked_instance(policy=Policy(exclude_local_supervisor=True))
    v = visit("V1", "U1")
    checker = VisitChecker(inst, WORKDAYS)
    assert any("declared conflict" in p for p in checker.check(v, ["E1", "E3"], WORKDAYS[1]))
    assert any("checked last time" in p for p in checker.check(v, ["E2", "E3"], WORKDAYS[1]))
    assert any("inactive" in p for p in checker.check(v, ["E3", "E4"], WORKDAYS[1]))
    assert any("local supervisor" in p for p in checker.check(v, ["E3", "E5"], WORKDAYS[1]))
    assert any("unavailable" in p for p in checker.check(v, ["E3", "E4"], WORKDAYS[0]))
    assert any("must not serve on one team" in p for p in checker.check(v, ["E3", "E5"], WORKDAYS[1]))
    assert any("not on this visit" in p for p in checker.check(v, ["E3", "C1"], WORKDAYS[1]))
    assert any("1 inspector(s) on the team, 2 required" in p for p in checker.check(v, ["E3"], WORKDAYS[1]))
    assert any("3 inspector(s) on the team, 2 required" in p
               for p in checker.check(v, ["E1", "E2", "E3"], WORKDAYS[1]))
    assert any("not a working day" in p for p in checker.check(v, ["E3", "E6"], date(2027, 3, 6)))
    assert any("not in the instance" in p for p in checker.check(v, ["E3", "E6"], WORKDAYS[1]))


def test_check_visit_requires_each_department_of_a_joint_visit():
    inst = make_instance([inspector("E1"), inspector("E2"), inspector("C1", "CG")], [entity("U1")])
    v = visit("V1", "U1", tasks=("T-CG", "T-SCJG"))
    assert check_visit(inst, v, ["C1", "E1"], WORKDAYS[0], WORKDAYS) == []
    problems = check_visit(inst, v, ["E1", "E2"], WORKDAYS[0], WORKDAYS)
    assert any("城管局 has 0 inspector(s)" in p for p in problems)


def test_check_loads_finds_capacity_and_daily_excess():
    inst = make_instance([inspector("E1", max_visits=2), inspector("E2")], [entity("U1")],
                         policy=Policy(daily_visits_per_inspector=1))
    staffed = {"V1": (("E1", "E2"), WORKDAYS[0]), "V2": (("E1", "E2"), WORKDAYS[0]), "V3": (("E1",), WORKDAYS[1])}
    problems = check_loads(inst, staffed, WORKDAYS)
    assert "E1 has 3 visits, capacity 2" in problems
    assert any(p.startswith("E2 has 2 visits on 2027-03-01") for p in problems)
    assert check_loads(inst, {"V1": (("E1", "E2"), WORKDAYS[0])}, WORKDAYS) == []


def test_eligible_is_the_pool_without_the_excluded():
    from hypothesis import HealthCheck, given, settings

    from solver.calendar import working_days
    from solver.draw import instance_seed
    from solver.instance import parse_instance
    from solver.sampling import sample
    from solver.team_rules import last_team, visit_reason
    from solver.teams import build_requests
    from solver.visits import merge_samples
    from tests.solver.strategies import instance_documents

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(instance_documents())
    def check(doc):
        """Excluded: rules 6-8 applied to every member of the pool, one at a
        time, in id order (the indexes and caches only skip members who
        cannot be affected); eligible: the pool without them."""
        instance = parse_instance(doc)
        entities = {e.uscc: e for e in instance.entities}
        inspectors = {i.id: i for i in instance.inspectors}
        visits = merge_samples(instance, sample(instance, instance_seed(instance)))
        for request in build_requests(instance, visits, working_days(instance)):
            entity = entities[request.visit.uscc]
            for slot in request.slots:
                last = last_team(entity, slot.department)
                expected = []
                for i in sorted(slot.pool.qualified):
                    reason = visit_reason(inspectors[i], entity, instance.conflicts, last, instance.policy)
                    if reason is not None:
                        expected.append((i, reason))
                assert tuple(slot.excluded) == tuple(expected)
                out = {i for i, _ in slot.excluded}
                assert tuple(slot.eligible) == tuple(i for i in slot.pool.qualified if i not in out)

    check()


def test_fast_constructor_builds_equal_objects():
    from solver.model import new_entity as _new_entity

    check = LastCheck(department="SCJG", date=date(2026, 5, 1), inspectors=("E001",))
    assert hash(check) == hash(LastCheck(date=date(2026, 5, 1), department="SCJG", inspectors=("E001",)))
    values = ("91350181MA2Y0XXXXX", "某", "350181001", "B", "active", frozenset({"a"}),
              frozenset(), 2, (check,), "餐饮", None)
    assert _new_entity(*values) == Entity(*values)
    assert repr(_new_entity(*values)) == repr(Entity(*values))
    assert hash(_new_entity(*values)) == hash(Entity(*values))
