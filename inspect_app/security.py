"""Accounts, password hashing, login state, role checks, CSRF and the
security headers every response carries.

Passwords are hashed with Argon2id (argon2-cffi). Every state-changing form is
protected by Flask-WTF's CSRF check. Views declare who may see them with
:func:`role_required`.

Sessions are signed cookies that carry the user's id and *session version*
(``user_account.session_version``). :func:`load_user` accepts a cookie only
while its version equals the stored one, so bumping the version (logout,
password change or reset, deactivation, reactivation, role change, an admin's
"end sessions") ends every earlier session of that user at once, including
copies of the cookie.

Redirects to a target taken from the request go through :func:`safe_target`.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from .db import get_session
from .models import User

csrf = CSRFProtect()
_hasher = PasswordHasher()

# Blueprints whose pages are never public; their responses are never cached.
PRIVATE_BLUEPRINTS = frozenset({"planner", "admin", "auth"})

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self'",  # the in-browser draw verifier (static/verify/worker.js)
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
))


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
    app.after_request(security_headers)

    @app.context_processor
    def _user():
        return {"current_user": g.get("user")}


def load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is not None:
        user = get_session().get(User, uid)
        if user is not None and user.active and session.get("sv") == user.session_version:
            g.user = user


def login(user: User) -> None:
    session.clear()
    session["uid"] = user.id
    session["sv"] = user.session_version
    session.permanent = False


def logout() -> None:
    """Ends the current user's sessions everywhere (the session version is
    bumped, so a copy of this cookie stops working too) and clears this
    cookie, keeping only the language choice."""
    user = g.get("user")
    if user is not None:
        from .services.accounts import end_sessions

        end_sessions(get_session(), user.id)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def safe_target(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``.

    Only a relative reference starting with one ``/`` is accepted. Refused:
    anything with a scheme or host (``https://x``, ``//x``), backslashes
    (browsers read ``/\\x`` as ``//x``), and control or space characters
    (browsers drop TAB/CR/LF from URLs, so ``/\\t/x`` becomes ``//x``).

    >>> safe_target("/planner/?page=2", "/")
    '/planner/?page=2'
    >>> [safe_target(t, "/") for t in ("//evil.example", "/\\t/evil.example", "/\\\\evil", "https://evil", "x")]
    ['/', '/', '/', '/', '/']
    """
    if not target or not isinstance(target, str):
        return fallback
    if any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in target) or "\\" in target:
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def security_headers(response):
    """Headers on every response: a strict Content Security Policy (no
    framing, no inline script or style), no MIME sniffing, no referrer to
    other sites, and ``Cache-Control: no-store`` on every page for a
    logged-in user and every non-public page. No ``Server`` banner is
    added by the app (configure the WSGI server / proxy not to add one)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if g.get("user") is not None or request.blueprint in PRIVATE_BLUEPRINTS or session.get("uid") is not None:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("Pragma", None)
        response.vary.add("Cookie")
    for name in ("Server", "X-Powered-By"):
        headers.pop(name, None)
    return response


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
