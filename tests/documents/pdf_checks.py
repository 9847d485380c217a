"""What the document tests check in a PDF: its text (pypdf), that every
character of the source strings has a glyph in the embedded fonts (no
missing-glyph boxes), the embedded fonts' names, and the first page as PNG
(pdftoppm) in test-artifacts/."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def squeeze(text: str) -> str:
    """Without white space (cell wrapping inserts some: "未发现问 题")."""
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _to_unicode(stream) -> dict[int, str]:
    """CID → text of a ToUnicode CMap (bfchar and bfrange entries)."""
    data = stream.get_data().decode("latin-1")
    out: dict[int, str] = {}

    def text(hexa: str) -> str:
        return bytes.fromhex(hexa).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for cid, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(cid, 16)] = text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for a, b, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = ord(text(dst)[0])
            for k, cid in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[cid] = chr(first + k)
    return out


def embedded_fonts(pdf: bytes) -> dict[str, dict[str, bool]]:
    """PostScript name of every embedded font program → each character the
    document shows in it → whether its glyph has an outline (False: the
    .notdef box or an empty glyph)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    out: dict[str, dict[str, bool]] = {}
    seen = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            if id(font) in seen or font.indirect_reference in seen:
                continue
            seen.add(font.indirect_reference)
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2") or descriptor.get("/FontFile")
                if stream is None:
                    out.setdefault(str(font.get("/BaseFont")) + " (not embedded)", {})
                    continue
                program = TTFont(io.BytesIO(stream.get_object().get_data()))
                name = program["name"].getDebugName(6)
                order, glyphs = program.getGlyphOrder(), program.getGlyphSet()
                shown = out.setdefault(name, {})
                for cid, chars in _to_unicode(font["/ToUnicode"].get_object()).items():
                    ok = 0 < cid < len(order)
                    if ok:
                        pen = BoundsPen(glyphs)
                        glyphs[order[cid]].draw(pen)
                        ok = pen.bounds is not None
                    for char in chars:
                        shown[char] = shown.get(char, False) or ok
    return out


def assert_document(pdf: bytes, strings: list[str], fonts=("NotoSerifCJKsc", "NotoSansCJKsc")) -> str:
    """The PDF shows every string of ``strings`` (white space aside), each
    character with a real glyph (an outline, not .notdef) of an embedded
    font, and the fonts are the named CJK fonts only. Returns the squeezed
    text."""
    assert pdf.startswith(b"%PDF-")
    text = squeeze(text_of(pdf))
    assert "\ufffd" not in text
    missing = [s for s in strings if squeeze(s) not in text]
    assert not missing, f"not in the PDF's text: {missing}"
    embedded = embedded_fonts(pdf)
    names = sorted(embedded)
    assert names and all(n.startswith(tuple(f + "-" for f in fonts)) for n in names), names
    drawn = {c for shown in embedded.values() for c, ok in shown.items() if ok}
    boxes = sorted({c for shown in embedded.values() for c, ok in shown.items() if not ok and not c.isspace()})
    assert not boxes, f"characters printed without a glyph: {boxes}"
    no_glyph = sorted({c for s in strings for c in squeeze(s) if c not in drawn})
    assert not no_glyph, f"characters without a glyph in the embedded fonts: {no_glyph}"
    return text


def first_page_png(pdf: bytes, name: str) -> Path:
    """The first page as test-artifacts/doc-<name>.png (pdftoppm, 80 dpi)."""
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is not installed: .ci/browser-deps installs it"
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"doc-{name}"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-", str(target)],
                   input=pdf, check=True, capture_output=True, timeout=60)
    path = target.with_suffix(".png")
    assert path.stat().st_size > 5000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path
