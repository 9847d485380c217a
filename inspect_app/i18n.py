"""Chinese-first UI with an English switch (Flask-Babel).

Message ids are the Chinese texts; ``translations/en`` holds the English
catalogue. The ``.po`` files are the source of truth; they are compiled to
``.mo`` on start-up when missing or stale, so no binary is committed.
"""

from __future__ import annotations

from pathlib import Path

from flask import request, session
from flask_babel import Babel

babel = Babel()


def select_locale() -> str:
    from flask import current_app

    langs = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):  # the JSON API: Accept-Language, never the cookie
        return request.accept_languages.best_match(langs, current_app.config["BABEL_DEFAULT_LOCALE"])
    lang = request.args.get("lang") or session.get("lang")
    if lang in langs:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogs(directory: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in directory.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)


def init_app(app) -> None:
    compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _lang():
        return {"current_lang": select_locale(), "languages": app.config["LANGUAGES"]}
