"""The account page's API tokens (issue 12): every user lists, creates and
revokes their own personal API tokens; a new token is shown once. Routes on
the ``auth`` blueprint; the rules are in ``services/api_tokens.py``."""

from __future__ import annotations

from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import get_session
from ..models import ROLES
from ..security import role_required
from ..services import api_tokens, notices
from .auth import bp

def _expiry(text: str) -> datetime | None:
    """The end of the chosen day (Asia/Shanghai) as a UTC moment; None for no expiry."""
    text = text.strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise api_tokens.TokenError("expires_at", api_tokens.N_("日期格式应为 YYYY-MM-DD")) from None
    return api_tokens.end_of_day(day)


def _page(errors: dict, new_token: str | None = None, status: int = 200):
    session = get_session()
    return render_template("auth/tokens.html", tokens=api_tokens.tokens_of(session, g.user.id), errors=errors,
                           new_token=new_token, is_active=api_tokens.is_active,
                           max_days=api_tokens.MAX_DAYS, local=notices.shanghai), status


@bp.route("/account/tokens", methods=["GET", "POST"], endpoint="tokens")
@role_required(*ROLES)
def tokens_view():
    if request.method == "GET":
        return _page({})
    session = get_session()
    try:
        _token, secret = api_tokens.create_token(session, g.user, request.form.get("name", ""),
                                                 _expiry(request.form.get("expires_at", "")))
    except api_tokens.TokenError as e:
        session.rollback()
        return _page({e.field: _(e.msgid, **e.params)}, status=400)
    # Shown once, in this response only (never flashed into the session cookie).
    return _page({}, new_token=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"], endpoint="revoke_token")
@role_required(*ROLES)
def revoke_view(token_id: int):
    session = get_session()
    try:
        token = api_tokens.revoke_token(session, g.user, token_id) if _own(token_id) else None
    except api_tokens.TokenError:
        token = None
    if token is None:
        session.rollback()
        return _page({"token": _("没有这个令牌")}, status=404)
    flash(_("令牌 %(name)s 已撤销", name=token.name))
    return redirect(url_for("auth.tokens"))


def _own(token_id: int) -> bool:
    """The account page revokes the user's own tokens only (an admin uses the admin page)."""
    return any(t.id == token_id for t in api_tokens.tokens_of(get_session(), g.user.id))
