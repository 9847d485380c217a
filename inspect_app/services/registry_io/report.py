"""The outcome of an import: counts and every problem found, by row."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_ERRORS = 1000  # problems kept in a report; reading stops once this many are found
SAMPLE_SIZE = 10  # names shown per kind of change in a dry run


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
    errors_omitted: int = 0  # problems beyond max_errors, counted only
    max_errors: int = MAX_ERRORS
    stopped: bool = False  # reading stopped at max_errors problems; the rest of the file was not checked
    dry_run: bool = False  # counts of what the import would do; nothing was written
    unknown_headers: list[str] = field(default_factory=list)  # header cells matching no column
    headers: list[str] = field(default_factory=list)  # the header row as written
    samples: dict[str, list[str]] = field(default_factory=dict)  # inserted/updated/deactivated -> names
    fingerprint: str | None = None  # the registry's state the counts were computed against
    _latest: list = field(default_factory=list, repr=False, compare=False)  # heap: (-row, position)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def full(self) -> bool:
        """As many problems as a report keeps: reading may stop."""
        return len(self.errors) >= self.max_errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_omitted

    def add_error(self, row: int, column: str, value, reason: str) -> None:
        """Record a problem. Beyond ``max_errors`` the ones on the earliest rows
        are kept (validation runs column by column, not row by row)."""
        error = RowError(row, column, "" if value is None else str(value), reason)
        if len(self.errors) < self.max_errors:
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

    FIELDS = ("kind", "filename", "sync", "total_rows", "inserted", "updated", "unchanged", "deactivated",
              "versioned", "errors_omitted", "max_errors", "stopped", "dry_run", "unknown_headers", "headers",
              "samples", "fingerprint")

    def to_dict(self) -> dict:
        """A JSON-ready form, for the import job's stored report."""
        data = {name: getattr(self, name) for name in self.FIELDS}
        data["errors"] = [list(e) for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        report = cls(**{name: data[name] for name in cls.FIELDS if name in data})
        report.errors = [RowError(*e) for e in data.get("errors", ())]
        return report

    def summary(self) -> str:
        """One line in English, for logs and the CLI."""
        if not self.ok:
            stopped = f"; stopped after {len(self.errors)} problems, the file may have more" if self.stopped else ""
            return (f"{self.kind}: {self.error_count} problem(s) in {self.total_rows} row(s) of "
                    f"{self.filename}{stopped}; nothing was changed")
        text = (f"{self.kind}: {self.total_rows} row(s) read from {self.filename}: {self.inserted} inserted, "
                f"{self.updated} updated, {self.unchanged} unchanged")
        if self.versioned:
            text += f" ({self.versioned} as new versions)"
        if self.sync:
            text += f", {self.deactivated} marked inactive"
        if self.dry_run:
            text += " (dry run: nothing was written)"
        return text
