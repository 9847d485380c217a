"""The common case of an entity array decoded by a typed decoder: msgspec
checks the types of the format while it decodes (in C), so that the columns
are taken from typed records without a check per value in Python.

A run of entities is *typed* when msgspec decodes it as an array of
:class:`TypedEntity` — only the format's keys, each of its type (a non-empty
string where the rules want one, an integer of at least 0, ``risk`` one of
the classes, ``tags`` and ``lists`` arrays of non-empty strings or null,
``last_checks`` an array of :class:`~solver.model.LastCheck` records or
null, each ``date`` a ``YYYY-MM-DD`` day of the calendar, which msgspec
parses as the rules do). Such a run is, by construction:

* plain JSON of depth at most 4 below the array, with no number but
  integers (no float, nothing a double would round): the text scans for
  deep nesting and long numbers (:mod:`solver.instance.reader`) cannot find
  anything in it;
* decoded to the same values as orjson or the standard library decode (both
  refuse what msgspec refuses here: invalid UTF-8, a lone surrogate escape;
  integers beyond 64 bits are exact in all but orjson, whose reader is not
  used for them);
* written in canonical form by :func:`encode`: the fields are declared in
  code-point order, absent members are :data:`~msgspec.UNSET` and omitted,
  and msgspec escapes strings as ``json.dumps(ensure_ascii=False)`` does (a
  test compares every code point). A key written twice keeps its last value,
  one member fewer than the text: the caller compares the ``:`` counts, as
  for orjson (and then reads the run as JSON objects).

:func:`append_typed` then states the remaining rule (the USCC's
characters) for the whole run and appends it as the entity-at-a-time rules
would (new tag sets and list sets numbered in order of first occurrence, as
they number them; the decoded checks kept as they are), or
changes nothing and returns False (the run is then read an entity at a
time, which names the problem). Anything else — an unknown key, a wrong
type — fails :func:`decode`, and the run is read as JSON objects.

>>> from solver.instance.entities import EntityReader
>>> text = (b'[{"uscc": "91350181MA2Y0XXXX1", "name": "\\\\u7532", "status": "active",'
...         b' "district": "350181001", "risk": "B", "checks_this_year": 0}]')
>>> found = decode(text)
>>> encode(found)
b'[{"checks_this_year":0,"district":"350181001","name":"\\xe7\\x94\\xb2","risk":"B","status":"active","uscc":"91350181MA2Y0XXXX1"}]'
>>> reader = EntityReader()
>>> append_typed(reader, found), len(reader.entity_rows())
(True, 1)
>>> decode(b'[{"uscc": "91350181MA2Y0XXXX1", "extra": 1}]') is None
True
"""

from __future__ import annotations

import re
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from solver.model import Label, LastCheck
from solver.registry import RISK_INDEX

if TYPE_CHECKING:  # pragma: no cover
    from solver.instance.entities import EntityReader
    from solver.registry import _Codes

class TypedEntity(Struct, forbid_unknown_fields=True, gc=False, kw_only=True):
    """An entity whose every member is of its type (fields in code-point order)."""

    checks_this_year: Annotated[int, Meta(ge=0)] | UnsetType = UNSET
    district: Label
    industry: Label | None | UnsetType = UNSET
    last_checks: tuple[LastCheck, ...] | None | UnsetType = UNSET
    lists: list[Label] | None | UnsetType = UNSET
    name: str
    risk: Literal["A", "B", "C", "D"]
    status: Label
    tags: list[Label] | None | UnsetType = UNSET
    type: Label | None | UnsetType = UNSET
    uscc: str


_decoder = msgspec.json.Decoder(list[TypedEntity])
# every USCC followed by "\n": a USCC cannot hold "\n", so each is 18 characters of the class
_USCCS = re.compile(r"(?:[0-9A-HJ-NP-RTUW-Y]{18}\n)*").fullmatch
encode = msgspec.json.Encoder().encode
_REQUIRED = tuple(map(attrgetter, ("uscc", "name", "district", "status", "risk")))


def decode(text: bytes) -> list[TypedEntity] | None:
    """The array ``text`` as typed entities, or None if it is not one (not
    JSON, not whole elements, or an element not of the format's types)."""
    try:
        return _decoder.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def as_objects(run: list[TypedEntity]) -> list[dict]:
    """The typed entities as the JSON objects of their canonical text
    (absent members absent, integers exact, arrays as lists), for the
    entity-at-a-time rules."""
    return msgspec.json.decode(encode(run))


def _codes(codes: _Codes, column: list) -> map:
    """The codes of a column of labels (absent as None), new values numbered
    in order of first occurrence."""
    index = codes.index
    lookup = {}
    for value in dict.fromkeys(column):
        key = None if value is UNSET else value
        found = index.get(key)
        lookup[value] = codes.code(key) if found is None else found
    return map(lookup.__getitem__, column)


def _checks(column: list) -> list[int]:
    """``checks_this_year``, absent as 0."""
    if UNSET not in (distinct := dict.fromkeys(column)):
        return column
    lookup = {value: 0 if value is UNSET else value for value in distinct}
    return list(map(lookup.__getitem__, column))


def _last_checks(column: list, start: int) -> zip:
    """(row, checks) of the non-empty ``last_checks`` (rows from ``start``):
    msgspec decoded them as :class:`~solver.model.LastCheck` records, their
    dates as dates (``YYYY-MM-DD`` and a day of the calendar, as the rules
    want)."""
    return zip(compress(range(start, start + len(column)), column), filter(None, column), strict=True)


def _sets(column: list, known: dict[tuple, int], codes: _Codes, strings: dict[str, str]) -> list[int]:
    """The codes of a column of ``tags`` or ``lists`` (absent or null: the
    empty set), sets not seen yet numbered in order of first occurrence."""
    empty = known[()]
    try:
        return [known[tuple(value)] if value else empty for value in column]
    except KeyError:
        pass
    intern = strings.setdefault
    for value in filter(None, column):
        key = tuple(value)
        if key not in known:
            known[key] = codes.code(frozenset(map(intern, key, key)))
    return [known[tuple(value)] if value else empty for value in column]


def append_typed(reader: EntityReader, run: list[TypedEntity]) -> bool:
    """Append the typed entities ``run`` to ``reader``'s columns if every
    required member is present and the rules take every entity inline;
    otherwise change nothing and return False."""
    if not run:
        return True
    usccs, names, districts, statuses, risks = (list(map(get, run)) for get in _REQUIRED)
    if not _USCCS("\n".join(usccs) + "\n"):
        return False
    b = reader.builder
    strings = reader.interner.strings
    start = len(b.usccs)
    last = _last_checks(list(map(attrgetter("last_checks"), run)), start)
    tags = _sets(list(map(attrgetter("tags"), run)), reader.tag_tuples, b.tagsets, strings)
    lists = _sets(list(map(attrgetter("lists"), run)), reader.list_tuples, b.listsets, strings)
    b.usccs.extend(usccs)
    b.names.extend(names)
    b.risk.extend(map(RISK_INDEX.__getitem__, risks))
    b.checks.extend(_checks(list(map(attrgetter("checks_this_year"), run))))
    b.status.extend(_codes(b.statuses, statuses))
    b.district.extend(_codes(b.districts, districts))
    b.tags.extend(tags)
    b.lists.extend(lists)
    b.industry.extend(_codes(b.industries, list(map(attrgetter("industry"), run))))
    b.type.extend(_codes(b.types, list(map(attrgetter("type"), run))))
    b.last.update(last)
    return True
