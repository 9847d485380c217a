"""Blueprints, one per audience. Views are thin: they parse the request, call
a service and render a template."""

from __future__ import annotations

import importlib

from .api.problems import from_http_exception, is_api_request

# module name -> attribute holding the blueprint
BLUEPRINTS = ("auth", "public", "planner", "admin", "inspector", "check_code", "api")


def register_blueprints(app) -> None:
    for name in BLUEPRINTS:
        module = importlib.import_module(f"inspect_app.views.{name}")
        app.register_blueprint(module.bp)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_allowed)


def _status_page(status: int, heading: str, message: str):
    """403 and 404 in the site's layout and language (werkzeug's bare English
    page had no way back)."""
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


def _not_allowed(error):
    """405: a problem document under /api/, werkzeug's page elsewhere."""
    if is_api_request():
        return from_http_exception(error)
    return error
