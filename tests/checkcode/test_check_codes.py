"""Check codes (issue 9, 扫码入企), the service: codes of ≥128 bits, only
their hash stored, issued at sealing, backfilled and re-keyed, and what a
lookup says (unknown / valid / completed / void)."""

from __future__ import annotations

import hashlib
import math
import os
import stat
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from checkcode.helpers import (KEY, code_of, joint_visit, on_visit_day, set_today, single_department_visit,
                               submit, visits_of)
from inspect_app.models import Draw, DrawVisit
from inspect_app.services import check_code_limits, check_codes, check_feedback, draws, visit_access
from inspect_app.visit_models import CheckCodeAttempt, ResultEvent, VisitCode, VisitFeedback


def dump(session) -> str:
    """Every row of every table, as text (what a database leak reveals)."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).all():
            out.append(repr(tuple(row)))
    return "\n".join(out)


def test_every_visit_gets_a_code_of_140_bits_and_only_its_hash_is_stored(sealed):
    s, _plan, _tasks, draw = sealed
    visits = visits_of(s, draw)
    rows = {r.visit_pk: r.code_hash for r in s.exec(select(VisitCode))}
    assert set(rows) == {v.id for v in visits} and len(visits) > 10
    codes = [code_of(v, draw) for v in visits]
    assert len(set(codes)) == len(codes)
    for visit, code in zip(visits, codes):
        assert len(code) == check_codes.CODE_LENGTH and set(code) <= set(check_codes.ALPHABET)
        assert rows[visit.id] == hashlib.sha256(code.encode()).hexdigest()
    assert check_codes.CODE_LENGTH * math.log2(len(check_codes.ALPHABET)) >= 128
    leaked = dump(s)
    assert rows[visits[0].id] in leaked  # the dump holds the hashes ...
    for code in codes:  # ... but no code, in any spelling
        assert code not in leaked and check_codes.grouped(code) not in leaked and code.lower() not in leaked


def test_codes_depend_on_the_key_and_the_visit(sealed):
    s, _plan, _tasks, draw = sealed
    a, b = visits_of(s, draw)[:2]
    assert check_codes.derive_code(a.id, draw.code, b"k1") != check_codes.derive_code(a.id, draw.code, b"k2")
    assert check_codes.derive_code(a.id, draw.code, b"k1") != check_codes.derive_code(b.id, draw.code, b"k1")
    assert check_codes.derive_code(a.id, draw.code, b"k1") != check_codes.derive_code(a.id, "other", b"k1")


def test_the_default_key_is_generated_once_owner_only(tmp_path):
    key = check_codes._instance_key(str(tmp_path / "instance"))
    path = tmp_path / "instance" / check_codes.KEY_FILE
    assert len(key) == 64 and path.read_text() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert check_codes._instance_key(str(tmp_path / "instance")) == key


def test_app_without_configured_key_uses_the_instance_file(app, tmp_path):
    app.config["CHECK_CODE_KEY"] = None
    app.instance_path = str(tmp_path / "inst")
    with app.app_context():
        first = check_codes.derive_code(1, "D")
        assert first == check_codes.derive_code(1, "D")
        assert first == check_codes.derive_code(1, "D", (tmp_path / "inst" / "check_code_key").read_text().encode())
        assert first != check_codes.derive_code(1, "D", KEY.encode())


def test_normalise_ignores_case_dashes_spaces_and_lookalikes():
    code = check_codes.derive_code(7, "D", b"k")
    assert check_codes.normalise(code) == code
    assert check_codes.normalise(check_codes.grouped(code)) == code
    assert check_codes.normalise("-".join(code[i:i + 4] for i in range(0, 28, 4)).lower()) == code
    assert check_codes.normalise("I" + "L" + "O" + code[3:]) == "110" + code[3:]
    for bad in (code[:-1], code + "A", code[:-1] + "U", code[:-1] + "!", "", None, code + " " * 40, "x" * 5000):
        assert check_codes.normalise(bad) is None


def test_lookup_unknown_and_malformed_say_the_same(sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    assert check_codes.lookup(s, code_of(visit, draw)).status == "valid"
    for code in ("0" * 28, "not a code", "x" * 500, check_codes.derive_code(visit.id, draw.code, b"other key")):
        assert check_codes.lookup(s, code) == check_codes.UNKNOWN


def test_lookup_before_the_visible_date_is_unknown(sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = max(visits_of(s, draw), key=lambda v: v.day)
    first = visit_access.visible_from(s, visit.day)
    set_today(monkeypatch, first - timedelta(days=1))
    assert check_codes.lookup(s, code_of(visit, draw)) == check_codes.UNKNOWN
    set_today(monkeypatch, first)
    assert check_codes.lookup(s, code_of(visit, draw)).status == "valid"


def test_lookup_shows_the_visit_and_nothing_else(sealed, monkeypatch):
    s, plan, tasks, draw = sealed
    visit = joint_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    view = check_codes.lookup(s, code_of(visit, draw))
    assert view.status == "valid" and view.visit_pk == visit.id and view.day == visit.day
    assert view.entity_name == visit.entity_name and view.uscc == visit.uscc
    assert view.plan_number == plan.number
    assert [t["code"] for t in view.tasks] == visit.tasks
    assert {i["name"] for t in view.tasks for i in t["items"]} >= {"门前三包"}
    assert [p["name"] for p in view.inspectors] == [f"{m[:-2]}检查员{int(m[-2:])}" for m in visit.team]
    assert [d["id"] for d in view.departments] == ["SCJG", "CGJ"]  # the lead department first
    assert set(visit.departments) == {"SCJG", "CGJ"}
    assert {d["id"]: d["phone"] for d in view.departments} == {"SCJG": "0591-00000000", "CGJ": "0591-11111111"}
    assert draw.code not in repr(view)


def test_completed_after_submission_with_its_date(sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    code = code_of(visit, draw)
    assert check_codes.lookup(s, code).status == "valid"
    submit(s, visit, visit.day)
    view = check_codes.lookup(s, code)
    assert view.status == "completed" and view.completed_on == visit.day


def test_a_later_revision_in_draft_keeps_it_completed(sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    submit(s, visit, visit.day, revision=1, current=False)
    from inspect_app.visit_models import VisitResult

    s.add(VisitResult(visit_pk=visit.id, revision=2, current=True, state="draft", code_version=1))
    s.commit()
    view = check_codes.lookup(s, code_of(visit, draw))
    assert view.status == "completed" and view.completed_on == visit.day


def test_cancelled_draw_makes_its_codes_void(sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    draws.cancel(s, draw, "计划调整，重新抽取", confirmed=True, actor="planner")
    view = check_codes.lookup(s, code_of(visit, draw))
    assert view.status == "void" and view.visit_pk is None and view.entity_name == ""


def test_a_redraw_voids_the_old_code_and_issues_the_new_visits(sealed, app, monkeypatch):
    from inspect_app.jobs.runner import run_job
    from inspect_app.services import redraws

    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假住院", "骰子",
                                         inspector=visit.team[0], actor="planner", today=draw.window_start)
    assert run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    job = draws.enter_entropy(s, redraw, "42", [("李见证", "")])
    assert run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    draws.seal(s, redraw)
    new = draws.visits(s, redraw)[0]
    assert s.get(VisitCode, new.id) is not None
    old = s.get(DrawVisit, visit.id)
    on_visit_day(monkeypatch, s, old)
    assert check_codes.lookup(s, code_of(old, draw)).status == "void"
    on_visit_day(monkeypatch, s, new)
    view = check_codes.lookup(s, code_of(new, redraw))
    assert view.status == "valid" and view.visit_pk == new.id


def test_ensure_codes_backfills_a_draw_sealed_without_codes(sealed, runner):
    s, _plan, _tasks, draw = sealed
    total = len(visits_of(s, draw))
    s.execute(sa.delete(VisitCode))
    s.commit()
    assert check_codes.ensure_codes(s, draw) == (total, 0)
    assert check_codes.ensure_codes(s, draw) == (0, 0)
    s.execute(sa.delete(VisitCode))
    s.commit()
    result = runner.invoke(args=["checkcode", "backfill"])
    assert result.exit_code == 0, result.output
    assert f"{total} code(s) issued" in result.output
    assert s.execute(sa.select(sa.func.count()).select_from(VisitCode)).scalar_one() == total
    assert runner.invoke(args=["checkcode", "backfill", "--draw", "NOPE"]).exit_code != 0


def test_a_new_key_replaces_every_hash_and_voids_printed_codes(sealed, app, runner, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    printed = code_of(visit, draw)
    app.config["CHECK_CODE_KEY"] = "a rotated key"
    result = runner.invoke(args=["checkcode", "backfill"])
    assert result.exit_code == 0 and f"{len(visits_of(s, draw))} replaced" in result.output
    s.expire_all()
    assert check_codes.lookup(s, printed) == check_codes.UNKNOWN
    fresh = check_codes.derive_code(visit.id, draw.code, b"a rotated key")
    assert check_codes.lookup(s, fresh).status == "valid"


def test_code_for_issues_and_reissues_one_visit_lazily(sealed, app, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    s.execute(sa.delete(VisitCode).where(VisitCode.visit_pk == visit.id))
    s.commit()
    assert check_codes.lookup(s, code_of(visit, draw)) == check_codes.UNKNOWN
    assert check_codes.code_for(s, visit, draw) == code_of(visit, draw)
    assert check_codes.lookup(s, code_of(visit, draw)).status == "valid"
    app.config["CHECK_CODE_KEY"] = "k2"
    fresh = check_codes.code_for(s, visit, draw)
    assert fresh != code_of(visit, draw) and check_codes.lookup(s, fresh).status == "valid"
    draws.cancel(s, draw, "计划调整，重新抽取", confirmed=True)
    assert check_codes.code_for(s, s.get(DrawVisit, visit.id), s.get(Draw, draw.id)) is None


def test_feedback_needs_a_live_code_a_message_for_problems_and_is_capped(sealed, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    code = code_of(visit, draw)
    with pytest.raises(LookupError):
        check_feedback.add_feedback(s, "0" * 28, "confirmed")
    with pytest.raises(check_feedback.FeedbackError, match="请填写"):
        check_feedback.add_feedback(s, code, "problem", "   ")
    with pytest.raises(check_feedback.FeedbackError, match="500"):
        check_feedback.add_feedback(s, code, "problem", "人" * 501)
    with pytest.raises(check_feedback.FeedbackError):
        check_feedback.add_feedback(s, code, "other")
    assert s.exec(select(VisitFeedback)).all() == []
    row = check_feedback.add_feedback(s, code, "problem", " 上门人员与登记的检查人员不符 ")
    assert row.message == "上门人员与登记的检查人员不符" and row.visit_pk == visit.id and row.at is not None
    event = s.exec(select(ResultEvent).where(ResultEvent.visit_pk == visit.id)).one()
    assert event.action == "feedback" and event.actor is None and event.detail == {"kind": "problem"}
    for _ in range(check_feedback.MAX_PER_VISIT - 1):
        check_feedback.add_feedback(s, code, "confirmed", "ignored")
    with pytest.raises(check_feedback.FeedbackError, match="不再接收"):
        check_feedback.add_feedback(s, code, "confirmed")
    rows = s.exec(select(VisitFeedback)).all()
    assert len(rows) == check_feedback.MAX_PER_VISIT and {r.message for r in rows} == {None, row.message}


def test_rate_limit_counts_failures_per_address_and_prunes(app, db_session):
    from inspect_app.models import utcnow

    s = db_session
    now = utcnow()
    old = now - timedelta(hours=1)
    for _ in range(3):
        s.add(CheckCodeAttempt(ip="10.0.0.1", at=old))
    s.commit()
    for k in range(check_code_limits.max_failures()):
        assert not check_code_limits.is_limited(s, "10.0.0.1", now)
        check_code_limits.record_failure(s, "10.0.0.1", now)
    assert check_code_limits.is_limited(s, "10.0.0.1", now)
    assert not check_code_limits.is_limited(s, "10.0.0.2", now)
    assert not check_code_limits.is_limited(s, "10.0.0.1", now + check_code_limits.window())
    ats = s.exec(select(CheckCodeAttempt.at)).all()
    assert len(ats) == check_code_limits.max_failures()  # the hour-old rows were pruned


def test_qr_svg_is_plain_svg_without_inline_style():
    svg = check_codes.qr_svg("https://example.org/c/" + "A" * 28).decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and "<path" in svg
    assert "style" not in svg and "<script" not in svg


def test_issue_codes_is_one_bulk_insert(sealed):
    s, _plan, _tasks, draw = sealed
    total = len(visits_of(s, draw))
    s.execute(sa.delete(VisitCode))
    s.commit()
    inserts = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith("INSERT INTO VISIT_CODE"):
            inserts.append(statement)

    engine = s.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert check_codes.issue_codes(s, draw) == total
        s.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 1 and total > 10
    assert s.execute(sa.select(sa.func.count()).select_from(VisitCode)).scalar_one() == total
    assert check_codes.issue_codes(s, draw) == 0  # nothing twice
