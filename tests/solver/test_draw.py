"""Visit merge and the draw pipeline (with stand-in and with real team stages)."""

from dataclasses import dataclass, replace
from datetime import date

import pytest

from solver import reasons
from solver.canonical import commitment, u_value
from solver.draw import OUTCOME_FORMAT, Stages, compare_policies, draw, instance_seed
from solver.errors import InputError
from solver.instance import parse_instance
from solver.model import Visit
from solver.sampling import sample
from solver.visits import merge_samples
from tests.solver.examples import document, joint_document


def test_visits_merge_tasks_per_entity_in_priority_order():
    instance = parse_instance(joint_document())
    seed = instance_seed(instance)
    sampling = sample(instance, seed)
    visits = merge_samples(instance, sampling)
    drawn = {u for t in sampling.tasks for u in t.usccs}
    assert {v.uscc for v in visits} == drawn and len(visits) == len(drawn)
    assert [v.id for v in visits] == [f"V{n:05d}" for n in range(1, len(visits) + 1)]
    assert [v.priority for v in visits] == sorted(v.priority for v in visits)
    for visit in visits:
        assert visit.priority == u_value(seed, visit.uscc)
        expected_tasks = [t.task for t in sampling.tasks if visit.uscc in t.usccs]
        assert list(visit.tasks) == expected_tasks
        departments = {d for t in instance.tasks if t.id in visit.tasks for d in t.departments}
        assert visit.departments == tuple(sorted(departments))
    assert any(len(v.departments) == 2 for v in visits)


NOBODY = reasons.pair_conflict("E001", "E002")
NO_DAY = reasons.no_common_day(["E001", "E002"])


@dataclass
class FakeAssignment:
    teams: dict
    unfilled: dict
    loads: dict


@dataclass
class FakeSchedule:
    dates: dict
    unscheduled: dict


def fake_stages(calls):
    def build_requests(instance, visits):
        calls.append(("requests", [v.id for v in visits]))
        return list(visits)

    def assign_teams(instance, requests, seed, workdays, progress):
        calls.append(("assign", seed, workdays[0]))
        teams = {v.id: ("E002", "E001") for n, v in enumerate(requests) if n % 3 != 2}
        unfilled = {v.id: NOBODY for n, v in enumerate(requests) if n % 3 == 2}
        return FakeAssignment(teams, unfilled, {})

    def schedule_visits(instance, visits, teams, workdays, progress):
        calls.append(("schedule", [v.id for v in visits]))
        first = visits[0].id if visits else None
        return FakeSchedule({v.id: workdays[0] for v in visits if v.id != first},
                            {first: NO_DAY})

    return Stages(build_requests, assign_teams, schedule_visits)


def test_pipeline_with_stand_in_stages():
    doc = document(entities=200, inspectors=2)
    instance = parse_instance(doc)
    calls = []
    result = draw(instance, stages=fake_stages(calls))
    ids = [v.id for v in result.visits]
    assert len(ids) == 6  # ceil(0.03 * 200)
    assert calls[0] == ("requests", ids)
    assert calls[1] == ("assign", instance_seed(instance), date(2027, 3, 1))
    staffed = [i for n, i in enumerate(ids) if n % 3 != 2]
    assert calls[2] == ("schedule", staffed)
    staffing = result.staffing
    assert staffing.unfilled == {ids[0]: NO_DAY, ids[2]: NOBODY, ids[5]: NOBODY}
    assert set(staffing.teams) == set(staffing.dates) == {ids[1], ids[3], ids[4]}
    assert staffing.teams[ids[1]] == ("E001", "E002")  # sorted
    outcome = result.outcome()
    assert outcome["format"] == OUTCOME_FORMAT and outcome["draw_id"] == "2027-Q1-01"
    assert outcome["commitment"] == commitment(bytes.fromhex("5a" * 32)).hex()
    assert outcome["seed"] == instance_seed(instance).hex()
    assert outcome["input_digest"] == instance.input_digest.hex()
    assert [v["id"] for v in outcome["visits"]] == [ids[1], ids[3], ids[4]]
    assert outcome["visits"][0] == {"id": ids[1], "uscc": result.visits[1].uscc, "tasks": ["T1"],
                                    "departments": ["SCJG"], "team": ["E001", "E002"],
                                    "date": "2027-03-01"}
    assert outcome["unfilled"][0] == {"id": ids[0], "uscc": result.visits[0].uscc, "tasks": ["T1"],
                                      "reason": {"code": "no_common_day", "team": ["E001", "E002"]}}
    assert outcome["samples"] == {"T1": [v.uscc for v in result.visits]}
    assert outcome["excluded"] == {"T1": {"inactive": 0, "recent_check": 0, "frequency_cap": 0}}
    assert outcome["stats"] == {"visits": 3, "joint_visits": 0, "unfilled": 3, "sampled": 6,
                                "entities": 6, "load_min": 3, "load_max": 3}


def test_missing_reasons_get_a_default():
    stages = fake_stages([])
    silent = Stages(stages.build_requests,
                    lambda *a: FakeAssignment({}, {}, {}), stages.schedule_visits)
    result = draw(parse_instance(document(entities=100)), stages=silent)
    assert all(r == reasons.not_staffed() for r in result.staffing.unfilled.values())
    assert {u["reason"]["code"] for u in result.outcome()["unfilled"]} == {"not_staffed"}


def test_draw_needs_the_secret():
    doc = document(entities=10)
    del doc["secret"]
    with pytest.raises(InputError, match=r"^\$\.secret: the instance has no secret"):
        draw(parse_instance(doc), stages=fake_stages([]))


def test_real_draw_keeps_every_rule():
    from solver.calendar import working_days
    from solver.teams import check_visit

    instance = parse_instance(joint_document())
    result = draw(instance)
    outcome = result.outcome()
    assert outcome["visits"], "the example should staff visits"
    assert outcome["stats"]["joint_visits"] > 0
    workdays = working_days(instance)
    by_id = {v.id: v for v in result.visits}
    for entry in outcome["visits"]:
        day = date.fromisoformat(entry["date"])
        assert check_visit(instance, by_id[entry["id"]], entry["team"], day, workdays) == []


def test_compare_policies_counts_visits_both_ways():
    instance = parse_instance(joint_document())
    comparison = compare_policies(instance)
    coordinated = sample(instance, instance_seed(instance), True)
    assert comparison.coordinated.entities == coordinated.entities
    assert comparison.coordinated.sampled == coordinated.sampled
    assert comparison.independent.entities > comparison.coordinated.entities
    assert comparison.visits_saved == comparison.independent.entities - comparison.coordinated.entities
    if comparison.independent.joint:
        assert comparison.joint_ratio == comparison.coordinated.joint / comparison.independent.joint
    other = replace(instance, secret=bytes(32))
    assert compare_policies(other).coordinated.entities <= compare_policies(other).independent.entities


def test_visit_model_is_what_the_colleague_codes_against():
    visit = Visit(id="V00001", uscc="x", tasks=("T1",), departments=("SCJG",), priority=3)
    assert (visit.id, visit.priority) == ("V00001", 3)
