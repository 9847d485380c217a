"""The team rules: what a visit needs, and which inspectors may staff it.

This module states the team rules once, as plain functions over the typed
instance (:mod:`solver.model`), one inspector and one visit at a time:

* :func:`team_requirement` — how many inspectors of each department a visit needs;
* :func:`required_qualifications` — which qualifications each department's
  inspectors must hold on that visit;
* :func:`department_reason` / :func:`visit_reason` (with :func:`jurisdiction_reason`
  and :func:`last_team`) — why an inspector may not staff a department's place on
  a visit (``None`` if they may), named by the reason constants, in rule order in
  ``DEPARTMENT_REASONS`` and ``VISIT_REASONS``;
* :func:`available_days` / :func:`capacity` — an inspector's working days and
  most visits in the window.

:mod:`solver.teams` applies them to a whole instance: the eligible inspectors of
every visit for the draw, and the violations of a finished draw for the verifier.

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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from solver.model import Entity, Inspector, Item, Policy, Task, Visit

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
    return frozenset(i for c in checks if c.date == latest for i in c.inspectors or ())


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
