"""Planner pages for the registries (一单两库): lists with search, filters and
pagination, record details, edit forms, uploads and exports.

The views only read the request, call :mod:`inspect_app.services.search`,
:mod:`inspect_app.services.registry_views`, :mod:`inspect_app.services.registry_edit`
and the import package, and render templates under ``planner/registries/``.
"""

from __future__ import annotations

import re
from datetime import date

from flask import abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...models import ENTITY_STATUSES, RISK_CLASSES
from ...security import role_required
from ...services import registry_views as rv
from ...services import scope
from ...services.search import ANY_LIST, search_entities
from ...validation import ParameterError, arg_int
from . import bp

DISTRICT_PREFIX = re.compile(r"[0-9]{1,12}")

# URL name of each registry, in the order the index page shows them.
KINDS = ("entities", "inspectors", "items", "departments", "districts", "conflicts", "pair_conflicts", "leaves")


@bp.context_processor
def _registry_helpers():
    def page_url(page: int) -> str:
        args = request.args.to_dict()
        args["page"] = page
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    return {"page_url": page_url, "registry_kinds": KINDS}


def _page_size() -> int:
    return int(current_app.config.get("PAGE_SIZE", 50))


def _page_arg() -> int:
    return arg_int("page")


def _district_arg(name: str = "district") -> str | None:
    """A district code filter: digits (a prefix of a code), else 400."""
    value = _text_arg(name)
    if value is not None and not DISTRICT_PREFIX.fullmatch(value):
        raise ParameterError(name, "format", expected=_("1 到 12 位数字的区划代码"))
    return value


def _bool_arg(name: str) -> bool | None:
    value = request.args.get(name, "")
    return {"1": True, "0": False}.get(value)


def _text_arg(name: str) -> str | None:
    return request.args.get(name, "").strip() or None


@bp.route("/registries/")
@role_required("planner")
def registries():
    from ...services.registry_stats import registry_counts

    return render_template("planner/registries/index.html", counts=registry_counts(
        get_session(), max_age=current_app.config["REGISTRY_COUNTS_TTL"]))


# --- entities ----------------------------------------------------------------

@bp.route("/registries/entities/")
@role_required("planner")
def entities():
    session = get_session()
    risk = _text_arg("risk")
    status = _text_arg("status")
    page = search_entities(
        session, q=_text_arg("q"), district=_district_arg(),
        risk=risk if risk in RISK_CLASSES else None,
        status=status if status in ENTITY_STATUSES else None,
        active=_bool_arg("active"), industry=_text_arg("industry"), list_name=_text_arg("list"),
        page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/entities.html", page=page, args=request.args,
                           risks=RISK_CLASSES, statuses=ENTITY_STATUSES, any_list=ANY_LIST,
                           districts=rv.district_choices(session))


@bp.route("/registries/entities/<uscc>")
@role_required("planner")
def entity(uscc: str):
    detail = rv.entity_detail(get_session(), uscc)
    if detail is None:
        abort(404)
    return render_template("planner/registries/entity.html", d=detail)


# --- inspectors --------------------------------------------------------------

@bp.route("/registries/inspectors/")
@role_required("planner")
def inspectors():
    session = get_session()
    certificate = _text_arg("certificate")
    page = rv.list_inspectors(
        session, q=_text_arg("q"), department=_text_arg("department"), district=_district_arg(),
        qualification=_text_arg("qualification"),
        certificate=certificate if certificate in rv.CERTIFICATE_STATES else None,
        active=_bool_arg("active"), page=_page_arg(), page_size=_page_size())
    today = date.today()
    states = {i.id: rv.certificate_state(i.certificate_expires, today) for i in page.items}
    return render_template("planner/registries/inspectors.html", page=page, args=request.args,
                           departments=rv.departments(session), districts=rv.district_choices(session),
                           states=states, certificate_states=rv.CERTIFICATE_STATES)


@bp.route("/registries/inspectors/<inspector_id>")
@role_required("planner")
def inspector(inspector_id: str):
    detail = rv.inspector_detail(get_session(), inspector_id)
    if detail is None:
        abort(404)
    return render_template("planner/registries/inspector.html", d=detail)


# --- check items -------------------------------------------------------------

@bp.route("/registries/items/")
@role_required("planner")
def items():
    session = get_session()
    page = rv.list_items(session, q=_text_arg("q"), department=_text_arg("department"),
                         published=_bool_arg("published"), current_only=request.args.get("all") != "1",
                         page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/items.html", page=page, args=request.args,
                           departments=rv.departments(session))


@bp.route("/registries/items/<code>")
@role_required("planner")
def item(code: str):
    versions = rv.item_versions(get_session(), code)
    if not versions:
        abort(404)
    wanted = request.args.get("version", type=int)
    shown = next((v for v in versions if v.version == wanted), versions[0])
    return render_template("planner/registries/item.html", item=shown, versions=versions)


# --- departments and districts -----------------------------------------------

