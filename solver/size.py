"""How big a draw will be, estimated before it runs, and whether this machine
can do it in reasonable time and memory.

The cost of a draw is dominated by two things (docs/performance.md): reading
the registry (memory and time grow with the entities) and the team flows,
whose size is the number of place -> inspector arcs: from format /3 on every
place offers at most 16 candidates of its pool (protocol 7.3), so the arcs are
about ``places x min(16, pool size)`` — formats /1 and /2 offered the whole
pool, and a province without jurisdictions (``policy.jurisdiction_digits`` 0:
every inspector of a department in every place's pool) had ~1 billion arcs, a
draw that never ended. A part whose candidates cannot fill its places (or leave
it unbalanced) widens (7.3); that is rare and not estimated.

:func:`estimate` is a pure function of counts: entities per (jurisdiction,
risk class), the tasks (departments, ratio or count) and the serving
inspectors per (department, jurisdiction). Places and arcs err on the large
side: exclusions are ignored, a place is counted per task and department
(visits merging two tasks of one department have one), and every active,
certified inspector of a department counts as eligible whatever their
qualifications; the checks are the expected sample sizes (list strata and
rounding up add a few). :func:`instance_counts` gives those counts for an instance;
the web app takes them from its registry (``inspect_app/services/draw_size.py``).

>>> counts = Counts(entities={("350181", "B"): 10_000}, inspectors={("SCJG", "350181"): 40},
...                 tasks=(TaskDemand(("SCJG",), {"B": 0.03}),))
>>> e = estimate(counts)
>>> e.checks, e.places, e.arcs, e.largest_pool
(300, 300, 4800, 40)
>>> refusals(e, Limits(max_arcs=4_000, max_memory=8 << 30))
['arcs']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from solver.candidates import DEFAULT_BOUND
from solver.model import RISK_CLASSES, Instance

# Memory model, set above docs/performance.md's measurements (peak RSS of
# `python -m solver draw` on the bench instances): 5 M entities with and without
# jurisdictions (about 3 M candidate arcs) 3.8 GiB; the model estimates 4.5 GiB
# (bench/bench_size.py): on the large side, as a guard should be.
BASE_MEMORY = 64 << 20
MEMORY_PER_ENTITY = 900
MEMORY_PER_ARC = 40

# Defaults of the limits (the app's DRAW_MAX_FLOW_ARCS / DRAW_MAX_MEMORY_BYTES).
# With candidate sets the arcs grow with the places only (a province, with or
# without jurisdictions: ~3 M); the arc limit stops a draw of ~6 million places,
# far beyond any registry measured. (Before format /3 the province without
# jurisdictions had ~1.07 billion arcs and was killed after 900 s.)
DEFAULT_MAX_ARCS = 100_000_000
DEFAULT_MAX_MEMORY = 8 << 30


@dataclass(frozen=True, slots=True)
class TaskDemand:
    """One task: its departments (lead first), either ``ratio`` (risk class
    -> share) or ``count``, and its population per (jurisdiction, risk class)
    if known (else the whole registry's counts stand in)."""

    departments: tuple[str, ...]
    ratio: Mapping[str, float] = field(default_factory=dict)
    count: int | None = None
    population: Mapping[tuple[str, str], int] | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """What the estimate needs to know about a draw. ``entities`` and
    ``inspectors`` are keyed by jurisdiction: the first k characters of the
    district ("" for all when k = 0); ``inspectors`` counts the inspectors who
    can serve at all (active, with a certificate)."""

    entities: Mapping[tuple[str, str], int]  # (jurisdiction, risk class) -> entities
    inspectors: Mapping[tuple[str, str], int]  # (department, jurisdiction) -> inspectors
    tasks: tuple[TaskDemand, ...]


@dataclass(frozen=True, slots=True)
class Estimate:
    entities: int
    inspectors: int  # who can serve, in the tasks' departments
    largest_pool: int  # the most inspectors one place may be offered
    checks: int  # expected entity-task checks (sampled; list strata and rounding up add a few)
    places: int  # (visit, department) places, on the large side
    arcs: int  # place -> candidate arcs of the team flows, on the large side
    memory: int  # expected peak memory of the draw, bytes

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Limits:
    max_arcs: int = DEFAULT_MAX_ARCS
    max_memory: int = DEFAULT_MAX_MEMORY


def estimate(counts: Counts) -> Estimate:
    """The size of a draw of ``counts`` (see the module docstring)."""
    total = sum(counts.entities.values())
    departments = {d for t in counts.tasks for d in t.departments}
    checks = places = arcs = largest = 0.0
    for task in counts.tasks:
        by_jurisdiction = _by_jurisdiction(counts.entities if task.population is None else task.population)
        population = sum(sum(risks.values()) for risks in by_jurisdiction.values())
        for where, risks in by_jurisdiction.items():
            if task.count is not None:
                expected = min(task.count, population) * sum(risks.values()) / population if population else 0.0
            else:
                expected = sum(task.ratio.get(risk, 0.0) * n for risk, n in risks.items())
            checks += expected
            for department in task.departments:
                pool = counts.inspectors.get((department, where), 0)
                places += expected
                arcs += expected * min(pool, DEFAULT_BOUND)
                largest = max(largest, pool)
    serving = sum(n for (d, _), n in counts.inspectors.items() if d in departments)
    arcs_int = round(arcs)
    return Estimate(entities=total, inspectors=serving, largest_pool=int(largest), checks=round(checks),
                    places=round(places), arcs=arcs_int,
                    memory=BASE_MEMORY + MEMORY_PER_ENTITY * total + MEMORY_PER_ARC * arcs_int)


def _by_jurisdiction(entities: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    grouped: dict[str, dict[str, int]] = {}
    for (where, risk), n in entities.items():
        risks = grouped.setdefault(where, {})
        risks[risk] = risks.get(risk, 0) + n
    return grouped


def refusals(size: Estimate, limits: Limits) -> list[str]:
    """The limits ``size`` exceeds: ``"arcs"`` and/or ``"memory"`` (empty if none)."""
    return [name for name, over in (("arcs", size.arcs > limits.max_arcs),
                                    ("memory", size.memory > limits.max_memory)) if over]


def instance_counts(instance: Instance) -> Counts:
    """The :class:`Counts` of a parsed instance, each task's population
    (its filter) counted exactly."""
    from solver.sampling import EntityTable, population_mask

    k = instance.policy.jurisdiction_digits
    rows = instance.entities
    where = np.array([d[:k] if k > 0 else "" for d in rows.districts] or [""], dtype=object)
    places, codes = np.unique(where[rows.district] if len(rows) else np.array([], dtype=object),
                              return_inverse=True)
    key = codes.astype(np.int64) * len(RISK_CLASSES) + rows.risk

    def tally(mask: np.ndarray | None) -> dict[tuple[str, str], int]:
        values, n = np.unique(key if mask is None else key[mask], return_counts=True)
        return {(str(places[v // len(RISK_CLASSES)]), RISK_CLASSES[v % len(RISK_CLASSES)]): int(c)
                for v, c in zip(values.tolist(), n.tolist(), strict=True)}

    table = EntityTable(rows)
    tasks = tuple(TaskDemand(tuple(t.departments), {r: float(v) for r, v in (t.ratio or {}).items()}, t.count,
                             tally(population_mask(table, t)) if t.filter is not None else None)
                  for t in instance.tasks)
    inspectors: dict[tuple[str, str], int] = {}
    for i in instance.inspectors:
        if i.active and i.certificate_expires is not None and i.max_visits > 0:
            j = (i.department, i.district[:k] if k > 0 else "")
            inspectors[j] = inspectors.get(j, 0) + 1
    return Counts(tally(None), inspectors, tasks)
