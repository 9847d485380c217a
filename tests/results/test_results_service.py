"""services/results.py: opening, idempotent autosave, validation naming the
item and field, completion-date and deadline rules, submission by the lead
only, the lock after submission, revisions that keep the earlier record,
and codes for entities that cannot be checked (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import in_threads
from inspect_app.models import User
from inspect_app.services import draws, result_codes, results, visit_access
from inspect_app.visit_models import ItemResult, ResultEvent, VisitResult


def stored(team):
    s = team.session
    s.expire_all()
    result = results.current_result(s, team.visit.id)
    return result, {r.item_id: r for r in results.items_of(s, result)}


def fields(team, items, data=None):
    """A save's data: completed_on = the visit's day unless given."""
    out = {"completed_on": team.visit.day.isoformat()} if data is None else dict(data)
    out["items"] = {str(k): v for k, v in items.items()}
    return out


def problem_free(team):
    return fields(team, {i: {"code": "01"} for i in team.items})


def test_open_creates_revision_one_with_no_problem_found_on_every_item(team):
    s = team.session
    result = results.open_result(s, team.member, team.visit.id)
    assert (result.revision, result.state, result.current, result.saved_seq) == (1, "draft", True, 0)
    assert result.code_version == result_codes.current_version(s, team.visit.day) == 1
    rows = results.items_of(s, result)
    assert [r.item_id for r in rows] == team.items and len(team.items) >= 2
    assert {r.code for r in rows} == {"01"}
    items = {i.id: i for i in results.visit_items(s, team.draw, team.visit)}
    assert {r.item_id: r.department for r in rows} == {i: items[i].department for i in team.items}
    assert len({r.department for r in rows}) == 2  # a joint visit: each department its items
    again = results.open_result(s, team.lead, team.visit.id)
    assert again.id == result.id
    assert len(s.exec(select(VisitResult).where(VisitResult.visit_pk == team.visit.id)).all()) == 1


def test_code_rules_are_data_keyed_by_code(team):
    codes = result_codes.code_set(team.session, 1)
    assert [c.code for c in codes.top] == ["01", "02", "03", "04", "05", "06", "07"]
    assert [s.code for s in codes.by_code["03"].subcodes] == ["0301", "0302", "0303", "0304"]
    assert codes.selectable() == ["01", "02", "0301", "0302", "0303", "0304", "04", "05", "06", "07"]
    assert set(result_codes.RULES) == set(codes.by_code)  # every seeded code has its rule
    assert {c for c in codes.by_code if result_codes.is_problem(c)} == {"02", "03", "0301", "0302", "0303", "0304"}
    assert result_codes.remark_required("0304") and not result_codes.remark_required("01")
    assert {c for c in codes.by_code if result_codes.cannot_check(c)} == {"04", "05", "06", "07"}
    assert codes.by_code["0304"].name("en") == "Violated other provisions"


def test_a_repeated_or_older_seq_changes_nothing(team):
    s, a, b = team.session, team.items[0], team.items[1]
    first = results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "04"}}), 3)
    assert (first.saved, first.changed) == (3, True)
    again = results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "06"}}), 3)
    older = results.save_draft(s, team.member, team.visit.id, fields(team, {b: {"code": "06"}}), 2)
    assert (again.saved, again.changed, older.saved, older.changed) == (3, False, 3, False)
    result, rows = stored(team)
    assert result.saved_seq == 3 and rows[a].code == "04" and rows[b].code == "01"
    newer = results.save_draft(s, team.member, team.visit.id, fields(team, {b: {"code": "06"}}), 4)
    assert newer.changed and stored(team)[1][b].code == "06"


def test_concurrent_saves_with_the_same_seq_have_one_winner(team, app):
    engine = app.config["DATABASE_ENGINE"]
    results.open_result(team.session, team.member, team.visit.id)
    codes = ["04", "06", "02", "0301"]
    user_ids = [team.member.id, team.lead.id] * 2
    visit_pk, item = team.visit.id, team.items[0]

    def action(session, k):
        user = session.get(User, user_ids[k])
        data = {"items": {str(item): {"code": codes[k], "remark": f"备注{k}"}}}
        return results.save_draft(session, user, visit_pk, data, 7)

    outcomes = in_threads(app, engine, 4, action)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    winners = [k for k, o in enumerate(outcomes) if o.changed]
    assert len(winners) == 1
    assert all(o.saved == 7 for o in outcomes)
    result, rows = stored(team)
    assert result.saved_seq == 7
    assert (rows[item].code, rows[item].remark) == (codes[winners[0]], f"备注{winners[0]}")


def test_validation_errors_name_the_item_and_the_field_and_write_nothing(team):
    s, a, b = team.session, team.items[0], team.items[1]
    data = fields(team, {a: {"code": "99"}, b: {"code": "01", "remark": "长" * 501, "rectify_by": "2030-04-01"}})
    with pytest.raises(results.ResultInvalid) as caught:
        results.save_draft(s, team.member, team.visit.id, data, 1)
    got = {(e.item, e.field) for e in caught.value.errors}
    assert got == {(a, "code"), (b, "remark"), (b, "rectify_by")}
    assert all(e.message for e in caught.value.errors)
    assert (caught.value.saved, caught.value.state) == (0, "draft")
    result, rows = stored(team)
    assert result.saved_seq == 0 and result.completed_on is None and {r.code for r in rows.values()} == {"01"}
    with pytest.raises(results.ResultInvalid) as caught:
        results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"rectify_by": "30.04.2030"}}), 1)
    assert [(e.item, e.field) for e in caught.value.errors] == [(a, "rectify_by")]
    with pytest.raises(results.ResultInvalid) as caught:
        results.save_draft(s, team.member, team.visit.id, fields(team, {999999: {"code": "01"}}), 1)
    assert [(e.item, e.field) for e in caught.value.errors] == [(None, "items")]
    with pytest.raises(results.ResultInvalid) as caught:
        results.save_draft(s, team.member, team.visit.id, problem_free(team), "x")
    assert [(e.item, e.field) for e in caught.value.errors] == [(None, "seq")]


@pytest.mark.parametrize("case", ["window start", "today", "before the window", "tomorrow"])
def test_completion_date_never_in_the_future_never_before_the_window(team, monkeypatch, case):
    s, today, start = team.session, team.visit.day, team.draw.window_start
    day = {"window start": start, "today": today, "before the window": start - timedelta(days=1),
           "tomorrow": today + timedelta(days=1)}[case]
    data = {"completed_on": day.isoformat()}
    if case in ("window start", "today"):
        assert results.save_draft(s, team.member, team.visit.id, data, 1).changed
        assert stored(team)[0].completed_on == day
        return
    with pytest.raises(results.ResultInvalid) as caught:
        results.save_draft(s, team.member, team.visit.id, data, 1)
    assert [(e.item, e.field) for e in caught.value.errors] == [(None, "completed_on")]
    assert stored(team)[0].completed_on is None
    # a day later, yesterday's "tomorrow" is allowed; before the window never is
    monkeypatch.setattr(draws, "_today", lambda: today + timedelta(days=1))
    if case == "tomorrow":
        assert results.save_draft(s, team.member, team.visit.id, data, 2).changed
    else:
        with pytest.raises(results.ResultInvalid):
            results.save_draft(s, team.member, team.visit.id, data, 2)


def test_deadline_only_where_allowed_and_bounded(team):
    s, a = team.session, team.items[0]
    day = team.visit.day

    def refused(item_fields, seq):
        with pytest.raises(results.ResultInvalid) as caught:
            results.save_draft(s, team.member, team.visit.id, fields(team, {a: item_fields}), seq)
        return [(e.item, e.field) for e in caught.value.errors]

    assert refused({"code": "01", "rectify_by": (day + timedelta(days=10)).isoformat()}, 1) == [(a, "rectify_by")]
    assert refused({"code": "02", "remark": "x", "rectify_by": (day - timedelta(days=1)).isoformat()}, 1) \
        == [(a, "rectify_by")]
    assert refused({"code": "02", "remark": "x", "rectify_by": (day + timedelta(days=366)).isoformat()}, 1) \
        == [(a, "rectify_by")]
    ok = {"code": "02", "remark": "无证经营", "rectify_by": (day + timedelta(days=365)).isoformat()}
    assert results.save_draft(s, team.member, team.visit.id, fields(team, {a: ok}), 1).changed
    # changing to a code without a deadline drops the stale one
    results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "01"}}), 2)
    assert stored(team)[1][a].rectify_by is None


def test_submission_checks_everything_a_draft_may_leave_open(team):
    s, a, b = team.session, team.items[0], team.items[1]
    # a draft may be incomplete: no completion date, 03 without sub-code, 02 without remark or deadline
    results.save_draft(s, team.member, team.visit.id, {"items": {str(a): {"code": "03"}, str(b): {"code": "02"}}}, 1)
    with pytest.raises(results.ResultInvalid) as caught:
        results.submit(s, team.lead, team.visit.id)
    got = {(e.item, e.field) for e in caught.value.errors}
    assert got == {(None, "completed_on"), (a, "code"), (a, "remark"), (b, "remark"), (b, "rectify_by")}
    assert stored(team)[0].state == "draft"
    results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "0304"}}), 2)
    with pytest.raises(results.ResultInvalid) as caught:
        results.submit(s, team.lead, team.visit.id)
    assert (a, "remark") in {(e.item, e.field) for e in caught.value.errors}  # 违反其他规定 needs its remark
    deadline = (team.visit.day + timedelta(days=30)).isoformat()
    results.save_draft(s, team.member, team.visit.id, fields(team, {
        a: {"code": "0304", "remark": "未按规定设置价格标签"},
        b: {"code": "02", "remark": "门前堆放杂物", "rectify_by": deadline}}), 3)
    assert results.submit(s, team.lead, team.visit.id).state == "submitted"
    result, rows = stored(team)
    assert (rows[a].code, rows[b].code, rows[b].rectify_by.isoformat()) == ("0304", "02", deadline)
    assert result.submitted_by == team.lead.username


def test_only_the_lead_submits(team):
    s = team.session
    lead = visit_access.lead_inspector(s, team.draw, team.visit)
    assert team.lead.inspector == lead != team.member.inspector
    results.save_draft(s, team.member, team.visit.id, problem_free(team), 1)
    with pytest.raises(results.NotLead):
        results.submit(s, team.member, team.visit.id)
    assert stored(team)[0].state == "draft"
    with pytest.raises(visit_access.VisitNotFound):
        results.submit(s, team.outsider, team.visit.id)
    assert results.submit(s, team.lead, team.visit.id).state == "submitted"


def test_another_team_cannot_open_save_or_submit(team):
    s = team.session
    for call in (lambda: results.open_result(s, team.outsider, team.visit.id),
                 lambda: results.save_draft(s, team.outsider, team.visit.id, problem_free(team), 1),
                 lambda: results.revise(s, team.outsider, team.visit.id, "x")):
        with pytest.raises(visit_access.VisitNotFound):
            call()
    assert s.exec(select(VisitResult)).all() == []


def test_submitted_results_are_locked_for_the_team(team):
    s, a = team.session, team.items[0]
    results.save_draft(s, team.member, team.visit.id, problem_free(team), 1)
    results.submit(s, team.lead, team.visit.id)
    with pytest.raises(results.ResultLocked) as caught:
        results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "04"}}), 2)
    assert "已提交" in str(caught.value)
    retried = results.save_draft(s, team.member, team.visit.id, problem_free(team), 1)  # a late retry: no error
    assert (retried.changed, retried.state) == (False, "submitted")
    with pytest.raises(results.ResultLocked):
        results.submit(s, team.lead, team.visit.id)
    assert stored(team)[1][a].code == "01"


def test_a_returned_result_is_edited_and_resubmitted_as_the_same_revision(team):
    s, a = team.session, team.items[0]
    results.save_draft(s, team.member, team.visit.id, problem_free(team), 1)
    result = results.submit(s, team.lead, team.visit.id)
    s.execute(sa.update(VisitResult).where(VisitResult.id == result.id)
              .values(state="returned", return_reason="请补充备注"))  # what the review service does
    s.commit()
    results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "04"}}), 2)
    again = results.submit(s, team.lead, team.visit.id)
    assert (again.id, again.revision, again.state) == (result.id, 1, "submitted")
    assert stored(team)[1][a].code == "04"


def test_a_revision_keeps_the_earlier_record(team):
    s, a = team.session, team.items[0]
    results.save_draft(s, team.member, team.visit.id, problem_free(team), 5)
    first = results.submit(s, team.lead, team.visit.id)
    before = first.model_dump()
    with pytest.raises(results.ResultInvalid):
        results.revise(s, team.lead, team.visit.id, "  ")
    with pytest.raises(results.NotLead):
        results.revise(s, team.member, team.visit.id, "填错了")
    new = results.revise(s, team.lead, team.visit.id, "第二项结果填错了")
    assert (new.revision, new.state, new.current, new.revision_reason) == (2, "draft", True, "第二项结果填错了")
    assert new.saved_seq == 5  # the form's seq continues
    s.expire_all()
    old = s.get(VisitResult, first.id)
    assert old.current is False
    assert {k: v for k, v in old.model_dump().items() if k != "current"} == \
        {k: v for k, v in before.items() if k != "current"}
    assert [r.code for r in results.items_of(s, old)] == ["01"] * len(team.items)
    assert [r.item_id for r in results.items_of(s, new)] == team.items
    results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "06"}}), 6)
    assert [r.code for r in results.items_of(s, s.get(VisitResult, first.id))] == ["01"] * len(team.items)
    assert [h.revision for h in results.history(s, team.visit.id)] == [1, 2]
    with pytest.raises(results.ResultLocked):  # a draft is edited, not revised
        results.revise(s, team.lead, team.visit.id, "再改")
    revised = s.exec(select(ResultEvent).where(ResultEvent.action == "revised")).one()
    assert revised.detail["reason"] == "第二项结果填错了" and revised.actor == team.lead.username


def test_an_entity_gone_is_recorded_on_every_item_not_skipped(team):
    s, a, b = team.session, team.items[0], team.items[1]
    results.save_draft(s, team.member, team.visit.id, fields(team, {a: {"code": "07"}}), 1)
    assert {r.code for r in stored(team)[1].values()} == {"07"}
    results.save_draft(s, team.member, team.visit.id, fields(team, {b: {"code": "01"}}), 2)
    with pytest.raises(results.ResultInvalid) as caught:
        results.submit(s, team.lead, team.visit.id)
    assert [(e.item, e.field) for e in caught.value.errors] == [(b, "code")]
    results.save_draft(s, team.member, team.visit.id, fields(team, {b: {"code": "05"}}), 3)
    assert {r.code for r in stored(team)[1].values()} == {"05"}
    results.submit(s, team.lead, team.visit.id)
    rows = s.exec(select(ItemResult).where(ItemResult.result_id == stored(team)[0].id)).all()
    assert len(rows) == len(team.items) and {r.code for r in rows} == {"05"}


def test_a_refusal_is_recorded_with_its_code(team):
    s, a, b = team.session, team.items[0], team.items[1]
    codes = {i: {"code": "04"} for i in team.items}
    codes[a] = {"code": "06"}
    results.save_draft(s, team.member, team.visit.id, fields(team, codes), 1)
    results.submit(s, team.lead, team.visit.id)
    rows = stored(team)[1]
    assert (rows[a].code, rows[b].code) == ("06", "04")
    assert all(result_codes.cannot_check(r.code) for r in rows.values())


def test_the_trail_has_every_step_but_not_every_keystroke(team):
    s = team.session
    for seq in range(1, 6):
        results.save_draft(s, team.member, team.visit.id, fields(team, {team.items[0]: {"remark": "字" * seq}}), seq)
    results.submit(s, team.lead, team.visit.id)
    results.revise(s, team.lead, team.visit.id, "更正")
    events = s.exec(select(ResultEvent).where(ResultEvent.visit_pk == team.visit.id).order_by(ResultEvent.id)).all()
    assert [e.action for e in events] == ["opened", "saved", "submitted", "revised"]
    saved = events[1]
    assert (saved.detail["from_seq"], saved.detail["seq"]) == (0, 1) and events[2].detail["seq"] == 5
    assert saved.actor == team.member.username and events[2].actor == team.lead.username


def test_concurrent_openings_make_one_revision(team, app):
    engine = app.config["DATABASE_ENGINE"]
    user_ids = [team.member.id, team.lead.id] * 2
    visit_pk = team.visit.id

    def action(session, k):
        return results.open_result(session, session.get(User, user_ids[k]), visit_pk).id

    ids = in_threads(app, engine, 4, action)
    assert not [i for i in ids if isinstance(i, Exception)], ids
    assert len(set(ids)) == 1
    team.session.expire_all()
    rows = team.session.exec(select(VisitResult).where(VisitResult.visit_pk == visit_pk)).all()
    assert len(rows) == 1 and len(results.items_of(team.session, rows[0])) == len(team.items)


def test_concurrent_corrections_make_one_new_revision(team, app):
    s = team.session
    results.save_draft(s, team.member, team.visit.id, problem_free(team), 1)
    results.submit(s, team.lead, team.visit.id)
    engine = app.config["DATABASE_ENGINE"]
    lead_id, visit_pk = team.lead.id, team.visit.id

    def action(session, k):
        return results.revise(session, session.get(User, lead_id), visit_pk, f"更正{k}").revision

    outcomes = in_threads(app, engine, 3, action)
    assert sorted(o for o in outcomes if isinstance(o, int)) == [2]
    assert all(isinstance(o, results.ResultLocked) for o in outcomes if not isinstance(o, int)), outcomes
    s.expire_all()
    assert [(h.revision, h.current) for h in results.history(s, visit_pk)] == [(1, False), (2, True)]
