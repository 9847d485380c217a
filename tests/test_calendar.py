"""The working-day calendar: package seeding, notice import, lookups."""

from __future__ import annotations

import doctest
from datetime import date

import pytest
from sqlmodel import select

from inspect_app.models import CalendarDay, CalendarYear
from inspect_app.services import calendar as cal

NOTICE_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06~2027-02-13,holiday,春节
2027-02-20,workday,春节
2027-10-01至2027-10-07,holiday,国庆节
2027-10-09,workday,国庆节
"""


def test_doctests():
    assert doctest.testmod(cal).failed == 0


def test_seed_2026_spring_festival_and_make_up_days(db_session):
    cal.seed_from_package(db_session, [2026])
    c = cal.window_calendar(db_session, date(2026, 2, 1), date(2026, 3, 1))
    # Spring Festival 2026: 15–23 Feb off; the weekdays among them are holidays,
    # Saturdays 14 and 28 Feb are make-up working days.
    assert c["holidays"] == ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
    assert c["workdays"] == ["2026-02-14", "2026-02-28"]
    year = db_session.get(CalendarYear, 2026)
    assert year.source.startswith("chinesecalendar ")
    names = {d.name for d in cal.day_info(db_session, 2026)}
    assert {"春节", "国庆节", "元旦"} <= names


def test_seed_whole_package_and_2024_make_up_saturday(db_session):
    years = cal.seed_from_package(db_session)
    assert years[0] == 2004 and years[-1] == 2026
    assert cal.is_working_day(db_session, date(2024, 10, 12))  # Saturday, 调休
    assert not cal.is_working_day(db_session, date(2024, 10, 1))  # National Day, Tuesday
    assert not cal.is_working_day(db_session, date(2024, 10, 13))  # ordinary Sunday
    assert cal.is_working_day(db_session, date(2024, 10, 14))
    # Every stored day is an exception to Monday–Friday.
    for d in db_session.exec(select(CalendarDay)):
        assert (d.day.weekday() < 5) == (d.kind == cal.HOLIDAY)
    # Seeding again replaces rather than duplicates.
    count = len(db_session.exec(select(CalendarDay)).all())
    cal.seed_from_package(db_session, [2024])
    assert len(db_session.exec(select(CalendarDay)).all()) == count


def test_2027_is_unknown_until_imported(db_session):
    cal.seed_from_package(db_session, [2026])
    with pytest.raises(cal.CalendarUnknown) as e:
        cal.window_calendar(db_session, date(2026, 12, 1), date(2027, 1, 31))
    assert e.value.years == [2027]
    assert "2027年的节假日安排尚未导入" in str(e.value)
    assert "the 2027 holiday arrangement has not been imported" in str(e.value)
    with pytest.raises(cal.CalendarUnknown):
        cal.seed_from_package(db_session, [2027])  # the package does not cover it
    with pytest.raises(cal.CalendarUnknown):
        cal.add_working_days(db_session, date(2026, 12, 20), 20)


def test_import_notice(db_session):
    counts = cal.import_notice(db_session, 2027, NOTICE_2027, "国务院办公厅关于2027年部分节假日安排的通知")
    # 1 Jan 2027 is a Friday; 6–13 Feb: Sat..Sat, five weekdays; 1–7 Oct: Fri..Thu, five weekdays.
    assert counts == {"year": 2027, "holidays": 1 + 5 + 5, "workdays": 2, "weekend_holidays_skipped": 3 + 2}
    c = cal.window_calendar(db_session, date(2027, 2, 1), date(2027, 2, 28))
    assert c["holidays"] == ["2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"]
    assert c["workdays"] == ["2027-02-20"]
    assert db_session.get(CalendarYear, 2027).source == "国务院办公厅关于2027年部分节假日安排的通知"
    # Re-importing replaces the year.
    cal.import_notice(db_session, 2027, "日期,类型(放假/上班),名称\n2027-05-03,放假,劳动节\n", "修订")
    assert cal.window_calendar(db_session, date(2027, 1, 1), date(2027, 12, 31)) == {
        "holidays": ["2027-05-03"], "workdays": []}


def test_import_accepts_gbk_bytes_with_chinese_headers(db_session):
    data = "日期,类型,名称\n2027/1/1,放假,元旦\n2027年2月20日,上班,春节\n".encode("gbk")
    cal.import_notice(db_session, 2027, data, "通知")
    assert cal.window_calendar(db_session, date(2027, 1, 1), date(2027, 2, 28)) == {
        "holidays": ["2027-01-01"], "workdays": ["2027-02-20"]}


def test_import_reports_every_bad_row_and_changes_nothing(db_session):
    cal.import_notice(db_session, 2027, "date,kind,name\n2027-01-01,holiday,元旦\n", "first")
    bad = ("date,kind,name\n"
           "2027-13-01,holiday,x\n"        # row 2: no such date
           "2027-03-01,weekday,x\n"        # row 3: bad kind
           "2027-03-02,workday,x\n"        # row 4: make-up day on a Tuesday
           "2028-01-03,holiday,x\n"        # row 5: other year
           "2027-05-03,holiday,x\n"
           "2027-05-03,holiday,x\n"        # row 7: duplicate of row 6
           "03/05/2027,holiday,x\n")       # row 8: bad format
    with pytest.raises(cal.CalendarImportError) as e:
        cal.import_notice(db_session, 2027, bad, "second")
    found = {(err.row, err.field) for err in e.value.errors}
    assert found == {(2, "date"), (3, "kind"), (4, "date"), (5, "date"), (7, "date"), (8, "date")}
    assert "第7行" in str(e.value) and "duplicates row 6" in str(e.value)
    # Nothing changed.
    assert db_session.get(CalendarYear, 2027).source == "first"
    assert cal.window_calendar(db_session, date(2027, 1, 1), date(2027, 12, 31))["holidays"] == ["2027-01-01"]


def test_import_refuses_missing_columns_and_empty_files(db_session):
    with pytest.raises(cal.CalendarImportError) as e:
        cal.import_notice(db_session, 2027, "day,name\n2027-01-01,元旦\n", "x")
    assert {err.field for err in e.value.errors} == {"date", "kind"}
    with pytest.raises(cal.CalendarImportError):
        cal.import_notice(db_session, 2027, "", "x")
    with pytest.raises(cal.CalendarImportError):
        cal.import_notice(db_session, 2027, "date,kind,name\n", "x")
    assert db_session.get(CalendarYear, 2027) is None


def test_import_accepts_preceding_december(db_session):
    # The 2019 notice's New Year arrangement began on Saturday 29 Dec 2018.
    cal.import_notice(db_session, 2019, "date,kind\n2018-12-29,workday\n2018-12-31,holiday\n2019-01-01,holiday\n",
                      "国务院办公厅关于2019年部分节假日安排的通知")
    with pytest.raises(cal.CalendarUnknown):  # 2018 itself is still unknown
        cal.window_calendar(db_session, date(2018, 12, 1), date(2019, 1, 5))
    assert cal.window_calendar(db_session, date(2019, 1, 1), date(2019, 1, 5))["holidays"] == ["2019-01-01"]


def test_working_days_and_deadlines(db_session):
    cal.seed_from_package(db_session, [2026])
    cal.import_notice(db_session, 2027, NOTICE_2027, "notice")
    oct_2026 = cal.working_days(db_session, date(2026, 10, 1), date(2026, 10, 31))
    assert date(2026, 10, 10) in oct_2026 and date(2026, 10, 2) not in oct_2026
    assert len(oct_2026) == 22 - 5 + 1  # 22 weekdays, 5 holiday weekdays, one make-up Saturday
    assert cal.add_working_days(db_session, date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(db_session, date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert cal.add_working_days(db_session, date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.add_working_days(db_session, date(2026, 5, 6), 0) == date(2026, 5, 6)
    # Across the year end, into the imported 2027 (1 Jan is a holiday).
    assert cal.add_working_days(db_session, date(2026, 12, 31), 1) == date(2027, 1, 4)
    days = cal.working_days(db_session, date(2026, 12, 1), date(2027, 1, 31))
    assert cal.add_working_days(db_session, date(2026, 12, 1), 20) == days[20]


def test_cli_seed_import_show(runner, tmp_path):
    r = runner.invoke(args=["calendar", "seed", "--year", "2026"])
    assert r.exit_code == 0, r.output
    assert "seeded 1 year(s) 2026–2026" in r.output
    r = runner.invoke(args=["calendar", "show", "2027"])
    assert r.exit_code != 0 and "2027年的节假日安排尚未导入" in r.output
    notice = tmp_path / "2027.csv"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    r = runner.invoke(args=["calendar", "import", "2027", str(notice), "--source", "国务院办公厅关于2027年部分节假日安排的通知"])
    assert r.exit_code == 0, r.output
    assert "11 weekday holiday(s), 2 make-up working day(s)" in r.output
    r = runner.invoke(args=["calendar", "show", "2027"])
    assert r.exit_code == 0, r.output
    assert "2027-02-20 周六  上班 workday  春节" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2027-02-22,workday\n", encoding="utf-8")
    r = runner.invoke(args=["calendar", "import", "2027", str(bad), "--source", "x"])
    assert r.exit_code != 0 and "第2行" in r.output


def test_documented_2025_notice_matches_the_package(db_session):
    from pathlib import Path

    notice = Path(__file__).resolve().parent.parent / "docs" / "calendar-notice-2025.csv"
    cal.seed_from_package(db_session, [2025])
    from_package = cal.window_calendar(db_session, date(2025, 1, 1), date(2025, 12, 31))
    cal.import_notice(db_session, 2025, notice.read_bytes(), "国务院办公厅关于2025年部分节假日安排的通知")
    assert cal.window_calendar(db_session, date(2025, 1, 1), date(2025, 12, 31)) == from_package
    assert cal.known_years(db_session)[2025] == "国务院办公厅关于2025年部分节假日安排的通知"
