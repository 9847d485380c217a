"""The schedule of a draw: who visits whom on which day.

A draw's schedule is its staffed visits (``draw_visit``) that currently
count: the draw's own visits, with a visit replaced by a *sealed* redraw
swapped for the replacement (``current`` tells which row counts; a redraw
still under review does not count yet). Only drawn or sealed draws have a
schedule.

The visits of one draw are read with a single indexed query
(``draw_visit.draw_id``) into light :class:`ScheduleVisit` tuples and kept in
a small per-process cache keyed by the state of the draw chain (a schedule
changes only when a redraw is sealed). Filters (department, task, inspector:
JSON lists; district prefix; day) and the aggregations behind the charts run
in memory, which for a city-sized draw (15,000 visits, 1,200 inspectors)
costs milliseconds.

:func:`export_xlsx` writes the (filtered) schedule as an Excel workbook with
Chinese headers: one sheet of visits, one of inspectors' workload, one
describing the draw and the filter.
"""

from __future__ import annotations

import io
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from itertools import chain
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Department, District, Draw, DrawTask, DrawVisit, Inspector, Task
from .batch import gc_paused, json_lists
from .draws import history

SCHEDULE_STATES = ("drawn", "sealed")
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


class ScheduleError(LookupError):
    """The draw has no schedule (unknown, or not drawn yet)."""


class ScheduleVisit(NamedTuple):
    """One visit that counts (a named tuple: cheap to build by the ten
    thousand)."""

    row_id: int
    visit_id: str
    uscc: str
    entity_name: str
    district: str
    tasks: tuple[str, ...]
    departments: tuple[str, ...]
    team: tuple[str, ...]
    day: date
    draw_id: int  # the draw (or redraw) that produced this row
    replaces_id: int | None
    replaces_visit: str | None = None  # the original visit's id, for a redraw's replacement

    @property
    def joint(self) -> bool:
        return len(self.departments) > 1


@dataclass(frozen=True)
class ScheduleFilter:
    department: str = ""
    district: str = ""  # a code prefix (hierarchical district codes)
    task: str = ""  # task code within the draw
    inspector: str = ""
    day: date | None = None

    @classmethod
    def from_args(cls, args) -> "ScheduleFilter":
        """From request arguments; an unparsable day is ignored."""
        raw_day = (args.get("day") or "").strip()
        try:
            day = date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            day = None
        return cls(department=(args.get("department") or "").strip(),
                   district=(args.get("district") or "").strip(),
                   task=(args.get("task") or "").strip(),
                   inspector=(args.get("inspector") or "").strip(),
                   day=day)

    def args(self, **override) -> dict[str, str]:
        """As URL arguments, without empty values (``override`` replaces)."""
        values = {"department": self.department, "district": self.district, "task": self.task,
                  "inspector": self.inspector, "day": self.day.isoformat() if self.day else ""}
        values.update({k: ("" if v is None else str(v)) for k, v in override.items()})
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())

    def matches(self, v: ScheduleVisit) -> bool:
        return ((not self.department or self.department in v.departments)
                and (not self.task or self.task in v.tasks)
                and (not self.inspector or self.inspector in v.team)
                and (not self.district or v.district.startswith(self.district))
                and (self.day is None or v.day == self.day))


@dataclass
class Names:
    """Display names for codes: inspectors (name, department), departments,
    districts, tasks of the draw."""

    inspectors: dict[str, tuple[str, str]] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)

    def inspector(self, iid: str) -> str:
        name = self.inspectors.get(iid)
        return f"{iid} {name[0]}" if name else iid

    def district(self, code: str) -> str:
        return self.districts.get(code, code)

    def department(self, code: str) -> str:
        return self.departments.get(code, code)


# ------------------------------------------------------------------ reading


def schedulable_draws(session: Session) -> list[Draw]:
    """Original draws (not redraws) that have a schedule, newest first."""
    return list(session.exec(select(Draw).where(Draw.parent_id.is_(None), Draw.state.in_(SCHEDULE_STATES))
                             .order_by(Draw.id.desc())))


def get_schedule_draw(session: Session, draw_id: int) -> Draw:
    """The original draw whose schedule to show (a redraw's id leads to its
    original draw)."""
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise ScheduleError(draw_id)
    while draw.parent_id is not None:
        draw = session.get(Draw, draw.parent_id)
    if draw.state not in SCHEDULE_STATES:
        raise ScheduleError(draw_id)
    return draw


