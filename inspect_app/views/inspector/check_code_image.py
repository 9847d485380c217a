"""The team's side of the check code (扫码入企): the QR image of the
visit's public URL (only for the visit's team; anyone else's visit is a
404) and the template global the visit page's ``inspector/_check_code.html``
partial uses."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, g, url_for

from ...db import get_session
from ...models import Draw, DrawVisit
from ...security import role_required
from ...services import check_codes, visit_access
from . import bp


@dataclass
class CheckCodeDisplay:
    code: str
    grouped: str  # in groups of four, for reading aloud
    url: str  # the public page
    image_url: str  # the QR image (SVG)


def public_url(code: str) -> str:
    """The page's absolute URL: under ``CHECK_CODE_BASE_URL`` when set (the
    public address printed into the QR image), else this request's host."""
    base = (current_app.config.get("CHECK_CODE_BASE_URL") or "").rstrip("/")
    if base:
        return base + url_for("check.page", code=code)
    return url_for("check.page", code=code, _external=True)


@bp.app_template_global()
def check_code(visit: DrawVisit, draw: Draw | None = None) -> CheckCodeDisplay | None:
    """The check code of a live visit for its team's page (None if the visit
    is not live). Issues the visit's stored hash if it has none yet."""
    code = check_codes.code_for(get_session(), visit, draw)
    if code is None:
        return None
    return CheckCodeDisplay(code=code, grouped=check_codes.grouped(code), url=public_url(code),
                            image_url=url_for("inspector.check_code_image", visit_pk=visit.id))


@bp.app_template_global()
def check_code_url(visit: DrawVisit, draw: Draw | None = None) -> str | None:
    shown = check_code(visit, draw)
    return shown.url if shown is not None else None


@bp.route("/visits/<int:visit_pk>/check-code.svg")
@role_required("inspector")
def check_code_image(visit_pk: int):
    session = get_session()
    try:
        visit, draw = visit_access.team_visit(session, g.user, visit_pk)
    except visit_access.VisitNotFound:
        abort(404)
    code = check_codes.code_for(session, visit, draw)
    if code is None:
        abort(404)
    return Response(check_codes.qr_svg(public_url(code)), mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-store"})
