"""The README's first command on a fresh checkout: ``scripts/dev-up`` (in a
copy of the repository's tracked files, with this machine's virtual
environment) migrates a new database, loads a small demo and brings up web,
worker and scheduler with honcho; the web serves the demo, the scheduler
records runs; SIGTERM to its process group stops everything. Bounded."""

from __future__ import annotations

import shutil
import subprocess

from sqlmodel import Session, select

from process_set import REPO, app_for, started, wait_for

from inspect_app.models import SchedulerRun


def fresh_checkout(target):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((REPO / ".venv").resolve())
    return target


def test_dev_up_brings_up_web_worker_and_scheduler(tmp_path):
    checkout = fresh_checkout(tmp_path / "checkout")
    with started(tmp_path / "set", interval=2, timeout=240, command=[str(checkout / "scripts" / "dev-up")],
                 cwd=checkout, extra={"DEMO_ENTITIES": "300"}) as the_set:
        output = the_set.output()
        assert "planner" in output  # the demo logins were printed
        commands = the_set.processes().values()
        assert sum("gunicorn" in c for c in commands) >= 3, commands
        assert any("draws work" in c for c in commands) and any("scheduler run" in c for c in commands), commands
        app = app_for(the_set.database_url)
        with app.app_context():
            from inspect_app.db import get_engine

            def warned():  # the jobs' first runs finish in any order: wait for this one
                with Session(get_engine()) as session:
                    return session.exec(select(SchedulerRun.job).where(SchedulerRun.state == "ok",
                                                                       SchedulerRun.job == "certificate-warnings")
                                        ).first()

            assert wait_for(warned, 60, "the scheduler's first certificate-warnings run")
        app.extensions["db_engine"].dispose()
    assert the_set.process.poll() is not None
