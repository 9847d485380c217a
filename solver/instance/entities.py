"""The entity rules: the ``entities`` array of an instance into
:class:`~solver.registry.EntityRows`, the one in-memory form of the registry.

:func:`entity` states the rules of one entity, naming the JSON path of the
first value that breaks them. :class:`EntityReader` is the same rules inlined
for the common case: it appends a well-formed entity to the columns without
building paths or objects, and hands anything it does not vouch for (an
unusual value, a tag set or date not seen yet) to :func:`entity`, which either
accepts it or names the problem. A test checks the two against each other on
generated documents. That the USCCs are distinct is checked once, when the
reading is done (:meth:`EntityReader.entity_rows`, with the index of
:mod:`solver.uscc_index`): the first row whose USCC an earlier row holds is
named, unless an error in another row comes before it.

>>> raw = [{"uscc": "91350181MA2Y0XXXX1", "name": "甲", "district": "350181001",
...         "risk": "B", "status": "active", "tags": ["restaurant"]},
...        {"uscc": "91350181MA2Y0XXXX1", "name": "乙", "district": "350181001",
...         "risk": "C", "status": "active"}]
>>> len(read_entities(raw[:1]))
1
>>> try:
...     read_entities(raw)
... except InputError as error:
...     print(error)
$.entities[1].uscc: duplicate entity '91350181MA2Y0XXXX1'
"""

from __future__ import annotations

from datetime import date
from typing import cast

from msgspec import UNSET

from solver import messages
from solver.errors import InputError
from solver.instance.fields import USCC, Interner, _field, _int, _list, _object, _risk, _str, _strings
from solver.instance.gcpause import paused_gc
from solver.model import Entity, LastCheck
from solver.progress import NullProgress, Progress
from solver.registry import RISK_INDEX, EntityRows, RowsBuilder
from solver.uscc_index import UsccIndex

SLICE = 8192  # entities per progress step (and per release of the raw objects)




def last_checks(raw: object, path: str, interner: Interner) -> tuple[LastCheck, ...]:
    """An entity's ``last_checks``, checked."""
    result = []
    for n, obj in enumerate(_list(raw, path)):
        at = f"{path}[{n}]"
        obj = _object(obj, at)
        result.append(LastCheck(
            department=interner.string(_str(_field(obj, "department", at), at + ".department")),
            date=interner.date(_field(obj, "date", at), at + ".date"),
            inspectors=UNSET if "inspectors" not in obj else tuple(
                interner.string(i) for i in _strings(obj["inspectors"], at + ".inspectors")),
        ))
    return tuple(result)


def entity(obj: object, n: int, interner: Interner) -> Entity:
    """Entity ``n`` of the array, checked (the rules of the format)."""
    path = f"$.entities[{n}]"
    obj = _object(obj, path)
    uscc = _field(obj, "uscc", path)
    if type(uscc) is not str or not USCC(uscc):
        raise InputError(messages.bad_uscc(path + ".uscc", uscc), path + ".uscc")
    status = _str(_field(obj, "status", path), path + ".status")
    district = _str(_field(obj, "district", path), path + ".district")
    industry = obj.get("industry")
    kind = obj.get("type")
    tags = obj.get("tags", ())
    lists = obj.get("lists", ())
    last = obj.get("last_checks", ())
    return Entity(
        uscc=uscc,
        name=_str(_field(obj, "name", path), path + ".name", empty=True),
        district=interner.string(district),
        risk=_risk(_field(obj, "risk", path), path + ".risk"),
        status=interner.string(status),
        tags=interner.set(tags, path + ".tags") if tags else frozenset(),
        lists=interner.set(lists, path + ".lists") if lists else frozenset(),
        checks_this_year=_int(obj.get("checks_this_year", 0), path + ".checks_this_year"),
        last_checks=last_checks(last, path + ".last_checks", interner) if last else (),
        industry=None if industry is None else interner.string(_str(industry, path + ".industry")),
        type=None if kind is None else interner.string(_str(kind, path + ".type")),
    )


_ABSENT = ()  # an absent list (a JSON document holds no tuple)


class _Unsure(Exception):
    """The inlined rules do not vouch for a value: :func:`entity` decides."""


def _last_checks_fast(last: object, strings: dict[str, str], dates: dict[str, date]) -> tuple[LastCheck, ...]:
    """A non-empty ``last_checks`` value of well-formed checks whose department
    and date were seen before; anything else raises :class:`_Unsure` (or
    ``KeyError``/``TypeError``) for :func:`entity`."""
    if type(last) is not list:
        raise _Unsure
    built = []
    for check in last:
        if type(check) is not dict:
            raise _Unsure
        department = check["department"]
        inspectors = check.get("inspectors", _ABSENT)
        if type(department) is not str or not department or (
                type(inspectors) is not list and inspectors is not _ABSENT):
            raise _Unsure
        for inspector in inspectors:
            if type(inspector) is not str or not inspector:
                raise _Unsure
        built.append(LastCheck(date=dates[check["date"]], department=strings[department],
                               inspectors=UNSET if inspectors is _ABSENT
                               else tuple([strings.setdefault(i, i) for i in inspectors])))
    return tuple(built)


