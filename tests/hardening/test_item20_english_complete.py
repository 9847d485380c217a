"""Issue 8, item 20: the English switch leaves nothing in Chinese.

* Every translatable string of the templates (Jinja2's Babel extractor) and
  of the Python code (Babel's Python extractor; ``_``, ``gettext``,
  ``ngettext``, ``lazy_gettext``/``_l``, ``N_`` and the import messages'
  ``tr``) has a non-empty English ``msgstr`` in the catalogue.
* No template holds Chinese text outside ``_()`` (only the language switch's
  own label "中文" may stay).
* The login page and the base layout (anonymous and logged in) rendered in
  English contain no Chinese characters except that label.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "inspect_app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = dict(DEFAULT_KEYWORDS) | {"_l": None, "lazy_gettext": None, "tr": None, "N_": None}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # CJK ideographs
SWITCH_LABEL = "中文"  # the language switch names the other language in that language


def extracted() -> dict[str, str]:
    """msgid -> where it was first found (for the failure message)."""
    found: dict[str, str] = {}
    sources = (("templates", [("**.html", "jinja2.ext:babel_extract")]),
               ("inspect_app", [("**.py", "python")]))
    for folder, method_map in sources:
        for filename, lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map, keywords=KEYWORDS, options_map={"**.html": {}}):
            for msgid in message if isinstance(message, tuple) else (message,):
                if msgid:
                    found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def english() -> dict[str, str | tuple]:
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    out = {}
    for m in catalog:
        if not m.id:
            continue
        for msgid in m.id if isinstance(m.id, tuple) else (m.id,):
            out[msgid] = m.string
    return out


def test_every_translatable_string_has_english():
    found = extracted()
    assert len(found) > 300  # the extraction works: templates, _(), _l() alike
    assert {"退出", "登录", "双随机、一公开", "请选择文件"} <= set(found)
    have = english()

    def translated(msgid: str) -> bool:
        value = have.get(msgid)
        if isinstance(value, tuple):
            return all(v.strip() for v in value)
        return bool(value and value.strip())

    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(found.items(), key=lambda kv: kv[1])
               if not translated(msgid)]
    assert not missing, f"{len(missing)} msgid(s) without English in {CATALOG.name}:\n" + "\n".join(missing)
    templates_have_no_chinese_outside_gettext()


def templates_have_no_chinese_outside_gettext():
    call = re.compile(r"""\b_\(\s*(['"])(?:\\.|(?!\1).)*\1""", re.S)
    offending = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if path.parent.name == "documents":  # printed official documents: Chinese by design (services/documents)
            continue
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        text = call.sub("_(''", text)
        for number, line in enumerate(text.splitlines(), 1):
            rest = line.replace(f"'{SWITCH_LABEL}'", "")
            if HAN.search(rest):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offending, "Chinese text not wrapped in _():\n" + "\n".join(offending)


def chinese_left(html: str) -> list[str]:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    text = text.replace(f">{SWITCH_LABEL}<", "><")
    return sorted({m.group(0) for m in re.finditer(r"[^<>\s]*" + HAN.pattern + r"[^<>\s]*", text)})


def english_page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)


def test_login_page_and_layout_are_english(client, auth):
    with client.session_transaction() as s:
        s["lang"] = "en"
    html = english_page(client, "/login")
    assert 'lang="en"' in html and "Log in" in html
    assert chinese_left(html) == []
    assert f">{SWITCH_LABEL}<" in html  # the switch back to Chinese
    for username, role, url in (("planner", "planner", "/planner/"), ("boss", "admin", "/admin/users")):
        auth.login(username, role=role)
        with client.session_transaction() as s:
            s["lang"] = "en"
        html = english_page(client, url)
        assert "Log out" in html, url
        assert chinese_left(html) == [], url
        client.post("/logout")


@pytest.mark.parametrize("url", ["/login?lang=en"])
def test_the_lang_argument_also_switches(client, url):
    assert chinese_left(english_page(client, url)) == []
