"""The working-day calendar: public holidays and make-up working days (调休).

China works Monday to Friday, except for the public holidays the State
Council fixes each year and the weekend days it turns into working days to
lengthen those holidays. The ``calendar_day`` table stores only these
exceptions to Monday–Friday (a holiday on a weekday, a working Saturday or
Sunday); ``calendar_year`` records which years have a known arrangement and
where it came from.

Years are filled either from the ``chinese_calendar`` package (2004 up to its
last covered year) or from the State Council's yearly notice, imported by an
admin as a small CSV (see :func:`import_notice`). A year without a known
arrangement is never guessed: every lookup that touches it raises
:class:`CalendarUnknown`.

The pure rule, on explicit exception sets (the solver applies the same one
to a draw instance's ``calendar``)::

    >>> from datetime import date
    >>> is_working(date(2024, 10, 12), holidays=set(), workdays={date(2024, 10, 12)})
    True
    >>> is_working(date(2024, 10, 1), holidays={date(2024, 10, 1)}, workdays=set())
    False
    >>> is_working(date(2024, 10, 13), holidays=set(), workdays=set())
    False
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Iterable

import sqlalchemy as sa
from flask import has_request_context
from sqlmodel import Session, select

from ..models import CalendarDay, CalendarYear, utcnow
from . import audit
from .messages import _
from .text_rules import TextError, check_text

HOLIDAY, WORKDAY = "holiday", "workday"
SOURCE_MAX = 200  # calendar_year.source
NAME_MAX = 50  # calendar_day.name
KINDS = (HOLIDAY, WORKDAY)

# chinese_calendar names its holidays in English; the calendar stores Chinese.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

# Accepted spellings in a notice CSV (Chinese offices write Chinese headers).
_HEADER_ALIASES = {
    "date": "date", "日期": "date",
    "kind": "kind", "type": "kind", "类型": "kind",
    "name": "name", "名称": "name", "节日": "name", "节假日": "name",
}
_KIND_ALIASES = {
    "holiday": HOLIDAY, "放假": HOLIDAY, "休": HOLIDAY, "假": HOLIDAY,
    "workday": WORKDAY, "上班": WORKDAY, "班": WORKDAY, "调休上班": WORKDAY,
}
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_RANGE_SEPARATORS = ("~", "～", "至", "..")


class CalendarUnknown(LookupError):
    """A date range touches years whose holiday arrangement is not known."""

    def __init__(self, years: Iterable[int]):
        self.years = sorted(set(years))
        zh = "、".join(str(y) for y in self.years)
        en = ", ".join(str(y) for y in self.years)
        if has_request_context():  # a page: one language, and where to fix it
            super().__init__(_("%(y)s年的节假日安排尚未导入，请管理员在“节假日安排”页面导入", y=zh))
        else:  # the CLI, logs and background jobs keep both languages
            super().__init__(f"{zh}年的节假日安排尚未导入 / the {en} holiday arrangement has not been imported")


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: 1-based row number (the header is
    row 1), column, offending value and reason."""

    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.field}={self.value!r}: {self.reason}"


