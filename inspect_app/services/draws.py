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
* :func:`reveal` publishes instance, secret and outcome — only once the
  window has closed, with the planner's confirmation and reason; revealing
  an original draw reveals its sealed redraws with it. Otherwise the draw
  waits for :func:`.draw_reveal.reveal_due` (the worker, or ``flask draws
  reveal-due``), which reveals it once its window has closed *and* every
  visit is completed or reported. Nothing reveals a draw by date alone
  (:func:`is_revealed` reads ``revealed_at``);
* :func:`cancel` formally cancels a draw and its redraw chain (public, with a
  reason): its visits stop being current and its tasks may be drawn again;
  its outcome stays as confidential as before.

A window already closed is refused at every step that leads to a sealed
outcome (start, entropy, seal), so no outcome is public the moment it is
sealed. Every step appends a :class:`DrawEvent`; :func:`describe` renders one
in words. Nothing here deletes or rewrites a draw; the database refuses it
too (migrations 0004, 0009).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from ..models import Draw, DrawEvent, DrawJob, DrawTask, DrawVisit, DrawWitness, Plan, Task, utcnow
from . import audit, calendar, draw_size, scope, text_rules
from .instance_builder import BuildError, task_document
from .plans import task_key
from .messages import _

HEARTBEAT_SECONDS = 5
STALE_SECONDS = 60
# Lengths of the typed values (the columns' sizes) and the witnesses' number.
ENTROPY_MAX = 200
ENTROPY_SOURCE_MAX = 300
WITNESS_MAX = 100
REASON_MAX = 500
MAX_WITNESSES = 20
CANCELLABLE = ("committed", "drawn", "sealed")


class DrawError(ValueError):
    """A refused ceremony step; the message says why."""


class DrawTooLarge(DrawError):
    """The size guard refused the draw (services/draw_size.py): ``size`` is the
    estimate, ``limits`` the configured limits, ``exceeded`` which of them."""

    def __init__(self, error: draw_size.DrawTooLarge) -> None:
        super().__init__(str(error))
        self.size, self.limits, self.exceeded = error.size, error.limits, error.exceeded


class DrawConflict(DrawError):
    """Another draw already covers the task(s)."""

    def __init__(self, message: str, draw: Draw | None) -> None:
        super().__init__(message)
        self.draw = draw


# Event details kept out of the audit log: who or what a sealed draw drew
# (a redraw names the replaced inspector and the visit's entity).
AUDIT_WITHHELD = ("uscc", "inspector", "unavailable")


def event(session: Session, draw: Draw, action: str, actor: str | None = None, **detail) -> None:
    """One step of the draw's trail (``draw_event``, shown in words on the
    draw page) and its row in the audit log (``draw.<action>``), in the
    caller's transaction."""
    session.add(DrawEvent(draw_id=draw.id, action=action, actor=actor, detail=detail))
    audit.record(session, actor=actor, action=f"draw.{action}", object_type="draw", object_id=draw.code,
                 details={k: v for k, v in detail.items() if k not in AUDIT_WITHHELD})


def _today() -> date:
    """Today's date (one place, so that tests can move the clock)."""
    return date.today()


def checked_text(value, field: str, label: str, max_length: int, required: str | None = None) -> str:
    """``value`` checked by :func:`text_rules.check_text` (stripped), as a
    :class:`DrawError` naming ``label``; ``required`` is the message for an
    empty value (None: empty allowed)."""
    try:
        value = text_rules.check_text(value if value is not None else "", field=field, max_length=max_length)
    except text_rules.TextError as error:
        raise DrawError(text_rules.message(error, label)) from None
    if required and not value:
        raise DrawError(required)
    return value


def _refuse_closed_window(draw_or_end, today: date | None) -> None:
    end = draw_or_end if isinstance(draw_or_end, date) else draw_or_end.window_end
    if end < (today or _today()):
        raise DrawError(_("检查时段已于 %(d)s 结束：过去时段的抽取结果一经封存即公开，不能抽取", d=end))


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


def holds_tasks(draw: Draw) -> bool:
    """Whether the draw holds its tasks (failed and cancelled draws do not)."""
    return draw.state != "failed" and draw.cancelled_at is None


