"""The second half of a large entity array, read by a forked process and
handed back as bytes (:func:`pack`), then appended to the first half's
columns (:func:`merge`) as if one process had read both.

The child reads its half into columns of its own, with its own codes for the
distinct values (statuses, districts, tag sets, …), numbered by first
occurrence in its half. :func:`merge` numbers the child's values into the
parent's tables in that same order, which gives every value the code a single
reader would have given it: the values new to the second half come after
those of the first, in the order they first occur. The child's names and
last checks stay packed (runs of :mod:`solver.packed`, decoded a row at a
time when read). The USCCs of both halves
are checked distinct once, after the merge
(:meth:`~solver.instance.entities.EntityReader.entity_rows`).

>>> from solver.instance.entities import EntityReader
>>> one, two, both = EntityReader(), EntityReader(), EntityReader()
>>> def raw(n, district):
...     return {"uscc": f"91350181MA2Y0XXX{n:02d}", "name": "甲", "district": district,
...             "risk": "B", "status": "active"}
>>> first, second = [raw(0, "d1"), raw(1, "d2")], [raw(2, "d3"), raw(3, "d1")]
>>> one.parse(first); two.parse(second); both.parse(first + second)
>>> merge(one, pack(two))
2
>>> tuple(one.entity_rows()) == tuple(both.entity_rows()), list(one.builder.district)
(True, [0, 1, 2, 0])
>>> merge(one, pack(two))  # the same USCCs again
2
>>> one.entity_rows()
Traceback (most recent call last):
...
solver.errors.InputError: $.entities[4].uscc: duplicate entity '91350181MA2Y0XXX02'
"""

from __future__ import annotations

import marshal

import numpy as np

from solver.instance.entities import EntityReader
from solver.packed import join_names, joined_names, pack_checks, unpack_checks

# the coded columns of a RowsBuilder and their tables of distinct values
CODED = (("status", "statuses"), ("district", "districts"), ("tags", "tagsets"),
         ("lists", "listsets"), ("industry", "industries"), ("type", "types"))


def pack(reader: EntityReader) -> bytes:
    """The columns of ``reader`` as bytes for :func:`merge`."""
    b = reader.builder
    coded = [(getattr(b, table).values, getattr(b, column).tobytes()) for column, table in CODED]
    return marshal.dumps((b.usccs, join_names(b.names), b.risk.tobytes(), b.checks, coded, pack_checks(b.last)))


def merge(reader: EntityReader, packed: bytes | memoryview) -> int:
    """Append the columns :func:`pack` gave to those of ``reader``; return
    the number of rows appended."""
    usccs, names, risk, checks, coded, last = marshal.loads(packed)
    b = reader.builder
    start = len(b.usccs)
    b.usccs.extend(usccs)
    b.name_runs.append(joined_names(names))
    b.risk.frombytes(risk)
    b.checks.extend(checks)
    for (column, table), (values, codes) in zip(CODED, coded, strict=True):
        mine = getattr(b, table)
        renumber = np.array([mine.code(value) for value in values], dtype=np.intc)
        getattr(b, column).frombytes(renumber[np.frombuffer(codes, dtype=np.intc)].tobytes())
    b.check_runs.append(unpack_checks(last, start))
    return len(usccs)
