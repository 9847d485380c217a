"""Registry exports: headers, value formats, and the round trip (export,
re-import: nothing changes) for every registry, CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from inspect_app.services.registry_io import REGISTRIES, export_registry, import_file
from tests.test_registry_import import DEPARTMENTS, DISTRICTS, ENTITIES, INSPECTORS, code, run

ITEMS = ("事项编码,部门,事项名称,检查依据,检查内容,检查方式,所需资质,A类抽查比例,检查频次,已公布\n"
         "SC-001,SCJG,食品经营许可检查,食品安全法,许可证,现场检查,食品,0.02,每年一次,是\n"
         "CG-001,CGJ,户外广告检查,,,,,,,否\n")
OTHERS = {
    "leaves": "工号,开始日期,结束日期,事由\nE001,2026-03-01,2026-03-05,年假\nE002,2026-04-01,2026-04-01,\n",
    "conflicts": f"工号,统一社会信用代码,回避事由,申报日期\nE001,{code(1)},亲属任职,2025-03-01\n",
    "pair_conflicts": "工号A,工号B,事由,申报日期\nE002,E001,夫妻,2025-01-02\nE001,E003,,\n",
    "check_records": f"统一社会信用代码,部门,检查日期,检查人员,来源\n{code(1)},SCJG,2025-05-01,E001;E002,\n"
                     f"{code(2)},CGJ,2025-06-01,,D2025-0001\n",
}


@pytest.fixture
def loaded(db_session):
    for kind, text in (("departments", DEPARTMENTS), ("districts", DISTRICTS), ("entities", ENTITIES),
                       ("inspectors", INSPECTORS), ("items", ITEMS), *OTHERS.items()):
        report = run(db_session, kind, text)
        assert report.ok and report.inserted, (kind, report.errors)
    # A second version of a published item: only the current one is exported.
    assert run(db_session, "items", ITEMS.replace("许可证,", "许可证与公示,")).versioned == 1
    # An entity marked inactive by a sync import keeps that state through the round trip.
    assert run(db_session, "entities", ENTITIES.rsplit(code(3), 1)[0], sync=True).deactivated == 1
    return db_session


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_changes_nothing(loaded, fmt):
    for kind in REGISTRIES:
        for english in (False, True):
            out = io.BytesIO()
            written = export_registry(loaded, kind, fmt, out, english=english)
            report = import_file(loaded, kind, io.BytesIO(out.getvalue()), f"{kind}.{fmt}")
            assert report.ok, (kind, report.errors)
            assert written == report.total_rows == report.unchanged > 0, (kind, english, report)
            assert report.inserted == report.updated == 0


def test_csv_headers_and_values(loaded):
    out = io.BytesIO()
    export_registry(loaded, "entities", "csv", out)
    assert out.getvalue().startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows[0] == [c.zh for c in REGISTRIES["entities"].columns]
    by_code = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    first = by_code[code(1)]
    assert first["名录"] == "经营异常名录;严重违法失信名单" and first["在册"] == "是" and first["住所"] == "福州市人民路1号"
    assert by_code[code(3)]["在册"] == "否" and by_code[code(2)]["标签"] == "食品;重点"
    out = io.BytesIO()
    export_registry(loaded, "inspectors", "csv", out, english=True, encoding="gb18030")
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("gb18030"))))
    assert rows[0] == [c.en for c in REGISTRIES["inspectors"].columns]
    e1 = dict(zip(rows[0], rows[1]))
    assert (e1["id"], e1["name"], e1["certificate_expires"], e1["active"]) == ("E001", "王五", "2027-06-30", "true")
    assert import_file(loaded, "inspectors", io.BytesIO(out.getvalue()), "i.csv").unchanged == 3  # GBK detected


def test_xlsx_sheet(loaded):
    out = io.BytesIO()
    assert export_registry(loaded, "items", "xlsx", out) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("事项编码", "部门", "事项名称")
    item = dict(zip(rows[0], rows[2]))
    assert (item["事项编码"], item["检查内容"], item["A类抽查比例"], item["已公布"]) == ("SC-001", "许可证与公示", "0.02", "是")


def test_bad_arguments(db_session):
    with pytest.raises(ValueError, match="unknown registry"):
        export_registry(db_session, "nope", "csv", io.BytesIO())
    with pytest.raises(ValueError, match="csv or xlsx"):
        export_registry(db_session, "entities", "pdf", io.BytesIO())
