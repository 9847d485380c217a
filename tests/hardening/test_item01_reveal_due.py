"""Issue 10, the reveal rules: a draw is revealed only when ``revealed_at`` is
set — by the system (``reveal_due``: window closed and every visit completed
or reported) or, after the window, by a planner with a reason. Before the
window closes neither the command, ``reveal_due`` nor the planner's route
reveals it, and its documents stay 404 until it is revealed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, in_threads
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw, DrawEvent, DrawVisit, ResultCodeSet
from inspect_app.services import draw_register, draw_reveal, draws, redraws
from inspect_app.visit_models import VisitResult

CLOSED = date(YEAR, 3, 30)


def done(s, draw: Draw, state: str = "submitted", skip: int = 0) -> list[DrawVisit]:
    """Give the draw's current visits without a result (all but the first
    ``skip``) a current result in ``state``; return the visits left
    without one."""
    version = s.exec(select(ResultCodeSet.version)).first()
    reported = set(s.exec(select(VisitResult.visit_pk)))
    visits = [v for v in draws.visits(s, draw) if v.current and v.id not in reported]
    for v in visits[skip:]:
        s.add(VisitResult(visit_pk=v.id, state=state, code_version=version))
    s.commit()
    return visits[:skip]


def documents_status(client, code: str) -> set[int]:
    return {client.get(f"/draws/{code}/{name}").status_code for name in draw_register.DOCUMENTS}


def revealed_events(s, draw: Draw) -> list[DrawEvent]:
    return list(s.exec(select(DrawEvent).where(DrawEvent.draw_id == draw.id, DrawEvent.action == "revealed")))


def test_a_visit_not_reported_keeps_the_draw_confidential(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    left = done(s, draw, skip=1)
    assert left and draw_reveal.open_visits(s, [draw.id]) == 1
    assert draw_reveal.reveal_due(s, CLOSED) == []
    s.expire_all()
    assert s.get(Draw, draw.id).revealed_at is None
    assert documents_status(client, draw.code) == {404}
    # a draft, or a result returned by the reviewer, is not "completed or reported" either
    version = s.exec(select(ResultCodeSet.version)).first()
    for state in ("draft", "returned"):
        row = VisitResult(visit_pk=left[0].id, state=state, code_version=version, revision=1 if state == "draft" else 2)
        s.add(row)
        s.commit()
        assert draw_reveal.reveal_due(s, CLOSED) == []
        row.current = False
        s.add(row)
        s.commit()
    # the planner may still reveal it, with a reason, after the window
    draws.reveal(s, s.get(Draw, draw.id), "一户已注销，无法检查", confirmed=True, actor="alice", today=CLOSED)
    s.expire_all()
    stored = s.get(Draw, draw.id)
    assert stored.revealed_by == "alice" and stored.reveal_reason == "一户已注销，无法检查"
    assert documents_status(client, draw.code) == {200}


def test_every_visit_done_reveal_due_reveals_once(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    done(s, draw, skip=1)
    done(s, draw, state="approved")  # the last one approved: done too
    assert [d.code for d in draw_reveal.due(s, CLOSED)] == [draw.code]
    assert draw_reveal.due(s, WINDOW[1]) == []  # the window's last day: not yet
    assert [d.code for d in draw_reveal.reveal_due(s, CLOSED)] == [draw.code]
    assert draw_reveal.reveal_due(s, CLOSED) == []
    s.expire_all()
    stored = s.get(Draw, draw.id)
    assert stored.revealed_by == draw_reveal.SYSTEM and stored.reveal_reason == draw_reveal.CHECKS_DONE
    assert "全部检查均已完成" in draw_reveal.reveal_reason_text(stored)
    trail = revealed_events(s, stored)
    assert len(trail) == 1 and trail[0].actor == draw_reveal.SYSTEM and trail[0].detail["reason_code"] == draw_reveal.CHECKS_DONE
    assert "全部检查完成后由系统公开" in draws.describe(trail[0])
    assert documents_status(client, draw.code) == {200}
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert "全部检查均已完成" in page and draw_reveal.CHECKS_DONE not in page
    with pytest.raises(draws.DrawError, match="已经公开"):
        draws.reveal(s, stored, "再次", confirmed=True, today=CLOSED)


def redrawn(app, s, draw: Draw) -> Draw:
    """A sealed inspector redraw of the draw's first visit."""
    visit = draws.visits(s, draw)[0]
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子",
                                         inspector=visit.team[0], today=WINDOW[0])
    run_job(app, job.id)
    s.expire_all()
    job = draws.enter_entropy(s, s.get(Draw, redraw.id), "9", [("甲", "")])
    run_job(app, job.id)
    s.expire_all()
    return draws.seal(s, s.get(Draw, redraw.id))


