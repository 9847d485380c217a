"""Small typed readers of JSON values; ``path`` is always the JSON path of the
value, and every refusal is an :class:`~solver.errors.InputError` naming it.

>>> _int(3, "$.policy.frequency_cap", 1)
3
>>> try:
...     _int(0, "$.policy.frequency_cap", 1)
... except InputError as error:
...     print(error)
$.policy.frequency_cap: 0 must be at least 1
"""

from __future__ import annotations

import math
import re
from datetime import date
from fractions import Fraction
from typing import cast

from solver import messages
from solver.errors import InputError
from solver.model import RISK_CLASSES

USCC = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}").fullmatch
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
HEX64 = re.compile(r"[0-9a-f]{64}").fullmatch


def _field(obj: dict, key: str, path: str) -> object:
    try:
        return obj[key]
    except KeyError:
        raise InputError(messages.missing_field(f"{path}.{key}"), f"{path}.{key}") from None


def _fail(path: str, expected: str, value: object) -> InputError:
    return InputError(messages.wrong_type(path, expected, value), path)


def _object(value: object, path: str) -> dict:
    if type(value) is not dict:
        raise _fail(path, "an object", value)
    return value


def _list(value: object, path: str) -> list:
    if type(value) is not list:
        raise _fail(path, "an array", value)
    return value


def _str(value: object, path: str, empty: bool = False) -> str:
    if type(value) is not str or (not empty and not value):
        raise _fail(path, "a string" if empty else "a non-empty string", value)
    return value


def _int(value: object, path: str, minimum: int = 0) -> int:
    if type(value) is not int:
        raise _fail(path, "an integer", value)
    if value < minimum:
        message = messages.negative if minimum == 0 else messages.not_positive
        raise InputError(message(path, value), path)
    return value


def _bool(value: object, path: str) -> bool:
    if type(value) is not bool:
        raise _fail(path, "true or false", value)
    return value


def _date(value: object, path: str) -> date:
    if type(value) is str and _DATE(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(path, "a date (YYYY-MM-DD)", value)


def _strings(value: object, path: str) -> tuple[str, ...]:
    items = _list(value, path)
    for n, item in enumerate(items):
        _str(item, f"{path}[{n}]")
    return tuple(items)


def _dates(value: object, path: str) -> frozenset[date]:
    return frozenset(_date(v, f"{path}[{n}]") for n, v in enumerate(_list(value, path)))


def _risk(value: object, path: str) -> str:
    if value not in RISK_CLASSES or type(value) is not str:
        raise InputError(messages.bad_risk(path, value, RISK_CLASSES), path)
    return value


def _ratio(value: object, path: str) -> Fraction:
    """An exact ratio from a JSON number, via its decimal text.

    >>> _ratio(0.03, "$") * 100
    Fraction(3, 1)
    """
    if type(value) not in (int, float) or not math.isfinite(cast(float, value)):
        raise _fail(path, "a number", value)
    if not 0 <= cast(float, value) <= 1:
        raise InputError(messages.ratio_out_of_range(path, value), path)
    return Fraction(str(value))


def _known_keys(obj: dict, allowed: frozenset[str], path: str) -> None:
    for key in sorted(obj):
        if key not in allowed:
            raise InputError(messages.unknown_key(path, key, allowed), f"{path}.{key}")


def _unique(ids: list[str], kind: str, path: str) -> None:
    seen: set[str] = set()
    for n, value in enumerate(ids):
        if value in seen:
            raise InputError(messages.duplicate_id(f"{path}[{n}].id", kind, value), f"{path}[{n}]")
        seen.add(value)


class Interner:
    """Shares equal strings, dates and sets between the objects of one parse."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.sets: dict[tuple[str, ...], frozenset[str]] = {}
        self.dates: dict[str, date] = {}

    def string(self, value: str) -> str:
        return self.strings.setdefault(value, value)

    def set(self, values: object, path: str) -> frozenset[str]:
        key = _strings(values, path)
        found = self.sets.get(key)
        if found is None:
            found = self.sets[key] = frozenset(self.string(v) for v in key)
        return found

    def date(self, value: object, path: str) -> date:
        found = self.dates.get(cast(str, value)) if type(value) is str else None
        if found is None:
            found = self.dates[cast(str, value)] = _date(value, path)
        return found
