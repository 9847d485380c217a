"""The scheduler itself: APScheduler 3.x, one process, fixed job ids.

:func:`build_scheduler` adds every job of :data:`.jobs.JOBS` as the textual
reference ``inspect_app.scheduler.runs:scheduled`` with the job id as its
argument, ``replace_existing=True``, and a first run a few seconds after
start (so a restart catches up at once; later runs follow the trigger).
``SCHEDULER_INTERVAL`` (seconds, config or environment) puts every job on
that interval instead (tests, demos).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from . import runs
from .jobs import JOBS

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
ENTRY = "inspect_app.scheduler.runs:scheduled"
START_DELAY_SECONDS = 2  # the first runs, staggered by a second each


def trigger_of(job, interval: float | None):
    if interval:
        return IntervalTrigger(seconds=interval, timezone=runs.TIMEZONE)
    if job.trigger == "cron":
        return CronTrigger(timezone=runs.TIMEZONE, **job.every)
    return IntervalTrigger(timezone=runs.TIMEZONE, **job.every)


def build_scheduler(app, scheduler_class=BlockingScheduler, interval: float | None = None):
    """A scheduler (not started) with every job; its entries run in ``app``."""
    runs.bind(app)
    if interval is None:
        interval = app.config.get("SCHEDULER_INTERVAL")
    scheduler = scheduler_class(timezone=runs.TIMEZONE, job_defaults=dict(JOB_DEFAULTS),
                                jobstores={"default": MemoryJobStore()},
                                executors={"default": ThreadPoolExecutor(max_workers=2)})
    start = datetime.now(runs.TIMEZONE) + timedelta(seconds=START_DELAY_SECONDS)
    for k, job in enumerate(JOBS):
        scheduler.add_job(ENTRY, trigger=trigger_of(job, float(interval) if interval else None), args=[job.id],
                          id=job.id, name=job.id, replace_existing=True, next_run_time=start + timedelta(seconds=k))
    return scheduler
