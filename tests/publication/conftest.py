"""Fixtures of the publication tests (issue 10, 一公开): the review tests'
app, sealed draw and accounts (tests/review/conftest.py), and helpers that
approve a visit's result through the review service."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from inspect_app.models import Entity
from inspect_app.services import review
from review.conftest import TODAY, app, joint_visit, live_visits, make_result, people, sealed, user  # noqa: F401

PASSWORD = "correct-horse"


def approve(s, draw, visit, admin, today: date = TODAY, **kw):
    """A submitted result of ``visit`` (``make_result`` options), approved."""
    make_result(s, draw, visit, **kw)
    return review.approve(s, admin, visit.id, today=today)


def individual(s, visit, name: str, operator: str = "张三丰") -> Entity:
    """Make the visit's entity an individual business run by ``operator``."""
    entity = s.exec(select(Entity).where(Entity.uscc == visit.uscc)).one()
    entity.type, entity.legal_rep, entity.name = "个体工商户", operator, name
    s.add(entity)
    s.commit()
    return entity


def client_for(flask_app, username):
    client = flask_app.test_client()
    if username is not None:
        r = client.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, username
    return client
