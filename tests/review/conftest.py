"""Fixtures of the review tests (issue 9: review, rectification, credit).

The app of tests/conftest.py with the draw documents in the test's own
folder and draw jobs run inline (as in tests/hardening/conftest.py), a
sealed draw, and :func:`make_result`, which writes a visit's result rows
directly in the state a test needs (the results service that creates and
submits them is another module's)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from sqlmodel import select

from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.models import CheckItem, Department, DrawVisit, Task, User
from inspect_app.services import draw_runs, draws
from inspect_app.visit_models import ItemResult, VisitResult

TODAY = date(2030, 3, 10)


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.fixture
def sealed(app, db_session, monkeypatch):
    """A sealed draw of the two-task plan (both tasks led by SCJG, the
    joint one with CGJ): (session, draw).

    Its secret is fixed, so that its visits' dates, and with them the split
    around TODAY that some tests need (e.g. test_progress_page's mix), are
    the same on every run."""
    monkeypatch.setattr(draw_runs, "secrets", SimpleNamespace(token_bytes=lambda n: bytes(range(n))))
    _, _plan, _tasks, draw = sealed_draw(db_session, app)
    monkeypatch.setattr(draws, "_today", lambda: TODAY)
    return db_session, draw


def live_visits(session, draw) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id, DrawVisit.current)
                             .order_by(DrawVisit.day, DrawVisit.visit_id)))


def joint_visit(session, draw) -> DrawVisit:
    return next(v for v in live_visits(session, draw) if len(v.departments) > 1)


def visit_items(session, draw, visit) -> list[CheckItem]:
    tasks = session.exec(select(Task).where(Task.plan_id == draw.plan_id, Task.code.in_(visit.tasks))).all()
    ids = [i for t in tasks for i in t.items]
    return list(session.exec(select(CheckItem).where(CheckItem.id.in_(ids)).order_by(CheckItem.id)))


def make_result(session, draw, visit, state: str = "submitted", codes: dict | None = None,
                rectify_by: dict | None = None, completed_on: date | None = None, revision: int = 1,
                by: str | None = None) -> VisitResult:
    """A current result of ``visit`` in ``state`` with one item result per
    check item of its tasks: ``codes`` / ``rectify_by`` map item codes
    (e.g. "SCJG-01") to a result code / a deadline (default 01, none).
    A revision > 1 keeps the earlier row (current False)."""
    codes, rectify_by = codes or {}, rectify_by or {}
    for old in session.exec(select(VisitResult).where(VisitResult.visit_pk == visit.id, VisitResult.current)):
        old.current = False
        session.add(old)
    session.flush()
    completed_on = completed_on or visit.day
    submitted = state != "draft" or revision > 1
    result = VisitResult(visit_pk=visit.id, revision=revision, current=True, state="draft", code_version=1,
                         completed_on=completed_on if submitted else None,
                         submitted_at=datetime(2030, 3, 1, 10, tzinfo=timezone.utc) if submitted else None,
                         submitted_by=by or (visit.team[0] if visit.team else None))
    session.add(result)
    session.flush()
    for item in visit_items(session, draw, visit):
        session.add(ItemResult(result_id=result.id, item_id=item.id, department=item.department,
                               code=codes.get(item.code, "01"), remark="备注" if item.code in codes else None,
                               rectify_by=rectify_by.get(item.code)))
    session.flush()
    result.state = state  # after its items: a submitted result's items are append-only (migration 0014)
    session.add(result)
    session.commit()
    return result


def user(session, username: str, role: str, department: str | None = None, inspector: str | None = None) -> User:
    """An account (created through the accounts service when missing)."""
    from inspect_app.services.accounts import create_account

    found = session.exec(select(User).where(User.username == username)).first()
    if found is not None:
        return found
    create_account(session, username, "correct-horse", role, department=department, inspector=inspector)
    return session.exec(select(User).where(User.username == username)).one()


@pytest.fixture
def people(sealed):
    """Accounts: SCJG planner, CGJ planner, a planner without department,
    an admin, an inspector on the first visit's team and one not on it."""
    s, draw = sealed
    assert s.get(Department, "CGJ") is not None
    from collections import Counter

    visits = live_visits(s, draw)  # by day
    per_member = Counter(m for v in visits for m in v.team)
    # an inspector with more than one visit, the first of them before TODAY
    on_team = next(m for v in visits if v.day < TODAY for m in v.team if per_member[m] > 1)
    first = next(v for v in visits if on_team in v.team)
    from inspect_app.models import Inspector

    off = next(i.id for i in s.exec(select(Inspector).order_by(Inspector.id)) if i.id not in first.team)
    return {
        "scjg": user(s, "scjg", "planner", department="SCJG"),
        "cgj": user(s, "cgj", "planner", department="CGJ"),
        "nodept": user(s, "nodept", "planner"),
        "admin": user(s, "admin", "admin"),
        "member": user(s, "member", "inspector", inspector=on_team),
        "stranger": user(s, "stranger", "inspector", inspector=off),
        "visit": first,
    }
