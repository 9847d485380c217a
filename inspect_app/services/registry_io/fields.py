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
from ..text_rules import TextError, check_text, first_bad_character

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


Problems = list[tuple[int, Invalid]]  # (position in the column, why)

_NEEDS_JSON = re.compile(r'[;；,，"\\\x00-\x1f]')


def texts_of(values: list[Any]) -> list[str]:
    """Cell texts of a column: CSV columns are all strings (one C-level
    pass); XLSX cells may be numbers, dates or None."""
    try:
        return list(map(str.strip, values))
    except TypeError:
        return [cell_text(v) for v in values]


def text_problems(out: list, problems: Problems, max_length: int | None, multiline: bool) -> None:
    """Apply ``text_rules.check_text`` (allowed characters, length) to a
    column of texts: a bad cell becomes ``None`` and a problem. The common
    case, a clean column, costs one search over the joined column."""
    present = [v for v in out if v]
    if not present:
        return
    too_long = max_length is not None and max(map(len, present)) > max_length
    if not too_long and first_bad_character(" ".join(present), multiline=multiline) is None:
        return
    for i, text in enumerate(out):
        if not text:
            continue
        try:
            check_text(text, field="", max_length=max_length, multiline=multiline, strip=False)
        except TextError as e:
            out[i] = None
            if e.code == "too_long":
                problems.append((i, Invalid("超过最大长度 %(max)d 个字符", max=max_length)))
            else:
                problems.append((i, Invalid("含有不允许的字符（%(char)s，第 %(position)s 个字符）", **e.params)))


def column_converter(kind: str, *, required: bool, default: Any, max_length: int | None,
                     choices: tuple[str, ...] = (), multiline: bool = False
                     ) -> Callable[[list[Any]], tuple[list[Any], Problems]]:
    """The converter of one column, applied to a whole column of cells at a
    time (a million-row import spends its time here, so the common cases
    run as C-level passes over the column and only odd cells take the slow
    path). Empty cells give ``default``, or a problem when required.
    Returns the values, with ``None`` where a cell has a problem."""

    def fill_empty(out: list, texts: list[str], problems: Problems) -> None:
        if "" in texts:
            for i, text in enumerate(texts):
                if text == "":
                    out[i] = default
                    if required:
                        problems.append((i, Invalid("必填")))

    def per_cell(parse):
        def convert(values):
            problems: Problems = []
            texts = texts_of(values)
            out = []
            for i, text in enumerate(texts):
                if not text:
                    out.append(default)
                    if required:
                        problems.append((i, Invalid("必填")))
                    continue
                try:
                    out.append(parse(values[i] if kind in ("date", "ratio") else text))
                except Invalid as e:
                    out.append(None)
                    problems.append((i, e))
            return out, problems
        return convert

    if kind == "text":
        def convert_text(values):
            problems: Problems = []
            out = texts_of(values)
            fill_empty(out, out[:], problems)
            text_problems(out, problems, max_length, multiline)
            return out, problems
        return convert_text

    if kind == "uscc":
        def convert_uscc(values):
            problems: Problems = []
            texts = texts_of(values)
            out = list(map(str.upper, texts))
            found = list(map(uscc_rules.diagnose, out))
            if any(found):
                for i, problem in enumerate(found):
                    if problem is None:
                        continue
                    if not out[i]:
                        out[i] = default
                        if required:
                            problems.append((i, Invalid("必填")))
                        continue
                    try:
                        out[i] = parse_uscc(texts[i])
                    except Invalid as e:
                        out[i] = None
                        problems.append((i, e))
            return out, problems
        return convert_uscc

    if kind == "choice":
        allowed = frozenset(choices)
        shown = "、".join(choices)

        def convert_choice(values):
            problems: Problems = []
            out = texts_of(values)
            odd = set(out) - allowed
            if odd:
                for i, text in enumerate(out):
                    if text not in odd:
                        continue
                    if text == "":
                        out[i] = default
                        if required:
                            problems.append((i, Invalid("必填")))
                    elif text.upper() in allowed:
                        out[i] = text.upper()
                    else:
                        out[i] = None
                        problems.append((i, Invalid("应为以下之一：%(choices)s", choices=shown)))
            return out, problems
        return convert_choice

    if kind == "list":
        plain = _NEEDS_JSON.search

        def convert_list(values):
            problems: Problems = []
            texts = texts_of(values)
            checked = texts[:]
            text_problems(checked, problems, None, False)
            out = [default if not t else None if c is None else '["' + t + '"]' if plain(t) is None
                   else parse_list(t) for t, c in zip(texts, checked)]
            if required:
                fill_empty(out, texts, problems)
            return out, problems
        return convert_list

    parsers = {"bool": parse_bool, "int": parse_int, "date": parse_date, "ratio": parse_ratio}
    if kind not in parsers:
        raise ValueError(f"unknown column kind {kind!r}")
    return per_cell(parsers[kind])
