"""Data models of the tamper-evident audit trail (migration 0022; see
docs/audit.md).

* :class:`AuditEntry` — one appended state change: ``seq`` (1, 2, …),
  ``at``, ``actor``, ``action``, ``object_type``/``object_id``, ``details``
  (canonical JSON text), ``prev_hash`` and ``hash``. Triggers refuse every
  UPDATE and DELETE.
* :class:`AuditHead` — the chain head, one row (``id`` 1): the last ``seq``
  and its hash. Appends lock it (``UPDATE … RETURNING``), so concurrent
  transactions append one after the other and never fork the chain.
* :class:`AuditCheckpoint` — the published daily checkpoint: the head's
  ``seq`` and hash on a day (Asia/Shanghai), shown on the public register.
* :class:`AuditVerification` — the result of one verify run (CLI, admin
  page, the checkpoint job), for the admin page.

Imported at the end of ``models.py`` (import these names from there).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from .models import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_object", "object_type", "object_id"),)
    seq: int = Field(sa_column=Column(sa.BigInteger, primary_key=True, autoincrement=False))
    at: datetime = Field(index=True)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=120)
    details: str = Field(sa_column=Column(sa.Text, nullable=False))  # canonical JSON of an object
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, default=0))
    hash: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    __tablename__ = "audit_checkpoint"
    day: date = Field(primary_key=True)
    seq: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class AuditVerification(SQLModel, table=True):
    __tablename__ = "audit_verification"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=120)  # who ran it: a username, "cli", "scheduler"
    ok: bool
    rows: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    head_seq: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    checkpoints: int
    first_broken: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    problem: str | None = Field(default=None, max_length=400)
    seconds: float
