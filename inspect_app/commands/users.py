"""``flask user create``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import get_session
from ..models import ROLES
from ..services.users import UserError, create_user

user_cli = AppGroup("user", help="User accounts.")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--inspector", help="Inspector id, for inspector accounts.")
@click.option("--department", help="Department code the user belongs to.")
def create_command(username, role, password, inspector, department) -> None:
    """Create a user account."""
    try:
        create_user(get_session(), username, password, role, inspector, department)
    except UserError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"created {role} {username}")


commands = [user_cli]