def test_redraws_are_revealed_with_their_root(app, client, sealed):
    s, _plan, _tasks, draw = sealed
    redraw = redrawn(app, s, draw)
    replaced = s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id, DrawVisit.current.is_(False))).one()
    done(s, draw)
    # the redraw's visit replaces the first one: it must be done too; the replaced one no longer counts
    assert draw_reveal.pending_chain_visits(s, draw) == 1 and draw_reveal.reveal_due(s, CLOSED) == []
    assert not s.exec(select(VisitResult).where(VisitResult.visit_pk == replaced.id)).first()
    done(s, redraw)
    revealed = draw_reveal.reveal_due(s, CLOSED)
    assert [d.code for d in revealed] == [draw.code, redraw.code]
    s.expire_all()
    assert draws.is_revealed(s.get(Draw, redraw.id), s)
    trail = revealed_events(s, redraw)
    assert len(trail) == 1 and trail[0].detail == {"root": draw.code, "reason_code": draw_reveal.CHECKS_DONE}
    assert documents_status(client, redraw.code) == {200}


def test_before_the_window_closes_nothing_reveals(app, client, auth, runner, sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    done(s, draw)  # every visit reported early: still the window decides first
    monkeypatch.setattr(draws, "_today", lambda: WINDOW[1])
    assert draw_reveal.reveal_due(s) == []
    result = runner.invoke(args=["draws", "reveal-due"])
    assert result.exit_code == 0 and "0 draw(s) revealed" in result.output
    auth.login()
    r = client.post(f"/planner/draws/{draw.id}/reveal", data={"reason": "检查已完成", "confirm": "yes"})
    assert r.status_code == 302
    s.expire_all()
    assert s.get(Draw, draw.id).revealed_at is None and revealed_events(s, draw) == []
    assert documents_status(client, draw.code) == {404}
    register = client.get(f"/draws/{draw.code}/register.json").get_json()
    assert register["revealed"] is False and register["revealed_at"] is None
    page = client.get("/draws/").get_data(as_text=True)
    assert "不早于 2030-03-30 公开" in page
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert 'id="documents"' not in page and "2030-03-30" in page
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert 'id="reveal-closed"' in page and "不早于 2030-03-30 公开" in page and 'id="reveal-form"' not in page
    # the day after the window: the command reveals it
    monkeypatch.setattr(draws, "_today", lambda: CLOSED)
    result = runner.invoke(args=["draws", "reveal-due"])
    assert result.exit_code == 0 and f"revealed {draw.code}" in result.output
    assert documents_status(client, draw.code) == {200}
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert 'id="revealed"' in page and "由 系统 公开" in page and "全部检查均已完成" in page
    assert ">system<" not in page and draw_reveal.CHECKS_DONE not in page  # the trail in words


def test_the_planner_page_counts_the_visits_not_done(app, client, auth, sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    done(s, draw, skip=2)
    monkeypatch.setattr(draws, "_today", lambda: CLOSED)
    auth.login()
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert 'id="reveal-form"' in page and "尚有 2 次检查未提交结果" in page
    done(s, draw)
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert "全部检查均已完成" in page


@pytest.mark.parametrize("race", ["natural", "both_found_it_due"])
def test_two_concurrent_reveal_due_reveal_once(app, sealed, monkeypatch, race):
    s, _plan, _tasks, draw = sealed
    redraw = redrawn(app, s, draw)
    done(s, draw)
    done(s, redraw)
    if race == "both_found_it_due":  # both calls past the check before either updates
        monkeypatch.setattr(draw_reveal, "due", lambda session, today=None: [session.get(Draw, draw.id)])
    results = in_threads(app, s.get_bind(), 2, lambda session, k: [d.code for d in draw_reveal.reveal_due(session, CLOSED)])
    assert sorted(results, key=len) == [[], [draw.code, redraw.code]], results
    s.expire_all()
    assert len(revealed_events(s, draw)) == 1 and len(revealed_events(s, redraw)) == 1