class CalendarImportError(ValueError):
    """The notice file was rejected; nothing was written. ``errors`` lists
    every bad row."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        lines = "\n".join(str(e) for e in errors)
        super().__init__(f"节假日安排导入失败，共 {len(errors)} 处错误 / import failed with "
                         f"{len(errors)} error(s):\n{lines}")


def is_working(day: date, holidays: set[date], workdays: set[date]) -> bool:
    """Monday–Friday minus ``holidays``, plus ``workdays``."""
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


# --------------------------------------------------------------------------
# Filling the calendar

def package_years() -> range:
    """The years the installed ``chinese_calendar`` package covers."""
    from chinese_calendar import constants

    return range(min(constants.holidays).year, max(constants.holidays).year + 1)


def package_source() -> str:
    from importlib.metadata import version

    return f"chinesecalendar {version('chinesecalendar')}"


def seed_from_package(session: Session, years: Iterable[int] | None = None) -> list[int]:
    """Fill ``years`` (default: every year the package covers) from the
    ``chinese_calendar`` package, replacing what those years held. Returns
    the years written. A year the package does not cover is refused."""
    from chinese_calendar import constants

    covered = package_years()
    years = sorted(set(covered if years is None else years))
    outside = [y for y in years if y not in covered]
    if outside:
        raise CalendarUnknown(outside)
    source = package_source()
    wanted = set(years)
    rows = []
    for day, name in constants.holidays.items():
        if day.year in wanted and day.weekday() < 5:
            rows.append({"day": day, "kind": HOLIDAY, "name": PACKAGE_HOLIDAY_NAMES.get(name, name)})
    for day, name in constants.workdays.items():
        if day.year in wanted and day.weekday() >= 5:
            rows.append({"day": day, "kind": WORKDAY, "name": PACKAGE_HOLIDAY_NAMES.get(name, name)})
    for year in years:
        _replace_year(session, year, source)
    if rows:
        session.execute(sa.insert(CalendarDay), rows)
    for year in years:
        audit.record(session, action="calendar.seeded", object_type="calendar", object_id=year,
                     details={"source": source, "days": sum(1 for r in rows if r["day"].year == year)})
    session.commit()
    return years


def _replace_year(session: Session, year: int, source: str) -> None:
    session.execute(sa.delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                 CalendarDay.day <= date(year, 12, 31)))
    existing = session.get(CalendarYear, year)
    if existing is None:
        session.add(CalendarYear(year=year, source=source))
    else:
        existing.source = source
        existing.imported_at = utcnow()
    session.flush()


@dataclass
class Notice:
    """A checked notice, not yet written: the exceptions to Monday–Friday it
    sets (``days``: date -> {"day", "kind", "name"}) and how many holiday
    dates fell on a weekend (no entry needed)."""

    year: int
    source: str
    days: dict[date, dict]
    weekend_holidays_skipped: int

    def counts(self) -> dict:
        kinds = [r["kind"] for r in self.days.values()]
        return {"year": self.year, "holidays": kinds.count(HOLIDAY), "workdays": kinds.count(WORKDAY),
                "weekend_holidays_skipped": self.weekend_holidays_skipped}


def import_notice(session: Session, year: int, stream_or_text: str | bytes | IO, source: str) -> dict:
    """Import ``year``'s arrangement from the State Council's notice (checked
    by :func:`parse_notice`, which documents the format). On success the
    year's rows are replaced and the year is recorded with ``source`` (e.g.
    the notice's title). Returns counts."""
    notice = parse_notice(year, stream_or_text, source)
    _replace_year(session, year, notice.source)
    days = notice.days
    # Rows of the preceding December replace whatever that day held.
    early = [d for d in days if d.year < year]
    if early:
        session.execute(sa.delete(CalendarDay).where(CalendarDay.day.in_(early)))
    if days:
        session.execute(sa.insert(CalendarDay), [days[d] for d in sorted(days)])
    audit.record(session, action="calendar.imported", object_type="calendar", object_id=year,
                 details=dict(notice.counts(), source=notice.source))
    session.commit()
    return notice.counts()


