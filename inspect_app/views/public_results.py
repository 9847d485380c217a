"""The public results pages (一公开): the results index, a task's results
bulletin (结果公告) and one published record with its revisions. No login;
what they show is the public record only (``services/public_results.py``)."""

from __future__ import annotations

from flask import abort, render_template

from ..db import get_session
from ..services import public_results
from ..validation import arg_int
from .public import bp


@bp.route("/results/")
def results():
    return render_template("public/results.html", plans=public_results.results_index(get_session()))


@bp.route("/results/tasks/<int:task_id>")
def bulletin(task_id: int):
    page = arg_int("page", maximum=100_000)
    found = public_results.bulletin(get_session(), task_id, page)
    if found is None:
        abort(404)
    return render_template("public/bulletin.html", b=found, items_of=public_results.task_items)


@bp.route("/results/<int:published_id>")
def record(published_id: int):
    found = public_results.record_page(get_session(), published_id)
    if found is None:
        abort(404)
    return render_template("public/record.html", p=found)
