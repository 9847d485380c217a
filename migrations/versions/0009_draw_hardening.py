"""draw rules: reveal record, cancellation, task lineage

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

* ``draw.reveal_reason``: why the planner revealed a draw (the reveal records
  who, when and why; see docs/workflow.md).
* ``draw.cancelled_at``, ``cancelled_by``, ``cancel_reason``: a formal,
  public cancellation of a draw (and its redraw chain). A cancelled draw
  keeps its state; its visits stop being current and its tasks may be drawn
  again.
* ``task.lineage``: a task's identity across plan versions, copied by
  ``plans.new_version`` and used in ``draw_task.task_key`` instead of the
  code, so renaming a task does not make a drawn batch drawable again.
  Existing tasks get their code as lineage, so the keys already stored in
  ``draw_task`` (``number/code``) stay those of their tasks. Unique per plan.
* ``draw.history_until``: the latest window end among the other draws
  whose sealed visits the frozen instance counts as the entities' history;
  the draw is not revealed before then (its instance would show their
  visits).

The new draw columns are write-once like the others (migration 0004): the
``draw_write_once`` trigger is recreated with them on both SQLite and
PostgreSQL. Columns are added with plain ``ADD COLUMN`` (nullable), which on
SQLite keeps the table and its triggers.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_WRITE_ONCE = ("frozen_digest", "commitment", "secret_sealed", "instance_path", "external_entropy",
                  "input_digest", "result_digest", "outcome_path", "sealed_at", "revealed_at")
NEW_WRITE_ONCE = OLD_WRITE_ONCE + ("revealed_by", "reveal_reason", "cancelled_at", "cancelled_by",
                                   "cancel_reason", "history_until")
MESSAGE = "draws are append-only"


def _draw_trigger(columns: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS draw_write_once")
        cond = " OR ".join([f"(OLD.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in columns]
                           + ["(OLD.state = 'sealed' AND NEW.state IS NOT 'sealed')"])
        op.execute(f"CREATE TRIGGER draw_write_once BEFORE UPDATE ON draw WHEN {cond} "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: a sealed or write-once field of a draw cannot change'); END")
        return
    op.execute("DROP TRIGGER IF EXISTS draw_write_once ON draw")
    cond = " OR ".join([f"(OLD.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in columns]
                       + ["(OLD.state = 'sealed' AND NEW.state IS DISTINCT FROM 'sealed')"])
    op.execute(f"CREATE TRIGGER draw_write_once BEFORE UPDATE ON draw FOR EACH ROW "
               f"WHEN ({cond}) EXECUTE FUNCTION draws_append_only()")


def upgrade() -> None:
    op.add_column("draw", sa.Column("reveal_reason", sa.String(length=500), nullable=True))
    op.add_column("draw", sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("draw", sa.Column("cancelled_by", sa.String(length=64), nullable=True))
    op.add_column("draw", sa.Column("cancel_reason", sa.String(length=500), nullable=True))
    op.add_column("draw", sa.Column("history_until", sa.Date(), nullable=True))
    _draw_trigger(NEW_WRITE_ONCE)
    op.add_column("task", sa.Column("lineage", sa.String(length=32), nullable=True))
    op.execute("UPDATE task SET lineage = code")
    op.create_index("ux_task_plan_lineage", "task", ["plan_id", "lineage"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_task_plan_lineage", table_name="task")
    op.drop_column("task", "lineage")
    _draw_trigger(OLD_WRITE_ONCE)
    for column in ("history_until", "cancel_reason", "cancelled_by", "cancelled_at", "reveal_reason"):
        op.drop_column("draw", column)
