"""Issue 10, the upgrade: before migration 0021 a sealed draw was public by
date alone once ``reveal_after(draw)`` (max of window end and
``history_until``) had passed; now only ``revealed_at`` counts. Migration
0021 marks the draws the old rule had already made public as revealed
(by the system, reason ``by_date_before_upgrade``, with a trail event), so
that upgrading un-publishes nothing; it leaves every other draw alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migration_fixtures import migrated_to


@pytest.fixture
def pre_0021_engine(backend, tmp_path, request):
    with migrated_to("0020", backend, tmp_path, request) as engine:
        yield engine


PAST, FUTURE = "2020-03-29", "2099-03-29"


def test_upgrade_marks_the_draws_public_by_date(pre_0021_engine, app):
    from inspect_app.db import upgrade
    from inspect_app.models import DrawEvent
    from inspect_app.services import draw_reveal, draws

    codes = sa.bindparam("codes", type_=sa.JSON)
    insert = sa.text("INSERT INTO draw (code, plan_id, parent_id, state, window_start, window_end, history_until, "
                     "revealed_at, revealed_by, reveal_reason, cancelled_at, task_codes, entropy_source, created_at) "
                     "VALUES (:code, :p, :parent, :state, '2020-03-01', :end, :hu, :rat, :rby, :rr, :cat, :codes, "
                     "'dice', '2020-01-01 00:00:00') RETURNING id").bindparams(codes)
    ids = {}
    with pre_0021_engine.begin() as conn:
        plan = conn.execute(sa.text("INSERT INTO plan (number, version, name, year, status, created_at) "
                                    "VALUES ('P1', 1, 'plan', 2020, 'published', '2020-01-01 00:00:00') RETURNING id"
                                    )).scalar_one()

        def add(code, state="sealed", end=PAST, hu=None, parent=None, revealed=False, cancelled=False):
            ids[code] = conn.execute(insert, {
                "code": code, "p": plan, "parent": ids.get(parent), "state": state, "end": end, "hu": hu,
                "rat": "2020-04-01 00:00:00" if revealed else None, "rby": "alice" if revealed else None,
                "rr": "早公开" if revealed else None, "cat": "2020-03-10 00:00:00" if cancelled else None,
                "codes": ["T1"]}).scalar_one()

        add("PAST")                        # public by date: revealed now
        add("PAST-R", parent="PAST")       # its sealed redraw: with it
        add("CANCELLED", cancelled=True)   # the old rule applied to cancelled draws too
        add("FUTURE", end=FUTURE)          # window not over: stays confidential
        add("HISTORY", hu=FUTURE)          # its history's window not over: stays confidential
        add("ROOT-FUTURE", end=FUTURE)
        add("ROOT-FUTURE-R", parent="ROOT-FUTURE")  # a redraw whose root is not public: not either
        add("DRAWN", state="drawn")        # never sealed: never public
        add("DONE", revealed=True)         # revealed by a planner: untouched
    upgrade(pre_0021_engine)
    with pre_0021_engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(sa.text(
            "SELECT id, code, revealed_at, revealed_by, reveal_reason FROM draw"))}
        events = conn.execute(sa.select(DrawEvent.__table__)).all()
    marked = {c for c, r in rows.items() if r.revealed_at is not None and r.revealed_by == "system"}
    assert marked == {"PAST", "PAST-R", "CANCELLED"}
    for code in marked:
        assert rows[code].reveal_reason == draw_reveal.BY_DATE_BEFORE_UPGRADE
    assert rows["DONE"].revealed_by == "alice" and rows["DONE"].reveal_reason == "早公开"
    assert {r.code for r in rows.values() if r.revealed_at is None} == {
        "FUTURE", "HISTORY", "ROOT-FUTURE", "ROOT-FUTURE-R", "DRAWN"}
    by_draw = {e.draw_id: e for e in events}
    assert len(events) == 3 and set(by_draw) == {ids[c] for c in marked}
    assert all(e.action == "revealed" and e.actor == "system" for e in events)
    assert by_draw[ids["PAST"]].detail == {"reason_code": draw_reveal.BY_DATE_BEFORE_UPGRADE}
    assert by_draw[ids["PAST-R"]].detail == {"root": "PAST", "reason_code": draw_reveal.BY_DATE_BEFORE_UPGRADE}
    with app.test_request_context():
        words = draw_reveal.reason_words(draw_reveal.BY_DATE_BEFORE_UPGRADE)
        assert "升级" in words and draw_reveal.BY_DATE_BEFORE_UPGRADE not in words
        sentence = draws.describe(DrawEvent(draw_id=1, action="revealed", actor="system",
                                            detail=by_draw[ids["PAST"]].detail))
        assert words in sentence and "全部检查完成" not in sentence
