"""One unfailed redraw per visit, enforced by the database as well as by the
service's check (which SQLite, without row locks, cannot serialise)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import WINDOW, published_plan, run_ceremony, seed_registries
from inspect_app.models import Draw
from inspect_app.services import draws, redraws


def test_second_redraw_of_a_visit_refused_even_when_the_check_is_raced(app, db_session, monkeypatch):
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    visit = draws.visits(s, draw)[0]
    first, _ = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子",
                                      inspector=visit.team[0], today=WINDOW[0])
    # a second planner whose check ran before the first redraw was committed
    monkeypatch.setattr(redraws, "open_redraw", lambda session, v: None)
    with pytest.raises(draws.DrawError, match="进行中"):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子",
                               inspector=visit.team[0], today=WINDOW[0])
    assert s.exec(select(sa.func.count()).select_from(Draw).where(Draw.parent_id == draw.id)).one() == 1
    # once the first one has failed, the visit can be redrawn again
    s.execute(sa.update(Draw).where(Draw.id == first.id).values(state="failed"))
    s.commit()
    again, _ = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子",
                                      inspector=visit.team[0], today=WINDOW[0])
    assert again.id != first.id and again.redraw_visit == visit.visit_id
