"""The public results pages: the index, a task's bulletin, one record;
nothing unpublished leaks; the operator of an individual business appears
in no page source; 404s; every role sees the same public pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from inspect_app.models import Department, Plan, PublishedResult, Task
from inspect_app.services import plans, public_results, results, review

from .conftest import TODAY, approve, client_for, individual, joint_visit, live_visits, make_result

ROLES = (None, "member", "scjg", "admin")


def _task(s, draw, code):
    return s.exec(select(Task).where(Task.plan_id == draw.plan_id, Task.code == code)).one()


@pytest.fixture
def world(app, sealed, people):
    """An individual business's joint visit approved (then corrected), an
    ordinary visit approved, and one visit each in draft, submitted and
    returned."""
    s, draw = sealed
    visits = live_visits(s, draw)
    joint = joint_visit(s, draw)
    others = [v for v in visits if v.id != joint.id]
    individual(s, joint, "福清市张三丰小吃店")
    approve(s, draw, joint, people["admin"], codes={"SCJG-02": "0302"}, completed_on=date(2030, 3, 5))
    results.revise(s, None, joint.id, "企业公示信息检查结果更正", today=TODAY)
    results.submit(s, None, joint.id, today=TODAY)
    review.approve(s, people["admin"], joint.id, today=TODAY)
    approve(s, draw, others[0], people["admin"], completed_on=date(2030, 3, 4))
    hidden = others[1:4]
    for visit, state in zip(hidden, ("draft", "submitted", "returned")):
        make_result(s, draw, visit, state=state)
    s.expire_all()
    return {"joint": joint, "plain": others[0], "hidden": hidden}


def test_index_lists_plans_tasks_and_counts(app, sealed, world):
    s, draw = sealed
    page = app.test_client().get("/results/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    plan = s.get(Plan, draw.plan_id)
    assert plan.number in html and "食品经营抽查" in html and "市场与城管联合抽查" in html
    counts = public_results.record_counts(s)
    joint_task = _task(s, draw, "T2")
    assert counts[joint_task.id] == sum(1 for v in (world["joint"], world["plain"]) if "T2" in v.tasks)
    assert f'href="/results/tasks/{joint_task.id}"' in html


def test_bulletin(app, sealed, world):
    s, draw = sealed
    task = _task(s, draw, "T2")
    html = app.test_client().get(f"/results/tasks/{task.id}").get_data(as_text=True)
    assert "市场监督管理局2030年度第2号抽查任务检查结果公告" in html
    assert "榕市监〔2030〕1号" in html and "2030年度双随机抽查计划" in html and "不定向" in html
    assert "市场监督管理局、城市管理局" in html
    current = s.exec(select(PublishedResult).where(PublishedResult.visit_pk == world["joint"].id,
                                                   PublishedResult.current)).one()
    assert current.revision == 2
    assert f"/results/{current.id}" in html and "已更正" in html
    assert "福清市张＊＊小吃店" in html and f"/entities/{world['joint'].uscc}" in html
    # the sub-code's public wording: parent (sub-code)
    assert "发现问题待后续处理（公示信息隐瞒真实情况弄虚作假）" in html
    assert "2030-03-05" in html


def test_record_page_shows_revisions(app, sealed, world):
    s, draw = sealed
    old, new = s.exec(select(PublishedResult).where(PublishedResult.visit_pk == world["joint"].id)
                      .order_by(PublishedResult.revision)).all()
    client = app.test_client()
    html = client.get(f"/results/{new.id}").get_data(as_text=True)
    assert "本结果已更正" in html and "企业公示信息检查结果更正" in html
    assert 'id="revision-1"' in html and "第 1 次公示（已更正）" in html
    assert f'href="/draws/{draw.code}"' in html
    for t in s.exec(select(Task).where(Task.plan_id == draw.plan_id, Task.code.in_(world["joint"].tasks))):
        assert f'href="/results/tasks/{t.id}"' in html
    # the earlier revision's own id shows the same page, that revision marked
    assert client.get(f"/results/{old.id}").status_code == 200


def test_nothing_unpublished_leaks(app, sealed, world):
    s, draw = sealed
    client = app.test_client()
    pages = ["/results/"] + [f"/results/tasks/{t.id}" for t in s.exec(select(Task))]
    pages += [f"/results/{r.id}" for r in s.exec(select(PublishedResult))]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for visit in world["hidden"]:
            assert visit.uscc not in html, url
            assert visit.entity_name not in html, url
        assert "备注" not in html, url  # remarks are internal
    for t in s.exec(select(Task)):
        b = public_results.bulletin(s, t.id)
        assert b.total == sum(1 for v in (world["joint"], world["plain"]) if t.code in v.tasks)


def test_operator_name_in_no_page_source(app, sealed, world):
    s, draw = sealed
    urls = ["/results/", f"/entities/{world['joint'].uscc}"]
    urls += [f"/results/tasks/{t.id}" for t in s.exec(select(Task))]
    urls += [f"/results/{r.id}" for r in s.exec(select(PublishedResult))]
    for lang in ("zh_CN", "en"):
        client = app.test_client()
        for url in urls:
            html = client.get(url, query_string={"lang": lang}).get_data(as_text=True)
            assert "张三丰" not in html and "三丰" not in html, url


def test_bulletin_pagination(app, sealed, people):
    s, draw = sealed
    visits = [v for v in live_visits(s, draw) if "T1" in v.tasks][:3]
    for day, visit in enumerate(visits, 4):
        approve(s, draw, visit, people["admin"], completed_on=date(2030, 3, day))
    task = _task(s, draw, "T1")
    first = public_results.bulletin(s, task.id, 1, size=2)
    second = public_results.bulletin(s, task.id, 2, size=2)
    beyond = public_results.bulletin(s, task.id, 99, size=2)
    assert (first.total, first.pages, len(first.records), len(second.records)) == (3, 2, 2, 1)
    assert beyond.page == 2 and [r.id for r in beyond.records] == [r.id for r in second.records]
    assert [r.completed_on for r in first.records + second.records] == sorted(
        r.completed_on for r in first.records + second.records)
    client = app.test_client()
    assert client.get(f"/results/tasks/{task.id}?page=abc").status_code == 200
    assert client.get(f"/results/tasks/{task.id}?page=-3").status_code == 200
    assert client.get(f"/results/tasks/{task.id}?page=2").status_code == 200  # past the end: the last page
    assert client.get(f"/results/tasks/{task.id}?page=99999999999999999999").status_code == 400
    html = client.get(f"/results/tasks/{task.id}").get_data(as_text=True)
    assert "共 3 户检查对象的检查结果" in html


def test_not_found(app, sealed, people):
    s, draw = sealed
    client = app.test_client()
    assert client.get("/results/tasks/999999").status_code == 404
    assert client.get("/results/999999").status_code == 404
    assert client.get("/results/tasks/99999999999999").status_code == 404  # beyond the id range
    assert client.get("/results/abc").status_code == 404
    # a task of a published plan with nothing published: an empty bulletin
    task = _task(s, draw, "T1")
    r = client.get(f"/results/tasks/{task.id}")
    assert r.status_code == 200 and "暂无公示的检查结果" in r.get_data(as_text=True)
    # a task of a draft plan: not found
    draft = plans.create_plan(s, "榕市监〔2030〕9号", "草稿计划", 2030, actor="planner")
    t = plans.add_task(s, draft, plans.TaskInput(name="草稿任务", department="SCJG", items=[task.items[0]],
                                                 window_start=date(2030, 5, 6), window_end=date(2030, 5, 31),
                                                 count=3))
    assert client.get(f"/results/tasks/{t.id}").status_code == 404
    assert "草稿计划" not in client.get("/results/").get_data(as_text=True)


@pytest.mark.parametrize("who", ROLES)
def test_public_pages_for_every_role(app, sealed, world, who):
    s, draw = sealed
    client = client_for(app, who)
    record = s.exec(select(PublishedResult).where(PublishedResult.current)).first()
    task = _task(s, draw, "T2")
    for url in ("/results/", f"/results/tasks/{task.id}", f"/results/{record.id}", "/"):
        r = client.get(url)
        assert r.status_code == 200, (who, url)
        html = r.get_data(as_text=True)
        assert 'href="/results/"' in html  # the public nav
        for visit in world["hidden"]:
            assert visit.uscc not in html


def test_english(app, sealed, world):
    s, draw = sealed
    s.get(Department, "SCJG").name_en = "Market Regulation Bureau"
    s.commit()
    task = _task(s, draw, "T2")
    html = app.test_client().get(f"/results/tasks/{task.id}?lang=en").get_data(as_text=True)
    assert "Market Regulation Bureau" in html and "results bulletin" in html.lower()
    assert "Problem found" in html or "problem found" in html.lower()


def test_bulletin_numbers_continue_across_pages(app, sealed, people, monkeypatch):
    from inspect_app.services import public_results as pr

    s, draw = sealed
    visits = [v for v in live_visits(s, draw) if "T1" in v.tasks][:3]
    for visit in visits:
        approve(s, draw, visit, people["admin"])
    monkeypatch.setattr(pr, "BULLETIN_PAGE", 2)
    monkeypatch.setattr(pr.bulletin, "__defaults__", (1, 2))
    task = _task(s, draw, "T1")
    html = app.test_client().get(f"/results/tasks/{task.id}?page=2").get_data(as_text=True)
    assert '<td data-label="序号">3</td>' in html and "2 / 2" in html
