"""Two planners pressing "draw" on the same batch at the same moment produce
one draw, not two; the loser is told which draw exists. Likewise only one of
two simultaneous entropy entries counts. Run on SQLite and PostgreSQL; the
interleaving where both pass the pre-check and collide on the unique index is
forced on PostgreSQL with an open transaction holding the key."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from draw_fixtures import in_threads
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw, DrawJob, DrawTask
from inspect_app.services import draws, plans



def test_two_planners_one_draw(app, ready):
    s, plan, tasks = ready
    engine = s.get_bind()
    ids = [t.id for t in tasks]
    results = in_threads(app, engine, 2, lambda session, k: draws.start_draw(
        session, session.get(type(plan), plan.id), ids, "骰子", actor=f"planner{k}")[0].id)
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, draws.DrawConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].draw.id == winners[0]
    s.expire_all()
    assert [d.id for d in s.exec(select(Draw)).all()] == winners
    assert len(s.exec(select(DrawTask)).all()) == 2
    assert len(s.exec(select(DrawJob)).all()) == 1


def test_collision_on_unique_key_postgresql(app, ready, backend):
    """Planner A's transaction has inserted the task key but not committed;
    planner B passes the pre-check, blocks on the unique index, and gets a
    clear conflict once A commits."""
    if backend != "postgresql":
        pytest.skip("row-level blocking on a unique index is PostgreSQL behaviour")
    s, plan, tasks = ready
    engine = s.get_bind()
    key = plans.task_key(plan, tasks[0])
    other = engine.connect()
    tx = other.begin()
    draw_id = other.execute(sa.text(
        "INSERT INTO draw (code, plan_id, state, window_start, window_end, task_codes, entropy_source, created_at, "
        "created_by) VALUES ('D-A', :p, 'freezing', :a, :b, '[\"T1\"]', 'x', now(), 'alice') RETURNING id"),
        {"p": plan.id, "a": tasks[0].window_start, "b": tasks[0].window_end}).scalar_one()
    other.execute(sa.text("INSERT INTO draw_task (draw_id, task_id, task_key) VALUES (:d, :t, :k)"),
                  {"d": draw_id, "t": tasks[0].id, "k": key})
    result = {}

    def planner_b():
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            try:
                draws.start_draw(session, session.get(type(plan), plan.id), [tasks[0].id], "骰子", actor="bob")
                result["b"] = "created"
            except draws.DrawConflict as error:
                result["b"] = error

    thread = threading.Thread(target=planner_b)
    thread.start()
    # B is now either blocked on A's uncommitted key or about to be; wait until
    # PostgreSQL shows a session waiting for a lock, then let A commit.
    with engine.connect() as probe:
        for _ in range(600):
            waiting = probe.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )).scalar_one()
            if waiting:
                break
            thread.join(0.05)
    assert waiting, "planner B never waited on planner A's key"
    tx.commit()
    other.close()
    thread.join()
    assert isinstance(result["b"], draws.DrawConflict), result
    assert result["b"].draw.id == draw_id and "D-A" in str(result["b"])
    s.expire_all()
    assert len(s.exec(select(Draw)).all()) == 1


def test_two_entropy_entries_one_wins(app, ready):
    s, plan, tasks = ready
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子")
    run_job(app, job.id)
    engine = s.get_bind()
    results = in_threads(app, engine, 2, lambda session, k: draws.enter_entropy(
        session, session.get(Draw, draw.id), f"{k}{k}{k}", [(f"见证人{k}", "")], actor=f"planner{k}").id)
    jobs = [r for r in results if isinstance(r, int)]
    errors = [r for r in results if isinstance(r, draws.DrawError)]
    assert len(jobs) == 1 and len(errors) == 1, results
    s.expire_all()
    stored = s.get(Draw, draw.id)
    assert stored.external_entropy in ("000", "111") and len(draws.witnesses(s, stored)) == 1
    assert len(s.exec(select(DrawJob).where(DrawJob.kind == "draw")).all()) == 1


def test_job_claimed_once(app, ready):
    from inspect_app.jobs.runner import claim

    s, plan, tasks = ready
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子")
    results = in_threads(app, s.get_bind(), 2, lambda session, k: claim(session.get_bind(), job.id))
    assert sorted(results) == [False, True]


def test_two_redraws_of_one_visit(app, ready, backend):
    """Two planners redraw the same visit at once: one redraw is created, the
    other is told one is in progress (the visit row is locked FOR UPDATE; on
    SQLite, which has no row locks, sealing refuses a second replacement)."""
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL behaviour")
    from inspect_app.services import redraws
    from draw_fixtures import WINDOW, run_ceremony

    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    visit = draws.visits(s, draw)[0]
    results = in_threads(app, s.get_bind(), 2, lambda session, k: redraws.request_redraw(
        session, session.get(Draw, draw.id), visit.visit_id, "inspector", "病假", "骰子",
        inspector=visit.team[0], actor=f"planner{k}", today=WINDOW[0])[0].id)
    created = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, draws.DrawError)]
    assert len(created) == 1 and len(refused) == 1, results
    s.expire_all()
    assert len(s.exec(select(Draw).where(Draw.parent_id == draw.id)).all()) == 1
