"""What the public sees of the published results (一公开): the results index
(plans → tasks with their numbers of published records), one task's results
bulletin (结果公告), and one record with its revisions.

Everything here reads the public record (``published_result`` and
``published_result_task``) only, never a visit's result rows, so nothing
that is not published (draft, submitted or returned results, remarks, the
operator of an individual business) can reach a public page. Plans in draft
are not public; a task of one is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Draw, Plan, PublishedResult, PublishedResultTask, ResultCode, Task
from .messages import _, english

BULLETIN_PAGE = 50


def public_plans(session: Session) -> list[Plan]:
    """Published plans (and superseded versions), newest year first."""
    return list(session.exec(select(Plan).where(Plan.status != "draft")
                             .order_by(Plan.year.desc(), Plan.number, Plan.version.desc())))


def record_counts(session: Session, task_ids=None) -> dict[int, int]:
    """Task id → its number of current published records."""
    c, t = PublishedResult.__table__.c, PublishedResultTask.__table__.c
    query = (sa.select(t.task_id, sa.func.count()).select_from(
        PublishedResultTask.__table__.join(PublishedResult.__table__, c.id == t.published_id))
        .where(c.current.is_(True)).group_by(t.task_id))
    if task_ids is not None:
        query = query.where(t.task_id.in_(list(task_ids)))
    return dict(session.execute(query).all())


@dataclass
class PlanResults:
    plan: Plan
    tasks: list[tuple[int, Task, int]]  # (number within the plan, task, published records)


def results_index(session: Session) -> list[PlanResults]:
    plans = public_plans(session)
    if not plans:
        return []
    tasks: dict[int, list[Task]] = {}
    for task in session.exec(select(Task).where(Task.plan_id.in_([p.id for p in plans])).order_by(Task.id)):
        tasks.setdefault(task.plan_id, []).append(task)
    counts = record_counts(session)
    return [PlanResults(p, [(n, t, counts.get(t.id, 0)) for n, t in enumerate(tasks.get(p.id, []), 1)])
            for p in plans]


def department_names(session: Session) -> dict[str, str]:
    from .messages import department_names as names

    return names(session)


def bulletin_title(department: str, year: int, number: int) -> str:
    """'XX局YYYY年度第N号抽查任务检查结果公告'."""
    return _("%(d)s%(y)s年度第%(n)s号抽查任务检查结果公告", d=department, y=year, n=number)


def code_labels(session: Session, versions) -> dict[tuple[int, str], str]:
    """(code version, code) → the code's public wording in the request's
    language; a sub-code reads "parent（sub-code）"."""
    versions = sorted(set(versions))
    if not versions:
        return {}
    en = english()
    rows = list(session.exec(select(ResultCode).where(ResultCode.version.in_(versions))))
    name = {(r.version, r.code): (r.name_en if en and r.name_en else r.name_zh) for r in rows}
    out = {}
    for r in rows:
        label = name[(r.version, r.code)]
        if r.parent_code and (r.version, r.parent_code) in name:
            parent = name[(r.version, r.parent_code)]
            label = f"{parent} ({label})" if en else f"{parent}（{label}）"
        out[(r.version, r.code)] = label
    return out


@dataclass
class Bulletin:
    task: Task
    plan: Plan
    number: int  # the task's number within its plan
    title: str
    authority: list[str]  # department names, lead first
    total: int
    page: int
    pages: int
    records: list[PublishedResult]
    labels: dict[tuple[int, str], str]
    size: int = BULLETIN_PAGE

    @property
    def first(self) -> int:
        """The sequence number of the page's first record."""
        return (self.page - 1) * self.size + 1


def task_number(session: Session, task: Task) -> int:
    ids = session.exec(select(Task.id).where(Task.plan_id == task.plan_id).order_by(Task.id)).all()
    return list(ids).index(task.id) + 1


