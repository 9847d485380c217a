"""results are never changed in place once submitted

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Triggers on both SQLite and PostgreSQL (like the draw triggers of
migrations 0004 and 0009), so that no route, CLI command or raw SQL changes
a submitted or approved record:

* ``item_result``: a row whose result (``visit_result``) is ``submitted`` or
  ``approved`` cannot be inserted, updated or deleted (a ``returned`` result
  is edited again by its team; a correction after approval is a new
  revision with its own rows).
* ``visit_result``: a row in state ``approved`` can only change ``current``
  from true to false (a new revision supersedes it); nothing else of it
  changes. No ``visit_result`` row is ever deleted.

On SQLite the approved-row trigger lists the columns of ``visit_result``; a
migration that adds a column there must recreate it. On PostgreSQL it
compares the whole rows (``to_jsonb`` without ``current``).
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MESSAGE = "results are append-only"
LOCKED = "('submitted', 'approved')"
VISIT_RESULT_COLUMNS = ("id", "visit_pk", "revision", "state", "code_version", "completed_on", "revision_reason",
                        "return_reason", "saved_seq", "created_at", "created_by", "updated_at", "updated_by",
                        "submitted_at", "submitted_by", "reviewed_at", "reviewed_by")
SQLITE_TRIGGERS = ("item_result_locked_insert", "item_result_locked_update", "item_result_locked_delete",
                   "visit_result_approved_fixed", "visit_result_no_delete")
PG_TRIGGERS = {"item_result_locked": "item_result", "visit_result_approved_fixed": "visit_result",
               "visit_result_no_delete": "visit_result"}


def _sqlite() -> None:
    def state(ref: str) -> str:
        return f"(SELECT state FROM visit_result WHERE id = {ref}.result_id) IN {LOCKED}"

    raise_ = "SELECT RAISE(ABORT, '{m}: {what}'); END"
    item = raise_.format(m=MESSAGE, what="the items of a submitted or approved result cannot change")
    op.execute(f"CREATE TRIGGER item_result_locked_insert BEFORE INSERT ON item_result "
               f"WHEN {state('NEW')} BEGIN {item}")
    op.execute(f"CREATE TRIGGER item_result_locked_update BEFORE UPDATE ON item_result "
               f"WHEN {state('OLD')} OR {state('NEW')} BEGIN {item}")
    op.execute(f"CREATE TRIGGER item_result_locked_delete BEFORE DELETE ON item_result "
               f"WHEN {state('OLD')} BEGIN {item}")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in VISIT_RESULT_COLUMNS)
    current = "(NEW.current IS NOT OLD.current AND NOT (OLD.current = 1 AND NEW.current = 0))"
    op.execute(f"CREATE TRIGGER visit_result_approved_fixed BEFORE UPDATE ON visit_result "
               f"WHEN OLD.state = 'approved' AND ({changed} OR {current}) BEGIN "
               + raise_.format(m=MESSAGE, what="an approved result cannot change (only be superseded)"))
    op.execute("CREATE TRIGGER visit_result_no_delete BEFORE DELETE ON visit_result BEGIN "
               + raise_.format(m=MESSAGE, what="visit_result rows cannot be deleted"))


def _postgresql() -> None:
    op.execute(f"""
CREATE FUNCTION item_result_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND (SELECT state FROM visit_result WHERE id = OLD.result_id) IN {LOCKED})
       OR (TG_OP <> 'DELETE' AND (SELECT state FROM visit_result WHERE id = NEW.result_id) IN {LOCKED}) THEN
        RAISE EXCEPTION '{MESSAGE}: % refused on item_result: the items of a submitted or approved result cannot change', TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$""")
    op.execute(f"""
CREATE FUNCTION visit_result_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{MESSAGE}: visit_result rows cannot be deleted';
    END IF;
    IF OLD.state = 'approved' AND ((to_jsonb(NEW) - 'current') IS DISTINCT FROM (to_jsonb(OLD) - 'current')
                                   OR (NEW.current IS DISTINCT FROM OLD.current AND NOT (OLD.current AND NOT NEW.current))) THEN
        RAISE EXCEPTION '{MESSAGE}: an approved result cannot change (only be superseded)';
    END IF;
    RETURN NEW;
END $$""")
    op.execute("CREATE TRIGGER item_result_locked BEFORE INSERT OR UPDATE OR DELETE ON item_result "
               "FOR EACH ROW EXECUTE FUNCTION item_result_locked()")
    op.execute("CREATE TRIGGER visit_result_approved_fixed BEFORE UPDATE ON visit_result "
               "FOR EACH ROW WHEN (OLD.state = 'approved') EXECUTE FUNCTION visit_result_fixed()")
    op.execute("CREATE TRIGGER visit_result_no_delete BEFORE DELETE ON visit_result "
               "FOR EACH ROW EXECUTE FUNCTION visit_result_fixed()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgresql()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, table in PG_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS item_result_locked()")
    op.execute("DROP FUNCTION IF EXISTS visit_result_fixed()")
