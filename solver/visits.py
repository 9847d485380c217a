"""Merging the tasks' samples into visits (综合查一次).

Every distinct sampled entity becomes one :class:`~solver.model.Visit` that
covers all the tasks that drew it: ``tasks`` in instance order,
``departments`` the sorted union of those tasks' lead and participating
departments, ``priority`` the entity's coordinated u (also under the
independent policy). Visits are numbered ``V00001``, ``V00002``, … in
ascending (priority, USCC); past 99999 the number simply grows a digit.
"""

from __future__ import annotations

from solver.model import Instance, Visit, new_visit
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
    for sample in sampling.tasks:  # instance order
        task_id = sample.task
        for uscc in sample.usccs:
            found = tasks_of.get(uscc)
            if found is None:
                tasks_of[uscc] = [task_id]
            else:
                found.append(task_id)
    by_id = {t.id: t for t in instance.tasks}
    departments_of: dict[tuple[str, ...], tuple[str, ...]] = {}  # the same for every entity of those tasks
    priority = sampling.priority
    order = sorted(tasks_of, key=lambda uscc: (priority[uscc], uscc))
    visits = []
    for number, uscc in enumerate(order, start=1):
        tasks = tuple(tasks_of[uscc])
        departments = departments_of.get(tasks)
        if departments is None:
            departments = departments_of[tasks] = tuple(sorted({d for t in tasks for d in by_id[t].departments}))
        visits.append(new_visit(visit_id(number), uscc, tasks, departments, priority[uscc]))
    return tuple(visits)
