"""``flask audit verify``: walk the audit chain, compare it with every
published checkpoint, name the first broken sequence number and exit 1 if
anything is broken (``services/audit_verify.py``, docs/audit.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")


@audit_cli.command("verify")
@click.option("--no-record", is_flag=True, help="Do not store the result for the admin page.")
def verify_command(no_record: bool) -> None:
    """Verify the audit chain and the published checkpoints."""
    from ..db import get_session
    from ..services import audit_verify

    session = get_session()
    report = audit_verify.verify(session)
    session.rollback()  # end the read transaction
    if not no_record:
        audit_verify.save(session, report, "cli")
    for seq, problem in sorted(report.problems)[:20]:
        click.echo(f"  sequence {seq}: {problem}", err=True)
    click.echo(report.text() + f" ({report.seconds:.2f} s)")
    if not report.ok:
        raise SystemExit(1)


commands = [audit_cli]
