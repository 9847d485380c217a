"""Data models of what happens after a draw is sealed (migration 0013): the
team's results per visit and check item, their review, rectification
follow-ups, credit-system marks, the check codes (扫码入企) and what the
inspected entity tells us through them.

A visit here is a :class:`~inspect_app.models.DrawVisit` row (``visit_pk`` is
its primary key, not the draw-local ``visit_id``). Nothing here is deleted:
a correction after submission is a new revision, a follow-up is a new state
with who and when, and every step is a :class:`ResultEvent`.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from .models import utcnow

# draft: the team is recording (autosaved); submitted: the lead submitted,
# locked for the team; returned: a reviewer sent it back with a reason (the
# team edits the same revision again); approved: publishable, never changed
# in place again.
RESULT_STATES = ("draft", "submitted", "returned", "approved")
RECTIFICATION_STATES = ("pending", "rectified", "not_rectified")
CREDIT_REASONS = ("refused", "unrectified")
FEEDBACK_KINDS = ("confirmed", "problem")


class VisitResult(SQLModel, table=True):
    """The team's record of one visit, one row per revision. Revision 1 is
    the first recording; a correction after submission is revision n + 1
    with a reason, and the earlier row is kept; ``current`` marks the one
    that counts. ``saved_seq`` is the highest autosave sequence number the
    row has taken (a retried or late save with a lower or equal number
    changes nothing)."""

    __tablename__ = "visit_result"
    __table_args__ = (sa.UniqueConstraint("visit_pk", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", index=True)
    revision: int = 1
    current: bool = True
    state: str = Field(default="draft", max_length=16, index=True)  # one of RESULT_STATES
    code_version: int = Field(foreign_key="result_code_set.version")
    completed_on: date | None = None
    revision_reason: str | None = Field(default=None, max_length=500)
    return_reason: str | None = Field(default=None, max_length=500)  # the latest return
    saved_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=64)
    submitted_at: datetime | None = None
    submitted_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = None
    reviewed_by: str | None = Field(default=None, max_length=64)


class ItemResult(SQLModel, table=True):
    """The result of one check item within a visit result: a code of the
    result's code version (with its sub-code where it has one), a remark
    (internal, never published) and, for a problem ordered corrected, the
    rectification deadline."""

    __tablename__ = "item_result"
    __table_args__ = (sa.UniqueConstraint("result_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="visit_result.id", index=True)
    item_id: int = Field(foreign_key="check_item.id")
    department: str = Field(max_length=32, foreign_key="department.id")  # who checks the item
    code: str = Field(default="01", max_length=16)
    remark: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    rectify_by: date | None = None


class ResultEvent(SQLModel, table=True):
    """The trail of a visit's results: saved, submitted, returned, approved,
    revised, rectification recorded, credit mark, feedback received."""

    __tablename__ = "result_event"
    id: int | None = Field(default=None, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", index=True)
    result_id: int | None = Field(default=None, foreign_key="visit_result.id")
    at: datetime = Field(default_factory=utcnow)
    actor: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Rectification(SQLModel, table=True):
    """The follow-up of a problem ordered corrected (整改), per visit and
    check item: the deadline from the result, then rectified on a date with
    a note, or not rectified."""

    __tablename__ = "rectification"
    __table_args__ = (sa.UniqueConstraint("visit_pk", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", index=True)
    item_id: int = Field(foreign_key="check_item.id")
    uscc: str = Field(max_length=18, index=True)
    department: str = Field(max_length=32, foreign_key="department.id", index=True)
    deadline: date = Field(index=True)
    state: str = Field(default="pending", max_length=16, index=True)  # one of RECTIFICATION_STATES
    done_on: date | None = None
    note: str | None = Field(default=None, max_length=500)
    recorded_at: datetime | None = None
    recorded_by: str | None = Field(default=None, max_length=64)


class CreditMark(SQLModel, table=True):
    """An entity marked for the credit system (信用监管) after a visit: it
    refused the check or stays unrectified. Exported as a list for the
    credit platform (``exported_at`` set by the export)."""

    __tablename__ = "credit_mark"
    __table_args__ = (sa.UniqueConstraint("visit_pk", "reason_code"),)
    id: int | None = Field(default=None, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", index=True)
    uscc: str = Field(max_length=18, index=True)
    department: str = Field(max_length=32, foreign_key="department.id", index=True)
    reason_code: str = Field(max_length=16)  # one of CREDIT_REASONS
    reason: str = Field(max_length=500)
    marked_at: datetime = Field(default_factory=utcnow)
    marked_by: str | None = Field(default=None, max_length=64)
    exported_at: datetime | None = None


class VisitCode(SQLModel, table=True):
    """The check code of a visit (扫码入企): only its SHA-256 is stored."""

    __tablename__ = "visit_code"
    visit_pk: int = Field(foreign_key="draw_visit.id", primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class VisitFeedback(SQLModel, table=True):
    """What the entity said through the check code: the visit took place
    (``confirmed``) or something is wrong (``problem``, with a message)."""

    __tablename__ = "visit_feedback"
    id: int | None = Field(default=None, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", index=True)
    kind: str = Field(max_length=16)  # one of FEEDBACK_KINDS
    message: str | None = Field(default=None, max_length=500)
    at: datetime = Field(default_factory=utcnow, index=True)
    seen_at: datetime | None = None
    seen_by: str | None = Field(default=None, max_length=64)


class CheckCodeAttempt(SQLModel, table=True):
    """A failed check-code lookup (unknown or malformed code), for rate
    limiting guesses per client address across processes."""

    __tablename__ = "check_code_attempt"
    id: int | None = Field(default=None, primary_key=True)
    ip: str | None = Field(default=None, max_length=45, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class VisitMember(SQLModel, table=True):
    """One member of a visit's team (migration 0017): ``draw_visit.team``
    as rows keyed by the inspector first, so that an inspector's visits are
    an index lookup. Written with the visits (``draw_runs.store_outcome``),
    never changed."""

    __tablename__ = "visit_member"
    inspector: str = Field(max_length=32, primary_key=True)
    visit_pk: int = Field(foreign_key="draw_visit.id", primary_key=True, index=True)