def public_task(session: Session, task_id: int) -> tuple[Task, Plan] | None:
    task = session.get(Task, task_id)
    plan = session.get(Plan, task.plan_id) if task is not None else None
    if plan is None or plan.status == "draft":
        return None
    return task, plan


def bulletin(session: Session, task_id: int, page: int = 1, size: int = BULLETIN_PAGE) -> Bulletin | None:
    """The results bulletin of a task of a public plan (None: no such task,
    or its plan is a draft), ``page`` of ``size`` records (the last page
    when past the end)."""
    found = public_task(session, task_id)
    if found is None:
        return None
    task, plan = found
    names = department_names(session)
    c, t = PublishedResult.__table__.c, PublishedResultTask.__table__.c
    # every row of the task, less those of records a correction replaced
    # (few; found from the other side): two index-only counts, not a join
    # over the task's records
    rows = session.execute(sa.select(sa.func.count()).select_from(PublishedResultTask.__table__)
                           .where(t.task_id == task.id)).scalar()
    replaced = session.execute(sa.select(sa.func.count()).select_from(
        PublishedResult.__table__.join(PublishedResultTask.__table__, t.published_id == c.id))
        .where(c.current.is_(False), t.task_id == task.id)).scalar()
    total = rows - replaced
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    # the page in the bulletin's order, read along ix_published_result_task_order
    ids = session.execute(sa.select(t.published_id).select_from(
        PublishedResultTask.__table__.join(PublishedResult.__table__, c.id == t.published_id))
        .where(t.task_id == task.id, c.current.is_(True))
        .order_by(t.completed_on, t.uscc, t.published_id).offset((page - 1) * size).limit(size)).scalars().all()
    found = {r.id: r for r in session.exec(select(PublishedResult).where(PublishedResult.id.in_(ids)))}
    records = [found[i] for i in ids]
    number = task_number(session, task)
    lead = names.get(task.department, task.department)
    authority = [names.get(d, d) for d in dict.fromkeys([task.department] + list(task.participating or []))]
    return Bulletin(task, plan, number, bulletin_title(lead, plan.year, number), authority, total, page, pages,
                    records, code_labels(session, {r.code_version for r in records}), size)


def task_items(record: PublishedResult, task: Task) -> list[dict]:
    """The record's items that belong to ``task`` (a joint visit covers the
    items of several tasks; the record page shows them all)."""
    mine = set(task.items or [])
    return [i for i in record.items if i.get("item") in mine] or list(record.items)


@dataclass
class RecordPage:
    record: PublishedResult  # the current revision
    revisions: list[PublishedResult]  # every revision, newest first
    shown: PublishedResult  # the revision asked for
    plan: Plan
    draw_code: str | None
    tasks: list[tuple[Task, int, str]]  # (task, number, bulletin title)
    authority: list[str]
    labels: dict[tuple[int, str], str]


def record_page(session: Session, published_id: int) -> RecordPage | None:
    shown = session.get(PublishedResult, published_id)
    if shown is None:
        return None
    revisions = list(session.exec(select(PublishedResult).where(PublishedResult.visit_pk == shown.visit_pk)
                                  .order_by(PublishedResult.revision.desc())))
    current = next((r for r in revisions if r.current), revisions[0])
    plan = session.get(Plan, current.plan_id)
    draw = session.get(Draw, current.draw_id)
    names = department_names(session)
    task_ids = session.exec(select(PublishedResultTask.task_id)
                            .where(PublishedResultTask.published_id == current.id)).all()
    tasks = []
    for task in session.exec(select(Task).where(Task.id.in_(list(task_ids))).order_by(Task.id)):
        number = task_number(session, task)
        tasks.append((task, number, bulletin_title(names.get(task.department, task.department), plan.year, number)))
    return RecordPage(current, revisions, shown, plan, draw.code if draw is not None else None, tasks,
                      [names.get(d, d) for d in current.departments],
                      code_labels(session, {r.code_version for r in revisions}))

