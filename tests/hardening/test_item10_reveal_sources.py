"""Issue 10, the reveal rules (continued): a later draw's instance shows the
sealed visits of the earlier draws its entities' history counted (its
*sources*, stored at freeze in ``draw.history_sources``). Revealing it
would publish their lists, so it is revealed — by ``reveal_due`` or by a
planner — only once every source draw is revealed, whatever the dates. A
source cancelled after the freeze was in the history all the same: it is
waited for too (it is revealed by ``reveal_due`` once its window closes)."""

from __future__ import annotations

from datetime import date

import pytest

from inspect_app.models import Draw
from inspect_app.services import draw_register, draw_reveal, draws
from hardening.test_item01_reveal_due import done
from hardening.test_item02_other_draws_in_history import LONG, two_draws  # noqa: F401  (the fixture)

AFTER_LONG = date(LONG[1].year, 6, 29)  # both windows (and history_until) have passed


def test_the_sources_are_stored_at_freeze(two_draws):  # noqa: F811
    s, first, second = two_draws
    assert second.history_sources == [first.id]
    assert first.history_sources == []  # frozen with no other sealed draw: none (not unknown)


def test_reveal_due_waits_for_the_source_draw(two_draws):  # noqa: F811
    s, first, second = two_draws
    done(s, second)
    left = done(s, first, skip=1)  # one of A's visits not reported: A stays confidential
    assert left
    assert draws.revealable(second, AFTER_LONG)  # the dates alone would allow it
    assert draw_reveal.waiting_for(s, second) == [s.get(Draw, first.id)]
    assert draw_reveal.due(s, AFTER_LONG) == [] and draw_reveal.reveal_due(s, AFTER_LONG) == []
    s.expire_all()
    assert s.get(Draw, second.id).revealed_at is None
    done(s, first)  # A done: one call reveals A, then B (no longer waiting)
    revealed = draw_reveal.reveal_due(s, AFTER_LONG)
    assert [d.code for d in revealed] == [first.code, second.code]


def test_the_planner_cannot_reveal_before_the_source(two_draws):  # noqa: F811
    s, first, second = two_draws
    with pytest.raises(draws.DrawError, match=first.code):
        draws.reveal(s, second, "检查已完成", confirmed=True, actor="planner", today=AFTER_LONG)
    s.expire_all()
    assert s.get(Draw, second.id).revealed_at is None
    draws.reveal(s, s.get(Draw, first.id), "先公开 A", confirmed=True, actor="planner", today=AFTER_LONG)
    draws.reveal(s, s.get(Draw, second.id), "再公开 B", confirmed=True, actor="planner", today=AFTER_LONG)
    s.expire_all()
    assert draws.is_revealed(s.get(Draw, second.id), s)


def test_a_source_cancelled_later_is_still_waited_for(two_draws):  # noqa: F811
    s, first, second = two_draws
    draws.cancel(s, first, "计划调整", confirmed=True, actor="planner")
    done(s, second)
    with pytest.raises(draws.DrawError, match=first.code):  # its visits were in B's history all the same
        draws.reveal(s, s.get(Draw, second.id), "检查已完成", confirmed=True, actor="planner", today=AFTER_LONG)
    # the cancelled A has no current visit: reveal_due reveals it, then B
    revealed = draw_reveal.reveal_due(s, AFTER_LONG)
    assert [d.code for d in revealed] == [first.code, second.code]


def test_the_register_and_the_planner_page_say_why(client, auth, two_draws, monkeypatch):  # noqa: F811
    s, first, second = two_draws
    monkeypatch.setattr(draws, "_today", lambda: AFTER_LONG)
    waiting = f"等待抽取 {first.code} 公开"
    assert draw_register.public_draw(s, second.code).waiting == [first.code]
    assert waiting in client.get("/draws/").get_data(as_text=True)
    assert waiting in client.get(f"/draws/{second.code}").get_data(as_text=True)
    auth.login()
    page = client.get(f"/planner/draws/{second.id}").get_data(as_text=True)
    assert 'id="reveal-waiting"' in page and waiting in page
    draws.reveal(s, s.get(Draw, first.id), "先公开 A", confirmed=True, actor="planner", today=AFTER_LONG)
    assert waiting not in client.get(f"/draws/{second.code}").get_data(as_text=True)


def test_a_draw_frozen_before_0021_keeps_the_date_rule_alone(two_draws):  # noqa: F811
    s, first, second = two_draws
    s.expunge(second)
    second.history_sources = None  # as migration 0021 leaves the draws frozen before it: sources unknown
    assert draw_reveal.waiting_for(s, second) == []
    assert draws.revealable(second, AFTER_LONG) and not draws.revealable(second, LONG[1])  # history_until still holds
