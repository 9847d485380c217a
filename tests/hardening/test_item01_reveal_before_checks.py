"""Issue 8, item 1: no reveal before the window has closed; the reveal records
who and why (a required reason and an explicit confirmation); a draw for a
window already past is refused; a redraw is revealed only with its root."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, published_plan, seed_registries
from inspect_app.models import Draw
from inspect_app.services import draw_register, draws, redraws

CLOSED = date(YEAR, 3, 30)



def test_reveal_refused_before_the_window_closes_through_the_page(app, client, auth, sealed):
    s, _plan, _tasks, draw = sealed
    auth.login()
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert 'id="reveal-form"' not in page and 'id="reveal-closed"' in page
    r = client.post(f"/planner/draws/{draw.id}/reveal", data={"reason": "提前公开", "confirm": "yes"})
    assert r.status_code == 302
    s.expire_all()
    assert s.get(Draw, draw.id).revealed_at is None
    for name in draw_register.DOCUMENTS:
        assert client.get(f"/draws/{draw.code}/{name}").status_code == 404


def test_reveal_requires_reason_and_confirmation_and_records_them(app, sealed):
    s, _plan, _tasks, draw = sealed
    with pytest.raises(draws.DrawError, match="结束前不能公开"):
        draws.reveal(s, draw, "检查已完成", confirmed=True, actor="planner", today=WINDOW[1])
    with pytest.raises(draws.DrawError, match="原因"):
        draws.reveal(s, draw, "  ", confirmed=True, actor="planner", today=CLOSED)
    with pytest.raises(draws.DrawError, match="确认"):
        draws.reveal(s, draw, "检查已完成", confirmed=False, actor="planner", today=CLOSED)
    with pytest.raises(draws.DrawError):
        draws.reveal(s, draw, "x" * 501, confirmed=True, actor="planner", today=CLOSED)
    with pytest.raises(draws.DrawError):
        draws.reveal(s, draw, "检查\x00完成", confirmed=True, actor="planner", today=CLOSED)
    draws.reveal(s, draw, "检查已全部完成", confirmed=True, actor="alice", today=CLOSED)
    s.expire_all()
    stored = s.get(Draw, draw.id)
    assert stored.revealed_by == "alice" and stored.reveal_reason == "检查已全部完成"
    revealed = [e for e in draws.events(s, stored) if e.action == "revealed"]
    assert len(revealed) == 1 and revealed[0].actor == "alice" and revealed[0].detail == {"reason": "检查已全部完成"}


def test_reveal_page_after_the_window(app, client, auth, sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    monkeypatch.setattr(draws, "_today", lambda: CLOSED)
    auth.login()
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert 'id="reveal-form"' in page and 'name="confirm"' in page
    client.post(f"/planner/draws/{draw.id}/reveal", data={"reason": "检查已完成"})  # not confirmed
    s.expire_all()
    assert s.get(Draw, draw.id).revealed_at is None
    client.post(f"/planner/draws/{draw.id}/reveal", data={"reason": "检查已完成", "confirm": "yes"})
    s.expire_all()
    assert s.get(Draw, draw.id).revealed_by == "planner"


def test_draw_for_a_past_window_is_refused(app, db_session):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    with pytest.raises(draws.DrawError, match="已于"):
        draws.start_draw(s, plan, [t.id for t in tasks], "骰子", actor="planner", today=CLOSED)
    assert s.exec(select(Draw)).all() == []


def test_entropy_and_seal_refused_once_the_window_closed(app, db_session):
    from inspect_app.jobs.runner import run_job

    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子", actor="planner", today=WINDOW[0])
    run_job(app, job.id)
    s.refresh(draw)
    with pytest.raises(draws.DrawError, match="已于"):
        draws.enter_entropy(s, draw, "1", [("甲", "")], today=CLOSED)
    job = draws.enter_entropy(s, draw, "1", [("甲", "")], today=WINDOW[1])
    run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    with pytest.raises(draws.DrawError, match="已于"):
        draws.seal(s, draw, today=CLOSED)
    assert s.get(Draw, draw.id).state == "drawn"
    assert not draws.is_revealed(s.get(Draw, draw.id))


def test_redraw_revealed_only_with_its_root(app, sealed):
    from inspect_app.jobs.runner import run_job

    s, _plan, _tasks, draw = sealed
    visit = draws.visits(s, draw)[0]
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子",
                                         inspector=visit.team[0], today=WINDOW[0])
    run_job(app, job.id)
    s.refresh(redraw)
    job = draws.enter_entropy(s, redraw, "9", [("甲", "")])
    run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    draws.seal(s, redraw)
    with pytest.raises(draws.DrawError, match="结束前"):
        draws.reveal(s, redraw, "提前", confirmed=True, today=WINDOW[1])
    assert not draws.is_revealed(redraw, s)
    # after the window: still not revealed by the date; the redraw not before its root
    assert not draws.is_revealed(redraw, s) and not draws.is_revealed(s.get(Draw, draw.id), s)
    with pytest.raises(draws.DrawError, match="原始抽取"):
        draws.reveal(s, redraw, "检查完成", confirmed=True, today=CLOSED)
    draws.reveal(s, s.get(Draw, draw.id), "检查完成", confirmed=True, actor="alice", today=CLOSED)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    assert draws.is_revealed(redraw, s) and redraw.reveal_reason == "检查完成" and redraw.revealed_by == "alice"
    trail = [e for e in draws.events(s, redraw) if e.action == "revealed"]
    assert len(trail) == 1 and trail[0].detail == {"reason": "检查完成", "root": draw.code}
    with pytest.raises(draws.DrawError, match="已经公开"):
        draws.reveal(s, redraw, "再次", confirmed=True, today=CLOSED)
