"""Sampling: populations, exclusions, strata, sizes, coordination."""

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np

from solver.canonical import u_value
from solver.draw import instance_seed
from solver.instance import parse_instance
from solver.sampling import _smallest, list_stratum, sample, sample_size
from tests.solver.examples import document, entity


def draw_samples(doc, coordinated=None):
    instance = parse_instance(doc)
    seed = instance_seed(instance)
    return instance, seed, sample(instance, seed, coordinated)


def smallest(seed, usccs, k, task=None):
    return sorted(usccs, key=lambda u: (u_value(seed, u, task), u))[:k]


def test_sample_size_is_exact_on_the_decimal_ratio():
    assert math.ceil(0.07 * 100) == 8  # the binary floating point trap: 7.000000000000001
    assert sample_size(Fraction(str(0.07)), 100) == 7
    assert sample_size(Fraction(str(0.03)), 100) == 3
    assert sample_size(Fraction("0.03"), 1) == 1
    assert sample_size(Fraction(1), 7) == 7
    assert sample_size(Fraction(0), 7) == 0


def test_each_stratum_takes_its_smallest_u():
    doc = document()
    doc["entities"] = [entity(n, risk="B") for n in range(100)] + \
                      [entity(n, risk="C") for n in range(100, 150)]
    doc["tasks"][0]["ratio"] = {"B": 0.03, "C": 0.1}
    instance, seed, sampling = draw_samples(doc)
    (task,) = sampling.tasks
    b = [e["uscc"] for e in doc["entities"][:100]]
    c = [e["uscc"] for e in doc["entities"][100:]]
    expected = smallest(seed, b, 3) + smallest(seed, c, 5)
    assert sorted(task.usccs) == sorted(expected)
    assert list(task.usccs) == sorted(expected, key=lambda u: (u_value(seed, u), u))
    assert [(s.key, s.eligible, s.drawn) for s in task.strata] == [("B", 100, 3), ("C", 50, 5)]


def test_missing_risk_class_has_ratio_zero():
    doc = document()
    doc["entities"] = [entity(n, risk="AD"[n % 2]) for n in range(20)]
    doc["tasks"][0]["ratio"] = {"D": 0.5}
    _, _, sampling = draw_samples(doc)
    (task,) = sampling.tasks
    assert [(s.key, s.drawn) for s in task.strata] == [("A", 0), ("D", 5)]
    assert len(task.usccs) == 5


def test_list_ratio_forms_its_own_stratum():
    doc = document()
    doc["entities"] = ([entity(n, risk="A") for n in range(40)]
                       + [entity(n, risk="A", lists=["abnormal"]) for n in range(40, 50)]
                       + [entity(n, risk="D", lists=["abnormal", "serious"]) for n in range(50, 54)]
                       + [entity(n, risk="B", lists=["watch"]) for n in range(54, 60)])
    doc["tasks"][0]["ratio"] = {"A": 0.1, "B": 0, "D": 0}
    doc["tasks"][0]["list_ratio"] = {"abnormal": 0.5, "serious": 1}
    _, seed, sampling = draw_samples(doc)
    (task,) = sampling.tasks
    strata = {s.key: (s.eligible, s.drawn) for s in task.strata}
    assert strata == {"A": (40, 4), "B": (6, 0), "list:abnormal": (10, 5), "list:serious": (4, 4)}
    abnormal = [e["uscc"] for e in doc["entities"][40:50]]
    assert set(smallest(seed, abnormal, 5)) <= set(task.usccs)


def test_list_stratum_highest_ratio_then_name():
    ratios = {"b": Fraction(1, 2), "a": Fraction(1, 2), "c": Fraction(1, 10)}
    assert list_stratum(frozenset({"c", "b", "a"}), ratios) == "a"
    assert list_stratum(frozenset({"c", "b"}), ratios) == "b"
    assert list_stratum(frozenset({"x"}), ratios) is None


def test_filters_select_the_population_and_mismatch_is_not_counted():
    doc = document()
    doc["entities"] = [
        entity(0, tags=["restaurant"], district="350181001", industry="catering", type="enterprise"),
        entity(1, tags=["retail"], district="350181002", industry="retail", type="individual"),
        entity(2, tags=["restaurant", "retail"], district="350102001", lists=["abnormal"], risk="D"),
        entity(3, tags=[], district="350181003", risk="A", status="closed"),
    ]
    doc["tasks"][0]["ratio"] = {"A": 1, "B": 1, "C": 1, "D": 1}
    cases = [  # (filter, eligible members, the closed entity 3 is in the population)
        (None, [0, 1, 2], 1),
        ({}, [0, 1, 2], 1),
        ({"tags_any": ["restaurant"]}, [0, 2], 0),
        ({"districts": ["350181"]}, [0, 1], 1),
        ({"districts": ["350102", "3501810"]}, [0, 1, 2], 1),
        ({"districts": ["350181001", "350102"]}, [0, 2], 0),
        ({"industries": ["catering"]}, [0], 0),
        ({"types": ["individual"]}, [1], 0),
        ({"risks": ["D", "A"]}, [2], 1),
        ({"lists_any": ["abnormal"]}, [2], 0),
        ({"tags_any": ["retail"], "districts": ["350181"]}, [1], 0),
    ]
    for conditions, members, closed_in_population in cases:
        task = dict(doc["tasks"][0])
        task.pop("filter", None)
        if conditions is not None:
            task["filter"] = conditions
        _, _, sampling = draw_samples({**doc, "tasks": [task]})
        (result,) = sampling.tasks
        assert sorted(result.usccs) == sorted(doc["entities"][n]["uscc"] for n in members), conditions
        assert result.excluded == {"inactive": closed_in_population, "recent_check": 0,
                                   "frequency_cap": 0}, conditions
        assert result.population == len(members) + closed_in_population


