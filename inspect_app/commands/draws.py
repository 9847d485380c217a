"""``flask draws work``: the background worker of the draw ceremony."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

draws_cli = AppGroup("draws", help="Draw ceremony jobs.")


@draws_cli.command("work")
@click.option("--job", "job_id", type=int, help="Run this job only, then exit.")
@click.option("--once", is_flag=True, help="Run the pending jobs, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
def work_command(job_id: int | None, once: bool, interval: float) -> None:
    """Claim and run pending draw jobs; re-queue jobs whose worker died."""
    from ..jobs.runner import run_job, work

    app = current_app._get_current_object()
    if job_id is not None:
        if not run_job(app, job_id):
            raise click.ClickException(f"job {job_id} is not pending (already claimed or finished)")
        click.echo(f"job {job_id} finished")
        return
    count = work(app, once=once, interval=interval)
    click.echo(f"{count} job(s) run")


commands = [draws_cli]
