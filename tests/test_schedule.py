"""Schedule review: which visits count, filters, figures, pages and the
XLSX export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from inspect_app.models import Department, District, Draw, DrawTask, DrawVisit, Inspector, Plan, Task
from inspect_app.services import schedule as svc

START, END = date(2026, 3, 2), date(2026, 3, 13)


def seed(session) -> dict:
    """A sealed draw of two tasks (one joint) with 6 visits, a sealed redraw
    replacing visit V00002, and an unsealed redraw of V00003."""
    session.add_all([Department(id="SCJG", name="市场监督管理局"), Department(id="WJW", name="卫生健康委员会")])
    session.add_all([
        District(code="350100", name="福州市", level=2),
        District(code="350102", name="鼓楼区", parent_code="350100", level=3),
        District(code="350102001", name="鼓东街道", parent_code="350102", level=4),
        District(code="350103", name="台江区", parent_code="350100", level=3),
        District(code="350103002", name="茶亭街道", parent_code="350103", level=4),
    ])
    for iid, name, dept in [("E001", "张三", "SCJG"), ("E002", "李四", "SCJG"), ("E003", "王五", "SCJG"),
                            ("W001", "赵六", "WJW"), ("W002", "<钱七>", "WJW")]:
        session.add(Inspector(id=iid, name=name, department=dept, district="350102"))
    plan = Plan(number="榕市监〔2026〕1号", name="2026年抽查计划", year=2026, status="published")
    session.add(plan)
    session.flush()
    t1 = Task(plan_id=plan.id, code="T1", name="食品经营抽查", department="SCJG", window_start=START, window_end=END)
    t2 = Task(plan_id=plan.id, code="T2", name="餐饮联合抽查", department="SCJG", participating=["WJW"],
              window_start=START, window_end=END)
    session.add_all([t1, t2])
    session.flush()
    draw = Draw(code="D2026-0001", plan_id=plan.id, state="sealed", window_start=START, window_end=END,
                task_codes=["T1", "T2"], entropy_source="公证员掷骰", result_digest="ab" * 32)
    session.add(draw)
    session.flush()
    session.add_all([DrawTask(draw_id=draw.id, task_id=t1.id, task_key="k/T1"),
                     DrawTask(draw_id=draw.id, task_id=t2.id, task_key="k/T2")])

    def visit(did, vid, uscc, district, tasks, depts, team, day, **kw):
        row = DrawVisit(draw_id=did, visit_id=vid, uscc=uscc, entity_name=f"{uscc[-4:]}餐饮有限公司", district=district,
                        tasks=tasks, departments=depts, team=team, day=day, **kw)
        session.add(row)
        session.flush()
        return row

    visit(draw.id, "V00001", "91350102MA0000001A", "350102001", ["T1"], ["SCJG"], ["E001", "E002"], date(2026, 3, 2))
    old = visit(draw.id, "V00002", "91350102MA0000002A", "350102001", ["T1"], ["SCJG"], ["E002", "E003"],
                date(2026, 3, 3), current=False)
    v3 = visit(draw.id, "V00003", "91350103MA0000003A", "350103002", ["T1", "T2"], ["SCJG", "WJW"],
               ["E001", "W001"], date(2026, 3, 3))
    visit(draw.id, "V00004", "91350103MA0000004A", "350103002", ["T2"], ["SCJG", "WJW"], ["E003", "W002"],
          date(2026, 3, 4))
    visit(draw.id, "V00005", "91350102MA0000005A", "350102001", ["T1"], ["SCJG"], ["E001", "E003"], date(2026, 3, 4))
    visit(draw.id, "V00006", "91350102MA0000006A", "350102", ["T1"], ["SCJG"], ["E001", "E002"], date(2026, 3, 9))
    redraw = Draw(code="D2026-0002", plan_id=plan.id, parent_id=draw.id, redraw_visit="V00002", state="sealed",
                  window_start=START, window_end=END, task_codes=["T1"], entropy_source="掷骰")
    pending = Draw(code="D2026-0003", plan_id=plan.id, parent_id=draw.id, redraw_visit="V00003", state="drawn",
                   window_start=START, window_end=END, task_codes=["T1", "T2"], entropy_source="掷骰")
    session.add_all([redraw, pending])
    session.flush()
    visit(redraw.id, "V00001", "91350102MA0000002A", "350102001", ["T1"], ["SCJG"], ["E003", "E001"],
          date(2026, 3, 3), replaces_id=old.id)
    visit(pending.id, "V00001", "91350103MA0000003A", "350103002", ["T1", "T2"], ["SCJG", "WJW"],
          ["E002", "W002"], date(2026, 3, 3), replaces_id=v3.id)
    unsealed = Draw(code="D2026-0004", plan_id=plan.id, state="committed", window_start=START, window_end=END,
                    task_codes=[], entropy_source="掷骰")
    session.add(unsealed)
    session.commit()
    return {"draw": draw.id, "redraw": redraw.id, "pending": pending.id, "unsealed": unsealed.id}


@pytest.fixture
def sched(app, db_session):
    ids = seed(db_session)
    return ids


def test_the_schedule_counts_current_visits_and_sealed_replacements(db_session, sched):
    draw = svc.get_schedule_draw(db_session, sched["draw"])
    rows = svc.load_visits(db_session, draw)
    assert len(rows) == 6
    by_uscc = {v.uscc: v for v in rows}
    # V00002 was replaced by the sealed redraw: the replacement counts
    assert by_uscc["91350102MA0000002A"].team == ("E003", "E001")
    assert by_uscc["91350102MA0000002A"].replaces_id is not None
    assert by_uscc["91350102MA0000002A"].replaces_visit == "V00002"
    # the redraw of V00003 is still under review: the original counts
    assert by_uscc["91350103MA0000003A"].team == ("E001", "W001")
    assert [v.day for v in rows] == sorted(v.day for v in rows)
    # a redraw's id leads to the original draw's schedule
    assert svc.get_schedule_draw(db_session, sched["redraw"]).id == sched["draw"]
    with pytest.raises(svc.ScheduleError):
        svc.get_schedule_draw(db_session, sched["unsealed"])
    with pytest.raises(svc.ScheduleError):
        svc.get_schedule_draw(db_session, 999999)
    assert [d.id for d in svc.schedulable_draws(db_session)] == [sched["draw"]]


@pytest.mark.parametrize("args, expected", [
    ({"department": "WJW"}, {"V00003", "V00004"}),
    ({"task": "T2"}, {"V00003", "V00004"}),
    ({"district": "350103"}, {"V00003", "V00004"}),
    ({"district": "350102001"}, {"V00001", "V00005", "V00001*"}),
    ({"inspector": "E003"}, {"V00004", "V00005", "V00001*"}),
    ({"day": "2026-03-03"}, {"V00003", "V00001*"}),
    ({"department": "SCJG", "district": "350102", "day": "2026-03-09"}, {"V00006"}),
    ({"district": "35010_"}, set()),  # LIKE wildcards are taken literally
])
def test_filters(db_session, sched, args, expected):
    draw = svc.get_schedule_draw(db_session, sched["draw"])
    flt = svc.ScheduleFilter.from_args(args)
    rows = svc.filtered_visits(db_session, draw, flt)
    assert {v.visit_id + ("*" if v.replaces_id else "") for v in rows} == expected


def test_sealing_a_redraw_changes_the_cached_schedule(db_session, sched):
    from sqlmodel import select

    draw = svc.get_schedule_draw(db_session, sched["draw"])
    before = svc.load_visits(db_session, draw)
    assert svc.load_visits(db_session, draw) is before  # cached
    # seal the pending redraw of V00003, as draws.seal does
    pending = db_session.get(Draw, sched["pending"])
    pending.state = "sealed"
    old = db_session.exec(select(DrawVisit).where(DrawVisit.draw_id == sched["draw"],
                                                  DrawVisit.visit_id == "V00003")).one()
    old.current = False
    db_session.add_all([pending, old])
    db_session.commit()
    after = svc.load_visits(db_session, svc.get_schedule_draw(db_session, sched["draw"]))
    assert after is not before
    by_uscc = {v.uscc: v for v in after}
    assert by_uscc["91350103MA0000003A"].team == ("E002", "W002")
    assert by_uscc["91350103MA0000003A"].replaces_visit == "V00003"


def test_summary_figures(db_session, sched):
    draw = svc.get_schedule_draw(db_session, sched["draw"])
    rows = svc.load_visits(db_session, draw)
    s = svc.summarize(rows, svc.district_grouping(""))
    assert (s.visits, s.joint, s.single, s.entities, s.days) == (6, 2, 4, 6, 4)
    assert s.per_inspector == {"E001": 5, "E002": 2, "E003": 3, "W001": 1, "W002": 1}
    assert s.per_district == {"350102": 4, "350103": 2}
    assert s.per_department == {"SCJG": 6, "WJW": 2}
    assert s.per_task == {"T1": 5, "T2": 2}
    assert s.per_day == {date(2026, 3, 2): 1, date(2026, 3, 3): 2, date(2026, 3, 4): 2, date(2026, 3, 9): 1}
    streets = svc.summarize(rows, svc.district_grouping("350102"))
    assert streets.per_district == {"350102001": 3, "350103002": 2, "350102": 1}


def test_off_days_are_weekends_and_holidays(db_session, sched):
    draw = svc.get_schedule_draw(db_session, sched["draw"])
    assert svc.off_days(db_session, draw) == {date(2026, 3, 7), date(2026, 3, 8)}


def test_month_grid_starts_weeks_on_monday():
    months = svc.month_grid(date(2026, 2, 20), date(2026, 3, 5))
    assert [(y, m) for y, m, _ in months] == [(2026, 2), (2026, 3)]
    march = months[1][2]
    assert march[0][:6] == [None] * 6 and march[0][6] == date(2026, 3, 1)  # 1 March 2026 is a Sunday


def test_overview_page_shows_figures_and_charts(client, auth, sched):
    auth.login()
    html = client.get(f"/planner/schedule/{sched['draw']}").get_data(as_text=True)
    assert "D2026-0001" in html
    assert html.count("<svg") == 6
    assert "E001 张三: 5" in html  # workload tooltip
    assert "&lt;钱七&gt;" in html and "<钱七>" not in html  # names escaped
    assert "鼓楼区" in html and "台江区" in html
    assert 'data-date="2026-03-03" data-count="2"' in html
    filtered = client.get(f"/planner/schedule/{sched['draw']}?department=WJW").get_data(as_text=True)
    assert "W001 赵六: 1" in filtered and "E002 李四" not in filtered.split("schedule-summary")[1]
    index = client.get("/planner/schedule/").get_data(as_text=True)
    assert f"/planner/schedule/{sched['draw']}" in index and "D2026-0004" not in index


def test_day_and_inspector_pages(client, auth, sched):
    auth.login()
    base = f"/planner/schedule/{sched['draw']}"
    html = client.get(f"{base}/days").get_data(as_text=True)
    assert "2026-03-02" in html.split('id="day-title"')[1][:40]  # the first day with visits is chosen
    html = client.get(f"{base}/days?day=2026-03-03").get_data(as_text=True)
    listing = html.split('id="day-title"')[1]
    assert "91350103MA0000003A" in listing and "91350102MA0000002A" in listing
    assert "91350102MA0000001A" not in listing
    assert 'class=" chosen busy"' in html or "chosen" in html
    html = client.get(f"{base}/inspectors").get_data(as_text=True)
    table = html.split('id="inspector-loads"')[1]
    assert table.index("E001 张三") < table.index("E003 王五") < table.index("E002 李四")  # by load
    html = client.get(f"{base}/inspectors?inspector=E003").get_data(as_text=True)
    agenda = html.split('id="agenda-title"')[1]
    assert "3 户次" in agenda
    assert agenda.index("2026-03-03") < agenda.index("2026-03-04")
    assert client.get("/planner/schedule/999999").status_code == 404
    assert client.get(f"/planner/schedule/{sched['unsealed']}/days").status_code == 404


def test_pages_paginate(app, client, auth, sched):
    app.config["PAGE_SIZE"] = 2
    auth.login()
    html = client.get(f"/planner/schedule/{sched['draw']}/inspectors").get_data(as_text=True)
    assert "第 1 / 3 页，共 5 条" in html
    html = client.get(f"/planner/schedule/{sched['draw']}/inspectors?page=3").get_data(as_text=True)
    assert "第 3 / 3 页" in html and "W002" in html


def test_xlsx_export(client, auth, sched):
    auth.login()
    r = client.get(f"/planner/schedule/{sched['draw']}/export.xlsx?task=T1")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "schedule-D2026-0001.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["检查日程", "检查人员工作量", "说明"]
    rows = list(wb["检查日程"].iter_rows(values_only=True))
    assert rows[0] == svc.VISIT_HEADERS
    assert len(rows) == 1 + 5  # T1 visits
    first = rows[1]
    assert first[0] == "V00001" and first[1].date() == date(2026, 3, 2) and first[2] == "一"
    assert first[7] == "T1 食品经营抽查" and first[8] == "市场监督管理局" and first[9] == "否"
    assert first[10] == "E001、E002" and first[11] == "张三、李四"
    joint = next(r for r in rows[1:] if r[0] == "V00003")
    assert joint[9] == "是" and joint[8] == "市场监督管理局、卫生健康委员会"
    assert [(r[3], r[12]) for r in rows[1:] if r[12]] == [("91350102MA0000002A", "V00002")]  # a replacement
    loads = list(wb["检查人员工作量"].iter_rows(values_only=True))
    assert loads[0] == svc.LOAD_HEADERS
    assert ("E001", "张三", "市场监督管理局", 5) == loads[1][:4]
    info = dict(wb["说明"].iter_rows(values_only=True))
    assert info["抽取编号"] == "D2026-0001" and info["筛选条件"] == "task=T1" and info["检查户次"] == 5


def test_schedule_pages_in_english(client, auth, sched):
    auth.login()
    client.post("/lang/en", data={"next": "/"})
    html = client.get(f"/planner/schedule/{sched['draw']}").get_data(as_text=True)
    assert "Schedule" in html and "Workload per inspector" in html and "Joint" in html


def test_loading_a_schedule_leaves_the_garbage_collector_as_it_was(db_session, sched, monkeypatch):
    """The collector is paused while a schedule is built, and afterwards is
    enabled again — also when the load fails — or stays disabled if it was."""
    import gc

    draw = svc.get_schedule_draw(db_session, sched["draw"])
    svc._cache.clear()
    seen = []
    real = svc._read_schedule
    monkeypatch.setattr(svc, "_read_schedule", lambda *a: seen.append(gc.isenabled()) or real(*a))
    assert gc.isenabled()
    assert len(svc.load_visits(db_session, draw)) == 6
    assert seen == [False] and gc.isenabled()

    def fail(*args):
        raise RuntimeError("database gone")

    svc._cache.clear()
    monkeypatch.setattr(svc, "_read_schedule", fail)
    with pytest.raises(RuntimeError):
        svc.load_visits(db_session, draw)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(svc, "_read_schedule", real)
        svc._cache.clear()
        svc.load_visits(db_session, draw)
        assert not gc.isenabled()
    finally:
        gc.enable()
