"""The one renderer: a template of ``templates/documents/`` and its data
→ PDF bytes, with WeasyPrint and the named CJK fonts.

The print stylesheet (``templates/documents/print.css``) names its fonts in
``@font-face``: Noto Serif CJK SC (body) and Noto Sans CJK SC Bold (headings),
Debian's ``fonts-noto-cjk``, by their installed name (``local()``) and by
file. WeasyPrint silently falls back to fontconfig's default when a named
font is missing, and the default misses rarer characters of enterprise
names; so :func:`font_files` refuses to render without the files
(``DOCUMENT_FONT_DIR``, default ``/usr/share/fonts/opentype/noto``), and the
tests check the fonts embedded in the PDF.

Documents are official Chinese documents: they render in Chinese whatever
the reader's UI language (the templates hold no ``_()``; the data is built
under :func:`chinese`).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context, has_request_context

TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "templates" / "documents"
STYLESHEET = TEMPLATE_DIR / "print.css"
DEFAULT_FONT_DIR = "/usr/share/fonts/opentype/noto"
FONT_FILES = ("NotoSerifCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
# The PostScript names of the faces the stylesheet asks for (the SC faces of
# the collections): what the tests expect to find embedded.
EMBEDDED_FONTS = ("NotoSerifCJKsc", "NotoSansCJKsc")


class FontsMissing(RuntimeError):
    """The CJK fonts are not installed (``apt-get install fonts-noto-cjk``)."""


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    seconds: float


def font_dir() -> Path:
    configured = current_app.config.get("DOCUMENT_FONT_DIR") if has_app_context() else None
    return Path(configured or DEFAULT_FONT_DIR)


def font_files() -> dict[str, Path]:
    """The font files by name; :class:`FontsMissing` if any is missing."""
    folder = font_dir()
    files = {name: folder / name for name in FONT_FILES}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise FontsMissing("CJK fonts not installed (Debian: apt-get install fonts-noto-cjk): " + ", ".join(missing))
    return files


def stylesheet() -> str:
    """The print stylesheet with the font files' location filled in."""
    css = STYLESHEET.read_text(encoding="utf-8")
    return css.replace("{FONT_DIR}", font_dir().as_uri())


def templates_digest() -> str:
    """SHA-256 over the document templates and the stylesheet: part of every
    document's digest, so that a changed template renders anew."""
    h = hashlib.sha256()
    for path in sorted(TEMPLATE_DIR.iterdir()):
        if path.suffix in (".html", ".css"):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@contextlib.contextmanager
def chinese():
    """Messages built inside (``services.messages._``, department names)
    come out in Chinese, whatever the request's language."""
    if has_request_context():
        from flask_babel import force_locale

        with force_locale("zh_CN"):
            yield
    else:
        yield


def html(template: str, data: dict) -> str:
    """The document's HTML (the app's Jinja environment, autoescaped)."""
    env = current_app.jinja_env
    return env.get_template(f"documents/{template}").render(d=data, stylesheet=stylesheet())


def render_pdf(template: str, data: dict) -> Rendered:
    """Render ``documents/<template>`` with ``data`` to PDF."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_files()
    started = time.perf_counter()
    source = html(template, data)
    document = HTML(string=source, base_url=str(TEMPLATE_DIR)).render(font_config=FontConfiguration())
    pdf = document.write_pdf()
    return Rendered(pdf=pdf, pages=len(document.pages), seconds=time.perf_counter() - started)
