"""Columns of the registry that a forked reader hands over packed
(:mod:`solver.instance.halves`) and that are decoded a row at a time, when
read: a draw reads the names and last checks of its visits' entities only (a
few per cent of a province's rows), and one string or one byte string crosses
between processes far faster than millions of objects.

:class:`Names` holds entity names, :class:`LastChecks` the entities' last
checks by row, each as ordinary Python values for the rows read in this
process and as packed runs for the rows a child read.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import chain
from operator import attrgetter

import msgspec
import numpy as np

from solver.model import LastCheck

_ROW_CHECKS = msgspec.msgpack.Decoder(tuple[LastCheck, ...])
_DEPARTMENT, _DATE = attrgetter("department"), attrgetter("date")


class Names(Sequence[str]):
    """Entity names by row: lists of names, and runs that a forked reader
    handed over as one joined string with the end of each name in it (cut out
    when a row is read: a draw reads the names of its visits' entities only,
    and one string crosses between processes far faster than millions).

    >>> names = Names(["甲", "乙"])
    >>> names.extend_joined("丙丁戊己", array("q", [1, 3, 4]))
    >>> names.append("庚")
    >>> len(names), names[1], names[3], names[4], names[5], names[-1]
    (6, '乙', '丁戊', '己', '庚', '庚')
    """

    __slots__ = ("_firsts", "_runs", "_len")

    def __init__(self, names: list[str] | None = None) -> None:
        self._firsts: list[int] = [0]  # the first row of each run
        self._runs: list[list[str] | tuple[str, array]] = [names if names is not None else []]
        self._len = len(self._runs[0])

    def _list(self) -> list[str]:
        run = self._runs[-1]
        if type(run) is not list:
            run = []
            self._firsts.append(self._len)
            self._runs.append(run)
        return run

    def append(self, name: str) -> None:
        self._list().append(name)
        self._len += 1

    def extend(self, names: Iterable[str]) -> None:
        run = self._list()
        before = len(run)
        run.extend(names)
        self._len += len(run) - before

    def extend_joined(self, text: str, ends: array) -> None:
        """Append the names ``text[ends[k - 1]:ends[k]]`` (from 0 for the first)."""
        self._firsts.append(self._len)
        self._runs.append((text, ends))
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
        k = bisect_right(self._firsts, row) - 1
        run, at = self._runs[k], row - self._firsts[k]
        if type(run) is list:
            return run[at]
        text, ends = run
        return text[ends[at - 1] if at else 0:ends[at]]


class LastChecks(Mapping[int, tuple[LastCheck, ...]]):
    """The entities' non-empty ``last_checks`` by row: a dictionary of the
    rows read in this process, and runs a forked reader handed over (each
    row's checks as msgpack, decoded when the row is read, and the columns
    the sampling needs of every check: :meth:`columns`).

    >>> one = LastCheck(date=date(2026, 5, 1), department="SCJG")
    >>> two = LastCheck(date=date(2026, 6, 2), department="HBJ", inspectors=("E1",))
    >>> checks = LastChecks({0: (one,)})
    >>> checks.add_packed(*pack_run({0: (two, one)}, start=5))
    >>> checks[5] == (two, one), checks.get(3), list(checks), len(checks)
    (True, None, [0, 5], 2)
    >>> rows, codes, departments, days = checks.columns()
    >>> rows.tolist(), [departments[c] for c in codes], days.tolist() == [d.toordinal() for d in
    ...     (one.date, two.date, one.date)]
    ([0, 5, 5], ['SCJG', 'HBJ', 'SCJG'], True)
    """

    __slots__ = ("decoded", "_runs", "_cache")

    def __init__(self, decoded: dict[int, tuple[LastCheck, ...]] | None = None) -> None:
        self.decoded = decoded if decoded is not None else {}
        self._runs: list[tuple] = []  # (rows, raw checks, check rows, department codes, departments, days)
        self._cache: dict[int, tuple[LastCheck, ...]] = {}

    def add_packed(self, rows: np.ndarray, raws: list, check_rows: np.ndarray, codes: np.ndarray,
                   departments: list[str], days: np.ndarray) -> None:
        """A run of :func:`pack_run`'s parts: ``rows`` ascending, each with
        its checks as msgpack (``raws``); one entry per check in the others."""
        self._runs.append((rows, raws, check_rows, codes, departments, days))

    def _packed(self, row: int) -> tuple[LastCheck, ...] | None:
        for rows, raws, *_ in self._runs:
            at = int(np.searchsorted(rows, row))
            if at < len(rows) and rows[at] == row:
                found = self._cache.get(row)
                if found is None:
                    found = self._cache[row] = _ROW_CHECKS.decode(raws[at])
                return found
        return None

    def get(self, row, default=None):
        found = self.decoded.get(row)
        if found is None and self._runs:
            found = self._packed(row)
        return default if found is None else found

    def __getitem__(self, row: int) -> tuple[LastCheck, ...]:
        found = self.get(row)
        if found is None:
            raise KeyError(row)
        return found

    def __contains__(self, row: object) -> bool:
        return self.get(row) is not None

    def __iter__(self) -> Iterator[int]:
        return chain(self.decoded, *(rows.tolist() for rows, *_ in self._runs))

    def __len__(self) -> int:
        return len(self.decoded) + sum(len(rows) for rows, *_ in self._runs)

    def __setitem__(self, row: int, checks: tuple[LastCheck, ...]) -> None:  # rows read in this process
        self.decoded[row] = checks

    def pop(self, row: int, default=None):
        return self.decoded.pop(row, default)

    def update(self, pairs: Iterable[tuple[int, tuple[LastCheck, ...]]]) -> None:
        self.decoded.update(pairs)

    def columns(self) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Every check as (entity row, department code, departments, day
        ordinal), the rows ascending within each part: the decoded rows,
        then each run."""
        rows, codes, departments, days = _columns(self.decoded)
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


def pack_run(last: Mapping[int, tuple[LastCheck, ...]], start: int = 0) -> tuple:
    """The parts :meth:`LastChecks.add_packed` takes, of the decoded checks
    ``last`` (rows ascending) with ``start`` added to every row. A forked
    reader sends :func:`pack_bytes` of them instead, and :func:`unpack_bytes`
    gives them back."""
    return unpack_bytes(pack_bytes(last), start)


_RAWS = msgspec.msgpack.Decoder(list[msgspec.Raw])


def pack_bytes(last: Mapping[int, tuple[LastCheck, ...]]) -> tuple:
    """``last`` (rows ascending) as bytes and strings, for marshal."""
    rows, codes, departments, days = _columns(last)
    owners = np.array(sorted(last), dtype=np.int64)
    return (owners.tobytes(), _ENCODE([last[row] for row in owners.tolist()]), rows.tobytes(), codes.tobytes(),
            departments, days.tobytes())


def unpack_bytes(packed: tuple, start: int) -> tuple:
    """:func:`pack_bytes` back to the parts of :meth:`LastChecks.add_packed`,
    ``start`` added to every row; each row's checks stay msgpack."""
    owners, encoded, rows, codes, departments, days = packed
    return (np.frombuffer(owners, dtype=np.int64) + start, _RAWS.decode(encoded),
            np.frombuffer(rows, dtype=np.int64) + start, np.frombuffer(codes, dtype=np.int32), list(departments),
            np.frombuffer(days, dtype=np.int64))
