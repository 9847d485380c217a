"""The public-side benches run on a tiny size, so that they cannot rot:
bench/bench_public_search.py on SQLite (and on PostgreSQL where the test
server is reachable: it creates and drops a database of its own), and
bench/bench_public_load.py against gunicorn on 127.0.0.1. Their figures are
not checked here (the machine is shared); that they ran is."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_public_load  # noqa: E402
import bench_public_search  # noqa: E402

from conftest import PG_URL  # noqa: E402


def test_search_bench_on_sqlite(tmp_path):
    db = tmp_path / "tiny.sqlite"
    bench_public_search.main(["--records", "1500", "--repeat", "4", "--no-docs", "--out", str(tmp_path),
                              "--keep", str(db)])
    saved = json.loads((tmp_path / "public-search-sqlite.json").read_text())
    assert saved["records"] == 1500 and saved["entities"] == 750
    assert [c["n"] for c in saved["cases"]] == [4] * 7
    # and the load bench against gunicorn, on that database
    bench_public_load.main(["--database-url", f"sqlite:///{db}", "--workers", "1", "--threads", "2",
                            "--concurrency", "2", "--duration", "1.5", "--warmup", "0.5", "--no-docs",
                            "--out", str(tmp_path), "--mix", "search=2,entity=1,register=1,bulletin=1"])
    load = json.loads((tmp_path / "public-load-sqlite.json").read_text())
    assert load["requests"] > 0 and load["errors"] == 0 and load["records"] == 1500
    assert {k["kind"] for k in load["kinds"]} >= {"search", "entity", "register"}


def test_search_bench_on_postgresql(tmp_path):
    import sqlalchemy as sa

    from inspect_app.db import make_engine

    server = sa.engine.make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
    probe = make_engine(server)
    try:
        with probe.connect():
            pass
    except sa.exc.OperationalError as e:
        if os.environ.get("CI") == "true":  # .ci/run starts it: a skip there would hide the bench
            pytest.fail(f"PostgreSQL not reachable: {e.orig}")
        pytest.skip(f"PostgreSQL not reachable: {e.orig}")
    finally:
        probe.dispose()
    bench_public_search.main(["--database-url", server, "--records", "1000", "--repeat", "3", "--no-docs",
                              "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "public-search-postgresql.json").read_text())
    assert saved["backend"] == "PostgreSQL" and saved["records"] == 1000
