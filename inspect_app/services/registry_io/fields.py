"""Cell converters: raw cell (CSV text or an XLSX value) -> stored value.

Each column of a registry spec gets one converter, built once per import
(:func:`converter`), so the per-row work is a few plain function calls. A
converter raises :class:`Invalid` with a Chinese message id (see
``messages.tr``) and returns the value in the form it is compared and
written in: text, ``date``, ``bool``, ``int``, a canonical decimal string, or
for list columns the JSON text of the list.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .. import uscc as uscc_rules

TRUE_WORDS = frozenset({"是", "true", "1", "yes", "y", "t"})
FALSE_WORDS = frozenset({"否", "false", "0", "no", "n", "f"})
LIST_SEPARATORS = re.compile(r"[;；,，]")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?")


class Invalid(Exception):
    """A cell that cannot be stored: ``msgid % params`` says why."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid)
        self.msgid, self.params = msgid, params


def cell_text(raw: Any) -> str:
    """The text of a cell as a user would read it ('' for an empty cell)."""
    if raw is None:
        return ""
    if type(raw) is str:
        return raw.strip()
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw).strip()


def list_json(items: list[str]) -> str:
    """The stored form of a list column (compact JSON, readable Chinese)."""
    return json.dumps(items, ensure_ascii=False)


def parse_uscc(text: str) -> str:
    code = text.upper()
    problem = uscc_rules.diagnose(code)
    if problem is not None:
        code = uscc_rules.normalize(text)  # spaces or dashes inside
        problem = uscc_rules.diagnose(code)
        if problem is not None:
            raise Invalid(problem[0], **problem[1])
    return code


def parse_bool(text: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Invalid("应为 是/否（true/false、1/0）")


def parse_date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    match = _DATE.fullmatch(cell_text(raw))
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise Invalid("日期无效，应为 YYYY-MM-DD（或 YYYY/MM/DD）")


def parse_int(text: str, minimum: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise Invalid("应为整数") from None
    if value < minimum:
        raise Invalid("不能小于 %(min)d", min=minimum)
    return value


def parse_ratio(raw: Any) -> str:
    """An exact decimal in [0, 1], kept as its decimal text ('0.03'). Excel
    number cells are read through their shortest repr (0.03, not 0.0299…)."""
    text = repr(raw) if isinstance(raw, float) else cell_text(raw)
    try:
        value = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except InvalidOperation:
        raise Invalid("应为 0 到 1 之间的小数（如 0.03 或 3%）") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise Invalid("应为 0 到 1 之间的小数（如 0.03 或 3%）")
    return format(value.normalize(), "f")


def parse_list(text: str) -> str:
    items = [part.strip() for part in LIST_SEPARATORS.split(text)]
    return list_json([item for item in items if item])


def same_ratio(old: str | None, new: str) -> bool:
    try:
        return old is not None and Decimal(old) == Decimal(new)
    except InvalidOperation:
        return False


def same_list(old: Any, new: str) -> bool:
    """Stored JSON (text, or already decoded) against a list column's JSON."""
    if isinstance(old, str):
        try:
            old = json.loads(old)
        except ValueError:
            return False
    return old == json.loads(new)


def converter(kind: str, *, required: bool, default: Any, max_length: int | None,
              choices: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    """The converter of one column: empty cells give ``default`` (or an
    error when required), others are parsed according to ``kind``."""

    def empty():
        if required:
            raise Invalid("必填")
        return default

    if kind == "date":
        def convert(raw):
            if raw is None or (type(raw) is str and not raw.strip()):
                return empty()
            return parse_date(raw)
        return convert
    if kind == "ratio":
        def convert(raw):
            if raw is None or (type(raw) is str and not raw.strip()):
                return empty()
            return parse_ratio(raw)
        return convert

    parse: Callable[[str], Any]
    if kind == "text":
        if max_length is None:
            def parse(text):
                return text
        else:
            def parse(text, _max=max_length):
                if len(text) > _max:
                    raise Invalid("超过最大长度 %(max)d 个字符", max=_max)
                return text
    elif kind == "uscc":
        parse = parse_uscc
    elif kind == "choice":
        allowed = frozenset(choices)
        shown = "、".join(choices)

        def parse(text):
            if text in allowed:
                return text
            upper = text.upper()
            if upper in allowed:
                return upper
            raise Invalid("应为以下之一：%(choices)s", choices=shown)
    elif kind == "bool":
        parse = parse_bool
    elif kind == "int":
        parse = parse_int
    elif kind == "list":
        parse = parse_list
    else:
        raise ValueError(f"unknown column kind {kind!r}")

    def convert(raw, _parse=parse):
        if type(raw) is str:
            text = raw.strip()
        else:
            text = cell_text(raw)
        if not text:
            return empty()
        return _parse(text)

    return convert
