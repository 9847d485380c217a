"""results, review, rectification, credit marks and check codes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

The inspectors' side (``inspect_app/visit_models.py``): ``visit_result``
(one row per revision of a visit's record), ``item_result`` (per check
item), ``result_event`` (the trail), ``rectification`` (整改 follow-up),
``credit_mark`` (信用监管), ``visit_code`` (the check code's hash),
``visit_feedback`` (what the entity said through it) and
``check_code_attempt`` (failed lookups, for rate limiting).
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: Union[str, None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "visit_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("code_version", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("revision_reason", S(length=500), nullable=True),
        sa.Column("return_reason", S(length=500), nullable=True),
        sa.Column("saved_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("created_by", S(length=64), nullable=True),
        sa.Column("updated_at", T(), nullable=False),
        sa.Column("updated_by", S(length=64), nullable=True),
        sa.Column("submitted_at", T(), nullable=True),
        sa.Column("submitted_by", S(length=64), nullable=True),
        sa.Column("reviewed_at", T(), nullable=True),
        sa.Column("reviewed_by", S(length=64), nullable=True),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.ForeignKeyConstraint(["code_version"], ["result_code_set.version"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_pk", "revision"),
    )
    op.create_index("ix_visit_result_visit_pk", "visit_result", ["visit_pk"])
    op.create_index("ix_visit_result_state", "visit_result", ["state"])
    op.create_table(
        "item_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("department", S(length=32), nullable=False),
        sa.Column("code", S(length=16), nullable=False),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("rectify_by", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["result_id"], ["visit_result.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["check_item.id"]),
        sa.ForeignKeyConstraint(["department"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("result_id", "item_id"),
    )
    op.create_index("ix_item_result_result_id", "item_result", ["result_id"])
    op.create_table(
        "result_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("at", T(), nullable=False),
        sa.Column("actor", S(length=64), nullable=True),
        sa.Column("action", S(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.ForeignKeyConstraint(["result_id"], ["visit_result.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_result_event_visit_pk", "result_event", ["visit_pk"])
    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("uscc", S(length=18), nullable=False),
        sa.Column("department", S(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", S(length=500), nullable=True),
        sa.Column("recorded_at", T(), nullable=True),
        sa.Column("recorded_by", S(length=64), nullable=True),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["check_item.id"]),
        sa.ForeignKeyConstraint(["department"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_pk", "item_id"),
    )
    for column in ("visit_pk", "uscc", "department", "deadline", "state"):
        op.create_index(f"ix_rectification_{column}", "rectification", [column])
    op.create_table(
        "credit_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("uscc", S(length=18), nullable=False),
        sa.Column("department", S(length=32), nullable=False),
        sa.Column("reason_code", S(length=16), nullable=False),
        sa.Column("reason", S(length=500), nullable=False),
        sa.Column("marked_at", T(), nullable=False),
        sa.Column("marked_by", S(length=64), nullable=True),
        sa.Column("exported_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.ForeignKeyConstraint(["department"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_pk", "reason_code"),
    )
    for column in ("visit_pk", "uscc", "department"):
        op.create_index(f"ix_credit_mark_{column}", "credit_mark", [column])
    op.create_table(
        "visit_code",
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("code_hash", S(length=64), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.PrimaryKeyConstraint("visit_pk"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_table(
        "visit_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("message", S(length=500), nullable=True),
        sa.Column("at", T(), nullable=False),
        sa.Column("seen_at", T(), nullable=True),
        sa.Column("seen_by", S(length=64), nullable=True),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_visit_feedback_visit_pk", "visit_feedback", ["visit_pk"])
    op.create_index("ix_visit_feedback_at", "visit_feedback", ["at"])
    op.create_table(
        "check_code_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", S(length=45), nullable=True),
        sa.Column("at", T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_check_code_attempt_ip", "check_code_attempt", ["ip"])
    op.create_index("ix_check_code_attempt_at", "check_code_attempt", ["at"])
    # The inspector's visit list reads visits by day (draw_visit.day has an
    # index) and filters by team membership in Python; results by visit.


def downgrade() -> None:
    for table in ("check_code_attempt", "visit_feedback", "visit_code", "credit_mark", "rectification",
                  "result_event", "item_result", "visit_result"):
        op.drop_table(table)
