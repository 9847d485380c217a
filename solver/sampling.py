"""Drawing each task's entities with permanent random numbers.

For every task:

1. its *population* is the entities that match its filter (all entities when
   the task has no filter);
2. *exclusions* remove entities from the population, each counted under the
   first reason that applies, in this order: ``inactive`` (status is not
   ``"active"``), ``recent_check`` (risk class in
   ``policy.exclude_recent_risk`` and a last check by one of the task's
   departments on or after ``window.start - policy.exclude_recent_days``),
   ``frequency_cap`` (``checks_this_year >= policy.frequency_cap``); what is
   left is the *eligible* population;
3. a ``ratio`` task splits the eligible population into strata — the list
   stratum of the entity's lists named in ``list_ratio`` with the highest
   ratio (ties by list name), otherwise its risk class — and takes from each
   stratum the ``ceil(ratio × N)`` entities with the smallest u (a risk class
   missing from ``ratio`` has ratio 0); a ``count`` task takes the ``count``
   entities with the smallest u from its whole eligible population;
4. ties in u are broken by USCC, and the sample is listed in ascending
   (u, USCC).

u is the coordinated number HMAC(seed, "entity:" + USCC) shared by all tasks,
or, under the independent policy, HMAC(seed, "entity:" + task id + ":" + USCC).
The work is done on numpy columns so that a task costs a few vector
operations over the registry rather than a Python loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

import numpy as np

from solver.canonical import u_values
from solver.model import RISK_CLASSES, Instance, Task
from solver.progress import NullProgress, Progress
from solver.registry import EntityRows

EXCLUSION_REASONS = ("inactive", "recent_check", "frequency_cap")


def sample_size(ratio: Fraction, eligible: int) -> int:
    """``ceil(ratio × eligible)``, exactly.

    >>> sample_size(Fraction("0.03"), 100)
    3
    >>> sample_size(Fraction("0.03"), 101)
    4
    >>> sample_size(Fraction(0), 5)
    0
    """
    return math.ceil(ratio * eligible)


@dataclass(frozen=True, slots=True)
class Stratum:
    key: str  # a risk class, "list:" + list name, or "all" for a count task
    ratio: Fraction | None  # None for a count task
    eligible: int
    drawn: int


@dataclass(frozen=True, slots=True)
class TaskSample:
    task: str
    usccs: tuple[str, ...]  # ascending (u, USCC)
    excluded: dict[str, int]  # every reason of EXCLUSION_REASONS, possibly 0
    population: int  # entities matching the filter
    eligible: int  # population minus exclusions
    strata: tuple[Stratum, ...]


@dataclass(frozen=True, slots=True)
class Sampling:
    coordinated: bool
    tasks: tuple[TaskSample, ...]  # instance order
    priority: dict[str, int]  # coordinated u of every sampled USCC
    expected_independent: float  # expected number of distinct entities if sampled independently

    @property
    def sampled(self) -> int:
        """Entity-task pairs drawn, i.e. checks before merging into visits."""
        return sum(len(t.usccs) for t in self.tasks)

    @property
    def entities(self) -> int:
        """Distinct entities drawn, i.e. visits after merging."""
        return len(self.priority)

    def samples(self) -> dict[str, list[str]]:
        return {t.task: list(t.usccs) for t in self.tasks}

    def excluded(self) -> dict[str, dict[str, int]]:
        return {t.task: dict(t.excluded) for t in self.tasks}


class EntityTable:
    """The registry as columns: one array per attribute the sampling reads."""

    __slots__ = ("usccs", "risk", "active", "checks", "district", "districts", "tags", "tagsets",
                 "lists", "listsets", "industry", "industries", "type", "types", "check_entity",
                 "check_department", "check_departments", "check_day")

    def __init__(self, rows: EntityRows) -> None:
        self.usccs = rows.usccs
        self.risk = rows.risk
        self.active = np.array([v == "active" for v in rows.statuses] or [False], dtype=bool)[rows.status]
        self.checks = rows.checks
        self.district, self.districts = rows.district, rows.districts
        self.tags, self.tagsets = rows.tags, rows.tagsets
        self.lists, self.listsets = rows.lists, rows.listsets
        self.industry, self.industries = rows.industry, rows.industries
        self.type, self.types = rows.type, rows.types
        self.check_entity, self.check_department, self.check_departments, self.check_day = rows.last.columns()

    def __len__(self) -> int:
        return len(self.usccs)


def _lookup(table: list, accept) -> np.ndarray:
    return np.array([bool(accept(v)) for v in table], dtype=bool)


def population_mask(table: EntityTable, task: Task) -> np.ndarray:
    """Entities matching the task's filter (all of them without a filter)."""
    mask = np.ones(len(table), dtype=bool)
    f = task.filter
    if f is None:
        return mask
    if f.tags_any:
        mask &= _lookup(table.tagsets, lambda tags: tags & f.tags_any)[table.tags]
    if f.districts:
        mask &= _lookup(table.districts,
                        lambda d: any(d.startswith(p) for p in f.districts))[table.district]
    if f.industries:
        mask &= _lookup(table.industries, lambda v: v in f.industries)[table.industry]
    if f.types:
        mask &= _lookup(table.types, lambda v: v in f.types)[table.type]
    if f.risks:
        mask &= _lookup(list(RISK_CLASSES), lambda r: r in f.risks)[table.risk]
    if f.lists_any:
        mask &= _lookup(table.listsets, lambda lists: lists & f.lists_any)[table.lists]
    return mask


