"""draw summaries and stored task population counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Two planner pages derived their figures from the whole registry or the
whole draw on every view (docs/performance.md, workflow-bench):

* ``draw_summary``: the review page's figures (visits, joint visits, loads
  per inspector, day and district) and the unfilled visits with entity
  names, written with the draw's visits when the outcome is stored (one row
  per draw, append-only like the draw itself). Draws stored before this
  migration get theirs on their first review.
* ``task.population`` / ``task.counted_at``: a task's active population per
  (risk class, lists), counted when the task is saved or on an explicit
  recount, so the plan preview does not scan 500,000 entities per task.
  ``ix_entity_updated_at`` lets the preview tell in one index probe whether
  the registry changed since.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MESSAGE = "draws are append-only"


def upgrade() -> None:
    op.create_table(
        "draw_summary",
        sa.Column("draw_id", sa.Integer(), sa.ForeignKey("draw.id"), primary_key=True),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("joint", sa.Integer(), nullable=False),
        sa.Column("per_inspector", sa.JSON(), nullable=False),
        sa.Column("per_day", sa.JSON(), nullable=False),
        sa.Column("per_district", sa.JSON(), nullable=False),
        sa.Column("unfilled", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("population", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("counted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index("ix_entity_updated_at", "entity", ["updated_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("DELETE", "UPDATE"):
            op.execute(f"CREATE TRIGGER draw_summary_no_{verb.lower()} BEFORE {verb} ON draw_summary "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: draw_summary rows cannot be changed'); END")
    else:  # draws_append_only() comes from 0004
        for verb in ("DELETE", "UPDATE"):
            op.execute(f"CREATE TRIGGER draw_summary_no_{verb.lower()} BEFORE {verb} ON draw_summary "
                       f"FOR EACH ROW EXECUTE FUNCTION draws_append_only()")


def downgrade() -> None:
    op.drop_index("ix_entity_updated_at", table_name="entity")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("counted_at")
        batch.drop_column("population")
    op.drop_table("draw_summary")  # its triggers go with it
