"""What the planner reviews before sealing a draw: visits with teams, joint
visits, unfilled visits with reasons, exclusions, and figures as
server-rendered SVG charts (workload per inspector, visits per day as a
calendar, visits per district).

The figures over the whole draw and the unfilled visits are computed once,
when the outcome is stored (:func:`summarize`, called by
``draw_runs.store_outcome``), and kept in ``draw_summary``; a view reads
that row, one page of visits and one page of unfilled visits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from markupsafe import Markup
from sqlmodel import Session, select

from ..models import District, Draw, DrawSummary, DrawVisit, Entity, Inspector
from . import charts, draw_store
from .batch import json_lists
from .messages import _, department_names
from .unfilled_reasons import reason_text


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
    unfilled: list[dict]  # one page of them: uscc, name, tasks, reason, reason_text
    unfilled_pages: int
    unfilled_page: int
    excluded: dict[str, dict[str, int]]
    samples: dict[str, int]
    figures: ReviewFigures
    inspectors: dict[str, str]  # id -> name
    districts: dict[str, str]
    workload_chart: Markup
    calendar_chart: Markup
    district_chart: Markup


def summarize(draw_id: int, visits, unfilled: list[dict]) -> DrawSummary:
    """The review's figures of a draw: ``visits`` yields (team, departments,
    day, district) per staffed visit; ``unfilled`` are the outcome's
    unfilled visits with the entity's ``name`` added."""
    per_inspector: Counter[str] = Counter()
    per_day: Counter = Counter()
    per_district: Counter[str] = Counter()
    n = joint = 0
    for team, departments, day, district in visits:
        n += 1
        joint += len(departments) > 1
        per_inspector.update(team)
        per_day[day.isoformat() if isinstance(day, date) else day] += 1
        per_district[district] += 1
    return DrawSummary(draw_id=draw_id, visits=n, joint=joint, per_inspector=dict(sorted(per_inspector.items())),
                       per_day=dict(sorted(per_day.items())), per_district=dict(sorted(per_district.items())),
                       unfilled=unfilled)


def draw_summary(session: Session, draw: Draw) -> DrawSummary:
    """The stored summary (written with the visits since migration 0007);
    for a draw stored before, computed from its visits and outcome file
    once and stored."""
    found = session.get(DrawSummary, draw.id)
    if found is not None:
        return found
    summary = summarize(draw.id, _stored_visits(session, draw), _unfilled_from_outcome(session, draw))
    session.add(summary)
    session.commit()
    return summary


def _unfilled_from_outcome(session: Session, draw: Draw) -> list[dict]:
    if not (draw.stats or {}).get("unfilled", 1):
        return []
    outcome = draw_store.read_document(draw.outcome_path)
    usccs = [u["uscc"] for u in outcome["unfilled"]]
    names = dict(session.exec(select(Entity.uscc, Entity.name).where(Entity.uscc.in_(usccs))).all()) if usccs else {}
    return [dict(u, name=names.get(u["uscc"], "")) for u in outcome["unfilled"]]


def _stored_visits(session: Session, draw: Draw):
    """(team, departments, day, district) of the draw's visits, read as
    plain columns (each distinct JSON text decoded once)."""
    t = DrawVisit.__table__.c
    strings = json_lists()
    rows = session.execute(sa.select(sa.cast(t.team, sa.Text), sa.cast(t.departments, sa.Text), t.day, t.district)
                           .where(t.draw_id == draw.id))
    for team, departments, day, district in rows:
        yield strings(team), strings(departments), day, district


def _samples_and_excluded(draw: Draw) -> tuple[dict, dict]:
    stats = draw.stats or {}
    if "samples" in stats and "excluded" in stats:
        return stats["samples"], stats["excluded"]
    outcome = draw_store.read_document(draw.outcome_path)
    return ({t: len(s) for t, s in outcome["samples"].items()}, outcome.get("excluded", {}))


OUTCOME_STATES = ("drawn", "sealed")


def sample_sizes(draw: Draw) -> dict[str, int]:
    """Task code → the number of entities sampled (from the stored stats, else the outcome)."""
    return _samples_and_excluded(draw)[0]


def require_outcome(draw: Draw) -> None:
    """The outcome exists for review only once drawn (planners: the review
    page and the API); before that a :class:`~.draws.DrawError`."""
    from .draws import DrawError

    if draw.state not in OUTCOME_STATES:
        raise DrawError(_("抽取结果尚未产生"))


def review(session: Session, draw: Draw, page: int = 1, per_page: int = 200,
           unfilled_page: int = 1) -> Review:
    """The figures cover all visits; ``visits`` holds page ``page`` of the
    visits and ``unfilled`` page ``unfilled_page`` of the unfilled ones."""
    summary = draw_summary(session, draw)
    samples, excluded = _samples_and_excluded(draw)
    figures = ReviewFigures(summary.visits, summary.joint, len(summary.unfilled), summary.per_inspector,
                            {date.fromisoformat(d): n for d, n in summary.per_day.items()}, summary.per_district)
    shown = list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.visit_id)
                              .offset((page - 1) * per_page).limit(per_page)))
    unfilled_pages = max(1, -(-len(summary.unfilled) // per_page))
    unfilled_page = min(max(1, unfilled_page), unfilled_pages)
    unfilled = summary.unfilled[(unfilled_page - 1) * per_page:unfilled_page * per_page]
    if unfilled:  # the reason in the page's language, from its code (format /2) or as sealed (/1)
        departments = department_names(session)
        unfilled = [dict(u, reason_text=reason_text(u.get("reason"), departments)) for u in unfilled]
    ids = sorted({i for v in shown for i in v.team} | set(figures.per_inspector))
    names = dict(session.execute(sa.select(Inspector.id, Inspector.name).where(Inspector.id.in_(ids))).all()) \
        if ids else {}
    codes = sorted(figures.per_district)
    districts = dict(session.exec(select(District.code, District.name).where(District.code.in_(codes))).all()) \
        if codes else {}
    loads = {f"{i} {names.get(i, '')}".strip(): n for i, n in figures.per_inspector.items()}
    return Review(
        visits=shown, pages=max(1, -(-figures.visits // per_page)), unfilled=unfilled,
        unfilled_pages=unfilled_pages, unfilled_page=unfilled_page, excluded=excluded,
        samples=samples, figures=figures, inspectors=names, districts=districts,
        workload_chart=charts.workload_chart(loads, title=_("检查人员工作量（次）")),
        calendar_chart=charts.calendar_heatmap(figures.per_day, title=_("每日检查次数"),
                                               start=draw.window_start, end=draw.window_end,
                                               **charts.calendar_texts()),
        district_chart=charts.bar_chart([(f"{districts.get(c, '')} {c}".strip(), n)
                                         for c, n in figures.per_district.items()],
                                        title=_("各区域检查次数")),
    )
