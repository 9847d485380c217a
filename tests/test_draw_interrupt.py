"""A draw whose worker process is killed half-way leaves no half-written draw:
outcome, visits and the job's completion are written in one transaction at
the end. The job shows as interrupted once its heartbeat is stale, and
running it again gives the same outcome the solver computes from the frozen
instance.

The worker is a real ``python -m inspect_app.jobs`` process; a small wrapper
makes it SIGKILL itself right after it has sent the outcome rows to the
database (flushed, not committed): the worst moment to die.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import published_plan, seed_registries
from inspect_app.jobs import launcher
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw, DrawJob, DrawVisit, utcnow
from inspect_app.services import draw_runs, draw_store, draws, solver_adapter

KILL_AFTER_FLUSH = textwrap.dedent("""
    import os, signal, sys
    from inspect_app.services import draw_runs
    original = draw_runs.store_outcome
    def store_then_die(*args, **kwargs):
        original(*args, **kwargs)          # rows flushed inside the open transaction
        os.kill(os.getpid(), signal.SIGKILL)
    draw_runs.store_outcome = store_then_die
    from inspect_app.jobs.__main__ import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.fixture
def app(app, tmp_path, backend):
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="inline")
    if backend == "postgresql":  # the worker process must see the test's private schema
        engine = app.extensions["db_engine"]
        with engine.connect() as conn:
            path = conn.exec_driver_sql("SHOW search_path").scalar_one()
        url = engine.url.update_query_dict({"options": f"-csearch_path={path.replace(' ', '')}"})
        app.config["DRAW_WORKER_DATABASE_URL"] = url.render_as_string(hide_password=False)
    return app


def worker(app, job_id: int, script: str | None = None) -> subprocess.CompletedProcess:
    with app.app_context():
        env = launcher.worker_environment(app)
    command = [sys.executable, "-c", script, "--job", str(job_id)] if script else launcher.worker_command(job_id)
    return subprocess.run(command, env=env, cwd=launcher.REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_killed_worker_leaves_nothing_and_rerun_gives_same_outcome(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子")
    done = worker(app, job.id)  # the freeze, in a real worker process
    assert done.returncode == 0, done.stdout + done.stderr
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.state == "committed"
    job = draws.enter_entropy(s, draw, "314159", [("王公证", "公证员")])

    killed = worker(app, job.id, KILL_AFTER_FLUSH)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.state == "queued" and draw.result_digest is None and draw.input_digest is None
    assert s.exec(select(DrawVisit)).all() == []
    assert [e.action for e in draws.events(s, draw)] == ["created", "committed", "entropy"]
    stuck = s.get(DrawJob, job.id)
    assert stuck.state == "running" and stuck.stage == "save"
    assert not draws.job_is_stale(stuck)
    later = utcnow() + timedelta(seconds=draws.STALE_SECONDS + 1)
    assert draws.job_is_stale(stuck, now=later)
    with app.test_request_context():
        with pytest.raises(draws.DrawError):
            draws.retry_job(s, draw)  # heartbeat still fresh: not restartable yet
        again = draws.retry_job(s, draw, actor="planner", now=later)
    assert s.get(DrawJob, job.id).state == "interrupted" and again.attempt == 2

    done = worker(app, again.id)
    assert done.returncode == 0, done.stdout + done.stderr
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.state == "drawn"
    instance = draw_runs.draw_instance(draw)
    instance["secret"] = draw_runs.secret_of(draw).hex()
    expected = solver_adapter.run_draw(instance)
    assert solver_adapter.result_digest_hex(expected) == draw.result_digest
    assert draw_store.read_document(draw.outcome_path) == expected
    assert len(draws.visits(s, draw)) == len(expected["visits"])
    assert [j.state for j in s.exec(select(DrawJob).where(DrawJob.kind == "draw").order_by(DrawJob.id))] == \
        ["interrupted", "done"]


def test_worker_loop_requeues_stale_and_runs_pending(app, db_session):
    """``flask draws work --once`` recovers a job whose worker died."""
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子")
    app.config["DRAW_STALE_SECONDS"] = 0
    with s.get_bind().begin() as conn:  # a worker claimed it and died long ago
        conn.execute(sa.update(DrawJob).where(DrawJob.id == job.id).values(
            state="running", worker="gone:1", heartbeat=utcnow() - timedelta(hours=1)))
    result = app.test_cli_runner().invoke(args=["draws", "work", "--once"])
    assert result.exit_code == 0, result.output
    s.expire_all()
    assert s.get(Draw, draw.id).state == "committed"
    assert [j.state for j in s.exec(select(DrawJob).order_by(DrawJob.id))] == ["interrupted", "done"]
    assert not run_job(app, job.id)  # an interrupted job is never claimed again


def test_progress_json_reports_interruption(app, client, auth, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子")
    with s.get_bind().begin() as conn:
        conn.execute(sa.update(DrawJob).where(DrawJob.id == job.id).values(
            state="running", stage="entities", done=5, total=10, heartbeat=utcnow() - timedelta(hours=1)))
    s.expire_all()
    auth.login()
    data = client.get(f"/planner/draws/{draw.id}/progress.json").get_json()
    assert data["job"]["stale"] and not data["busy"] and data["job"]["stage"] == "entities"
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert 'id="job-interrupted"' in page
    assert client.post(f"/planner/draws/{draw.id}/retry").status_code == 302
    s.expire_all()
    assert s.get(Draw, draw.id).state == "committed"


def test_request_starts_a_detached_worker(app, client, auth, db_session, monkeypatch):
    """With the default runner the request returns at once and a separate
    worker process does the freeze."""
    from inspect_app.views.planner import draws as draw_views

    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    app.config["DRAW_RUNNER"] = "subprocess"
    started = []

    def launch_and_record(job_id):
        process = launcher.launch(job_id)
        started.append(process)
        return process

    monkeypatch.setattr(draw_views, "launch", launch_and_record)
    auth.login()
    r = client.post(f"/planner/plans/{plan.id}/draws",
                    data={"tasks": [str(t.id) for t in tasks], "entropy_source": "公证员掷骰"})
    assert r.status_code == 302 and len(started) == 1 and started[0].pid != os.getpid()
    assert started[0].wait(timeout=300) == 0
    s.expire_all()
    draw = s.exec(select(Draw)).one()
    assert draw.state == "committed" and draw.commitment
    job = s.exec(select(DrawJob)).one()
    assert job.state == "done" and job.worker.endswith(f":{started[0].pid}")
