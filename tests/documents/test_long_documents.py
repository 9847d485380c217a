"""A long document (issue 11): a results bulletin over several pages repeats
its table header on every page and numbers the pages "第 X 页 共 Y 页".
Rendered from synthetic data (the bench's) with the app's renderer, once
(no database involved)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pypdf

from documents.pdf_checks import assert_document, squeeze

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def test_headers_repeat_and_pages_are_numbered():
    from bench_documents import bulletin_data

    from inspect_app import create_app
    from inspect_app.services.documents.render import render_pdf

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://"})
    data = bulletin_data(70)
    with app.app_context():
        rendered = render_pdf("bulletin.html", data)
    pages = pypdf.PdfReader(io.BytesIO(rendered.pdf)).pages
    assert rendered.pages == len(pages) >= 4
    for number, page in enumerate(pages, 1):
        text = squeeze(page.extract_text())
        assert "序号检查对象名称统一社会信用代码完成日期检查事项及结果" in text, number  # the header, on every page
        assert f"第{number}页共{len(pages)}页" in text
    assert_document(rendered.pdf, [r["name"] for r in data["rows"]] + [r["uscc"] for r in data["rows"]])
