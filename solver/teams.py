"""The team rules applied to one instance: who may staff each visit, and whether
a staffed visit keeps the rules.

The rules themselves are plain functions of :mod:`solver.team_rules`; this
module applies them to a whole instance, indexed once (:class:`Rules`):

* :func:`build_requests` — per visit, per department: the count, the
  qualifications, the eligible inspectors (sorted ids) and those excluded for
  this visit, with reasons;
* :func:`check_visit` and :class:`VisitChecker` — every rule violation of one
  staffed, dated visit, computed from the rules alone, independently of how the
  team was found (the verifier and the property tests use it);
* :func:`check_loads` — the rules that span visits: capacity and daily limits.

Rules 1–5 depend on the entity only through its jurisdiction (the first k
characters of its district, nothing when k = 0) and are evaluated once per
(department, qualifications, jurisdiction) pool; rules 6–8 per visit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from solver.eligible import without
from solver.model import Entity, Inspector, Instance, Visit
from solver.registry import RowsLookup, entity_lookup
from solver.team_rules import (
    DEPARTMENT_REASONS,
    LOCAL_SUPERVISOR,
    OUTSIDE_JURISDICTION,
    available_days,
    department_reason,
    jurisdiction,
    jurisdiction_reason,
    last_team,
    required_qualifications,
    team_requirement,
    visit_reason,
)


@dataclass(frozen=True, slots=True)
class Pool:
    """The inspectors of one department that pass rules 1–5 for one set of
    qualifications and one jurisdiction, and how many were dropped by each of
    those rules."""

    department: str
    qualifications: frozenset[str]
    members: int  # inspectors of the department
    dropped: tuple[tuple[str, int], ...]  # (reason, count) in rule order, counts > 0
    qualified: tuple[str, ...]  # sorted inspector ids
    jurisdiction: str = ""  # the entities' district prefix ("" = unrestricted)


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """One department's place on a visit."""

    department: str
    count: int
    qualifications: frozenset[str]
    eligible: Sequence[str]  # sorted inspector ids: the pool's tuple, or an Eligible view of it
    excluded: tuple[tuple[str, str], ...]  # (inspector id, reason) of the pool excluded for this visit, by id
    pool: Pool


@dataclass(frozen=True, slots=True)
class VisitRequest:
    visit: Visit
    slots: tuple[SlotRequest, ...]  # one per department, in visit.departments order

    @property
    def size(self) -> int:
        """Team size: the sum of the departments' counts."""
        return sum(s.count for s in self.slots)


