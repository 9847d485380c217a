"""Server-rendered SVG charts for the draw review and schedule pages.

Every function here is pure: it takes plain values (labels and numbers,
dates and counts) and returns the SVG markup as a :class:`markupsafe.Markup`
string, ready to be placed in a template with ``{{ chart }}``. All text that
comes from data (inspector names, district names, titles) is XML-escaped, so a
name such as ``<script>`` shows as text. No JavaScript, no external assets:
the charts print, work without scripts and cost one string concatenation.

Charts
------
* :func:`bar_chart` — horizontal bars with labels and values (visits per
  district, per department, joint vs single).
* :func:`workload_chart` — one column per inspector, sorted by load, with an
  optional capacity line; scales to thousands of inspectors (labels become
  tooltips when there are too many to print).
* :func:`load_histogram` — how many inspectors carry 0, 1, 2 … visits.
* :func:`calendar_heatmap` — visits per day, one column per week and one row
  per weekday (Monday on top), with month labels and a legend.
* :func:`share_bar` — one 100 % stacked bar with a legend (e.g. joint vs
  single visits).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from markupsafe import Markup, escape

FONT = 'font-family="system-ui, \'PingFang SC\', \'Noto Sans CJK SC\', \'WenQuanYi Micro Hei\', sans-serif"'
ACCENT = "#b4261f"
MUTED = "#5b6b7b"
GRID = "#d8dee6"
# Sequential scale for the heatmap, from "no visits" to "busiest day".
HEAT = ("#eef1f5", "#f6d5cf", "#eaa396", "#d5634f", "#b4261f")
# Qualitative palette for shares and series.
PALETTE = ("#b4261f", "#1a5fb4", "#26a269", "#c64600", "#613583", "#5b6b7b")
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")


def calendar_texts() -> dict:
    """The words of :func:`calendar_heatmap` in the request's language
    (month label, weekday rows, legend), for every page that draws one."""
    from .messages import _

    return {"month_format": _("{m}月"),
            "weekday_labels": [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
            "legend_less": _("少"), "legend_more": _("多")}


def text_width(text: str, size: float) -> float:
    """Approximate rendered width of ``text`` in pixels: wide (CJK) characters
    take a full em, others about 0.6 em."""
    width = 0.0
    for ch in text:
        width += size if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6 * size
    return width


def truncate(text: str, max_width: float, size: float) -> str:
    """Shorten ``text`` with an ellipsis so that it fits ``max_width``."""
    if text_width(text, size) <= max_width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > max_width:
            break
        out += ch
    return out + "…"


def _fmt(value: float) -> str:
    """Numbers as labels: integers without decimals, others with one."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def _num(x: float) -> str:
    """Coordinates with at most two decimals, for compact markup."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, title: str, body: Iterable[str], css_class: str) -> Markup:
    t = escape(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'aria-label="{t}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" {FONT} font-size="12">',
        f"<title>{t}</title>",
    ]
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))


def _empty(title: str, message: str, css_class: str, width: float = 480) -> Markup:
    return _svg(width, 48, title, [
        f'<text x="8" y="20" font-weight="600">{escape(title)}</text>',
        f'<text x="8" y="40" fill="{MUTED}">{escape(message)}</text>',
    ], css_class)


def bar_chart(items: Sequence[tuple[str, float]] | Mapping[str, float], *, title: str,
              width: int = 640, bar_height: int = 18, max_bars: int | None = 40,
              color: str = ACCENT, empty_text: str = "—", other_label: str = "…") -> Markup:
    """Horizontal bars, one per (label, value), in the order given.

    With more than ``max_bars`` items the remainder is summed into one last
    bar labelled ``other_label`` (so totals stay right).
    """
    rows = list(items.items() if isinstance(items, Mapping) else items)
    if not rows:
        return _empty(title, empty_text, "bar-chart", width)
    if max_bars is not None and len(rows) > max_bars:
        rest = sum(v for _, v in rows[max_bars - 1:])
        rows = rows[: max_bars - 1] + [(f"{other_label} ({len(rows) - max_bars + 1})", rest)]
    size = 12
    label_w = min(max(text_width(str(label), size) for label, _ in rows) + 12, width * 0.4)
    value_w = max(text_width(_fmt(v), size) for _, v in rows) + 10
    plot_w = max(width - label_w - value_w - 8, 40)
    top = 28
    gap = 6
    height = top + len(rows) * (bar_height + gap) + 4
    vmax = max((v for _, v in rows), default=0) or 1
    body = [f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + gap)
        w = plot_w * (value / vmax) if value > 0 else 0
        shown = truncate(str(label), label_w - 12, size)
        body.append(
            f'<g class="bar"><title>{escape(label)}: {escape(_fmt(value))}</title>'
            f'<text x="{_num(label_w - 6)}" y="{_num(y + bar_height * 0.72)}" text-anchor="end">{escape(shown)}</text>'
            f'<rect x="{_num(label_w)}" y="{y}" width="{_num(w)}" height="{bar_height}" fill="{color}" rx="2"/>'
            f'<text x="{_num(label_w + w + 4)}" y="{_num(y + bar_height * 0.72)}" fill="{MUTED}">{escape(_fmt(value))}</text>'
            "</g>"
        )
    return _svg(width, height, title, body, "bar-chart")


def workload_chart(loads: Sequence[tuple[str, float]] | Mapping[str, float], *, title: str,
                   capacity: float | None = None, capacity_label: str = "",
                   width: int = 720, height: int = 220, label_limit: int = 40,
                   empty_text: str = "—") -> Markup:
    """One column per inspector, highest load first.

    ``loads`` maps an inspector's label (e.g. "E001 张三") to their number of
    visits. When there are at most ``label_limit`` inspectors, their labels
    are printed under the columns; otherwise each column carries its label as
    a tooltip only. ``capacity`` draws a dashed horizontal reference line
    (e.g. the largest per-inspector capacity in the window).
    """
    rows = sorted(loads.items() if isinstance(loads, Mapping) else loads, key=lambda r: (-r[1], str(r[0])))
    if not rows:
        return _empty(title, empty_text, "workload-chart", width)
    size = 11
    show_labels = len(rows) <= label_limit
    label_h = (max(text_width(str(lbl), size) for lbl, _ in rows) * 0.75 + 10) if show_labels else 8
    label_h = min(label_h, 110)
    left, top, right = 36, 28, 8
    plot_h = height - top - label_h
    plot_w = width - left - right
    vmax = max([v for _, v in rows] + [capacity or 0]) or 1
    step = plot_w / len(rows)
    bar_w = max(step * 0.8, 0.5) if step >= 2 else step
    body = [f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>']
    # y axis: 0, the middle and the top value
    for frac in (0, 0.5, 1):
        val = vmax * frac
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" fill="{MUTED}" font-size="{size}">{escape(_fmt(round(val, 1)))}</text>')
    for i, (label, value) in enumerate(rows):
        x = left + i * step
        h = plot_h * (value / vmax) if value > 0 else 0
        body.append(
            f'<rect x="{_num(x)}" y="{_num(top + plot_h - h)}" width="{_num(bar_w)}" height="{_num(h)}" fill="{ACCENT}">'
            f"<title>{escape(label)}: {escape(_fmt(value))}</title></rect>"
        )
        if show_labels:
            cx = x + bar_w / 2
            ly = top + plot_h + 6
            shown = truncate(str(label), 140, size)
            body.append(
                f'<text x="{_num(cx)}" y="{_num(ly)}" font-size="{size}" text-anchor="end" '
                f'transform="rotate(-45 {_num(cx)} {_num(ly)})">{escape(shown)}</text>'
            )
    if capacity is not None and capacity > 0:
        y = top + plot_h * (1 - capacity / vmax)
        body.append(f'<line class="capacity" x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}" '
                    f'stroke="{MUTED}" stroke-dasharray="4 3"/>')
        if capacity_label:
            body.append(f'<text x="{left + plot_w}" y="{_num(y - 3)}" text-anchor="end" fill="{MUTED}" '
                        f'font-size="{size}">{escape(capacity_label)}</text>')
    return _svg(width, height, title, body, "workload-chart")


def load_histogram(loads: Iterable[float], *, title: str, x_label: str = "", y_label: str = "",
                   width: int = 480, height: int = 200, empty_text: str = "—") -> Markup:
    """Distribution of workload: how many inspectors have each number of
    visits (integer loads; 0 included so idle inspectors show)."""
    values = [int(v) for v in loads]
    if not values:
        return _empty(title, empty_text, "load-histogram", width)
    counts = [0] * (max(values) + 1)
    for v in values:
        counts[v] += 1
    left, top, bottom, right = 36, 42 if y_label else 28, 30, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(counts)
    cmax = max(counts) or 1
    body = [f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>',
            f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{GRID}"/>',
            f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="{MUTED}" font-size="11">{cmax}</text>']
    label_every = max(1, math.ceil(len(counts) / 20))
    for load, n in enumerate(counts):
        x = left + load * step
        h = plot_h * n / cmax
        body.append(f'<rect x="{_num(x + step * 0.1)}" y="{_num(top + plot_h - h)}" width="{_num(step * 0.8)}" '
                    f'height="{_num(h)}" fill="{ACCENT}"><title>{load}: {n}</title></rect>')
        if load % label_every == 0:
            body.append(f'<text x="{_num(x + step / 2)}" y="{top + plot_h + 14}" text-anchor="middle" '
                        f'fill="{MUTED}" font-size="11">{load}</text>')
    if x_label:
        body.append(f'<text x="{_num(left + plot_w / 2)}" y="{height - 2}" text-anchor="middle" fill="{MUTED}" '
                    f'font-size="11">{escape(x_label)}</text>')
    if y_label:
        # from the left edge: anchored at the axis, a longer label ("Inspectors") was cut off
        body.append(f'<text class="y-label" x="0" y="{top - 12}" fill="{MUTED}" '
                    f'font-size="11">{escape(y_label)}</text>')
    return _svg(width, height, title, body, "load-histogram")


def heat_level(value: float, vmax: float) -> int:
    """Index into :data:`HEAT` for ``value``: 0 only for no visits, the top
    level only for the busiest day(s)."""
    if value <= 0 or vmax <= 0:
        return 0
    return 1 + min(len(HEAT) - 2, int((value / vmax) * (len(HEAT) - 1) - 1e-9))


def calendar_heatmap(counts: Mapping[date, float], *, title: str, start: date | None = None,
                     end: date | None = None, cell: int = 16, month_format: str = "{m}月",
                     weekday_labels: Sequence[str] = WEEKDAYS_ZH, off_days: Iterable[date] = (),
                     legend_less: str = "少", legend_more: str = "多", empty_text: str = "—") -> Markup:
    """Visits per day as a calendar: a column per week (weeks start on
    Monday), a row per weekday. ``start``/``end`` default to the range of
    ``counts``; ``off_days`` (non-working days) are drawn hatched-grey so a
    visit on one stands out. Every cell has a tooltip with the date and count.
    """
    days = [d for d in counts]
    if start is None or end is None:
        if not days:
            return _empty(title, empty_text, "calendar-heatmap")
        start = start or min(days)
        end = end or max(days)
    if end < start:
        start, end = end, start
    off = set(off_days)
    first_monday = start - timedelta(days=start.weekday())
    n_weeks = (end - first_monday).days // 7 + 1
    left, top, gap = 22, 40, 2
    width = left + n_weeks * (cell + gap) + 8
    height = top + 7 * (cell + gap) + 26
    vmax = max((counts.get(d, 0) for d in _daterange(start, end)), default=0)
    body = [f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>']
    for row in (0, 2, 4):
        if row < len(weekday_labels):
            body.append(f'<text x="0" y="{top + row * (cell + gap) + cell - 4}" fill="{MUTED}" font-size="10">'
                        f"{escape(weekday_labels[row])}</text>")
    last_month = None
    for d in _daterange(start, end):
        week = (d - first_monday).days // 7
        x = left + week * (cell + gap)
        y = top + d.weekday() * (cell + gap)
        if d.month != last_month:
            body.append(f'<text x="{x}" y="{top - 6}" fill="{MUTED}" font-size="10">'
                        f"{escape(month_format.format(y=d.year, m=d.month))}</text>")
            last_month = d.month
        value = counts.get(d, 0)
        level = heat_level(value, vmax)
        fill = HEAT[level]
        stroke = ' stroke="#9aa5b1" stroke-dasharray="2 2"' if d in off and not value else ""
        if d in off and not value:
            fill = "#ffffff"
        body.append(f'<rect class="day l{level}" x="{x}" y="{y}" width="{cell}" height="{cell}" rx="2" '
                    f'fill="{fill}"{stroke} data-date="{d.isoformat()}" data-count="{escape(_fmt(value))}">'
                    f"<title>{d.isoformat()}: {escape(_fmt(value))}</title></rect>")
    # legend
    ly = height - 14
    lx = left
    body.append(f'<text x="{lx}" y="{ly + 10}" fill="{MUTED}" font-size="10">{escape(legend_less)}</text>')
    lx += int(text_width(legend_less, 10)) + 4
    for color in HEAT:
        body.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{color}" rx="2"/>')
        lx += 12
    body.append(f'<text x="{lx + 2}" y="{ly + 10}" fill="{MUTED}" font-size="10">{escape(legend_more)}'
                f" ({escape(_fmt(vmax))})</text>")
    width = max(width, lx + 60)
    return _svg(width, height, title, body, "calendar-heatmap")


def share_bar(parts: Sequence[tuple[str, float]] | Mapping[str, float], *, title: str,
              width: int = 480, empty_text: str = "—") -> Markup:
    """One 100 % stacked bar with a legend giving each part's count and share."""
    rows = [(str(k), v) for k, v in (parts.items() if isinstance(parts, Mapping) else parts)]
    total = sum(v for _, v in rows)
    if total <= 0:
        return _empty(title, empty_text, "share-bar", width)
    top, bar_h = 26, 22
    height = top + bar_h + 10 + 18 * len(rows)
    body = [f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>']
    x = 0.0
    for i, (label, value) in enumerate(rows):
        w = width * value / total
        color = PALETTE[i % len(PALETTE)]
        pct = 100 * value / total
        body.append(f'<rect x="{_num(x)}" y="{top}" width="{_num(w)}" height="{bar_h}" fill="{color}">'
                    f"<title>{escape(label)}: {escape(_fmt(value))} ({pct:.1f}%)</title></rect>")
        ly = top + bar_h + 10 + 18 * i
        body.append(f'<rect x="0" y="{ly}" width="12" height="12" fill="{color}" rx="2"/>'
                    f'<text x="18" y="{ly + 11}">{escape(label)}: {escape(_fmt(value))} ({pct:.1f}%)</text>')
        x += w
    return _svg(width, height, title, body, "share-bar")


def _daterange(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)
