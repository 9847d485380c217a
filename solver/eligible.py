"""A place's eligible inspectors without copying its pool.

Rules 1–5 of protocol 7.1 give a *pool* (sorted inspector ids) shared by many
places; rules 6–8 remove a few of its members for one entity. With pools of
thousands (no jurisdictions) copying the pool for every place would cost as
much as the whole draw, so :class:`Eligible` keeps the shared pool and the
sorted positions cut from it. It is a read-only sequence equal to the tuple of
the remaining ids.

>>> pool = ("E1", "E2", "E3", "E4", "E5")
>>> e = Eligible(pool, (1, 3))
>>> len(e), e[0], e[1], e[2], e[-1], list(e)
(3, 'E1', 'E3', 'E5', 'E5', ['E1', 'E3', 'E5'])
>>> e == ("E1", "E3", "E5"), "E2" in e, "E3" in e
(True, False, True)
>>> hash(e) == hash(("E1", "E3", "E5"))
True
>>> e.pick([0, 2]), Eligible(pool, (0, 1)).pick([0, 1, 2])
(('E1', 'E5'), ('E3', 'E4', 'E5'))
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import overload


class Eligible(Sequence[str]):
    __slots__ = ("_hash", "cut", "pool")

    def __init__(self, pool: tuple[str, ...], cut: tuple[int, ...]) -> None:
        self.pool = pool  # sorted ids, shared
        self.cut = cut  # ascending positions in ``pool`` that are not eligible
        self._hash: int | None = None

    def __len__(self) -> int:
        return len(self.pool) - len(self.cut)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        position = index  # the index-th kept position: skip every cut at or before it
        for c in self.cut:
            if c > position:
                break
            position += 1
        return self.pool[position]

    def pick(self, indexes: Sequence[int]) -> tuple[str, ...]:
        """The members at ascending ``indexes`` (one pass over the cut)."""
        pool, cut = self.pool, self.cut
        if not cut:
            return tuple([pool[index] for index in indexes])
        out: list[str] = []
        append, skipped, n = out.append, 0, len(cut)
        for index in indexes:
            while skipped < n and cut[skipped] <= index + skipped:
                skipped += 1
            append(pool[index + skipped])
        return tuple(out)

    def __iter__(self) -> Iterator[str]:
        start = 0
        for c in self.cut:
            yield from self.pool[start:c]
            start = c + 1
        yield from self.pool[start:]

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        pool, cut = self.pool, self.cut
        p = bisect_left(pool, value)  # the pool is sorted
        if p == len(pool) or pool[p] != value:
            return False
        c = bisect_left(cut, p)
        return c == len(cut) or cut[c] != p

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Eligible):
            return (self.pool is other.pool or self.pool == other.pool) and self.cut == other.cut
        if isinstance(other, tuple):
            return len(other) == len(self) and tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self))
        return self._hash

    def __repr__(self) -> str:
        return f"Eligible({tuple(self)!r})"


def without(pool: tuple[str, ...], positions: Sequence[int]) -> tuple[str, ...] | Eligible:
    """``pool`` without the members at ``positions`` (the pool itself if none)."""
    if not positions:
        return pool
    return Eligible(pool, tuple(sorted(set(positions))))