def _chain_key(session: Session, draw: Draw) -> tuple[tuple, list[int]]:
    """The cache key of a draw's schedule and the ids of the draws whose
    current visits count (the draw and its sealed redraws).

    Visits are immutable and a visit stops counting only when a redraw is
    sealed (in the same transaction as the redraw's state change), so the
    states of the draws in the chain, with their outcome digests and
    creation times, identify the schedule's content."""
    chain = history(session, draw)
    key = (str(session.get_bind().url),
           tuple((d.id, d.state, d.result_digest, d.created_at.isoformat() if d.created_at else None) for d in chain))
    return key, [d.id for d in chain if d.id == draw.id or d.state == "sealed"]


class CachedSchedule:
    """A draw's visits that count, and figures derived from them (filtered
    lists, summaries, per-inspector indexes), memoised per filter."""

    MEMO_SIZE = 64

    def __init__(self, rows: list[ScheduleVisit]) -> None:
        self.rows = rows
        self._memo: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def memo(self, key: tuple, compute: Callable[[], object]):
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > self.MEMO_SIZE:
                self._memo.popitem(last=False)
        return value


_cache: OrderedDict[tuple, CachedSchedule] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_DRAWS = 4  # schedules kept per process (a city's draw is ~15 MB of tuples)


def load_schedule(session: Session, draw: Draw) -> CachedSchedule:
    """The draw's schedule, read with one indexed query
    (``draw_visit.draw_id``) and kept in a small per-process cache keyed by
    the draw chain's state (see :func:`_chain_key`), so the schedule pages
    of a city-sized draw do not decode 15,000 rows of JSON on every
    request."""
    key, draw_ids = _chain_key(session, draw)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with gc_paused():
        schedule = _read_schedule(session, draw_ids)
    with _cache_lock:
        _cache[key] = schedule
        while len(_cache) > CACHE_DRAWS:
            _cache.popitem(last=False)
    return schedule


def _read_schedule(session: Session, draw_ids: list[int]) -> CachedSchedule:
    t = DrawVisit.__table__.c
    # The JSON lists come as text and each distinct text is decoded once:
    # a city's draw has ~30,000 of them but only a few dozen distinct task
    # and department lists (decoding every value was most of a cold load).
    query = (sa.select(t.id, t.visit_id, t.uscc, t.entity_name, t.district, sa.cast(t.tasks, sa.Text),
                       sa.cast(t.departments, sa.Text), sa.cast(t.team, sa.Text), t.day, t.draw_id, t.replaces_id)
             .where(t.draw_id.in_(draw_ids), t.current.is_(True))
             .order_by(t.day, t.district, t.visit_id))
    raw = session.execute(query).all()
    replaced = {r[10] for r in raw if r[10] is not None}
    originals = dict(session.execute(sa.select(t.id, t.visit_id).where(t.id.in_(replaced))).all()) if replaced else {}
    strings = json_lists(tuple)
    return CachedSchedule([
        ScheduleVisit(r[0], r[1], r[2], r[3], r[4], strings(r[5]), strings(r[6]), strings(r[7]),
                      r[8], r[9], r[10], originals.get(r[10]))
        for r in raw])


def load_visits(session: Session, draw: Draw) -> list[ScheduleVisit]:
    """The visits that count, ordered by day, district and visit id (a
    cached list: callers must not mutate it)."""
    return load_schedule(session, draw).rows


def filtered_visits(session: Session, draw: Draw, flt: ScheduleFilter) -> list[ScheduleVisit]:
    schedule = load_schedule(session, draw)
    if not flt.active:
        return schedule.rows
    return schedule.memo(("visits", flt), lambda: [v for v in schedule.rows if flt.matches(v)])


def summary_for(session: Session, draw: Draw, flt: ScheduleFilter) -> "Summary":
    """The chart figures of the filtered schedule (memoised)."""
    schedule = load_schedule(session, draw)
    return schedule.memo(("summary", flt), lambda: summarize(filtered_visits(session, draw, flt),
                                                             district_grouping(flt.district)))


def inspector_index(session: Session, draw: Draw, flt: ScheduleFilter) -> dict[str, list[ScheduleVisit]]:
    """Each inspector's visits in the filtered schedule (memoised)."""
    schedule = load_schedule(session, draw)
    return schedule.memo(("by_inspector", flt), lambda: by_inspector(filtered_visits(session, draw, flt)))


