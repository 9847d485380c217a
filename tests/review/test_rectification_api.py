"""Rectification follow-ups through the API: the pages' service and rules
(``services/rectification.py``); refusals as problem+json changing
nothing; another team's rectification 404, another department's 403."""

from __future__ import annotations

from sqlmodel import func, select

from api.api_fixtures import bearer
from inspect_app.services import api_tokens
from inspect_app.visit_models import Rectification, ResultEvent

from .conftest import TODAY
from .test_rectification import approved_with_rectification


def tokens(s, people) -> dict:
    return {k: api_tokens.create_token(s, u, "t")[1] for k, u in people.items() if k != "visit"}


def events(s) -> int:
    s.expire_all()
    return s.exec(select(func.count()).select_from(ResultEvent).where(ResultEvent.action == "rectification")).one()


def test_lists_for_planners_and_the_team(client, sealed, people):
    s, draw = sealed
    rect = approved_with_rectification(s, draw, people["visit"])
    tok = tokens(s, people)
    mine = client.get("/api/v1/my/rectifications", headers=bearer(tok["member"])).get_json()
    assert [r["id"] for r in mine["items"]] == [rect.id] and mine["items"][0]["state"] == "pending"
    assert client.get("/api/v1/my/rectifications", headers=bearer(tok["stranger"])).get_json()["items"] == []
    planner = client.get("/api/v1/rectifications", headers=bearer(tok["scjg"])).get_json()
    assert [r["id"] for r in planner["items"]] == [rect.id]
    assert planner["counts"]["pending"] == 1 and planner["counts"]["ordered"] == 1
    other = client.get("/api/v1/rectifications", headers=bearer(tok["cgj"])).get_json()
    assert other["items"] == [] and other["counts"]["ordered"] == 0
    rectified = client.get("/api/v1/rectifications?state=rectified", headers=bearer(tok["scjg"])).get_json()
    assert rectified["items"] == []
    bad = client.get("/api/v1/rectifications?state=fixed", headers=bearer(tok["scjg"]))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "query.state"


def test_followup_with_the_pages_rules(client, sealed, people):
    s, draw = sealed
    rect = approved_with_rectification(s, draw, people["visit"])
    tok = tokens(s, people)
    url = f"/api/v1/rectifications/{rect.id}/followup"
    before = events(s)
    refusals = [
        ({"state": "rectified", "note": "已整改"}, 422, "rule_refused"),  # no date
        ({"state": "rectified", "done_on": "2030-3-x", "note": "已整改"}, 422, "rule_refused"),
        ({"state": "fixed", "note": "x"}, 422, "rule_refused"),
        ({"state": "rectified", "done_on": TODAY.isoformat(), "note": ""}, 422, "rule_refused"),
        ({"state": "rectified", "done_on": TODAY.isoformat(), "note": "x", "extra": 1}, 422, "validation_failed"),
        ({"state": 3}, 422, "validation_failed"),
        ({"state": "rectified", "done_on": "2030-03-010"}, 422, "validation_failed"),
        ({"state": "rectified", "note": "x" * 2001}, 422, "validation_failed"),
    ]
    for body, status, code in refusals:
        r = client.post(url, json=body, headers=bearer(tok["member"]))
        assert (r.status_code, r.get_json()["code"]) == (status, code), (body, r.get_json())
        assert r.mimetype == "application/problem+json"
    r = client.post(url, data=b"{", headers={**bearer(tok["member"]), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["code"] == "malformed_json"
    stranger = client.post(url, json={"state": "not_rectified", "note": "x"}, headers=bearer(tok["stranger"]))
    assert stranger.status_code == 404
    cgj = client.post(url, json={"state": "not_rectified", "note": "x"}, headers=bearer(tok["cgj"]))
    assert cgj.status_code == 403 and cgj.get_json()["code"] == "out_of_scope"
    missing = client.post("/api/v1/rectifications/99999/followup", json={"state": "not_rectified", "note": "x"},
                          headers=bearer(tok["scjg"]))
    assert missing.status_code == 404
    s.expire_all()
    assert s.get(Rectification, rect.id).state == "pending" and events(s) == before  # nothing changed
    done = client.post(url, json={"state": "rectified", "done_on": TODAY.isoformat(), "note": "已更换许可证"},
                       headers=bearer(tok["member"]))
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["state"], body["done_on"], body["recorded_by"]) == ("rectified", TODAY.isoformat(), "member")
    assert events(s) == before + 1
    again = client.post(url, json={"state": "not_rectified", "note": "反悔"}, headers=bearer(tok["scjg"]))
    assert again.status_code == 422 and "不能再修改" in again.get_json()["detail"] and events(s) == before + 1


def test_credit_marks(client, sealed, people):
    from inspect_app.visit_models import CreditMark

    from .conftest import live_visits, make_result

    s, draw = sealed
    visits = live_visits(s, draw)
    tok = tokens(s, people)
    make_result(s, draw, visits[0], state="approved", codes={"SCJG-01": "06", "SCJG-02": "06"})
    url = f"/api/v1/results/{visits[0].id}/credit"
    seen = client.get(url, headers=bearer(tok["scjg"])).get_json()
    assert seen["marks"] == [] and seen["eligible"] == ["refused"]

    def marks() -> int:
        s.expire_all()
        return s.exec(select(func.count()).select_from(CreditMark)).one()

    for body, code in [({"reason_code": "unrectified", "reason": "逾期"}, "rule_refused"),
                       ({"reason_code": "nope", "reason": "x"}, "rule_refused"),
                       ({"reason_code": "refused", "reason": ""}, "rule_refused"),
                       ({"reason_code": "refused"}, "validation_failed"),
                       ({"reason_code": "refused", "reason": "x", "more": 1}, "validation_failed"),
                       ({"reason_code": "refused", "reason": "x" * 2001}, "validation_failed")]:
        r = client.post(url, json=body, headers=bearer(tok["scjg"]))
        assert r.status_code == 422 and r.get_json()["code"] == code, (body, r.get_json())
    other = client.post(url, json={"reason_code": "refused", "reason": "拒绝检查"}, headers=bearer(tok["cgj"]))
    assert other.status_code == 403
    assert marks() == 0
    r = client.post(url, json={"reason_code": "refused", "reason": "拒绝检查"}, headers=bearer(tok["scjg"]))
    assert r.status_code == 201 and r.get_json()["marked_by"] == "scjg"
    again = client.post(url, json={"reason_code": "refused", "reason": "再次"}, headers=bearer(tok["admin"]))
    assert again.status_code == 422 and marks() == 1
    listed = client.get("/api/v1/credit", headers=bearer(tok["scjg"])).get_json()
    assert [m["visit"] for m in listed["items"]] == [visits[0].id] and listed["counts"]["credit_marks"] == 1
    assert client.get("/api/v1/credit?department=SCJG", headers=bearer(tok["cgj"])).get_json()["items"] == []
    assert len(client.get("/api/v1/credit?department=SCJG", headers=bearer(tok["admin"])).get_json()["items"]) == 1
    assert client.get("/api/v1/credit?department=CGJ", headers=bearer(tok["admin"])).get_json()["items"] == []
    assert client.get("/api/v1/results/99999/credit", headers=bearer(tok["scjg"])).status_code == 404
