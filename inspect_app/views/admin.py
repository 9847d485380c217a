"""Administration: user accounts. Every view requires the admin role;
``tests/test_access.py`` proves it for every route of this blueprint."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from ..db import get_session
from ..models import ROLES, Department, Inspector, User
from ..security import role_required
from ..services import accounts, api_tokens

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _error(e: accounts.AccountError) -> str:
    """The service's Chinese message id, translated, with its parameters."""
    return _(e.msgid, **e.params)


def _user_or_404(user_id: int) -> User:
    try:
        return accounts.get_user(get_session(), user_id)
    except LookupError:
        abort(404)


def _choices() -> dict:
    session = get_session()
    linked = {u.inspector for u in session.exec(select(User).where(User.inspector.is_not(None))).all()}
    return {
        "roles": ROLES,
        "departments": session.exec(select(Department).order_by(Department.id)).all(),
        "free_inspectors": [i for i in session.exec(select(Inspector).order_by(Inspector.id)).all() if i.id not in linked],
        "tokens_of": lambda user_id: api_tokens.tokens_of(session, user_id),
        "token_active": api_tokens.is_active,
    }


@bp.route("/")
@role_required("admin")
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    session = get_session()
    errors: dict[str, str] = {}
    form = {}
    if request.method == "POST":
        form = request.form
        try:
            user = accounts.create_account(
                session, form.get("username", ""), form.get("password", ""), form.get("role", ""),
                inspector=form.get("inspector"), department=form.get("department"),
            )
        except accounts.AccountError as e:
            session.rollback()
            errors[e.field] = _error(e)
        else:
            flash(_("已创建账号 %(name)s", name=user.username))
            return redirect(url_for("admin.users"))
    status = 400 if errors else 200
    return render_template("admin/users.html", users=accounts.list_users(session), errors=errors, form=form,
                           **_choices()), status


@bp.route("/users/<int:user_id>")
@role_required("admin")
def user(user_id: int):
    return render_template("admin/user.html", user=_user_or_404(user_id), errors={}, **_choices())


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke_token(user_id: int, token_id: int):
    """An admin revokes any user's API token (services/api_tokens.py)."""
    target = _user_or_404(user_id)
    session = get_session()
    if not any(t.id == token_id for t in api_tokens.tokens_of(session, target.id)):
        abort(404)
    token = api_tokens.revoke_token(session, g.user, token_id)
    flash(_("令牌 %(name)s 已撤销", name=token.name))
    return redirect(url_for("admin.user", user_id=user_id))


def _apply(user_id: int, change, done_msg: str):
    """Runs one account change; on error re-renders the user page with the
    message next to the field, losing nothing."""
    target = _user_or_404(user_id)
    session = get_session()
    try:
        change(session, target)
    except accounts.AccountError as e:
        session.rollback()
        return render_template("admin/user.html", user=_user_or_404(user_id), errors={e.field: _error(e)},
                               **_choices()), 400
    flash(done_msg)
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("admin")
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    return _apply(user_id, lambda s, u: accounts.set_active(s, u.id, active, acting_user_id=g.user.id),
                  _("账号已启用") if active else _("账号已停用"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required("admin")
def reset_password(user_id: int):
    password = request.form.get("password", "")
    return _apply(user_id, lambda s, u: accounts.reset_password(s, u.id, password), _("密码已重置"))


@bp.route("/users/<int:user_id>/sessions", methods=["POST"])
@role_required("admin")
def end_sessions(user_id: int):
    return _apply(user_id, lambda s, u: accounts.end_sessions(s, u.id), _("该用户的全部会话已结束"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required("admin")
def change_role(user_id: int):
    role = request.form.get("role", "")
    return _apply(user_id, lambda s, u: accounts.change_role(s, u.id, role), _("角色已修改"))


@bp.route("/users/<int:user_id>/inspector", methods=["POST"])
@role_required("admin")
def link_inspector(user_id: int):
    inspector = request.form.get("inspector", "")
    return _apply(user_id, lambda s, u: accounts.link_inspector(s, u.id, inspector), _("检查人员关联已更新"))


# --- the department an account acts for (issue 8, item 16; services/scope.py) ---

@bp.route("/users/<int:user_id>/department", methods=["POST"])
@role_required("admin")
def set_department(user_id: int):
    from ..services import scope

    department = request.form.get("department", "")
    return _apply(user_id, lambda s, u: scope.set_department(s, u.id, department), _("所属部门已更新"))


@bp.context_processor
def _role_label():
    names = {"admin": _("管理员"), "planner": _("计划员"), "inspector": _("检查人员")}
    return {"role_label": lambda role: names.get(role, role), "min_password_length": accounts.MIN_PASSWORD_LENGTH}


from . import admin_calendar  # noqa: E402,F401  (the calendar page, issue 8 item 22: routes on this blueprint)
from . import admin_scheduler  # noqa: E402,F401  (the scheduler's runs, issue 11: routes on this blueprint)
from . import admin_audit  # noqa: E402,F401  (the audit log, issue 11: routes on this blueprint)
