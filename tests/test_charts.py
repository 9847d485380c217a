"""The SVG charts: well-formed XML, escaped text, right shapes and values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from markupsafe import Markup

from inspect_app.services import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_bar_chart_escapes_labels_and_is_well_formed():
    svg = charts.bar_chart([("<script>alert(1)</script>", 3), ("鼓楼区 & 台江区", 5)], title='A "title" <b>')
    assert isinstance(svg, Markup)
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("aria-label") == 'A "title" <b>'
    assert "鼓楼区 & 台江区" in texts(root)
    assert any(t.startswith("<script>") for t in texts(root))


def test_bar_chart_bar_lengths_are_proportional():
    root = parse(charts.bar_chart([("a", 10), ("b", 5), ("c", 0)], title="t"))
    widths = [float(r.get("width")) for r in root.iterfind(".//s:g/s:rect", NS)]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0


def test_bar_chart_folds_the_tail_into_one_bar_keeping_the_total():
    rows = [(f"d{i}", 1) for i in range(50)]
    root = parse(charts.bar_chart(rows, title="t", max_bars=10, other_label="其他"))
    assert len(root.findall(".//s:g/s:rect", NS)) == 10
    labels = texts(root)
    assert "其他 (41)" in labels
    assert "41" in labels  # the folded bar's value


def test_empty_inputs_give_a_message_not_an_error():
    for svg in (charts.bar_chart([], title="t", empty_text="无数据"),
                charts.workload_chart({}, title="t", empty_text="无数据"),
                charts.load_histogram([], title="t", empty_text="无数据"),
                charts.calendar_heatmap({}, title="t", empty_text="无数据"),
                charts.share_bar({"a": 0}, title="t", empty_text="无数据")):
        assert "无数据" in texts(parse(svg))


def test_workload_chart_sorts_by_load_and_labels_small_sets():
    root = parse(charts.workload_chart({"E1 张三": 2, "E2 李四": 7, "E3 <x>": 4}, title="工作量", capacity=10,
                                       capacity_label="上限"))
    bars = root.findall("./s:rect", NS)
    assert [b.find("s:title", NS).text for b in bars] == ["E2 李四: 7", "E3 <x>: 4", "E1 张三: 2"]
    heights = [float(b.get("height")) for b in bars]
    assert heights == sorted(heights, reverse=True)
    assert "E3 <x>" in texts(root)
    assert root.find(".//s:line[@class='capacity']", NS) is not None


def test_workload_chart_scales_to_a_city_without_labels():
    loads = {f"E{i:04d}": i % 13 for i in range(1200)}
    root = parse(charts.workload_chart(loads, title="t"))
    assert len(root.findall("./s:rect", NS)) == 1200
    assert not any(t.startswith("E0") for t in texts(root))  # tooltips only
    width = float(root.get("width"))
    assert all(float(r.get("x")) + float(r.get("width")) <= width for r in root.findall("./s:rect", NS))


def test_load_histogram_counts_inspectors_per_load():
    root = parse(charts.load_histogram([0, 1, 1, 3, 3, 3], title="t"))
    tips = [r.find("s:title", NS).text for r in root.findall("./s:rect", NS)]
    assert tips == ["0: 1", "1: 2", "2: 0", "3: 3"]


def test_calendar_heatmap_has_one_cell_per_day_with_its_count():
    start, end = date(2027, 3, 1), date(2027, 4, 4)
    counts = {date(2027, 3, 3): 12, date(2027, 3, 4): 3, date(2027, 4, 1): 6}
    svg = charts.calendar_heatmap(counts, title="每日", start=start, end=end, off_days=[date(2027, 3, 6)])
    root = parse(svg)
    cells = root.findall(".//s:rect[@data-date]", NS)
    assert len(cells) == (end - start).days + 1
    by_day = {c.get("data-date"): c for c in cells}
    assert by_day["2027-03-03"].get("data-count") == "12"
    assert "l4" in by_day["2027-03-03"].get("class")  # busiest day: top level
    assert "l0" in by_day["2027-03-05"].get("class")
    assert by_day["2027-03-06"].get("stroke-dasharray")  # day off drawn dashed
    # Monday row on top: 2027-03-01 is a Monday, 03-07 a Sunday in the same column
    assert by_day["2027-03-01"].get("x") == by_day["2027-03-07"].get("x")
    assert float(by_day["2027-03-01"].get("y")) < float(by_day["2027-03-07"].get("y"))
    assert "3月" in texts(root) and "4月" in texts(root)


def test_heat_levels_are_monotonic_and_bounded():
    levels = [charts.heat_level(v, 100) for v in range(0, 101)]
    assert levels[0] == 0 and levels[1] == 1 and levels[100] == len(charts.HEAT) - 1
    assert levels == sorted(levels)


def test_share_bar_parts_fill_the_width():
    root = parse(charts.share_bar([("联合检查", 30), ("单部门", 90)], title="t", width=400))
    bars = [r for r in root.findall("./s:rect", NS) if r.find("s:title", NS) is not None]
    assert sum(float(b.get("width")) for b in bars) == 400
    assert "联合检查: 30 (25.0%)" in texts(root)


def test_text_width_counts_cjk_as_full_width_and_truncate_fits():
    assert charts.text_width("市场", 10) == 20
    assert charts.text_width("ab", 10) == 12
    short = charts.truncate("福清市市场监督管理局食品安全科", 60, 12)
    assert short.endswith("…") and charts.text_width(short, 12) <= 60


def test_calendar_accepts_sparse_counts_over_a_long_window():
    start = date(2027, 1, 1)
    counts = {start + timedelta(days=7 * i): i for i in range(52)}
    root = parse(charts.calendar_heatmap(counts, title="t"))
    assert len(root.findall(".//s:rect[@data-date]", NS)) == 7 * 51 + 1
