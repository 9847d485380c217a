"""Review (审核): approve / return rules, who may review (the visit's lead
department), two reviewers at once, and the per-draw progress with the
20-working-day publication deadline."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import in_threads
from inspect_app.models import CalendarDay, CalendarYear, Draw, DrawVisit
from inspect_app.services import review
from inspect_app.services.scope import ScopeError
from inspect_app.visit_models import Rectification, ResultEvent, VisitResult

from .conftest import TODAY, joint_visit, live_visits, make_result


def _events(s, visit_pk, action):
    return s.exec(select(ResultEvent).where(ResultEvent.visit_pk == visit_pk, ResultEvent.action == action)).all()


def test_approve_opens_rectifications_for_deadlines_only(sealed, people):
    s, draw = sealed
    visit = joint_visit(s, draw)
    make_result(s, draw, visit, codes={"SCJG-02": "03", "CGJ-01": "06"}, rectify_by={"SCJG-02": date(2030, 4, 10)})
    result = review.approve(s, people["scjg"], visit.id, today=TODAY)
    assert result.state == "approved" and result.reviewed_by == "scjg" and result.reviewed_at is not None
    rects = s.exec(select(Rectification).where(Rectification.visit_pk == visit.id)).all()
    # one for the deadline; the refused item (06) opens nothing by itself
    assert [(r.state, r.deadline, r.department, r.uscc) for r in rects] == [
        ("pending", date(2030, 4, 10), "SCJG", visit.uscc)]
    [ev] = _events(s, visit.id, "approved")
    assert ev.actor == "scjg" and ev.detail["rectifications"] == 1 and ev.detail["refused"] is True


@pytest.mark.parametrize("state", ["draft", "returned", "approved"])
def test_only_submitted_results_are_reviewed(sealed, people, state):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit, state=state)
    with pytest.raises(review.ReviewError, match="只能审核已提交的结果"):
        review.approve(s, people["scjg"], visit.id)
    with pytest.raises(review.ReviewError, match="只能审核已提交的结果"):
        review.return_result(s, people["scjg"], visit.id, "请补充")
    assert s.exec(select(ResultEvent)).all() == []


def test_nothing_submitted_and_unknown_visit(sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    with pytest.raises(review.ReviewError, match="还没有提交"):
        review.approve(s, people["scjg"], visit.id)
    with pytest.raises(review.ResultNotFound):
        review.approve(s, people["scjg"], 999_999)


def test_return_needs_a_bounded_reason(sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit)
    for bad, message in (("", "请填写退回原因"), ("   ", "请填写退回原因"), ("x" * 501, "过长"),
                         ("a\x00b", "控制字符")):
        with pytest.raises(review.ReviewError, match=message):
            review.return_result(s, people["scjg"], visit.id, bad)
    s.expire_all()
    assert review.current_result(s, visit.id).state == "submitted"
    result = review.return_result(s, people["scjg"], visit.id, "  第2项缺少备注  ")
    assert result.state == "returned" and result.return_reason == "第2项缺少备注"
    [ev] = _events(s, visit.id, "returned")
    assert ev.detail["reason"] == "第2项缺少备注"


def test_lead_department_reviews(sealed, people):
    s, draw = sealed
    visit = joint_visit(s, draw)  # led by SCJG, with CGJ's item
    make_result(s, draw, visit)
    with pytest.raises(ScopeError, match="牵头"):
        review.approve(s, people["cgj"], visit.id)
    with pytest.raises(ScopeError, match="尚未设置所属部门"):
        review.return_result(s, people["nodept"], visit.id, "原因")
    with pytest.raises(ScopeError):
        review.approve(s, people["member"], visit.id)
    s.expire_all()
    assert review.current_result(s, visit.id).state == "submitted"
    assert review.approve(s, people["admin"], visit.id).reviewed_by == "admin"


def test_two_reviewers_at_once_one_wins(app, sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit)
    user = people["scjg"]

    def act(session, k):
        if k % 2:
            return review.approve(session, user, visit.id).state
        return review.return_result(session, user, visit.id, f"原因{k}").state

    results = in_threads(app, s.get_bind(), 4, act)
    won = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, review.ReviewError)]
    assert len(won) == 1 and len(refused) == 3, results
    assert all("刚刚已被处理" in str(e) or "只能审核已提交的结果" in str(e) for e in refused)
    s.expire_all()
    assert review.current_result(s, visit.id).state == won[0]
    events = s.exec(select(ResultEvent).where(ResultEvent.visit_pk == visit.id)).all()
    assert len(events) == 1


# --- progress ---

def test_progress_counts(sealed):
    s, draw = sealed
    visits = live_visits(s, draw)
    past = [v for v in visits if v.day < TODAY]
    assert len(past) >= 6 and len(visits) > len(past)
    make_result(s, draw, past[0], state="submitted")
    make_result(s, draw, past[1], state="approved")
    make_result(s, draw, past[2], state="returned")
    make_result(s, draw, past[3], state="draft")  # never submitted: still overdue
    make_result(s, draw, past[4], state="submitted")
    make_result(s, draw, past[4], state="draft", revision=2)  # a correction after submission: done
    progress = review.draw_progress(s, draw, TODAY)
    c = progress.counts
    assert c["visits"] == len(visits)
    assert (c["done"], c["submitted"], c["approved"], c["returned"], c["draft"]) == (4, 1, 1, 1, 2)
    assert c["overdue"] == len(past) - 4
    assert c["open"] == len(visits) - 5
    assert {r.visit_pk for r in progress.filtered("overdue")} == {v.id for v in past[3:] if v is not past[4]}
    assert [r.visit_pk for r in progress.filtered("approved")] == [past[1].id]


def test_progress_of_a_chain_counts_the_sealed_redraw(sealed):
    s, draw = sealed
    old = live_visits(s, draw)[0]
    redraw = Draw(plan_id=draw.plan_id, parent_id=draw.id, redraw_visit=old.visit_id, state="sealed",
                  window_start=draw.window_start, window_end=draw.window_end, task_codes=draw.task_codes,
                  entropy_source="重抽")
    s.add(redraw)
    s.flush()
    new = DrawVisit(draw_id=redraw.id, visit_id="R1", uscc=old.uscc, entity_name="重抽对象", district=old.district,
                    tasks=old.tasks, departments=old.departments, team=old.team, day=old.day, replaces_id=old.id)
    s.add(new)
    old.current = False
    s.add(old)
    s.commit()
    rows = review.draw_progress(s, draw, TODAY).rows
    pks = {r.visit_pk for r in rows}
    assert new.id in pks and old.id not in pks
    assert len(rows) == len(live_visits(s, draw)) + 1
    redraw.cancelled_at = redraw.created_at
    s.add(redraw)
    s.commit()
    assert new.id not in {r.visit_pk for r in review.draw_progress(s, draw, TODAY).rows}


def test_unsealed_draw_has_no_progress(sealed):
    s, draw = sealed
    draw.cancelled_at = draw.created_at
    s.add(draw)
    s.commit()
    assert review.draw_progress(s, draw, TODAY) is None


def test_publication_deadline_counts_working_days_with_a_holiday(sealed):
    s, draw = sealed
    visits = live_visits(s, draw)
    # completed Monday 2030-03-04: 20 working days later is Monday 2030-04-01;
    # a holiday on Friday 2030-03-15 moves it to Tuesday 2030-04-02.
    make_result(s, draw, visits[0], state="submitted", completed_on=date(2030, 3, 4))
    row = review.draw_progress(s, draw, TODAY).filtered("submitted")[0]
    assert row.deadline == date(2030, 4, 1)
    s.add(CalendarDay(day=date(2030, 3, 15), kind="holiday", name="测试假日"))
    s.commit()
    row = review.draw_progress(s, draw, TODAY).filtered("submitted")[0]
    assert row.deadline == date(2030, 4, 2) and row.flag is None


def test_deadline_flags_and_unknown_calendar(sealed):
    s, draw = sealed
    visits = live_visits(s, draw)
    make_result(s, draw, visits[0], state="submitted", completed_on=date(2030, 2, 1))  # deadline 2030-03-01: past
    make_result(s, draw, visits[1], state="returned", completed_on=date(2030, 2, 11))  # 2030-03-11: soon
    make_result(s, draw, visits[2], state="approved", completed_on=date(2030, 2, 1))  # approved: no flag
    make_result(s, draw, visits[3], state="submitted", completed_on=date(2030, 12, 20))  # runs into unknown 2031
    rows = {r.visit_pk: r for r in review.draw_progress(s, draw, TODAY).rows}
    assert (rows[visits[0].id].deadline, rows[visits[0].id].flag) == (date(2030, 3, 1), "past")
    assert (rows[visits[1].id].deadline, rows[visits[1].id].flag) == (date(2030, 3, 11), "soon")
    assert rows[visits[2].id].flag is None and rows[visits[2].id].deadline == date(2030, 3, 1)
    assert rows[visits[3].id].deadline is None and rows[visits[3].id].deadline_unknown
    counts = review.draw_progress(s, draw, TODAY).counts
    assert (counts["deadline_past"], counts["deadline_soon"], counts["deadline_unknown"]) == (1, 1, 1)
    s.add(CalendarYear(year=2031, source="test"))
    s.commit()
    rows = {r.visit_pk: r for r in review.draw_progress(s, draw, TODAY).rows}
    assert rows[visits[3].id].deadline == date(2031, 1, 17)


def test_progress_reads_visits_in_one_query_whatever_their_number(sealed):
    """The statements draw_progress sends do not grow with the visits or
    results (one grouped read, not one per visit)."""
    s, draw = sealed
    visits = live_visits(s, draw)
    engine = s.get_bind()
    statements = []

    def count(*_args):
        statements.append(1)

    def measure():
        s.expire_all()
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            review.draw_progress(s, draw, TODAY)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    make_result(s, draw, visits[0], state="submitted", completed_on=date(2030, 3, 4))
    few = measure()
    for v in visits[1:]:
        make_result(s, draw, v, state="approved", completed_on=date(2030, 3, 4))
    assert len(visits) > 10 and measure() == few


def test_revision_history_is_kept(sealed):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit, state="approved")
    make_result(s, draw, visit, state="submitted", revision=2)
    assert [(r.revision, r.current) for r in review.revisions(s, visit.id)] == [(1, False), (2, True)]
    assert review.approve(s, None, visit.id).revision == 2
    assert s.exec(select(VisitResult).where(VisitResult.visit_pk == visit.id, VisitResult.state == "approved")
                  ).all().__len__() == 2
