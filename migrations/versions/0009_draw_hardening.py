"""the draw rules (reveal, redraw chains, task identity, cancellation)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Reserved in the hardening issue's plan so that its parts can land in any
order; it changes nothing until its part fills it in.
"""
from typing import Sequence, Union

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
