"""Every kind of state change appends its audit rows exactly once, in the
same transaction: one parametrised walk over a plan's publication, a draw
ceremony, a result's submission, approval and publication, a reveal, an
account change, a registry import and edit, and scheduler runs. Each case
prepares what it needs, then only its own step is measured."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import select

from draw_fixtures import WINDOW, inline_jobs, published_plan, run_ceremony, seed_registries
from inspect_app.models import AuditEntry, Draw, DrawVisit, Entity, Inspector
from inspect_app.services import accounts, audit_verify, draws, plans, registry_edit, results, review, visit_access
from inspect_app.services.registry_io.importer import import_file
from inspect_app.services.uscc import with_check_character

CLOSED = WINDOW[1] + timedelta(days=1)


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


def _seq(session) -> int:
    return max([0] + [e.seq for e in session.exec(select(AuditEntry))])


def _sealed(s, app):
    plan, tasks = published_plan(s)
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    return draw


def _team(s, app, monkeypatch):
    """A sealed draw's joint visit, its lead and today = the visit's day."""
    draw = _sealed(s, app)
    visit = next(v for v in s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id)
                                   .order_by(DrawVisit.day, DrawVisit.id)) if "T2" in (v.tasks or []))
    monkeypatch.setattr(draws, "_today", lambda: visit.day)
    lead = accounts.create_account(s, "lead", "correct-horse", "inspector",
                                   inspector=visit_access.lead_inspector(s, draw, visit))
    items = [i.id for i in results.visit_items(s, draw, visit)]
    data = {"completed_on": visit.day.isoformat(), "items": {str(i): {"code": "01"} for i in items}}
    return draw, visit, lead, data


# --- the cases: prepare(s, app, monkeypatch) -> state; act(s, app, state) ---

def plan_publish():
    def prepare(s, app, mp):
        plan = plans.create_plan(s, "P-1", "计划", WINDOW[0].year, actor="planner")
        plans.add_task(s, plan, plans.TaskInput(name="抽查", department="SCJG", items=[_item(s)],
                                                window_start=WINDOW[0], window_end=WINDOW[1], count=3))
        return plan
    return prepare, lambda s, app, plan: plans.publish_plan(s, plan), {"plan.published": 1}


def _item(s) -> int:
    from draw_fixtures import item_id

    return item_id(s, "SCJG-01")


def plan_edit():
    def act(s, app, _state):
        plan = plans.create_plan(s, "P-2", "计划", WINDOW[0].year, actor="planner")
        task = plans.add_task(s, plan, plans.TaskInput(name="抽查", department="SCJG", items=[_item(s)],
                                                       window_start=WINDOW[0], window_end=WINDOW[1], count=3))
        plans.remove_task(s, task)
    return lambda s, app, mp: None, act, {"plan.created": 1, "task.added": 1, "task.removed": 1}


def draw_ceremony():
    def act(s, app, state):
        plan, tasks = state
        draws.seal(s, run_ceremony(s, plan, tasks, app))
    return (lambda s, app, mp: published_plan(s)), act, {
        "draw.created": 1, "draw.committed": 1, "draw.entropy": 1, "draw.drawn": 1, "draw.sealed": 1}


def result_submit():
    def act(s, app, state):
        _draw, visit, lead, data = state
        results.save_draft(s, lead, visit.id, data, 1)
        results.submit(s, lead, visit.id)
    return _team, act, {"result.opened": 1, "result.saved": 1, "result.submitted": 1}


def result_approve_publish():
    def prepare(s, app, mp):
        draw, visit, lead, data = _team(s, app, mp)
        results.save_draft(s, lead, visit.id, data, 1)
        results.submit(s, lead, visit.id)
        return visit
    return prepare, lambda s, app, visit: review.approve(s, None, visit.id), {
        "result.approved": 1, "result.published": 1}


def reveal():
    return (lambda s, app, mp: _sealed(s, app)), (
        lambda s, app, draw: draws.reveal(s, draw, "检查已全部完成", confirmed=True, actor="alice", today=CLOSED)), {
        "draw.revealed": 1}


def account_change():
    def prepare(s, app, mp):
        return accounts.create_account(s, "bob", "correct-horse", "planner", department="SCJG")

    def act(s, app, user):
        accounts.set_active(s, user.id, False)
        accounts.change_role(s, user.id, "admin")
        accounts.reset_password(s, user.id, "battery-staple-uniform-9")
    return prepare, act, {"account.deactivated": 1, "account.role_changed": 1, "account.password_reset": 1}


def api_tokens():
    def prepare(s, app, mp):
        return (accounts.create_account(s, "carol", "correct-horse", "planner", department="SCJG"),
                accounts.create_account(s, "root", "correct-horse", "admin"))

    def act(s, app, users):
        from inspect_app.services import api_tokens

        owner, admin = users
        token, _secret = api_tokens.create_token(s, owner, "省平台")
        before = _seq(s)
        api_tokens.revoke_token(s, admin, token.id)
        api_tokens.revoke_token(s, admin, token.id)  # already revoked: nothing changes, nothing appended
        row = s.exec(select(AuditEntry).where(AuditEntry.seq > before)).one()
        assert (row.action, row.actor, json.loads(row.details)) == (
            "account.token_revoked", "root", {"user": "carol"})
    return prepare, act, {"account.token_created": 1, "account.token_revoked": 1}


def registry_import():
    code = with_check_character("91350100MA0000001")
    text = f"统一社会信用代码,名称,行政区划,登记状态,信用风险分类\n{code},新公司,350181001,存续,B\n"
    def act(s, app, _):
        report = import_file(s, "entities", io.BytesIO(text.encode()), "new.csv")
        assert report.ok and report.inserted == 1, report.errors
        row = s.exec(select(AuditEntry).where(AuditEntry.action == "registry.entities_imported")).one()
        details = json.loads(row.details)
        assert details["sha256"] == hashlib.sha256(text.encode()).hexdigest()
        assert (details["filename"], details["rows"], details["inserted"]) == ("new.csv", 1, 1)
    return (lambda s, app, mp: None), act, {"registry.entities_imported": 1}


def registry_edit_entity():
    def act(s, app, _):
        entity = s.exec(select(Entity).order_by(Entity.uscc)).first()
        texts = registry_edit.form_texts("entities", entity) | {"name": "改名公司"}
        assert not registry_edit.edit_entity(s, entity.uscc, texts).errors
    return (lambda s, app, mp: None), act, {"registry.entity_edited": 1}


def scheduler_runs():
    def prepare(s, app, mp):
        inspector = s.exec(select(Inspector).order_by(Inspector.id)).first()
        inspector.certificate_expires = date(2030, 3, 1)
        s.add(inspector)
        s.commit()

    def act(s, app, _):
        from inspect_app.scheduler import runs

        runs.run(app, "certificate-warnings", today=date(2030, 2, 22))
        runs.run(app, "audit-checkpoint", today=date(2030, 2, 22))
        runs.run(app, "audit-checkpoint", today=date(2030, 2, 22))  # idempotent: one checkpoint
        runs.run(app, "reveal-due", today=date(2030, 2, 22))  # nothing due: no row
    return prepare, act, {"scheduler.run": 3}


CASES = {f.__name__: f for f in (plan_publish, plan_edit, draw_ceremony, result_submit, result_approve_publish,
                                 reveal, account_change, api_tokens, registry_import, registry_edit_entity, scheduler_runs)}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_change_appends_once(app, db_session, monkeypatch, kind):
    s = db_session
    seed_registries(s)
    prepare, act, expected = CASES[kind]()
    state = prepare(s, app, monkeypatch)
    before = _seq(s)
    act(s, app, state)
    s.expire_all()
    new = list(s.exec(select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)))
    assert Counter(e.action for e in new) == Counter(expected)
    assert [e.seq for e in new] == list(range(before + 1, before + 1 + len(new)))
    report = audit_verify.verify(s)
    assert report.ok, report.text()


def test_a_draw_s_rows_name_it_and_hold_nothing_of_its_sample(app, db_session):
    s = db_session
    seed_registries(s)
    draw = _sealed(s, app)
    rows = list(s.exec(select(AuditEntry).where(AuditEntry.object_type == "draw")))
    assert {r.object_id for r in rows} == {draw.code}
    assert [r.actor for r in rows if r.action == "draw.created"] == ["planner"]
    text = " ".join(r.details for r in rows)
    for visit in s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id)):
        assert visit.uscc not in text
        assert not any(member in text for member in visit.team)


def test_scheduler_rows_name_the_scheduler(app, db_session):
    from inspect_app.scheduler import runs

    s = db_session
    seed_registries(s)
    plans.create_plan(s, "P-9", "计划", 2030, actor="planner")
    runs.run(app, "audit-checkpoint", today=date(2030, 2, 22))
    s.expire_all()
    row = s.exec(select(AuditEntry).where(AuditEntry.action == "scheduler.run")).one()
    assert (row.actor, row.object_id) == ("scheduler", "audit-checkpoint")
    assert '"checkpoint":1' in row.details


def test_a_change_that_fails_appends_nothing(app, db_session):
    """A refused seal (window closed) rolls back: no audit row."""
    s = db_session
    seed_registries(s)
    plan, tasks = published_plan(s)
    draw = run_ceremony(s, plan, tasks, app)
    before = _seq(s)
    with pytest.raises(draws.DrawError):
        draws.seal(s, draw, today=CLOSED)
    s.commit()
    assert _seq(s) == before
    assert s.get(Draw, draw.id).state == "drawn"


def test_cli_changes_name_the_cli(app, db_session):
    from account_fixtures import PASSWORD

    result = app.test_cli_runner().invoke(args=["user", "create", "carol", "--role", "admin",
                                                "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    row = db_session.exec(select(AuditEntry).where(AuditEntry.action == "account.created")).one()
    assert (row.actor, row.object_id) == ("cli", "carol")


def test_a_broken_chain_gets_no_checkpoint(app, db_session, database):
    from audit_fixtures import trigger_off
    from inspect_app.models import AuditCheckpoint, AuditVerification
    from inspect_app.scheduler import runs

    s = db_session
    seed_registries(s)
    for n in range(3):
        plans.create_plan(s, f"P-{n}", "计划", 2030, actor="planner")
    with trigger_off(database[1]), database[1].begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    run = runs.run(app, "audit-checkpoint", today=date(2030, 2, 22))
    assert run.state == "error" and "BROKEN at sequence 2" in run.error
    s.expire_all()
    assert s.exec(select(AuditCheckpoint)).all() == []
    assert [(v.ok, v.first_broken, v.actor) for v in s.exec(select(AuditVerification))] == [(False, 2, "scheduler")]
    assert s.exec(select(AuditEntry).where(AuditEntry.action == "scheduler.run")).all() == []