def parse_notice(year: int, stream_or_text: str | bytes | IO, source: str) -> Notice:
    """Check ``year``'s arrangement from the State Council's notice; write
    nothing (:func:`import_notice` writes it, the admin page previews it).

    The file is a CSV with the header ``date,kind,name`` (or in Chinese
    ``日期,类型,名称``), one row per day:

    * ``date``: ``2027-10-01`` (also ``2027/10/1`` or ``2027年10月1日``), or a
      range ``2027-10-01~2027-10-07`` (``至`` works too) as the notice writes
      holidays;
    * ``kind``: ``holiday`` / ``放假`` or ``workday`` / ``上班``;
    * ``name``: the holiday it belongs to, e.g. ``国庆节`` (optional).

    Holiday dates falling on a weekend are accepted (a notice's ranges
    include them) and need no entry, since weekends are days off anyway; a
    make-up working day must be a Saturday or Sunday. Dates belong to
    ``year``, except make-up days or holidays in the December before it (a
    notice's New Year arrangement can start there). UTF-8 (with or without
    BOM) and GBK files are accepted.

    Every row is checked; on any error :class:`CalendarImportError` lists
    them all. Text (``source``, names) goes through
    :func:`.text_rules.check_text`.
    """
    errors: list[RowError] = []
    if not isinstance(year, int) or not 1949 < year < 2200:
        raise CalendarImportError([RowError(0, "year", str(year), "年份无效 / invalid year")])
    if not source or not source.strip():
        errors.append(RowError(0, "source", "", "须注明来源（通知名称） / the source (notice title) is required"))
    else:
        try:
            source = check_text(source, field="source", max_length=SOURCE_MAX)
        except TextError as e:
            errors.append(RowError(0, "source", str(source)[:60], _text_reason(e)))
    text = _decode(stream_or_text)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    columns: dict[str, int] = {}
    if header is None:
        raise CalendarImportError([RowError(1, "header", "", "文件为空 / the file is empty")])
    for i, raw in enumerate(header):
        key = _HEADER_ALIASES.get(raw.strip().lower()) or _HEADER_ALIASES.get(raw.strip().split("(")[0].split("（")[0])
        if key:
            columns[key] = i
    for required in ("date", "kind"):
        if required not in columns:
            errors.append(RowError(1, required, ",".join(header),
                                   f"缺少列 {required} / missing column {required} (date,kind,name or 日期,类型,名称)"))
    if errors and any(e.row == 1 for e in errors):
        raise CalendarImportError(errors)

    first, last = date(year - 1, 12, 1), date(year, 12, 31)
    seen: dict[date, int] = {}
    days: dict[date, dict] = {}
    skipped_weekend_holidays = 0
    data_rows = 0
    for rowno, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        data_rows += 1
        cell = lambda key: row[columns[key]].strip() if key in columns and columns[key] < len(row) else ""  # noqa: E731
        raw_date, raw_kind, name = cell("date"), cell("kind"), cell("name") or None
        kind = _KIND_ALIASES.get(raw_kind.lower())
        if kind is None:
            errors.append(RowError(rowno, "kind", raw_kind,
                                   "类型须为 holiday/放假 或 workday/上班 / kind must be holiday or workday"))
        try:
            span = _parse_span(raw_date)
        except ValueError as e:
            errors.append(RowError(rowno, "date", raw_date, str(e)))
            continue
        if name is not None and len(name) > NAME_MAX:
            errors.append(RowError(rowno, "name", name, "名称不能超过50个字符 / name longer than 50 characters"))
        elif name is not None:
            try:
                name = check_text(name, field="name", max_length=NAME_MAX)
            except TextError as e:
                errors.append(RowError(rowno, "name", name, _text_reason(e)))
        for day in span:
            if not first <= day <= last:
                errors.append(RowError(rowno, "date", raw_date,
                                       f"{day.isoformat()} 不属于{year}年的安排 / not part of the {year} arrangement"))
                break
            if day in seen:
                errors.append(RowError(rowno, "date", raw_date,
                                       f"{day.isoformat()} 与第{seen[day]}行重复 / duplicates row {seen[day]}"))
                continue
            seen[day] = rowno
            if kind == WORKDAY and day.weekday() < 5:
                errors.append(RowError(rowno, "date", raw_date,
                                       f"{day.isoformat()} 是工作日，调休上班日须为周六或周日 / "
                                       "a make-up working day must be a Saturday or Sunday"))
            elif kind == HOLIDAY and day.weekday() >= 5:
                skipped_weekend_holidays += 1
            elif kind is not None:
                days[day] = {"day": day, "kind": kind, "name": name}
    if data_rows == 0:
        errors.append(RowError(2, "date", "", "文件没有数据行 / the file has no data rows"))
    if errors:
        raise CalendarImportError(errors)
    return Notice(year=year, source=source.strip(), days=days, weekend_holidays_skipped=skipped_weekend_holidays)


def _text_reason(error: TextError) -> str:
    """A text rule's refusal, in both languages like the other reasons."""
    from .text_rules import message

    return message(error)


@dataclass(frozen=True)
class DayChange:
    """How one date changes when a notice is imported: ``before``/``after``
    are (kind, name) or None (a plain Monday–Friday day)."""

    day: date
    before: tuple[str, str | None] | None
    after: tuple[str, str | None] | None

    @property
    def weekday(self) -> int:
        return self.day.weekday()


def notice_changes(session: Session, notice: Notice) -> list[DayChange]:
    """The dates whose arrangement differs from what is stored, ascending:
    new holidays and make-up working days, and for a year already known the
    exceptions that change or disappear (they become plain days again)."""
    year = notice.year
    stored = {d.day: (d.kind, d.name) for d in session.exec(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))}
    early = [d for d in notice.days if d.year < year]
    if early:
        stored.update((d.day, (d.kind, d.name)) for d in session.exec(select(CalendarDay).where(
            CalendarDay.day.in_(early))))
    after = {d: (r["kind"], r["name"]) for d, r in notice.days.items()}
    return [DayChange(d, stored.get(d), after.get(d)) for d in sorted(set(stored) | set(after))
            if stored.get(d) != after.get(d)]


