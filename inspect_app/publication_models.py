"""Data models of the public record (一公开, migration 0018).

* :class:`PublishedResult` — one published check record: an approved result
  of a visit, frozen as the public sees it (GSXT's fields: plan, task, type,
  authority, completion date, per item its name and result code). Never
  updated in place but for ``current``: a correction of a published record is
  a new row with ``revision`` + 1 and its ``correction_reason``; the public
  page shows the earlier revisions as such.
* :class:`PublishedResultTask` — which tasks a record belongs to (a joint
  visit covers several), so that a task's results bulletin is an index
  lookup.
* :class:`PublishedEntity` and :class:`PublishedNameGram` — the public search
  index over entities with at least one published record: the public name
  (already masked where it must be) and every two-character piece of it
  (``services/public_index.py``). Nothing enters these tables before the
  entity's first record is published, so a search cannot tell an entity
  drawn in a sealed draw from one that was not.

Imported at the end of ``models.py`` (import these names from there).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from .models import utcnow


class PublishedResult(SQLModel, table=True):
    __tablename__ = "published_result"
    __table_args__ = (sa.UniqueConstraint("visit_pk", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", index=True)
    result_id: int = Field(foreign_key="visit_result.id")  # the approved result revision shown
    draw_id: int = Field(foreign_key="draw.id", index=True)
    revision: int = 1  # the publication's revision (1 = first publication)
    current: bool = Field(default=True, index=True)
    correction_reason: str | None = Field(default=None, max_length=500)  # public, for revision > 1
    published_at: datetime = Field(default_factory=utcnow, index=True)
    published_by: str | None = Field(default=None, max_length=64)  # a user name, or "system"
    # the entity as published (a 个体工商户's name masked, never its operator)
    uscc: str = Field(max_length=18, index=True)
    entity_name: str = Field(max_length=200)
    entity_type: str | None = Field(default=None, max_length=50)
    individual: bool = False  # 个体工商户: no personal data shown
    district: str = Field(max_length=12, index=True)
    # the plan and the check
    plan_id: int = Field(foreign_key="plan.id", index=True)
    year: int = Field(index=True)  # the plan's year
    directed: bool = False  # 定向 if any of its tasks is directed
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    lead_department: str = Field(max_length=32, foreign_key="department.id", index=True)
    joint: bool = False  # more than one department (综合查一次)
    completed_on: date = Field(index=True)
    deadline: date | None = None  # 20 working days after completion (None: no calendar)
    on_time: bool | None = None  # published on or before the deadline (first revision)
    # per item: {"item": id, "task": task id, "department", "name", "code"}
    # (the code's public wording is rendered from the code table at display
    # time; remarks are never copied here)
    items: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    code_version: int = Field(foreign_key="result_code_set.version")
    problems: int = 0  # items with a problem code
    ordered: int = 0  # items ordered rectified (a deadline)


class PublishedResultTask(SQLModel, table=True):
    """A record's task. ``completed_on`` and ``uscc`` repeat the record's
    (never changed once published) so that a bulletin's page is read in its
    order straight from one index, however many records the task has."""

    __tablename__ = "published_result_task"
    __table_args__ = (sa.Index("ix_published_result_task_order", "task_id", "completed_on", "uscc", "published_id"),)
    published_id: int = Field(foreign_key="published_result.id", primary_key=True)
    task_id: int = Field(foreign_key="task.id", primary_key=True, index=True)
    completed_on: date | None = None
    uscc: str | None = Field(default=None, max_length=18)


class PublishedEntity(SQLModel, table=True):
    __tablename__ = "published_entity"
    uscc: str = Field(max_length=18, primary_key=True)
    name: str = Field(max_length=200, index=True)  # the public (masked) name
    district: str = Field(max_length=12)
    records: int = 0  # current published records
    latest: date | None = None  # the latest completion date


class PublishedNameGram(SQLModel, table=True):
    __tablename__ = "published_name_gram"
    gram: str = Field(max_length=2, primary_key=True)
    uscc: str = Field(max_length=18, primary_key=True)
