"""visit_member: who is on which visit's team (the inspector's visit list)

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-01

``draw_visit.team`` is a JSON array; finding one inspector's visits in it
means reading every visit of every draw. ``visit_member`` holds one row per
(inspector, visit), keyed by the inspector first, so that "my visits" is an
index lookup (``services/my_visits.py``). ``draw_runs.store_outcome`` fills
it together with the visits; here existing visits are backfilled.
"""
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: Union[str, None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "visit_member",
        sa.Column("inspector", sa.String(length=32), nullable=False),
        sa.Column("visit_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["visit_pk"], ["draw_visit.id"]),
        sa.PrimaryKeyConstraint("inspector", "visit_pk"),
    )
    op.create_index("ix_visit_member_visit_pk", "visit_member", ["visit_pk"])
    bind = op.get_bind()
    member = sa.table("visit_member", sa.column("inspector", sa.String), sa.column("visit_pk", sa.Integer))
    rows = []
    for visit_pk, team in bind.execute(sa.text("SELECT id, team FROM draw_visit")).all():
        if isinstance(team, str):
            team = json.loads(team)
        for inspector in dict.fromkeys(team or []):
            rows.append({"inspector": inspector, "visit_pk": visit_pk})
        if len(rows) >= BATCH:
            bind.execute(sa.insert(member), rows)
            rows = []
    if rows:
        bind.execute(sa.insert(member), rows)


def downgrade() -> None:
    op.drop_index("ix_visit_member_visit_pk", table_name="visit_member")
    op.drop_table("visit_member")
