"""The draw ceremony as a state machine (see docs/workflow.md).

::

    freezing --freeze job--> committed --entropy--> queued --draw job--> drawn --seal--> sealed
        \\__________________ failed (the inputs cannot be drawn) ____________/

* :func:`start_draw` (planner picks a batch's tasks): refuses a window without
  a known calendar; creates the draw and claims its tasks (``draw_task.task_key``
  is unique, so two planners pressing "draw" at once produce one draw: the
  loser gets :class:`DrawConflict` naming the existing one); queues a
  *freeze* job.
* the freeze job (:mod:`.draw_runs`) builds the instance, stores it, draws the
  secret and publishes ``frozen_digest`` and ``commitment``;
* :func:`enter_entropy` records the witnesses' digits and names and queues the
  *draw* job (a conditional update: only one entry wins);
* the draw job runs the solver and stores outcome and visits in one
  transaction;
* :func:`seal` confirms the outcome (``result_digest`` becomes public);
* :func:`reveal` publishes instance, secret and outcome.

Every step appends a :class:`DrawEvent`. Nothing here deletes or rewrites a
draw; the database refuses it too (migration 0004).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from ..models import Draw, DrawEvent, DrawJob, DrawTask, DrawVisit, DrawWitness, Plan, Task, utcnow
from . import calendar, scope
from .instance_builder import BuildError, task_document
from .plans import task_key
from .messages import _

HEARTBEAT_SECONDS = 5
STALE_SECONDS = 60


class DrawError(ValueError):
    """A refused ceremony step; the message says why."""


class DrawConflict(DrawError):
    """Another draw already covers the task(s)."""

    def __init__(self, message: str, draw: Draw | None) -> None:
        super().__init__(message)
        self.draw = draw


def event(session: Session, draw: Draw, action: str, actor: str | None = None, **detail) -> None:
    session.add(DrawEvent(draw_id=draw.id, action=action, actor=actor, detail=detail))


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# --- queries ---

def get_draw(session: Session, draw_id: int) -> Draw | None:
    return session.get(Draw, draw_id)


def get_by_code(session: Session, code: str) -> Draw | None:
    return session.exec(select(Draw).where(Draw.code == code)).first()


def list_draws(session: Session, plan_id: int | None = None) -> list[Draw]:
    query = select(Draw).order_by(Draw.id.desc())
    if plan_id is not None:
        query = query.where(Draw.plan_id == plan_id)
    return list(session.exec(query))


def drawn_task_keys(session: Session) -> dict[str, Draw]:
    """Task key → the draw holding the task (failed draws hold nothing)."""
    rows = session.exec(select(DrawTask.task_key, Draw).join(Draw, Draw.id == DrawTask.draw_id)
                        .where(Draw.state != "failed"))
    return {key.split("#")[0]: draw for key, draw in rows}


def history(session: Session, draw: Draw) -> list[Draw]:
    """The draw's chain: its ancestors and every redraw below it, by id."""
    root = draw
    while root.parent_id is not None:
        root = session.get(Draw, root.parent_id)
    chain, frontier = [root], [root.id]
    while frontier:
        children = list(session.exec(select(Draw).where(Draw.parent_id.in_(frontier))))
        chain.extend(children)
        frontier = [c.id for c in children]
    return sorted(chain, key=lambda d: d.id)


def events(session: Session, draw: Draw) -> list[DrawEvent]:
    return list(session.exec(select(DrawEvent).where(DrawEvent.draw_id == draw.id).order_by(DrawEvent.id)))


def witnesses(session: Session, draw: Draw) -> list[DrawWitness]:
    return list(session.exec(select(DrawWitness).where(DrawWitness.draw_id == draw.id).order_by(DrawWitness.sort)))


def visits(session: Session, draw: Draw) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.visit_id)))


def latest_job(session: Session, draw: Draw) -> DrawJob | None:
    return session.exec(select(DrawJob).where(DrawJob.draw_id == draw.id).order_by(DrawJob.id.desc())).first()


def job_is_stale(job: DrawJob, now: datetime | None = None) -> bool:
    """A running job whose worker stopped beating its heartbeat (killed)."""
    if job.state != "running":
        return False
    now = now or utcnow()
    stale = current_app.config.get("DRAW_STALE_SECONDS", STALE_SECONDS)
    beat = _aware(job.heartbeat or job.started_at or job.created_at)
    return beat < now - timedelta(seconds=stale)