def decode_notice(data: bytes) -> str:
    """A notice file's bytes as text (UTF-8 with or without BOM, or GBK);
    :class:`CalendarImportError` otherwise."""
    return _decode(data)


def _decode(stream_or_text: str | bytes | IO) -> str:
    data = stream_or_text.read() if hasattr(stream_or_text, "read") else stream_or_text
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as e:
            raise CalendarImportError([RowError(0, "file", "", "文件编码须为 UTF-8 或 GBK / "
                                                              "the file must be UTF-8 or GBK encoded")]) from e


def _parse_date(text: str) -> date:
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError("日期格式须为 YYYY-MM-DD / date must be YYYY-MM-DD")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError("日期不存在 / no such date") from None


def _parse_span(text: str) -> list[date]:
    if not text:
        raise ValueError("日期不能为空 / date is required")
    for sep in _RANGE_SEPARATORS:
        if sep in text:
            a, b = text.split(sep, 1)
            start, end = _parse_date(a), _parse_date(b)
            if end < start or (end - start).days > 31:
                raise ValueError("日期范围无效（须从早到晚，不超过31天） / invalid range "
                                 "(must be ascending, at most 31 days)")
            return [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [_parse_date(text)]


# --------------------------------------------------------------------------
# Reading the calendar

def known_years(session: Session) -> dict[int, str]:
    """Years with a known arrangement, and their source."""
    return {y.year: y.source for y in session.exec(select(CalendarYear).order_by(CalendarYear.year))}


def require_years(session: Session, start: date, end: date) -> None:
    """Raise :class:`CalendarUnknown` unless every year from ``start`` to
    ``end`` has a known arrangement."""
    wanted = set(range(start.year, end.year + 1))
    rows = session.exec(select(CalendarYear.year).where(CalendarYear.year.in_(wanted))).all()
    missing = wanted - set(rows)
    if missing:
        raise CalendarUnknown(missing)


def exceptions(session: Session, start: date, end: date) -> tuple[set[date], set[date]]:
    """(holidays, workdays) between ``start`` and ``end`` inclusive; raises
    :class:`CalendarUnknown` for a range touching an unknown year."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    require_years(session, start, end)
    holidays, workdays = set(), set()
    for day, kind in session.execute(select(CalendarDay.day, CalendarDay.kind)
                                     .where(CalendarDay.day >= start, CalendarDay.day <= end)):
        (holidays if kind == HOLIDAY else workdays).add(day)
    return holidays, workdays


def window_calendar(session: Session, start: date, end: date) -> dict[str, list[str]]:
    """The ``calendar`` section of a draw instance for the window
    ``start``–``end``: ISO dates of weekday holidays and make-up working
    weekend days, ascending."""
    holidays, workdays = exceptions(session, start, end)
    return {"holidays": sorted(d.isoformat() for d in holidays),
            "workdays": sorted(d.isoformat() for d in workdays)}


def day_info(session: Session, year: int) -> list[CalendarDay]:
    """The stored exceptions of ``year`` (for display)."""
    return list(session.exec(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                       CalendarDay.day <= date(year, 12, 31))
                             .order_by(CalendarDay.day)))


def is_working_day(session: Session, day: date) -> bool:
    holidays, workdays = exceptions(session, day, day)
    return is_working(day, holidays, workdays)


def working_days(session: Session, start: date, end: date) -> list[date]:
    """The working days from ``start`` to ``end`` inclusive."""
    holidays, workdays = exceptions(session, start, end)
    return [d for d in _days(start, end) if is_working(d, holidays, workdays)]


def add_working_days(session: Session, day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself not counted;
    ``n`` = 0 gives ``day``). For deadlines such as publication within 20
    working days after a check ends. Raises :class:`CalendarUnknown` when the
    count runs into a year without a known arrangement."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return day
    # Loaded a year at a time: 20 working days never need more than two.
    segment_start, counted = day + timedelta(days=1), 0
    while True:
        segment_end = date(segment_start.year, 12, 31)
        holidays, workdays = exceptions(session, segment_start, segment_end)
        for d in _days(segment_start, segment_end):
            if is_working(d, holidays, workdays):
                counted += 1
                if counted == n:
                    return d
        segment_start = segment_end + timedelta(days=1)


def _days(start: date, end: date) -> Iterable[date]:
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)
