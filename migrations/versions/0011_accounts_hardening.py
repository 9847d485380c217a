"""sessions and usernames

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

``user_account.session_version``: compared with the copy in the session
cookie; bumping it (logout, password change, deactivation …) ends every
earlier session of the user.

``user_account.username_key``: the username in NFKC, case-folded
(``services.accounts.username_key``), unique, so that lookalike usernames
(``Planner``, full-width ``ｐlanner``, ``planner``) cannot coexist; logins
look it up. Existing rows are backfilled; if two existing usernames have the
same key, the upgrade stops and names them (rename one first).

``user_account.inspector`` becomes unique: one account per inspector record
(the CLI used to allow two). Existing duplicates stop the upgrade likewise.
"""
import unicodedata
from collections import defaultdict
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: Union[str, None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _key(username: str) -> str:
    # Same as inspect_app.services.accounts.username_key (kept here so the
    # migration does not change when the app does).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username or "").casefold()).strip()


def upgrade() -> None:
    # Check first, change after: a refused upgrade leaves the table as it was.
    conn = op.get_bind()
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("username_key", sa.String), sa.column("inspector", sa.String))
    rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.inspector).order_by(users.c.id)).all()
    by_key, by_inspector = defaultdict(list), defaultdict(list)
    for row in rows:
        by_key[_key(row.username)[:64]].append(row.username)
        if row.inspector is not None:
            by_inspector[row.inspector].append(row.username)
    clashes = [", ".join(repr(n) for n in names) for names in by_key.values() if len(names) > 1]
    if clashes:
        raise RuntimeError("migration 0011: these usernames differ only in case or width and would be the same "
                           f"login: {'; '.join(clashes)}. Rename all but one of each group, then upgrade again.")
    shared = [f"{inspector}: {', '.join(repr(n) for n in names)}"
              for inspector, names in by_inspector.items() if len(names) > 1]
    if shared:
        raise RuntimeError("migration 0011: these inspector records are linked to more than one account: "
                           f"{'; '.join(shared)}. Unlink all but one account of each, then upgrade again.")
    op.add_column("user_account", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("user_account", sa.Column("username_key", sqlmodel.sql.sqltypes.AutoString(length=64),
                                            nullable=True))
    for row in rows:
        conn.execute(users.update().where(users.c.id == row.id).values(username_key=_key(row.username)[:64]))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              nullable=False)
        batch_op.create_unique_constraint("uq_user_account_username_key", ["username_key"])
        batch_op.create_unique_constraint("uq_user_account_inspector", ["inspector"])


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_inspector", type_="unique")
        batch_op.drop_constraint("uq_user_account_username_key", type_="unique")
        batch_op.drop_column("username_key")
        batch_op.drop_column("session_version")
