"""entity active flag

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

``entity.active`` records whether the entity was present in the last full
registry file imported in sync mode. It is separate from the registration
``status`` (存续, 注销 …), which comes from the registration authority:
an entity missing from a full file is marked inactive, never deleted, and its
status is left as the authority last reported it.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ALTER TABLE, not batch mode: a batch "move and copy" on SQLite
    # would recreate the table and drop the FTS5 name-search triggers.
    op.add_column("entity", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_index(op.f("ix_entity_active"), "entity", ["active"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_entity_active"), table_name="entity")
    op.drop_column("entity", "active")
