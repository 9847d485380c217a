"""Visits of sealed draws count as checks for later draws: the frequency cap,
the recent-check exclusion and rotation see a check that is planned or under
way, not only recorded results (instance_builder._history)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from draw_fixtures import YEAR, item_id, published_plan, run_ceremony, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import CheckRecord, Draw, Inspector
from inspect_app.services import draw_runs, draws, plans

LATER = (date(2030, 5, 6), date(2030, 5, 31))


def frozen_instance(session, app, plan, tasks) -> dict:
    draw, job = draws.start_draw(session, plan, [t.id for t in tasks], "骰子", actor="planner")
    assert run_job(app, job.id)
    session.expire_all()
    draw = session.get(Draw, draw.id)
    assert draw.state == "committed", draw.error
    return draw_runs.draw_instance(draw)


def later_plan(session):
    plan = plans.create_plan(session, "榕市监〔2030〕2号", "2030年度第二批抽查计划", YEAR, actor="planner")
    task = plans.add_task(session, plan, plans.TaskInput(
        name="食品经营复查", department="SCJG", items=[item_id(session, "SCJG-01")],
        window_start=LATER[0], window_end=LATER[1], filter={"tags_any": ["restaurant"]},
        ratio={"A": "1", "B": "1", "C": "1", "D": "1"}))
    plans.publish_plan(session, plan)
    return plan, [task]


def test_sealed_visits_are_history_for_the_next_draw(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    first = run_ceremony(s, plan, tasks, app)
    visits = draws.visits(s, first)
    assert visits
    plan2, tasks2 = later_plan(s)
    draws.seal(s, first)
    instance = frozen_instance(s, app, plan2, tasks2)
    by_uscc = {e["uscc"]: e for e in instance["entities"]}
    department = {i.id: i.department for i in s.exec(select(Inspector)).all()}
    for visit in visits:
        entity = by_uscc.get(visit.uscc)
        if entity is None:  # not in the restaurant population of the second task
            continue
        assert entity["checks_this_year"] == 1
        checks = {c["department"]: c for c in entity["last_checks"]}
        assert set(checks) == set(visit.departments)
        for dept, check in checks.items():
            assert check["date"] == visit.day.isoformat()
            assert check["inspectors"] == sorted(i for i in visit.team if department[i] == dept)
    unvisited = set(by_uscc) - {v.uscc for v in visits}
    assert all(by_uscc[u]["checks_this_year"] == 0 and "last_checks" not in by_uscc[u] for u in unvisited)


def test_a_recorded_result_is_not_counted_twice(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s, joint=False)
    first = run_ceremony(s, plan, tasks, app)
    draws.seal(s, first)
    visit = draws.visits(s, first)[0]
    s.add(CheckRecord(uscc=visit.uscc, department="SCJG", checked_on=visit.day, inspectors=visit.team,
                      source=first.code))
    s.commit()
    plan2, tasks2 = later_plan(s)
    instance = frozen_instance(s, app, plan2, tasks2)
    entity = next(e for e in instance["entities"] if e["uscc"] == visit.uscc)
    assert entity["checks_this_year"] == 1
    assert entity["last_checks"] == [{"department": "SCJG", "date": visit.day.isoformat(),
                                      "inspectors": sorted(visit.team)}]
