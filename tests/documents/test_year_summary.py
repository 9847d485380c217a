"""The year's summary (年度抽查工作总结, issue 11): the public figures page
(``/figures/<year>``) as a document — its headings, figures, per-month and
per-department tables and charts in the named CJK fonts, a glyph for every
character; built from published records only (an unpublished result, a
follow-up of an unpublished visit and a superseded revision change nothing
in it, not even its rendering); the same PDF for anonymous, inspector,
planner and admin; 404 where the page is 404; linked from the page."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from documents.conftest import publish, visits_of
from documents.pdf_checks import assert_document, first_page_png, squeeze, text_of
from documents.test_document_access import ROLES, accounts, as_role  # noqa: F401  (the accounts fixture)
from inspect_app.document_models import Document
from inspect_app.models import CheckItem, PublishedResult
from inspect_app.services import year_figures
from inspect_app.services.documents import year_summary
from inspect_app.visit_models import CreditMark, Rectification, VisitResult

URL = "/figures/2030/summary.pdf"
HEADINGS = ["一、主要数据", "二、每月完成的检查（已公示）", "三、各部门公示的检查次数", "四、图表", "五、数据来源",
            "组织抽取（摇号）次数", "公示的检查次数", "其中联合检查（综合查一次）的对象", "发现问题的检查事项",
            "责令整改的检查事项", "已整改的检查事项", "按时（在检查完成后的公示期限内）公示的检查结果",
            "推送信用监管的检查对象", "以上数据只根据已经公开的信息计算", "数据截至"]


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    assert response.mimetype == "application/pdf"
    return response.data


def documents(session) -> list[tuple[str, str, str]]:
    session.commit()
    session.expire_all()
    return [(d.kind, d.key, d.digest) for d in session.exec(select(Document).order_by(Document.id))]


def test_the_year_summary(sealed, client, backend):
    s, plan, tasks, draw = sealed
    rows = publish(s, draw, tasks[0])
    current = [r for r in rows if r.current]
    # figures that are not zero: problems, a joint record, one published late
    current[0].problems, current[0].ordered = 3, 2
    current[1].departments, current[1].joint = ["SCJG", "CGJ"], True
    for n, row in enumerate(current):
        row.on_time = n != 2
        s.add(row)
    s.commit()
    f = year_figures.figures(s, 2030)
    assert f.checks == len(current) >= 4 and f.draws_held == 1
    assert (f.problems, f.ordered, f.entities_joint, f.on_time, f.on_time_known) == (3, 2, 1, len(current) - 1,
                                                                                    len(current))
    on_time = f"{f.on_time}/{f.on_time_known}条（{100 * f.on_time / f.on_time_known:.1f}%）"
    pdf = pdf_of(client.get(URL))
    text = assert_document(pdf, [
        "全部部门2030年度“双随机、一公开”抽查工作总结", *HEADINGS, "市场监督管理局",
        f"公示检查结果{f.checks}次", f"检查对象{f.entities}户", "组织抽取（摇号）1次", "2030年3月",
        "发现问题的检查事项3项", "责令整改的检查事项2项", f"1户（占{100 / f.entities:.1f}%）", on_time,
        "城市管理局", "发现问题的检查事项3项，责令整改2项，已整改0项",
        f"数据截至{date.today().year}年{date.today().month}月{date.today().day}日",
        "每月完成的检查（已公示）", "发现问题、责令整改和已整改", "检查对象：联合检查的比例", "第1页"])
    assert f"2030年3月{f.checks}" in text  # the month's row
    assert f"市场监督管理局{f.checks}" in text and "城市管理局1" in text  # the departments' rows
    if backend == "sqlite":
        first_page_png(pdf, "year-summary")
    # one department: no per-department table, its name in the title
    one = pdf_of(client.get(URL + "?department=SCJG"))
    text = assert_document(one, ["市场监督管理局2030年度“双随机、一公开”抽查工作总结", "一、主要数据", "三、图表",
                                 "四、数据来源", "各部门数字之和可能大于合计"])
    assert "各部门公示的检查次数" not in text
    # another department: only its (joint) record
    other = squeeze(text_of(pdf_of(client.get(URL + "?department=CGJ"))))
    assert "城市管理局2030年度" in other and "公示检查结果1次" in other
    # a year with neither a published plan nor a record: nothing to sum up, nothing rendered or stored
    assert client.get("/figures/2031/summary.pdf").status_code == 404
    assert client.get("/figures/2999/summary.pdf").status_code == 404


def test_what_is_not_published_changes_nothing(sealed, client):
    s, plan, tasks, draw = sealed
    rows = publish(s, draw, tasks[0], rows=2)
    before = pdf_of(client.get(URL))
    cached = documents(s)
    assert [k for k, _key, _d in cached] == ["year_summary"]
    data = year_summary.data(s, 2030)
    # results of unpublished visits in every state, with follow-ups
    published = {r.visit_pk for r in rows}
    hidden = [v for v in visits_of(s, draw) if v.id not in published][:4]
    item = s.exec(select(CheckItem.id)).first()
    for visit, state in zip(hidden, ("draft", "submitted", "returned", "approved")):
        s.add(VisitResult(visit_pk=visit.id, state=state, code_version=1, completed_on=date(2030, 3, 12)))
        s.add(Rectification(visit_pk=visit.id, item_id=item, uscc=visit.uscc, department="SCJG",
                            deadline=date(2030, 4, 30), state="rectified"))
        s.add(CreditMark(visit_pk=visit.id, uscc=visit.uscc, department="SCJG", reason_code="refused", reason="拒绝检查"))
    # a superseded revision with problems
    old = rows[0]
    s.add(PublishedResult(visit_pk=old.visit_pk, result_id=old.result_id, draw_id=old.draw_id, revision=9,
                          current=False, uscc=old.uscc, entity_name="旧版本", district=old.district,
                          plan_id=old.plan_id, year=2030, departments=["SCJG", "CGJ"], lead_department="SCJG",
                          joint=True, completed_on=date(2030, 5, 1), problems=7, ordered=7, items=[], code_version=1))
    s.commit()
    assert year_summary.data(s, 2030) == data
    assert client.get(URL).data == before
    assert documents(s) == cached  # not rendered anew
    # a newly published record is a new digest: rendered anew, the older rendering dropped
    publish(s, draw, tasks[0], rows=1, start=len(rows) + 4)
    after = pdf_of(client.get(URL))
    assert after != before
    [(kind, key, digest)] = documents(s)
    assert (kind, key) == ("year_summary", "year:2030:all") and digest != cached[0][2]


def test_everyone_gets_the_same_summary(sealed, accounts, client):  # noqa: F811
    s, _plan, tasks, draw = sealed
    publish(s, draw, tasks[0], rows=3)
    for url in (URL, URL + "?department=SCJG"):
        bodies = set()
        for role in ROLES:
            as_role(client, role)
            r = client.get(url)
            assert r.status_code == 200 and r.mimetype == "application/pdf", (role, url)
            if role == "anonymous":  # (a logged-in answer is no-store, whatever the page)
                assert r.headers["Cache-Control"] == "public, max-age=300"
            bodies.add(r.data)
        assert len(bodies) == 1, url
    for url in ("/figures/99999/summary.pdf", "/figures/1989/summary.pdf", URL + "?department=NOPE"):
        for role in ROLES:
            as_role(client, role)
            assert client.get(url).status_code == 404, (role, url)
            page = url.replace("/summary.pdf", "")
            assert client.get(page).status_code == 404, (role, page)


def test_the_figures_page_links_the_summary_in_english(sealed, client):
    """(The first request of the test: the fixture's app context would keep
    the first language's catalogue.)"""
    english = client.get("/figures/2030?lang=en").get_data(as_text=True)
    assert "Download the year&#39;s summary (PDF)" in english or "Download the year's summary (PDF)" in english


def test_the_figures_page_links_the_summary(sealed, client):
    page = client.get("/figures/2030").get_data(as_text=True)
    assert 'href="/figures/2030/summary.pdf"' in page and "下载年度总结（PDF）" in page
    page = client.get("/figures/2030?department=SCJG").get_data(as_text=True)
    assert 'href="/figures/2030/summary.pdf?department=SCJG"' in page