def day_index(session: Session, draw: Draw, flt: ScheduleFilter) -> dict[date, list[ScheduleVisit]]:
    """The filtered schedule's visits per day (memoised)."""
    schedule = load_schedule(session, draw)
    return schedule.memo(("by_day", flt), lambda: by_day(filtered_visits(session, draw, flt)))


def names_for(session: Session, draw: Draw) -> Names:
    """Names of every inspector, department and district, and the draw's
    tasks (code → name). One query per table; the registries of a city are a
    few thousand rows."""
    names = Names()
    for iid, name, dept in session.execute(sa.select(Inspector.id, Inspector.name, Inspector.department)):
        names.inspectors[iid] = (name, dept)
    names.departments = dict(session.execute(sa.select(Department.id, Department.name)).all())
    names.districts = dict(session.execute(sa.select(District.code, District.name)).all())
    names.tasks = dict(session.execute(
        sa.select(Task.code, Task.name).join(DrawTask, DrawTask.task_id == Task.id).where(DrawTask.draw_id == draw.id)
        .order_by(Task.code)).all())
    return names


# -------------------------------------------------------------- aggregation


@dataclass
class Summary:
    visits: int
    joint: int
    single: int
    per_inspector: dict[str, int]
    per_day: dict[date, int]
    per_district: dict[str, int]
    per_department: dict[str, int]
    per_task: dict[str, int]
    days: int
    entities: int

    @property
    def inspectors(self) -> int:
        return len(self.per_inspector)


def summarize(rows: list[ScheduleVisit], district_level_of=None) -> Summary:
    """Counts for the charts. ``district_level_of`` maps a visit's district
    code to the code to group by (e.g. its county); identity by default."""
    group = district_level_of or (lambda code: code)
    per_inspector = Counter(chain.from_iterable(v.team for v in rows))
    per_day = Counter(v.day for v in rows)
    per_district = Counter(map(group, (v.district for v in rows)))
    per_department = Counter(chain.from_iterable(v.departments for v in rows))
    per_task = Counter(chain.from_iterable(v.tasks for v in rows))
    joint = sum(1 for v in rows if len(v.departments) > 1)
    return Summary(
        visits=len(rows), joint=joint, single=len(rows) - joint,
        per_inspector=dict(per_inspector), per_day=dict(sorted(per_day.items())),
        per_district=dict(per_district.most_common()), per_department=dict(per_department.most_common()),
        per_task=dict(sorted(per_task.items())), days=len(per_day), entities=len({v.uscc for v in rows}),
    )


def district_grouping(district_filter: str) -> Callable[[str], str]:
    """How to group visits by district for the chart: by county (the first
    six digits) when no district is chosen, otherwise by the full code (the
    streets of the chosen county)."""
    if not district_filter:
        return lambda code: code[:6] if len(code) > 6 else code
    return lambda code: code


def by_day(rows: list[ScheduleVisit]) -> dict[date, list[ScheduleVisit]]:
    out: dict[date, list[ScheduleVisit]] = defaultdict(list)
    for v in rows:
        out[v.day].append(v)
    return dict(sorted(out.items()))


def by_inspector(rows: list[ScheduleVisit]) -> dict[str, list[ScheduleVisit]]:
    out: dict[str, list[ScheduleVisit]] = defaultdict(list)
    for v in rows:
        for iid in v.team:
            out[iid].append(v)
    return dict(sorted(out.items()))


def off_days(session: Session, draw: Draw) -> set[date]:
    """Non-working days of the draw's window (weekends and holidays, make-up
    working days excepted), from the calendar the draw was made with."""
    from . import calendar

    try:
        working = set(calendar.working_days(session, draw.window_start, draw.window_end))
    except calendar.CalendarUnknown:  # drawn windows have a known calendar; be safe for old rows
        working = {d for d in _days(draw.window_start, draw.window_end) if d.weekday() < 5}
    return {d for d in _days(draw.window_start, draw.window_end) if d not in working}


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d = date.fromordinal(d.toordinal() + 1)


def day_counts(visits: list[ScheduleVisit]) -> list[tuple[date, int]]:
    """(day, number of visits) in date order, for an inspector's row."""
    return sorted(Counter(v.day for v in visits).items())


