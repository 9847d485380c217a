"""``review_progress.progress_page`` (paged in SQL) gives the same counts
and, page by page, the same rows as ``review.draw_progress`` (which reads
every visit), for every filter: a mix of states, done and undone drafts,
overdue visits, deadlines past, soon, far and unknown."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from inspect_app.services import review, review_progress

from .conftest import TODAY, live_visits, make_result


@pytest.fixture
def mixed(sealed):
    s, draw = sealed
    visits = live_visits(s, draw)
    past = [v for v in visits if v.day < TODAY]
    future = [v for v in visits if v.day >= TODAY]
    # what the mix below uses (past[5] stays without a result); the fixed
    # secret of ``sealed`` makes the split the same on every run
    assert len(past) >= 6 and len(future) >= 4, (len(past), len(future))
    make_result(s, draw, past[0], state="submitted", completed_on=date(2030, 2, 1))  # deadline past
    make_result(s, draw, past[1], state="approved", completed_on=date(2030, 2, 1))  # approved: no flag
    make_result(s, draw, past[2], state="returned", completed_on=date(2030, 2, 11))  # soon
    make_result(s, draw, past[3], state="draft")  # never submitted: overdue
    make_result(s, draw, past[4], state="submitted")
    make_result(s, draw, past[4], state="draft", revision=2)  # a correction after submission: done
    # past[5]: nothing recorded, overdue
    make_result(s, draw, future[0], state="submitted", completed_on=date(2030, 12, 20))  # deadline unknown
    make_result(s, draw, future[1], state="submitted", completed_on=date(2030, 2, 1))  # past too
    make_result(s, draw, future[2], state="approved")
    make_result(s, draw, future[3], state="draft")  # not yet due: neither done nor overdue
    return s, draw


@pytest.mark.parametrize("status", (None, *review.STATUS_FILTERS))
def test_pages_match_the_full_progress(mixed, status):
    s, draw = mixed
    full = review.draw_progress(s, draw, TODAY)
    want = full.filtered(status)
    per_page = 3
    first = review_progress.progress_page(s, draw, status, 1, per_page, TODAY)
    assert first.counts == full.counts and first.total == len(want)
    assert first.pages == max(1, -(-len(want) // per_page))
    got = []
    for page in range(1, first.pages + 1):
        part = review_progress.progress_page(s, draw, status, page, per_page, TODAY)
        assert part.page == page and len(part.rows) <= per_page
        got.extend(part.rows)
    assert [asdict(r) for r in got] == [asdict(r) for r in want]


def test_the_mix_exercises_every_count(mixed):
    s, draw = mixed
    c = review_progress.progress_page(s, draw, None, 1, 50, TODAY).counts
    assert c["deadline_past"] == 2 and c["deadline_soon"] == 1 and c["deadline_unknown"] == 1
    assert c["overdue"] > 0 and c["open"] > 0 and c["approved"] == 2 and c["draft"] == 3


def test_a_page_past_the_last_is_the_last_and_unsealed_is_none(mixed):
    s, draw = mixed
    last = review_progress.progress_page(s, draw, "submitted", 99, 2, TODAY)
    assert last.page == last.pages == 2 and len(last.rows) == 1
    draw.cancelled_at = draw.created_at
    s.add(draw)
    s.commit()
    assert review_progress.progress_page(s, draw, None, 1, 10, TODAY) is None
    assert review_progress.progress_page(s, None, None, 1, 10, TODAY) is None
