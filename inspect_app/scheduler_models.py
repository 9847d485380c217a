"""Data models of the scheduled work (migration 0020).

* :class:`SchedulerRun` — one run of one scheduler job: when it started and
  ended, in which process, what it did (``summary``, counts and codes) or the
  error. Written by :func:`inspect_app.scheduler.runs.run`; listed for admins
  at ``/admin/scheduler``.
* :class:`Notice` — a warning or reminder for planners (a certificate about
  to expire, a task whose window is near and has no draw, a result past or
  near its publication deadline). ``dedup_key`` is unique: a job *claims*
  a notice by inserting it (``INSERT … ON CONFLICT DO NOTHING``), so two
  schedulers running at once issue each notice once. ``params`` holds the
  values the message is rendered from at display time, in the reader's
  language.

Imported at the end of ``models.py`` (import these names from there).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from .models import utcnow

RUN_STATES = ("running", "ok", "error")
NOTICE_KINDS = ("certificate", "draw_date", "publication_past", "publication_soon")


class SchedulerRun(SQLModel, table=True):
    __tablename__ = "scheduler_run"
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=32, index=True)  # a job id of inspect_app.scheduler.jobs.JOBS
    trigger: str = Field(default="schedule", max_length=16)  # "schedule" or "manual" (run-once)
    state: str = Field(default="running", max_length=16)  # one of RUN_STATES
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    worker: str | None = Field(default=None, max_length=120)  # host:pid
    summary: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    error: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))


class Notice(SQLModel, table=True):
    __tablename__ = "notice"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)  # one of NOTICE_KINDS
    dedup_key: str = Field(max_length=200, unique=True)
    department: str | None = Field(default=None, max_length=32, foreign_key="department.id", index=True)
    subject: str = Field(max_length=120)  # inspector id, task key, visit id
    due: date | None = Field(default=None, index=True)  # expiry, window start, deadline
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    run_id: int | None = Field(default=None, foreign_key="scheduler_run.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