def recent_check_mask(table: EntityTable, instance: Instance, task: Task) -> np.ndarray:
    """Entities of a risk class in ``policy.exclude_recent_risk`` checked by
    one of the task's departments on or after the cut-off day."""
    policy = instance.policy
    recent = np.zeros(len(table), dtype=bool)
    if not policy.exclude_recent_risk or not len(table.check_day):
        return recent
    cutoff = (instance.window_start - timedelta(days=policy.exclude_recent_days)).toordinal()
    by_task = _lookup(table.check_departments, lambda d: d in task.departments)
    hit = by_task[table.check_department] & (table.check_day >= cutoff)
    recent[table.check_entity[hit]] = True
    risky = _lookup(list(RISK_CLASSES), lambda r: r in policy.exclude_recent_risk)[table.risk]
    return recent & risky


def list_stratum(lists: frozenset[str], list_ratio: dict[str, Fraction]) -> str | None:
    """The list whose stratum an entity on ``lists`` belongs to: among its
    lists that have a ``list_ratio``, the one with the highest ratio, ties by
    list name; ``None`` if none of its lists has a ratio.

    >>> list_stratum(frozenset({"a", "b", "c"}), {"b": Fraction(1), "c": Fraction(1)})
    'b'
    >>> list_stratum(frozenset({"a"}), {"b": Fraction(1)}) is None
    True
    """
    named = [name for name in lists if name in list_ratio]
    if not named:
        return None
    return min(named, key=lambda name: (-list_ratio[name], name))


def _list_stratum(lists: frozenset[str], task: Task, list_names: list[str]) -> int:
    name = list_stratum(lists, task.list_ratio)
    return -1 if name is None else len(RISK_CLASSES) + list_names.index(name)


def _strata(table: EntityTable, task: Task, eligible: np.ndarray) -> list[tuple[str, Fraction |
                                                                                None, np.ndarray]]:
    """(key, ratio, member indices) per non-empty stratum, in a fixed order:
    risk classes A to D, then list strata by list name."""
    if task.count is not None:
        return [("all", None, eligible)]
    list_names = sorted(task.list_ratio)
    stratum_of_listset = np.array(
        [_list_stratum(lists, task, list_names) for lists in table.listsets] or [-1],
        dtype=np.int64)
    listed = stratum_of_listset[table.lists[eligible]]
    stratum = np.where(listed >= 0, listed, table.risk[eligible])
    keys = [(risk, (task.ratio or {}).get(risk, Fraction(0))) for risk in RISK_CLASSES]
    keys += [("list:" + name, task.list_ratio[name]) for name in list_names]
    result: list[tuple[str, Fraction | None, np.ndarray]] = []
    for code, (key, ratio) in enumerate(keys):
        members = eligible[stratum == code]
        if len(members):
            result.append((key, ratio, members))
    return result


def _stratum_size(task: Task, ratio: Fraction | None, eligible: int) -> int:
    """How many of a stratum's ``eligible`` entities are drawn (a count task has one stratum)."""
    if ratio is not None:
        return sample_size(ratio, eligible)
    assert task.count is not None
    return min(task.count, eligible)


