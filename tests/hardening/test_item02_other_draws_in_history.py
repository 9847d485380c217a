"""Issue 8, item 2 (the general case): a draw's instance counts the sealed
visits of other draws as its entities' history (frequency cap, rotation), so
revealing it would show those draws' lists. A draw is therefore revealed only
after every other draw its instance shows has closed its window too
(``draw.history_until``, set at freeze) — and been revealed
(``draw.history_sources``, test_item10_reveal_sources.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from draw_fixtures import WINDOW, YEAR, item_id, run_ceremony, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw
from inspect_app.services import draw_register, draw_store, draws, plans

LONG = (date(YEAR, 3, 1), date(YEAR, 6, 28))  # a batch carried out over four months


@pytest.fixture
def two_draws(app, db_session):
    """Draw A (the long batch) sealed first; then draw B (March), whose
    population holds A's sample."""
    s = db_session
    seed_registries(s)
    plan = plans.create_plan(s, "榕市监〔2030〕1号", "2030年度双随机抽查计划", YEAR, actor="planner")
    march = plans.add_task(s, plan, plans.TaskInput(
        name="食品经营抽查", department="SCJG", items=[item_id(s, "SCJG-01")], window_start=WINDOW[0],
        window_end=WINDOW[1], filter={"tags_any": ["restaurant"]}, count=5))
    long = plans.add_task(s, plan, plans.TaskInput(
        name="食品安全专项抽查", department="SCJG", items=[item_id(s, "SCJG-02")], window_start=LONG[0],
        window_end=LONG[1], filter={"tags_any": ["restaurant"]}, count=8))
    plans.publish_plan(s, plan)
    first = run_ceremony(s, plan, [long], app)
    draws.seal(s, first)
    second, job = draws.start_draw(s, plan, [march.id], "公证员现场掷骰六次的点数", actor="planner")
    assert run_job(app, job.id)
    s.expire_all()
    second = s.get(Draw, second.id)
    job = draws.enter_entropy(s, second, "271828", [("王公证", "公证员")], actor="planner")
    assert run_job(app, job.id)
    s.expire_all()
    second = draws.seal(s, s.get(Draw, second.id))
    return s, s.get(Draw, first.id), second


def test_the_instance_shows_the_other_draws_visits(two_draws):
    s, first, second = two_draws
    instance = draw_store.read_document(second.instance_path)
    sampled = {v.uscc for v in draws.visits(s, first)}
    shown = {e["uscc"] for e in instance["entities"] if e.get("last_checks")}
    assert sampled and sampled <= shown  # A's list can be read off B's instance ...
    assert second.history_until == LONG[1]  # ... so B waits for A's window
    assert first.history_until is None


def test_not_revealed_before_the_other_draw_is_done(app, client, two_draws):
    s, first, second = two_draws
    after_march = date(YEAR, 3, 30)
    assert draws.window_closed(second, after_march)
    assert not draws.is_revealed(second, s)
    assert draws.reveal_after(second) == LONG[1]
    with pytest.raises(draws.DrawError, match=str(LONG[1])):
        draws.reveal(s, second, "检查已完成", confirmed=True, actor="planner", today=after_march)
    entry = draw_register.public_draw(s, second.code)
    assert not entry.revealed and draw_register.document(entry, "outcome.json") is None


def test_revealed_once_the_other_draw_is_done(two_draws):
    s, first, second = two_draws
    done = date(YEAR, 6, 29)
    assert draws.revealable(second, done) and not draws.is_revealed(second, s)  # the date alone reveals nothing
    # the other draw's list is in this one's instance: it is revealed first (test_item10_reveal_sources.py)
    draws.reveal(s, first, "专项抽查已完成", confirmed=True, actor="planner", today=done)
    draws.reveal(s, second, "两批检查均已完成", confirmed=True, actor="planner", today=done)
    s.expire_all()
    assert s.get(Draw, second.id).reveal_reason == "两批检查均已完成"
    assert draws.is_revealed(s.get(Draw, second.id), s) and draws.is_revealed(s.get(Draw, first.id), s)


def test_the_public_page_says_when(client, two_draws):
    s, first, second = two_draws
    page = client.get(f"/draws/{second.code}").get_data(as_text=True)
    assert 'id="reveal-after"' in page and str(LONG[1] + timedelta(days=1)) in page  # "not before"
