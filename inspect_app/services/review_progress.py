"""One page of a sealed draw's results progress, paged in SQL (issue 12's
results endpoint and the planner's results overview).

:func:`.review.draw_progress` reads every live visit of the draw's chain
(about 15,000 for a city) and builds a row for each before a page of 200 is
shown. :func:`progress_page` gives the same counts and the same rows of one
page with two queries: an aggregate by (state, done, overdue, completion
day) — a few hundred groups at most — from which the counts and the
publication deadlines are computed, then the page's rows with the filter in
SQL and ``LIMIT``/``OFFSET``. The rules (what is done, overdue, flagged
past or soon) are :func:`.review.draw_progress`'s, written once more as SQL
conditions; ``tests/review/test_progress_page.py`` checks that both agree
for every filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Draw, DrawVisit
from ..visit_models import VisitResult
from . import visit_access
from .review import ProgressRow, _soon_limit, chain_draw_ids, publication_deadlines

COUNT_KEYS = ("visits", "done", "open", "draft", "submitted", "returned", "approved", "overdue",
              "deadline_past", "deadline_soon", "deadline_unknown")


@dataclass
class ProgressPage:
    draw: Draw
    today: date
    counts: dict[str, int]
    rows: list[ProgressRow]  # this page's
    total: int  # rows under the filter
    page: int
    pages: int


def progress_page(session: Session, draw: Draw | None, status: str | None, page: int, per_page: int,
                  today: date | None = None) -> ProgressPage | None:
    """Page ``page`` (from 1; past the last: the last) of ``per_page`` rows
    under the filter ``status`` (one of :data:`.review.STATUS_FILTERS` or
    None). None for a draw that is not sealed, or cancelled."""
    if draw is None or draw.state != "sealed" or draw.cancelled_at is not None:
        return None
    today = today or visit_access._today()
    v, r = DrawVisit.__table__.c, VisitResult.__table__.c
    joined = DrawVisit.__table__.outerjoin(VisitResult.__table__, sa.and_(r.visit_pk == v.id, r.current.is_(True)))
    live = sa.and_(v.draw_id.in_(chain_draw_ids(session, draw)), v.current.is_(True))
    done = sa.and_(r.state.is_not(None), sa.or_(r.state != "draft", sa.func.coalesce(r.revision, 1) > 1,
                                                 r.submitted_at.is_not(None)))
    overdue = sa.and_(sa.not_(done), v.day < today)
    done_col = sa.case((done, 1), else_=0)
    overdue_col = sa.case((overdue, 1), else_=0)
    groups = session.execute(sa.select(r.state, done_col, overdue_col, r.completed_on, sa.func.count())
                             .select_from(joined).where(live)
                             .group_by(r.state, done_col, overdue_col, r.completed_on)).all()
    deadlines = publication_deadlines(session, {g[3] for g in groups if g[1] and g[3] is not None})
    soon = _soon_limit(session, today)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    flagged: set[date] = set()  # completion days whose deadline is past or soon
    for state, is_done, is_overdue, completed_on, n in groups:
        counts["visits"] += n
        counts[state or "open"] += n
        if is_done:
            counts["done"] += n
            if completed_on is not None:
                deadline = deadlines.get(completed_on)
                if deadline is None:
                    counts["deadline_unknown"] += n
                elif state != "approved" and deadline <= soon:
                    counts["deadline_past" if deadline < today else "deadline_soon"] += n
                    flagged.add(completed_on)
        elif is_overdue:
            counts["overdue"] += n
    if status is None:
        where, total = live, counts["visits"]
    elif status == "open":
        where, total = sa.and_(live, r.state.is_(None)), counts["open"]
    elif status == "overdue":
        where, total = sa.and_(live, overdue), counts["overdue"]
    elif status == "deadline":
        where = sa.and_(live, done, r.state != "approved", r.completed_on.in_(sorted(flagged))) if flagged \
            else sa.false()
        total = counts["deadline_past"] + counts["deadline_soon"]
    else:
        where, total = sa.and_(live, r.state == status), counts.get(status, 0)
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    raw = session.execute(
        sa.select(v.id, v.visit_id, v.uscc, v.entity_name, v.day, r.state, r.revision, r.completed_on,
                  r.submitted_at, done_col)
        .select_from(joined).where(where).order_by(v.day, v.visit_id, v.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    rows = []
    for pk, visit_id, uscc, name, day, state, revision, completed_on, _submitted_at, is_done in raw:
        row = ProgressRow(pk, visit_id, uscc, name, day, state, revision, completed_on)
        if is_done:
            row.done = True
            if completed_on is not None:
                row.deadline = deadline = deadlines.get(completed_on)
                row.deadline_unknown = deadline is None
                if deadline is not None and state != "approved" and deadline <= soon:
                    row.flag = "past" if deadline < today else "soon"
        elif day < today:
            row.overdue = True
        rows.append(row)
    return ProgressPage(draw, today, counts, rows, total, page, pages)
