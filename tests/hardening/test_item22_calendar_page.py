"""Issue 8, item 22: admins import a new year's calendar (the State Council's
notice) on a page: upload, preview of the days it changes, confirm.

The page uses the CLI's service (``services/calendar.py``: ``parse_notice``
for the preview, ``import_notice`` for the import), is admin-only, bounds the
upload, and refuses bad rows naming row, field and reason, writing nothing.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlmodel import select

from inspect_app.models import CalendarDay, CalendarYear
from inspect_app.services import calendar as cal

SOURCE = "国务院办公厅关于2031年部分节假日安排的通知"
# 2031-01-01 is a Wednesday; 2031-01-25 a Saturday; 2031-10-01 a Wednesday, 10-04/05 Sat/Sun.
NOTICE = """日期,类型,名称
2031-01-01,放假,元旦
2031-01-25,上班,春节
2031-10-01~2031-10-07,放假,国庆节
2031-10-11,上班,国庆节
"""


@pytest.fixture
def admin(auth):
    auth.create("boss", "admin")
    auth.login("boss", role="admin")
    return auth


def preview(client, text: str | bytes = NOTICE, year: str = "2031", source: str = SOURCE, filename="notice.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/admin/calendar/preview", content_type="multipart/form-data",
                       data={"year": year, "source": source, "file": (io.BytesIO(data), filename)})


def confirm_form(html: str) -> dict:
    form = html.split('id="calendar-confirm"')[1].split("</form>")[0]
    values = dict(re.findall(r'<input type="hidden" name="(year|source|digest)" value="([^"]*)"', form))
    notice = re.search(r"<textarea name=\"notice\"[^>]*>(.*?)</textarea>", form, re.S).group(1)
    import html as html_lib

    values = {k: html_lib.unescape(v) for k, v in values.items()}
    values["notice"] = html_lib.unescape(notice).replace("\n", "\r\n")  # as a browser sends a textarea
    return values


def stored(db_session, year: int) -> dict:
    db_session.expire_all()
    return {d.day: d.kind for d in db_session.exec(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))}


def test_the_calendar_page_is_admin_only(app, client, auth):
    from inspect_app.db import get_session
    from inspect_app.models import Department, District, Inspector

    urls = [("GET", "/admin/calendar"), ("POST", "/admin/calendar/preview"), ("POST", "/admin/calendar/import")]
    for method, url in urls:  # anonymous: to the login page
        r = client.open(url, method=method)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    with app.app_context():
        session = get_session()
        session.add(Department(id="SCJG", name="市场监督管理局"))
        session.add(District(code="350181", name="福清市", level=3))
        session.add(Inspector(id="E001", name="张三", department="SCJG", district="350181"))
        session.commit()
    auth.create("insp", "inspector", inspector="E001")
    auth.create("plan", "planner", department="SCJG")
    for user in ("insp", "plan"):
        client.post("/logout")
        assert auth.login(user).status_code == 302
        for method, url in urls:
            assert client.open(url, method=method).status_code == 403, (user, url)
    with app.app_context():
        assert get_session().exec(select(CalendarYear)).all() == []


def test_the_access_walk_covers_the_calendar_routes(app):
    from test_access import guarded_requests

    endpoints = {endpoint for endpoint, _, _ in guarded_requests(app)}
    assert {"admin.calendar", "admin.calendar_preview", "admin.calendar_import"} <= endpoints


def test_upload_preview_confirm(client, db_session, admin):
    cal.import_notice(db_session, 2030, "date,kind\n2030-01-01,holiday\n", "旧通知")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert 'id="calendar-upload"' in page and "2030" in page.split('id="calendar-years"')[1] and "旧通知" in page

    r = preview(client)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    holidays = html.split('id="holidays"')[1].split("</ul>")[0]
    workdays = html.split('id="workdays"')[1].split("</ul>")[0]
    assert "2031-01-01" in holidays and "2031-10-01" in holidays and "2031-10-07" in holidays
    assert "2031-10-04" not in holidays  # a Saturday: off anyway
    assert "2031-01-25" in workdays and "2031-10-11" in workdays
    assert 'id="replaces"' not in html
    assert stored(db_session, 2031) == {} and db_session.get(CalendarYear, 2031) is None  # preview writes nothing

    r = client.post("/admin/calendar/import", data=confirm_form(html))
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/calendar")
    days = stored(db_session, 2031)
    assert days[date(2031, 1, 1)] == "holiday" and days[date(2031, 1, 25)] == "workday"
    assert len(days) == 1 + 5 + 2  # Oct 1-3, 6-7 are weekdays
    assert db_session.get(CalendarYear, 2031).source == SOURCE
    assert SOURCE in client.get("/admin/calendar").get_data(as_text=True)


def test_preview_of_a_known_year_shows_what_changes(client, db_session, admin):
    cal.import_notice(db_session, 2031, NOTICE, SOURCE)
    revised = NOTICE.replace("2031-10-11,上班,国庆节\n", "") + "2031-05-02,放假,劳动节\n"
    html = preview(client, revised, source="修订通知").get_data(as_text=True)
    assert 'id="replaces"' in html and SOURCE in html
    changes = html.split('id="changes"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)", changes)
    assert rows == ["2031-05-02", "2031-10-11"]  # new holiday; make-up day dropped
    unchanged = preview(client).get_data(as_text=True)
    assert 'id="no-changes"' in unchanged
    assert stored(db_session, 2031)[date(2031, 10, 11)] == "workday"


def test_bad_rows_are_listed_and_nothing_is_written(client, db_session, admin):
    bad = ("日期,类型,名称\n"
           "2031-13-01,放假,x\n"           # row 2: no such date
           "2031-03-04,上班,x\n"           # row 3: make-up day on a Tuesday
           "2031-05-01,放假,劳动\u202e节\n")  # row 4: a bidi control character in the name
    r = preview(client, bad)
    assert r.status_code == 422
    table = r.get_data(as_text=True).split('id="calendar-errors"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\d*)</td><td>(\w+)</td>", table)
    assert rows == [("2", "date"), ("3", "date"), ("4", "name")]
    assert "U+202E" in table
    assert db_session.get(CalendarYear, 2031) is None


@pytest.mark.parametrize("year, source, field", [("20x1", SOURCE, "year"), ("2031", "", "source"),
                                                 ("2031", "通知\x07", "source")])
def test_bad_form_fields(client, db_session, admin, year, source, field):
    r = preview(client, year=year, source=source)
    assert r.status_code == 400
    if "\x07" in source:  # refused by the request-value check (inspect_app/validation.py) before the page
        assert f"参数 {field} 含有不允许的字符" in r.get_data(as_text=True)
    else:
        assert f'data-field="{field}"' in r.get_data(as_text=True)
    assert db_session.exec(select(CalendarYear)).all() == []


def test_the_upload_is_size_bound(client, db_session, admin):
    big = NOTICE + "".join(f"2031-12-{1 + n % 28:02d},放假,{'x' * 40}\n" for n in range(2000))
    assert len(big.encode()) > 64 * 1024
    r = preview(client, big)
    assert r.status_code == 400 and 'data-field="file"' in r.get_data(as_text=True)
    assert "64 KB" in r.get_data(as_text=True)


def test_the_confirmation_imports_only_what_was_previewed(client, db_session, admin):
    form = confirm_form(preview(client).get_data(as_text=True))
    tampered = form | {"notice": form["notice"] + "2031-12-01,放假,加塞\r\n"}
    assert client.post("/admin/calendar/import", data=tampered).status_code == 400
    assert client.post("/admin/calendar/import", data=form | {"year": "2032"}).status_code == 400
    assert db_session.get(CalendarYear, 2031) is None and db_session.get(CalendarYear, 2032) is None


def test_gbk_files_are_accepted(client, db_session, admin):
    html = preview(client, NOTICE.encode("gbk")).get_data(as_text=True)
    assert client.post("/admin/calendar/import", data=confirm_form(html)).status_code == 302
    assert stored(db_session, 2031)[date(2031, 1, 1)] == "holiday"
