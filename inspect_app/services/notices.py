"""The warnings and reminders the scheduler issues for planners
(``notice`` rows, see inspect_app/scheduler/jobs.py), and the run records
the admins read (``scheduler_run``).

A notice stores the values of its message (``params``); the message is
rendered here at display time in the reader's language."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session, or_, select

from ..models import Notice, SchedulerRun, User
from . import scope
from .messages import _

SHOWN_DAYS = 30  # a notice stays on the home page until this many days after its date
SHOWN_MAX = 50
RUNS_SHOWN = 200
SHANGHAI = ZoneInfo("Asia/Shanghai")


def for_user(session: Session, user: User | None, today: date) -> list[Notice]:
    """The notices of ``user``'s department (admins and planners without a
    department: all), whose date is at most ``SHOWN_DAYS`` ago, soonest first."""
    query = select(Notice).where(or_(Notice.due.is_(None), Notice.due >= today - timedelta(days=SHOWN_DAYS)))
    if not scope.acts_for_all(user) and user.department:
        query = query.where(or_(Notice.department == user.department, Notice.department.is_(None)))
    return list(session.exec(query.order_by(Notice.due, Notice.id).limit(SHOWN_MAX)))


def text(notice: Notice) -> str:
    """The notice in words (the request's language)."""
    p = notice.params or {}
    if notice.kind == "certificate":
        if p.get("expired"):
            head = _("执法检查人员 %(name)s（%(id)s）的执法证已于 %(d)s 到期", name=p.get("name"), id=p.get("inspector"),
                     d=p.get("expires"))
        else:
            head = _("执法检查人员 %(name)s（%(id)s）的执法证将于 %(d)s 到期", name=p.get("name"), id=p.get("inspector"),
                     d=p.get("expires"))
        if p.get("task"):
            head += _("，早于任务 %(t)s「%(n)s」（%(plan)s）检查时段的结束日 %(end)s",
                      t=p["task"], n=p.get("task_name"), plan=p.get("plan"), end=p.get("window_end"))
        return head
    if notice.kind == "draw_date":
        if p.get("started"):
            return _("任务 %(t)s「%(n)s」（%(plan)s）的检查时段已于 %(d)s 开始，尚未抽取",
                     t=p.get("task"), n=p.get("task_name"), plan=p.get("plan"), d=p.get("window_start"))
        return _("任务 %(t)s「%(n)s」（%(plan)s）的检查时段将于 %(d)s 开始，尚未抽取",
                 t=p.get("task"), n=p.get("task_name"), plan=p.get("plan"), d=p.get("window_start"))
    if notice.kind == "publication_past":
        return _("检查 %(v)s（%(e)s）的结果已超过公示期限 %(d)s，尚未公示", v=p.get("visit_id"), e=p.get("entity_name"),
                 d=p.get("deadline"))
    if notice.kind == "publication_soon":
        return _("检查 %(v)s（%(e)s）的结果须在 %(d)s 前公示", v=p.get("visit_id"), e=p.get("entity_name"),
                 d=p.get("deadline"))
    return notice.kind


def shanghai(moment: datetime | None) -> datetime | None:
    """A stored (UTC) time in Beijing time, for the admin page."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI)


def recent_runs(session: Session, job: str | None = None, limit: int = RUNS_SHOWN) -> list[SchedulerRun]:
    query = select(SchedulerRun).order_by(SchedulerRun.id.desc()).limit(limit)
    if job:
        query = query.where(SchedulerRun.job == job)
    return list(session.exec(query))


def last_runs(session: Session) -> dict[str, SchedulerRun]:
    """Each job's latest run."""
    out: dict[str, SchedulerRun] = {}
    for run in session.exec(select(SchedulerRun).order_by(SchedulerRun.id.desc()).limit(1000)):
        out.setdefault(run.job, run)
    return out
