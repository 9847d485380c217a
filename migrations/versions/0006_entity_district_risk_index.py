"""entity (district, risk) index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

The planner's most common directed filter — a district prefix with a risk
class — is answered from this index alone (district range, risk checked in
the index, row ids for the page taken from it), instead of looking up every
row of the district in the table: 150 ms → a few ms at 1,000,000 entities
on SQLite (see docs/performance.md, pages-bench).
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_entity_district_risk", "entity", ["district", "risk"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_entity_district_risk", table_name="entity")
