"""Planner registry pages: access, lists with search/filters/pagination,
details, edit forms (import validation rules, item versioning), upload and
export. Runs on SQLite and PostgreSQL (the ``app`` fixture)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from inspect_app.models import (CheckItem, CheckRecord, Conflict, Department, District, Entity, Inspector,
                                InspectorLeave, PairConflict)
from inspect_app.services.uscc import with_check_character

TODAY = date.today()


def uscc(n: int, region: str = "350181") -> str:
    return with_check_character(f"91{region}MA{n:07d}")


E1, E2, E3 = uscc(1), uscc(2), uscc(3, "350203")


@pytest.fixture
def data(app):
    from inspect_app.db import get_session

    with app.app_context():
        s = get_session()
        s.add_all([Department(id="SCJG", name="市场监督管理局"), Department(id="CGJ", name="城市管理局")])
        s.add_all([District(code="350181", name="福清市", level=3),
                   District(code="350181001", name="音西街道", parent_code="350181", level=4),
                   District(code="350203", name="思明区", level=3)])
        s.flush()
        s.add_all([
            Entity(uscc=E1, name="福清市海鲜餐饮有限公司", district="350181001", risk="B", industry="餐饮业"),
            Entity(uscc=E2, name="福清市融侨科技有限公司", district="350181", risk="C", lists=["abnormal"]),
            Entity(uscc=E3, name="厦门思明贸易商行", district="350203", risk="D", status="注销", active=False),
        ])
        s.add_all([
            Inspector(id="E001", name="张三", department="SCJG", district="350181", qualifications=["food"],
                      certificate_no="FJ001", certificate_expires=TODAY + timedelta(days=400)),
            Inspector(id="E002", name="李四", department="SCJG", district="350181001", qualifications=["food", "drug"],
                      certificate_expires=TODAY + timedelta(days=30)),
            Inspector(id="E003", name="王五", department="CGJ", district="350203",
                      certificate_expires=TODAY - timedelta(days=1), active=False),
        ])
        s.add_all([
            CheckItem(code="SCJG-01", department="SCJG", name="食品经营许可检查", published=True),
            CheckItem(code="CGJ-01", department="CGJ", name="户外广告设置检查", published=False),
        ])
        s.flush()
        s.add_all([
            Conflict(inspector="E001", uscc=E1, reason="亲属", declared_on=date(2026, 1, 5)),
            PairConflict(a="E001", b="E002", reason="夫妻"),
            InspectorLeave(inspector="E002", start=date(2026, 3, 1), end=date(2026, 3, 10), reason="年假"),
            CheckRecord(uscc=E1, department="SCJG", checked_on=date(2025, 6, 1), inspectors=["E001", "E002"],
                        source="2025-Q2-01"),
        ])
        s.commit()
        ids = {
            "conflict": s.exec(sa.select(Conflict.id)).scalar_one(),
            "pair": s.exec(sa.select(PairConflict.id)).scalar_one(),
            "leave": s.exec(sa.select(InspectorLeave.id)).scalar_one(),
        }
    return ids


def page_urls(ids) -> list[str]:
    base = "/planner/registries"
    return [
        f"{base}/", f"{base}/entities/", f"{base}/entities/{E1}", f"{base}/entities/{E1}/edit",
        f"{base}/inspectors/", f"{base}/inspectors/E001", f"{base}/inspectors/E001/edit",
        f"{base}/items/", f"{base}/items/SCJG-01", f"{base}/items/SCJG-01/edit",
        f"{base}/departments/", f"{base}/departments/SCJG", f"{base}/districts/", f"{base}/districts/350181",
        f"{base}/conflicts/", f"{base}/conflicts/{ids['conflict']}",
        f"{base}/pair_conflicts/", f"{base}/pair_conflicts/{ids['pair']}",
        f"{base}/leaves/", f"{base}/leaves/{ids['leave']}",
        *(f"{base}/upload/{kind}" for kind in ("entities", "inspectors", "items", "departments", "districts",
                                               "conflicts", "pair_conflicts", "leaves")),
    ]


def text(response) -> str:
    return response.get_data(as_text=True)


# --- access --------------------------------------------------------------------

def test_every_page_renders_for_a_planner(client, auth, data):
    auth.login()
    for url in page_urls(data):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "<h1>" in text(r), url


def test_pages_render_in_english(client, auth, data):
    auth.login()
    client.post("/lang/en", data={"next": "/"})
    body = text(client.get("/planner/registries/entities/"))
    assert "Entity registry" in body and "检查对象名录库" not in body


def test_anonymous_users_are_sent_to_login(client, data):
    for url in page_urls(data) + ["/planner/registries/export/entities.csv"]:
        r = client.get(url)
        assert r.status_code == 302, url
        assert "/login" in r.headers["Location"], url


def test_inspectors_get_403_everywhere(client, auth, data):
    auth.create("insp", "inspector", inspector="E001")
    auth.login("insp", role="inspector")
    for url in page_urls(data) + ["/planner/registries/export/entities.csv"]:
        assert client.get(url).status_code == 403, url
    for url in (f"/planner/registries/entities/{E1}/edit", "/planner/registries/upload/entities",
                "/planner/registries/items/SCJG-01/edit", "/planner/registries/inspectors/E001/edit"):
        assert client.post(url, data={}).status_code == 403, url


def test_unknown_records_are_404(client, auth, data):
    auth.login()
    for url in ("/planner/registries/entities/91350181MA0000000X", "/planner/registries/inspectors/E999",
                "/planner/registries/items/NOPE", "/planner/registries/upload/nothing",
                "/planner/registries/export/entities.pdf", "/planner/registries/conflicts/999999"):
        assert client.get(url).status_code == 404, url


# --- entity list -----------------------------------------------------------------

def listed(body: str) -> list[str]:
    return [u for u in (E1, E2, E3) if f">{u}</code>" in body]


def test_entity_search_by_uscc_and_name(client, auth, data):
    auth.login()
    assert listed(text(client.get(f"/planner/registries/entities/?q={E2.lower()}"))) == [E2]
    assert listed(text(client.get("/planner/registries/entities/?q=融侨科技"))) == [E2]
    body = text(client.get("/planner/registries/entities/?q=海鲜"))  # two characters: scan fallback
    assert listed(body) == [E1]
    assert 'id="short-query-note"' in body
    assert 'id="no-results"' in text(client.get("/planner/registries/entities/?q=不存在的名称"))


@pytest.mark.parametrize("query, expected", [
    ("district=350181", [E1, E2]),
    ("district=350181001", [E1]),
    ("risk=C", [E2]),
    ("status=注销", [E3]),
    ("active=0", [E3]),
    ("industry=餐饮业", [E1]),
    ("list=abnormal", [E2]),
    ("list=*", [E2]),
    ("district=3501&risk=B", [E1]),
    ("risk=Z", [E1, E2, E3]),  # unknown values are ignored, not an error
])
def test_entity_filters(client, auth, data, query, expected):
    auth.login()
    assert listed(text(client.get(f"/planner/registries/entities/?{query}"))) == expected


def test_entity_pagination(app, client, auth, data):
    app.config["PAGE_SIZE"] = 2
    auth.login()
    first = text(client.get("/planner/registries/entities/"))
    assert listed(first) == [E1, E2]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "共 3 条" in first
    second = text(client.get("/planner/registries/entities/?page=2"))
    assert listed(second) == [E3]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # the filters survive paging
    filtered = text(client.get("/planner/registries/entities/?district=35&page=1"))
    next_href = re.search(r'href="([^"]+)" rel="next"', filtered).group(1)
    assert "district=35" in next_href and "page=2" in next_href
    assert listed(text(client.get("/planner/registries/entities/?page=abc"))) == [E1, E2]


def test_entity_detail_shows_conflicts_and_check_history(client, auth, data):
    auth.login()
    body = text(client.get(f"/planner/registries/entities/{E1}"))
    conflicts = body.split('id="conflicts"')[1].split("</table>")[0]
    assert "E001" in conflicts and "亲属" in conflicts
    checks = body.split('id="checks"')[1].split("</table>")[0]
    assert "2025-06-01" in checks and "2025-Q2-01" in checks and "E002" in checks


# --- other lists -------------------------------------------------------------------

def ids_in(body: str, candidates) -> list[str]:
    return [c for c in candidates if f">{c}</a>" in body]


@pytest.mark.parametrize("query, expected", [
    ("", ["E001", "E002", "E003"]),
    ("department=SCJG", ["E001", "E002"]),
    ("district=350181", ["E001", "E002"]),
    ("qualification=drug", ["E002"]),
    ("certificate=expired", ["E003"]),
    ("certificate=expiring", ["E002"]),
    ("certificate=valid", ["E001"]),
    ("active=0", ["E003"]),
    ("q=李四", ["E002"]),
])
def test_inspector_filters(client, auth, data, query, expected):
    auth.login()
    body = text(client.get(f"/planner/registries/inspectors/?{query}"))
    assert ids_in(body.split("<tbody>")[1] if "<tbody>" in body else "", ["E001", "E002", "E003"]) == expected


def test_inspector_detail(client, auth, data):
    auth.login()
    body = text(client.get("/planner/registries/inspectors/E002"))
    assert "2026-03-10" in body.split('id="leaves"')[1]
    assert "E001" in body.split('id="pair-conflicts"')[1] and "夫妻" in body
    assert "90天内到期" in body.split('id="certificate-state"')[1].split("</td>")[0]
    expired = text(client.get("/planner/registries/inspectors/E003"))
    assert "已过期" in expired.split('id="certificate-state"')[1]
    own = text(client.get("/planner/registries/inspectors/E001"))
    assert E1 in own.split('id="conflicts"')[1]


def test_item_list_filters(client, auth, data):
    auth.login()
    body = text(client.get("/planner/registries/items/?published=1"))
    assert "SCJG-01" in body and "CGJ-01" not in body
    body = text(client.get("/planner/registries/items/?department=CGJ"))
    assert "CGJ-01" in body and "SCJG-01" not in body


def test_small_registry_lists(client, auth, data):
    auth.login()
    assert "城市管理局" in text(client.get("/planner/registries/departments/?q=城市"))
    assert "市场监督管理局" not in text(client.get("/planner/registries/departments/?q=城市")).split("<tbody>")[1]
    districts = text(client.get("/planner/registries/districts/?parent=350181"))
    assert "音西街道" in districts and "思明区" not in districts
    assert "思明区" in text(client.get("/planner/registries/districts/?q=3502"))
    assert E1 in text(client.get("/planner/registries/conflicts/?inspector=E001"))
    assert E1 not in text(client.get("/planner/registries/conflicts/?inspector=E002"))
    assert "夫妻" in text(client.get("/planner/registries/pair_conflicts/?inspector=E002"))
    assert "年假" in text(client.get("/planner/registries/leaves/?on=2026-03-05"))
    assert "年假" not in text(client.get("/planner/registries/leaves/?on=2026-04-05"))
    assert "YYYY-MM-DD" in text(client.get("/planner/registries/leaves/?on=5.3.2026"))


# --- edit forms ------------------------------------------------------------------

ENTITY_FORM = {"name": "福清市海鲜餐饮有限公司", "type": "有限责任公司", "legal_rep": "陈六", "address": "福清市音西街道1号",
               "district": "350181001", "industry": "餐饮业", "status": "存续", "risk": "A",
               "lists": "abnormal；serious", "tags": "restaurant", "active": "y"}


def entity_row(app, code):
    from inspect_app.db import get_session

    with app.app_context():
        s = get_session()
        return s.exec(sa.select(Entity).where(Entity.uscc == code)).scalars().one()


def test_edit_entity_saves(app, client, auth, data):
    auth.login()
    r = client.post(f"/planner/registries/entities/{E1}/edit", data=ENTITY_FORM)
    assert r.status_code == 302
    e = entity_row(app, E1)
    assert (e.risk, e.legal_rep, e.lists, e.tags, e.active) == ("A", "陈六", ["abnormal", "serious"],
                                                                  ["restaurant"], True)


def test_edit_entity_errors_per_field_change_nothing(app, client, auth, data):
    auth.login()
    bad = ENTITY_FORM | {"district": "999999", "risk": "Q", "name": ""}
    r = client.post(f"/planner/registries/entities/{E1}/edit", data=bad)
    assert r.status_code == 422
    body = text(r)
    errors = {part.split('"', 1)[0]: part.split(">", 1)[1].split("</div>")[0]
              for part in body.split('data-field="')[1:]}
    assert set(errors) == {"district", "risk", "name"}
    assert "999999" in errors["district"]
    assert "A、B、C、D" in errors["risk"]
    assert "必填" in errors["name"]
    assert "未保存" in body
    e = entity_row(app, E1)
    assert (e.name, e.risk, e.district) == ("福清市海鲜餐饮有限公司", "B", "350181001")


def test_edit_form_is_prefilled(client, auth, data):
    auth.login()
    body = text(client.get("/planner/registries/inspectors/E002/edit"))
    assert 'value="李四"' in body and "food；drug" in body
    assert (TODAY + timedelta(days=30)).isoformat() in body


def test_edit_inspector_validates_dates_and_department(app, client, auth, data):
    from inspect_app.db import get_session

    auth.login()
    form = {"name": "张三", "department": "NOPE", "district": "350181", "certificate_no": "FJ001",
            "certificate_expires": "2027-02-30", "qualifications": "food", "specialities": "",
            "active": "y", "max_visits": "-3"}
    r = client.post("/planner/registries/inspectors/E001/edit", data=form)
    assert r.status_code == 422
    body = text(r)
    for field in ("department", "certificate_expires", "max_visits"):
        assert f'data-field="{field}"' in body
    ok = form | {"department": "CGJ", "certificate_expires": "2027-02-28", "max_visits": "12"}
    del ok["active"]  # unchecked box
    assert client.post("/planner/registries/inspectors/E001/edit", data=ok).status_code == 302
    with app.app_context():
        i = get_session().get(Inspector, "E001")
        assert (i.department, i.certificate_expires, i.max_visits, i.active) == ("CGJ", date(2027, 2, 28), 12, False)


ITEM_FORM = {"department": "SCJG", "name": "食品经营许可检查（2027版）", "legal_basis": "《食品安全法》",
             "content": "许可证", "method": "现场检查", "qualification": "food", "ratio_a": "1%",
             "ratio_b": "0.03", "ratio_c": "0.1", "ratio_d": "0.3", "frequency": "每年一次", "published": "y"}


def item_rows(app, code):
    from inspect_app.db import get_session

    with app.app_context():
        return get_session().exec(sa.select(CheckItem).where(CheckItem.code == code)
                                  .order_by(CheckItem.version)).scalars().all()


def test_editing_a_published_item_creates_a_version(app, client, auth, data):
    auth.login()
    r = client.post("/planner/registries/items/SCJG-01/edit", data=ITEM_FORM)
    assert r.status_code == 302
    old, new = item_rows(app, "SCJG-01")
    assert (old.version, old.current, old.name, old.published) == (1, False, "食品经营许可检查", True)
    assert (new.version, new.current, new.name, new.ratio_a) == (2, True, "食品经营许可检查（2027版）", "0.01")
    body = text(client.get("/planner/registries/items/SCJG-01"))
    versions = body.split('id="versions"')[1]
    assert "v1" in versions and "v2" in versions
    assert 'id="old-version"' in text(client.get("/planner/registries/items/SCJG-01?version=1"))
    listing = text(client.get("/planner/registries/items/"))
    assert "食品经营许可检查（2027版）" in listing and "食品经营许可检查</td>" not in listing
    assert "食品经营许可检查</td>" in text(client.get("/planner/registries/items/?all=1"))


def test_editing_an_unpublished_item_changes_it_in_place(app, client, auth, data):
    auth.login("cgj-planner", department="CGJ")  # CGJ's item: CGJ's planner (services/scope.py)
    form = ITEM_FORM | {"department": "CGJ", "name": "户外广告设施检查"}
    del form["published"]
    assert client.post("/planner/registries/items/CGJ-01/edit", data=form).status_code == 302
    (item,) = item_rows(app, "CGJ-01")
    assert (item.version, item.name, item.published) == (1, "户外广告设施检查", False)


def test_item_edit_rejects_bad_ratio(app, client, auth, data):
    auth.login()
    r = client.post("/planner/registries/items/SCJG-01/edit", data=ITEM_FORM | {"ratio_c": "1.5"})
    assert r.status_code == 422
    assert 'data-field="ratio_c"' in text(r)
    assert len(item_rows(app, "SCJG-01")) == 1


# --- upload and export -------------------------------------------------------------

def entity_count(app) -> int:
    from inspect_app.db import get_session

    with app.app_context():
        return get_session().exec(sa.select(sa.func.count()).select_from(Entity)).scalar_one()


def upload(client, kind, content: bytes, filename: str, sync: bool = False):
    """Upload and follow to the import job's page; the job runs inline
    (uploads are background jobs since issue 8, item 6)."""
    client.application.config["IMPORT_RUNNER"] = "inline"
    data = {"file": (io.BytesIO(content), filename)}
    if sync:
        data["sync"] = "y"
    return client.post(f"/planner/registries/upload/{kind}", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def test_upload_with_errors_lists_every_row_and_changes_nothing(app, client, auth, data):
    auth.login()
    bad_check = E1[:-1] + ("0" if E1[-1] != "0" else "1")
    content = ("统一社会信用代码,名称,行政区划,信用风险分类\n"
               f"{uscc(10)},新主体甲,350181,A\n"
               f"{bad_check},校验码错误,350181,B\n"
               f"{uscc(11)},区划不存在,999999,B\n"
               f"{uscc(12)},风险错误,350181,E\n").encode("utf-8")
    r = upload(client, "entities", content, "bad.csv")
    assert r.status_code == 200  # the job's page (the report of a finished job)
    body = text(r)
    assert 'id="import-failed"' in body and "未导入任何数据" in body
    table = body.split('id="import-errors"')[1].split("</table>")[0]
    rows = [tr.split("<td>")[1:] for tr in table.split("<tr>")[2:]]
    assert [(cells[0].split("<")[0], cells[1].split("<")[0]) for cells in rows] == [
        ("3", "统一社会信用代码"), ("4", "行政区划"), ("5", "信用风险分类")]
    assert bad_check in table and "999999" in table
    assert entity_count(app) == 3  # the valid first row did not land either


def test_upload_of_a_good_gbk_file_lands(app, client, auth, data):
    auth.login()
    content = ("统一社会信用代码,名称,行政区划,信用风险分类,登记状态\n"
               f"{uscc(20)},福清市新开餐饮店,350181001,C,在业\n"
               f"{E1},福清市海鲜餐饮有限公司（更名）,350181001,B,存续\n").encode("gbk")
    r = upload(client, "entities", content, "good.csv")
    assert r.status_code == 200
    body = text(r)
    assert 'id="import-ok"' in body and "新增 1" in body and "更新 1" in body
    assert entity_row(app, uscc(20)).risk == "C"
    assert entity_row(app, E1).name == "福清市海鲜餐饮有限公司（更名）"


def test_upload_xlsx_in_sync_mode_marks_missing_inactive(app, client, auth, data):
    auth.login()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["uscc", "name", "district"])
    ws.append([E1, "福清市海鲜餐饮有限公司", "350181001"])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(client, "entities", buf.getvalue(), "full.xlsx", sync=True)
    assert r.status_code == 200, text(r)
    # A sync import is previewed first and applied only when confirmed (item 10).
    assert 'id="import-preview"' in text(r) and entity_row(app, E2).active is True
    r = client.post(r.request.path + "/confirm", follow_redirects=True)
    assert 'id="import-ok"' in text(r)
    assert entity_row(app, E2).active is False
    assert entity_row(app, E1).active is True


def test_upload_without_a_file_is_refused(client, auth, data):
    auth.login()
    r = client.post("/planner/registries/upload/entities", data={}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert "请选择文件" in text(r)


def test_export_csv_and_xlsx_parse_back(client, auth, data):
    auth.login()
    r = client.get("/planner/registries/export/entities.csv")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][0] == "统一社会信用代码"
    assert sorted(row[0] for row in rows[1:]) == sorted([E1, E2, E3])
    r = client.get("/planner/registries/export/inspectors.xlsx")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "工号"
    assert [v[0] for v in values[1:]] == ["E001", "E002", "E003"]
