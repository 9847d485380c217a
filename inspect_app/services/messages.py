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


def english() -> bool:
    """Whether the current request's language is English (outside a request:
    Chinese, the msgids' language)."""
    if not has_request_context():
        return False
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "en"


def department_names(session) -> dict[str, str]:
    """Department id → its name in the user's language (the English name
    where one is registered)."""
    import sqlalchemy as sa

    from ..models import Department

    en = english()
    return {i: (e if en and e else n) for i, n, e in
            session.execute(sa.select(Department.id, Department.name, Department.name_en)).all()}
