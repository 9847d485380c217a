"""department ownership of plans

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

A planner acts for their department (``services/scope.py``). Check items and
tasks already name their (lead) department; a plan gets an owner department,
``plan.department``, set at creation from the planner's department: its
planners publish the plan and create new versions. Existing plans take the
department of the account that created them, or, failing that, the one lead
department of all their tasks; the rest stay without an owner (only admins
may publish or version them).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: Union[str, None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # ADD COLUMN (with its reference) on both databases: no table rebuild of
    # ``plan``, which tasks and draws reference.
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a reference only inline
        op.execute("ALTER TABLE plan ADD COLUMN department VARCHAR(32) REFERENCES department (id)")
    else:
        op.add_column("plan", sa.Column("department", sa.String(length=32),
                                        sa.ForeignKey("department.id", name="fk_plan_department"), nullable=True))
    op.create_index(op.f("ix_plan_department"), "plan", ["department"], unique=False)
    op.execute(
        "UPDATE plan SET department = (SELECT u.department FROM user_account u"
        " WHERE u.username = plan.created_by AND u.department IS NOT NULL)"
        " WHERE department IS NULL")
    op.execute(
        "UPDATE plan SET department = (SELECT MIN(t.department) FROM task t WHERE t.plan_id = plan.id)"
        " WHERE department IS NULL"
        " AND (SELECT COUNT(DISTINCT t.department) FROM task t WHERE t.plan_id = plan.id) = 1")


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_department"), table_name="plan")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("plan") as batch:
            batch.drop_column("department")
    else:
        op.drop_constraint("fk_plan_department", "plan", type_="foreignkey")
        op.drop_column("plan", "department")
