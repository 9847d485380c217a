"""Migration 0022: the audit tables, the genesis head and the triggers come
with the upgrade and go with the downgrade, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migration_fixtures import migrated_to


def test_upgrade_and_downgrade(backend, tmp_path, request):
    from alembic import command

    from inspect_app.db import alembic_config, upgrade

    with migrated_to("0021", backend, tmp_path, request) as engine:
        assert "audit_log" not in sa.inspect(engine).get_table_names()
        upgrade(engine, "0022")
        names = set(sa.inspect(engine).get_table_names())
        assert {"audit_log", "audit_head", "audit_checkpoint", "audit_verification"} <= names
        with engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT id, seq, hash FROM audit_head").all() == [(1, 0, "0" * 64)]
            conn.exec_driver_sql("INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, details, "
                                 "prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, 'a', 'b', 'c', 'd', '{}', "
                                 f"'{'0' * 64}', '{'1' * 64}')")
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_log SET actor = 'x'")
        command.downgrade(alembic_config(engine), "0021")
        assert "audit_log" not in sa.inspect(engine).get_table_names()
        upgrade(engine, "0022")
        with engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 0
