"""Every results, rectification and credit route × role: anonymous → login;
an inspector → 403 on planner pages; a planner of another department may
look but is refused every action; the lead department's planner and an
admin act; the inspector's follow-up page shows only their own visits and
another team's rectification id is a 404."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from inspect_app.services import review
from inspect_app.visit_models import CreditMark, Rectification, VisitResult

from .conftest import TODAY, live_visits, make_result

PASSWORD = "correct-horse"


def client_for(app, username):
    client = app.test_client()
    if username is not None:
        r = client.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, username
    return client


@pytest.fixture
def world(app, sealed, people):
    """A submitted result on the first visit (with a deadline and a refused
    item), an approved one with an open rectification on a second visit of
    the same team, and one on a visit of another team."""
    s, draw = sealed
    visits = live_visits(s, draw)
    first = people["visit"]
    me = people["member"].inspector
    own = next(v for v in visits if v.id != first.id and me in v.team)
    other = next(v for v in visits if me not in v.team)

    def item_of(v):
        return "SCJG-02" if len(v.departments) > 1 else "SCJG-01"

    make_result(s, draw, first, codes={item_of(first): "03"}, rectify_by={item_of(first): date(2030, 3, 20)})
    for v in (own, other):
        make_result(s, draw, v, codes={item_of(v): "06"}, rectify_by={item_of(v): date(2030, 3, 5)},
                    completed_on=date(2030, 3, 1))
        review.approve(s, None, v.id, today=TODAY)
    rect = {v.id: s.exec(select(Rectification).where(Rectification.visit_pk == v.id)).one().id for v in (own, other)}
    return {"s": s, "draw": draw, "first": first, "own": own, "other": other, "rect": rect}


def routes(w):
    d, v, o = w["draw"].id, w["first"].id, w["own"].id
    return [
        ("GET", f"/planner/draws/{d}/results", None),
        ("GET", f"/planner/results/{v}", None),
        ("POST", f"/planner/results/{v}/approve", {}),
        ("POST", f"/planner/results/{v}/return", {"reason": "缺少备注"}),
        ("POST", f"/planner/results/{o}/credit", {"reason_code": "refused", "reason": "拒绝检查"}),
        ("GET", "/planner/rectifications", None),
        ("POST", f"/planner/rectifications/{w['rect'][o]}", {"state": "not_rectified", "note": "未整改"}),
        ("GET", "/planner/credit", None),
        ("GET", "/planner/credit/export.xlsx", None),
    ]


def test_anonymous_goes_to_login(app, world):
    client = client_for(app, None)
    for method, url, data in routes(world) + [("GET", "/inspector/rectifications", None),
                                              ("POST", "/inspector/rectifications", {"rectification": "1"})]:
        r = client.open(url, method=method, data=data)
        assert r.status_code == 302 and "/login" in r.headers["Location"], (method, url)


def test_inspector_is_refused_on_planner_pages(app, world):
    client = client_for(app, "member")
    for method, url, data in routes(world):
        assert client.open(url, method=method, data=data).status_code == 403, (method, url)
    s = world["s"]
    s.expire_all()
    assert review.current_result(s, world["first"].id).state == "submitted"


@pytest.mark.parametrize("username", ["cgj", "nodept"])
def test_other_department_may_look_but_not_act(app, world, username):
    client = client_for(app, username)
    w, s = world, world["s"]
    for method, url, data in routes(w):
        r = client.open(url, method=method, data=data)
        if method == "GET":
            assert r.status_code in (200, 302), (url, r.status_code)  # the export without a department: a flash
        else:
            assert r.status_code == 403, (url, r.status_code)
            assert "scope-error" in r.get_data(as_text=True)
    page = client.get(f"/planner/results/{w['first'].id}").get_data(as_text=True)
    assert "approve-form" not in page and "return-form" not in page and "只有牵头部门的计划员" in page
    s.expire_all()
    assert review.current_result(s, w["first"].id).state == "submitted"
    assert s.exec(select(CreditMark)).all() == []
    assert {r.state for r in s.exec(select(Rectification))} == {"pending"}
    listing = client.get("/planner/rectifications").get_data(as_text=True)
    assert w["own"].entity_name not in listing


@pytest.mark.parametrize("username", ["scjg", "admin"])
def test_lead_department_and_admin_act(app, world, username):
    client = client_for(app, username)
    w, s = world, world["s"]
    page = client.get(f"/planner/draws/{w['draw'].id}/results")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="n-submitted">1<' in text and 'id="n-approved">2<' in text
    assert client.get(f"/planner/draws/{w['draw'].id}/results?state=submitted").get_data(as_text=True).count(
        "/planner/results/") == 1
    review_page = client.get(f"/planner/results/{w['first'].id}").get_data(as_text=True)
    assert "approve-form" in review_page and "return-form" in review_page
    r = client.post(f"/planner/results/{w['first'].id}/return", data={"reason": ""})
    assert r.status_code == 302
    assert "请填写退回原因" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/planner/results/{w['first'].id}/return", data={"reason": "缺少备注"}).status_code == 302
    s.expire_all()
    assert review.current_result(s, w["first"].id).state == "returned"
    r = client.post(f"/planner/results/{w['first'].id}/approve")
    assert "只能审核已提交的结果" in client.get(r.headers["Location"]).get_data(as_text=True)
    # credit mark from the review page of the refused visit
    assert "credit-form" in client.get(f"/planner/results/{w['own'].id}").get_data(as_text=True)
    client.post(f"/planner/results/{w['own'].id}/credit", data={"reason_code": "refused", "reason": "拒绝检查"})
    s.expire_all()
    assert s.exec(select(CreditMark.visit_pk)).all() == [w["own"].id]
    credit_page = client.get("/planner/credit").get_data(as_text=True)
    assert w["own"].entity_name in credit_page
    export = client.get("/planner/credit/export.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == w["own"].uscc
    # follow-up from the planner list: overdue first
    listing = client.get("/planner/rectifications").get_data(as_text=True)
    assert listing.index(f'rect-{w["rect"][w["own"].id]}') < listing.index("</table>")
    assert "已逾期" in listing
    r = client.post(f"/planner/rectifications/{w['rect'][w['own'].id]}",
                    data={"state": "rectified", "done_on": "2030-03-09", "note": "已整改"})
    assert r.status_code == 302
    s.expire_all()
    assert s.get(Rectification, w["rect"][w["own"].id]).state == "rectified"
    assert client.post("/planner/rectifications/999999", data={"state": "rectified"}).status_code == 404


def test_approve_through_the_page(app, world):
    client = client_for(app, "scjg")
    w, s = world, world["s"]
    r = client.post(f"/planner/results/{w['first'].id}/approve")
    assert r.status_code == 302
    assert "检查结果已审核通过" in client.get(r.headers["Location"]).get_data(as_text=True)
    s.expire_all()
    assert s.exec(select(VisitResult).where(VisitResult.visit_pk == w["first"].id)).one().state == "approved"
    # a second approval (another reviewer, a moment later) is a flash, never a 500
    r = client.post(f"/planner/results/{w['first'].id}/approve")
    assert r.status_code == 302


def test_unknown_and_unsealed_are_404(app, world):
    client = client_for(app, "scjg")
    s, draw = world["s"], world["draw"]
    assert client.get("/planner/results/999999").status_code == 404
    assert client.post("/planner/results/999999/approve").status_code == 404
    assert client.get("/planner/draws/999999/results").status_code == 404
    assert f"/planner/draws/{draw.id}/results" in client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    draw.cancelled_at = draw.created_at
    s.add(draw)
    s.commit()
    assert client.get(f"/planner/draws/{draw.id}/results").status_code == 404
    assert client.get(f"/planner/results/{world['first'].id}").status_code == 404
    assert f"/planner/draws/{draw.id}/results" not in client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)


def test_inspector_followup_page_shows_own_visits_only(app, world):
    w, s = world, world["s"]
    client = client_for(app, "member")
    page = client.get("/inspector/rectifications")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'rect-{w["rect"][w["own"].id]}' in text and f'rect-{w["rect"][w["other"].id]}' not in text
    assert w["other"].entity_name not in text
    # another team's rectification: 404, and nothing changes
    r = client.post("/inspector/rectifications", data={"rectification": str(w["rect"][w["other"].id]),
                                                       "state": "not_rectified", "note": "x"})
    assert r.status_code == 404
    assert client.post("/inspector/rectifications", data={"rectification": "999999", "state": "rectified"}
                       ).status_code == 404
    # a refused follow-up keeps the typed values and names the problem
    mine = w["rect"][w["own"].id]
    r = client.post("/inspector/rectifications", data={"rectification": str(mine), "state": "rectified",
                                                       "done_on": "", "note": "已更换"})
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    assert "请填写整改完成日期" in text and "已更换" in text
    r = client.post("/inspector/rectifications", data={"rectification": str(mine), "state": "rectified",
                                                       "done_on": "2030-03-09", "note": "已更换"})
    assert r.status_code == 302
    s.expire_all()
    assert s.get(Rectification, mine).state == "rectified"
    assert s.get(Rectification, w["rect"][w["other"].id]).state == "pending"
    assert f"rect-{mine}" not in client.get("/inspector/rectifications").get_data(as_text=True)


@pytest.mark.parametrize("username", ["scjg", "admin"])
def test_planners_are_refused_on_the_inspector_page(app, world, username):
    client = client_for(app, username)
    assert client.get("/inspector/rectifications").status_code == 403
    assert client.post("/inspector/rectifications", data={"rectification": "1"}).status_code == 403


def test_pages_in_english(app, world):
    """The results pages render in English: no Chinese outside the data
    (entity, item, department and inspector names, reasons)."""
    import re

    client = client_for(app, "scjg")
    client.post("/lang/en", data={"next": "/"})
    w = world
    han = re.compile(r"[\u4e00-\u9fff]+")
    data_words = set()
    s = w["s"]
    from inspect_app.models import CheckItem, Department, Inspector

    for v in live_visits(s, w["draw"]):
        data_words |= set(han.findall(v.entity_name))
    for model, attr in ((CheckItem, "name"), (Department, "name"), (Inspector, "name")):
        for row in s.exec(select(model)):
            data_words |= set(han.findall(getattr(row, attr)))
    data_words |= {"备注", "中文"}  # the rows' remark text; the language switch
    for url in (f"/planner/draws/{w['draw'].id}/results", f"/planner/results/{w['first'].id}",
                f"/planner/results/{w['own'].id}", "/planner/rectifications", "/planner/credit"):
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.get_data(as_text=True)
        body = body[body.index("<main>"):]
        leftover = set(han.findall(body)) - data_words
        assert not leftover, (url, leftover)
    assert "Approve" in client.get(f"/planner/results/{w['first'].id}").get_data(as_text=True)
