"""Work shared with forked processes (POSIX).

The solver uses the second core of a small machine for the few steps that are
both large and pure: hashing u-values and arc costs, and solving independent
team flows. Each helper process is a fork that computes one piece and sends
its bytes back through a pipe; the caller computes its own piece meanwhile.
Results never depend on the sharing: a caller checks what comes back and
computes any piece that did not arrive (or arrived wrong) itself.

>>> import os
>>> if hasattr(os, "fork"):
...     mine, theirs = run_forked(lambda: b"here", [lambda: b"there", lambda: b"and there"])
... else:
...     mine, theirs = b"here", [b"there", b"and there"]
>>> mine, theirs
(b'here', [b'there', b'and there'])
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

T = TypeVar("T")
S = TypeVar("S")


def run_forked(here: Callable[[], T],
               elsewhere: Sequence[Callable[[], bytes | Sequence[bytes | memoryview]]]) -> tuple[T, list[bytes | None]]:
    """Run each of ``elsewhere`` in a forked child and ``here`` in this
    process, at the same time; return ``here``'s result and the children's
    bytes in order (None for a child that failed; a child that gives a list
    of bytes gives them joined, without joining them itself). If ``here``
    raises, the children are stopped first."""
    children = []
    try:
        for work in elsewhere:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: compute, write, leave without clean-up
                status = 1
                try:
                    os.close(read_end)
                    with os.fdopen(write_end, "wb") as out:
                        result = work()
                        out.writelines([result] if isinstance(result, bytes) else result)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write_end)
            children.append((pid, read_end))
        mine = here()
    except BaseException:
        for pid, read_end in children:
            os.close(read_end)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    results: list[bytes | None] = []
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as source:
            data = source.read()
        _, status = os.waitpid(pid, 0)
        results.append(data if status == 0 else None)
    return mine, results


def bytes_forked(runs: Sequence[S], compute: Callable[[S], bytes], size: Callable[[S], int]) -> bytes:
    """``compute(run)`` of every run, concatenated in order: the first run here,
    the others in forked children (:func:`run_forked`). A child's answer that is
    missing or not ``size(run)`` bytes long is never trusted: that run is
    computed here instead, so the result is always that of computing all here.

    >>> runs = [b"ab", b"c", b""] if hasattr(os, "fork") else [b"abc"]
    >>> bytes_forked(runs, bytes.upper, len)
    b'ABC'
    """
    first, rest = run_forked(lambda: compute(runs[0]), [partial(compute, run) for run in runs[1:]])
    parts = [first]
    for run, part in zip(runs[1:], rest, strict=True):
        parts.append(part if part is not None and len(part) == size(run) else compute(run))
    return b"".join(parts)
