"""rendered documents (PDF): the shared cache and the documents' jobs

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

``document`` holds each rendered PDF once per (kind, object key, digest of
the data it shows, language), so that several app servers share them; a
long document waits here as a ``pending`` job for the worker
(``inspect_app/document_models.py``).
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: Union[str, None] = "0018"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=32), nullable=False),
        sa.Column("key", S(length=100), nullable=False),
        sa.Column("digest", S(length=64), nullable=False),
        sa.Column("lang", S(length=16), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("bytes", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", S(length=120), nullable=True),
        sa.Column("heartbeat", T(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("started_at", T(), nullable=True),
        sa.Column("finished_at", T(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "key", "digest", "lang"),
    )
    op.create_index("ix_document_key", "document", ["key"])
    op.create_index("ix_document_state", "document", ["state"])


def downgrade() -> None:
    op.drop_index("ix_document_state", table_name="document")
    op.drop_index("ix_document_key", table_name="document")
    op.drop_table("document")