def drawn_task_keys(session: Session) -> dict[str, Draw]:
    """Task key → the draw holding the task (failed and cancelled draws hold nothing)."""
    rows = session.exec(select(DrawTask.task_key, Draw).join(Draw, Draw.id == DrawTask.draw_id)
                        .where(Draw.state != "failed", Draw.cancelled_at.is_(None)))
    return {key.split("#")[0]: draw for key, draw in rows}


def root_of(session: Session, draw: Draw) -> Draw:
    """The original draw at the top of a redraw chain."""
    root = draw
    while root.parent_id is not None:
        root = session.get(Draw, root.parent_id)
    return root


def history(session: Session, draw: Draw) -> list[Draw]:
    """The draw's chain: its ancestors and every redraw below it, by id."""
    root = root_of(session, draw)
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


def window_closed(draw: Draw, today: date | None = None) -> bool:
    return draw.window_end < (today or _today())


def reveal_after(draw: Draw) -> date:
    """The last day the draw stays confidential: its window's end, or later
    when its instance shows visits of other draws whose windows end later
    (``history_until``, set at freeze)."""
    if draw.history_until is not None and draw.history_until > draw.window_end:
        return draw.history_until
    return draw.window_end


def revealable(draw: Draw, today: date | None = None) -> bool:
    """Whether the draw *may* be revealed today: its window (and
    ``history_until``) has passed. Whether it *is* revealed is
    :func:`is_revealed`."""
    return reveal_after(draw) < (today or _today())


def is_revealed(draw: Draw, session: Session | None = None) -> bool:
    """Sealed and revealed: ``revealed_at`` is set — by the planner's
    :func:`reveal` or by :func:`.draw_reveal.reveal_due`, both possible only
    once the window has closed. The date alone reveals nothing. A redraw is
    revealed only with its root draw (checked when ``session`` is given;
    both reveal paths reveal a root's sealed redraws with it). A cancelled
    draw follows the same rules."""
    if draw.state != "sealed" or draw.revealed_at is None:
        return False
    if draw.parent_id is not None and session is not None:
        return is_revealed(root_of(session, draw), session)
    return True


# --- the ceremony ---

