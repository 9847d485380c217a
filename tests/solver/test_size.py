"""solver.size: the estimate bounds the real team flow, and the default limits
admit the sizes measured in docs/performance.md (county, city and province, with
and without jurisdictions: with candidate sets of 16 the arcs grow with the
places only) and refuse a registry ten times the province's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solver.calendar import working_days
from solver.candidates import DEFAULT_BOUND
from solver.draw import draw
from solver.instance import load_instance
from solver.size import Counts, Limits, TaskDemand, estimate, instance_counts, refusals
from solver.teams import build_requests

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The county instance of bench/solver_instances.py (50,000 entities, 120 inspectors)."""
    path = tmp_path_factory.mktemp("size") / "county.json"
    subprocess.run([sys.executable, "-m", "bench.solver_instances", "--size", "county", "-o", str(path)],
                   cwd=ROOT, check=True, capture_output=True)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["secret"] = "5a" * 32
    path.write_text(json.dumps(doc), encoding="utf-8")
    return load_instance(str(path))


def replicate(counts: Counts, copies: int, merge: bool) -> Counts:
    """``copies`` counties like ``counts``: as separate jurisdictions, or merged into one
    (no jurisdictions: every inspector of a department a candidate everywhere)."""
    def key(where: str, n: int) -> str:
        return "" if merge else f"{where}/{n}"

    entities: dict = {}
    for (where, risk), v in counts.entities.items():
        for n in range(copies):
            entities[(key(where, n), risk)] = entities.get((key(where, n), risk), 0) + v
    inspectors: dict = {}
    for (department, where), v in counts.inspectors.items():
        for n in range(copies):
            inspectors[(department, key(where, n))] = inspectors.get((department, key(where, n)), 0) + v
    tasks = []
    for t in counts.tasks:
        population = None
        if t.population is not None:
            population = {}
            for (where, risk), v in t.population.items():
                for n in range(copies):
                    population[(key(where, n), risk)] = population.get((key(where, n), risk), 0) + v
        count = None if t.count is None else t.count * copies
        tasks.append(TaskDemand(t.departments, t.ratio, count, population))
    return Counts(entities, inspectors, tuple(tasks))


def test_the_estimate_bounds_the_real_flow_of_the_county(county):
    size = estimate(instance_counts(county))
    result = draw(county)
    requests = build_requests(county, result.visits, working_days(county))
    arcs = sum(min(len(slot.eligible), DEFAULT_BOUND) for r in requests for slot in r.slots)
    places = sum(len(r.slots) for r in requests)
    assert size.entities == 50_000 and size.inspectors <= 120
    # checks are an expectation (lists and rounding up add a few); places and arcs are on the large side
    assert 0.9 * result.sampling.sampled <= size.checks <= 1.1 * result.sampling.sampled
    assert places <= size.places <= 1.5 * places
    assert arcs <= size.arcs <= 3 * arcs
    assert refusals(size, Limits()) == []


def test_the_default_limits_admit_the_measured_sizes_and_refuse_a_registry_ten_times_larger(county):
    counts = instance_counts(county)
    city, province = replicate(counts, 10, merge=False), replicate(counts, 100, merge=False)
    unrestricted_city, unrestricted_province = replicate(counts, 10, merge=True), replicate(counts, 100, merge=True)
    sizes = {name: estimate(c) for name, c in (("city", city), ("province", province),
                                               ("city without jurisdictions", unrestricted_city),
                                               ("province without jurisdictions", unrestricted_province))}
    assert sizes["province"].entities == 5_000_000
    # measured (docs/performance.md): every one of them
    for name in sizes:
        assert refusals(sizes[name], Limits()) == [], (name, sizes[name])
    # candidate sets: the province without jurisdictions has the arcs of the one with them
    # (before format /3: ~1.66 billion estimated, the draw killed after 900 s)
    assert sizes["province without jurisdictions"].arcs <= 16 * sizes["province"].places < 10_000_000
    tenfold = estimate(replicate(counts, 1000, merge=True))
    assert tenfold.entities == 50_000_000 and refusals(tenfold, Limits()) == ["memory"]


def test_counts_without_jurisdictions_and_count_tasks():
    counts = Counts(entities={("", "A"): 100, ("", "B"): 900},
                    inspectors={("SCJG", ""): 50, ("CGJ", ""): 10, ("WJW", ""): 99},
                    tasks=(TaskDemand(("SCJG", "CGJ"), count=20), TaskDemand(("SCJG",), {"A": 1.0}),
                           TaskDemand(("CGJ",), count=5000)))
    size = estimate(counts)
    assert size.checks == 20 + 100 + 1000  # a count beyond the population draws all of it
    assert size.places == 40 + 100 + 1000
    assert size.arcs == 20 * (16 + 10) + 100 * 16 + 1000 * 10  # at most 16 candidates a place
    assert size.inspectors == 60 and size.largest_pool == 50  # WJW has no task
