"""``flask results publish-due``: publish the approved results that are not
public yet and list the completed checks whose publication is overdue or
due within 5 working days (``services/publication.py``, :func:`publish_due`;
the scheduler of a later issue runs the same function daily)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

results_cli = AppGroup("results", help="Check results and their publication (一公开).")


@results_cli.command("publish-due")
@click.option("--today", "today_text", help="The date to count from (YYYY-MM-DD; default today).")
def publish_due_command(today_text: str | None) -> None:
    """Publish approved results not yet public; report overdue ones."""
    from ..db import get_session
    from ..services import publication
    from ..services.visit_access import _today

    try:
        today = date.fromisoformat(today_text) if today_text else _today()
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--today") from None
    report = publication.publish_due(get_session(), today)
    click.echo(f"{len(report.published)} result(s) published")
    for result_id, why in report.failed:
        click.echo(f"result {result_id} not published: {why}", err=True)
    past = [p for p in report.flagged if p.flag == "past"]
    soon = [p for p in report.flagged if p.flag == "soon"]
    click.echo(f"{len(past)} unpublished past the deadline, {len(soon)} due within 5 working days")
    for p in report.flagged:
        click.echo(f"  {p.flag:4} {p.deadline} {p.department or '-'} visit {p.visit_id} (draw {p.draw_id}, "
                   f"{p.state}, completed {p.completed_on})")


commands = [results_cli]
