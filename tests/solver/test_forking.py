"""solver.forking: pieces computed by forked children come back in order; a
child that fails gives None; a failure here stops the children."""

from __future__ import annotations

import os

import pytest

from solver.forking import bytes_forked, run_forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")


def test_pieces_come_back_in_order():
    mine, theirs = run_forked(lambda: "here", [lambda k=k: bytes([k]) * 100_000 for k in range(3)])
    assert mine == "here"
    assert theirs == [bytes([k]) * 100_000 for k in range(3)]


def test_shared_memory_holds_what_fits_and_the_pipe_the_rest():
    """A result written to the shared memory is there in full while the
    parent was still busy; one larger than the room comes through the pipe."""
    import time

    big = bytes(range(256)) * 4096  # 1 MiB: more than a pipe holds unread
    mine, theirs = run_forked(lambda: time.sleep(0.2) or "here",
                              [lambda: [big, b"end"], lambda: big + big, lambda: b""], room=len(big) + 3)
    assert mine == "here"
    assert isinstance(theirs[0], memoryview) and theirs[0] == big + b"end"
    assert theirs[1] == big + big and theirs[2] == b""


def test_a_failed_child_gives_none_with_or_without_room():
    def boom() -> bytes:
        raise RuntimeError("lost")

    assert run_forked(lambda: 1, [boom], room=100) == (1, [None])


def test_a_failed_child_gives_none():
    def boom() -> bytes:
        raise RuntimeError("lost")

    mine, theirs = run_forked(lambda: 1, [lambda: b"ok", boom])
    assert (mine, theirs) == (1, [b"ok", None])


def test_a_failure_here_stops_the_children(tmp_path):
    import time

    stamp = tmp_path / "pid"

    def slow() -> bytes:
        stamp.write_text(str(os.getpid()))
        time.sleep(30)
        return b"late"

    def fail():
        for _ in range(500):  # until the child is surely running
            if stamp.exists() and stamp.read_text():
                break
            time.sleep(0.01)
        raise ValueError("here")

    started = time.monotonic()
    with pytest.raises(ValueError, match="here"):
        run_forked(fail, [slow])
    assert time.monotonic() - started < 20  # the child was not waited for to the end
    with pytest.raises(ProcessLookupError):  # it was killed and reaped
        os.kill(int(stamp.read_text()), 0)


def test_bytes_forked_recomputes_a_short_or_missing_answer():
    parent = os.getpid()

    def compute(run: bytes) -> bytes:
        if os.getpid() != parent and run == b"cd":
            return b"C"  # short: must be recomputed here
        if os.getpid() != parent and run == b"ef":
            raise RuntimeError("child lost")  # missing
        return run.upper()

    assert bytes_forked([b"ab", b"cd", b"ef", b"gh"], compute, len) == b"ABCDEFGH"


def test_without_shared_memory_to_be_had_the_pipe_carries_the_result(monkeypatch):
    import mmap

    def refuse(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(mmap, "mmap", refuse)
    mine, theirs = run_forked(lambda: 1, [lambda: b"through the pipe"], room=1 << 30)
    assert (mine, theirs) == (1, [b"through the pipe"])


def test_a_child_that_leaves_without_answering_gives_none():
    """Exit status 0 but no answer (not even the marker of where it is): None."""
    def silent() -> bytes:
        os._exit(0)

    mine, theirs = run_forked(lambda: 1, [silent], room=64)
    assert (mine, theirs) == (1, [None])