def start_draw(session: Session, plan: Plan, task_ids: list[int], entropy_source: str,
               actor: str | None = None, today: date | None = None, user=None) -> tuple[Draw, DrawJob]:
    """Create a draw over ``task_ids`` of a published plan and queue its
    freeze job. The caller commits nothing; this function commits."""
    scope.require_draw_tasks(session, user, [session.get(Task, int(t)) for t in task_ids])
    if plan.status != "published":
        raise DrawError(_("只能对已公布的现行计划抽取（当前状态：%(s)s）", s=plan.status))
    entropy_source = checked_text(entropy_source, "entropy_source", _("外部随机数来源"), ENTROPY_SOURCE_MAX,
                                  required=_("请写明将使用的外部随机数来源（例如：公证员现场掷骰的数字）"))
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
    _refuse_closed_window(end, today)
    try:
        calendar.require_years(session, start, end)
    except calendar.CalendarUnknown as error:
        raise DrawError(_("检查时段 %(a)s–%(b)s 没有已知的工作日安排，不能抽取：%(e)s", a=start, b=end, e=error)) from None
    task_docs = []
    for task in tasks:
        try:
            task_docs.append(task_document(session, task)[0])
        except BuildError as error:
            raise DrawError(str(error)) from None
    try:  # the size guard: refuse what this machine cannot draw, with the numbers
        draw_size.check(session, task_docs)
    except draw_size.DrawTooLarge as error:
        raise DrawTooLarge(error) from None
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
    or cancelled draws of it ``key#n`` (n = attempt). A task held by a draw
    that has neither failed nor been cancelled raises :class:`DrawConflict`. Two planners starting at once
    compute the same key, so the unique index lets only one of them in."""
    rows = session.exec(select(DrawTask, Draw).join(Draw, Draw.id == DrawTask.draw_id).where(
        sa.or_(DrawTask.task_key == base, DrawTask.task_key.startswith(base + "#", autoescape=True)))).all()
    for row, draw in rows:
        if holds_tasks(draw):
            raise _conflict(session, row.task_key)
    return base if not rows else f"{base}#{len(rows) + 1}"


def _conflict(session: Session, key: str | None, keys: dict | None = None) -> DrawConflict:
    existing = None
    if key is not None:
        row = session.exec(select(DrawTask).where(DrawTask.task_key == key)).first()
        existing = session.get(Draw, row.draw_id) if row else None
    if existing is None:
        return DrawConflict(_("所选任务已被另一次抽取占用"), None)
    label = "、".join(existing.task_codes or []) or key.split("#")[0]
    return DrawConflict(_("任务 %(k)s 已在抽取 %(c)s 中（由 %(u)s 发起），不会重复抽取；如需重新抽取，须先正式作废该抽取",
                          k=label, c=existing.code, u=existing.created_by or "?"), existing)


def enter_entropy(session: Session, draw: Draw, entropy: str, witness_list: list[tuple[str, str]],
                  actor: str | None = None, today: date | None = None, user=None) -> DrawJob:
    """Record the external entropy and the witnesses; queue the draw job.
    Only the first of two simultaneous entries wins (conditional update)."""
    scope.require_draw(session, user, draw)
    entropy = checked_text(entropy, "external_entropy", _("外部随机数"), ENTROPY_MAX,
                           required=_("请输入外部随机数（见证人或公证员现场产生的数字）"))
    people = []
    for n, (name, role) in enumerate(witness_list):
        name = checked_text(name, f"witness_name_{n + 1}", _("见证人姓名"), WITNESS_MAX)
        role = checked_text(role, f"witness_role_{n + 1}", _("见证人身份"), WITNESS_MAX)
        if name:
            people.append((name, role))
    if not people:
        raise DrawError(_("请至少填写一名见证人的姓名"))
    if len(people) > MAX_WITNESSES:
        raise DrawError(_("见证人最多 %(n)s 名", n=MAX_WITNESSES))
    if draw.cancelled_at is not None:
        raise DrawError(_("抽取 %(c)s 已作废", c=draw.code))
    _refuse_closed_window(draw, today)
    now = utcnow()
    result = session.execute(
        sa.update(Draw).where(Draw.id == draw.id, Draw.state == "committed", Draw.cancelled_at.is_(None))
        .values(state="queued", external_entropy=entropy, entropy_at=now, entropy_by=actor))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(draw)
        if draw.cancelled_at is not None:
            raise DrawError(_("抽取 %(c)s 已作废", c=draw.code))
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


def seal(session: Session, draw: Draw, actor: str | None = None, today: date | None = None, user=None) -> Draw:
    """Confirm a drawn outcome. A redraw's visits supersede the visit it
    replaces (both rows are kept). A draw whose window has closed is not
    sealed (it would be public at once): cancel it instead."""
    scope.require_draw(session, user, draw)
    if draw.cancelled_at is not None:
        raise DrawError(_("抽取 %(c)s 已作废", c=draw.code))
    if draw.state == "drawn":
        _refuse_closed_window(draw, today)
    now = utcnow()
    result = session.execute(sa.update(Draw).where(Draw.id == draw.id, Draw.state == "drawn",
                                                   Draw.cancelled_at.is_(None))
                             .values(state="sealed", sealed_at=now, sealed_by=actor))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(draw)
        if draw.cancelled_at is not None:
            raise DrawError(_("抽取 %(c)s 已作废", c=draw.code))
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
    from . import check_codes  # the visits' check codes (扫码入企), sealed with the draw

    check_codes.issue_codes(session, draw)
    session.commit()
    session.refresh(draw)
    return draw


def reveal(session: Session, draw: Draw, reason: str = "", confirmed: bool = False, actor: str | None = None,
           today: date | None = None, user=None) -> Draw:
    """Publish a sealed draw's instance, secret and outcome, recording who
    and why: the planner's explicit reveal, possibly before every visit is
    completed (otherwise :func:`.draw_reveal.reveal_due` does it). Only once
    its window has closed and the draws its history shows are revealed
    (:func:`.draw_reveal.waiting_for`), only with the planner's explicit
    confirmation and a reason; an original draw's sealed redraws are revealed with it (same
    reason, each with its trail event), a redraw alone only after its root.
    Of simultaneous reveals one wins (conditional update); the others get a
    :class:`DrawError`."""
    scope.require_draw(session, user, draw)
    today = today or _today()
    if draw.state != "sealed":
        raise DrawError(_("只有已封存的抽取才能公开"))
    if draw.revealed_at is not None:
        raise DrawError(_("抽取 %(c)s 已经公开（由 %(u)s 公开）", c=draw.code, u=draw.revealed_by or "?"))
    if not window_closed(draw, today):
        raise DrawError(_("检查时段 %(a)s–%(b)s 结束前不能公开：抽取名单须在检查完成前保密",
                          a=draw.window_start, b=draw.window_end))
    if not revealable(draw, today):
        raise DrawError(_("本次抽取的输入含有其他抽取（检查时段至 %(d)s）的检查安排，%(d)s 之后才能公开",
                          d=reveal_after(draw)))
    from . import draw_reveal  # the draws this one's history shows: revealed first

    draw_reveal.refuse_waiting(session, draw)
    reason = checked_text(reason, "reveal_reason", _("公开原因"), REASON_MAX, required=_("请填写公开原因"))
    if not confirmed:
        raise DrawError(_("请勾选确认：公开后输入、密钥和结果将向社会公开，不能撤回"))
    if draw.parent_id is not None:
        root = root_of(session, draw)
        if not is_revealed(root, session):
            raise DrawError(_("重抽只能在原始抽取 %(c)s 公开时或之后公开", c=root.code))
    result = session.execute(sa.update(Draw).where(Draw.id == draw.id, Draw.state == "sealed",
                                                   Draw.revealed_at.is_(None))
                             .values(revealed_at=utcnow(), revealed_by=actor, reveal_reason=reason))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(draw)
        raise DrawError(_("抽取 %(c)s 已经公开（由 %(u)s 公开）", c=draw.code, u=draw.revealed_by or "?"))
    event(session, draw, "revealed", actor, reason=reason)
    if draw.parent_id is None:
        from .draw_reveal import reveal_redraws  # the chain's sealed redraws, with their root

        reveal_redraws(session, draw, actor, reason)
    session.commit()
    session.refresh(draw)
    return draw


def cancel(session: Session, draw: Draw, reason: str, confirmed: bool = False, actor: str | None = None,
           user=None) -> Draw:
    """Formally cancel an original draw and every redraw in its chain: the
    cancellation (who, when, why) is public on the register; the chain's
    visits stop being current; the tasks may be drawn again (a new draw);
    the outcome stays as confidential as before (:func:`is_revealed`)."""
    scope.require_draw(session, user, draw)
    if draw.parent_id is not None:
        raise DrawError(_("重抽不能单独作废；请作废原始抽取 %(c)s（连同其全部重抽）", c=root_of(session, draw).code))
    if draw.cancelled_at is not None:
        raise DrawError(_("抽取 %(c)s 已于 %(t)s 作废", c=draw.code, t=draw.cancelled_at.strftime("%Y-%m-%d %H:%M")))
    if draw.state not in CANCELLABLE:
        raise DrawError(_("抽取 %(c)s 当前状态为“%(s)s”，不能作废", c=draw.code, s=draw.state))
    reason = checked_text(reason, "cancel_reason", _("作废原因"), REASON_MAX, required=_("请填写作废原因（将公示）"))
    if not confirmed:
        raise DrawError(_("请勾选确认：作废将公示，且不能撤回"))
    now = utcnow()
    result = session.execute(sa.update(Draw).where(Draw.id == draw.id, Draw.cancelled_at.is_(None),
                                                   Draw.state.in_(CANCELLABLE))
                             .values(cancelled_at=now, cancelled_by=actor, cancel_reason=reason))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(draw)
        raise DrawError(_("抽取 %(c)s 已作废或状态已改变，请刷新页面", c=draw.code))
    chain = history(session, draw)
    redraws = [d for d in chain if d.id != draw.id and d.state != "failed" and d.cancelled_at is None]
    for d in redraws:
        session.execute(sa.update(Draw).where(Draw.id == d.id, Draw.cancelled_at.is_(None))
                        .values(cancelled_at=now, cancelled_by=actor, cancel_reason=reason))
        event(session, d, "cancelled", actor, reason=reason, root=draw.code)
    ids = [d.id for d in chain]
    stopped = session.execute(sa.update(DrawVisit).where(DrawVisit.draw_id.in_(ids), DrawVisit.current.is_(True))
                              .values(current=False)).rowcount
    event(session, draw, "cancelled", actor, reason=reason, redraws=[d.code for d in redraws], visits=stopped)
    session.commit()
    session.refresh(draw)
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
    if draw.cancelled_at is not None:
        raise DrawError(_("抽取 %(c)s 已作废", c=draw.code))
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


# --- the trail in words ---

def _names(values) -> str:
    return "、".join(str(v) for v in values or []) or "—"


def describe(entry: DrawEvent) -> str:
    """One trail event as a sentence (the actor and time are shown beside it)."""
    d = entry.detail or {}
    action = entry.action
    if action == "created" and d.get("parent"):
        if d.get("cause") == "inspector":
            what = _("更换检查人员 %(i)s", i=d.get("inspector") or "?")
        else:
            what = _("更换检查对象")
        return _("申请重抽抽取 %(p)s 的检查 %(v)s（%(w)s），原因：%(r)s；检查时段 %(a)s–%(b)s；外部随机数来源：%(s)s",
                 p=d.get("parent"), v=d.get("visit", "?"), w=what, r=d.get("reason") or "—",
                 a=(d.get("window") or ["?", "?"])[0], b=(d.get("window") or ["?", "?"])[-1],
                 s=d.get("entropy_source") or "—")
    if action == "created":
        return _("发起抽取，任务 %(t)s，检查时段 %(a)s–%(b)s；外部随机数来源：%(s)s",
                 t=_names(d.get("tasks")), a=(d.get("window") or ["?", "?"])[0],
                 b=(d.get("window") or ["?", "?"])[-1], s=d.get("entropy_source") or "—")
    if action == "committed":
        return _("冻结输入数据（%(e)s 个检查对象、%(i)s 名检查人员）并公示承诺值；冻结输入摘要 %(f)s，承诺值 %(c)s",
                 e=d.get("instance_entities", "?"), i=d.get("instance_inspectors", "?"),
                 f=d.get("frozen_digest", "?"), c=d.get("commitment", "?"))
    if action == "entropy":
        return _("在见证人 %(w)s 面前输入外部随机数 %(x)s", w=_names(d.get("witnesses")), x=d.get("external_entropy", "?"))
    if action == "drawn":
        return _("完成抽取：%(v)s 次检查，未能派员 %(u)s 次；结果摘要 %(r)s",
                 v=d.get("visits", "?"), u=d.get("unfilled", "?"), r=d.get("result_digest", "?"))
    if action == "sealed":
        return _("确认并封存抽取结果；结果摘要 %(r)s 公示", r=d.get("result_digest", "?"))
    if action == "revealed":
        from .draw_reveal import describe_revealed  # the system's reason codes

        return describe_revealed(d)
    if action == "redraw_requested":
        cause = _("更换检查人员") if d.get("cause") == "inspector" else _("更换检查对象")
        return _("申请重抽检查 %(v)s（%(c)s），重抽编号 %(n)s，原因：%(r)s",
                 v=d.get("visit", "?"), c=cause, n=d.get("redraw", "?"), r=d.get("reason") or "—")
    if action == "cancelled":
        if d.get("root"):
            return _("随原始抽取 %(c)s 一并作废，原因：%(r)s", c=d["root"], r=d.get("reason") or "—")
        return _("正式作废本抽取（连同重抽 %(d)s），%(v)s 次检查不再有效；原因：%(r)s",
                 d=_names(d.get("redraws")), v=d.get("visits", 0), r=d.get("reason") or "—")
    if action == "retry":
        kind = _("冻结输入") if d.get("kind") == "freeze" else _("抽取")
        return _("重新运行后台任务（%(k)s，第 %(n)s 次；上次状态：%(p)s）", k=kind, n=d.get("attempt", "?"),
                 p=d.get("previous", "?"))
    if action == "failed":
        return _("抽取失败：%(e)s", e=d.get("error") or "—")
    parts = "；".join(f"{k}: {v}" for k, v in sorted(d.items()))
    return f"{action}{'：' + parts if parts else ''}"


ACTION_LABELS = {
    "created": "发起", "committed": "冻结并承诺", "entropy": "输入随机数", "drawn": "完成抽取",
    "sealed": "封存", "revealed": "公开", "redraw_requested": "申请重抽", "cancelled": "作废",
    "retry": "重新运行", "failed": "失败",
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return _(label) if label else action
