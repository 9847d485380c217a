"""One rule for the text people type or upload: which characters are allowed
and how long a value may be. Forms, imports, the API and the database
backstop (``inspect_app.validation``) all call :func:`check_text`, so a value
refused in one place is refused everywhere, on SQLite and PostgreSQL alike.

Refused everywhere: the C0 control characters (U+0000–U+001F) except, in
multi-line fields, TAB, LF and CR; DEL and the C1 controls (U+007F–U+009F);
the bidirectional formatting characters (U+061C, U+200E, U+200F,
U+202A–U+202E, U+2066–U+2069), which can make a public value read differently
from what is stored; lone surrogates; and the non-characters U+FFFE/U+FFFF.

>>> check_text("福清市某某餐饮有限公司", field="name", max_length=200)
'福清市某某餐饮有限公司'
>>> check_text("  T1 ", field="code", max_length=32)
'T1'
>>> check_text("a\\x00b", field="name", max_length=200)
Traceback (most recent call last):
...
inspect_app.services.text_rules.TextError: name: contains a control character (U+0000) at position 2
>>> check_text("x" * 5, field="code", max_length=4)
Traceback (most recent call last):
...
inspect_app.services.text_rules.TextError: code: is 5 characters long; at most 4 are allowed
>>> check_text("line one\\nline two", field="note", max_length=100, multiline=True)
'line one\\nline two'
>>> first_bad_character("12\\u202e34")
(3, '\\u202e')
"""

from __future__ import annotations

import re

# Characters never allowed in stored text.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _BIDI + "\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f" + _BIDI + "\ud800-\udfff\ufffe\uffff]")


class TextError(ValueError):
    """A refused text value: ``field`` names the input, ``reason`` says why
    (English, for logs); ``code`` and ``params`` let a page render the
    message in the user's language (see :func:`message`)."""

    def __init__(self, field: str, code: str, **params) -> None:
        self.field, self.code, self.params = field, code, params
        super().__init__(f"{field}: {_ENGLISH[code] % params}")


_ENGLISH = {
    "control": "contains a control character (%(char)s) at position %(position)d",
    "too_long": "is %(length)d characters long; at most %(max_length)d are allowed",
    "not_text": "is not text",
}


def first_bad_character(value: str, multiline: bool = False) -> tuple[int, str] | None:
    """(1-based position, character) of the first forbidden character, or None."""
    match = (_FORBIDDEN if multiline else _FORBIDDEN_SINGLE_LINE).search(value)
    return (match.start() + 1, match.group()) if match else None


def check_text(value, *, field: str, max_length: int | None, multiline: bool = False, strip: bool = True) -> str:
    """``value`` as stored (stripped unless ``strip=False``), or
    :class:`TextError` when it holds a forbidden character or is longer than
    ``max_length`` characters (None: no length bound here)."""
    if not isinstance(value, str):
        raise TextError(field, "not_text")
    if strip:
        value = value.strip()
    bad = first_bad_character(value, multiline)
    if bad is not None:
        position, char = bad
        raise TextError(field, "control", char=f"U+{ord(char):04X}", position=position)
    if max_length is not None and len(value) > max_length:
        raise TextError(field, "too_long", length=len(value), max_length=max_length)
    return value


def message(error: TextError, label: str | None = None) -> str:
    """The error in the user's language (Chinese msgids, see services/messages.py)."""
    from .messages import _

    name = label or error.field
    if error.code == "control":
        return _("%(f)s 含有不允许的控制字符（%(c)s，第 %(p)s 个字符）", f=name, c=error.params["char"],
                 p=error.params["position"])
    if error.code == "too_long":
        return _("%(f)s 过长：%(n)s 个字符，最多 %(m)s 个", f=name, n=error.params["length"],
                 m=error.params["max_length"])
    return _("%(f)s 不是文本", f=name)
