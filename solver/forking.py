"""Work shared with forked processes (POSIX).

The solver uses the second core of a small machine for the few steps that are
both large and pure: hashing u-values and arc costs, and solving independent
team flows. Each helper process is a fork that computes one piece and sends
its bytes back through a pipe, or writes them to memory shared with the
caller; the caller computes its own piece meanwhile.
Results never depend on the sharing: a caller checks what comes back and
computes any piece that did not arrive (or arrived wrong) itself.

>>> import os
>>> if hasattr(os, "fork"):
...     mine, theirs = run_forked(lambda: b"here", [lambda: b"there", lambda: b"and there"])
... else:
...     mine, theirs = b"here", [b"there", b"and there"]
>>> mine, theirs
(b'here', [b'there', b'and there'])
>>> if hasattr(os, "fork"):
...     _, theirs = run_forked(lambda: None, [lambda: [b"fits", b"!"], lambda: b"does not fit"], room=8)
... else:
...     theirs = [memoryview(b"fits!"), b"does not fit"]
>>> bytes(theirs[0]), theirs[1]
(b'fits!', b'does not fit')
"""

from __future__ import annotations

import mmap
import os
import signal
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

_SHARED, _PIPED = b"M", b"P"  # where a child's result is: the shared memory, or after this byte
T = TypeVar("T")
S = TypeVar("S")


def _shared_memory(room: int) -> mmap.mmap | None:
    """``room`` bytes of anonymous memory shared with forked children, or None
    (no room asked for, or none to be had: the result then comes through the pipe)."""
    if not room:
        return None
    try:
        return mmap.mmap(-1, room)
    except (OSError, OverflowError, ValueError):  # e.g. strict overcommit: the pipe still works
        return None


def run_forked(here: Callable[[], T],
               elsewhere: Sequence[Callable[[], bytes | Sequence[bytes | memoryview]]],
               room: int = 0) -> tuple[T, list[bytes | memoryview | None]]:
    """Run each of ``elsewhere`` in a forked child and ``here`` in this
    process, at the same time; return ``here``'s result and the children's
    bytes in order (None for a child that failed; a child that gives a list
    of bytes gives them joined, without joining them itself). If ``here``
    raises, the children are stopped first.

    With ``room``, each child has that many bytes of memory shared with this
    process: a result that fits is written there as soon as it is computed,
    while this process may still be busy (a pipe holds only a few pages
    until it is read), and comes back as a view of that memory; a larger
    result comes through the pipe."""
    children = []
    try:
        for work in elsewhere:
            read_end, write_end = os.pipe()
            shared = _shared_memory(room)
            pid = os.fork()
            if pid == 0:  # the child: compute, write, leave without clean-up
                status = 1
                try:
                    os.close(read_end)
                    with os.fdopen(write_end, "wb") as out:
                        result = work()
                        pieces = [result] if isinstance(result, bytes) else result
                        if shared is not None and sum(map(len, pieces)) <= room:
                            for piece in pieces:
                                shared.write(piece)
                            out.write(_SHARED + shared.tell().to_bytes(8, "big"))
                        else:
                            out.write(_PIPED)
                            out.writelines(pieces)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write_end)
            children.append((pid, read_end, shared))
        mine = here()
    except BaseException:
        for pid, read_end, _ in children:
            os.close(read_end)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    results: list[bytes | memoryview | None] = []
    for pid, read_end, shared in children:
        with os.fdopen(read_end, "rb") as source:
            data = source.read()
        _, status = os.waitpid(pid, 0)
        if status == 0 and data[:1] == _PIPED:
            results.append(data[1:])
        elif status == 0 and data[:1] == _SHARED and shared is not None and len(data) == 9:
            results.append(memoryview(shared)[:int.from_bytes(data[1:], "big")])
        else:  # a failed child, or an answer of neither form
            results.append(None)
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
    first, rest = run_forked(lambda: compute(runs[0]), [partial(compute, run) for run in runs[1:]],
                             max(map(size, runs[1:]), default=0))
    parts: list[bytes | memoryview] = [first]
    for run, part in zip(runs[1:], rest, strict=True):
        parts.append(part if part is not None and len(part) == size(run) else compute(run))
    return b"".join(parts)
