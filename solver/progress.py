"""Progress reporting as an interface, so that the CLI, the web app's background
job and the tests can each observe a long draw in their own way."""

from __future__ import annotations

import sys
import time
from typing import Protocol


class Progress(Protocol):
    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage starts; ``total`` units of work if known."""

    def advance(self, n: int = 1) -> None:
        """``n`` more units of the current stage are done."""

    def done(self) -> None:
        """The current stage is finished."""


class NullProgress:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


class StageTimer:
    """Records wall time per stage (for the CLI summary and benchmarks) and
    forwards every call to another reporter."""

    def __init__(self, inner: Progress | None = None) -> None:
        self.inner = inner or NullProgress()
        self.timings: list[tuple[str, float]] = []
        self._name: str | None = None
        self._t0 = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self._close()
        self._name, self._t0 = name, time.perf_counter()
        self.inner.stage(name, total)

    def advance(self, n: int = 1) -> None:
        self.inner.advance(n)

    def done(self) -> None:
        self._close()
        self.inner.done()

    def _close(self) -> None:
        if self._name is not None:
            self.timings.append((self._name, time.perf_counter() - self._t0))
            self._name = None


class StderrProgress:
    """A terse progress line on stderr, refreshed at most every half second."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.name, self.count, self._last = "", 0, 0.0
        self.total: int | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        self.name, self.total, self.count = name, total, 0
        self._print(force=True)

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._print()

    def done(self) -> None:
        self._print(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def _print(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        of = f"/{self.total}" if self.total else ""
        self.stream.write(f"\r{self.name}: {self.count}{of}   ")
        self.stream.flush()
