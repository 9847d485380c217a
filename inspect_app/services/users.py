"""User accounts."""

from __future__ import annotations

from sqlmodel import Session, select

from ..models import ROLES, Inspector, User
from ..security import hash_password


class UserError(ValueError):
    pass


def create_user(session: Session, username: str, password: str, role: str,
                inspector: str | None = None, department: str | None = None) -> User:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise UserError(f"user {username!r} exists already")
    if role == "inspector":
        if not inspector:
            raise UserError("an inspector account must name its inspector record")
        if session.get(Inspector, inspector) is None:
            raise UserError(f"no inspector with id {inspector!r}")
    user = User(username=username, password_hash=hash_password(password), role=role,
                inspector=inspector, department=department)
    session.add(user)
    session.commit()
    return user
