"""``flask checkcode backfill``: issue the check codes (扫码入企) of draws
sealed before check codes existed, and replace the stored hashes after the
key (``CHECK_CODE_KEY`` / ``instance/check_code_key``) was changed — which
invalidates every code printed or sent before."""

from __future__ import annotations

import click
from flask.cli import AppGroup

checkcode_cli = AppGroup("checkcode", help="Check codes (扫码入企).")


@checkcode_cli.command("backfill")
@click.option("--draw", "draw_code", help="Only this draw (its public code).")
def backfill_command(draw_code: str | None) -> None:
    """Issue missing check codes and re-issue stale ones, per sealed draw."""
    from sqlmodel import select

    from ..db import get_session
    from ..models import Draw
    from ..services import check_codes

    session = get_session()
    query = select(Draw).where(Draw.state == "sealed").order_by(Draw.id)
    if draw_code:
        query = query.where(Draw.code == draw_code)
    found = session.exec(query).all()
    if draw_code and not found:
        raise click.ClickException(f"no sealed draw {draw_code}")
    issued = replaced = 0
    for draw in found:
        new, stale = check_codes.ensure_codes(session, draw)
        issued, replaced = issued + new, replaced + stale
        if new or stale:
            click.echo(f"{draw.code}: {new} issued, {stale} replaced")
    click.echo(f"{len(found)} sealed draw(s): {issued} code(s) issued, {replaced} replaced")


commands = [checkcode_cli]
