"""Rows of a registry by USCC, without a dictionary of millions of strings.

A province's registry has 5 million USCCs. A ``dict`` from USCC to row costs
about 0.6 µs per entity to build (a cache miss per insertion at that size),
while a draw looks up a few hundred thousand of them. :class:`UsccIndex`
instead hashes every USCC to a 64-bit key with a few numpy operations (the
USCCs of a registry are 18 ASCII characters: their bytes are read as
integers), sorts the keys once, and answers a lookup by binary search,
comparing the strings themselves: equal keys of different USCCs cost a
comparison, never a wrong row. A list of other strings (not all 18 ASCII
characters) is indexed by a ``dict``.

It also finds the first row whose USCC an earlier row holds
(:meth:`UsccIndex.first_repeat`): the instance reader checks that USCCs are
distinct this way, once, after reading.

>>> index = UsccIndex(["91350181MA2Y0XXXX1", "91350181MA2Y0XXXX2", "91350181MA2Y0XXXX1"])
>>> index.row_of("91350181MA2Y0XXXX2"), index.row_of("91350181MA2Y0XXXX3")
(1, None)
>>> index.rows_of(["91350181MA2Y0XXXX1", "x", "91350181MA2Y0XXXX2"])
[0, None, 1]
>>> index.first_repeat()
2
>>> UsccIndex(["a", "b", "a", "b"]).first_repeat(), UsccIndex([]).first_repeat()
(2, None)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WIDTH = 18  # characters of a USCC
# odd multipliers mixing the three little-endian pieces of a USCC's bytes (8, 8 and 2 bytes)
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
_MASK = (1 << 64) - 1


# an 18-byte USCC as its three little-endian pieces, read in place (no copy of the registry's bytes)
_PIECES = np.dtype([("first", "<u8"), ("second", "<u8"), ("last", "<u2")])


def _keys(text: bytes, count: int) -> np.ndarray:
    """The key of each of ``count`` consecutive 18-byte strings of ``text``."""
    pieces = np.frombuffer(text, dtype=_PIECES, count=count)
    with np.errstate(over="ignore"):
        keys = pieces["first"] * np.uint64(_MIX[0])
        keys ^= pieces["second"] * np.uint64(_MIX[1])
        keys ^= pieces["last"].astype(np.uint64) * np.uint64(_MIX[2])
    return keys


def _key(uscc: bytes) -> int:
    """:func:`_keys` of one 18-byte string."""
    return ((int.from_bytes(uscc[0:8], "little") * _MIX[0] & _MASK)
            ^ (int.from_bytes(uscc[8:16], "little") * _MIX[1] & _MASK)
            ^ (int.from_bytes(uscc[16:18], "little") * _MIX[2] & _MASK))


def _fixed(usccs: Sequence[str]) -> bytes | None:
    """The USCCs' bytes if every one is 18 ASCII characters, else None."""
    if usccs and set(map(len, usccs)) != {WIDTH}:
        return None
    text = "".join(usccs)
    return text.encode("ascii") if text.isascii() else None


class UsccIndex:
    """Rows by USCC (see the module docstring)."""

    __slots__ = ("usccs", "_sorted", "_order", "_dict")
    _sorted: np.ndarray  # the keys in increasing order
    _order: np.ndarray  # the row of each of them

    def __init__(self, usccs: Sequence[str]) -> None:
        self.usccs = usccs
        data = _fixed(usccs)
        self._dict: dict[str, int] | None = None
        if data is None:
            self._dict = {}
            for row, uscc in enumerate(usccs):
                self._dict.setdefault(uscc, row)
            self._sorted, self._order = np.zeros(0, np.uint64), np.zeros(0, np.intp)
            return
        keys = _keys(data, len(usccs))
        self._order = np.argsort(keys)
        self._sorted = keys[self._order]

    def row_of(self, uscc: str) -> int | None:
        """The row holding ``uscc`` (one of them, if several do), or None."""
        return self.rows_of([uscc])[0]

    def rows_of(self, usccs: Sequence[str]) -> list[int | None]:
        """:meth:`row_of` of each of ``usccs``."""
        if self._dict is not None:
            return [self._dict.get(u) for u in usccs]
        found: list[int | None] = [None] * len(usccs)
        wanted = [n for n, u in enumerate(usccs) if type(u) is str and len(u) == WIDTH and u.isascii()]
        if not wanted:
            return found
        keys = np.array([_key(usccs[n].encode("ascii")) for n in wanted], dtype=np.uint64)
        size = len(self._sorted)
        if not size:
            return found
        starts = np.searchsorted(self._sorted, keys)
        at_or_last = np.minimum(starts, size - 1)
        hits = (self._sorted[at_or_last] == keys).tolist()
        rows = self._order[at_or_last].tolist()
        for n, hit, row, at in zip(wanted, hits, rows, starts.tolist(), strict=True):
            if not hit:
                continue
            if self.usccs[row] == usccs[n]:
                found[n] = row
                continue
            key = _key(usccs[n].encode("ascii"))
            while at < size and int(self._sorted[at]) == key:  # another USCC with the same key
                if self.usccs[int(self._order[at])] == usccs[n]:
                    found[n] = int(self._order[at])
                    break
                at += 1
        return found

    def first_repeat(self) -> int | None:
        """The first row whose USCC an earlier row holds, or None."""
        if self._dict is not None:
            return None if len(self._dict) == len(self.usccs) else _first_repeat(self.usccs)
        same = np.flatnonzero(self._sorted[1:] == self._sorted[:-1])
        # a repeated USCC and its earlier row have equal keys: only rows with a key
        # another row has can repeat or be repeated (a few, or none)
        rows = sorted(set(self._order[same].tolist()) | set(self._order[same + 1].tolist()))
        return _first_repeat([self.usccs[row] for row in rows], rows)


def _first_repeat(usccs: Sequence[str], rows: Sequence[int] | None = None) -> int | None:
    """The row (of ``rows``, default 0, 1, …) of the first of ``usccs`` that an earlier one equals."""
    seen: set[str] = set()
    for n, uscc in enumerate(usccs):
        if uscc in seen:
            return n if rows is None else rows[n]
        seen.add(uscc)
    return None
