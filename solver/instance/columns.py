"""The entity rules for a whole run of entities at once, column by column.

:meth:`solver.instance.entities.EntityReader.parse` checks one entity at a
time; most runs of a real registry hold nothing unusual, and for them this
module states the same rules for a whole column with a few calls that loop in
C (``map``, ``set``, ``dict.fromkeys``, one regular expression for every
USCC), then appends the columns. :func:`append_run` either appends the whole
run, exactly as the entity-at-a-time path would, or changes nothing and
returns False: a run holding anything that path would not take inline (an
unusual value, a tag set or date not seen yet, an error) then goes through
it, which decides and names the problem. (Duplicate USCCs are found once the
reading is done: :meth:`~solver.instance.entities.EntityReader.entity_rows`.)

>>> from solver.instance.entities import EntityReader
>>> reader = EntityReader()
>>> raw = [{"uscc": "91350181MA2Y0XXXX1", "name": "甲", "district": "350181001",
...         "risk": "B", "status": "active"}]
>>> append_run(reader, raw), append_run(reader, [dict(raw[0], risk="E")])  # an unknown risk class
(True, False)
>>> len(reader.entity_rows())
1
"""

from __future__ import annotations

import re
from datetime import date
from itertools import chain, islice
from operator import itemgetter
from typing import TYPE_CHECKING

from msgspec import UNSET

from solver.instance.entities import _ABSENT
from solver.model import LastCheck
from solver.registry import RISK_INDEX

if TYPE_CHECKING:  # pragma: no cover
    from solver.instance.entities import EntityReader
    from solver.registry import _Codes

_REQUIRED = itemgetter("uscc", "name", "district", "status", "risk")
_CHECK = itemgetter("department", "date")
# every USCC followed by "\n": a USCC cannot hold "\n", so each is 18 characters of the class
_USCCS = re.compile(r"(?:[0-9A-HJ-NP-RTUW-Y]{18}\n)*").fullmatch
_STR, _INT, _LIST, _NONE = {str}, {int}, {list}, type(None)


def _labels(column: tuple | list, optional: bool) -> dict | None:
    """The distinct values of a column of labels (first occurrence first), if
    each is a non-empty string (or, if ``optional``, None); else None."""
    try:
        distinct = dict.fromkeys(column)
    except TypeError:  # an unhashable value (an array, an object)
        return None
    for value in distinct:
        if (type(value) is not str or not value) and not (optional and value is None):
            return None
    return distinct


def _sets(column: list, known: dict[tuple, int], empty: int) -> list[int] | None:
    """The codes of a column of ``tags`` or ``lists`` values: a falsy value is
    the empty set (as in the rules), an array one of the ``known`` tuples."""
    if not set(map(type, filter(None, column))) <= _LIST:
        return None
    try:
        return [known[tuple(value)] if value else empty for value in column]
    except KeyError:
        return None


def _last_checks(column: list, start: int, strings: dict[str, str],
                 dates: dict[str, date]) -> dict[int, tuple] | None:
    """The non-empty ``last_checks`` of a column by row (from ``start``), if
    every check is well-formed with a department and date seen before (the
    rules of :func:`~solver.instance.entities._last_checks_fast`); else None."""
    rows = [n for n, value in enumerate(column) if value]
    values = [column[n] for n in rows]
    if not set(map(type, values)) <= _LIST:
        return None
    checks = list(chain.from_iterable(values))
    try:
        departments, days = zip(*map(_CHECK, checks), strict=True) if checks else ((), ())
        when = list(map(dates.__getitem__, days))
    except (KeyError, TypeError):  # not an object, a member missing, a date not seen yet
        return None
    inspectors = [check.get("inspectors", _ABSENT) for check in checks]
    if _labels(departments, False) is None or not set(map(type, inspectors)) <= {list, tuple}:
        return None
    if _labels(list(chain.from_iterable(inspectors)), False) is None:  # non-empty strings
        return None
    try:
        known = list(map(strings.__getitem__, departments))
    except KeyError:
        return None
    intern = strings.setdefault
    built = iter([LastCheck(date=day, department=department,
                            inspectors=UNSET if names is _ABSENT else tuple(map(intern, names, names)))
                   for department, day, names in zip(known, when, inspectors, strict=True)])
    return {start + n: tuple(islice(built, len(value))) for n, value in zip(rows, values, strict=True)}


def _codes(codes: _Codes, column: tuple | list, distinct: dict) -> map:
    """The codes of a column, new values numbered in order of first occurrence."""
    index = codes.index
    for value in distinct:
        if value not in index:
            codes.code(value)
    return map(index.__getitem__, column)


def append_run(reader: EntityReader, raw: list) -> bool:
    """Append the entities of ``raw`` to ``reader``'s columns if the inlined
    rules take every one of them; otherwise change nothing and return False."""
    if not raw:
        return True
    try:
        usccs, names, districts, statuses, risks = zip(*map(_REQUIRED, raw), strict=True)
        risk = list(map(RISK_INDEX.__getitem__, risks))
    except (KeyError, TypeError):  # not an object, a member missing, an unknown risk
        return False
    if (set(map(type, usccs)) != _STR or set(map(type, names)) != _STR
            or not _USCCS("\n".join(usccs) + "\n")):
        return False
    industries = [o.get("industry") for o in raw]
    types = [o.get("type") for o in raw]
    found = (_labels(districts, False), _labels(statuses, False), _labels(industries, True), _labels(types, True))
    district_set, status_set, industry_set, type_set = found
    if district_set is None or status_set is None or industry_set is None or type_set is None:
        return False
    checks = [o.get("checks_this_year", 0) for o in raw]
    if set(map(type, checks)) != _INT or min(checks) < 0:
        return False
    tags = _sets([o.get("tags") for o in raw], reader.tag_tuples, reader.tag_tuples[()])
    lists = _sets([o.get("lists") for o in raw], reader.list_tuples, reader.list_tuples[()])
    if tags is None or lists is None:
        return False
    b = reader.builder
    start = len(b.usccs)
    last = _last_checks([o.get("last_checks") for o in raw], start, reader.interner.strings,
                        reader.interner.dates)
    if last is None:
        return False
    b.usccs.extend(usccs)
    b.names.extend(names)
    b.risk.extend(risk)
    b.checks.extend(checks)
    b.status.extend(_codes(b.statuses, statuses, status_set))
    b.district.extend(_codes(b.districts, districts, district_set))
    b.tags.extend(tags)
    b.lists.extend(lists)
    b.industry.extend(_codes(b.industries, industries, industry_set))
    b.type.extend(_codes(b.types, types, type_set))
    b.last.update(last)
    return True
