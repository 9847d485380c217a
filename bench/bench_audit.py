"""Benchmark: the audit trail (inspect_app/services/audit.py, audit_verify.py).

On a fresh SQLite file and a fresh PostgreSQL schema:

* for comparison, one-row commits without an audit entry;
* sequential appends: one entry per transaction (``audit.record`` then
  ``commit``, as a service does), rows/s;
* the same with 8 threads, each on its own connection, rows/s (the head
  lock serialises them; the chain is verified afterwards);
* ``audit_verify.verify`` over a chain of ``--verify-rows`` rows (filled in
  transactions of 1,000 entries), seconds and rows/s.

Usage::

    .venv/bin/python bench/bench_audit.py [--appends 2000] [--verify-rows 100000]
        [--backends sqlite,postgresql] [--write-docs]

``--write-docs`` replaces the audit-bench section of docs/performance.md.
PostgreSQL: ``BENCH_DATABASE_URL`` (default the local ``test`` database).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from inspect_app.db import make_engine, upgrade  # noqa: E402
from inspect_app.services import audit, audit_verify  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- audit-bench:start -->", "<!-- audit-bench:end -->"
THREADS = 8
DETAILS = {"plan": 12, "code": "T3", "name": "食品经营抽查", "department": "SCJG", "items": [4, 7],
           "window": ["2030-03-01", "2030-03-29"]}  # the size of a typical row (task.added)


def _one(session: Session, k: int) -> None:
    audit.record(session, actor="bench", action="task.added", object_type="task", object_id=k, details=DETAILS)
    session.commit()


def baseline(engine, n: int) -> float:
    """The same number of one-row commits without an audit entry (a row of
    ``audit_verification``, about as small), for comparison."""
    from inspect_app.models import AuditVerification

    with Session(engine) as session:
        started = time.perf_counter()
        for _k in range(n):
            session.add(AuditVerification(actor="bench", ok=True, rows=0, head_seq=0, checkpoints=0, seconds=0.0))
            session.commit()
        return n / (time.perf_counter() - started)


def sequential(engine, n: int) -> float:
    with Session(engine) as session:
        started = time.perf_counter()
        for k in range(n):
            _one(session, k)
        return n / (time.perf_counter() - started)


def threaded(engine, n: int) -> float:
    barrier = threading.Barrier(THREADS + 1)
    errors = []

    def work(t: int) -> None:
        try:
            with Session(engine) as session:
                session.connection()
                barrier.wait()
                for k in range(n // THREADS):
                    _one(session, t * n + k)
        except Exception as error:  # noqa: BLE001 - reported
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} thread(s) failed: {errors[0]!r}")
    return (n // THREADS) * THREADS / elapsed


def fill(engine, rows: int, batch: int = 1000) -> None:
    with Session(engine) as session:
        done = 0
        while done < rows:
            for k in range(min(batch, rows - done)):
                audit.record(session, actor="bench", action="task.added", object_type="task",
                             object_id=done + k, details=DETAILS)
            session.commit()
            done += batch


def verify_time(engine) -> tuple[float, int, bool]:
    with Session(engine) as session:
        started = time.perf_counter()
        report = audit_verify.verify(session)
        return time.perf_counter() - started, report.rows, report.ok


def engines(backends: list[str], tmp: Path):
    for backend in backends:
        if backend == "sqlite":
            engine = make_engine(f"sqlite:///{tmp / 'bench.sqlite'}", pool_size=THREADS + 2)
            upgrade(engine)
            yield backend, engine, None
            engine.dispose()
        else:
            probe = make_engine(PG_URL)
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with probe.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            engine = make_engine(PG_URL, pool_size=THREADS + 2,
                                 connect_args={"options": f"-csearch_path={schema},public"})
            try:
                upgrade(engine)
                yield backend, engine, None
            finally:
                engine.dispose()
                with probe.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                probe.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--verify-rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, engine, _ in engines(args.backends.split(","), Path(tmp)):
            base_rate = baseline(engine, args.appends)
            seq_rate = sequential(engine, args.appends)
            thr_rate = threaded(engine, args.appends)
            with Session(engine) as session:
                assert audit_verify.verify(session).ok
                have = audit.head(session).seq
            fill(engine, max(0, args.verify_rows - have))
            seconds, rows, ok = verify_time(engine)
            assert ok, "the benchmark's chain does not verify"
            with engine.connect() as conn:
                size = (conn.exec_driver_sql("SELECT pg_total_relation_size('audit_log')").scalar()
                        if backend == "postgresql" else None)
            line = (f"| {backend} | {base_rate:,.0f} | {seq_rate:,.0f} | {thr_rate:,.0f} | {rows:,} | {seconds:.2f} | "
                    f"{rows / seconds:,.0f} | {f'{size / rows:.0f} B' if size else '—'} |")
            print(line, flush=True)
            lines.append(line)
    loads = os.getloadavg()
    table = "\n".join([
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load {loads[0]:.1f} (shared with other work); "
        f"`bench/bench_audit.py --appends {args.appends} --verify-rows {args.verify_rows}`.",
        "",
        "| database | plain one-row commits/s (no audit) | appends/s, 1 thread (a commit each) "
        "| appends/s, 8 threads | rows verified | verify s | rows/s verified | table bytes/row |",
        "|---|---|---|---|---|---|---|---|",
        *lines,
    ])
    print(table)
    if args.write_docs:
        text = DOCS.read_text(encoding="utf-8")
        section = f"{START}\n{table}\n{END}"
        if START in text:
            text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
        else:
            text += ("\n## Audit trail (bench/bench_audit.py, issue 11)\n\n"
                     "Appending adds one UPDATE (the chain head) and one INSERT to a commit. The head lock lets "
                     "one transaction append at a time, so threads never fork the chain.\n\n"
                     + section + "\n")
        DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
