"""The year in figures as charts (services/charts.py SVG), once for the
public page (``/figures/<year>``) and its printed summary
(services/documents/year_summary.py): the words come from ``_()``, so the
page draws them in the reader's language and the document, rendered in
Chinese, in Chinese."""

from __future__ import annotations

from markupsafe import Markup

from . import charts
from .messages import _
from .year_figures import YearFigures


def figure_charts(f: YearFigures, per_department: list[tuple[str, int]]) -> dict[str, Markup]:
    """Checks per month; problems, ordered and rectified; the joint share;
    the on-time share; and, for all departments, checks per department."""
    month_format = charts.calendar_texts()["month_format"]
    per_month = [(month_format.format(y=y, m=m) if y == f.year else f"{y}-{m:02d}", n) for y, m, n in f.months()]
    empty = _("暂无公示的检查结果")
    shown = {
        "months": charts.bar_chart(per_month, title=_("每月完成的检查（已公示）"), max_bars=None, width=480),
        "problems": charts.bar_chart([(_("发现问题（检查事项）"), f.problems), (_("责令整改（检查事项）"), f.ordered),
                                      (_("已整改"), f.rectified)], title=_("发现问题、责令整改和已整改"), width=480),
        "joint": charts.share_bar([(_("综合查一次（联合检查）"), f.entities_joint),
                                   (_("单一部门检查"), f.entities - f.entities_joint)],
                                  title=_("检查对象：联合检查的比例"), empty_text=empty),
        "on_time": charts.share_bar([(_("按时公示"), f.on_time), (_("逾期公示"), f.on_time_known - f.on_time)],
                                    title=_("检查结果按时公示的比例"), empty_text=empty),
    }
    if f.department is None:
        shown["departments"] = charts.bar_chart(per_department, title=_("各部门公示的检查次数"), width=480,
                                                empty_text=empty)
    return shown
