"""``flask scheduler run``: the one scheduler process (see
inspect_app/scheduler); ``flask scheduler run-once JOB`` runs one job now;
``flask scheduler jobs`` lists them."""

from __future__ import annotations

import logging
import signal
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="Scheduled work (one process).")


@scheduler_cli.command("run")
@click.option("--interval", type=float, default=None,
              help="Run every job every SECONDS instead of its own period (tests, demos).")
def run_command(interval: float | None) -> None:
    """Start the scheduler (blocks). Run exactly one per installation."""
    from ..scheduler.setup import build_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = build_scheduler(current_app._get_current_object(), interval=interval)

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"scheduler: {len(scheduler.get_jobs())} jobs, Asia/Shanghai time")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown(wait=False)


@scheduler_cli.command("run-once")
@click.argument("job_id")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Act as on this date (default: today in Asia/Shanghai).")
def run_once_command(job_id: str, today) -> None:
    """Run the job JOB_ID now and record the run."""
    from ..scheduler.jobs import JOBS_BY_ID
    from ..scheduler.runs import run

    if job_id not in JOBS_BY_ID:
        raise click.ClickException(f"no job {job_id}; jobs: {', '.join(JOBS_BY_ID)}")
    day: date | None = today.date() if today else None
    record = run(current_app._get_current_object(), job_id, today=day, trigger="manual")
    click.echo(f"{job_id}: {record.state} {record.summary}")
    if record.state != "ok":
        raise click.ClickException(record.error or "failed")


@scheduler_cli.command("jobs")
def jobs_command() -> None:
    """List the jobs, their periods and what they claim."""
    from ..scheduler.jobs import JOBS

    for job in JOBS:
        click.echo(f"{job.id:22} {job.period:20} {job.claims}")


commands = [scheduler_cli]
