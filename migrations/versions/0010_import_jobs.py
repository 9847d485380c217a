"""registry imports as background jobs, column mappings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Reserved in the hardening issue's plan so that its parts can land in any
order; it changes nothing until its part fills it in.
"""
from typing import Sequence, Union

revision: str = "0010"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
