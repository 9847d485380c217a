"""Fixtures of the results tests (issue 9): the hardening tests' app (draw
documents in the test's folder, jobs inline), a sealed draw, and a joint
visit of it with inspector accounts for its lead, another team member and
an inspector outside the team; "today" is the visit's date."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.models import Draw, DrawVisit, Inspector, User
from inspect_app.services import accounts, draws, visit_access

PASSWORD = "correct-horse"


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.fixture
def sealed(app, db_session):
    """A sealed draw of the two-task plan: (session, plan, tasks, draw)."""
    return sealed_draw(db_session, app)


@dataclass
class Team:
    session: Session
    draw: Draw
    visit: DrawVisit
    lead: User
    member: User
    outsider: User
    items: list[int]  # check item ids of the visit, in order


def inspector_account(session: Session, inspector: str) -> User:
    return accounts.create_account(session, f"u{inspector.lower()}", PASSWORD, "inspector", inspector=inspector)


@pytest.fixture
def team(sealed, monkeypatch) -> Team:
    """The first joint visit (tasks T1 and T2 or T2: several items, two
    departments) with accounts; today is the visit's date."""
    from inspect_app.services import results

    session, _plan, _tasks, draw = sealed
    visits = session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.day,
                                                                                          DrawVisit.id)).all()
    visit = next(v for v in visits if "T2" in (v.tasks or []) and len(v.team or []) >= 2)
    monkeypatch.setattr(draws, "_today", lambda: visit.day)
    lead_id = visit_access.lead_inspector(session, draw, visit)
    member_id = next(m for m in visit.team if m != lead_id)
    outsider_id = next(i for i in session.exec(select(Inspector.id).order_by(Inspector.id)) if i not in visit.team)
    lead, member, outsider = (inspector_account(session, i) for i in (lead_id, member_id, outsider_id))
    items = [i.id for i in results.visit_items(session, draw, visit)]
    return Team(session, draw, visit, lead, member, outsider, items)
