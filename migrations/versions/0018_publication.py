"""the public record: published results, their tasks, the search index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

``published_result`` holds each published check record as the public sees
it (``inspect_app/publication_models.py``), one row per publication
revision; ``published_result_task`` indexes records by task for the results
bulletins (with the record's completion date and USCC, the bulletin's
order); ``published_entity`` and ``published_name_gram`` are the public
search index (every two-character piece of a published entity's public
name), filled only when a record is published.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: Union[str, None] = "0017"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "published_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("correction_reason", S(length=500), nullable=True),
        sa.Column("published_at", T(), nullable=False),
        sa.Column("published_by", S(length=64), nullable=True),
        sa.Column("uscc", S(length=18), nullable=False),
        sa.Column("entity_name", S(length=200), nullable=False),
        sa.Column("entity_type", S(length=50), nullable=True),
        sa.Column("individual", sa.Boolean(), nullable=False),
        sa.Column("district", S(length=12), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("directed", sa.Boolean(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("lead_department", S(length=32), nullable=False),
        sa.Column("joint", sa.Boolean(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("code_version", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("ordered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.ForeignKeyConstraint(["result_id"], ["visit_result.id"]),
        sa.ForeignKeyConstraint(["draw_id"], ["draw.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["lead_department"], ["department.id"]),
        sa.ForeignKeyConstraint(["code_version"], ["result_code_set.version"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_pk", "revision"),
    )
    for column in ("visit_pk", "draw_id", "current", "published_at", "uscc", "district", "plan_id", "year",
                   "lead_department", "completed_on"):
        op.create_index(f"ix_published_result_{column}", "published_result", [column])
    op.create_table(
        "published_result_task",
        sa.Column("published_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("uscc", S(length=18), nullable=True),
        sa.ForeignKeyConstraint(["published_id"], ["published_result.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("published_id", "task_id"),
    )
    op.create_index("ix_published_result_task_task_id", "published_result_task", ["task_id"])
    op.create_index("ix_published_result_task_order", "published_result_task",
                    ["task_id", "completed_on", "uscc", "published_id"])
    op.create_table(
        "published_entity",
        sa.Column("uscc", S(length=18), nullable=False),
        sa.Column("name", S(length=200), nullable=False),
        sa.Column("district", S(length=12), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("latest", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("uscc"),
    )
    op.create_index("ix_published_entity_name", "published_entity", ["name"])
    op.create_table(
        "published_name_gram",
        sa.Column("gram", S(length=2), nullable=False),
        sa.Column("uscc", S(length=18), nullable=False),
        sa.PrimaryKeyConstraint("gram", "uscc"),
    )


def downgrade() -> None:
    op.drop_table("published_name_gram")
    op.drop_index("ix_published_entity_name", table_name="published_entity")
    op.drop_table("published_entity")
    op.drop_index("ix_published_result_task_order", table_name="published_result_task")
    op.drop_index("ix_published_result_task_task_id", table_name="published_result_task")
    op.drop_table("published_result_task")
    for column in ("visit_pk", "draw_id", "current", "published_at", "uscc", "district", "plan_id", "year",
                   "lead_department", "completed_on"):
        op.drop_index(f"ix_published_result_{column}", table_name="published_result")
    op.drop_table("published_result")
