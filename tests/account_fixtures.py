"""Helpers of the account tests (tests/test_accounts.py and
tests/hardening/test_item15_accounts.py)."""

from __future__ import annotations

from datetime import date

from inspect_app.models import Department, District, Inspector

PASSWORD = "correct-horse"


def add_inspectors(session, *ids: str) -> None:
    """Inspector records ``ids`` of SCJG (created with its district if missing)."""
    if session.get(Department, "SCJG") is None:
        session.add(Department(id="SCJG", name="市场监督管理局"))
        session.add(District(code="350181", name="福清市", level=3))
    for i in ids:
        session.add(Inspector(id=i, name=f"检查员{i}", department="SCJG", district="350181",
                              certificate_expires=date(2030, 1, 1)))
    session.commit()
