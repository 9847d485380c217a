"""Bounded candidate sets for team forming (draw protocol 7.3, format /3).

A place whose eligible inspectors (7.1) number more than ``k`` offers the team
flow only ``k`` of them: a uniformly random ``k``-subset drawn from the seed.
The words of the sequence are 8-byte big-endian numbers, four per block, block
``b`` being HMAC-SHA256(key = raw seed, msg = UTF-8 of ``"cand:" + USCC + ":" +
department id + ":" + b``) (b = 0, 1, … in decimal). Word x picks the eligible
inspector at index ``x mod n`` of the eligible list sorted by id (n its
length); a pick already taken is skipped; the first ``k`` distinct picks are
the candidates. With n <= k every eligible inspector is a candidate.

The picks for ``2k`` begin with the picks for ``k``: widening a part's
bound (7.3) only adds candidates.

>>> from solver.canonical import FastHmac
>>> key = FastHmac(bytes(32))
>>> picks = positions(key, "91350100M000100009", "SCJG", 1000, 5)
>>> len(picks), len(set(picks)), all(0 <= x < 1000 for x in picks)
(5, 5, True)
>>> positions(key, "91350100M000100009", "SCJG", 1000, 10)[:5] == picks
True
>>> positions(key, "91350100M000100009", "SCJG", 3, 5)
[0, 1, 2]
>>> import hmac
>>> first = hmac.digest(bytes(32), b"cand:91350100M000100009:SCJG:0", "sha256")
>>> picks[0] == int.from_bytes(first[:8], "big") % 1000
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver.canonical import FastHmac
from solver.eligible import Eligible

DEFAULT_BOUND = 16  # k of format /3; a part's flow may widen it (7.3)
WORDS_PER_BLOCK = 4


def positions(key: FastHmac, uscc: str, department: str, n: int, k: int) -> list[int]:
    """Indexes into the sorted eligible list (of length ``n``) of the place's
    candidates, in the order drawn (all of ``range(n)`` when n <= k)."""
    if n <= k:
        return list(range(n))
    taken: set[int] = set()
    picks: list[int] = []
    prefix = f"cand:{uscc}:{department}:".encode()
    block = 0
    while True:
        digest = key.truncated(prefix, [str(block).encode()], 32)
        for w in range(WORDS_PER_BLOCK):
            x = int.from_bytes(digest[8 * w:8 * w + 8], "big") % n
            if x not in taken:
                taken.add(x)
                picks.append(x)
                if len(picks) == k:
                    return picks
        block += 1


def many_positions(key: FastHmac, places: Sequence[tuple[str, str, int]], k: int) -> list[list[int]]:
    """:func:`positions` of every (USCC, department, n), sorted ascending: the
    words of the first blocks of all places hashed and reduced at once (numpy),
    the rare place whose first blocks repeat too often done one by one.

    >>> key = FastHmac(bytes(32))
    >>> places = [("U1", "D", 1000), ("U2", "D", 17), ("U3", "D", 3), ("U4", "E", 40)]
    >>> many_positions(key, places, 16) == [sorted(positions(key, u, d, n, 16)) for u, d, n in places]
    True
    """
    out: list[list[int]] = [list(range(n)) if n <= k else [] for _, _, n in places]
    wide = [p for p, (_, _, n) in enumerate(places) if n > k]
    if not wide:
        return out
    blocks = -(-k // WORDS_PER_BLOCK) + 1
    suffixes = [str(b).encode() for b in range(blocks)]
    raw = b"".join([key.truncated(f"cand:{places[p][0]}:{places[p][1]}:".encode(), suffixes, 32) for p in wide])
    words = np.frombuffer(raw, dtype=">u8").reshape(len(wide), blocks * WORDS_PER_BLOCK)
    n = np.array([places[p][2] for p in wide], dtype=np.uint64)
    picks = (words % n[:, None]).astype(np.int64)
    order = np.argsort(picks, axis=1, kind="stable")
    ranked = np.take_along_axis(picks, order, axis=1)
    first = np.ones(ranked.shape, dtype=bool)
    first[:, 1:] = ranked[:, 1:] != ranked[:, :-1]  # the first of equal picks, in drawing order
    new = np.empty_like(first)
    np.put_along_axis(new, order, first, axis=1)
    taken = np.cumsum(new, axis=1)
    enough = taken[:, -1] >= k
    chosen = new & (taken <= k)
    rows = np.flatnonzero(enough)
    if len(rows):
        chosen_rows = np.sort(picks[rows][chosen[rows]].reshape(len(rows), k), axis=1).tolist()
        for r, row in zip(rows.tolist(), chosen_rows, strict=True):
            out[wide[r]] = row
    for r in np.flatnonzero(~enough).tolist():
        u, d, size = places[wide[r]]
        out[wide[r]] = sorted(positions(key, u, d, size, k))
    return out


def candidates(key: FastHmac, uscc: str, department: str, eligible: Sequence[str], k: int | None) -> tuple[str, ...]:
    """The candidates of a place, sorted by id; ``k`` None means every eligible
    inspector (formats /1 and /2)."""
    if k is None or len(eligible) <= k:
        return tuple(eligible)
    return tuple(sorted(eligible[x] for x in positions(key, uscc, department, len(eligible), k)))


def many_candidates(key: FastHmac, places: Sequence[tuple[str, str, Sequence[str]]],
                    k: int | None) -> list[tuple[str, ...]]:
    """:func:`candidates` of every (USCC, department, eligible)."""
    if k is None:
        return [tuple(eligible) for _, _, eligible in places]
    picked = many_positions(key, [(u, d, len(eligible)) for u, d, eligible in places], k)
    out = []
    for (_, _, eligible), xs in zip(places, picked, strict=True):
        if len(xs) == len(eligible):
            out.append(tuple(eligible))
        elif isinstance(eligible, Eligible):
            out.append(eligible.pick(xs))
        else:
            out.append(tuple([eligible[x] for x in xs]))
    return out
