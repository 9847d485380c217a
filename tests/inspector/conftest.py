"""Fixtures of the inspector-side tests (issue 9): the app of
tests/conftest.py with the draw documents in the test's own folder and draw
jobs run inline, a sealed draw, and inspector accounts for its teams."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.models import DrawVisit
from inspect_app.services import draws
from inspect_app.services.accounts import create_account

PASSWORD = "correct-horse"
TODAY = date(2030, 3, 1)  # the first day of the test draw's window (a Friday)


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.fixture
def today(monkeypatch):
    """Sets the services' today (``draws._today``); returns a setter."""
    def set_today(day: date) -> date:
        monkeypatch.setattr(draws, "_today", lambda: day)
        return day

    set_today(TODAY)
    return set_today


@pytest.fixture
def sealed(app, db_session, today):
    """A sealed draw of the two-task plan: (session, plan, tasks, draw)."""
    return sealed_draw(db_session, app, today=date(2030, 2, 1))


def draw_visits(session, draw) -> list[DrawVisit]:
    return list(session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.day,
                                                                                               DrawVisit.visit_id)))


def inspector_account(session, inspector_id: str, username: str | None = None) -> str:
    """An inspector account linked to ``inspector_id``; returns its username."""
    username = username or f"u{inspector_id}".lower()
    create_account(session, username, PASSWORD, "inspector", inspector=inspector_id)
    return username


def login(client, username: str):
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.data
    return r
