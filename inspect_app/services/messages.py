"""Translatable messages for services, which also run outside a request (the
background worker, the CLI, tests). Inside a request :func:`_` is Flask-Babel's
``gettext`` (the user's language); outside one it formats the Chinese msgid."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **variables) -> str:
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message
