"""the tamper-evident audit trail: audit_log (append-only, hash-chained),
audit_head (the chain head), audit_checkpoint (published daily),
audit_verification (verify runs)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

Triggers refuse every UPDATE and DELETE of ``audit_log`` and every DELETE of
``audit_head`` on both databases (the head only moves forward through
``services/audit.py``). The head starts at ``seq`` 0 with the genesis hash
(64 zeros); see docs/audit.md for what is hashed.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022"
down_revision: Union[str, None] = "0021"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime
GENESIS = "0" * 64  # = services/audit.GENESIS
MESSAGE = "audit_log is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", T(), nullable=False),
        sa.Column("actor", S(length=120), nullable=False),
        sa.Column("action", S(length=64), nullable=False),
        sa.Column("object_type", S(length=32), nullable=False),
        sa.Column("object_id", S(length=120), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", S(length=64), nullable=False),
        sa.Column("hash", S(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", S(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table(
        "audit_checkpoint",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", S(length=64), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "audit_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", T(), nullable=False),
        sa.Column("actor", S(length=120), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("checkpoints", sa.Integer(), nullable=False),
        sa.Column("first_broken", sa.BigInteger(), nullable=True),
        sa.Column("problem", S(length=400), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_verification_at", "audit_verification", ["at"])
    if op.get_bind().dialect.name == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: rows cannot be changed or deleted'); END")
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: the chain head cannot be deleted'); END")
    else:
        op.execute(f"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % of % refused', TG_OP, TG_TABLE_NAME;
END $$""")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_index("ix_audit_verification_at", table_name="audit_verification")
    op.drop_table("audit_verification")
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index("ix_audit_log_action", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
