"""``flask --app wsgi …`` commands. Each area keeps its commands in a module of
``inspect_app.commands`` that exposes ``commands`` (a list of click commands or
groups); they are registered here."""

from __future__ import annotations

import importlib

COMMAND_MODULES = ("db", "users", "calendar", "demo", "registry", "draws", "checkcode", "results", "scheduler", "audit")


def init_app(app) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"inspect_app.commands.{name}")
        for command in module.commands:
            app.cli.add_command(command)
