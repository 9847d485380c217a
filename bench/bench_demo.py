"""Benchmark: the demo data generator (inspect_app.services.demo).

For each size, measures on a fresh SQLite file and a fresh PostgreSQL schema
the whole ``load_demo`` (generation, inserts, name-search index, calendar,
accounts), and separately the generation of entity rows alone.

Usage::

    .venv/bin/python bench/bench_demo.py [--entities 100000,1000000]
        [--backends sqlite,postgresql] [--write-docs]

``--write-docs`` replaces the demo-bench section of docs/performance.md
(appending it when missing). PostgreSQL: ``BENCH_DATABASE_URL`` (default the
local ``test`` database).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from inspect_app.db import make_engine, upgrade  # noqa: E402
from inspect_app.services import demo  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- demo-bench:start -->", "<!-- demo-bench:end -->"
AS_OF = date(2026, 11, 22)


@contextmanager
def database(backend: str):
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.sqlite")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    probe = make_engine(PG_URL)
    schema = f"bench_demo_{uuid.uuid4().hex[:8]}"
    with probe.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema},public"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with probe.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        probe.dispose()


def generation_only(n: int) -> tuple[float, float]:
    """(wall, CPU) seconds to generate ``n`` entity rows."""
    gen = demo._Generator(demo.DEFAULT_SEED, AS_OF)
    t, c = time.perf_counter(), time.process_time()
    for start in range(0, n, demo.CHUNK_SIZE):
        gen.entity_chunk(start, min(demo.CHUNK_SIZE, n - start))
    return time.perf_counter() - t, time.process_time() - c


def load(backend: str, n: int) -> tuple[float, float]:
    """(wall, CPU of this process) seconds of ``load_demo`` with ``n`` entities."""
    with database(backend) as engine, Session(engine) as session:
        t, c = time.perf_counter(), time.process_time()
        demo.load_demo(session, entities=n, as_of=AS_OF)
        return time.perf_counter() - t, time.process_time() - c


def write_docs(lines: list[str]) -> None:
    section = "\n".join([START, *lines, END]) + "\n"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", default="100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.entities.split(",")]
    backends = args.backends.split(",")

    rows = []
    for n in sizes:
        runs = [("generation only", generation_only(n))]
        runs += [(f"`demo load` into {backend}", load(backend, n)) for backend in backends]
        for what, (wall, cpu) in runs:
            row = f"| {n:,} | {what} | {wall:.1f} | {n / wall:,.0f} | {cpu:.1f} |"
            print(row, flush=True)
            rows.append(row)

    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "## Demo data generator",
        "",
        f"`bench/bench_demo.py`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load_avg:.1f} at the end (the machine is shared).",
        "`demo load` covers generation, inserts (PostgreSQL `COPY`; SQLite `executemany` with the FTS5 name",
        "index rebuilt once), past check records, conflicts, the calendar and three argon2-hashed accounts.",
        "",
        "Wall-clock time depends on what else runs; the CPU seconds of the loading process (not counting the",
        "database server) are the steadier figure.",
        "",
        "| entities | what | wall s | entities/s (wall) | CPU s (loader) |",
        "|---:|---|---:|---:|---:|",
        *rows,
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_docs(lines)


if __name__ == "__main__":
    main()