def month_grid(first: date, last: date) -> list[tuple[int, int, list[list[date | None]]]]:
    """Calendar months covering ``first``–``last``: (year, month, weeks),
    each week a list of 7 dates (Monday first) or None outside the month."""
    import calendar as pycal

    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        weeks = [[d if d.month == m else None for d in week] for week in pycal.Calendar(0).monthdatescalendar(y, m)]
        months.append((y, m, weeks))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def filter_options(session: Session, draw: Draw, names: Names) -> dict:
    """Choices for the filter form, limited to what occurs in the draw:
    departments, tasks and districts (with their ancestors, so a county can
    be chosen as well as a street)."""
    schedule = load_schedule(session, draw)
    depts, codes = schedule.memo(("codes",), lambda: (
        sorted({d for v in schedule.rows for d in v.departments}), {v.district for v in schedule.rows}))
    parents, levels = {}, {}
    for code, parent, level in session.execute(sa.select(District.code, District.parent_code, District.level)):
        parents[code], levels[code] = parent, level
    with_ancestors = set()
    for code in codes:
        c = code
        while c and c not in with_ancestors:
            with_ancestors.add(c)
            c = parents.get(c)
    districts = [(c, names.district(c), levels.get(c, 0)) for c in sorted(with_ancestors) if levels.get(c, 3) >= 3]
    return {
        "departments": [(d, names.department(d)) for d in depts],
        "tasks": list(names.tasks.items()),
        "districts": districts,
    }


# ------------------------------------------------------------------- export

VISIT_HEADERS = ("检查编号", "检查日期", "星期", "统一社会信用代码", "检查对象名称", "区划代码", "所在区划",
                 "抽查任务", "检查部门", "联合检查", "检查人员编号", "检查人员姓名", "替换原检查")
LOAD_HEADERS = ("检查人员编号", "姓名", "所属部门", "检查户次", "检查日期")


def export_xlsx(draw: Draw, rows: list[ScheduleVisit], names: Names, flt: ScheduleFilter,
                now: datetime | None = None) -> bytes:
    """The schedule as an .xlsx workbook (openpyxl, write-only mode so a
    city-sized draw streams out without building cell objects); every
    string is a text cell, never a formula (``services/spreadsheet.py``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .spreadsheet import xlsx_row

    now = now or datetime.now(timezone.utc)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws, titles):
        ws.append(xlsx_row(ws, titles, font=bold))

    ws = wb.create_sheet("检查日程")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLM", (10, 12, 6, 22, 36, 12, 16, 24, 24, 9, 24, 24, 12)):
        ws.column_dimensions[col].width = width
    header(ws, VISIT_HEADERS)
    for v in rows:
        ws.append(xlsx_row(ws, [
            v.visit_id, v.day, WEEKDAYS[v.day.weekday()], v.uscc, v.entity_name, v.district, names.district(v.district),
            "、".join(f"{t} {names.tasks.get(t, '')}".strip() for t in v.tasks),
            "、".join(names.department(d) for d in v.departments),
            "是" if v.joint else "否",
            "、".join(v.team),
            "、".join(names.inspectors.get(i, ("",))[0] or i for i in v.team),
            v.replaces_visit or "",
        ]))

    ws2 = wb.create_sheet("检查人员工作量")
    ws2.freeze_panes = "A2"
    for col, width in zip("ABCDE", (14, 12, 24, 10, 60)):
        ws2.column_dimensions[col].width = width
    header(ws2, LOAD_HEADERS)
    for iid, visits in by_inspector(rows).items():
        name, dept = names.inspectors.get(iid, ("", ""))
        days = sorted({v.day for v in visits})
        ws2.append(xlsx_row(ws2, [iid, name, names.department(dept), len(visits),
                                  "、".join(d.isoformat() for d in days)]))

    ws3 = wb.create_sheet("说明")
    ws3.column_dimensions["A"].width = 16
    ws3.column_dimensions["B"].width = 80
    info = [
        ("抽取编号", draw.code),
        ("检查时段", f"{draw.window_start.isoformat()} 至 {draw.window_end.isoformat()}"),
        ("抽取状态", "已封存" if draw.state == "sealed" else "已抽取，待确认"),
        ("结果摘要", draw.result_digest or ""),
        ("筛选条件", "；".join(f"{k}={v}" for k, v in flt.args().items()) or "无"),
        ("检查户次", len(rows)),
        ("导出时间（UTC）", now.strftime("%Y-%m-%d %H:%M")),
        ("保密提示", "抽查名单在检查完成前保密，不得外传。"),
    ]
    for key, value in info:
        ws3.append(xlsx_row(ws3, [key, value]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
