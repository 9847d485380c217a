"""Publication (一公开) of approved results: at approval, in its
transaction; nothing for results not approved; corrections as new
revisions; the 20-working-day deadline and on_time; publish_due; masking of
individual businesses."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from inspect_app.models import PublishedEntity, PublishedNameGram, PublishedResult, PublishedResultTask, Task
from inspect_app.services import publication, results, review
from inspect_app.visit_models import VisitResult

from .conftest import TODAY, approve, individual, joint_visit, live_visits, make_result


def _records(s):
    return list(s.exec(select(PublishedResult).order_by(PublishedResult.id)))


def test_approval_publishes_the_record(sealed, people):
    s, draw = sealed
    visit = joint_visit(s, draw)
    approve(s, draw, visit, people["scjg"], codes={"SCJG-02": "0304", "CGJ-01": "02"},
            rectify_by={"CGJ-01": date(2030, 4, 30)}, completed_on=date(2030, 3, 5))
    [record] = _records(s)
    assert record.current and record.revision == 1 and record.correction_reason is None
    assert record.published_by == "scjg" and record.visit_pk == visit.id and record.draw_id == draw.id
    assert record.uscc == visit.uscc and record.district == visit.district and not record.individual
    assert record.lead_department == "SCJG" and record.departments == ["SCJG", "CGJ"] and record.joint
    assert record.completed_on == date(2030, 3, 5) and record.year == 2030
    assert record.deadline == date(2030, 4, 2)  # 20 working days (Monday–Friday 2030)
    assert record.on_time is True
    assert record.problems == 2 and record.ordered == 1
    assert {i["code"] for i in record.items} >= {"0304", "02"}
    assert all(set(i) == {"item", "task", "department", "name", "code"} for i in record.items)
    assert "备注" not in json.dumps(record.items, ensure_ascii=False)  # remarks are never copied
    tasks = s.exec(select(Task).where(Task.plan_id == draw.plan_id, Task.code.in_(visit.tasks))).all()
    assert {t.published_id for t in s.exec(select(PublishedResultTask))} == {record.id}
    assert {t.task_id for t in s.exec(select(PublishedResultTask))} == {t.id for t in tasks}
    entity = s.get(PublishedEntity, visit.uscc)
    assert entity.records == 1 and entity.latest == date(2030, 3, 5)


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_nothing_published_before_approval(sealed, people, state):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit, state=state)
    if state == "submitted":
        review.return_result(s, people["scjg"], visit.id, "请补充")  # returning publishes nothing either
    report = publication.publish_due(s, TODAY)
    assert report.published == [] and _records(s) == []
    assert s.exec(select(PublishedEntity)).all() == [] and s.exec(select(PublishedNameGram)).all() == []


def test_a_failed_publication_undoes_the_approval(sealed, people, monkeypatch):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit)

    def broken(*_a, **_k):
        raise RuntimeError("index down")

    monkeypatch.setattr(publication.public_index, "index_entity", broken)
    with pytest.raises(RuntimeError):
        review.approve(s, people["scjg"], visit.id, today=TODAY)
    s.rollback()
    assert review.current_result(s, visit.id).state == "submitted" and _records(s) == []


def test_correction_publishes_a_new_revision(sealed, people):
    s, draw = sealed
    visit = joint_visit(s, draw)
    approve(s, draw, visit, people["scjg"], completed_on=date(2030, 3, 5), today=date(2030, 4, 3))
    [first] = _records(s)
    assert first.on_time is False  # published the day after the deadline
    results.revise(s, None, visit.id, "第2项检查结果录入错误", today=TODAY)
    assert [r.revision for r in _records(s)] == [1]  # the draft correction is not public
    assert _records(s)[0].current
    results.save_draft(s, None, visit.id, {"items": {str(first.items[0]["item"]): {
        "code": "0301", "remark": "未按规定公示年报"}}}, 10_000, today=TODAY)
    results.submit(s, None, visit.id, today=TODAY)
    assert [r.current for r in _records(s)] == [True]  # submitted: still the first
    review.approve(s, people["admin"], visit.id, today=date(2030, 4, 20))
    s.expire_all()
    old, new = _records(s)
    assert (old.revision, old.current) == (1, False)
    assert (new.revision, new.current, new.correction_reason) == (2, True, "第2项检查结果录入错误")
    assert new.deadline == old.deadline and new.on_time is False  # the first publication's
    assert new.items[0]["code"] == "0301" and old.items[0]["code"] != "0301"
    assert new.published_by == "admin"
    assert s.get(PublishedEntity, visit.uscc).records == 1  # a correction is not a new record


def test_on_time_on_the_deadline_and_late(sealed, people):
    s, draw = sealed
    first, second = live_visits(s, draw)[:2]
    approve(s, draw, first, people["admin"], completed_on=date(2030, 3, 1), today=date(2030, 3, 29))
    approve(s, draw, second, people["admin"], completed_on=date(2030, 3, 1), today=date(2030, 4, 1))
    a, b = _records(s)
    assert a.deadline == b.deadline == date(2030, 3, 29)
    assert (a.on_time, b.on_time) == (True, False)


def test_deadline_unknown_without_a_calendar(sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    approve(s, draw, visit, people["admin"], completed_on=date(2030, 12, 20))  # runs into 2031: unknown
    [record] = _records(s)
    assert record.deadline is None and record.on_time is None


def test_publish_due(sealed, people):
    s, draw = sealed
    visits = live_visits(s, draw)
    # approved before publication existed: no record
    make_result(s, draw, visits[0], state="approved", completed_on=date(2030, 3, 1))
    make_result(s, draw, visits[1], state="submitted", completed_on=date(2030, 3, 1))  # deadline 29 March
    make_result(s, draw, visits[2], state="returned", completed_on=date(2030, 3, 20))  # deadline 17 April
    make_result(s, draw, visits[3], state="draft")  # not completed
    today = date(2030, 3, 25)
    report = publication.publish_due(s, today)
    [record] = report.published
    assert record.visit_pk == visits[0].id and record.published_by == "system" and record.on_time is True
    assert [(p.visit_pk, p.flag) for p in report.flagged] == [(visits[1].id, "soon")]
    later = publication.publish_due(s, date(2030, 4, 15))
    assert later.published == []  # idempotent
    assert {(p.visit_pk, p.flag) for p in later.flagged} == {(visits[1].id, "past"), (visits[2].id, "soon")}
    assert all(p.department == "SCJG" for p in later.flagged)
    assert len(_records(s)) == 1


def test_publish_due_late_when_past_the_deadline(sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    make_result(s, draw, visit, state="approved", completed_on=date(2030, 3, 1))
    [record] = publication.publish_due(s, date(2030, 4, 1)).published
    assert record.on_time is False


def test_publish_is_idempotent_and_refuses_unapproved(sealed, people):
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    result = approve(s, draw, visit, people["admin"])
    assert publication.publish(s, result, "x", TODAY).id == _records(s)[0].id
    other = make_result(s, draw, live_visits(s, draw)[1], state="submitted")
    with pytest.raises(publication.PublicationError):
        publication.publish(s, other, None, TODAY)


def test_individual_business_is_masked(sealed, people):
    s, draw = sealed
    first, second = live_visits(s, draw)[:2]
    individual(s, first, "福清市张三丰小吃店")
    individual(s, second, "李小龙", operator="李小龙")
    approve(s, draw, first, people["admin"])
    approve(s, draw, second, people["admin"])
    a, b = _records(s)
    assert (a.entity_name, a.individual, a.entity_type) == ("福清市张＊＊小吃店", True, "个体工商户")
    assert (b.entity_name, b.individual) == ("个体工商户（李＊＊）", True)
    stored = json.dumps([r.model_dump(mode="json") for r in (a, b)], ensure_ascii=False)
    assert "张三丰" not in stored and "李小龙" not in stored and "三丰" not in stored
    assert s.get(PublishedEntity, first.uscc).name == "福清市张＊＊小吃店"
    grams = {g.gram for g in s.exec(select(PublishedNameGram))}
    assert "三丰" not in grams and "张三" not in grams


def test_results_state_is_untouched(sealed, people):
    """Publication reads the result; the approved row stays as approved."""
    s, draw = sealed
    visit = live_visits(s, draw)[0]
    approve(s, draw, visit, people["admin"])
    rows = s.exec(select(VisitResult).where(VisitResult.visit_pk == visit.id)).all()
    assert [(r.state, r.current) for r in rows] == [("approved", True)]
