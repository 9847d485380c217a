"""Login, logout and the language switch."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..db import get_session
from ..models import User
from ..security import login, logout
from ..services.accounts import ThrottlePolicy, authenticate

bp = Blueprint("auth", __name__)


def _home_for(user: User) -> str:
    if user.role in ("planner", "admin"):
        return url_for("planner.index")
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
            target = request.args.get("next") or ""
            if not target.startswith("/") or target.startswith("//"):
                target = _home_for(result.user)
            return redirect(target)
        if result.locked_until is not None:
            flash(_("登录失败次数过多，请 %(n)s 分钟后再试", n=result.retry_minutes(datetime.now(timezone.utc))), "error")
            return render_template("auth/login.html"), 429
        flash(_("用户名或密码错误"), "error")
    return render_template("auth/login.html")



@bp.route("/logout", methods=["POST"], endpoint="logout")
def logout_view():
    logout()
    return redirect(url_for("public.index"))


@bp.route("/lang/<lang>", methods=["POST"])
def set_language(lang: str):
    from flask import current_app

    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next") or url_for("public.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("public.index")
    return redirect(target)
