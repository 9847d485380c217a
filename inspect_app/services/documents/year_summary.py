"""The year's summary (年度抽查工作总结) of a department, or of all: the
public year-in-figures page (``/figures/<year>``, :mod:`..year_figures`) as a
document for the annual rule-of-law report (法治政府建设工作报告) — the same
figures, the per-month table, the per-department table when no department
is chosen, and the page's charts.

Built from :func:`..year_figures.figures` only, so from published records
and sealed draws only: an unpublished result changes nothing in it. Public
(the content is), rendered in the request (it is short), stored.

The charts are the page's SVG (:mod:`..charts`) with their font named as the
print stylesheet's body font, so WeasyPrint draws them with the embedded
Noto Serif CJK SC and nothing else."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session

from .. import charts, year_figures
from ..year_figure_charts import figure_charts
from .common import day, department_names

CHART_FONT = 'font-family="Noto Serif CJK SC"'
# the charts' titles (weight 600) in the stylesheet's bold face: no third face embedded
CHART_TITLE = ('font-weight="600"', 'font-family="Noto Sans CJK SC" font-weight="bold"')


def key(year: int, department: str | None) -> str:
    return f"year:{year}:{department or 'all'}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else ""


def _chart(svg) -> str:
    return str(svg).replace(charts.FONT, CHART_FONT).replace(*CHART_TITLE)


def _two_columns(months: list[dict]) -> list[list[dict | None]]:
    """The months in two columns side by side (January–June, July–December):
    rows of [left, right], the right one None when the count is odd."""
    half = (len(months) + 1) // 2
    left, right = months[:half], months[half:]
    return [[a, right[i] if i < len(right) else None] for i, a in enumerate(left)]


def data(session: Session, year: int, department: str | None = None, today: date | None = None) -> dict:
    names = department_names(session)
    f = year_figures.figures(session, year, department)
    per_department = ([(names.get(d, d), n) for d, n in year_figures.checks_per_department(session, year)]
                      if department is None else [])
    who = names.get(department, department) if department else "全部部门"
    rows = [
        ("组织抽取（摇号）次数", f"{f.draws_held} 次"),
        ("公示的检查次数", f"{f.checks} 次"),
        ("检查对象", f"{f.entities} 户"),
        ("其中联合检查（综合查一次）的对象",
         f"{f.entities_joint} 户" + (f"（占 {_share(f.entities_joint, f.entities)}）" if f.entities else "")),
        ("发现问题的检查事项", f"{f.problems} 项"),
        ("发现问题的检查对象", f"{f.entities_with_problems} 户"),
        ("责令整改的检查事项", f"{f.ordered} 项"),
        ("已整改的检查事项", f"{f.rectified} 项"),
        ("按时（在检查完成后的公示期限内）公示的检查结果",
         f"{f.on_time} / {f.on_time_known} 条" + (f"（{_share(f.on_time, f.on_time_known)}）" if f.on_time_known else "")),
        ("推送信用监管的检查对象", f"{f.credit_entities} 户"),
    ]
    return {
        "title": f"{who}{year}年度“双随机、一公开”抽查工作总结",
        "number": f"{year}年度 · {who}",
        "year": year, "department": who, "by_department": department is not None,
        "figures": [{"label": label, "value": value} for label, value in rows],
        "summary": {"draws": f.draws_held, "checks": f.checks, "entities": f.entities,
                    "joint": f.entities_joint, "joint_share": _share(f.entities_joint, f.entities),
                    "problems": f.problems, "ordered": f.ordered, "rectified": f.rectified,
                    "on_time_share": _share(f.on_time, f.on_time_known), "credit": f.credit_entities},
        "months": _two_columns([{"month": f"{y}年{m}月", "checks": n} for y, m, n in f.months()]),
        "departments": [{"name": name, "checks": n} for name, n in per_department],
        "charts": [_chart(c) for c in figure_charts(f, per_department).values()],
        "as_of": day(today or date.today()),
    }


def filename(year: int, department: str | None) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "", department or "")
    return f"year-summary-{year}{'-' + safe if safe else ''}.pdf"
