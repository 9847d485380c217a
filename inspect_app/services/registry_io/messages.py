"""Localised problem messages for imports.

Message ids are Chinese (the project's convention) with ``%(name)s``
placeholders; the English texts live in the ``en`` catalogue. Inside a web
request the user's language is used (Flask-Babel); anywhere else — CLI,
benchmarks, scripts, doctests — messages are English, read straight from the
catalogue so that no application or request context is needed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import has_request_context

EN_CATALOG = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def tr(msgid: str, **params) -> str:
    """``msgid % params`` in the current language (English outside requests)."""
    if has_request_context():
        from flask_babel import gettext

        return gettext(msgid, **params)
    text = _english().get(msgid) or msgid
    return text % params if params else text


@cache
def _english() -> dict[str, str]:
    from babel.messages.pofile import read_po

    with EN_CATALOG.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string}
