"""``flask user create``: the same account service (and rules) as the
admin's user page."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import get_session
from ..models import ROLES
from ..services.accounts import AccountError, create_account
from ..services.messages import _

user_cli = AppGroup("user", help="User accounts.")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--inspector", help="Inspector id, for inspector accounts.")
@click.option("--department", help="Department code the user belongs to.")
def create_command(username, role, password, inspector, department) -> None:
    """Create a user account."""
    session = get_session()
    try:
        user = create_account(session, username, password, role, inspector, department)
    except AccountError as e:
        session.rollback()
        raise click.ClickException(f"{e.field}: {_(e.msgid, **e.params)}") from e
    click.echo(f"created {role} {user.username}")


commands = [user_cli]