class Rules:
    """Indexes of an instance that the rule functions need, built once."""

    def __init__(self, instance: Instance, workdays: Sequence[date]) -> None:
        self.instance = instance
        self.policy = instance.policy
        self.workdays = tuple(workdays)
        self.workday_set = frozenset(self.workdays)
        self.tasks = {t.id: t for t in instance.tasks}
        self.items = {i.id: i for i in instance.items}
        self.inspectors = {i.id: i for i in instance.inspectors}
        self.department_names = {d.id: d.name for d in instance.departments}
        self.available = {i.id: available_days(i, self.workdays) for i in instance.inspectors}
        self.capacity = {i.id: max(0, min(i.max_visits, self.policy.daily_visits_per_inspector * self.available[i.id]))
                         for i in instance.inspectors}
        members: dict[str, list[Inspector]] = {}
        for inspector in sorted(instance.inspectors, key=lambda i: i.id):
            members.setdefault(inspector.department, []).append(inspector)
        self.members = members
        conflicted: dict[str, list[str]] = {}
        for inspector_id, uscc in sorted(instance.conflicts):
            conflicted.setdefault(uscc, []).append(inspector_id)
        self.conflicted = conflicted  # uscc -> sorted inspector ids
        self._pools: dict[tuple[str, tuple[str, ...], str], Pool] = {}
        self._districts: dict[int, dict[str, tuple[str, ...]]] = {}  # by id() of a pool's ``qualified``
        self._shapes: dict[tuple[tuple[str, ...], tuple[str, ...], str], tuple] = {}
        # (tasks, departments) -> (inspectors needed, qualifications) per department: the same for every visit
        # of those tasks (a province's 142,000 visits have a few hundred)
        self._needs: dict[tuple[tuple[str, ...], tuple[str, ...]],
                          tuple[dict[str, int], dict[str, frozenset[str]]]] = {}
        # by id() of a pool's ``qualified`` (pools are cached for the Rules' life; hashing a
        # tuple of thousands of ids for every visit would cost as much as the draw)
        self._pool_sets: dict[int, frozenset[str]] = {}
        self._positions: dict[int, dict[str, int]] = {}
        self._locals: dict[tuple[int, str], tuple[tuple[tuple[str, str], ...], Sequence[str]]] = {}
        self._inside: dict[tuple[str, str], list[Inspector]] = {}  # a department's members in a jurisdiction

    @cached_property
    def entities(self) -> RowsLookup:
        """Entities by USCC, indexed on first use (team assignment never needs them)."""
        return entity_lookup(self.instance.entities)

    def department_name(self, department: str) -> str:
        return self.department_names.get(department, department)

    def entity(self, uscc: str) -> Entity:
        try:
            return self.entities[uscc]
        except KeyError:
            raise ValueError(f"visit of unknown entity {uscc}") from None

    def pool(self, department: str, qualifications: frozenset[str], prefix: str = "") -> Pool:
        """Rules 1–5 for one department, set of qualifications and jurisdiction
        (``prefix``, the entities' district prefix; "" = unrestricted), cached."""
        key = (department, tuple(sorted(qualifications)), prefix)
        found = self._pools.get(key)
        if found is not None:
            return found
        members = self.members.get(department, [])
        inside = self._inside.get((department, prefix))
        if inside is None:  # the same for every set of qualifications
            k = len(prefix)
            inside = self._inside[(department, prefix)] = [i for i in members if i.district[:k] == prefix]
        dropped = {r: 0 for r in DEPARTMENT_REASONS}
        dropped[OUTSIDE_JURISDICTION] = len(members) - len(inside)
        qualified = []
        end = self.instance.window_end
        for inspector in inside:
            reason = department_reason(inspector, qualifications, end, self.available[inspector.id],
                                       self.capacity[inspector.id])
            if reason is None:
                qualified.append(inspector.id)
            else:
                dropped[reason] += 1
        pool = Pool(department, qualifications, len(members),
                    tuple((r, dropped[r]) for r in DEPARTMENT_REASONS if dropped[r]), tuple(qualified), prefix)
        self._pools[key] = pool
        return pool

    def request(self, visit: Visit) -> VisitRequest:
        """The :class:`VisitRequest` of one visit."""
        entity = self.entity(visit.uscc)
        conflicted = self.conflicted.get(visit.uscc, ())
        slots = []
        for department, count, quals, pool in self._shape(visit, jurisdiction(entity.district, self.policy)):
            excluded, eligible = self._exclusions(pool, entity, conflicted)
            slots.append(SlotRequest(department, count, quals, eligible, excluded, pool))
        return VisitRequest(visit, tuple(slots))

    def _shape(self, visit: Visit, prefix: str) -> tuple[tuple[str, int, frozenset[str], Pool], ...]:
        """(department, count, qualifications, pool) per place; the same for all
        visits with the same tasks in the same jurisdiction (cached)."""
        key = (visit.tasks, visit.departments, prefix)
        shape = self._shapes.get(key)
        if shape is None:
            need, quals = self.needs(visit)
            shape = self._shapes[key] = tuple((d, need[d], quals[d], self.pool(d, quals[d], prefix))
                                              for d in visit.departments)
        return shape

    def needs(self, visit: Visit) -> tuple[dict[str, int], dict[str, frozenset[str]]]:
        """Inspectors needed and the qualifications they must hold, per
        department of the visit (cached by its tasks; not to be changed)."""
        key = (visit.tasks, visit.departments)
        found = self._needs.get(key)
        if found is None:
            found = self._needs[key] = (team_requirement(visit, self.tasks, self.policy),
                                        required_qualifications(visit, self.tasks, self.items))
        return found

    def _eligible(self, pool: Pool, excluded: tuple[tuple[str, str], ...]) -> Sequence[str]:
        """The pool without the ``excluded`` (all pool members), not copied."""
        if not excluded:
            return pool.qualified
        position = self._positions.get(id(pool.qualified))
        if position is None:
            position = self._positions[id(pool.qualified)] = {i: n for n, i in enumerate(pool.qualified)}
        return without(pool.qualified, [position[i] for i, _ in excluded])

    def _local(self, pool: Pool, district: str) -> tuple[tuple[tuple[str, str], ...], Sequence[str]]:
        """Rule 8 alone: the pool's members of the entity's district, by id, and
        the pool without them (the same for every entity of the district: cached)."""
        key = (id(pool.qualified), district)
        found = self._locals.get(key)
        if found is None:
            groups = self._districts.get(id(pool.qualified))
            if groups is None:  # the pool's members by district, once per pool
                groups = self._districts[id(pool.qualified)] = _group_by_district(pool.qualified, self.inspectors)
            excluded = tuple((i, LOCAL_SUPERVISOR) for i in sorted(groups.get(district, ())))
            found = self._locals[key] = (excluded, self._eligible(pool, excluded))
        return found

    def _exclusions(self, pool: Pool, entity: Entity,
                    conflicted: Sequence[str]) -> tuple[tuple[tuple[str, str], ...], Sequence[str]]:
        """Rules 6–8 applied to the pool's members that could be affected: the
        excluded (id, reason) by id, and the pool without them."""
        policy = self.policy
        if not conflicted and not (policy.rotation and entity.last_checks) and not policy.exclude_local_supervisor:
            return (), pool.qualified
        local = self._local(pool, entity.district) if policy.exclude_local_supervisor else ((), pool.qualified)
        last = last_team(entity, pool.department)
        suspects = set(conflicted)
        if policy.rotation:
            suspects |= last
        if not suspects:  # (an inspector of the district is excluded as a local supervisor at the latest)
            return local
        in_pool = self._pool_sets.get(id(pool.qualified))
        if in_pool is None:
            in_pool = self._pool_sets[id(pool.qualified)] = frozenset(pool.qualified)
        reasons = dict(local[0])
        for inspector_id in suspects:
            if inspector_id in in_pool:
                reason = visit_reason(self.inspectors[inspector_id], entity, self.instance.conflicts, last, policy)
                if reason is not None:
                    reasons[inspector_id] = reason
        excluded = tuple(sorted(reasons.items()))
        return excluded, self._eligible(pool, excluded)


