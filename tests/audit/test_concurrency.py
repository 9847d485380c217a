"""Concurrent appends never fork the chain: 50 threads, each with its own
connection, each creating a plan through the real service (which appends
its audit row in the same transaction), give one unbroken chain with 50 new
consecutive sequence numbers — on PostgreSQL (row lock on the head) and on
SQLite (the database's single write lock)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlmodel import Session, select

from inspect_app.db import make_engine
from inspect_app.models import AuditEntry, Plan
from inspect_app.services import audit_verify, plans

THREADS = 50


def _own_engine(url: str, engine: sa.Engine) -> sa.Engine:
    """An engine over the same database with a connection per thread."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        return make_engine(url, pool_size=THREADS, max_overflow=0,
                           connect_args={"options": f"-csearch_path={schema},public"})
    return make_engine(url, pool_size=THREADS, max_overflow=0)


def test_fifty_concurrent_changes_append_one_chain(app, database):
    url, engine = database
    with Session(engine) as session:  # one row before: the new ones follow it
        plans.create_plan(session, "P-0", "before", 2030, actor="seed")
    many = _own_engine(url, engine)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    connections: set[int] = set()

    def work(n: int) -> None:
        try:
            with app.app_context(), Session(many) as session:
                connections.add(id(session.connection().connection.dbapi_connection))
                barrier.wait(timeout=60)
                plans.create_plan(session, f"P-{n + 1}", f"plan {n + 1}", 2030, actor=f"user{n}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    many.dispose()
    assert errors == []
    assert len(connections) == THREADS
    with Session(engine) as session:
        rows = list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))
        assert [r.seq for r in rows] == list(range(1, THREADS + 2))
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
        assert sorted(r.actor for r in rows[1:]) == sorted(f"user{n}" for n in range(THREADS))
        assert {r.action for r in rows} == {"plan.created"}
        assert len(session.exec(select(Plan)).all()) == THREADS + 1
        report = audit_verify.verify(session)
        assert report.ok and report.rows == THREADS + 1 and report.head_seq == THREADS + 1


def test_fifty_concurrent_requests_append_one_chain(app, database):
    """The same through HTTP: 50 threads post the plan form at once, each
    request on its own pooled connection, as one logged-in planner."""
    from inspect_app import create_app
    from inspect_app.models import Department
    from inspect_app.services.accounts import create_account

    url, engine = database
    with Session(engine) as session:
        session.add(Department(id="SCJG", name="市场监督管理局"))
        session.commit()
        create_account(session, "planner", "correct-horse", "planner", department="SCJG")
    many = _own_engine(url, engine)
    web = create_app(dict(app.config, DATABASE_ENGINE=many))
    first = web.test_client()
    assert first.post("/login", data={"username": "planner", "password": "correct-horse"}).status_code == 302
    cookie = first.get_cookie("session").value
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def work(n: int) -> None:
        client = web.test_client()
        client.set_cookie("session", cookie)
        barrier.wait(timeout=60)
        response = client.post("/planner/plans/", data={"number": f"H-{n}", "name": f"plan {n}", "year": "2030"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    many.dispose()
    assert statuses == [302] * THREADS
    with Session(engine) as session:
        rows = list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))
        assert [r.action for r in rows] == ["account.created"] + ["plan.created"] * THREADS
        assert [r.seq for r in rows] == list(range(1, THREADS + 2))
        assert {r.actor for r in rows[1:]} == {"planner"}
        assert audit_verify.verify(session).ok
