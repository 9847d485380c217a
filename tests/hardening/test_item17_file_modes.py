"""Issue 8, item 17: secrets and confidential documents are owner-only.

``instance/secret_key`` (which also seals the draws' secrets by default), the
SQLite database and the draw documents (an unrevealed ``outcome.json`` lists
who inspects whom) used to be created world-readable (0644). Now files are
0600 and their directories 0700, whatever the umask's group/other read bits."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import flask
import pytest

from draw_fixtures import published_plan, run_ceremony, seed_registries


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """The common default umask (files 0644, directories 0755)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_fresh_instance_secret_key_and_database_are_private(tmp_path, monkeypatch, loose_umask):
    from inspect_app import create_app
    from inspect_app.db import get_engine, upgrade

    instance = tmp_path / "instance"
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(instance))
    for name in ("SECRET_KEY", "DATABASE_URL", "DRAW_SEAL_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.instance_path == str(instance)
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == app.config["SECRET_KEY"]
    assert mode(key_file) == 0o600
    assert mode(instance) == 0o700
    with app.app_context():
        engine = get_engine()
        upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            db = instance / "inspect.sqlite"
            assert mode(db) == 0o600
            for extra in ("inspect.sqlite-wal", "inspect.sqlite-shm"):
                if (instance / extra).exists():
                    assert mode(instance / extra) == 0o600, extra
        engine.dispose()
    # a second start reads the same key
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_draw_documents_are_private(app, db_session, tmp_path, loose_umask):
    store = tmp_path / "store"
    app.config.update(DRAW_STORE=str(store), DRAW_RUNNER="inline")
    seed_registries(db_session, entities=40, inspectors_per_dept=3)
    plan, tasks = published_plan(db_session, joint=False)
    draw = run_ceremony(db_session, plan, tasks, app)
    outcome = store / draw.outcome_path
    assert outcome.name == "outcome.json" and not draw.revealed_at
    files = [p for p in store.rglob("*") if p.is_file() and p.suffix == ".json"]
    assert {p.name for p in files} >= {"outcome.json", "instance.json"}
    for path in files:
        assert mode(path) == 0o600, path
    assert mode(store) == 0o700
    assert mode(outcome.parent) == 0o700
    assert not [p for p in store.rglob(".*.tmp")]


def test_a_stale_temporary_file_does_not_keep_its_mode(app, tmp_path, loose_umask):
    from inspect_app.services import draw_store

    app.config.update(DRAW_STORE=str(tmp_path / "store"))
    with app.app_context():
        target = draw_store.draw_dir("D1")
        stale = Path(target) / f".outcome.json.{os.getpid()}.tmp"
        stale.write_bytes(b"old")
        os.chmod(stale, 0o644)
        draw_store.write_document("D1", "outcome.json", {"a": 1})
        assert mode(Path(target) / "outcome.json") == 0o600
