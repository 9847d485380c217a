"""scheduled work: scheduler_run (every run of a scheduler job) and notice
(warnings and reminders for planners, issued once per dedup key)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

``scheduler_run`` records each run of a job of ``inspect_app/scheduler``
(start, end, process, what it did, error) for the admin page
``/admin/scheduler``. ``notice`` holds the warnings and reminders shown on
the planner's home page; its unique ``dedup_key`` is how a job claims a
notice, so that two schedulers running by mistake issue it once.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: Union[str, None] = "0019"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "scheduler_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", S(length=32), nullable=False),
        sa.Column("trigger", S(length=16), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("started_at", T(), nullable=False),
        sa.Column("finished_at", T(), nullable=True),
        sa.Column("worker", S(length=120), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scheduler_run_job", "scheduler_run", ["job"])
    op.create_index("ix_scheduler_run_started_at", "scheduler_run", ["started_at"])
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=32), nullable=False),
        sa.Column("dedup_key", S(length=200), nullable=False),
        sa.Column("department", S(length=32), nullable=True),
        sa.Column("subject", S(length=120), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["department"], ["department.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["scheduler_run.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    for column in ("kind", "department", "due", "created_at"):
        op.create_index(f"ix_notice_{column}", "notice", [column])


def downgrade() -> None:
    for column in ("kind", "department", "due", "created_at"):
        op.drop_index(f"ix_notice_{column}", table_name="notice")
    op.drop_table("notice")
    op.drop_index("ix_scheduler_run_started_at", table_name="scheduler_run")
    op.drop_index("ix_scheduler_run_job", table_name="scheduler_run")
    op.drop_table("scheduler_run")
