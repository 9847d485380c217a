"""Migration 0014: the database itself refuses to change a submitted or
approved result in place, whatever the route, CLI command or raw SQL; a
draft or returned result stays editable and an approved one can only be
superseded (current true → false). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inspect_app.services import results


def raw(app, sql: str, **params) -> int:
    """Run ``sql`` on its own connection (outside the services); rowcount."""
    with app.config["DATABASE_ENGINE"].begin() as conn:
        return conn.execute(sa.text(sql), params).rowcount


def refused(app, sql: str, **params) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        raw(app, sql, **params)
    assert "results are append-only" in str(caught.value)
    return str(caught.value)


def submitted(team):
    s = team.session
    results.save_draft(s, team.member, team.visit.id,
                       {"completed_on": team.visit.day.isoformat(),
                        "items": {str(i): {"code": "01"} for i in team.items}}, 1)
    return results.submit(s, team.lead, team.visit.id)


def set_state(app, result_id: int, state: str) -> None:
    raw(app, "UPDATE visit_result SET state = :state WHERE id = :id", state=state, id=result_id)


def test_draft_items_change_freely(team, app):
    result = results.open_result(team.session, team.member, team.visit.id)
    assert raw(app, "UPDATE item_result SET code = '04' WHERE result_id = :id", id=result.id) == len(team.items)


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_items_of_a_submitted_or_approved_result_cannot_change(team, app, state):
    result = submitted(team)
    if state == "approved":
        set_state(app, result.id, "approved")  # what the review service does
    refused(app, "UPDATE item_result SET code = '04' WHERE result_id = :id", id=result.id)
    refused(app, "UPDATE item_result SET remark = 'x' WHERE result_id = :id", id=result.id)
    refused(app, "DELETE FROM item_result WHERE result_id = :id", id=result.id)
    refused(app, "INSERT INTO item_result (result_id, item_id, department, code) VALUES (:id, :item, 'SCJG', '01')",
            id=result.id, item=team.items[0])
    codes = {c for (c,) in team.session.execute(sa.text("SELECT code FROM item_result WHERE result_id = :id"),
                                                {"id": result.id})}
    assert codes == {"01"}


def test_a_returned_result_is_editable_again(team, app):
    result = submitted(team)
    set_state(app, result.id, "returned")
    assert raw(app, "UPDATE item_result SET code = '04' WHERE result_id = :id", id=result.id) == len(team.items)


def test_an_approved_result_only_loses_current(team, app):
    result = submitted(team)
    set_state(app, result.id, "approved")
    refused(app, "UPDATE visit_result SET state = 'draft' WHERE id = :id", id=result.id)
    refused(app, "UPDATE visit_result SET completed_on = NULL WHERE id = :id", id=result.id)
    refused(app, "UPDATE visit_result SET saved_seq = saved_seq + 1 WHERE id = :id", id=result.id)
    refused(app, "UPDATE visit_result SET return_reason = 'x' WHERE id = :id", id=result.id)
    assert raw(app, "UPDATE visit_result SET current = :f WHERE id = :id", f=False, id=result.id) == 1
    refused(app, "UPDATE visit_result SET current = :t WHERE id = :id", t=True, id=result.id)


def test_a_submitted_result_moves_on_in_review(team, app):
    result = submitted(team)
    assert raw(app, "UPDATE visit_result SET state = 'returned', return_reason = 'x' WHERE id = :id",
               id=result.id) == 1


def test_no_result_is_ever_deleted(team, app):
    result = results.open_result(team.session, team.member, team.visit.id)
    refused(app, "DELETE FROM visit_result WHERE id = :id", id=result.id)


def test_revising_an_approved_result_passes_the_triggers(team, app):
    result = submitted(team)
    set_state(app, result.id, "approved")
    team.session.expire_all()
    new = results.revise(team.session, team.lead, team.visit.id, "更正完成日期")
    assert new.revision == 2
    team.session.expire_all()
    rows = team.session.execute(sa.text("SELECT revision, state, current FROM visit_result ORDER BY revision")).all()
    assert [(r[0], r[1], bool(r[2])) for r in rows] == [(1, "approved", False), (2, "draft", True)]
