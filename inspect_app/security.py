"""Accounts, password hashing, login state, role checks and CSRF.

Passwords are hashed with Argon2id (argon2-cffi). Every state-changing form is
protected by Flask-WTF's CSRF check. Views declare who may see them with
:func:`role_required`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from .db import get_session
from .models import User

csrf = CSRFProtect()
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def init_app(app) -> None:
    csrf.init_app(app)
    app.before_request(load_user)

    @app.context_processor
    def _user():
        return {"current_user": g.get("user")}


def load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is not None:
        user = get_session().get(User, uid)
        if user is not None and user.active and hmac.compare_digest(session.get("pw", ""), password_stamp(user)):
            g.user = user


def password_stamp(user: User) -> str:
    """A short keyed digest of the user's password hash, kept in the session:
    when the password is reset, existing sessions of that user end."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def login(user: User) -> None:
    session.clear()
    session["uid"] = user.id
    session["pw"] = password_stamp(user)
    session.permanent = False


def logout() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def role_required(*roles: str):
    """Anonymous users go to the login page; logged-in users without one of
    ``roles`` get 403. Admins may do everything planners may."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("user")
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            allowed = set(roles) | ({"admin"} if "planner" in roles else set())
            if user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(roles)
        return wrapped

    return decorator
