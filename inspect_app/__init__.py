"""The web application: planners, inspectors, the public and the JSON API.

``create_app`` is the application factory (as in Flask's tutorial); each
audience has its own blueprint under ``inspect_app.views``; the domain logic
lives in ``inspect_app.services`` and never in views.
"""

from __future__ import annotations

import os

from apiflask import APIFlask
from flask import Flask

API_TITLE = "inspect API"
API_VERSION = "1.0.0"


def create_app(test_config: dict | None = None) -> Flask:
    # APIFlask is Flask plus the OpenAPI machinery of the JSON API
    # (views/api); HTML error pages stay as they are (json_errors=False),
    # and the API page is our own (views/api/meta.py), not a CDN's UI.
    app = APIFlask(
        __name__,
        title=API_TITLE,
        version=API_VERSION,
        spec_path="/api/v1/openapi.json",
        docs_path=None,
        json_errors=False,
        instance_relative_config=True,
        template_folder=os.path.join(os.path.dirname(os.path.dirname(__file__)), "templates"),
    )
    from . import config
    from .json_provider import JSONProvider

    app.json = JSONProvider(app)
    config.load(app, test_config)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)  # owner-only when new: secret key, database

    from . import cli, db, i18n, security, validation

    validation.init_app(app)  # first: the int converter must exist before routes are added
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    cli.init_app(app)

    from .views import register_blueprints

    register_blueprints(app)
    return app
