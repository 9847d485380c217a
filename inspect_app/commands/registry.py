"""``flask registry import|export|kinds``: registry files from the command line.

``import`` prints the report; when the file has problems it prints each one
(``row 17, 统一社会信用代码 = '91350…': wrong check character (expected X)``),
changes nothing and exits with status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..db import get_session
from ..services.registry_io import REGISTRIES, export_registry, import_file

registry_cli = AppGroup("registry", help="Import and export the registries (CSV or XLSX).")
KINDS = click.Choice(list(REGISTRIES))


@registry_cli.command("import")
@click.argument("kind", type=KINDS)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sync", is_flag=True,
              help="FILE is the full registry: mark rows missing from it inactive (entities, inspectors).")
@click.option("--encoding", help="CSV encoding (default: UTF-8 if valid, else GBK/GB18030).")
def import_command(kind: str, file: Path, sync: bool, encoding: str | None) -> None:
    """Import FILE (.csv or .xlsx) into registry KIND; all rows or none."""
    if sync and not REGISTRIES[kind].sync:
        raise click.UsageError(f"--sync is only for {', '.join(k for k, s in REGISTRIES.items() if s.sync)}")
    with file.open("rb") as stream:
        report = import_file(get_session(), kind, stream, file.name, sync=sync, encoding=encoding)
    if not report.ok:
        for error in report.errors:
            click.echo(str(error), err=True)
        if report.errors_omitted:
            click.echo(f"… and {report.errors_omitted} more problem(s)", err=True)
        click.echo(report.summary(), err=True)
        sys.exit(1)
    click.echo(report.summary())


@registry_cli.command("export")
@click.argument("kind", type=KINDS)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--english", is_flag=True, help="English column headers instead of Chinese.")
@click.option("--encoding", default="utf-8-sig", show_default=True, help="CSV encoding (e.g. gb18030).")
def export_command(kind: str, file: Path, english: bool, encoding: str) -> None:
    """Export registry KIND to FILE; the format comes from the suffix (.csv or .xlsx)."""
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise click.UsageError("FILE must end in .csv or .xlsx")
    with file.open("wb") as out:
        count = export_registry(get_session(), kind, fmt, out, english=english, encoding=encoding)
    click.echo(f"{kind}: {count} row(s) written to {file}")


@registry_cli.command("kinds")
def kinds_command() -> None:
    """List the registries and their columns (Chinese / English, * = required)."""
    for kind, spec in REGISTRIES.items():
        key = ", ".join(spec.key)
        click.echo(f"{kind} ({spec.zh}; key: {key}{'; --sync' if spec.sync else ''})")
        for col in spec.columns:
            click.echo(f"  {'*' if col.required else ' '} {col.zh} / {col.en} [{col.kind}]")


commands = [registry_cli]
