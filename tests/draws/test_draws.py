"""The draw ceremony end to end: freeze and commit, entropy, background
draw, review, seal, reveal, redraw; the stored outcome verifies with the
solver against the frozen instance; sealed draws cannot change; the public
register shows each stage's data and nothing more."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from hashlib import sha256

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, published_plan, run_ceremony, seed_registries
from inspect_app.jobs.runner import run_job
from inspect_app.models import Draw, DrawJob, DrawTask, DrawVisit, Task
from inspect_app.services import draw_register, draw_runs, draw_store, draws, plans, redraws, solver_adapter


def full_instance(draw: Draw) -> dict:
    doc = draw_runs.draw_instance(draw)
    doc["secret"] = draw_runs.secret_of(draw).hex()
    return doc


def test_happy_path_outcome_verifies(app, ready, tmp_path):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    instance = full_instance(draw)
    outcome = draw_store.read_document(draw.outcome_path)
    solver_adapter.verify(instance, outcome)  # the library
    assert outcome["input_digest"] == draw.input_digest
    assert outcome["commitment"] == draw.commitment == sha256(bytes.fromhex(instance["secret"])).hexdigest()
    assert solver_adapter.result_digest_hex(outcome) == draw.result_digest
    frozen = dict(instance, external_entropy="")
    del frozen["secret"]
    assert solver_adapter.digest_hex(frozen) == draw.frozen_digest
    # the CLI, as the public would run it on the revealed documents
    (tmp_path / "i.json").write_text(json.dumps(instance, ensure_ascii=False))
    (tmp_path / "o.json").write_bytes(draw_store.read_bytes(draw.outcome_path))
    result = solver_adapter.verify_cli(tmp_path / "i.json", tmp_path / "o.json")
    assert result.returncode == 0, result.stdout + result.stderr
    # visits stored for the schedule pages, matching the outcome
    rows = draws.visits(s, draw)
    assert [(v.visit_id, v.uscc, v.team, v.day.isoformat()) for v in rows] == \
        [(v["id"], v["uscc"], v["team"], v["date"]) for v in outcome["visits"]]
    assert all(v.current for v in rows) and any(len(v.departments) > 1 for v in rows)
    assert [w.name for w in draws.witnesses(s, draw)] == ["王公证", "李见证"]
    assert [e.action for e in draws.events(s, draw)] == ["created", "committed", "entropy", "drawn"]


def test_tampered_outcome_fails_verification(app, ready):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    outcome = draw_store.read_document(draw.outcome_path)
    outcome["visits"][0]["date"] = "2030-03-30"
    with pytest.raises(solver_adapter.VerificationFailed):
        solver_adapter.verify(full_instance(draw), outcome)


def test_window_without_calendar_is_refused(app, db_session):
    seed_registries(db_session)
    s = db_session
    plan = plans.create_plan(s, "P-2031", "计划", 2031)
    from draw_fixtures import item_id

    task = plans.add_task(s, plan, plans.TaskInput(name="任务", department="SCJG", items=[item_id(s, "SCJG-02")],
                                                   window_start=date(2031, 3, 1), window_end=date(2031, 3, 31), count=3))
    plans.publish_plan(s, plan)
    with pytest.raises(draws.DrawError, match="2031"):
        draws.start_draw(s, plan, [task.id], "骰子")
    assert s.exec(select(Draw)).all() == []


def test_draft_plan_and_mixed_windows_refused(app, ready):
    s, plan, tasks = ready
    draft = plans.new_version(s, plan, "改")
    with pytest.raises(draws.DrawError, match="已公布"):
        draws.start_draw(s, draft, [t.id for t in plans.plan_tasks(s, draft.id)], "骰子")
    with pytest.raises(draws.DrawError, match="外部随机数来源"):
        draws.start_draw(s, plan, [tasks[0].id], " ")
    t = s.get(Task, tasks[1].id)
    t.window_end = date(YEAR, 3, 22)
    s.add(t)
    s.commit()
    with pytest.raises(draws.DrawError, match="相同的检查时段"):
        draws.start_draw(s, plan, [x.id for x in tasks], "骰子")


def test_task_drawn_once_conflict_names_existing_draw(app, ready):
    s, plan, tasks = ready
    first, _job = draws.start_draw(s, plan, [tasks[0].id], "骰子", actor="alice")
    with pytest.raises(draws.DrawConflict) as error:
        draws.start_draw(s, plan, [tasks[0].id, tasks[1].id], "骰子", actor="bob")
    assert error.value.draw.id == first.id and first.code in str(error.value) and "alice" in str(error.value)


def test_entropy_entered_once(app, ready):
    s, plan, tasks = ready
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "骰子")
    with pytest.raises(draws.DrawError):  # not committed yet
        draws.enter_entropy(s, draw, "1", [("甲", "")])
    run_job(app, job.id)
    s.refresh(draw)
    with pytest.raises(draws.DrawError, match="见证人"):
        draws.enter_entropy(s, draw, "123", [])
    draws.enter_entropy(s, draw, "123", [("甲", "见证人")], actor="alice")
    with pytest.raises(draws.DrawError, match="alice"):
        draws.enter_entropy(s, draw, "456", [("乙", "")], actor="bob")
    assert s.get(Draw, draw.id).external_entropy == "123"


def test_sealed_draw_cannot_change_service_and_database(app, ready):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw, actor="planner")
    assert draw.state == "sealed" and draw.sealed_by == "planner"
    with pytest.raises(draws.DrawError):
        draws.seal(s, draw)
    with pytest.raises(draws.DrawError):
        draws.enter_entropy(s, draw, "999", [("甲", "")])
    engine = s.get_bind()
    refused = [
        "UPDATE draw SET result_digest = 'x' WHERE id = :id",
        "UPDATE draw SET external_entropy = '1' WHERE id = :id",
        "UPDATE draw SET state = 'drawn' WHERE id = :id",
        "UPDATE draw SET commitment = NULL WHERE id = :id",
        "DELETE FROM draw WHERE id = :id",
        "DELETE FROM draw_visit WHERE draw_id = :id",
        "UPDATE draw_visit SET team = '[]' WHERE draw_id = :id",
        "UPDATE draw_visit SET day = '2030-03-02' WHERE draw_id = :id",
        "DELETE FROM draw_event WHERE draw_id = :id",
        "UPDATE draw_witness SET name = 'x' WHERE draw_id = :id",
        "DELETE FROM draw_task WHERE draw_id = :id",
    ]
    for statement in refused:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement), {"id": draw.id})
    s.expire_all()
    assert s.get(Draw, draw.id).result_digest == draw.result_digest
    assert len(draws.visits(s, draw)) == draw.stats["visits"]
    # the ORM path is refused too
    row = s.get(Draw, draw.id)
    with pytest.raises(sa.exc.DatabaseError):
        s.delete(row)
        s.commit()
    s.rollback()


def test_drawn_but_unsealed_outcome_is_write_once(app, ready):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with s.get_bind().begin() as conn:
            conn.execute(sa.text("UPDATE draw SET result_digest = 'x' WHERE id = :id"), {"id": draw.id})


def test_failed_inputs_mark_draw_failed(app, ready):
    """An item unpublished after the draw was created: the freeze refuses."""
    from inspect_app.models import CheckItem

    s, plan, tasks = ready
    draw, job = draws.start_draw(s, plan, [tasks[0].id], "骰子")
    item = s.get(CheckItem, tasks[0].items[0])
    item.published = False
    s.add(item)
    s.commit()
    run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.state == "failed" and "SCJG-01" in draw.error and draw.commitment is None
    assert s.get(DrawJob, job.id).state == "failed"
    # the failed draw is kept; once the item is fixed the task can be drawn again
    assert plans.task_key(plan, tasks[0]) not in draws.drawn_task_keys(s)
    item.published = True
    s.add(item)
    s.commit()
    again, job = draws.start_draw(s, plan, [tasks[0].id], "骰子")
    assert draws.drawn_task_keys(s)[plans.task_key(plan, tasks[0])].id == again.id
    with pytest.raises(draws.DrawConflict) as error:
        draws.start_draw(s, plan, [tasks[0].id], "骰子")
    assert error.value.draw.id == again.id
    assert sorted(t.task_key for t in s.exec(select(DrawTask))) == [plans.task_key(plan, tasks[0]), plans.task_key(plan, tasks[0]) + "#2"]
    run_job(app, job.id)
    s.refresh(again)
    assert again.state == "committed" and s.get(Draw, draw.id).state == "failed"


def test_public_register_shows_each_stage(app, client, ready):
    s, plan, tasks = ready
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "公证员掷骰")
    assert draw.code not in client.get("/draws/").get_data(as_text=True)  # not committed yet
    run_job(app, job.id)
    s.refresh(draw)
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert draw.frozen_digest in page and draw.commitment in page and "公证员掷骰" in page
    job = draws.enter_entropy(s, draw, "271828", [("王公证", "公证员")])
    run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert "271828" in page and "王公证" in page and draw.result_digest in page and "待确认" in page
    draws.seal(s, draw)
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert draw.result_digest in page and "instance.json" not in page
    for name in draw_register.DOCUMENTS:
        assert client.get(f"/draws/{draw.code}/{name}").status_code == 404
    visit = draws.visits(s, draw)[0]
    assert visit.uscc not in page and visit.entity_name not in page  # the outcome stays confidential


def test_reveal_publishes_documents_that_verify(app, client, ready, tmp_path):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    with pytest.raises(draws.DrawError):
        draws.reveal(s, draw)  # not sealed
    draws.seal(s, draw)
    closed = date(YEAR, 3, 30)  # the reveal comes after the window (see tests/hardening/test_item01_*)
    draws.reveal(s, draw, "检查已完成", confirmed=True, actor="planner", today=closed)
    with pytest.raises(draws.DrawError):
        draws.reveal(s, draw, "再次", confirmed=True, today=closed)
    files = {}
    for name in draw_register.DOCUMENTS:
        r = client.get(f"/draws/{draw.code}/{name}")
        assert r.status_code == 200
        files[name] = r.data
        (tmp_path / name).write_bytes(r.data)
    secret = files["secret.txt"].decode().strip()
    assert sha256(bytes.fromhex(secret)).hexdigest() == draw.commitment
    assert json.loads(files["instance.json"])["secret"] == secret
    result = solver_adapter.verify_cli(tmp_path / "instance.json", tmp_path / "outcome.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_closed_window_alone_reveals_nothing(app, ready):
    """The date reveals nothing: the system reveals a draw once its visits
    are done (tests/hardening/test_item01_reveal_due.py), a planner with a
    reason."""
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    assert not draws.is_revealed(draw)
    assert draws.revealable(draw, today=date(YEAR, 3, 30)) and not draws.revealable(draw, today=WINDOW[1])
    draws.reveal(s, draw, "检查已完成", confirmed=True, actor="planner", today=date(YEAR, 3, 30))
    assert draws.is_revealed(draw)


def test_redraw_replaces_inspector(app, ready):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    with pytest.raises(draws.DrawError, match="已封存"):
        redraws.request_redraw(s, draw, "V00001", "inspector", "病假", "骰子", inspector="X", today=WINDOW[0])
    draws.seal(s, draw)
    visit = draws.visits(s, draw)[0]
    ill = visit.team[0]
    with pytest.raises(draws.DrawError, match="原因"):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "", "骰子", inspector=ill, today=WINDOW[0])
    with pytest.raises(draws.DrawError, match="不在"):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子", inspector="NOBODY",
                               today=WINDOW[0])
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假住院", "骰子",
                                         inspector=ill, actor="planner", today=WINDOW[0])
    with pytest.raises(draws.DrawError, match="进行中"):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假", "骰子", inspector=ill, today=WINDOW[0])
    assert redraw.parent_id == draw.id and redraw.code.startswith(draw.code + "-R")
    run_job(app, job.id)
    s.refresh(redraw)
    assert redraw.state == "committed" and redraw.commitment != draw.commitment
    job = draws.enter_entropy(s, redraw, "42", [("李见证", "")])
    run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    assert redraw.state == "drawn", redraw.error
    instance = full_instance(redraw)
    assert [e["uscc"] for e in instance["entities"]] == [visit.uscc]
    solver_adapter.verify(instance, draw_store.read_document(redraw.outcome_path))
    draws.seal(s, redraw)
    s.expire_all()
    old = s.get(DrawVisit, visit.id)
    new = draws.visits(s, redraw)
    assert len(new) == 1 and ill not in new[0].team and new[0].uscc == visit.uscc
    assert not old.current and old.superseded_by_id == new[0].id and new[0].replaces_id == old.id
    assert [d.code for d in draws.history(s, redraw)] == [draw.code, redraw.code]
    assert s.get(Draw, draw.id).state == "sealed"  # the earlier draw is kept as it was
    with pytest.raises(draws.DrawError, match="已被替换"):
        redraws.request_redraw(s, draw, visit.visit_id, "inspector", "再次", "骰子", inspector=ill, today=WINDOW[0])


def test_redraw_replaces_deregistered_entity(app, ready):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    outcome = draw_store.read_document(draw.outcome_path)
    drawn = {u for sample in outcome["samples"].values() for u in sample}
    visit = next(v for v in draws.visits(s, draw) if v.tasks == ["T1"])
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "entity", "已注销", "骰子", today=WINDOW[0])
    run_job(app, job.id)
    s.refresh(redraw)
    job = draws.enter_entropy(s, redraw, "7", [("甲", "")])
    run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    new = draws.visits(s, redraw)
    assert len(new) == 1 and new[0].uscc not in drawn and new[0].tasks == ["T1"]
    instance = full_instance(redraw)
    assert instance["tasks"][0]["count"] == 1 and "filter" in instance["tasks"][0]
    solver_adapter.verify(instance, draw_store.read_document(redraw.outcome_path))


def test_ceremony_through_the_pages(app, client, auth, ready):
    s, plan, tasks = ready
    auth.login()
    r = client.post(f"/planner/plans/{plan.id}/draws",
                    data={"tasks": [str(t.id) for t in tasks], "entropy_source": "公证员掷骰"})
    draw = s.exec(select(Draw)).one()
    assert r.headers["Location"].endswith(f"/planner/draws/{draw.id}")
    s.refresh(draw)
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert draw.commitment in page and draw.frozen_digest in page and "external_entropy" in page
    progress = client.get(f"/planner/draws/{draw.id}/progress.json").get_json()
    assert progress["state"] == "committed" and progress["job"]["state"] == "done" and not progress["busy"]
    r = client.post(f"/planner/draws/{draw.id}/entropy",
                    data={"external_entropy": "161803", "witness_name": ["王公证", ""], "witness_role": ["公证员", ""]})
    assert r.status_code == 302
    s.refresh(draw)
    assert draw.state == "drawn"
    review = client.get(f"/planner/draws/{draw.id}/review").get_data(as_text=True)
    visit = draws.visits(s, draw)[0]
    assert visit.entity_name in review and "<svg" in review and visit.team[0] in review
    assert client.post(f"/planner/draws/{draw.id}/seal").status_code == 302
    s.refresh(draw)
    assert draw.state == "sealed"
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert f'<option value="{visit.visit_id}">' in page  # the redraw form lists the current visits
    r = client.post(f"/planner/draws/{draw.id}/redraw",
                    data={"visit_id": visit.visit_id, "cause": "inspector", "inspector": visit.team[0],
                          "reason": "病假", "entropy_source": "掷骰"})
    redraw = s.exec(select(Draw).where(Draw.parent_id == draw.id)).one()
    assert r.headers["Location"].endswith(f"/planner/draws/{redraw.id}")
    assert redraw.code in client.get("/planner/draws/").get_data(as_text=True)
    # a second planner pressing "draw" on the same batch gets pointed at the existing draw
    r = client.post(f"/planner/plans/{plan.id}/draws", data={"tasks": [str(tasks[0].id)], "entropy_source": "x"})
    assert r.headers["Location"].endswith(f"/planner/draws/{draw.id}")
    assert len(s.exec(select(Draw).where(Draw.parent_id.is_(None))).all()) == 1


def test_no_delete_paths(app):
    """No planner route deletes or edits a draw (only the POST actions of the ceremony exist)."""
    rules = [r for r in app.url_map.iter_rules() if "draws" in r.rule and r.endpoint.startswith("planner.")]
    posts = sorted(r.endpoint for r in rules if "POST" in r.methods)
    assert posts == ["planner.draw_cancel", "planner.draw_entropy", "planner.draw_redraw", "planner.draw_retry", "planner.draw_reveal",
                     "planner.draw_seal", "planner.draw_start"]
    assert not any({"DELETE", "PUT", "PATCH"} & r.methods for r in rules)


def test_cli_verify_and_export(app, runner, ready, tmp_path):
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    result = runner.invoke(args=["draws", "verify", draw.code])
    assert result.exit_code == 0 and "verified" in result.output, result.output
    result = runner.invoke(args=["draws", "export", draw.code, str(tmp_path / "audit")])
    assert result.exit_code == 0, result.output
    check = solver_adapter.verify_cli(tmp_path / "audit" / f"{draw.code}-instance.json",
                                      tmp_path / "audit" / f"{draw.code}-outcome.json")
    assert check.returncode == 0, check.stdout
    # a tampered outcome file is caught by its digest
    path = draw_store.store_root() / draw.outcome_path
    path.write_bytes(path.read_bytes().replace(b'"V00001"', b'"V09999"'))
    result = runner.invoke(args=["draws", "verify", draw.code])
    assert result.exit_code != 0 and "does not match" in result.output


@pytest.mark.parametrize("entropy", ["314159", '掷骰 "6-6" \\ 见证', "external_entropy"])
def test_input_digest_shortcut_matches_solver(app, ready, entropy):
    """The draw's input digest, computed from the frozen bytes, equals the
    solver's digest of the instance document, whatever the entropy's text."""
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app, entropy=entropy)
    doc, digest = draw_runs._draw_instance_and_digest(draw)
    assert doc["external_entropy"] == entropy
    assert digest == solver_adapter.digest_hex(doc) == draw.input_digest


def test_policy_defaults_to_no_jurisdiction(app, ready):
    """Without a DRAW_POLICY override the instance lets any inspector of the
    department serve anywhere (jurisdiction_digits 0)."""
    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    assert full_instance(draw)["policy"]["jurisdiction_digits"] == 0


def test_jurisdiction_digits_from_config_keeps_teams_local(app, ready):
    """DRAW_POLICY = {"jurisdiction_digits": 9} (属地管理 down to the street)
    goes into the frozen instance, and every drawn inspector works in the
    street of the entity they visit; the outcome still verifies."""
    s, plan, tasks = ready
    app.config["DRAW_POLICY"] = {"jurisdiction_digits": 9}
    draw = run_ceremony(s, plan, tasks, app)
    instance = full_instance(draw)
    assert instance["policy"]["jurisdiction_digits"] == 9
    solver_adapter.verify(instance, draw_store.read_document(draw.outcome_path))
    home = {i["id"]: i["district"] for i in instance["inspectors"]}
    rows = draws.visits(s, draw)
    assert rows and {v.district for v in rows} == {"350181001", "350181002"}
    for v in rows:
        assert v.team and all(home[i] == v.district for i in v.team), (v.visit_id, v.district, v.team)


@pytest.fixture
def thin(db_session):
    """Two inspectors per department, one visit each: most visits unfilled."""
    from inspect_app.models import Inspector

    seed_registries(db_session, inspectors_per_dept=2)
    db_session.execute(sa.update(Inspector).values(max_visits=1))
    db_session.commit()
    plan, tasks = published_plan(db_session)
    return db_session, plan, tasks


def _figures_from(outcome: dict, instance: dict) -> dict:
    from collections import Counter

    district = {e["uscc"]: e["district"] for e in instance["entities"]}
    return {"visits": len(outcome["visits"]),
            "joint": sum(len(v["departments"]) > 1 for v in outcome["visits"]),
            "per_inspector": dict(Counter(i for v in outcome["visits"] for i in v["team"])),
            "per_day": dict(Counter(v["date"] for v in outcome["visits"])),
            "per_district": dict(Counter(district[v["uscc"]] for v in outcome["visits"]))}


def test_review_summary_written_with_the_visits(app, thin):
    """The draw job stores the review's figures and the unfilled visits (with
    the entities' names) next to the visits; they agree with the outcome,
    and the row is append-only."""
    from inspect_app.models import DrawSummary, Entity

    s, plan, tasks = thin
    draw = run_ceremony(s, plan, tasks, app)
    summary = s.get(DrawSummary, draw.id)
    assert summary is not None
    outcome = draw_store.read_document(draw.outcome_path)
    instance = full_instance(draw)
    assert outcome["unfilled"] and outcome["visits"]
    assert {k: getattr(summary, k) for k in ("visits", "joint", "per_inspector", "per_day", "per_district")} \
        == _figures_from(outcome, instance)
    names = dict(s.exec(select(Entity.uscc, Entity.name)).all())
    assert summary.unfilled == [dict(u, name=names[u["uscc"]]) for u in outcome["unfilled"]]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with s.get_bind().begin() as conn:
            conn.execute(sa.text("UPDATE draw_summary SET visits = 0 WHERE draw_id = :id"), {"id": draw.id})


def test_review_summary_of_an_older_draw_is_computed_once(app, thin):
    """A draw stored before draw_summary existed gets its summary from its
    visits and outcome file on the first review, equal to the one the draw
    job writes."""
    from inspect_app.models import DrawSummary
    from inspect_app.services import draw_review

    s, plan, tasks = thin
    draw = run_ceremony(s, plan, tasks, app)
    written = s.get(DrawSummary, draw.id).model_dump()
    engine = s.get_bind()
    with engine.begin() as conn:  # as if drawn before migration 0007
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER draw_summary_no_delete")
            conn.exec_driver_sql("DELETE FROM draw_summary")
        else:
            conn.exec_driver_sql("ALTER TABLE draw_summary DISABLE TRIGGER draw_summary_no_delete")
            conn.exec_driver_sql("DELETE FROM draw_summary")
            conn.exec_driver_sql("ALTER TABLE draw_summary ENABLE TRIGGER draw_summary_no_delete")
    s.expire_all()
    assert s.get(DrawSummary, draw.id) is None
    review = draw_review.review(s, draw)
    stored = s.get(DrawSummary, draw.id).model_dump()
    assert {k: v for k, v in stored.items() if k != "created_at"} == \
        {k: v for k, v in written.items() if k != "created_at"}
    assert review.figures.unfilled == len(stored["unfilled"]) > 0


def test_review_page_pages_unfilled_visits(app, client, auth, thin, monkeypatch):
    """The unfilled visits are listed a page at a time, like the visits."""
    from inspect_app.views.planner import draws as draw_views

    s, plan, tasks = thin
    draw = run_ceremony(s, plan, tasks, app)
    unfilled = draw_store.read_document(draw.outcome_path)["unfilled"]
    assert len(unfilled) > 4
    monkeypatch.setattr(draw_views, "REVIEW_PAGE", 4)
    auth.login()
    first = client.get(f"/planner/draws/{draw.id}/review").get_data(as_text=True)
    assert f'<td id="n-unfilled">{len(unfilled)}</td>' in first
    assert [u["uscc"] for u in unfilled[:4]] == [u for u in (x["uscc"] for x in unfilled) if u in first][:4]
    assert unfilled[4]["uscc"] not in first
    pages = -(-len(unfilled) // 4)
    assert f"1 / {pages}" in first and "unfilled_page=2" in first
    last = client.get(f"/planner/draws/{draw.id}/review?unfilled_page={pages}").get_data(as_text=True)
    assert unfilled[-1]["uscc"] in last and unfilled[0]["uscc"] not in last
    beyond = client.get(f"/planner/draws/{draw.id}/review?unfilled_page=999").get_data(as_text=True)
    assert unfilled[-1]["uscc"] in beyond  # clamped to the last page


def test_review_page_shows_reasons_from_their_codes(app, client, auth, thin):
    """The outcome holds reason codes (formats /2, /3); the review page words them in
    the page's language, Chinese by default, English once the user switches."""
    import flask_babel

    from inspect_app.services.messages import department_names
    from inspect_app.services.unfilled_reasons import reason_text

    s, plan, tasks = thin
    draw = run_ceremony(s, plan, tasks, app)
    outcome = draw_store.read_document(draw.outcome_path)
    assert outcome["format"] == "inspect-draw-outcome/3"
    first = outcome["unfilled"][0]["reason"]
    assert isinstance(first, dict) and first["code"]
    auth.login()
    zh = client.get(f"/planner/draws/{draw.id}/review").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/"})
    flask_babel.refresh()  # the test's app context (and its g) outlives the requests
    en = client.get(f"/planner/draws/{draw.id}/review").get_data(as_text=True)
    chinese = reason_text(first, department_names(s))
    assert html.escape(chinese) in zh and "&#39;code&#39;" not in zh
    rows = re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td></tr>",
                      en.split('id="unfilled"')[1].split("</table>")[0])
    assert len(rows) == min(len(outcome["unfilled"]), 200)
    assert html.escape(chinese) not in en
    for text in rows:  # worded in English from the code (department names aside)
        assert re.search(r"needed|must not serve|working day|team", text), text

