"""The audit chain itself: appending, hashing, the triggers, verify and
checkpoints (services/audit.py, services/audit_verify.py, ``flask audit
verify``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from hashlib import sha256

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from audit_fixtures import trigger_off
from inspect_app.models import AuditCheckpoint, AuditEntry, AuditHead, AuditVerification
from inspect_app.services import audit, audit_verify


def append(engine, n: int, start: int = 0) -> None:
    """``n`` committed transactions of one entry each."""
    for k in range(start, start + n):
        with Session(engine) as session:
            audit.record(session, actor="tester", action="test.step", object_type="thing", object_id=k,
                         details={"n": k, "text": "福"})
            session.commit()


def test_an_entry_is_hashed_as_documented(app, database):
    _url, engine = database
    append(engine, 2)
    with Session(engine) as session:
        first, second = list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))
        assert (first.seq, second.seq) == (1, 2)
        assert first.prev_hash == "0" * 64 and second.prev_hash == first.hash
        document = {"seq": 1, "at": audit.stamp(first.at), "actor": "tester", "action": "test.step",
                    "object_type": "thing", "object_id": "0", "details": {"n": 0, "text": "福"}}
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert first.hash == sha256(bytes(32) + canonical).hexdigest()
        assert audit.stamp(first.at).endswith("Z") and len(audit.stamp(first.at)) == 27
        head = session.get(AuditHead, 1)
        assert (head.seq, head.hash) == (2, second.hash)
        assert audit_verify.verify(session).ok


def test_a_rolled_back_change_appends_nothing(app, database):
    _url, engine = database
    with Session(engine) as session:
        audit.record(session, action="test.step", object_type="thing", object_id=1)
        session.rollback()
        session.commit()
        assert len(session.exec(select(AuditEntry)).all()) == 0
    append(engine, 1)
    with Session(engine) as session:
        assert [e.seq for e in session.exec(select(AuditEntry))] == [1]


def test_details_must_be_plain_json(app, database):
    _url, engine = database
    with Session(engine) as session, pytest.raises(audit.AuditError):
        audit.record(session, action="test.step", object_type="thing", object_id=1, details={"x": 1.5})


def test_long_details_are_cut_not_refused(app, database):
    _url, engine = database
    with Session(engine) as session:
        audit.record(session, action="test.step", object_type="thing", object_id=1, details={"error": "x" * 9000})
        audit.record(session, action="test.step", object_type="thing", object_id=2,
                     details={f"k{n}": "y" * 400 for n in range(40)})
        session.commit()
        rows = list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))
        assert len(json.loads(rows[0].details)["error"]) == audit.MAX_TEXT
        assert json.loads(rows[1].details)["truncated"] is True
        assert audit_verify.verify(session).ok


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
                                       "DELETE FROM audit_log WHERE seq = 1",
                                       "DELETE FROM audit_head"])
def test_the_triggers_refuse_update_and_delete(app, database, statement):
    _url, engine = database
    append(engine, 1)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with Session(engine) as session:
        row = session.get(AuditEntry, 1)
        assert row is not None and row.actor == "tester"


def _verify_cli(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_verify_names_the_first_edited_row(app, database):
    _url, engine = database
    append(engine, 6)
    assert _verify_cli(app)[0] == 0
    with trigger_off(engine), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET details = '{\"n\":99,\"text\":\"福\"}' WHERE seq = 3")
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5")
    code, output = _verify_cli(app)
    assert code == 1
    assert "BROKEN at sequence 3" in output and "content does not give its hash" in output
    with app.app_context():
        from inspect_app.db import get_session

        saved = audit_verify.latest_verification(get_session())
        assert (saved.ok, saved.first_broken, saved.actor) == (False, 3, "cli")


def test_verify_names_a_rewritten_chain_from_its_first_row(app, database):
    """Rehashing from row 4 on (a consistent forgery) breaks the head, and
    a published checkpoint names where it was rewritten."""
    _url, engine = database
    append(engine, 5)
    with Session(engine) as session:
        audit_verify.write_checkpoint(session, date(2030, 1, 1))
        session.commit()
    with trigger_off(engine), Session(engine) as session:
        rows = list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))
        prev = rows[2].hash
        for row in rows[3:]:
            document = audit.hashed_document(row.seq, row.at, "mallory", row.action, row.object_type,
                                             row.object_id, json.loads(row.details))
            new = audit.entry_hash(prev, document)
            session.execute(sa.update(AuditEntry).where(AuditEntry.seq == row.seq)
                            .values(actor="mallory", prev_hash=prev, hash=new))
            prev = new
        session.execute(sa.update(AuditHead).values(hash=prev))
        session.commit()
    with Session(engine) as session:
        report = audit_verify.verify(session)
    assert (report.first_broken, report.problem) == (5, "checkpoint of 2030-01-01 published another hash for "
                                                        "sequence 5")


def test_verify_names_a_deleted_row(app, database):
    _url, engine = database
    append(engine, 5)
    with trigger_off(engine), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 2")
    code, output = _verify_cli(app)
    assert code == 1 and "BROKEN at sequence 2" in output and "row 2 is missing" in output


def test_verify_names_deleted_rows_at_the_end(app, database):
    _url, engine = database
    append(engine, 5)
    with trigger_off(engine), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq >= 4")
    code, output = _verify_cli(app)
    assert code == 1 and "BROKEN at sequence 4" in output


def test_verify_names_a_checkpoint_mismatch(app, database):
    _url, engine = database
    append(engine, 3)
    with Session(engine) as session:
        assert audit_verify.write_checkpoint(session, date(2030, 1, 1)).seq == 3
        session.commit()
        # idempotent: the day keeps its checkpoint
        append(engine, 2, start=3)
        assert audit_verify.write_checkpoint(session, date(2030, 1, 1)).seq == 3
        session.commit()
        session.execute(sa.update(AuditCheckpoint).values(hash="ab" * 32))
        session.commit()
    code, output = _verify_cli(app)
    assert code == 1
    assert "BROKEN at sequence 3: checkpoint of 2030-01-01 published another hash for sequence 3" in output


def test_a_checkpoint_beyond_the_log_is_named(app, database):
    _url, engine = database
    append(engine, 3)
    with Session(engine) as session:
        session.add(AuditCheckpoint(day=date(2030, 1, 2), seq=7, hash="cd" * 32))
        session.commit()
        report = audit_verify.verify(session)
    assert report.first_broken == 7 and "missing" in report.problem


def test_an_empty_log_verifies_and_gets_no_checkpoint(app, database):
    _url, engine = database
    code, output = _verify_cli(app)
    assert code == 0 and "0 rows" in output
    with Session(engine) as session:
        assert audit_verify.write_checkpoint(session, date(2030, 1, 1)) is None
        assert len(session.exec(select(AuditVerification)).all()) == 1


def test_a_rolled_back_savepoint_drops_only_its_own_entries(app, database):
    _url, engine = database
    with Session(engine) as session:
        audit.record(session, action="test.a", object_type="thing", object_id=1)
        with pytest.raises(RuntimeError):
            with session.begin_nested():
                audit.record(session, action="test.b", object_type="thing", object_id=2)
                raise RuntimeError("undo the savepoint")
        with session.begin_nested():
            audit.record(session, action="test.c", object_type="thing", object_id=3)
        assert session.exec(select(AuditEntry)).all() == []  # nothing appended before the commit
        session.commit()
        assert [(e.seq, e.action) for e in session.exec(select(AuditEntry).order_by(AuditEntry.seq))] == [
            (1, "test.a"), (2, "test.c")]