def test_exclusions_counted_under_the_first_reason():
    recent_scjg = [{"department": "SCJG", "date": "2026-09-01", "inspectors": []}]
    recent_cgj = [{"department": "CGJ", "date": "2026-09-01", "inspectors": []}]
    old_scjg = [{"department": "SCJG", "date": "2026-02-28", "inspectors": []}]
    boundary = [{"department": "SCJG", "date": "2026-03-01", "inspectors": []}]
    doc = document()
    doc["entities"] = [
        entity(0, status="closed", last_checks=recent_scjg, checks_this_year=9, risk="A"),  # inactive
        entity(1, risk="A", last_checks=recent_scjg, checks_this_year=9),  # recent_check
        entity(2, risk="B", last_checks=boundary),  # recent_check: 365 days before 2027-03-01
        entity(3, risk="B", last_checks=old_scjg),  # 366 days: eligible
        entity(4, risk="C", last_checks=recent_scjg),  # C is not in exclude_recent_risk: eligible
        entity(5, risk="A", last_checks=recent_cgj),  # another department: eligible for T1
        entity(6, risk="B", checks_this_year=4),  # frequency_cap
        entity(7, risk="B", checks_this_year=3),  # eligible
    ]
    doc["tasks"] = [
        {"id": "T1", "department": "SCJG", "items": ["SCJG-01"], "ratio": {r: 1 for r in "ABCD"}},
        {"id": "T2", "department": "SCJG", "participating": ["CGJ"], "items": ["SCJG-01", "CGJ-01"],
         "ratio": {r: 1 for r in "ABCD"}},
    ]
    _, _, sampling = draw_samples(doc)
    t1, t2 = sampling.tasks
    assert t1.excluded == {"inactive": 1, "recent_check": 2, "frequency_cap": 1}
    assert sorted(t1.usccs) == sorted(doc["entities"][n]["uscc"] for n in (3, 4, 5, 7))
    assert t2.excluded == {"inactive": 1, "recent_check": 3, "frequency_cap": 1}
    assert (t1.population, t1.eligible) == (8, 4)
    assert sampling.excluded() == {"T1": t1.excluded, "T2": t2.excluded}


def test_count_task_takes_smallest_u_of_whole_population():
    doc = document()
    doc["entities"] = [entity(n, risk="ABCD"[n % 4]) for n in range(30)]
    doc["tasks"][0].pop("ratio")
    doc["tasks"][0]["count"] = 7
    _, seed, sampling = draw_samples(doc)
    (task,) = sampling.tasks
    assert list(task.usccs) == smallest(seed, [e["uscc"] for e in doc["entities"]], 7)
    doc["tasks"][0]["count"] = 99
    _, _, sampling = draw_samples(doc)
    assert len(sampling.tasks[0].usccs) == 30


def test_empty_population_gives_an_empty_sample():
    doc = document(entities=5)
    doc["tasks"][0]["filter"] = {"tags_any": ["nothing"]}
    _, _, sampling = draw_samples(doc)
    assert sampling.tasks[0].usccs == () and sampling.tasks[0].population == 0
    assert sampling.priority == {} and sampling.entities == 0


def test_ties_in_u_are_broken_by_uscc():
    usccs = ["C", "A", "B", "D"]
    members = np.arange(4)
    u = np.array([5, 5, 5, 1], dtype=np.uint64)
    assert _smallest(members, u, 2, usccs) == [3, 1]
    assert _smallest(members, u, 3, usccs) == [3, 1, 2]
    assert _smallest(members, u, 9, usccs) == [3, 1, 2, 0]
    assert _smallest(members, u, 0, usccs) == []


def two_tasks_document(coordinated):
    doc = document()
    doc["entities"] = [entity(n) for n in range(400)]
    doc["policy"]["coordinated_sampling"] = coordinated
    doc["tasks"] = [
        {"id": "T1", "department": "SCJG", "items": ["SCJG-01"], "ratio": {"B": 0.1}},
        {"id": "T2", "department": "CGJ", "items": ["CGJ-01"], "ratio": {"B": 0.1}},
    ]
    return doc


def test_coordinated_samples_overlap_independent_ones_do_not():
    _, seed, coordinated = draw_samples(two_tasks_document(True))
    t1, t2 = coordinated.tasks
    assert len(t1.usccs) == 40 and t1.usccs == t2.usccs
    assert coordinated.sampled == 80 and coordinated.entities == 40
    _, seed, independent = draw_samples(two_tasks_document(False))
    i1, i2 = independent.tasks
    assert len(i1.usccs) == len(i2.usccs) == 40
    assert len(set(i1.usccs) & set(i2.usccs)) < 15  # about 4 expected by chance
    assert independent.entities == 80 - len(set(i1.usccs) & set(i2.usccs))
    assert list(i1.usccs) == smallest(seed, [entity(n)["uscc"] for n in range(400)], 40, "T1")
    # expected distinct entities if independent: 400 * (1 - 0.9 ** 2) = 76
    assert abs(coordinated.expected_independent - 76) < 1e-6


def test_priority_is_the_coordinated_u_under_both_policies():
    _, seed, independent = draw_samples(two_tasks_document(False))
    assert not independent.coordinated
    for uscc, priority in independent.priority.items():
        assert priority == u_value(seed, uscc)


def test_policy_override_and_seed_dependence():
    instance = parse_instance(two_tasks_document(True))
    seed = instance_seed(instance)
    assert not sample(instance, seed, coordinated=False).coordinated
    other = instance_seed(replace(instance, secret=bytes(32)))
    assert sample(instance, seed).tasks[0].usccs != sample(instance, other).tasks[0].usccs
