"""Database commands: ``flask db upgrade``, ``flask db current``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import alembic_config, get_engine, upgrade

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade(get_engine(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("current")
def current_command() -> None:
    """Show the current migration revision."""
    from alembic import command

    command.current(alembic_config(get_engine()))


commands = [db_cli]