def is_revealed(draw: Draw, today: date | None = None) -> bool:
    """Revealed by the planner, or sealed and its window closed."""
    today = today or date.today()
    return draw.state == "sealed" and (draw.revealed_at is not None or draw.window_end < today)


# --- the ceremony ---

def start_draw(session: Session, plan: Plan, task_ids: list[int], entropy_source: str,
               actor: str | None = None, user=None) -> tuple[Draw, DrawJob]:
    """Create a draw over ``task_ids`` of a published plan and queue its
    freeze job. The caller commits nothing; this function commits."""
    scope.require_draw_tasks(session, user, [session.get(Task, int(t)) for t in task_ids])
    if plan.status != "published":
        raise DrawError(_("只能对已公布的现行计划抽取（当前状态：%(s)s）", s=plan.status))
    entropy_source = (entropy_source or "").strip()
    if not entropy_source:
        raise DrawError(_("请写明将使用的外部随机数来源（例如：公证员现场掷骰的数字）"))
    if not task_ids:
        raise DrawError(_("请至少选择一个任务"))
    tasks = [session.get(Task, int(t)) for t in task_ids]
    if any(t is None or t.plan_id != plan.id for t in tasks):
        raise DrawError(_("所选任务不属于该计划"))
    tasks.sort(key=lambda t: t.id)
    windows = {(t.window_start, t.window_end) for t in tasks}
    if len(windows) > 1:
        raise DrawError(_("一次抽取的任务须有相同的检查时段；所选任务的时段为：%(w)s",
                          w="、".join(f"{a}–{b}" for a, b in sorted(windows))))
    start, end = windows.pop()
    try:
        calendar.require_years(session, start, end)
    except calendar.CalendarUnknown as error:
        raise DrawError(_("检查时段 %(a)s–%(b)s 没有已知的工作日安排，不能抽取：%(e)s", a=start, b=end, e=error)) from None
    for task in tasks:
        try:
            task_document(session, task)
        except BuildError as error:
            raise DrawError(str(error)) from None
    keys = {t.id: _free_key(session, task_key(plan, t)) for t in tasks}
    draw = Draw(plan_id=plan.id, window_start=start, window_end=end,
                task_codes=[t.code for t in tasks], entropy_source=entropy_source, created_by=actor)
    try:
        session.add(draw)
        session.flush()
        draw.code = f"D{plan.year}-{draw.id:04d}"
        for task in tasks:
            session.add(DrawTask(draw_id=draw.id, task_id=task.id, task_key=keys[task.id]))
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        taken = session.exec(select(DrawTask).where(DrawTask.task_key.in_(list(keys.values())))).first()
        raise _conflict(session, taken.task_key if taken else None, keys) from None
    job = DrawJob(draw_id=draw.id, kind="freeze")
    session.add(job)
    event(session, draw, "created", actor, tasks=draw.task_codes, window=[str(start), str(end)],
          entropy_source=entropy_source)
    session.commit()
    return draw, job


def _free_key(session: Session, base: str) -> str:
    """The key this draw claims for a task: the task's key, or after failed
    draws of it ``key#n`` (n = attempt). A task held by a draw that has not
    failed raises :class:`DrawConflict`. Two planners starting at once
    compute the same key, so the unique index lets only one of them in."""
    rows = session.exec(select(DrawTask, Draw).join(Draw, Draw.id == DrawTask.draw_id).where(
        sa.or_(DrawTask.task_key == base, DrawTask.task_key.startswith(base + "#", autoescape=True)))).all()
    for row, draw in rows:
        if draw.state != "failed":
            raise _conflict(session, row.task_key)
    return base if not rows else f"{base}#{len(rows) + 1}"


def _conflict(session: Session, key: str | None, keys: dict | None = None) -> DrawConflict:
    existing = None
    if key is not None:
        row = session.exec(select(DrawTask).where(DrawTask.task_key == key)).first()
        existing = session.get(Draw, row.draw_id) if row else None
    if existing is None:
        return DrawConflict(_("所选任务已被另一次抽取占用"), None)
    return DrawConflict(_("任务 %(k)s 已在抽取 %(c)s 中（由 %(u)s 发起），不会重复抽取",
                          k=key.split("#")[0], c=existing.code, u=existing.created_by or "?"), existing)


