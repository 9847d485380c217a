"""Rectification (整改) follow-ups, the overdue list, credit marks (信用监管)
and their XLSX export for the credit platform, and the report counts."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from draw_fixtures import in_threads
from inspect_app.services import credit, rectification, review
from inspect_app.services.scope import ScopeError
from inspect_app.visit_models import CreditMark, Rectification, ResultEvent

from .conftest import TODAY, joint_visit, live_visits, make_result


def approved_with_rectification(s, draw, visit, deadline=date(2030, 3, 20), people=None, **kw):
    codes = kw.pop("codes", {})
    first_item = "SCJG-02" if len(visit.departments) > 1 else "SCJG-01"
    codes.setdefault(first_item, "03")
    make_result(s, draw, visit, codes=codes, rectify_by={first_item: deadline}, **kw)
    review.approve(s, None, visit.id, today=TODAY)
    return s.exec(select(Rectification).where(Rectification.visit_pk == visit.id)).one()


def test_rectified_needs_a_valid_date_and_a_note(sealed, people):
    s, draw = sealed
    visit = people["visit"]
    rect = approved_with_rectification(s, draw, visit)
    member = people["member"]
    cases = [
        (dict(state="rectified", done_on=None, note="已整改"), "请填写整改完成日期"),
        (dict(state="rectified", done_on="2030-3-x", note="已整改"), "格式不正确"),
        (dict(state="rectified", done_on=date(2030, 3, 11), note="已整改"), "不能晚于今天"),
        (dict(state="rectified", done_on=visit.day - timedelta(days=1), note="已整改"), "不能早于检查日期"),
        (dict(state="rectified", done_on=TODAY, note=""), "请填写整改说明"),
        (dict(state="rectified", done_on=TODAY, note="x" * 501), "过长"),
        (dict(state="fixed", done_on=TODAY, note="x"), "请选择整改结果"),
    ]
    for kwargs, message in cases:
        with pytest.raises(rectification.RectificationError, match=message):
            rectification.record_followup(s, member, rect.id, today=TODAY, **kwargs)
    s.expire_all()
    assert s.get(Rectification, rect.id).state == "pending"
    done = rectification.record_followup(s, member, rect.id, "rectified", TODAY.isoformat(), "已更换许可证", today=TODAY)
    assert (done.state, done.done_on, done.note, done.recorded_by) == ("rectified", TODAY, "已更换许可证", "member")
    [ev] = s.exec(select(ResultEvent).where(ResultEvent.action == "rectification")).all()
    assert ev.detail["state"] == "rectified" and ev.detail["previous"] == "pending"
    with pytest.raises(rectification.RectificationError, match="不能再修改"):
        rectification.record_followup(s, member, rect.id, "not_rectified", None, "反悔", today=TODAY)


def test_not_rectified_needs_a_note_and_may_later_be_rectified(sealed, people):
    s, draw = sealed
    rect = approved_with_rectification(s, draw, people["visit"])
    with pytest.raises(rectification.RectificationError, match="请填写整改说明"):
        rectification.record_followup(s, people["scjg"], rect.id, "not_rectified", None, " ", today=TODAY)
    r = rectification.record_followup(s, people["scjg"], rect.id, "not_rectified", None, "拒不整改", today=TODAY)
    assert r.state == "not_rectified" and r.done_on is None
    r = rectification.record_followup(s, people["scjg"], rect.id, "rectified", TODAY, "逾期后整改", today=TODAY)
    assert r.state == "rectified"


def test_who_records_followups(sealed, people):
    s, draw = sealed
    rect = approved_with_rectification(s, draw, people["visit"])
    with pytest.raises(rectification.RectificationNotFound):
        rectification.record_followup(s, people["stranger"], rect.id, "not_rectified", None, "x", today=TODAY)
    with pytest.raises(ScopeError):
        rectification.record_followup(s, people["cgj"], rect.id, "not_rectified", None, "x", today=TODAY)
    with pytest.raises(ScopeError):
        rectification.record_followup(s, people["nodept"], rect.id, "not_rectified", None, "x", today=TODAY)
    with pytest.raises(rectification.RectificationNotFound):
        rectification.record_followup(s, people["member"], 999_999, "not_rectified", None, "x", today=TODAY)
    assert rectification.record_followup(s, people["admin"], rect.id, "not_rectified", None, "x",
                                         today=TODAY).recorded_by == "admin"


def test_participating_department_follows_up_its_own_item(sealed, people):
    s, draw = sealed
    visit = joint_visit(s, draw)
    make_result(s, draw, visit, codes={"CGJ-01": "03"}, rectify_by={"CGJ-01": date(2030, 3, 25)})
    review.approve(s, None, visit.id)
    rect = s.exec(select(Rectification).where(Rectification.visit_pk == visit.id)).one()
    assert rect.department == "CGJ"
    assert rectification.record_followup(s, people["cgj"], rect.id, "not_rectified", None, "未整改",
                                         today=TODAY).state == "not_rectified"
    assert [r.rectification.id for r in rectification.for_planner(s, people["cgj"], TODAY)] == [rect.id]
    assert rectification.for_planner(s, people["scjg"], TODAY) == []


def test_two_followups_at_once_one_wins(app, sealed, people):
    s, draw = sealed
    rect = approved_with_rectification(s, draw, people["visit"])
    user = people["scjg"]

    def act(session, k):
        return rectification.record_followup(session, user, rect.id, "rectified", TODAY, f"说明{k}", today=TODAY).note

    results = in_threads(app, s.get_bind(), 4, act)
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1, results
    assert all(isinstance(r, rectification.RectificationError) for r in results if r not in won)
    assert len(s.exec(select(ResultEvent).where(ResultEvent.action == "rectification")).all()) == 1


def test_overdue_list_and_planner_order(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    late = approved_with_rectification(s, draw, visits[0], deadline=date(2030, 3, 5))
    later = approved_with_rectification(s, draw, visits[1], deadline=date(2030, 3, 8))
    future = approved_with_rectification(s, draw, visits[2], deadline=date(2030, 3, 25))
    done = approved_with_rectification(s, draw, visits[3], deadline=date(2030, 3, 1))
    rectification.record_followup(s, None, done.id, "not_rectified", None, "x", today=TODAY)
    assert [r.rectification.id for r in rectification.overdue(s, people["scjg"], TODAY)] == [late.id, later.id]
    assert rectification.overdue(s, people["cgj"], TODAY) == []
    assert rectification.overdue(s, people["nodept"], TODAY) == []
    assert len(rectification.overdue(s, people["admin"], TODAY)) == 2
    rows = rectification.for_planner(s, people["scjg"], TODAY)
    assert [r.rectification.id for r in rows] == [late.id, later.id, future.id, done.id]
    assert [r.overdue for r in rows] == [True, True, False, False]
    assert rectification.overdue(s, people["scjg"], date(2030, 3, 5)) == []


def test_team_sees_pending_rectifications_of_own_visits_only(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    mine = approved_with_rectification(s, draw, people["visit"])
    me = people["member"].inspector
    other = next(v for v in visits if me not in v.team)
    theirs = approved_with_rectification(s, draw, other)
    assert [r.rectification.id for r in rectification.for_team(s, people["member"], TODAY)] == [mine.id]
    assert theirs.id not in [r.rectification.id for r in rectification.for_team(s, people["stranger"], TODAY)] \
        or people["stranger"].inspector in other.team
    assert rectification.for_team(s, people["scjg"], TODAY) == []


# --- credit ---

def test_refused_mark_needs_a_06_item(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    make_result(s, draw, visits[0], state="approved")
    with pytest.raises(credit.CreditError, match="不配合检查情节严重"):
        credit.mark_credit(s, people["scjg"], visits[0].id, "refused", "拒绝检查")
    make_result(s, draw, visits[1], codes={"SCJG-01": "06", "SCJG-02": "06"})  # submitted, not approved yet
    with pytest.raises(credit.CreditError):
        credit.mark_credit(s, people["scjg"], visits[1].id, "refused", "拒绝检查")
    review.approve(s, people["scjg"], visits[1].id)
    with pytest.raises(credit.CreditError, match="请填写标记说明"):
        credit.mark_credit(s, people["scjg"], visits[1].id, "refused", "")
    with pytest.raises(credit.CreditError, match="请选择标记原因"):
        credit.mark_credit(s, people["scjg"], visits[1].id, "bad", "x")
    with pytest.raises(ScopeError):
        credit.mark_credit(s, people["cgj"], visits[1].id, "refused", "拒绝检查")
    mark = credit.mark_credit(s, people["scjg"], visits[1].id, "refused", "拒绝检查")
    assert (mark.uscc, mark.department, mark.marked_by) == (visits[1].uscc, "SCJG", "scjg")
    with pytest.raises(credit.CreditError, match="标记过"):
        credit.mark_credit(s, people["scjg"], visits[1].id, "refused", "再次")
    assert len(s.exec(select(CreditMark)).all()) == 1
    assert s.exec(select(ResultEvent).where(ResultEvent.action == "credit_marked")).one().detail["reason_code"] == "refused"


def test_unrectified_mark_needs_not_rectified_or_overdue(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    rect = approved_with_rectification(s, draw, visits[0], deadline=date(2030, 3, 20))
    with pytest.raises(credit.CreditError, match="逾期未整改"):
        credit.mark_credit(s, people["scjg"], visits[0].id, "unrectified", "未整改", today=TODAY)
    # overdue once the deadline has passed
    assert credit.eligible_reasons(s, visits[0].id, date(2030, 3, 21)) == ["unrectified"]
    rectification.record_followup(s, None, rect.id, "not_rectified", None, "拒不整改", today=TODAY)
    mark = credit.mark_credit(s, people["admin"], visits[0].id, "unrectified", "逾期未整改", today=TODAY)
    assert mark.reason_code == "unrectified"


def test_concurrent_marks_one_wins(app, sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit, state="approved", codes={"SCJG-01": "06", "SCJG-02": "06"})
    user = people["scjg"]
    results = in_threads(app, s.get_bind(), 4,
                         lambda session, k: credit.mark_credit(session, user, visit.id, "refused", f"r{k}").id)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, credit.CreditError) for r in results if not isinstance(r, int))


def test_credit_export_xlsx(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    make_result(s, draw, visits[0], state="approved", codes={"SCJG-01": "06", "SCJG-02": "06"})
    credit.mark_credit(s, people["scjg"], visits[0].id, "refused", "=HYPERLINK(\"http://x\")拒绝")
    data = credit.credit_export(s, people["scjg"])
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("统一社会信用代码", "名称", "部门", "原因类别", "原因")
    assert rows[1][:5] == (visits[0].uscc, visits[0].entity_name, "市场监督管理局", "不配合检查情节严重",
                           "=HYPERLINK(\"http://x\")拒绝")
    assert sheet.cell(row=2, column=5).data_type == "s"  # text, not a formula
    s.expire_all()
    first = s.exec(select(CreditMark)).one().exported_at
    assert first is not None
    credit.credit_export(s, people["scjg"])
    s.expire_all()
    assert s.exec(select(CreditMark)).one().exported_at == first  # the first export is kept
    assert len(list(load_workbook(io.BytesIO(credit.credit_export(s, people["cgj"]))).active.iter_rows())) == 1
    with pytest.raises(ScopeError):
        credit.credit_export(s, people["nodept"])


def test_report_counts(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    rect = approved_with_rectification(s, draw, visits[0])
    approved_with_rectification(s, draw, visits[1])
    make_result(s, draw, visits[2], state="approved", codes={"SCJG-01": "06", "SCJG-02": "06"})
    make_result(s, draw, visits[3], state="submitted", codes={"SCJG-01": "03", "SCJG-02": "03"})  # not counted
    rectification.record_followup(s, None, rect.id, "rectified", TODAY, "已整改", today=TODAY)
    credit.mark_credit(s, people["scjg"], visits[2].id, "refused", "拒绝检查")
    c = rectification.counts(s, people["scjg"])
    assert (c["problems"], c["ordered"], c["rectified"], c["pending"]) == (2, 2, 1, 1)
    assert (c["credit_marks"], c["credit_entities"]) == (1, 1)
    assert rectification.counts(s, people["cgj"])["ordered"] == 0
