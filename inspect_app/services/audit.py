"""The tamper-evident audit trail: one append-only, hash-chained log of every
state change (docs/audit.md).

:func:`record` is the one way in. It queues an entry on the session; the
entries are appended when that session commits, inside the same transaction
(a ``before_commit`` hook), so that a change and its audit row are committed
or rolled back together. Appending locks the chain head (``UPDATE audit_head
… RETURNING``: a row lock on PostgreSQL, SQLite's write lock), so concurrent
transactions append one after the other and the chain never forks; the head
is the last lock a transaction takes, just before it commits.

Each row is hashed as ``SHA-256(prev_hash ‖ canonical JSON of the row)``
(:func:`entry_hash`); the first row's ``prev_hash`` is :data:`GENESIS`.
Details hold ids, codes, counts, digests and reasons — never a sealed list's
entities or teams (the log is read by admins only; the public sees the
daily checkpoints).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from datetime import datetime, timezone
from hashlib import sha256

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlmodel import Session, select

from solver.canonical import canonical_json

from ..models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64  # prev_hash of the first row
PENDING = "audit_pending"  # session.info key: entries waiting for the commit
SYSTEM = "system"
CLI = "cli"
MAX_DETAILS = 8000  # characters of canonical JSON per row; larger details keep only their keys
MAX_TEXT = 500  # a longer string in details is cut (with "…")

_acting = contextvars.ContextVar("audit_actor", default=None)


class AuditError(ValueError):
    """An entry that cannot be recorded (bad details, too large)."""


@contextlib.contextmanager
def acting_as(actor: str):
    """Entries recorded without an explicit actor outside a request (CLI
    commands, the scheduler, workers) name ``actor``."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor() -> str:
    """The logged-in user of the request, else :func:`acting_as`'s actor,
    else ``cli`` inside a ``flask`` command, else ``system``."""
    import click
    from flask import g, has_app_context

    if has_app_context():
        user = g.get("user")
        if user is not None:
            return user.username
    acting = _acting.get()
    if acting:
        return acting
    return CLI if click.get_current_context(silent=True) is not None else SYSTEM


def _check(value, path: str = "details"):
    """Details are JSON of strings, integers, booleans, null, lists and
    objects with string keys; no floats (their canonical text is where
    canonicalisation mismatches start)."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT - 1] + "…"
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, (list, tuple)):
        return [_check(v, path) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise AuditError(f"{path}: keys must be strings")
        return {k: _check(v, f"{path}.{k}") for k, v in value.items()}
    if hasattr(value, "isoformat"):  # a date or time: its ISO text
        return value.isoformat()
    raise AuditError(f"{path}: {type(value).__name__} is not allowed in audit details")


def plain(value):
    """``value`` made fit for details: floats and other scalars as text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def did_something(summary) -> bool:
    """A scheduler run's summary reports work: a non-zero count or a
    non-empty list somewhere in it (runs that found nothing due are not
    audited; their record stays in ``scheduler_run``)."""
    if isinstance(summary, bool):
        return summary
    if isinstance(summary, int):
        return summary != 0
    if isinstance(summary, dict):
        return any(did_something(v) for v in summary.values())
    if isinstance(summary, (list, tuple, set)):
        return len(summary) > 0
    return False


def record(session: Session, *, actor: str | None = None, action: str, object_type: str,
           object_id, details: dict | None = None) -> None:
    """Append one entry to the audit log when ``session`` commits, in the
    same transaction (nothing is appended if it rolls back).

    ``action`` is dotted (``draw.sealed``, ``account.role_changed``);
    ``object_type``/``object_id`` name what changed (``draw``/``D2026-0001``);
    ``details`` a small JSON object without anything confidential. ``actor``
    defaults to :func:`current_actor`. Strings longer than ``MAX_TEXT``
    are cut; details larger than ``MAX_DETAILS`` keep only their keys.
    Raises :class:`AuditError` for details that are not plain JSON (a
    programming error, found by the tests)."""
    clean = _check(dict(details or {}))
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_DETAILS:
        clean = {"truncated": True, "keys": sorted(clean)}
    session.connection()  # in a transaction, so that its rollback discards the entry
    entry = {"actor": (actor or current_actor())[:120], "action": action, "object_type": object_type,
             "object_id": str(object_id)[:120], "details": clean, "savepoint": session.get_nested_transaction()}
    session.info.setdefault(PENDING, []).append(entry)


