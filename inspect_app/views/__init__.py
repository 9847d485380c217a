"""Blueprints, one per audience. Views are thin: they parse the request, call
a service and render a template."""

from __future__ import annotations

import importlib

from .api.problems import from_exception, from_http_exception, is_api_request

# module name -> attribute holding the blueprint
BLUEPRINTS = ("auth", "public", "planner", "admin", "inspector", "check_code", "api")


def register_blueprints(app) -> None:
    for name in BLUEPRINTS:
        module = importlib.import_module(f"inspect_app.views.{name}")
        app.register_blueprint(module.bp)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(500, _server_error)


def _status_page(status: int, heading: str, message: str):
    """403, 404, 405 and 500 in the site's layout and language (werkzeug's
    bare English page had no way back)."""
    from flask import render_template

    return render_template("errors/status.html", heading=heading, message=message), status


def _forbidden(_error):
    if is_api_request():
        return from_http_exception(_error)
    from flask_babel import gettext as _

    return _status_page(403, _("无权访问"), _("您的账号没有访问此页面的权限。"))


def _not_found(_error):
    if is_api_request():
        return from_http_exception(_error)
    from flask_babel import gettext as _

    return _status_page(404, _("页面不存在"), _("没有找到这个页面，链接可能已失效。"))


def _method_not_allowed(error):
    """A link followed to a form's address (e.g. GET /logout): the site's
    page, keeping the ``Allow`` header werkzeug computed. A 405 that no
    allowed method would answer either is a 404: werkzeug says 405 when one
    URL has a rule per method and the path's value fails every rule's
    converter (e.g. an id beyond the database's range)."""
    if not _matches_for_some_method(error.valid_methods or []):
        from werkzeug.exceptions import NotFound

        return _not_found(NotFound())
    if is_api_request():
        return from_http_exception(error)
    from flask_babel import gettext as _

    body, status = _status_page(405, _("请求方式不正确"), _("此地址只接受表单提交，请从页面上的按钮操作。"))
    return body, status, {"Allow": ", ".join(error.valid_methods or [])}


def _matches_for_some_method(methods) -> bool:
    from flask import current_app, request
    from werkzeug.exceptions import HTTPException

    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


# The last resort when even the site's layout cannot be rendered (e.g. the
# database is down): both languages, no detail.
PLAIN_SERVER_ERROR = "服务器内部错误，请稍后再试。\nInternal server error. Please try again later.\n"


def _server_error(error):
    """An unhandled exception: the site's page without any detail of the
    error (no message, no traceback: they may name internal paths or
    values). Flask has already logged the exception with its traceback."""
    from flask import current_app
    from flask_babel import gettext as _

    from ..db import get_session

    if is_api_request():
        return from_exception(getattr(error, "original_exception", None) or error)
    try:
        get_session().rollback()  # a failed transaction must not break the page itself
        return _status_page(500, _("服务器内部错误"), _("处理请求时出现错误，已记录在服务器日志中。请稍后再试；如仍出错，请联系管理员。"))
    except Exception:  # noqa: BLE001 — the page itself failed: the plain answer
        current_app.logger.exception("the error page could not be rendered")
        return PLAIN_SERVER_ERROR, 500, {"Content-Type": "text/plain; charset=utf-8"}
