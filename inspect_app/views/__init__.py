"""Blueprints, one per audience. Views are thin: they parse the request, call
a service and render a template."""

from __future__ import annotations

import importlib

# module name -> attribute holding the blueprint
BLUEPRINTS = ("auth", "public", "planner", "admin")


def register_blueprints(app) -> None:
    for name in BLUEPRINTS:
        module = importlib.import_module(f"inspect_app.views.{name}")
        app.register_blueprint(module.bp)
