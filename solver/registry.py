"""The entity registry of an instance, kept as columns.

A province instance holds millions of entities, of which a draw visits a few
per cent. :class:`EntityRows` keeps the registry as columns — the strings that
identify an entity, and small integer codes for the attributes the sampling
reads — and builds an :class:`~solver.model.Entity` only when one is asked
for. It is a ``Sequence[Entity]``: indexing, iteration and comparison behave
as on the tuple of entities it stands for, so the rest of the solver (and
every test that builds an instance from a tuple) does not need to know which
of the two it holds. :func:`entity_lookup` finds entities by USCC in either.

:class:`RowsBuilder` collects the columns row by row (the instance reader
calls it); :meth:`EntityRows.join` puts several builders' rows end to end
(the reader splits large registries between processes).

>>> from solver.model import Entity
>>> builder = RowsBuilder()
>>> builder.add(Entity("91350181MA2Y0XXXX1", "甲", "350181001", "B", "active", frozenset({"restaurant"})))
>>> builder.add(Entity("91350181MA2Y0XXXX2", "乙", "350102001", "D", "closed"))
>>> rows = builder.rows()
>>> rows[1].status, rows[0].tags, len(rows)
('closed', frozenset({'restaurant'}), 2)
>>> rows == tuple(rows), entity_lookup(rows)["91350181MA2Y0XXXX2"].risk
(True, 'D')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from solver.model import RISK_CLASSES, Entity, LastCheck

RISK_INDEX = {r: n for n, r in enumerate(RISK_CLASSES)}


class _Codes:
    """Distinct values numbered by first occurrence."""

    __slots__ = ("index", "values")

    def __init__(self) -> None:
        self.index: dict = {}
        self.values: list = []

    def code(self, value) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


class RowsBuilder:
    """Columns of entities added one at a time (see :meth:`add` and the
    reader's inlined fast path, which appends to the same lists)."""

    def __init__(self) -> None:
        self.usccs: list[str] = []
        self.names: list[str] = []
        self.risk: list[int] = []
        self.checks: list[int] = []
        self.status, self.district = [], []
        self.tags, self.lists, self.industry, self.type = [], [], [], []
        self.statuses, self.districts = _Codes(), _Codes()
        self.tagsets, self.listsets = _Codes(), _Codes()
        self.industries, self.types = _Codes(), _Codes()
        self.last: dict[int, tuple[LastCheck, ...]] = {}

    def __len__(self) -> int:
        return len(self.usccs)

    def add(self, entity: Entity) -> None:
        """Append one entity (already validated)."""
        if entity.last_checks:
            self.last[len(self.usccs)] = entity.last_checks
        self.usccs.append(entity.uscc)
        self.names.append(entity.name)
        self.risk.append(RISK_INDEX[entity.risk])
        self.checks.append(entity.checks_this_year)
        self.status.append(self.statuses.code(entity.status))
        self.district.append(self.districts.code(entity.district))
        self.tags.append(self.tagsets.code(entity.tags))
        self.lists.append(self.listsets.code(entity.lists))
        self.industry.append(self.industries.code(entity.industry))
        self.type.append(self.types.code(entity.type))

    def rows(self) -> EntityRows:
        return EntityRows.join([self])


_CLAMP = 2**62  # checks_this_year at or above this is kept exactly on the side


def _checks(values: list[int], offset: int, big: dict[int, int]) -> np.ndarray:
    """``checks_this_year`` as int64; a value beyond int64 (the protocol's integers
    are unbounded) is stored as ``_CLAMP`` — which still compares correctly with
    any frequency cap below it — and recorded exactly in ``big``."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        for row, value in enumerate(values):
            if value >= _CLAMP:
                big[row + offset] = value
        return np.array([min(v, _CLAMP) for v in values], dtype=np.int64)


def _codes(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int32) if len(values) else np.zeros(0, dtype=np.int32)


class EntityRows(Sequence):
    """A registry of entities as columns; a ``Sequence[Entity]`` (see the module docstring)."""

    __slots__ = ("usccs", "names", "risk", "checks", "status", "statuses", "district", "districts",
                 "tags", "tagsets", "lists", "listsets", "industry", "industries", "type", "types",
                 "last", "big_checks", "u_hint", "_row")

    @classmethod
    def join(cls, parts: Sequence[RowsBuilder]) -> EntityRows:
        """The rows of ``parts``, one after the other; codes are renumbered into
        one table per attribute (by first occurrence)."""
        self = cls.__new__(cls)
        self.usccs = [u for p in parts for u in p.usccs] if len(parts) != 1 else parts[0].usccs
        self.names = [n for p in parts for n in p.names] if len(parts) != 1 else parts[0].names
        self.risk = np.concatenate([np.array(p.risk, dtype=np.int8) for p in parts] or
                                   [np.zeros(0, dtype=np.int8)])
        self.big_checks: dict[int, int] = {}
        offsets = np.cumsum([0] + [len(p.usccs) for p in parts]).tolist()
        self.checks = np.concatenate([_checks(p.checks, at, self.big_checks) for p, at in zip(parts, offsets)] or
                                     [np.zeros(0, dtype=np.int64)])
        for column, table in (("status", "statuses"), ("district", "districts"), ("tags", "tagsets"),
                              ("lists", "listsets"), ("industry", "industries"), ("type", "types")):
            merged = _Codes()
            pieces = []
            for p in parts:
                local = getattr(p, table).values
                remap = np.array([merged.code(v) for v in local] or [0], dtype=np.int32)
                pieces.append(remap[_codes(getattr(p, column))])
            setattr(self, column, np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32))
            setattr(self, table, merged.values)
        self.last = {}
        offset = 0
        for p in parts:
            if offset:
                self.last.update({row + offset: checks for row, checks in p.last.items()})
            else:
                self.last.update(p.last)
            offset += len(p.usccs)
        self._row = None
        self.u_hint: tuple[bytes, bytes] | None = None
        return self

    def __len__(self) -> int:
        return len(self.usccs)

    def entity(self, row: int) -> Entity:
        """The entity of one row."""
        return Entity(
            uscc=self.usccs[row], name=self.names[row], district=self.districts[self.district[row]],
            risk=RISK_CLASSES[self.risk[row]], status=self.statuses[self.status[row]],
            tags=self.tagsets[self.tags[row]], lists=self.listsets[self.lists[row]],
            checks_this_year=self.big_checks.get(row) or int(self.checks[row]), last_checks=self.last.get(row, ()),
            industry=self.industries[self.industry[row]], type=self.types[self.type[row]])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self.entity(row) for row in range(*index.indices(len(self))))
        n = len(self)
        if not -n <= index < n:
            raise IndexError("entity index out of range")
        return self.entity(index % n)

    def __iter__(self) -> Iterator[Entity]:
        return (self.entity(row) for row in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, EntityRows)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EntityRows({len(self)} entities)"

    def coordinated_u(self, seed: bytes) -> np.ndarray | None:
        """u(e) of every row for ``seed`` if the reader computed them already
        (see :func:`solver.instance.load_instance`), else None."""
        if self.u_hint is None or self.u_hint[0] != seed:
            return None
        return np.frombuffer(self.u_hint[1], dtype=">u8").astype(np.uint64)

    def row_of(self, uscc: str) -> int | None:
        """The row of an entity by USCC (the index is built on first use)."""
        if self._row is None:
            self._row = {u: n for n, u in enumerate(self.usccs)}
        return self._row.get(uscc)


class _RowsLookup(Mapping):
    """USCC -> Entity over :class:`EntityRows`, building entities on demand."""

    __slots__ = ("rows",)

    def __init__(self, rows: EntityRows) -> None:
        self.rows = rows

    def __getitem__(self, uscc: str) -> Entity:
        row = self.rows.row_of(uscc)
        if row is None:
            raise KeyError(uscc)
        return self.rows.entity(row)

    def __contains__(self, uscc: object) -> bool:
        return isinstance(uscc, str) and self.rows.row_of(uscc) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.usccs)

    def __len__(self) -> int:
        return len(self.rows)


def entity_lookup(entities: Sequence[Entity]) -> Mapping[str, Entity]:
    """Entities by USCC, for a tuple of entities or :class:`EntityRows`."""
    if isinstance(entities, EntityRows):
        return _RowsLookup(entities)
    return {e.uscc: e for e in entities}