def stamp(at: datetime) -> str:
    """The time as hashed: UTC, microseconds, ``Z`` (``2026-12-07T04:30:00.000000Z``)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_document(seq: int, at: datetime, actor: str, action: str, object_type: str, object_id: str,
                    details: dict) -> dict:
    """The JSON object whose canonical form is hashed (docs/audit.md)."""
    return {"seq": seq, "at": stamp(at), "actor": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "details": details}


def entry_hash(prev_hash: str, document: dict) -> str:
    """``SHA-256(bytes of prev_hash ‖ canonical JSON of document)``, hex.
    (``solver.canonical.encode_canonical`` would hand every row back to the
    standard library anyway: the time stamp looks like a float to it.)"""
    return sha256(bytes.fromhex(prev_hash) + canonical_json(document)).hexdigest()


def _claim_head(session: Session, count: int) -> tuple[int, str]:
    """Advance the head by ``count`` and return the last seq before it and
    its hash; the head row stays locked until the transaction ends."""
    head = AuditHead.__table__
    claim = (sa.update(head).where(head.c.id == 1).values(seq=head.c.seq + count)
             .returning(head.c.seq, head.c.hash))
    row = session.execute(claim).first()
    if row is None:  # a fresh database (or tables truncated by tests): the genesis head
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(insert(head).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
        row = session.execute(claim).first()
    return row.seq - count, row.hash


def append_pending(session: Session) -> int:
    """Append the queued entries (the ``before_commit`` hook); returns how
    many. A savepoint's release appends nothing: its entries wait for the
    outermost commit, so that the head is always the last lock taken."""
    if session.in_nested_transaction():
        return 0
    entries = session.info.pop(PENDING, None)
    if not entries:
        return 0
    session.flush()
    last, prev = _claim_head(session, len(entries))
    at = utcnow()
    rows = []
    for n, entry in enumerate(entries, 1):
        seq = last + n
        digest = entry_hash(prev, hashed_document(seq, at, entry["actor"], entry["action"], entry["object_type"],
                                                  entry["object_id"], entry["details"]))
        rows.append({"seq": seq, "at": at, "actor": entry["actor"], "action": entry["action"],
                     "object_type": entry["object_type"], "object_id": entry["object_id"],
                     "details": canonical_json(entry["details"]).decode("utf-8"),
                     "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(sa.insert(AuditEntry.__table__), rows)
    head = AuditHead.__table__
    session.execute(sa.update(head).where(head.c.id == 1).values(hash=prev))
    return len(rows)


def _discard(session: Session, previous) -> None:
    """A rollback drops the entries it undoes: a savepoint's own, or all."""
    queued = session.info.get(PENDING)
    if not queued:
        return
    if previous is not None and previous.nested:
        session.info[PENDING] = [e for e in queued if e["savepoint"] is not previous]
    else:
        session.info.pop(PENDING, None)


sa_event.listen(Session, "before_commit", append_pending)
sa_event.listen(Session, "after_soft_rollback", _discard)


# --- reading ---

PER_PAGE = 50


def head(session: Session) -> AuditHead:
    return session.get(AuditHead, 1) or AuditHead(id=1, seq=0, hash=GENESIS)


def entries(session: Session, *, object_type: str | None = None, object_id: str | None = None,
            action: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, and the number of matching rows."""
    where = []
    if object_type:
        where.append(AuditEntry.object_type == object_type)
    if object_id:
        where.append(AuditEntry.object_id == object_id)
    if action:
        where.append(AuditEntry.action == action)
    total = session.exec(select(sa.func.count()).select_from(AuditEntry).where(*where)).one()
    rows = session.exec(select(AuditEntry).where(*where).order_by(AuditEntry.seq.desc())
                        .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total)


# The object types the services record (docs/audit.md), for the admin page's filter.
OBJECT_TYPES = ("account", "api_token", "calendar", "draw", "entity", "import_job", "inspector", "item", "plan", "registry",
                "scheduler_job", "task", "visit")


def details_of(entry: AuditEntry) -> dict:
    return json.loads(entry.details)