def _group_by_district(ids: Sequence[str], inspectors: Mapping[str, Inspector]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for inspector_id in ids:
        grouped.setdefault(inspectors[inspector_id].district, []).append(inspector_id)
    return {k: tuple(v) for k, v in grouped.items()}


def build_requests(instance: Instance, visits: Sequence[Visit], workdays: Sequence[date] | None = None) -> list[VisitRequest]:
    """One :class:`VisitRequest` per visit, in the order given.

    ``workdays`` defaults to :func:`solver.calendar.working_days` of the instance.
    """
    if workdays is None:
        from solver.calendar import working_days

        workdays = working_days(instance)
    rules = Rules(instance, workdays)
    rules.entities.prefetch([v.uscc for v in visits])
    return [rules.request(v) for v in visits]


class VisitChecker:
    """Checks staffed, dated visits of one instance against every per-visit rule.

    Build it once and call :meth:`check` per visit; :func:`check_visit` is the
    one-off form (it indexes the whole instance on each call).
    """

    def __init__(self, instance: Instance, workdays: Sequence[date]) -> None:
        self.rules = Rules(instance, workdays)

    def check(self, visit: Visit, team: Sequence[str], day: date) -> list[str]:
        """Violations of one visit staffed by ``team`` on ``day``; empty if none."""
        rules = self.rules
        problems: list[str] = []
        if day not in rules.workday_set:
            problems.append(f"{visit.id}: {day.isoformat()} is not a working day of the window")
        entity = rules.entities.get(visit.uscc)
        if entity is None:
            return problems + [f"{visit.id}: entity {visit.uscc} is not in the instance"]
        if len(set(team)) != len(team):
            problems.append(f"{visit.id}: an inspector appears twice in the team")
        need, quals = rules.needs(visit)
        counts = {d: 0 for d in need}
        last_of: dict[str, frozenset[str]] = {}  # a department's last team at the entity
        for inspector_id in sorted(set(team)):
            inspector = rules.inspectors.get(inspector_id)
            if inspector is None:
                problems.append(f"{visit.id}: inspector {inspector_id} is not in the instance")
                continue
            department = inspector.department
            if department not in need:
                problems.append(f"{visit.id}: {inspector_id} belongs to {rules.department_name(department)}, "
                                f"which is not on this visit")
                continue
            counts[department] += 1
            reason = self._reason(inspector, entity, quals[department], last_of)
            if reason is not None:
                problems.append(f"{visit.id}: {inspector_id} is not eligible ({reason})")
            if day in inspector.unavailable:
                problems.append(f"{visit.id}: {inspector_id} is unavailable on {day.isoformat()}")
        for department in sorted(need):
            if counts[department] != need[department]:
                problems.append(f"{visit.id}: {rules.department_name(department)} has {counts[department]} "
                                f"inspector(s) on the team, {need[department]} required")
        pairs = rules.instance.pair_conflicts
        members = sorted(set(team)) if pairs else []
        for a_index, a in enumerate(members):
            for b in members[a_index + 1:]:
                if frozenset((a, b)) in pairs:
                    problems.append(f"{visit.id}: {a} and {b} must not serve on one team")
        return problems

    def _reason(self, inspector: Inspector, entity: Entity, qualifications: frozenset[str],
                last_of: dict[str, frozenset[str]]) -> str | None:
        """The first rule (1-8) that keeps the inspector off this entity's visit;
        ``last_of``: the entity's last team per department, filled as needed."""
        rules = self.rules
        reason = jurisdiction_reason(inspector, entity, rules.policy) or department_reason(
            inspector, qualifications, rules.instance.window_end,
            rules.available[inspector.id], rules.capacity[inspector.id])
        if reason is not None:
            return reason
        last = last_of.get(inspector.department)
        if last is None:
            last = last_of[inspector.department] = last_team(entity, inspector.department)
        return visit_reason(inspector, entity, rules.instance.conflicts, last, rules.policy)


def check_visit(instance: Instance, visit: Visit, team: Sequence[str], day: date, workdays: Sequence[date]) -> list[str]:
    """Violations of one staffed, dated visit; empty if it keeps every rule.

    For many visits of one instance use :class:`VisitChecker`, which indexes the
    instance once.
    """
    return VisitChecker(instance, workdays).check(visit, team, day)


def check_loads(instance: Instance, staffed: Mapping[str, tuple[Sequence[str], date]],
                workdays: Sequence[date]) -> list[str]:
    """Violations of the rules that span visits: per inspector, at most its
    capacity in the window and at most ``daily_visits_per_inspector`` per day.

    ``staffed`` maps a visit id to its (team, day).
    """
    rules = Rules(instance, workdays)
    total: dict[str, int] = {}
    daily: dict[tuple[str, date], int] = {}
    for visit_id in sorted(staffed):
        team, day = staffed[visit_id]
        for inspector_id in team:
            total[inspector_id] = total.get(inspector_id, 0) + 1
            daily[(inspector_id, day)] = daily.get((inspector_id, day), 0) + 1
    problems = []
    for inspector_id in sorted(total):
        cap = rules.capacity.get(inspector_id, 0)
        if total[inspector_id] > cap:
            problems.append(f"{inspector_id} has {total[inspector_id]} visits, capacity {cap}")
    limit = instance.policy.daily_visits_per_inspector
    for inspector_id, day in sorted(daily):
        if daily[(inspector_id, day)] > limit:
            problems.append(f"{inspector_id} has {daily[(inspector_id, day)]} visits on {day.isoformat()}, "
                            f"daily limit {limit}")
    return problems
