"""The outcome of an import: counts and every problem found, by row."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_ERRORS = 1000  # problems kept in a report; the rest are only counted


class RowError(NamedTuple):
    """One problem in an import file.

    ``row`` is the 1-based row (line) number as the user sees it, the header
    being row 1 (0 for problems with the file as a whole); ``column`` the
    header as written in the file (or the column's Chinese name when the
    column is missing); ``value`` the cell text; ``reason`` a sentence in the
    current language (English outside a web request).
    """

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:59] + "…"
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.column} = {value!r}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """Counts of an import. ``ok`` is False when any problem was found, in
    which case nothing was changed. ``updated`` counts rows whose stored
    values changed (for published check items: a new version was created,
    also counted in ``versioned``); ``unchanged`` rows were identical."""

    kind: str
    filename: str
    sync: bool = False
    total_rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    versioned: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_omitted: int = 0  # problems beyond MAX_ERRORS, counted only
    _latest: list = field(default_factory=list, repr=False, compare=False)  # heap: (-row, position)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_omitted

    def add_error(self, row: int, column: str, value, reason: str) -> None:
        """Record a problem. Beyond MAX_ERRORS the ones on the earliest rows
        are kept (validation runs column by column, not row by row)."""
        error = RowError(row, column, "" if value is None else str(value), reason)
        if len(self.errors) < MAX_ERRORS:
            heapq.heappush(self._latest, (-row, len(self.errors)))
            self.errors.append(error)
            return
        self.errors_omitted += 1
        worst_row, position = self._latest[0]
        if row < -worst_row:
            self.errors[position] = error
            heapq.heapreplace(self._latest, (-row, position))

    def sort_errors(self) -> None:
        """Order the problems by row (stable: file-level ones first)."""
        order = sorted(range(len(self.errors)), key=lambda i: self.errors[i].row)
        self.errors[:] = [self.errors[i] for i in order]
        self._latest = [(-e.row, i) for i, e in enumerate(self.errors)]
        heapq.heapify(self._latest)

    def summary(self) -> str:
        """One line in English, for logs and the CLI."""
        if not self.ok:
            return (f"{self.kind}: {self.error_count} problem(s) in {self.total_rows} row(s) of "
                    f"{self.filename}; nothing was changed")
        text = (f"{self.kind}: {self.total_rows} row(s) read from {self.filename}: {self.inserted} inserted, "
                f"{self.updated} updated, {self.unchanged} unchanged")
        if self.versioned:
            text += f" ({self.versioned} as new versions)"
        if self.sync:
            text += f", {self.deactivated} marked inactive"
        return text
