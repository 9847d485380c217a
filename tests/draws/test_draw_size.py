"""The size guard (services/draw_size.py): a draw the machine cannot do in
reasonable time or memory is refused by the service that starts draws, with
the reason and the numbers; the ordinary draws pass."""

from __future__ import annotations

import json

import pytest
from draw_fixtures import run_ceremony
from sqlmodel import select

from inspect_app.models import Draw
from inspect_app.services import draw_size, draws, draw_store
from inspect_app.services.instance_builder import task_document
from solver.size import DEFAULT_MAX_ARCS, Limits


def test_an_ordinary_draw_passes_and_its_estimate_bounds_the_real_flow(app, ready):
    s, plan, tasks = ready
    assert draw_size.limits() == Limits()  # the defaults, unless configured
    size = draw_size.check(s, [task_document(s, t)[0] for t in tasks])
    draw = run_ceremony(s, plan, tasks, app)
    outcome = draw_store.read_document(draw.outcome_path)
    assert 0 < size.arcs < DEFAULT_MAX_ARCS
    # the registry's columns only (tags ignored): more places than the draw had; each offers its department's 8
    assert size.places >= sum(len(v["departments"]) for v in outcome["visits"]) > 0
    assert 0 < size.arcs <= 8 * size.places
    assert size.entities == 120 and size.largest_pool == 8 and size.inspectors == 16


def test_an_oversized_draw_is_refused_with_the_numbers(app, ready):
    s, plan, tasks = ready
    size = draw_size.check(s, [task_document(s, t)[0] for t in tasks])
    app.config["DRAW_MAX_FLOW_ARCS"] = size.arcs - 1
    with pytest.raises(draws.DrawTooLarge) as refused:
        draws.start_draw(s, plan, [t.id for t in tasks], "公证员现场掷骰", actor="planner")
    message = str(refused.value)
    assert f"{size.arcs:,}" in message and f"{size.arcs - 1:,}" in message and "120" in message
    assert "GiB" not in message  # only the limit exceeded is named
    assert refused.value.exceeded == ["arcs"] and refused.value.size == size
    assert isinstance(refused.value, draws.DrawError)  # the pages show it like any refusal
    assert s.exec(select(Draw)).all() == []  # nothing created
    app.config["DRAW_MAX_FLOW_ARCS"] = None
    app.config["DRAW_MAX_MEMORY_BYTES"] = size.memory // 2
    with pytest.raises(draws.DrawTooLarge, match="GiB") as refused:
        draws.start_draw(s, plan, [t.id for t in tasks], "公证员现场掷骰", actor="planner")
    assert refused.value.exceeded == ["memory"]
    app.config["DRAW_MAX_MEMORY_BYTES"] = None
    draw, _job = draws.start_draw(s, plan, [t.id for t in tasks], "公证员现场掷骰", actor="planner")
    assert [d.id for d in s.exec(select(Draw)).all()] == [draw.id]  # within the limits again: created


def test_the_refusal_reads_in_english(app, client, auth, ready):
    s, plan, tasks = ready
    app.config["DRAW_MAX_FLOW_ARCS"] = 1
    with app.test_request_context("/?lang=en"):
        import flask_babel

        flask_babel.refresh()
        with pytest.raises(draws.DrawTooLarge) as refused:
            draws.start_draw(s, plan, [t.id for t in tasks], "dice", actor="planner")
    message = str(refused.value)
    assert "place" in message and not any("\u4e00" <= c <= "\u9fff" for c in message), message
    json.dumps(refused.value.size.as_dict())  # the numbers, for an API
