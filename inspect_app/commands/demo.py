"""``flask demo load|logins``: demo data for trying the service out."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_session
from ..services import demo

demo_cli = AppGroup("demo", help="Demo data (a generated prefecture, 福州市).")

LOGINS_FILE = "demo-logins.txt"


def _logins_path() -> Path:
    return Path(current_app.config.get("DEMO_LOGINS_FILE") or Path(current_app.instance_path) / LOGINS_FILE)


@demo_cli.command("load")
@click.option("--entities", type=click.IntRange(100, 5_000_000), default=demo.DEFAULT_ENTITIES, show_default=True,
              help="Number of market entities to generate.")
@click.option("--seed", type=int, default=demo.DEFAULT_SEED, show_default=True,
              help="Random seed; the same seed and --as-of give the same data.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference date for certificates, leave and past checks (default today).")
@click.option("--reset", is_flag=True, help="Empty every table first (accounts included).")
@click.option("--if-empty", is_flag=True, help="Do nothing, successfully, when registry data exists already.")
def load_command(entities: int, seed: int, as_of, reset: bool, if_empty: bool) -> None:
    """Generate and load demo data, then print the demo logins."""
    session = get_session()
    if if_empty and not reset and demo.has_data(session):
        click.echo("database already holds data; demo not loaded")
        return
    try:
        result = demo.load_demo(session, entities=entities, seed=seed,
                                as_of=as_of.date() if as_of else date.today(), reset_first=reset,
                                progress=lambda msg: click.echo(f"  {msg}", err=True))
    except demo.DemoError as e:
        raise click.ClickException(str(e)) from e
    c = result.counts
    click.echo(f"demo data loaded in {result.seconds:.1f} s ({c['entities'] / result.seconds:,.0f} entities/s):")
    click.echo(f"  {c['departments']} departments, {c['districts']} districts, {c['check_items']} check items "
               f"({c['check_items_published']} published)")
    click.echo(f"  {c['entities']:,} entities ({c.get('entities_abnormal', 0):,} on the abnormal-operations list, "
               f"{c.get('entities_serious_violation', 0):,} on the serious-violation list)")
    click.echo(f"  {c['inspectors']:,} inspectors ({c['inspectors_expired_certificate']} with expired certificates, "
               f"{c['inspector_leaves']} leave periods), {c['conflicts']} declared conflicts, "
               f"{c['pair_conflicts']} pair conflicts")
    click.echo(f"  {c['check_records']:,} past check records; calendar {c['calendar_years']} years")
    if "draw_visits" in c:
        click.echo(f"  a published plan and a sealed draw of {c['draw_visits']:,} visits "
                   f"({c['draw_visits_past']:,} before, {c['draw_visits_upcoming']:,} after the reference date)")
    path = _logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{role:<10} {username:<10} {password}\n" for role, username, password in result.logins)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    click.echo(f"demo logins (also in {path}):")
    click.echo(text, nl=False)


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo logins saved by the last ``demo load``."""
    path = _logins_path()
    if not path.exists():
        raise click.ClickException("no demo logins saved; run `flask --app wsgi demo load` first")
    click.echo("demo logins (role, user name, password):")
    click.echo(path.read_text(encoding="utf-8"), nl=False)


commands = [demo_cli]