@bp.route("/registries/departments/")
@role_required("planner")
def departments():
    page = rv.list_departments(get_session(), q=_text_arg("q"), page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/departments.html", page=page, args=request.args)


@bp.route("/registries/departments/<department_id>")
@role_required("planner")
def department(department_id: str):
    summary = rv.department_summary(get_session(), department_id)
    if summary is None:
        abort(404)
    return render_template("planner/registries/department.html", s=summary)


@bp.route("/registries/districts/")
@role_required("planner")
def districts():
    level = request.args.get("level", type=int)
    page = rv.list_districts(get_session(), q=_text_arg("q"), parent=_district_arg("parent"),
                             level=level if level in (1, 2, 3, 4) else None,
                             page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/districts.html", page=page, args=request.args)


@bp.route("/registries/districts/<code>")
@role_required("planner")
def district(code: str):
    summary = rv.district_summary(get_session(), code)
    if summary is None:
        abort(404)
    return render_template("planner/registries/district.html", s=summary)


# --- conflicts, pair conflicts, leaves ---------------------------------------

@bp.route("/registries/conflicts/")
@role_required("planner")
def conflicts():
    page = rv.list_conflicts(get_session(), inspector=_text_arg("inspector"), uscc=_text_arg("uscc"),
                             page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/conflicts.html", page=page, args=request.args)


@bp.route("/registries/conflicts/<int:record_id>")
@role_required("planner")
def conflict(record_id: int):
    from ...models import Conflict

    record = get_session().get(Conflict, record_id)
    if record is None:
        abort(404)
    return render_template("planner/registries/conflict.html", c=record)


@bp.route("/registries/pair_conflicts/")
@role_required("planner")
def pair_conflicts():
    page = rv.list_pair_conflicts(get_session(), inspector=_text_arg("inspector"),
                                  page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/pair_conflicts.html", page=page, args=request.args)


@bp.route("/registries/pair_conflicts/<int:record_id>")
@role_required("planner")
def pair_conflict(record_id: int):
    from ...models import PairConflict

    record = get_session().get(PairConflict, record_id)
    if record is None:
        abort(404)
    return render_template("planner/registries/pair_conflict.html", p=record)


@bp.route("/registries/leaves/")
@role_required("planner")
def leaves():
    on = None
    if request.args.get("on"):
        try:
            on = date.fromisoformat(request.args["on"])
        except ValueError:
            on = None
    page = rv.list_leaves(get_session(), inspector=_text_arg("inspector"), on=on,
                          page=_page_arg(), page_size=_page_size())
    return render_template("planner/registries/leaves.html", page=page, args=request.args,
                           bad_date=bool(request.args.get("on")) and on is None)


@bp.route("/registries/leaves/<int:record_id>")
@role_required("planner")
def leave(record_id: int):
    from ...models import InspectorLeave

    record = get_session().get(InspectorLeave, record_id)
    if record is None:
        abort(404)
    return render_template("planner/registries/leave.html", l=record)


# --- edit forms --------------------------------------------------------------

def _edit_page(kind: str, record, texts: dict[str, str], save, back_url: str, title: str, **extra):
    from flask import flash, redirect
    from flask_babel import gettext as _

    from .registry_forms import form_for, submitted_texts

    form = form_for(kind, texts)
    if request.method == "POST" and form.validate_on_submit():
        result = save(submitted_texts(form, kind))
        if result.ok:
            if result.new_version:
                flash(_("已保存为新版本 v%(version)s；原版本保留不变。", version=result.record.version), "ok")
            else:
                flash(_("已保存。"), "ok")
            return redirect(extra.pop("success_url", None) or back_url)
        for key, message in result.errors.items():
            getattr(form, key).errors = [message]
        get_session().rollback()
    # Reaching here after a POST means it was refused (field errors or CSRF).
    return render_template("planner/registries/edit.html", form=form, record=record, kind=kind,
                           back_url=back_url, title=title, **extra), (422 if request.method == "POST" else 200)


@bp.route("/registries/entities/<uscc>/edit", methods=["GET", "POST"])
@role_required("planner")
def entity_edit(uscc: str):
    from ...services import registry_edit

    detail = rv.entity_detail(get_session(), uscc)
    if detail is None:
        abort(404)
    e = detail.entity
    scope.require_member(g.user)
    return _edit_page("entities", e, registry_edit.form_texts("entities", e),
                      lambda texts: registry_edit.edit_entity(get_session(), e.uscc, texts, user=g.user),
                      url_for("planner.entity", uscc=e.uscc), f"{e.name} ({e.uscc})")


@bp.route("/registries/inspectors/<inspector_id>/edit", methods=["GET", "POST"])
@role_required("planner")
def inspector_edit(inspector_id: str):
    from ...models import Inspector
    from ...services import registry_edit

    i = get_session().get(Inspector, inspector_id)
    if i is None:
        abort(404)
    scope.require_member(g.user)
    return _edit_page("inspectors", i, registry_edit.form_texts("inspectors", i),
                      lambda texts: registry_edit.edit_inspector(get_session(), i.id, texts, user=g.user),
                      url_for("planner.inspector", inspector_id=i.id), f"{i.name} ({i.id})")


@bp.route("/registries/items/<code>/edit", methods=["GET", "POST"])
@role_required("planner")
def item_edit(code: str):
    from ...services import registry_edit

    item = registry_edit.current_item(get_session(), code)
    if item is None:
        abort(404)
    scope.require_department(g.user, item.department, get_session())
    return _edit_page("items", item, registry_edit.form_texts("items", item),
                      lambda texts: registry_edit.edit_item(get_session(), code, texts, user=g.user),
                      url_for("planner.item", code=code), f"{item.name} ({item.code} v{item.version})",
                      published=item.published)


# --- upload and export -------------------------------------------------------

def spec_or_404(kind: str):
    from ...services.registry_io.specs import REGISTRIES

    if kind not in KINDS or kind not in REGISTRIES:
        abort(404)
    return REGISTRIES[kind]


@bp.route("/registries/export/<kind>.<fmt>")
@role_required("planner")
def registry_export(kind: str, fmt: str):
    import tempfile

    from flask import send_file

    from ...services.registry_io import export_filename, export_registry

    spec_or_404(kind)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    out = tempfile.TemporaryFile()
    export_registry(get_session(), kind, fmt, out)
    out.seek(0)
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(out, mimetype=mimetype, as_attachment=True,
                     download_name=export_filename(kind, fmt))


from . import imports  # noqa: E402,F401  (registry uploads: background import jobs)