class EntityReader:
    """Reads runs of entity objects into columns (see the module docstring)."""

    def __init__(self) -> None:
        self.builder = RowsBuilder()
        self.interner = Interner()
        self.tag_tuples: dict[tuple, int] = {(): self.builder.tagsets.code(frozenset())}
        self.list_tuples: dict[tuple, int] = {(): self.builder.listsets.code(frozenset())}

    def parse(self, raw: list) -> None:
        """Append the entities of ``raw`` (numbered on from those read before),
        one at a time: inline where the entity is of the common shape, else
        through :func:`entity`."""
        b = self.builder
        statuses, districts = b.statuses, b.districts
        status_index, district_index = statuses.index, districts.index
        industry_index, type_index = b.industries.index, b.types.index
        tag_tuples, list_tuples = self.tag_tuples, self.list_tuples
        strings, dates = self.interner.strings, self.interner.dates
        risk_index, usccs, names = RISK_INDEX, b.usccs, b.names
        empty_tags, empty_lists = tag_tuples[()], list_tuples[()]
        for obj in raw:
            row = len(usccs)
            try:
                if type(obj) is not dict:
                    raise _Unsure
                uscc, name, district = obj["uscc"], obj["name"], obj["district"]
                status = obj["status"]
                if (type(uscc) is not str or not USCC(uscc) or type(name) is not str
                        or type(district) is not str or not district or type(status) is not str
                        or not status):
                    raise _Unsure
                risk = risk_index[obj["risk"]]
                tags = obj.get("tags")
                if tags:
                    if type(tags) is not list:
                        raise _Unsure
                    tags = tag_tuples[tuple(tags)]
                else:
                    tags = empty_tags
                lists = obj.get("lists")
                if lists:
                    if type(lists) is not list:
                        raise _Unsure
                    lists = list_tuples[tuple(lists)]
                else:
                    lists = empty_lists
                checks = obj.get("checks_this_year", 0)
                if type(checks) is not int or checks < 0:
                    raise _Unsure
                industry, kind = obj.get("industry"), obj.get("type")
                if industry is not None and (type(industry) is not str or not industry):
                    raise _Unsure
                if kind is not None and (type(kind) is not str or not kind):
                    raise _Unsure
                last = obj.get("last_checks")
                if last:
                    b.last[row] = _last_checks_fast(last, strings, dates)
            except (_Unsure, KeyError, TypeError):
                b.last.pop(row, None)
                self._checked(obj, row)
                continue
            usccs.append(uscc)
            names.append(name)
            b.risk.append(risk)
            b.checks.append(checks)
            code = status_index.get(status)
            b.status.append(statuses.code(status) if code is None else code)
            code = district_index.get(district)
            b.district.append(districts.code(district) if code is None else code)
            b.tags.append(tags)
            b.lists.append(lists)
            code = industry_index.get(industry)
            b.industry.append(b.industries.code(industry) if code is None else code)
            code = type_index.get(kind)
            b.type.append(b.types.code(kind) if code is None else code)

    def _checked(self, obj: object, n: int) -> None:
        found = entity(obj, n, self.interner)
        b = self.builder
        b.add(found)
        for key, known, code in (("tags", self.tag_tuples, b.tags[-1]), ("lists", self.list_tuples, b.lists[-1])):
            raw = cast(dict, obj).get(key)  # (entity() checked that it is one)
            if type(raw) is list and raw:
                known[tuple(raw)] = code

    def entity_rows(self, error: InputError | None = None) -> EntityRows:
        """The rows read, once their USCCs are known to be distinct; else the
        first error in document order: a USCC an earlier row holds, or
        ``error`` (the error that stopped the reading: the rows read are
        all before it)."""
        index = UsccIndex(self.builder.usccs)
        row = index.first_repeat()
        if row is not None:
            at = f"$.entities[{row}].uscc"
            raise InputError(messages.duplicate_id(at, "entity", self.builder.usccs[row]), at)
        if error is not None:
            raise error
        return self.builder.rows(index)


def read_entities(raw: object, progress: Progress | None = None, consume: bool = False) -> EntityRows:
    """Every entity of the array ``raw``, checked, as columns. With
    ``consume`` the array is emptied as it is read, so that the JSON objects
    of millions of entities are released while the columns grow."""
    raw = _list(raw, "$.entities")
    progress = progress or NullProgress()
    progress.stage("entities", len(raw))
    reader = EntityReader()
    error = None
    with paused_gc():
        try:
            for start in range(0, len(raw), SLICE):
                part = raw[start:start + SLICE]
                reader.parse(part)
                if consume:
                    raw[start:start + len(part)] = [None] * len(part)
                progress.advance(len(part))
        except InputError as caught:
            error = caught
        if consume:
            raw.clear()
        return reader.entity_rows(error)