def _smallest(members: np.ndarray, u: np.ndarray, k: int, usccs: list[str]) -> list[int]:
    """The ``k`` members with the smallest (u, USCC), in that order."""
    if k <= 0:
        return []
    values = u[members]
    if k < len(members):
        kth = np.partition(values, k - 1)[k - 1]
        keep = values <= kth
        members, values = members[keep], values[keep]
    chosen = sorted([(v, usccs[i], i) for v, i in zip(values.tolist(), members.tolist(), strict=True)])
    return [index for _, _, index in chosen[:k]]


def sample(instance: Instance, seed: bytes, coordinated: bool | None = None,
           progress: Progress | None = None, table: EntityTable | None = None,
           workers: int = 1) -> Sampling:
    """Draw every task's sample. ``coordinated`` defaults to the instance policy;
    ``workers`` > 1 hashes large registries in that many processes."""
    progress = progress or NullProgress()
    if coordinated is None:
        coordinated = instance.policy.coordinated_sampling
    progress.stage("sampling: registry columns")
    table = table if table is not None else EntityTable(instance.entities)
    n = len(table)
    inactive = ~table.active
    capped = table.checks >= instance.policy.frequency_cap
    progress.stage("sampling: populations", len(instance.tasks))
    eligible_of, excluded_of, population_of = [], [], []
    for task in instance.tasks:
        matching = population_mask(table, task)
        left = matching & ~inactive
        excluded = {"inactive": int(matching.sum() - left.sum())}
        recent = left & recent_check_mask(table, instance, task)
        left &= ~recent
        excluded["recent_check"] = int(recent.sum())
        over_cap = left & capped
        left &= ~over_cap
        excluded["frequency_cap"] = int(over_cap.sum())
        eligible_of.append(np.flatnonzero(left))
        excluded_of.append(excluded)
        population_of.append(int(matching.sum()))
        progress.advance()
    u_shared = np.zeros(n, dtype=np.uint64)
    if coordinated:
        union = np.zeros(n, dtype=bool)
        for eligible in eligible_of:
            union[eligible] = True
        wanted = np.flatnonzero(union)
        progress.stage("sampling: u-values", len(wanted))
        u_shared[wanted] = u_values(seed, [table.usccs[i] for i in wanted.tolist()], workers=workers)
    progress.stage("sampling: strata", len(instance.tasks))
    tasks, drawn_all = [], set()
    not_drawn_independent = np.ones(n, dtype=np.float64)
    for task, eligible, excluded, population in zip(instance.tasks, eligible_of, excluded_of,
                                                    population_of, strict=True):
        if coordinated:
            u = u_shared
        else:
            u = np.zeros(n, dtype=np.uint64)
            u[eligible] = u_values(seed, [table.usccs[i] for i in eligible.tolist()], task.id,
                                   workers)
        strata, drawn = [], []
        for key, ratio, members in _strata(table, task, eligible):
            size = _stratum_size(task, ratio, len(members))
            drawn += _smallest(members, u, size, table.usccs)
            strata.append(Stratum(key, ratio, len(members), size))
            if size:
                not_drawn_independent[members] *= 1.0 - size / len(members)
        drawn = [i for _, _, i in sorted(zip(u[drawn].tolist(), [table.usccs[i] for i in drawn],
                                                drawn, strict=True))]
        drawn_all.update(drawn)
        tasks.append(TaskSample(task=task.id, usccs=tuple(table.usccs[i] for i in drawn),
                                excluded=excluded, population=population,
                                eligible=len(eligible), strata=tuple(strata)))
        progress.advance()
    drawn_sorted = sorted(drawn_all)
    if instance.entities.usccs is table.usccs:  # (a table of the same registry)
        instance.entities.remember(drawn_sorted)  # the later stages find the visits' entities by USCC
    if coordinated:
        priorities = u_shared[drawn_sorted].tolist()
    else:
        priorities = u_values(seed, [table.usccs[i] for i in drawn_sorted]).tolist()
    priority = {table.usccs[i]: p for i, p in zip(drawn_sorted, priorities, strict=True)}
    expected = float(np.sum(1.0 - not_drawn_independent))
    progress.done()
    return Sampling(coordinated=coordinated, tasks=tuple(tasks), priority=priority,
                    expected_independent=expected)
