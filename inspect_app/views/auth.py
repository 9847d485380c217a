"""Login, logout, the user's own password change and the language switch."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..db import get_session
from ..models import ROLES, User
from ..security import login, logout, role_required, safe_target
from ..services import accounts
from ..services.accounts import ThrottlePolicy, authenticate

bp = Blueprint("auth", __name__)


def _home_for(user: User) -> str:
    if user.role in ("planner", "admin"):
        return url_for("planner.index")
    if user.role == "inspector":
        return url_for("inspector.index")
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_view():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        policy = ThrottlePolicy.from_config(current_app.config)
        result = authenticate(get_session(), username, password, request.remote_addr, policy)
        if result.ok:
            login(result.user)
            return redirect(safe_target(request.args.get("next"), _home_for(result.user)))
        if result.locked_until is not None:
            flash(_("登录失败次数过多，请 %(n)s 分钟后再试", n=result.retry_minutes(datetime.now(timezone.utc))), "error")
            return render_template("auth/login.html"), 429
        flash(_("用户名或密码错误"), "error")
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"], endpoint="logout")
def logout_view():
    logout()
    return redirect(url_for("public.index"))


@bp.route("/account/password", methods=["GET", "POST"], endpoint="password")
@role_required(*ROLES)
def password_view():
    """The logged-in user changes their own password; every other session of
    theirs ends, this one is renewed."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        session_db = get_session()
        try:
            user = accounts.change_password(session_db, g.user.id, request.form.get("current_password", ""),
                                            request.form.get("password", ""), request.form.get("repeated", ""))
        except accounts.AccountError as e:
            session_db.rollback()
            errors[e.field] = _(e.msgid, **e.params)
        else:
            lang = session.get("lang")
            login(user)
            if lang:
                session["lang"] = lang
            flash(_("密码已修改，其他设备上的登录已退出"))
            return redirect(url_for("auth.password"))
    return render_template("auth/password.html", errors=errors,
                           min_length=accounts.MIN_PASSWORD_LENGTH), (400 if errors else 200)


@bp.route("/lang/<lang>", methods=["POST"])
def set_language(lang: str):
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_target(request.form.get("next"), url_for("public.index")))


from . import account_tokens  # noqa: E402,F401  (the account page's API tokens: routes on this blueprint)
