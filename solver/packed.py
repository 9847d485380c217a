"""Columns of the registry that a forked reader hands over packed
(:mod:`solver.instance.halves`) and that are decoded a row at a time, when
read: a draw reads the names and last checks of its visits' entities only (a
few per cent of a province's rows), and one string or one byte string crosses
between processes far faster than millions of objects.

:class:`Names` holds entity names, :class:`LastChecks` the entities' last
checks by row, each as ordinary Python values for the rows read in this
process and as packed runs for the rows a child read. The reader's
:class:`~solver.registry.RowsBuilder` keeps both parts as they come;
:class:`~solver.registry.EntityRows` puts them together.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from itertools import chain
from operator import attrgetter

import msgspec
import numpy as np

from solver.model import LastCheck

_ROW_CHECKS = msgspec.msgpack.Decoder(tuple[LastCheck, ...])
_DEPARTMENT, _DATE = attrgetter("department"), attrgetter("date")


class Names(Sequence[str]):
    """Entity names by row: the names read in this process (a list), then the
    runs forked readers handed over, each one joined string with the end of
    each name in it (cut out when a row is read).

    >>> names = Names(["甲", "乙"], [("丙丁戊己", array("q", [1, 3, 4])), ("庚", array("q", [1]))])
    >>> len(names), names[1], names[3], names[4], names[5], names[-1]
    (6, '乙', '丁戊', '己', '庚', '庚')
    """

    __slots__ = ("_own", "_firsts", "_runs", "_len")

    def __init__(self, own: list[str], runs: Sequence[tuple[str, array]]) -> None:
        self._own, self._runs = own, list(runs)
        self._firsts = []  # the first row of each run
        self._len = len(own)
        for _, ends in self._runs:
            self._firsts.append(self._len)
            self._len += len(ends)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[k] for k in range(*row.indices(self._len))]
        if row < 0:
            row += self._len
        if not 0 <= row < self._len:
            raise IndexError("name index out of range")
        if row < len(self._own):
            return self._own[row]
        k = bisect_right(self._firsts, row) - 1
        (text, ends), at = self._runs[k], row - self._firsts[k]
        return text[ends[at - 1] if at else 0:ends[at]]


def join_names(names: list[str]) -> tuple[str, bytes]:
    """A child's names as one string and the end of each (int64 bytes), for marshal."""
    ends = np.cumsum(np.fromiter(map(len, names), dtype=np.int64, count=len(names)))
    return "".join(names), ends.tobytes()


def joined_names(packed: tuple[str, bytes]) -> tuple[str, array]:
    """:func:`join_names` back to a run of :class:`Names`."""
    text, ends = packed
    return text, array("q", ends)


class LastChecks(Mapping[int, tuple[LastCheck, ...]]):
    """The entities' non-empty ``last_checks`` by row: a dictionary of the
    rows read in this process, then the runs forked readers handed over
    (:func:`pack_checks`): each row's checks as msgpack, decoded when the row
    is read, and the columns the sampling needs of every check
    (:meth:`columns`).

    >>> one = LastCheck(date=date(2026, 5, 1), department="SCJG")
    >>> two = LastCheck(date=date(2026, 6, 2), department="HBJ", inspectors=("E1",))
    >>> checks = LastChecks({0: (one,)}, [unpack_checks(pack_checks({0: (two, one)}), start=5)])
    >>> checks[5] == (two, one), checks.get(3), list(checks), len(checks)
    (True, None, [0, 5], 2)
    >>> rows, codes, departments, days = checks.columns()
    >>> rows.tolist(), [departments[c] for c in codes], days.tolist() == [d.toordinal() for d in
    ...     (one.date, two.date, one.date)]
    ([0, 5, 5], ['SCJG', 'HBJ', 'SCJG'], True)
    """

    __slots__ = ("_own", "_runs")

    def __init__(self, own: dict[int, tuple[LastCheck, ...]], runs: Sequence[tuple]) -> None:
        self._own = own
        self._runs = list(runs)  # (rows ascending, raw checks, check rows, department codes, departments, days)

    def get(self, row, default=None):
        found = self._own.get(row)
        if found is not None:
            return found
        for rows, raws, *_ in self._runs:
            at = int(np.searchsorted(rows, row))
            if at < len(rows) and rows[at] == row:
                return _ROW_CHECKS.decode(raws[at])
        return default

    def __getitem__(self, row: int) -> tuple[LastCheck, ...]:
        found = self.get(row)
        if found is None:
            raise KeyError(row)
        return found

    def __contains__(self, row: object) -> bool:
        return self.get(row) is not None

    def __iter__(self) -> Iterator[int]:
        return chain(self._own, *(rows.tolist() for rows, *_ in self._runs))

    def __len__(self) -> int:
        return len(self._own) + sum(len(rows) for rows, *_ in self._runs)

    def columns(self) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Every check as (entity row, department code, departments, day
        ordinal), the rows ascending within each part: the rows read here,
        then each run."""
        rows, codes, departments, days = _columns(self._own)
        if not self._runs:
            return rows, codes, departments, days
        numbered = {d: n for n, d in enumerate(departments)}
        parts = [(rows, codes, days)]
        for _, _, check_rows, run_codes, run_departments, run_days in self._runs:
            renumber = np.array([numbered.setdefault(d, len(numbered)) for d in run_departments] or [0],
                                dtype=np.int32)
            parts.append((check_rows, renumber[run_codes], run_days))
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]).astype(np.int32),
                list(numbered), np.concatenate([p[2] for p in parts]))


def _columns(last: Mapping[int, tuple[LastCheck, ...]]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """:meth:`LastChecks.columns` of a dictionary of decoded checks (rows ascending)."""
    owners = sorted(last)
    per_owner = list(map(last.__getitem__, owners))
    checks = list(chain.from_iterable(per_owner))
    rows = np.repeat(np.array(owners, dtype=np.int64), list(map(len, per_owner)))
    departments = list(map(_DEPARTMENT, checks))
    distinct = list(dict.fromkeys(departments))
    table = {d: n for n, d in enumerate(distinct)}
    codes = np.fromiter(map(table.__getitem__, departments), dtype=np.int32, count=len(departments))
    days = np.fromiter(map(date.toordinal, map(_DATE, checks)), dtype=np.int64, count=len(checks))
    return rows, codes, distinct, days


_ENCODE = msgspec.msgpack.Encoder().encode
_RAWS = msgspec.msgpack.Decoder(list[msgspec.Raw])


def pack_checks(last: Mapping[int, tuple[LastCheck, ...]]) -> tuple:
    """A child's decoded checks (rows ascending) as bytes and strings, for marshal."""
    rows, codes, departments, days = _columns(last)
    owners = np.array(sorted(last), dtype=np.int64)
    return (owners.tobytes(), _ENCODE([last[row] for row in owners.tolist()]), rows.tobytes(), codes.tobytes(),
            departments, days.tobytes())


def unpack_checks(packed: tuple, start: int) -> tuple:
    """:func:`pack_checks` back to a run of :class:`LastChecks`, ``start``
    added to every row; each row's checks stay msgpack."""
    owners, encoded, rows, codes, departments, days = packed
    return (np.frombuffer(owners, dtype=np.int64) + start, _RAWS.decode(encoded),
            np.frombuffer(rows, dtype=np.int64) + start, np.frombuffer(codes, dtype=np.int32), list(departments),
            np.frombuffer(days, dtype=np.int64))
