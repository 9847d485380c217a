"""Chi-square tests of uniformity over many seeds (fixed seeds: reproducible).

scipy is not a dependency, so the critical values of the chi-square
distribution at alpha = 0.001 are written down: df 9 -> 27.877, df 5 -> 20.515.
"""

import hashlib
from collections import Counter
from dataclasses import replace

from solver.calendar import working_days
from solver.draw import default_stages, instance_seed
from solver.instance import parse_instance
from solver.progress import NullProgress
from solver.sampling import EntityTable, sample
from solver.visits import merge_samples
from tests.solver.examples import document, entity, inspector

CHI2_CRITICAL_0_001 = {5: 20.515, 9: 27.877}


def chi_square(counts: list[int], expected: float) -> float:
    return sum((c - expected) ** 2 / expected for c in counts)


def secrets(n: int):
    for k in range(n):
        yield hashlib.sha256(f"fairness-{k}".encode()).digest()


def test_chi_square_detects_a_rigged_draw():
    assert chi_square([600] * 10, 600) == 0
    assert chi_square([1200, 1200] + [450] * 8, 600) > CHI2_CRITICAL_0_001[9]
    assert chi_square([650, 550] + [600] * 8, 600) < CHI2_CRITICAL_0_001[9]


def test_entities_of_a_stratum_are_drawn_equally_often():
    doc = document()
    doc["entities"] = [entity(n, risk="B") for n in range(10)] + [entity(n, risk="D") for n in range(10, 14)]
    doc["tasks"][0]["ratio"] = {"B": 0.2, "D": 0.5}
    base = parse_instance(doc)
    table = EntityTable(base.entities)
    rounds = 3000
    counts = Counter()
    for secret in secrets(rounds):
        instance = replace(base, secret=secret)
        drawn = sample(instance, instance_seed(instance), table=table).tasks[0].usccs
        assert len(drawn) == 4  # 2 of B, 2 of D
        counts.update(drawn)
    b_counts = [counts[e["uscc"]] for e in doc["entities"][:10]]
    assert sum(b_counts) == 2 * rounds
    assert chi_square(b_counts, 2 * rounds / 10) < CHI2_CRITICAL_0_001[9]


def test_equally_eligible_inspectors_are_assigned_equally_often():
    doc = document()
    doc["entities"] = [entity(0)]
    doc["inspectors"] = [inspector(n) for n in range(1, 7)]
    doc["tasks"][0].pop("ratio")
    doc["tasks"][0]["count"] = 1
    base = parse_instance(doc)
    stages = default_stages()
    workdays = working_days(base)
    rounds = 1200
    counts = Counter()
    for secret in secrets(rounds):
        instance = replace(base, secret=secret)
        seed = instance_seed(instance)
        visits = merge_samples(instance, sample(instance, seed))
        requests = stages.build_requests(instance, visits)
        assignment = stages.assign_teams(instance, requests, seed, workdays, NullProgress())
        (team,) = assignment.teams.values()
        assert len(team) == 2
        counts.update(team)
    per_inspector = [counts[f"E{n:03d}"] for n in range(1, 7)]
    assert sum(per_inspector) == 2 * rounds
    assert chi_square(per_inspector, 2 * rounds / 6) < CHI2_CRITICAL_0_001[5]