def enter_entropy(session: Session, draw: Draw, entropy: str, witness_list: list[tuple[str, str]],
                  actor: str | None = None, user=None) -> DrawJob:
    """Record the external entropy and the witnesses; queue the draw job.
    Only the first of two simultaneous entries wins (conditional update)."""
    scope.require_draw(session, user, draw)
    entropy = (entropy or "").strip()
    if not entropy:
        raise DrawError(_("请输入外部随机数（见证人或公证员现场产生的数字）"))
    if len(entropy) > 200:
        raise DrawError(_("外部随机数过长（最多 200 个字符）"))
    people = [(n.strip(), (r or "").strip()) for n, r in witness_list if n and n.strip()]
    if not people:
        raise DrawError(_("请至少填写一名见证人的姓名"))
    now = utcnow()
    result = session.execute(
        sa.update(Draw).where(Draw.id == draw.id, Draw.state == "committed")
        .values(state="queued", external_entropy=entropy, entropy_at=now, entropy_by=actor))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(draw)
        raise DrawError(_("抽取 %(c)s 当前状态为“%(s)s”，不能再输入随机数（已由 %(u)s 输入）",
                          c=draw.code, s=draw.state, u=draw.entropy_by or "?"))
    for n, (name, role) in enumerate(people):
        session.add(DrawWitness(draw_id=draw.id, name=name, role=role, sort=n))
    job = DrawJob(draw_id=draw.id, kind="draw")
    session.add(job)
    event(session, draw, "entropy", actor, external_entropy=entropy, witnesses=[p[0] for p in people])
    session.commit()
    session.refresh(draw)
    return job


def seal(session: Session, draw: Draw, actor: str | None = None, user=None) -> Draw:
    """Confirm a drawn outcome. A redraw's visits supersede the visit it
    replaces (both rows are kept)."""
    scope.require_draw(session, user, draw)
    now = utcnow()
    result = session.execute(sa.update(Draw).where(Draw.id == draw.id, Draw.state == "drawn")
                             .values(state="sealed", sealed_at=now, sealed_by=actor))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(draw)
        raise DrawError(_("抽取 %(c)s 当前状态为“%(s)s”，只有已抽取待确认的结果才能确认封存", c=draw.code, s=draw.state))
    if draw.parent_id is not None:
        old = session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.parent_id,
                                                   DrawVisit.visit_id == draw.redraw_visit).with_for_update()).one()
        if not old.current:
            session.rollback()
            session.refresh(draw)
            raise DrawError(_("检查 %(v)s 已被另一次重抽替换，本次重抽不能封存", v=draw.redraw_visit))
        new = visits(session, draw)
        old.current = False
        old.superseded_by_id = new[0].id if new else None
        session.add(old)
    event(session, draw, "sealed", actor, result_digest=draw.result_digest)
    session.commit()
    session.refresh(draw)
    return draw


def reveal(session: Session, draw: Draw, actor: str | None = None, user=None) -> Draw:
    scope.require_draw(session, user, draw)
    if draw.state != "sealed":
        raise DrawError(_("只有已封存的抽取才能公开"))
    if draw.revealed_at is not None:
        raise DrawError(_("抽取 %(c)s 已经公开", c=draw.code))
    draw.revealed_at, draw.revealed_by = utcnow(), actor
    session.add(draw)
    event(session, draw, "revealed", actor)
    session.commit()
    return draw


def retry_job(session: Session, draw: Draw, actor: str | None = None, now: datetime | None = None,
              user=None) -> DrawJob:
    """Queue the draw's interrupted or failed job again. The new run starts
    from the stored documents and gives the same result."""
    scope.require_draw(session, user, draw)
    job = latest_job(session, draw)
    if job is None:
        raise DrawError(_("该抽取没有后台任务"))
    stale = job_is_stale(job, now)
    if job.state in ("pending", "done") or (job.state == "running" and not stale):
        raise DrawError(_("后台任务状态为“%(s)s”，无需重新运行", s=job.state))
    if draw.state not in ("freezing", "queued"):
        raise DrawError(_("抽取 %(c)s 当前状态为“%(s)s”，不能重新运行", c=draw.code, s=draw.state))
    if stale:
        claimed = session.execute(sa.update(DrawJob).where(DrawJob.id == job.id, DrawJob.state == "running")
                                  .values(state="interrupted", finished_at=utcnow(),
                                          error="worker stopped (heartbeat lost)"))
        if claimed.rowcount != 1:
            session.rollback()
            raise DrawError(_("后台任务状态已改变，请刷新页面"))
    new = DrawJob(draw_id=draw.id, kind=job.kind, attempt=job.attempt + 1)
    session.add(new)
    event(session, draw, "retry", actor, kind=job.kind, attempt=new.attempt, previous=job.state if not stale else "interrupted")
    session.commit()
    return new
