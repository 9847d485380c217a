"""Who may have which document, and how it is obtained: the one rule for
the pages and the API (issue 11: "downloaded from the pages and the API").

Each function looks the object up, applies the permission rule of the page
that offers the document and returns a :class:`Wanted` — the file name and
a callable that gives the :class:`~.cache.Outcome` (the PDF, or the state
of a background rendering). Anything the caller may not have raises
:class:`DocumentNotFound`, the same as an object that does not exist.

* public documents (published content, anyone): a published plan, a draw's
  public record (once committed, what the register shows), a task's results
  bulletin (once a record is published), a year's summary;
* a plan's document including drafts, and a draw's full record: planners
  and admins (the caller's role is checked by the view, as for the pages);
* a visit's inspection notice: a member of the visit's team, from the day
  the visit is visible (``my_visits.visit_detail``). It carries the visit's
  check code in clear, so it is not offered to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlmodel import Session

from ...models import Plan, Task, User
from .. import check_codes, draw_register, my_visits, visit_access, year_figures
from .. import draws as draw_service
from ..calendar import CalendarUnknown
from . import bulletin as bulletin_doc
from . import cache, draw_record as record_doc, notice as notice_doc, year_summary as summary_doc
from . import plan as plan_doc
from .common import department_names
from .render import chinese


class DocumentNotFound(LookupError):
    """No such document for this caller (or none at all)."""


@dataclass(frozen=True)
class Wanted:
    filename: str
    obtain: Callable[[], cache.Outcome]
    public: bool  # published content: cacheable by anyone


def _wanted(session: Session, kind: str, key: str, build: Callable[[], dict], filename: str,
            public: bool) -> Wanted:
    def obtain() -> cache.Outcome:
        with chinese():
            data = build()
        return cache.obtain(session, kind, key, data)

    return Wanted(filename, obtain, public)


def plan(session: Session, plan_id: int, *, drafts: bool) -> Wanted:
    """A plan's document; ``drafts`` (planners) includes unpublished plans,
    marked as drafts; without it only published ones exist."""
    found = session.get(Plan, plan_id)
    if found is None or (found.status == "draft" and not drafts):
        raise DocumentNotFound(plan_id)
    return _wanted(session, "plan", plan_doc.key(found), lambda: plan_doc.data(session, found),
                   plan_doc.filename(found), public=found.status != "draft")


def full_draw_record(session: Session, draw_id: int) -> Wanted:
    """A draw's full record with its trail (planners)."""
    draw = draw_service.get_draw(session, draw_id)
    if draw is None:
        raise DocumentNotFound(draw_id)
    return _wanted(session, "draw_record", record_doc.key(draw, "full"),
                   lambda: record_doc.data(session, draw, "full"), record_doc.filename(draw, "full"), public=False)


def public_draw_record(session: Session, code: str) -> Wanted:
    """A draw's public record: what the register shows (nothing before the
    commitment, nothing unrevealed)."""
    entry = draw_register.public_draw(session, code)
    if entry is None:
        raise DocumentNotFound(code)
    return _wanted(session, "draw_record", record_doc.key(entry.draw, "public"),
                   lambda: record_doc.data(session, entry.draw, "public"),
                   record_doc.filename(entry.draw, "public"), public=True)


def bulletin(session: Session, task_id: int) -> Wanted:
    """A task's results bulletin, once public (rendered in the background:
    the outcome may be ``pending`` or ``running``)."""
    task = session.get(Task, task_id)
    if not bulletin_doc.is_public(session, task):
        raise DocumentNotFound(task_id)
    return _wanted(session, "bulletin", bulletin_doc.key(task), lambda: bulletin_doc.data(session, task),
                   bulletin_doc.filename(task), public=True)


def year_summary(session: Session, year: int, department: str | None) -> Wanted:
    """The year's summary: none for a year out of range, an unknown
    department, or a year with neither a published plan nor a published
    record (nothing is rendered or stored for it)."""
    if not year_figures.valid_year(year) or (department is not None
                                             and department not in department_names(session)):
        raise DocumentNotFound(year)
    if year not in year_figures.years(session):
        raise DocumentNotFound(year)
    return _wanted(session, "year_summary", summary_doc.key(year, department),
                   lambda: summary_doc.data(session, year, department),
                   summary_doc.filename(year, department), public=True)


def visit_notice(session: Session, user: User | None, visit_pk: int,
                 public_url: Callable[[str], str]) -> Wanted:
    """The inspection notice of a visit, for its team only (the visit page's
    rule). ``public_url(code)`` is the check code page's address for the QR
    image."""
    try:
        detail = my_visits.visit_detail(session, user, visit_pk)
    except (visit_access.VisitNotFound, CalendarUnknown):
        raise DocumentNotFound(visit_pk) from None
    code = check_codes.code_for(session, detail.visit, detail.draw)
    return _wanted(session, "notice", f"visit:{detail.visit.id}",
                   lambda: notice_doc.data(session, detail, code, public_url(code) if code else None),
                   notice_doc.filename(detail), public=False)
