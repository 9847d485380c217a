"""Helpers for the API tests: accounts with tokens, and calls with them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import select

from inspect_app.db import get_session
from inspect_app.models import Department, User
from inspect_app.services import accounts, api_tokens

PASSWORD = "correct-horse-battery"


def make_user(app, username: str, role: str, **kw) -> int:
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            if role == "planner" and "department" not in kw and session.get(Department, "SCJG"):
                kw["department"] = "SCJG"
            user = accounts.create_account(session, username, PASSWORD, role, **kw)
        return user.id


def token_for(app, username: str, role: str = "planner", expires_at: datetime | None = None,
              now: datetime | None = None, **kw) -> str:
    """A fresh token of the user ``username`` (created with ``role`` if missing)."""
    user_id = make_user(app, username, role, **kw)
    with app.app_context():
        session = get_session()
        _t, secret = api_tokens.create_token(session, session.get(User, user_id), f"test {username}",
                                             expires_at, now=now)
        return secret


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
