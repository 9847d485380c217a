"""Personal API tokens: create, list, revoke and authenticate (issue 12).

The one place where tokens change, so that every create and revoke can be
audit-logged here. A token is ``insp_`` followed by 43 URL-safe characters
(256 random bits); only its SHA-256 is stored, and it is shown to its owner
once. A token authenticates as long as it is not revoked, not expired and
its user is active; it carries the user's current role (a role change takes
effect on the next request). Every user may create and revoke their own
tokens; an admin may revoke anyone's. Tokens are never deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from ..models import User
from ..token_models import ApiToken
from . import audit

PREFIX = "insp_"
LOCAL = ZoneInfo("Asia/Shanghai")
MAX_ACTIVE_TOKENS = 20  # unrevoked, unexpired tokens per user
MAX_NAME_LENGTH = 64
MAX_DAYS = 366 * 2  # an expiry at most this far ahead
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most this often


def N_(msgid: str) -> str:
    """Marks a message id for extraction; the view translates it."""
    return msgid


class TokenError(ValueError):
    """A refused token change: ``field`` names the form field, ``msgid`` the
    Chinese message (``%(name)s`` placeholders from ``params``)."""

    def __init__(self, field: str, msgid: str, **params):
        self.field, self.msgid, self.params = field, msgid, params
        super().__init__(f"{field}: {msgid % params if params else msgid}")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def is_active(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or datetime.now(timezone.utc)
    expires = _aware(token.expires_at)
    return token.revoked_at is None and (expires is None or expires > now)


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones included)."""
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user_id)
                             .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all())


def end_of_day(day: date) -> datetime:
    """The expiry a user picks as a date: the end of that day in
    Asia/Shanghai, as a UTC moment (the account page and the API)."""
    return datetime.combine(day, time(23, 59, 59), LOCAL).astimezone(timezone.utc)


def create_token(session: Session, user: User, name: str, expires_at: datetime | None = None,
                 *, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token itself (the
    only time it is available). Commits."""
    now = now or datetime.now(timezone.utc)
    name = (name or "").strip()
    if not name:
        raise TokenError("name", N_("请填写令牌名称"))
    if len(name) > MAX_NAME_LENGTH or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name):
        raise TokenError("name", N_("令牌名称最多 %(n)s 个字符，且不能含控制字符"), n=MAX_NAME_LENGTH)
    expires_at = _aware(expires_at)
    if expires_at is not None:
        if expires_at <= now:
            raise TokenError("expires_at", N_("有效期必须晚于现在"))
        if expires_at > now + timedelta(days=MAX_DAYS):
            raise TokenError("expires_at", N_("有效期最长 %(n)s 天"), n=MAX_DAYS)
    active = [t for t in tokens_of(session, user.id) if is_active(t, now)]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise TokenError("name", N_("有效令牌最多 %(n)s 个，请先撤销不用的令牌"), n=MAX_ACTIVE_TOKENS)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), prefix=secret[:12],
                     created_at=now, expires_at=expires_at)
    session.add(token)
    session.flush()
    audit.record(session, action="account.token_created", object_type="api_token", object_id=token.id,
                 details={"user": user.username, "name": name,
                          "expires_at": expires_at.isoformat() if expires_at else None})
    session.commit()
    return token, secret


def revoke_token(session: Session, actor: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revokes a token of ``actor``'s own, or anyone's when ``actor`` is an
    admin. Revoking a revoked token changes nothing. Commits."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role != "admin"):
        raise TokenError("token", N_("没有这个令牌"))
    if token.revoked_at is None:
        token.revoked_at = now or datetime.now(timezone.utc)
        token.revoked_by = actor.username
        session.add(token)
        owner = session.get(User, token.user_id)
        audit.record(session, actor=actor.username, action="account.token_revoked", object_type="api_token",
                     object_id=token.id, details={"user": owner.username if owner else None})
        session.commit()
    return token


def authenticate(session: Session, secret: str, *, now: datetime | None = None) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked or
    expired token, inactive user)."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 128:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == digest(secret))).first()
    now = now or datetime.now(timezone.utc)
    if token is None or not is_active(token, now):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    last = _aware(token.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        session.commit()
    return user


def token_id_of(session: Session, secret: str) -> int | None:
    """The id of the token ``secret`` (for per-token rate limits)."""
    return session.exec(select(ApiToken.id).where(ApiToken.token_hash == digest(secret))).first()
