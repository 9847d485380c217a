"""The rendered documents (PDF) cache, migration 0019.

A :class:`Document` row is one rendering of one document: its ``kind``
(``plan``, ``draw_record``, ``bulletin``, …), the object it shows (``key``,
e.g. ``plan:12`` or ``draw:3:public``), the SHA-256 ``digest`` of the
canonical data it shows (with the templates' own digest) and its language.
The same four values never render twice: the row is unique on them, and
every app server reads the bytes from here.

A long document (a city draw's bulletin) is queued as a row in state
``pending`` with the ``data`` it will show, and a worker renders it like the
draw jobs: claimed with a conditional update (``pending`` → ``running``),
a heartbeat while it runs, the bytes and ``state='done'`` in one final
transaction (``inspect_app/jobs/documents.py``).

Imported at the end of ``models.py``.
"""

from __future__ import annotations

import builtins
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from .models import utcnow

DOCUMENT_STATES = ("pending", "running", "done", "failed")


class Document(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (sa.UniqueConstraint("kind", "key", "digest", "lang"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    key: str = Field(max_length=100, index=True)
    digest: str = Field(max_length=64)
    lang: str = Field(default="zh_CN", max_length=16)
    state: str = Field(default="pending", max_length=16, index=True)  # one of DOCUMENT_STATES
    data: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # what a job renders
    bytes: builtins.bytes | None = Field(default=None, sa_column=Column(sa.LargeBinary, nullable=True))
    size: int = 0
    pages: int | None = None
    seconds: float | None = None  # rendering time
    attempt: int = 1
    worker: str | None = Field(default=None, max_length=120)  # host:pid
    heartbeat: datetime | None = None
    error: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
