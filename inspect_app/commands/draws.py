"""``flask draws work``: the background worker of the draw ceremony;
``flask draws reveal-due``: reveal the draws whose window has closed and
whose visits are all done (the worker does it too, see
services/draw_reveal.py); ``flask draws verify CODE`` and ``flask draws
export CODE DIR`` for audits."""

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
    """Claim and run pending jobs (draws, registry imports, documents to
    render); re-queue jobs whose worker died."""
    from ..jobs.runner import run_job, work
    from ..services import audit

    app = current_app._get_current_object()
    with audit.acting_as(audit.SYSTEM):  # the worker's steps, as the draw trail shows them (系统)
        if job_id is not None:
            if not run_job(app, job_id):
                raise click.ClickException(f"job {job_id} is not pending (already claimed or finished)")
            click.echo(f"job {job_id} finished")
            return
        count = work(app, once=once, interval=interval)
    click.echo(f"{count} job(s) run")


@draws_cli.command("reveal-due")
def reveal_due_command() -> None:
    """Reveal every sealed draw whose window has closed and whose visits are
    all completed or reported (submitted or approved results), with its
    sealed redraws; the trail records each reveal (by "system"). Safe to run
    at any time and from several places: a draw is revealed once."""
    from ..db import get_session
    from ..services import draw_reveal

    revealed = draw_reveal.reveal_due(get_session())
    for draw in revealed:
        click.echo(f"revealed {draw.code}")
    click.echo(f"{len(revealed)} draw(s) revealed")


@draws_cli.command("verify")
@click.argument("code")
def verify_command(code: str) -> None:
    """Re-verify a stored draw: its documents against their digests, and the
    outcome against the frozen instance with the solver's verifier."""
    from ..db import get_session
    from ..services import draw_runs, draw_store, draws, solver_adapter

    draw = draws.get_by_code(get_session(), code)
    if draw is None:
        raise click.ClickException(f"no draw {code}")
    if draw.outcome_path is None:
        raise click.ClickException(f"draw {code} has no outcome yet (state {draw.state})")
    instance = draw_runs.draw_instance(draw)
    instance["secret"] = draw_runs.secret_of(draw).hex()
    outcome = draw_store.read_document(draw.outcome_path)
    if solver_adapter.result_digest_hex(outcome) != draw.result_digest:
        raise click.ClickException(f"draw {code}: outcome.json does not match the stored result digest")
    try:
        solver_adapter.verify(instance, outcome)
    except solver_adapter.VerificationFailed as failure:
        raise click.ClickException(f"draw {code}: NOT verified: {failure}") from None
    click.echo(f"draw {code}: verified ({len(outcome['visits'])} visits, {len(outcome['unfilled'])} unfilled)")


@draws_cli.command("export")
@click.argument("code")
@click.argument("directory", type=click.Path(file_okay=False))
def export_command(code: str, directory: str) -> None:
    """Write a draw's instance (with its secret), secret and outcome to
    DIRECTORY, e.g. for an auditor; the public gets them after the reveal."""
    from pathlib import Path

    from ..db import get_session
    from ..services import draw_register, draws

    draw = draws.get_by_code(get_session(), code)
    if draw is None or draw.outcome_path is None:
        raise click.ClickException(f"no drawn draw {code}")
    entry = draw_register.RegisterEntry(draw, None, [], draw.state == "sealed", revealed=True)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name in draw_register.DOCUMENTS:
        (out / f"{code}-{name}").write_bytes(draw_register.document(entry, name))
    click.echo(f"wrote {', '.join(f'{code}-{n}' for n in draw_register.DOCUMENTS)} to {out}")


commands = [draws_cli]
