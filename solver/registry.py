"""The entity registry of an instance, kept as columns.

A province instance holds millions of entities, of which a draw visits a few
per cent. :class:`EntityRows` keeps the registry as columns — the strings that
identify an entity, and small integer codes for the attributes the sampling
reads — and builds an :class:`~solver.model.Entity` only when one is asked
for. It is the one in-memory form of the registry: every
:class:`~solver.model.Instance` holds one (an instance built from a tuple of
entities converts it, :func:`as_rows`). It is also a ``Sequence[Entity]``:
indexing, iteration and comparison behave as on the tuple of entities it
stands for. :func:`entity_lookup` finds entities by USCC.

:class:`RowsBuilder` collects the columns row by row (the instance reader
appends to its lists directly, or calls :meth:`RowsBuilder.add`);
:meth:`RowsBuilder.rows` turns them into :class:`EntityRows`.

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

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from solver.model import RISK_CLASSES, Entity, LastCheck, new_entity
from solver.packed import LastChecks, Names
from solver.uscc_index import UsccIndex

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
    reader's inlined fast path, which appends to the same lists). A forked
    reader's rows come after them all (:func:`solver.instance.halves.merge`):
    their names and last checks as the packed runs of :mod:`solver.packed`
    (``name_runs``, ``check_runs``), nothing added after them."""

    def __init__(self) -> None:
        self.usccs: list[str] = []
        self.names: list[str] = []
        self.name_runs: list[tuple] = []  # a forked reader's names (solver.packed.joined_names)
        self.risk = array("b")  # the codes as C arrays: numpy takes them without a copy per value
        self.checks: list[int] = []
        self.status = array("i")
        self.district = array("i")
        self.tags = array("i")
        self.lists = array("i")
        self.industry = array("i")
        self.type = array("i")
        self.statuses, self.districts = _Codes(), _Codes()
        self.tagsets, self.listsets = _Codes(), _Codes()
        self.industries, self.types = _Codes(), _Codes()
        self.last: dict[int, tuple[LastCheck, ...]] = {}
        self.check_runs: list[tuple] = []  # a forked reader's last checks (solver.packed.unpack_checks)

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

    def rows(self, index: UsccIndex | None = None) -> EntityRows:
        """The collected rows; ``index`` (of their USCCs) if the caller has one."""
        return EntityRows(self, index)


_CHUNK = 4096  # rows built at a time when the registry is iterated
_CLAMP = 2**62  # checks_this_year at or above this is kept exactly on the side


