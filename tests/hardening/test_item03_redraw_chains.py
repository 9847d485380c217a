"""Issue 8, item 3: exclusions carry along a redraw chain (an inspector ill
for the whole window stays off in later redraws of the same visit); redraws
of one visit are capped (REDRAW_LIMIT, default 2); each needs a reason, kept
in the trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from draw_fixtures import WINDOW, published_plan, run_ceremony, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw
from inspect_app.services import draw_runs, draws, redraws


@pytest.fixture
def sealed(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s, joint=False)
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    return s, draw


def redraw(app, s, parent, visit_id, inspector, reason="病假"):
    new, job = redraws.request_redraw(s, parent, visit_id, "inspector", reason, "骰子", inspector=inspector,
                                      actor="planner", today=WINDOW[0])
    assert run_job(app, job.id)
    s.expire_all()
    new = s.get(Draw, new.id)
    instance = draw_runs.draw_instance(new)
    job = draws.enter_entropy(s, new, "77", [("甲", "")])
    assert run_job(app, job.id)
    s.expire_all()
    new = s.get(Draw, new.id)
    assert new.state == "drawn", new.error
    draws.seal(s, new)
    return new, instance


def test_ill_inspector_stays_off_along_the_chain(app, sealed):
    s, draw = sealed
    visit = draws.visits(s, draw)[0]
    ill = visit.team[0]
    first, _doc = redraw(app, s, draw, visit.visit_id, ill, "病假住院")
    [replacement] = draws.visits(s, first)
    assert ill not in replacement.team
    second, doc = redraw(app, s, first, replacement.visit_id, replacement.team[0], "出差")
    start, end = date.fromisoformat(doc["window"]["start"]), date.fromisoformat(doc["window"]["end"])
    window_days = {(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)}
    ill_entry = next(i for i in doc["inspectors"] if i["id"] == ill)
    assert window_days <= set(ill_entry["unavailable"])  # still off for the whole window
    [again] = draws.visits(s, second)
    assert ill not in again.team and replacement.team[0] not in again.team
    created = next(e for e in draws.events(s, second) if e.action == "created")
    assert created.detail["reason"] == "出差" and ill in created.detail["unavailable"]
    # the cap: a third redraw of the same visit is refused (default 2)
    with pytest.raises(draws.DrawError, match="上限"):
        redraws.request_redraw(s, second, again.visit_id, "inspector", "又病了", "骰子", inspector=again.team[0],
                               today=WINDOW[0])


def test_cap_is_a_config_value_and_reason_is_required(app, sealed):
    s, draw = sealed
    app.config["REDRAW_LIMIT"] = 1
    visit = draws.visits(s, draw)[0]
    with pytest.raises(draws.DrawError, match="原因"):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "  ", "骰子", inspector=visit.team[0],
                               today=WINDOW[0])
    with pytest.raises(draws.DrawError):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病" * 501, "骰子", inspector=visit.team[0],
                               today=WINDOW[0])
    first, _doc = redraw(app, s, draw, visit.visit_id, visit.team[0])
    [replacement] = draws.visits(s, first)
    with pytest.raises(draws.DrawError, match="上限"):
        redraws.request_redraw(s, first, replacement.visit_id, "inspector", "出差", "骰子",
                               inspector=replacement.team[0], today=WINDOW[0])
    requested = [e for e in draws.events(s, draw) if e.action == "redraw_requested"]
    assert [e.detail["reason"] for e in requested] == ["病假"]
