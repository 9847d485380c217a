"""What the planner reviews before sealing a draw: visits with teams, joint
visits, unfilled visits with reasons, exclusions, and figures as
server-rendered SVG charts (workload per inspector, visits per day as a
calendar, visits per district)."""

from __future__ import annotations

from dataclasses import dataclass

from .messages import _
from markupsafe import Markup
from sqlmodel import Session, select

from ..models import District, Draw, DrawVisit, Entity, Inspector
from . import charts, draw_store
from .draws import ReviewFigures, review_figures, visits


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


def review(session: Session, draw: Draw, page: int = 1, per_page: int = 200) -> Review:
    """The figures cover all visits; ``visits`` holds page ``page``."""
    rows = visits(session, draw)
    outcome = draw_store.read_document(draw.outcome_path)
    names = {}
    usccs = [u["uscc"] for u in outcome["unfilled"]]
    if usccs:
        names = dict(session.exec(select(Entity.uscc, Entity.name).where(Entity.uscc.in_(usccs))).all())
    unfilled = [dict(u, name=names.get(u["uscc"], "")) for u in outcome["unfilled"]]
    figures = review_figures(rows, len(unfilled))
    shown = rows[(page - 1) * per_page: page * per_page]
    ids = sorted({i for v in shown for i in v.team} | set(figures.per_inspector))
    inspectors = {i.id: i for i in session.exec(select(Inspector).where(Inspector.id.in_(ids)))} if ids else {}
    codes = sorted(figures.per_district)
    districts = dict(session.exec(select(District.code, District.name).where(District.code.in_(codes))).all()) \
        if codes else {}
    loads = {f"{i} {inspectors[i].name if i in inspectors else ''}".strip(): n
             for i, n in figures.per_inspector.items()}
    return Review(
        visits=shown, pages=max(1, -(-len(rows) // per_page)), unfilled=unfilled, excluded=outcome.get("excluded", {}),
        samples={t: len(s) for t, s in outcome["samples"].items()}, figures=figures,
        inspectors=inspectors, districts=districts,
        workload_chart=charts.workload_chart(loads, title=_("检查人员工作量（次）")),
        calendar_chart=charts.calendar_heatmap(figures.per_day, title=_("每日检查次数"),
                                               start=draw.window_start, end=draw.window_end),
        district_chart=charts.bar_chart([(f"{districts.get(c, '')} {c}".strip(), n)
                                         for c, n in figures.per_district.items()],
                                        title=_("各区域检查次数")),
    )
