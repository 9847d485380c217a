"""Issue 8, item 2: a redraw's documents do not leak its parent's sealed
sample (the redraw is revealed only with its root) nor anything of other,
unrelated draws still confidential (busy days, reduced capacities, checks
counted from their visits)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, published_plan, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw, Inspector
from inspect_app.services import draw_register, draw_runs, draws, redraws


def ceremony(app, s, start):
    draw, job = start
    assert run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    job = draws.enter_entropy(s, draw, "2718", [("王公证", "公证员")])
    assert run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.state == "drawn", draw.error
    draws.seal(s, draw)
    return draw


@pytest.fixture
def two_draws(app, db_session):
    """D1 over T1 and an unrelated D2 over T2, both sealed, same window."""
    s = db_session
    seed_registries(s)
    plan, (t1, t2) = published_plan(s)
    d1 = ceremony(app, s, draws.start_draw(s, plan, [t1.id], "骰子", actor="planner"))
    d2 = ceremony(app, s, draws.start_draw(s, plan, [t2.id], "骰子", actor="planner"))
    return s, d1, d2


def redraw_instance(app, s, parent, visit, cause):
    kw = {"inspector": visit.team[0]} if cause == "inspector" else {}
    redraw, job = redraws.request_redraw(s, parent, visit.visit_id, cause, "原因", "骰子", today=WINDOW[0], **kw)
    assert run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    assert redraw.state == "committed", redraw.error
    return redraw, draw_runs.draw_instance(redraw)


def test_redraw_documents_stay_confidential_until_the_root_is_revealed(app, client, two_draws):
    s, d1, _d2 = two_draws
    visit = next(v for v in draws.visits(s, d1))
    redraw, _doc = redraw_instance(app, s, d1, visit, "entity")
    job = draws.enter_entropy(s, redraw, "5", [("甲", "")])
    run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    draws.seal(s, redraw)
    with pytest.raises(draws.DrawError):
        draws.reveal(s, redraw, "重抽已完成", confirmed=True, actor="planner")
    for name in draw_register.DOCUMENTS:
        assert client.get(f"/draws/{redraw.code}/{name}").status_code == 404
    closed = date(YEAR, 3, 30)
    with pytest.raises(draws.DrawError, match="原始抽取"):
        draws.reveal(s, redraw, "重抽已完成", confirmed=True, actor="planner", today=closed)
    draws.reveal(s, s.get(Draw, d1.id), "检查已完成", confirmed=True, actor="planner", today=closed)
    s.expire_all()
    assert draws.is_revealed(s.get(Draw, redraw.id), s) and draws.is_revealed(s.get(Draw, d1.id), s)
    for name in draw_register.DOCUMENTS:
        assert client.get(f"/draws/{redraw.code}/{name}").status_code == 200


def test_inspector_redraw_counts_only_its_own_chain(app, two_draws):
    s, d1, d2 = two_draws
    visit = draws.visits(s, d1)[0]
    _redraw, doc = redraw_instance(app, s, d1, visit, "inspector")
    chain = Counter(i for v in draws.visits(s, d1) if v.id != visit.id and v.day >= WINDOW[0] for i in v.team)
    other = Counter(i for v in draws.visits(s, d2) for i in v.team)
    registered = {i.id: i.max_visits for i in s.exec(select(Inspector))}
    in_doc = {i["id"]: i for i in doc["inspectors"]}
    assert any(other[i] for i in in_doc), "D2 staffs none of the redraw's inspectors: the test proves nothing"
    for ident, entry in in_doc.items():
        assert entry["max_visits"] == max(0, registered[ident] - chain[ident]), ident
    busy_elsewhere = {(i, v.day.isoformat()) for v in draws.visits(s, d2) for i in v.team}
    leave_or_ill = {visit.team[0]} | {"SCJG01"}
    for ident, entry in in_doc.items():
        if ident not in leave_or_ill:
            # no day is off because of D2 (the daily limit is reached by D1's visits only)
            d1_days = Counter(v.day.isoformat() for v in draws.visits(s, d1) if v.id != visit.id and ident in v.team)
            for day in entry["unavailable"]:
                assert d1_days[day] >= 3 or (ident, day) not in busy_elsewhere


def test_entity_redraw_history_ignores_unrelated_draws(app, two_draws):
    s, d1, d2 = two_draws
    visit = draws.visits(s, d1)[0]
    _redraw, doc = redraw_instance(app, s, d1, visit, "entity")
    d1_usccs = {v.uscc for v in draws.visits(s, d1)}
    d2_only = {v.uscc for v in draws.visits(s, d2)} - d1_usccs
    entities = {e["uscc"]: e for e in doc["entities"]}
    assert d1_usccs.isdisjoint(entities)  # the chain's own sample is excluded (public with the root)
    seen = [u for u in d2_only if u in entities]
    assert seen, "no entity of D2 in the redraw's population: the test proves nothing"
    for u in seen:
        assert entities[u]["checks_this_year"] == 0 and "last_checks" not in entities[u], u
