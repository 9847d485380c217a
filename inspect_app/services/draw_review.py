"""What the planner reviews before sealing a draw: visits with teams, joint
visits, unfilled visits with reasons, exclusions, and figures as
server-rendered SVG charts (workload per inspector, visits per day as a
calendar, visits per district)."""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from markupsafe import Markup
from sqlmodel import Session, select

from ..models import District, Draw, DrawVisit, Entity, Inspector
from . import charts, draw_store
from .messages import _



@dataclass
class ReviewFigures:
    visits: int
    joint: int
    unfilled: int
    per_inspector: dict[str, int]
    per_day: dict[date, int]
    per_district: dict[str, int]


@dataclass
class Review:
    visits: list[DrawVisit]  # one page of them
    pages: int
    unfilled: list[dict]  # uscc, name, tasks, reason
    excluded: dict[str, dict[str, int]]
    samples: dict[str, int]
    figures: ReviewFigures
    inspectors: dict[str, Inspector]
    districts: dict[str, str]
    workload_chart: Markup
    calendar_chart: Markup
    district_chart: Markup


def _outcome_summary(session: Session, draw: Draw) -> tuple[list[dict], dict, dict]:
    """(unfilled visits with entity names, samples per task, exclusions); the
    outcome file is read only when there are unfilled visits to list."""
    stats = draw.stats or {}
    outcome = None
    if stats.get("unfilled", 1) or "samples" not in stats:
        outcome = draw_store.read_document(draw.outcome_path)
    unfilled = []
    if outcome is not None and outcome["unfilled"]:
        usccs = [u["uscc"] for u in outcome["unfilled"]]
        names = dict(session.exec(select(Entity.uscc, Entity.name).where(Entity.uscc.in_(usccs))).all())
        unfilled = [dict(u, name=names.get(u["uscc"], "")) for u in outcome["unfilled"]]
    samples = stats.get("samples") or {t: len(s) for t, s in outcome["samples"].items()}
    excluded = stats.get("excluded") if "excluded" in stats else outcome.get("excluded", {})
    return unfilled, samples, excluded


# An outcome and a draw's visits never change once written (only a visit's
# ``current`` flag, which the review does not use), so what the review derives
# from them is kept per process, keyed by the database, draw and result digest.
_cache: OrderedDict[tuple, tuple] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 8


def _summary_and_figures(session: Session, draw: Draw) -> tuple:
    key = (str(session.get_bind().url), draw.id, draw.result_digest)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    unfilled, samples, excluded = _outcome_summary(session, draw)
    value = (unfilled, samples, excluded, figures_of(session, draw, len(unfilled)))
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def review(session: Session, draw: Draw, page: int = 1, per_page: int = 200) -> Review:
    """The figures cover all visits; ``visits`` holds page ``page``."""
    unfilled, samples, excluded, figures = _summary_and_figures(session, draw)
    shown = list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.visit_id)
                              .offset((page - 1) * per_page).limit(per_page)))
    ids = sorted({i for v in shown for i in v.team} | set(figures.per_inspector))
    inspectors = {i.id: i for i in session.exec(select(Inspector).where(Inspector.id.in_(ids)))} if ids else {}
    codes = sorted(figures.per_district)
    districts = dict(session.exec(select(District.code, District.name).where(District.code.in_(codes))).all()) \
        if codes else {}
    loads = {f"{i} {inspectors[i].name if i in inspectors else ''}".strip(): n
             for i, n in figures.per_inspector.items()}
    return Review(
        visits=shown, pages=max(1, -(-figures.visits // per_page)), unfilled=unfilled, excluded=excluded,
        samples=samples, figures=figures, inspectors=inspectors, districts=districts,
        workload_chart=charts.workload_chart(loads, title=_("检查人员工作量（次）")),
        calendar_chart=charts.calendar_heatmap(figures.per_day, title=_("每日检查次数"),
                                               start=draw.window_start, end=draw.window_end),
        district_chart=charts.bar_chart([(f"{districts.get(c, '')} {c}".strip(), n)
                                         for c, n in figures.per_district.items()],
                                        title=_("各区域检查次数")),
    )


def figures_of(session: Session, draw: Draw, unfilled: int) -> ReviewFigures:
    """Visits, joint visits and loads per inspector, day and district, read
    as plain columns (JSON decoded once per distinct value)."""
    t = DrawVisit.__table__.c
    decoded: dict[str, list[str]] = {}

    def strings(text: str) -> list[str]:
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = json.loads(text)
        return found

    per_inspector: Counter[str] = Counter()
    per_day: Counter = Counter()
    per_district: Counter[str] = Counter()
    visits = joint = 0
    rows = session.execute(sa.select(sa.cast(t.team, sa.Text), sa.cast(t.departments, sa.Text), t.day, t.district)
                           .where(t.draw_id == draw.id))
    for team, departments, day, district in rows:
        visits += 1
        joint += len(strings(departments)) > 1
        per_inspector.update(strings(team))
        per_day[day] += 1
        per_district[district] += 1
    return ReviewFigures(visits, joint, unfilled, dict(sorted(per_inspector.items())),
                         dict(sorted(per_day.items())), dict(sorted(per_district.items())))
