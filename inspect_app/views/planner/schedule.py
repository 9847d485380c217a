"""Schedule review (planner): a drawn or sealed draw's visits by day and by
inspector, filtered by department, district and task, with workload and
coverage charts and an XLSX export. The data and figures come from
:mod:`inspect_app.services.schedule`; the charts from
:mod:`inspect_app.services.charts`."""

from __future__ import annotations

import math

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...security import role_required
from ...services import charts
from ...services import schedule as svc
from ...validation import arg_int
from . import bp


def _draw_or_404(draw_id: int):
    try:
        return svc.get_schedule_draw(get_session(), draw_id)
    except svc.ScheduleError:
        abort(404)


def _paginate(items: list) -> dict:
    """The ``page`` argument's slice of ``items`` and the pager's numbers."""
    size = int(current_app.config.get("PAGE_SIZE", 50))
    pages = max(1, math.ceil(len(items) / size))
    page = min(arg_int("page"), pages)
    return {"items": items[(page - 1) * size: page * size], "page": page, "pages": pages, "total": len(items)}


def _weekday_labels() -> list[str]:
    return [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def _load(draw):
    """The filter from the request and the names to show."""
    return svc.ScheduleFilter.from_args(request.args), svc.names_for(get_session(), draw)


@bp.context_processor
def _schedule_helpers():
    def schedule_url(endpoint: str, draw_id: int, flt: svc.ScheduleFilter | None = None, **override) -> str:
        args = flt.args(**override) if flt is not None else {k: v for k, v in override.items() if v}
        return url_for(endpoint, draw_id=draw_id, **args)

    return {"schedule_url": schedule_url, "weekday_labels": _weekday_labels, "day_counts": svc.day_counts}


@bp.route("/schedule/")
@role_required("planner")
def schedule_index():
    return render_template("planner/schedule/index.html", draws=svc.schedulable_draws(get_session()))


@bp.route("/schedule/<int:draw_id>")
@role_required("planner")
def schedule(draw_id: int):
    draw = _draw_or_404(draw_id)
    flt, names = _load(draw)
    summary = svc.summary_for(get_session(), draw, flt)
    none = _("没有符合条件的检查")
    figures = {
        "workload": charts.workload_chart(
            {names.inspector(i): n for i, n in summary.per_inspector.items()},
            title=_("检查人员工作量（户次）"), empty_text=none),
        "histogram": charts.load_histogram(
            summary.per_inspector.values(), title=_("工作量分布"), x_label=_("检查户次"), y_label=_("人数"),
            empty_text=none),
        "calendar": charts.calendar_heatmap(
            summary.per_day, title=_("每日检查户次"), start=draw.window_start, end=draw.window_end,
            **charts.calendar_texts(), off_days=svc.off_days(get_session(), draw), empty_text=none),
        "districts": charts.bar_chart(
            [(names.district(c), n) for c, n in summary.per_district.items()],
            title=_("各区划检查户次"), other_label=_("其他"), empty_text=none),
        "departments": charts.bar_chart(
            [(names.department(d), n) for d, n in summary.per_department.items()],
            title=_("各部门参与检查户次"), color=charts.PALETTE[1], empty_text=none),
        "joint": charts.share_bar(
            [(_("联合检查"), summary.joint), (_("单部门检查"), summary.single)],
            title=_("联合检查与单部门检查"), empty_text=none),
    }
    return render_template("planner/schedule/overview.html", draw=draw, flt=flt, summary=summary, names=names,
                           figures=figures, options=svc.filter_options(get_session(), draw, names))


@bp.route("/schedule/<int:draw_id>/days")
@role_required("planner")
def schedule_days(draw_id: int):
    """A month calendar with the number of visits per day; the chosen day's
    visits (the first day with visits by default) below it."""
    draw = _draw_or_404(draw_id)
    flt, names = _load(draw)
    day_filter = svc.ScheduleFilter(flt.department, flt.district, flt.task, flt.inspector)
    days = svc.day_index(get_session(), draw, day_filter)
    chosen = flt.day or next(iter(days), None)
    listing = _paginate(days.get(chosen, [])) if chosen else _paginate([])
    return render_template("planner/schedule/days.html", draw=draw, flt=flt, names=names, days=days,
                           chosen=chosen, listing=listing, months=svc.month_grid(draw.window_start, draw.window_end),
                           off_days=svc.off_days(get_session(), draw), options=svc.filter_options(get_session(), draw, names))


@bp.route("/schedule/<int:draw_id>/inspectors")
@role_required("planner")
def schedule_inspectors(draw_id: int):
    """Each inspector's visits: a table of inspectors (load, days), or one
    inspector's agenda when ``inspector`` is given."""
    draw = _draw_or_404(draw_id)
    flt, names = _load(draw)
    per_inspector = svc.inspector_index(get_session(), draw, flt)
    if flt.inspector:
        agenda = per_inspector.get(flt.inspector, [])
        listing = _paginate(agenda)
    else:
        order = request.args.get("sort", "load")
        keys = sorted(per_inspector, key=(lambda i: (-len(per_inspector[i]), i)) if order == "load" else None)
        listing = _paginate([(i, per_inspector[i]) for i in keys])
    return render_template("planner/schedule/inspectors.html", draw=draw, flt=flt, names=names, listing=listing,
                           options=svc.filter_options(get_session(), draw, names))


@bp.route("/schedule/<int:draw_id>/export.xlsx")
@role_required("planner")
def schedule_export(draw_id: int):
    draw = _draw_or_404(draw_id)
    session = get_session()
    flt = svc.ScheduleFilter.from_args(request.args)
    rows = svc.filtered_visits(session, draw, flt)
    data = svc.export_xlsx(draw, rows, svc.names_for(session, draw), flt)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="schedule-{draw.code}.xlsx"',
                             "Cache-Control": "no-store"})
