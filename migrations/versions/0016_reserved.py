"""reserved (no change yet)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

A placeholder in the chain so that work in parallel can each fill one
migration without renumbering; it changes nothing.
"""
from typing import Sequence, Union

revision: str = "0016"
down_revision: Union[str, None] = "0015"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
