"""The scheduler's jobs. Each is ``func(ctx) -> dict``: ``ctx`` carries a
session, the date and time to act on (Asia/Shanghai date; tests pass a
frozen clock) and the run's id; the dict says what the run did and is stored
with the run (:mod:`.runs`).

Claiming: a job never relies on being the only scheduler. Reveals and
publications are conditional updates in their services
(``services/draw_reveal.reveal_due``, ``services/publication.publish_due``);
stale jobs are re-queued by conditional updates (``running`` →
``interrupted``/``pending``); a notice is claimed by inserting its unique
``dedup_key`` with ``ON CONFLICT DO NOTHING`` (:func:`claim_notice`): of
two schedulers, each notice goes to exactly one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from ..models import Inspector, Notice, Plan, SchedulerRun, Task, utcnow

log = logging.getLogger(__name__)

CERTIFICATE_DAYS = 30  # warn of certificates expiring within this many days
REMIND_WORKING_DAYS = 5  # remind of undrawn tasks whose window starts within this many working days
RUN_KEEP_DAYS = 90  # scheduler_run rows older than this are pruned


@dataclass
class Context:
    session: Session
    today: date  # the date in Asia/Shanghai
    now: datetime  # aware UTC
    run_id: int | None = None

    def config(self, name: str, default):
        return current_app.config.get(name, default)


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[Context], dict]
    trigger: str  # "interval" or "cron" (APScheduler trigger names)
    every: dict  # the trigger's arguments
    period: str  # in words (Chinese msgid, translated on the admin page)
    claims: str


def claim_notice(ctx: Context, kind: str, key: str, subject: str, department: str | None, due: date | None,
                 **params) -> bool:
    """Insert the notice unless one with ``key`` exists; True if this call
    inserted it. Committed at once (short transactions: another scheduler
    waits for at most one insert)."""
    session = ctx.session
    values = dict(kind=kind, dedup_key=key[:200], subject=subject[:120], department=department, due=due,
                  params=_jsonable(params), run_id=ctx.run_id, created_at=utcnow())
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    inserted = session.execute(insert(Notice.__table__).values(**values)
                               .on_conflict_do_nothing(index_elements=["dedup_key"])
                               .returning(Notice.__table__.c.id)).scalar()
    session.commit()
    return inserted is not None


def _jsonable(params: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in params.items()}


def _codes(draws) -> list[str]:
    return [getattr(d, "code", None) or str(d) for d in draws]


# --- the jobs ---

def reveal_due(ctx: Context) -> dict:
    """Reveal sealed draws whose window has closed and whose visits are all
    done (``services/draw_reveal.reveal_due``: a conditional update per
    draw, with the trail)."""
    from ..services.draw_reveal import reveal_due as reveal

    revealed = reveal(ctx.session, ctx.today)
    return {"revealed": _codes(revealed)}


def publish_due(ctx: Context) -> dict:
    """Publish approved results not yet public (``services/publication.
    publish_due``) and flag, once each, the completed checks past or within
    days of their 20-working-day publication deadline."""
    from ..services.publication import publish_due as publish

    report = publish(ctx.session, ctx.today)
    flagged = {"past": 0, "soon": 0}
    for item in getattr(report, "flagged", []) or []:
        flag = getattr(item, "flag", None)
        if flag not in flagged:
            continue
        visit_pk = getattr(item, "visit_pk", None)
        deadline = getattr(item, "deadline", None)
        if claim_notice(ctx, f"publication_{flag}", f"publication_{flag}:{visit_pk}:{deadline}",
                        subject=str(getattr(item, "visit_id", visit_pk)), department=getattr(item, "department", None),
                        due=deadline, visit_pk=visit_pk, visit_id=getattr(item, "visit_id", None),
                        draw_id=getattr(item, "draw_id", None), entity_name=getattr(item, "entity_name", None),
                        completed_on=getattr(item, "completed_on", None), deadline=deadline):
            flagged[flag] += 1
    return {"published": len(getattr(report, "published", []) or []),
            "failed": [list(f) for f in getattr(report, "failed", []) or []],
            "flagged": len(getattr(report, "flagged", []) or []),
            "notices_past": flagged["past"], "notices_soon": flagged["soon"]}


def _live_tasks(session: Session, today: date) -> list[tuple[Task, Plan]]:
    """Tasks of published (current) plans whose window has not ended."""
    return list(session.exec(select(Task, Plan).join(Plan, Plan.id == Task.plan_id)
                             .where(Plan.status == "published", Task.window_end >= today)
                             .order_by(Task.window_start, Task.id)).all())


def certificate_warnings(ctx: Context) -> dict:
    """Warn planners of active inspectors whose certificate expires within
    ``SCHEDULER_CERTIFICATE_DAYS`` (30) days, or before the end of a planned
    window of a published task their department leads or joins (they could
    be drawn for it). Once per inspector and expiry date."""
    session, today = ctx.session, ctx.today
    horizon = today + timedelta(days=ctx.config("SCHEDULER_CERTIFICATE_DAYS", CERTIFICATE_DAYS))
    tasks = _live_tasks(session, today)
    latest = max([horizon] + [t.window_end for t, _ in tasks])
    inspectors = session.exec(select(Inspector).where(Inspector.active.is_(True),
                                                      Inspector.certificate_expires.is_not(None),
                                                      Inspector.certificate_expires <= latest)
                              .order_by(Inspector.certificate_expires, Inspector.id)).all()
    issued, seen = [], 0
    for inspector in inspectors:
        expires = inspector.certificate_expires
        affected = [(t, p) for t, p in tasks if expires < t.window_end
                    and (t.department == inspector.department or inspector.department in (t.participating or []))]
        if expires > horizon and not affected:
            continue
        seen += 1
        task, plan = min(affected, key=lambda tp: (tp[0].window_end, tp[0].id)) if affected else (None, None)
        params = dict(inspector=inspector.id, name=inspector.name, certificate_no=inspector.certificate_no,
                      expires=expires, expired=expires < today)
        if task is not None:
            params.update(task=task.code, task_name=task.name, plan=plan.number,
                          window_start=task.window_start, window_end=task.window_end)
        if claim_notice(ctx, "certificate", f"certificate:{inspector.id}:{expires.isoformat()}",
                        subject=inspector.id, department=inspector.department, due=expires, **params):
            issued.append(inspector.id)
    return {"due": seen, "issued": issued}


def draw_reminders(ctx: Context) -> dict:
    """Remind planners of tasks of published plans whose window starts
    within ``SCHEDULER_REMIND_WORKING_DAYS`` (5) working days (or has
    started) and that no draw holds yet. Once per task and window start."""
    from ..services import calendar, draws
    from ..services.plans import task_key

    session, today = ctx.session, ctx.today
    days = ctx.config("SCHEDULER_REMIND_WORKING_DAYS", REMIND_WORKING_DAYS)
    summary: dict = {}
    try:
        limit = calendar.add_working_days(session, today, days)
    except calendar.CalendarUnknown as error:  # the year's 调休 not imported: count Monday–Friday
        limit, weekdays = today, 0
        while weekdays < days:
            limit += timedelta(days=1)
            weekdays += limit.weekday() < 5
        summary["calendar"] = str(error)
    held = draws.drawn_task_keys(session)
    due, issued = 0, []
    for task, plan in _live_tasks(session, today):
        if task.window_start > limit:
            continue
        key = task_key(plan, task)
        if key in held:
            continue
        due += 1
        if claim_notice(ctx, "draw_date", f"draw_date:{key}:{task.window_start.isoformat()}", subject=key,
                        department=task.department, due=task.window_start, plan=plan.number, plan_id=plan.id,
                        task=task.code, task_name=task.name, window_start=task.window_start,
                        window_end=task.window_end, started=task.window_start <= today):
            issued.append(f"{plan.number}/{task.code}")
    summary.update(due=due, issued=issued, until=limit.isoformat())
    return summary


# Stale background jobs, by kind: (name, function(ctx) -> ids re-queued).
def _requeue_draw_jobs(ctx: Context) -> list[int]:
    from ..db import get_engine
    from ..jobs import runner

    won = []
    for job_id in runner.stale_jobs(get_engine(), ctx.now):
        if runner.requeue(ctx.session, job_id, now=ctx.now, actor="scheduler"):
            won.append(job_id)
    return won


def _requeue_import_jobs(ctx: Context) -> list[int]:
    from ..db import get_engine
    from ..jobs import imports

    return imports.requeue_stale(get_engine(), ctx.now)


def _requeue_document_jobs(ctx: Context) -> list[int]:
    from ..db import get_engine
    from ..jobs import documents

    return documents.requeue_stale(get_engine(), ctx.now)


STALE_REQUEUERS: list[tuple[str, Callable[[Context], list[int]]]] = [
    ("draw_jobs", _requeue_draw_jobs),
    ("import_jobs", _requeue_import_jobs),
    ("document_jobs", _requeue_document_jobs),
]


def requeue_stale(ctx: Context) -> dict:
    """Re-queue background jobs whose worker stopped beating its heartbeat
    (``services/draws.job_is_stale``), as ``flask draws work`` does; the
    conditional updates let both run at once."""
    return {name: func(ctx) for name, func in STALE_REQUEUERS}


def prune_runs(ctx: Context) -> dict:
    """Delete run records older than ``SCHEDULER_RUN_KEEP_DAYS`` (90)."""
    cutoff = ctx.now - timedelta(days=ctx.config("SCHEDULER_RUN_KEEP_DAYS", RUN_KEEP_DAYS))
    old = sa.select(SchedulerRun.id).where(SchedulerRun.started_at < cutoff, SchedulerRun.state != "running")
    ctx.session.execute(sa.update(Notice).where(Notice.run_id.in_(old)).values(run_id=None))
    deleted = ctx.session.execute(sa.delete(SchedulerRun).where(SchedulerRun.id.in_(old))).rowcount
    ctx.session.commit()
    return {"deleted": deleted}


def audit_checkpoint(ctx: Context) -> dict:
    """Verify the audit chain and publish the day's checkpoint (head sequence
    number and hash; one per day, idempotent). A broken chain gets no
    checkpoint: the run fails and names the first broken sequence number."""
    from ..services import audit_verify

    report = audit_verify.verify(ctx.session)
    ctx.session.rollback()
    audit_verify.save(ctx.session, report, "scheduler")
    if not report.ok:
        raise RuntimeError(report.text())
    checkpoint = audit_verify.write_checkpoint(ctx.session, ctx.today)
    return {"verified": report.rows, "day": ctx.today.isoformat(),
            "checkpoint": checkpoint.seq if checkpoint is not None else None}


JOBS: tuple[Job, ...] = (
    Job("reveal-due", reveal_due, "interval", {"minutes": 10}, "每 10 分钟",
        "sealed draws with revealed_at still empty (UPDATE … WHERE revealed_at IS NULL)"),
    Job("publish-due", publish_due, "interval", {"minutes": 30}, "每 30 分钟",
        "approved results without a publication; notices by dedup key"),
    Job("certificate-warnings", certificate_warnings, "cron", {"hour": 7, "minute": 0}, "每天 07:00",
        "a notice per inspector and expiry date (unique dedup key)"),
    Job("draw-reminders", draw_reminders, "cron", {"hour": 7, "minute": 5}, "每天 07:05",
        "a notice per task and window start (unique dedup key)"),
    Job("requeue-stale", requeue_stale, "interval", {"minutes": 2}, "每 2 分钟",
        "stale running draw/import jobs (UPDATE … WHERE state = 'running')"),
    Job("prune-runs", prune_runs, "cron", {"hour": 3, "minute": 30}, "每天 03:30",
        "run records older than 90 days (DELETE; idempotent)"),
    Job("audit-checkpoint", audit_checkpoint, "cron", {"hour": 23, "minute": 50}, "每天 23:50",
        "one checkpoint per day (INSERT … ON CONFLICT DO NOTHING on the day)"),
)
JOBS_BY_ID = {job.id: job for job in JOBS}
