"""``flask calendar seed|import|show``: the working-day calendar."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from ..db import get_session
from ..services import calendar as cal

calendar_cli = AppGroup("calendar", help="Working-day calendar (public holidays and 调休 make-up days).")


@calendar_cli.command("seed")
@click.option("--year", "years", type=int, multiple=True,
              help="Only this year (repeatable); default every year the chinese_calendar package covers.")
def seed_command(years: tuple[int, ...]) -> None:
    """Fill years from the chinese_calendar package."""
    try:
        written = cal.seed_from_package(get_session(), years or None)
    except cal.CalendarUnknown as e:
        raise click.ClickException(f"{e} (chinese_calendar covers {cal.package_years().start}–"
                                   f"{cal.package_years().stop - 1}; import the State Council notice instead)") from e
    click.echo(f"seeded {len(written)} year(s) {written[0]}–{written[-1]} from {cal.package_source()}")


@calendar_cli.command("import")
@click.argument("year", type=int)
@click.argument("file", type=click.File("rb"))
@click.option("--source", required=True, help='The notice\'s title, e.g. "国务院办公厅关于2027年部分节假日安排的通知".')
def import_command(year: int, file, source: str) -> None:
    """Import YEAR from the State Council's notice as a CSV file
    (date,kind,name — or 日期,类型,名称; kind holiday/放假 or workday/上班)."""
    try:
        counts = cal.import_notice(get_session(), year, file, source)
    except cal.CalendarImportError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"imported {year}: {counts['holidays']} weekday holiday(s), {counts['workdays']} make-up "
               f"working day(s) ({counts['weekend_holidays_skipped']} weekend holiday date(s) need no entry)")


@calendar_cli.command("show")
@click.argument("year", type=int)
def show_command(year: int) -> None:
    """Show YEAR's holidays and make-up working days."""
    session = get_session()
    try:
        cal.require_years(session, date(year, 1, 1), date(year, 12, 31))
    except cal.CalendarUnknown as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{year}: {cal.known_years(session)[year]}")
    weekdays = "一二三四五六日"
    for d in cal.day_info(session, year):
        label = "放假 holiday" if d.kind == cal.HOLIDAY else "上班 workday"
        click.echo(f"  {d.day.isoformat()} 周{weekdays[d.day.weekday()]}  {label}  {d.name or ''}")
    n = len(cal.working_days(session, date(year, 1, 1), date(year, 12, 31)))
    click.echo(f"  {n} working days")


commands = [calendar_cli]
