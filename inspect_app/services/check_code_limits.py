"""The rate limit of check-code lookups (no enumeration).

Every failed lookup (an unknown or malformed code, or a code not yet
valid, which answers the same) is a ``check_code_attempt`` row with the
client's address, in the database so that the limit holds across worker
processes. An address with ``CHECK_CODE_MAX_FAILURES`` (10) failures within
``CHECK_CODE_WINDOW_SECONDS`` (600) is refused with HTTP 429 — for every
code, a valid one too, so that being limited says nothing about the code.
Rows older than the window are pruned whenever a failure is recorded.

Codes carry 140 bits, so the limit is not what makes them unguessable; it
keeps guessing from loading the server and from probing what the page says.
For the same reason the check and the record are not one atomic step:
simultaneous requests from one address may each pass the check before the
others' failures are recorded, which lets through a few more guesses of a
140-bit space, never a code.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Session

from ..models import utcnow
from ..visit_models import CheckCodeAttempt

DEFAULT_MAX_FAILURES = 10
DEFAULT_WINDOW_SECONDS = 600


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


def max_failures() -> int:
    return _setting("CHECK_CODE_MAX_FAILURES", DEFAULT_MAX_FAILURES)


def window() -> timedelta:
    return timedelta(seconds=_setting("CHECK_CODE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _ip(ip: str | None) -> str | None:
    return (ip or "")[:45] or None


def is_limited(session: Session, ip: str | None, now: datetime | None = None) -> bool:
    """Whether ``ip`` has used up its failures in the current window."""
    now = _utc(now or utcnow())
    limit = max_failures()
    where = CheckCodeAttempt.ip == _ip(ip) if _ip(ip) else CheckCodeAttempt.ip.is_(None)
    count = session.execute(sa.select(sa.func.count()).select_from(
        sa.select(CheckCodeAttempt.id).where(where, CheckCodeAttempt.at > now - window()).limit(limit).subquery()
    )).scalar_one()
    return count >= limit


def record_failure(session: Session, ip: str | None, now: datetime | None = None) -> None:
    """Record a failed lookup and prune rows past the window; committed."""
    now = _utc(now or utcnow())
    session.execute(sa.delete(CheckCodeAttempt).where(CheckCodeAttempt.at <= now - window()))
    session.add(CheckCodeAttempt(ip=_ip(ip), at=now))
    session.commit()
