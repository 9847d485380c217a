"""What a visit needs, and which inspectors may staff it.

This module states the team rules once, as plain functions over the typed
instance (:mod:`solver.model`):

* :func:`team_requirement` — how many inspectors of each department a visit needs;
* :func:`required_qualifications` — which qualifications each department's
  inspectors must hold on that visit;
* :func:`department_reason` / :func:`visit_reason` — why an inspector may not
  staff a department's place on a visit (``None`` if they may);
* :func:`build_requests` — per visit, per department: the count, the
  qualifications, the eligible inspectors (sorted ids) and those excluded for
  this visit, with reasons;
* :func:`check_visit` and :class:`VisitChecker` — every rule violation of one
  staffed, dated visit, computed from the rules alone, independently of how the
  team was found (the verifier and the property tests use it);
* :func:`check_loads` — the rules that span visits: capacity and daily limits.

Team size
    A single-department visit needs ``max(policy.min_team_size,
    inspectors_per_visit)`` inspectors of that department, the maximum taken
    over the visit's tasks. A joint visit (two or more departments) needs one
    inspector of every department; its team size is ``max(min_team_size,
    number of departments, inspectors_per_visit of each joint task of the
    visit)`` — a joint task's ``inspectors_per_visit`` is the size of the whole
    team, while a single-department task's applies only when the entity is
    visited by that department alone (in a joint visit the other departments'
    inspectors make up the legal minimum of two). Places beyond one per
    department go round-robin, first to the lead department (the department of
    the visit's first task), then to the others in ascending id order.

Qualifications
    Every item of the visit's tasks with a qualification belongs to its own
    department if that department is on the visit, else to its task's lead
    department. Each inspector of a department must hold *all* qualifications
    of that department's items on the visit (not just the team together), so
    that any member can sign any finding of their department.

Eligibility of inspector *i* for department *d* on visit *v* (first failing
rule is the reason):

1. *i* belongs to *d* (``not in department``) and, with
   ``policy.jurisdiction_digits`` = k > 0, serves where the entity is: the first
   k characters of *i*'s district equal those of the entity's
   (``outside jurisdiction``);
2. *i* is active (``inactive``);
3. *i* has a certificate (``no certificate``) valid through the window end
   (``certificate expired``);
4. *i* holds the qualifications above (``not qualified``);
5. *i* is available on at least one working day of the window
   (``no available day``) and has a capacity above zero (``no capacity``);
   capacity = ``min(max_visits, daily_visits_per_inspector x available working
   days)``;
6. *i* declared no conflict with the entity (``declared conflict``);
7. rotation (``policy.rotation``), per department: *i* is not among the
   inspectors of the entity's most recent check by *d* (several checks by *d*
   on that latest date count together) (``checked last time``);
8. with ``policy.exclude_local_supervisor``: *i*'s district differs from the
   entity's (``local supervisor``).

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
from solver.model import Entity, Inspector, Instance, Item, Policy, Task, Visit
from solver.registry import RowsLookup, entity_lookup

NOT_IN_DEPARTMENT = "not in department"
OUTSIDE_JURISDICTION = "outside jurisdiction"
INACTIVE = "inactive"
NO_CERTIFICATE = "no certificate"
CERTIFICATE_EXPIRED = "certificate expired"
NOT_QUALIFIED = "not qualified"
NO_AVAILABLE_DAY = "no available day"
NO_CAPACITY = "no capacity"
DECLARED_CONFLICT = "declared conflict"
CHECKED_LAST_TIME = "checked last time"
LOCAL_SUPERVISOR = "local supervisor"

DEPARTMENT_REASONS = (OUTSIDE_JURISDICTION, INACTIVE, NO_CERTIFICATE, CERTIFICATE_EXPIRED, NOT_QUALIFIED, NO_AVAILABLE_DAY, NO_CAPACITY)
VISIT_REASONS = (DECLARED_CONFLICT, CHECKED_LAST_TIME, LOCAL_SUPERVISOR)


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


def available_days(inspector: Inspector, workdays: Sequence[date]) -> int:
    """Working days of the window on which the inspector is not on leave."""
    return sum(1 for d in workdays if d not in inspector.unavailable)


def capacity(inspector: Inspector, policy: Policy, workdays: Sequence[date]) -> int:
    """Most visits the inspector can make in the window."""
    return max(0, min(inspector.max_visits, policy.daily_visits_per_inspector * available_days(inspector, workdays)))


def team_requirement(visit: Visit, tasks: Mapping[str, Task], policy: Policy) -> dict[str, int]:
    """Inspectors needed per department (see the module docstring)."""
    departments = tuple(visit.departments)
    visit_tasks = [tasks[t] for t in visit.tasks]
    if len(departments) == 1:
        wanted = max([policy.min_team_size] + [t.inspectors_per_visit for t in visit_tasks])
        return {departments[0]: wanted}
    joint = [t.inspectors_per_visit for t in visit_tasks if len(t.departments) > 1]
    total = max([policy.min_team_size, len(departments)] + joint)
    need = {d: 1 for d in departments}
    lead = visit_tasks[0].department if visit_tasks else departments[0]
    order = [lead] + [d for d in sorted(departments) if d != lead] if lead in need else sorted(departments)
    for k in range(total - len(departments)):
        need[order[k % len(order)]] += 1
    return need


def required_qualifications(visit: Visit, tasks: Mapping[str, Task], items: Mapping[str, Item]) -> dict[str, frozenset[str]]:
    """Qualifications each inspector of a department must hold on this visit."""
    needed: dict[str, set[str]] = {d: set() for d in visit.departments}
    for task_id in visit.tasks:
        task = tasks[task_id]
        for item_id in task.items:
            item = items[item_id]
            if item.qualification is None:
                continue
            owner = item.department if item.department in needed else task.department
            if owner in needed:
                needed[owner].add(item.qualification)
    return {d: frozenset(q) for d, q in needed.items()}


def jurisdiction(district: str, policy: Policy) -> str:
    """The prefix of ``district`` that decides jurisdiction ("" when unrestricted).

    >>> jurisdiction("350181001", Policy(jurisdiction_digits=6))
    '350181'
    >>> jurisdiction("350181001", Policy())
    ''
    """
    k = policy.jurisdiction_digits
    return district[:k] if k > 0 else ""


def jurisdiction_reason(inspector: Inspector, entity: Entity, policy: Policy) -> str | None:
    """Rule 1's jurisdiction half: the reason the inspector may not serve where the entity is."""
    k = policy.jurisdiction_digits
    if k > 0 and inspector.district[:k] != entity.district[:k]:
        return OUTSIDE_JURISDICTION
    return None


