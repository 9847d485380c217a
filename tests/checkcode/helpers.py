"""Helpers of the check-code tests (fixtures in conftest.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import select

from inspect_app.models import DrawVisit
from inspect_app.services import check_codes, draws, visit_access
from inspect_app.visit_models import VisitResult

KEY = "test-check-code-key"


def set_today(monkeypatch, day: date) -> None:
    monkeypatch.setattr(draws, "_today", lambda: day)


def visits_of(session, draw) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.id)))


def single_department_visit(session, draw) -> DrawVisit:
    """A visit of SCJG only (task T1), with a team."""
    return next(v for v in visits_of(session, draw) if v.departments == ["SCJG"] and v.team)


def joint_visit(session, draw) -> DrawVisit:
    return next(v for v in visits_of(session, draw) if "CGJ" in v.departments and v.team)


def code_of(visit, draw) -> str:
    return check_codes.derive_code(visit.id, draw.code, KEY.encode())


def on_visit_day(monkeypatch, session, visit) -> date:
    """Today = the visit's first visible day (or its day)."""
    day = visit_access.visible_from(session, visit.day) or visit.day
    set_today(monkeypatch, day)
    return day


def submit(session, visit, completed_on: date, revision: int = 1, current: bool = True) -> VisitResult:
    row = VisitResult(visit_pk=visit.id, revision=revision, current=current, state="submitted", code_version=1,
                      completed_on=completed_on, submitted_at=datetime(2030, 3, 20, 9, tzinfo=timezone.utc),
                      submitted_by="x")
    session.add(row)
    session.commit()
    return row