def _checks(values: list[int], big: dict[int, int]) -> np.ndarray:
    """``checks_this_year`` as int64; a value beyond int64 (the protocol's integers
    are unbounded) is stored as ``_CLAMP`` — which still compares correctly with
    any frequency cap below it — and recorded exactly in ``big``."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        for row, value in enumerate(values):
            if value >= _CLAMP:
                big[row] = value
        return np.array([min(v, _CLAMP) for v in values], dtype=np.int64)



class EntityRows(Sequence):
    """A registry of entities as columns; a ``Sequence[Entity]`` (see the module docstring)."""

    __slots__ = ("usccs", "names", "risk", "checks", "status", "statuses", "district", "districts",
                 "tags", "tagsets", "lists", "listsets", "industry", "industries", "type", "types",
                 "last", "big_checks", "_index", "_known", "_built")

    # the columns set from the builder's lists: codes (int32) into tables of distinct values
    status: np.ndarray
    statuses: list[str]
    district: np.ndarray
    districts: list[str]
    tags: np.ndarray
    tagsets: list[frozenset[str]]
    lists: np.ndarray
    listsets: list[frozenset[str]]
    industry: np.ndarray
    industries: list[str | None]
    type: np.ndarray
    types: list[str | None]

    def __init__(self, builder: RowsBuilder, index: UsccIndex | None = None) -> None:
        self.usccs = builder.usccs
        self.names = Names(builder.names, builder.name_runs) if builder.name_runs else builder.names
        self.last = LastChecks(builder.last, builder.check_runs)
        self.risk = np.frombuffer(builder.risk, dtype=np.int8).copy() if builder.risk else np.zeros(0, np.int8)
        self.big_checks: dict[int, int] = {}
        self.checks = _checks(builder.checks, self.big_checks)
        for column, table in (("status", "statuses"), ("district", "districts"), ("tags", "tagsets"),
                              ("lists", "listsets"), ("industry", "industries"), ("type", "types")):
            codes = getattr(builder, column)
            setattr(self, column, np.frombuffer(codes, dtype=np.intc).astype(np.int32) if codes
                    else np.zeros(0, np.int32))
            setattr(self, table, getattr(builder, table).values)
        self._index = index
        self._known: dict[str, int] = {}  # rows found by USCC so far (see :meth:`remember`)
        self._built: dict[int, Entity] = {}  # the entities of :meth:`prefetch`, by row

    def __len__(self) -> int:
        return len(self.usccs)

    def entity(self, row: int) -> Entity:
        """The entity of one row."""
        built = self._built.get(row)
        return built if built is not None else self.entities_at((row,))[0]

    def entities_at(self, rows: Sequence[int]) -> list[Entity]:
        """The entities of ``rows``, built with the columns read a whole array
        at a time (a draw's visits are scattered over millions of rows: one
        gather per column, not a numpy scalar per field and row)."""
        if not len(rows):
            return []
        at = np.asarray(rows, dtype=np.intp)
        usccs, names, last, big = self.usccs, self.names, self.last, self.big_checks
        columns = zip(at.tolist(), [self.districts[c] for c in self.district[at].tolist()],
                      [RISK_CLASSES[c] for c in self.risk[at].tolist()],
                      [self.statuses[c] for c in self.status[at].tolist()],
                      [self.tagsets[c] for c in self.tags[at].tolist()],
                      [self.listsets[c] for c in self.lists[at].tolist()], self.checks[at].tolist(),
                      [self.industries[c] for c in self.industry[at].tolist()],
                      [self.types[c] for c in self.type[at].tolist()], strict=True)
        return [new_entity(usccs[row], names[row], district, risk, status, tags, lists,
                           big.get(row) or checks, last.get(row, ()), industry, kind)
                for row, district, risk, status, tags, lists, checks, industry, kind in columns]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self.entities_at(range(*index.indices(len(self)))))
        n = len(self)
        if not -n <= index < n:
            raise IndexError("entity index out of range")
        return self.entity(index % n)

    def __iter__(self) -> Iterator[Entity]:
        for start in range(0, len(self), _CHUNK):
            yield from self.entities_at(range(start, min(start + _CHUNK, len(self))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, EntityRows)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EntityRows({len(self)} entities)"

    def row_of(self, uscc: str) -> int | None:
        """The row of an entity by USCC (the index is built on first use)."""
        row = self._known.get(uscc) if type(uscc) is str else None
        return row if row is not None else self.rows_of([uscc])[0]

    def rows_of(self, usccs: Sequence[str]) -> list[int | None]:
        """:meth:`row_of` of many USCCs at once; the rows found are kept, so
        that a draw's later stages find its visits' entities by a dictionary
        lookup, not a search of millions of USCCs."""
        known = self._known
        found = [known.get(u) if type(u) is str else None for u in usccs]
        missing = [n for n, row in enumerate(found) if row is None]
        if missing:
            for n, row in zip(missing, self.uscc_index().rows_of([usccs[n] for n in missing]), strict=True):
                if row is not None:
                    found[n] = known[usccs[n]] = row
        return found

    def prefetch(self, usccs: Sequence[str]) -> None:
        """Find the rows of ``usccs`` and build their entities at once
        (:meth:`entities_at`), kept for :meth:`entity`: a draw's visits,
        before the work on them is shared with forked processes."""
        built = self._built
        rows = [row for row in dict.fromkeys(self.rows_of(usccs)) if row is not None and row not in built]
        built.update(zip(rows, self.entities_at(rows), strict=True))

    def remember(self, rows: Iterable[int]) -> None:
        """Keep the USCCs of ``rows`` as found (the sampling's drawn rows:
        every later stage looks their entities up by USCC)."""
        usccs = self.usccs
        self._known.update((usccs[row], row) for row in rows)

    def uscc_index(self) -> UsccIndex:
        """The index of the USCCs (:mod:`solver.uscc_index`, built on first use)."""
        if self._index is None:
            self._index = UsccIndex(self.usccs)
        return self._index


class RowsLookup(Mapping):
    """USCC -> Entity over :class:`EntityRows`, building entities on demand
    (the registry keeps the rows it has found, :meth:`EntityRows.rows_of`,
    and the entities of :meth:`EntityRows.prefetch`)."""

    __slots__ = ("rows",)

    def __init__(self, rows: EntityRows) -> None:
        self.rows = rows

    def prefetch(self, usccs: Sequence[str]) -> None:
        """Find and build the entities of ``usccs`` at once (a draw's visits)."""
        self.rows.prefetch(usccs)

    def _row(self, uscc: object) -> int | None:
        return self.rows.row_of(uscc) if isinstance(uscc, str) else None

    def __getitem__(self, uscc: str) -> Entity:
        row = self._row(uscc)
        if row is None:
            raise KeyError(uscc)
        return self.rows.entity(row)

    def __contains__(self, uscc: object) -> bool:
        return self._row(uscc) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.usccs)

    def __len__(self) -> int:
        return len(self.rows)


def entity_lookup(entities: EntityRows) -> RowsLookup:
    """Entities by USCC (built on demand)."""
    return RowsLookup(entities)


def as_rows(entities: Sequence[Entity]) -> EntityRows:
    """The registry of already validated entities as columns (the USCCs must
    be distinct)."""
    if isinstance(entities, EntityRows):
        return entities
    builder = RowsBuilder()
    for entity in entities:
        builder.add(entity)
    return builder.rows()