def department_reason(inspector: Inspector, qualifications: frozenset[str], window_end: date,
                      available: int, cap: int) -> str | None:
    """Rules 2–5: the reason the inspector cannot serve, independent of the entity."""
    if not inspector.active:
        return INACTIVE
    if inspector.certificate_expires is None:
        return NO_CERTIFICATE
    if inspector.certificate_expires < window_end:
        return CERTIFICATE_EXPIRED
    if not qualifications <= inspector.qualifications:
        return NOT_QUALIFIED
    if available == 0:
        return NO_AVAILABLE_DAY
    if cap <= 0:
        return NO_CAPACITY
    return None


def last_team(entity: Entity, department: str) -> frozenset[str]:
    """Inspectors of the entity's most recent check by ``department``."""
    checks = [c for c in entity.last_checks if c.department == department]
    if not checks:
        return frozenset()
    latest = max(c.date for c in checks)
    return frozenset(i for c in checks if c.date == latest for i in c.inspectors)


def visit_reason(inspector: Inspector, entity: Entity, conflicts: frozenset[tuple[str, str]],
                 last: frozenset[str], policy: Policy) -> str | None:
    """Rules 6–8: the reason the inspector cannot check this entity."""
    if (inspector.id, entity.uscc) in conflicts:
        return DECLARED_CONFLICT
    if policy.rotation and inspector.id in last:
        return CHECKED_LAST_TIME
    if policy.exclude_local_supervisor and inspector.district == entity.district:
        return LOCAL_SUPERVISOR
    return None


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
            need = team_requirement(visit, self.tasks, self.policy)
            quals = required_qualifications(visit, self.tasks, self.items)
            shape = self._shapes[key] = tuple((d, need[d], quals[d], self.pool(d, quals[d], prefix))
                                              for d in visit.departments)
        return shape

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
        policy = rules.policy
        problems: list[str] = []
        if day not in rules.workday_set:
            problems.append(f"{visit.id}: {day.isoformat()} is not a working day of the window")
        entity = rules.entities.get(visit.uscc)
        if entity is None:
            return problems + [f"{visit.id}: entity {visit.uscc} is not in the instance"]
        if len(set(team)) != len(team):
            problems.append(f"{visit.id}: an inspector appears twice in the team")
        need = team_requirement(visit, rules.tasks, policy)
        quals = required_qualifications(visit, rules.tasks, rules.items)
        counts = {d: 0 for d in need}
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
            reason = jurisdiction_reason(inspector, entity, policy) or department_reason(
                inspector, quals[department], rules.instance.window_end,
                rules.available[inspector_id], rules.capacity[inspector_id])
            reason = reason or visit_reason(inspector, entity, rules.instance.conflicts,
                                            last_team(entity, department), policy)
            if reason is not None:
                problems.append(f"{visit.id}: {inspector_id} is not eligible ({reason})")
            if day in inspector.unavailable:
                problems.append(f"{visit.id}: {inspector_id} is unavailable on {day.isoformat()}")
        for department in sorted(need):
            if counts[department] != need[department]:
                problems.append(f"{visit.id}: {rules.department_name(department)} has {counts[department]} "
                                f"inspector(s) on the team, {need[department]} required")
        members = sorted(set(team))
        for a_index, a in enumerate(members):
            for b in members[a_index + 1:]:
                if frozenset((a, b)) in rules.instance.pair_conflicts:
                    problems.append(f"{visit.id}: {a} and {b} must not serve on one team")
        return problems


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
