"""Merging the tasks' samples into visits (综合查一次).

Every distinct sampled entity becomes one :class:`~solver.model.Visit` that
covers all the tasks that drew it: ``tasks`` in instance order,
``departments`` the sorted union of those tasks' lead and participating
departments, ``priority`` the entity's coordinated u (also under the
independent policy). Visits are numbered ``V00001``, ``V00002``, … in
ascending (priority, USCC); past 99999 the number simply grows a digit.
"""

from __future__ import annotations

from solver.model import Instance, Visit
from solver.sampling import Sampling


def visit_id(number: int) -> str:
    """The id of the visit numbered ``number``.

    >>> visit_id(7), visit_id(123456)
    ('V00007', 'V123456')
    """
    return f"V{number:05d}"


def merge_samples(instance: Instance, sampling: Sampling) -> tuple[Visit, ...]:
    """One visit per distinct sampled entity, in id order."""
    tasks_of: dict[str, list[str]] = {}
    departments_of: dict[str, set[str]] = {}
    by_id = {t.id: t for t in instance.tasks}
    for sample in sampling.tasks:  # instance order
        task = by_id[sample.task]
        for uscc in sample.usccs:
            tasks_of.setdefault(uscc, []).append(task.id)
            departments_of.setdefault(uscc, set()).update(task.departments)
    order = sorted(tasks_of, key=lambda uscc: (sampling.priority[uscc], uscc))
    return tuple(
        Visit(id=visit_id(number), uscc=uscc, tasks=tuple(tasks_of[uscc]),
              departments=tuple(sorted(departments_of[uscc])), priority=sampling.priority[uscc])
        for number, uscc in enumerate(order, start=1))
