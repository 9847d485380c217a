"""Publication of approved results (一公开): the public record of a check.

* :func:`publish` freezes an approved :class:`~..visit_models.VisitResult`
  into a :class:`~..models.PublishedResult` (with its
  :class:`~..models.PublishedResultTask` rows) as the national enterprise
  credit publicity system (GSXT) shows it: plan, tasks, type (定向 if any of
  the visit's tasks is directed), inspecting authority (the departments),
  completion date, and per item its name and result code. Remarks are never
  copied; the code's public wording is rendered from the code table when
  shown. An individual business's name is masked here
  (:mod:`.masking`) and its operator is never stored.
* It runs in the approval's transaction (:func:`.review.approve` calls it
  before committing): an approved result is public at once, or neither is.
* A correction — a later revision of the result, approved again — publishes
  revision + 1 of the record with the result's revision reason as its
  public ``correction_reason``; the earlier row stays, ``current`` False.
* ``deadline`` is 20 working days after completion on the working-day
  calendar (the computation of the planner's draw results page,
  :func:`.review.publication_deadlines`); ``on_time`` whether the first
  publication came on or before it (a correction keeps both of the first).
* :func:`publish_due` publishes approved results that are not yet public
  (approved before publication existed, or by a run that failed) and lists
  the completed checks whose result is still unpublished with their
  deadline passed or at most 5 working days away. The scheduler (a later
  issue) calls it daily; until then ``flask --app wsgi results publish-due``
  does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import CheckItem, Draw, DrawVisit, Entity, Plan, PublishedResult, PublishedResultTask, utcnow
from ..visit_models import ItemResult, VisitResult
from . import audit, public_index, result_codes, review, visit_access
from .masking import public_name

BEIJING = ZoneInfo("Asia/Shanghai")

SYSTEM = "system"


class PublicationError(ValueError):
    """The result cannot be published (not approved, not current, or its
    visit is not live)."""


def _items(session: Session, result: VisitResult, tasks) -> tuple[list[dict], int, int]:
    """The record's items (no remarks), and its numbers of problems and of
    items ordered rectified by a deadline."""
    rows = list(session.exec(select(ItemResult).where(ItemResult.result_id == result.id).order_by(ItemResult.id)))
    names = {i.id: i.name for i in session.exec(select(CheckItem).where(
        CheckItem.id.in_([r.item_id for r in rows])))} if rows else {}
    task_of: dict[int, int] = {}
    for task in tasks:
        for item_id in task.items or []:
            task_of.setdefault(item_id, task.id)
    items = [{"item": r.item_id, "task": task_of.get(r.item_id), "department": r.department,
              "name": names.get(r.item_id, ""), "code": r.code} for r in rows]
    problems = sum(1 for r in rows if result_codes.is_problem(r.code))
    ordered = sum(1 for r in rows if r.rectify_by is not None)
    return items, problems, ordered


def current_record(session: Session, visit_pk: int) -> PublishedResult | None:
    return session.exec(select(PublishedResult).where(PublishedResult.visit_pk == visit_pk,
                                                      PublishedResult.current.is_(True))).first()


def published_moment(today: date) -> datetime:
    """When a record published on ``today`` was published: now, or — when
    ``today`` is not the current day (the demo's past, a test's frozen
    clock) — noon of ``today`` in Beijing, so that the date shown agrees
    with the ``on_time`` computed from ``today``."""
    now = utcnow()
    if now.astimezone(BEIJING).date() == today:
        return now
    return datetime.combine(today, time(12), BEIJING).astimezone(timezone.utc)


def publish(session: Session, result: VisitResult, actor: str | None, today: date) -> PublishedResult:
    """Publish the approved, current ``result`` (idempotent: a result
    already published returns its record). Flushes; the caller commits."""
    session.refresh(result)  # the approval moved it with a conditional UPDATE
    done = session.exec(select(PublishedResult).where(PublishedResult.result_id == result.id)).first()
    if done is not None:
        return done
    if result.state != "approved" or not result.current:
        raise PublicationError(f"result {result.id} is not the current approved result")
    visit = session.get(DrawVisit, result.visit_pk)
    draw = session.get(Draw, visit.draw_id) if visit is not None else None
    if visit is None or not visit_access.is_live(draw, visit):
        raise PublicationError(f"result {result.id}: its visit is not live")
    plan = session.get(Plan, draw.plan_id)
    tasks = visit_access.visit_tasks(session, draw, visit)
    lead = visit_access.lead_department(session, draw, visit)
    departments = [lead] + [d for d in dict.fromkeys(
        [t.department for t in tasks] + [p for t in tasks for p in t.participating or []]
        + list(visit.departments or [])) if d != lead]
    entity = session.exec(select(Entity).where(Entity.uscc == visit.uscc)).first()
    name, individual = public_name(entity.name if entity else visit.entity_name,
                                   entity.type if entity else None, entity.legal_rep if entity else None)
    completed_on = result.completed_on or visit.day
    previous = current_record(session, visit.id)
    if previous is None:
        deadline = review.publication_deadlines(session, [completed_on]).get(completed_on)
        on_time = None if deadline is None else today <= deadline
        correction = None
    else:
        deadline, on_time = previous.deadline, previous.on_time
        correction = result.revision_reason or "—"
        previous.current = False
        session.add(previous)
        session.flush()
    items, problems, ordered = _items(session, result, tasks)
    record = PublishedResult(
        visit_pk=visit.id, result_id=result.id, draw_id=draw.id,
        revision=previous.revision + 1 if previous else 1, current=True, correction_reason=correction,
        published_by=actor or SYSTEM, uscc=visit.uscc, entity_name=name[:200],
        entity_type=(entity.type if entity else None), individual=individual, district=visit.district,
        plan_id=plan.id, year=plan.year, directed=any(t.directed for t in tasks), departments=departments,
        lead_department=lead, joint=len(departments) > 1, completed_on=completed_on, deadline=deadline,
        on_time=on_time, items=items, code_version=result.code_version, problems=problems, ordered=ordered,
        published_at=published_moment(today))
    session.add(record)
    session.flush()
    session.add_all([PublishedResultTask(published_id=record.id, task_id=t.id, completed_on=record.completed_on,
                                         uscc=record.uscc) for t in tasks])
    public_index.index_entity(session, visit.uscc, record.entity_name, visit.district, completed_on,
                              records_delta=0 if previous else 1)
    session.flush()
    audit.record(session, actor=actor or SYSTEM, action="result.published", object_type="visit", object_id=visit.id,
                 details={"result": result.id, "record": record.id, "revision": record.revision,
                          "correction": previous is not None})
    return record


# --- approved but unpublished results, and overdue ones ---

@dataclass(slots=True)
class Pending:
    """A completed check whose result is not public yet."""

    visit_pk: int
    visit_id: str
    draw_id: int
    uscc: str
    entity_name: str  # internal (planner pages only)
    department: str | None  # the lead department
    state: str
    completed_on: date
    deadline: date | None
    flag: str | None  # "past", "soon" or None (not yet due; deadline unknown)


@dataclass
class DueReport:
    published: list[PublishedResult] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (result id, why)
    flagged: list[Pending] = field(default_factory=list)


def unpublished_approved(session: Session) -> list[VisitResult]:
    """Current approved results of live visits without a publication."""
    pr = PublishedResult.__table__.c
    query = (select(VisitResult).join(DrawVisit, DrawVisit.id == VisitResult.visit_pk)
             .join(Draw, Draw.id == DrawVisit.draw_id)
             .where(VisitResult.state == "approved", VisitResult.current.is_(True), DrawVisit.current.is_(True),
                    Draw.state == "sealed", Draw.cancelled_at.is_(None),
                    ~sa.exists().where(pr.result_id == VisitResult.id))
             .order_by(VisitResult.id))
    return list(session.exec(query))


def pending(session: Session, today: date, year: int | None = None,
            only_flagged: bool = False) -> list[Pending]:
    """The completed checks (submitted at least once, with a completion
    date) of live visits whose current result is not published, with their
    publication deadline and flag; ``year``: of plans of that year."""
    v, r, d, p = (DrawVisit.__table__.c, VisitResult.__table__.c, Draw.__table__.c, Plan.__table__.c)
    pr = PublishedResult.__table__.c
    query = (sa.select(v.id, v.visit_id, v.draw_id, v.uscc, v.entity_name, v.tasks, v.departments, d.plan_id,
                       r.state, r.completed_on)
             .select_from(DrawVisit.__table__.join(VisitResult.__table__, sa.and_(r.visit_pk == v.id,
                                                                                 r.current.is_(True)))
                          .join(Draw.__table__, d.id == v.draw_id).join(Plan.__table__, p.id == d.plan_id))
             .where(v.current.is_(True), d.state == "sealed", d.cancelled_at.is_(None),
                    r.completed_on.is_not(None),
                    sa.or_(r.state != "draft", r.revision > 1, r.submitted_at.is_not(None)),
                    ~sa.exists().where(pr.result_id == r.id))
             .order_by(r.completed_on, v.id))
    if year is not None:
        query = query.where(p.year == year)
    raw = session.execute(query).all()
    from ..models import Task

    plan_ids = {row[7] for row in raw}
    lead_of = {(pid, code): dept for pid, code, dept in session.execute(
        sa.select(Task.plan_id, Task.code, Task.department).where(Task.plan_id.in_(plan_ids))).all()} if raw else {}
    deadlines = review.publication_deadlines(session, {row[9] for row in raw})
    soon = review._soon_limit(session, today)
    out = []
    for pk, visit_id, draw_id, uscc, name, tasks, depts, plan_id, state, completed_on in raw:
        deadline = deadlines.get(completed_on)
        flag = None
        if deadline is not None:
            flag = "past" if deadline < today else ("soon" if deadline <= soon else None)
        if only_flagged and flag is None:
            continue
        lead = lead_of.get((plan_id, (tasks or [None])[0])) or (depts or [None])[0]
        out.append(Pending(pk, visit_id, draw_id, uscc, name, lead, state, completed_on, deadline, flag))
    return out


def publish_due(session: Session, today: date, actor: str | None = None) -> DueReport:
    """Publish every approved result that is not public yet (each in its
    own savepoint: one failure does not stop the others), then flag the
    completed checks still unpublished whose deadline has passed or is at
    most 5 working days away. Commits. Called daily by the scheduler (a
    later issue); ``flask --app wsgi results publish-due`` runs it by hand."""
    report = DueReport()
    for result in unpublished_approved(session):
        try:
            with session.begin_nested():
                report.published.append(publish(session, result, actor, today))
        except (PublicationError, sa.exc.IntegrityError) as error:
            report.failed.append((result.id, str(error).splitlines()[0][:200]))
    session.commit()
    report.flagged = pending(session, today, only_flagged=True)
    return report
