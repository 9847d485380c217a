"""Bounded candidate sets for team forming (draw protocol 7.3, format /3).

A place whose eligible inspectors (7.1) number more than ``k`` offers the team
flow only ``k`` of them: a uniformly random ``k``-subset drawn from the seed.
The words of the sequence are 8-byte big-endian numbers, four per block, block
``b`` being HMAC-SHA256(key = raw seed, msg = UTF-8 of ``"cand:" + USCC + ":" +
department id + ":" + b``) (b = 0, 1, … in decimal). Word x picks the eligible
inspector at index ``x mod n`` of the eligible list sorted by id (n its
length); a pick already taken is skipped; the first ``k`` distinct picks are
the candidates. With n <= k every eligible inspector is a candidate.

The picks for ``2k`` begin with the picks for ``k``: widening a department's
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

from solver.canonical import FastHmac

DEFAULT_BOUND = 16  # k of format /3; a department's flow may widen it (7.3)
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


def candidates(key: FastHmac, uscc: str, department: str, eligible: Sequence[str], k: int | None) -> tuple[str, ...]:
    """The candidates of a place, sorted by id; ``k`` None means every eligible
    inspector (formats /1 and /2)."""
    if k is None or len(eligible) <= k:
        return tuple(eligible)
    return tuple(sorted(eligible[x] for x in positions(key, uscc, department, len(eligible), k)))
