"""Helpers of the audit tests (tests/audit/)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def trigger_off(engine):
    """The append-only triggers of audit_log off for the block (a test's
    stand-in for an attacker with database access)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    try:
        yield
    finally:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
