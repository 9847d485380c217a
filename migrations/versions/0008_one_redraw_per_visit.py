"""one unfailed redraw per visit

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

``request_redraw`` refuses a second redraw of a visit while one is open,
but on SQLite (no row locks) two planners asking at the same moment could
both pass that check. A partial unique index makes the database refuse the
second: at most one redraw per (parent draw, visit) that has not failed. A
sealed redraw keeps its place (the visit it replaced is no longer current
and cannot be redrawn again; its replacement is redrawn from the new draw),
a failed one gives it up.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WHERE = "parent_id IS NOT NULL AND state != 'failed'"


def upgrade() -> None:
    op.create_index("ux_draw_redraw_of_visit", "draw", ["parent_id", "redraw_visit"], unique=True,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index("ux_draw_redraw_of_visit", table_name="draw")
