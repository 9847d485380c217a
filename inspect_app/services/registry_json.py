"""Registry rows as JSON (the API's bulk upsert): the rows become the
import's own rows, so that :func:`.registry_io.import_file` checks and
writes them exactly as it does an uploaded file — every cell, key,
duplicate and reference, the scope rule, sync mode, and the all-or-nothing
commit.

A row is an object keyed by the registry's column keys (the English
headers of the import, e.g. ``uscc``, ``name``, ``district``); a key missing
from a row is an empty cell. Values are strings, numbers, booleans, null or,
for list columns, arrays of strings. Row ``i`` of the request is row
``i + 2`` of the equivalent file (the header is row 1); :func:`row_errors`
maps the report back to indexes and JSON paths.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .registry_io import REGISTRIES, ImportReport, import_file
from .registry_io.fields import LIST_SEPARATORS
from .registry_io.messages import tr

MAX_ROWS = 200_000  # per request (API_BULK_MAX_ROWS may lower it)
MAX_TEXT = 2_000  # characters per value
MAX_LIST = 100  # items per list value
MAX_ERRORS = 10_000  # problems listed (beyond that only counted, as in the import report)
FILENAME = "api.csv"


def upsert(session, kind: str, rows: list[dict[str, Any]], *, sync: bool = False, dry_run: bool = False,
           user=None) -> ImportReport:
    """Validate and upsert ``rows`` into the registry ``kind``; the
    import's report (``ok`` False: nothing changed)."""
    spec = REGISTRIES.get(kind)
    if spec is None:
        raise ValueError(f"unknown registry {kind!r}")
    keys = {col.key: col for col in spec.columns}
    report = ImportReport(kind, FILENAME, sync=sync, dry_run=dry_run)
    report.max_errors = MAX_ERRORS
    present: list[str] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if not any(_filled(v) for v in row.values()):
            report.add_error(index + 2, "", "", tr("空行"))
        for key, value in row.items():
            if key not in keys:
                known = "、".join(keys)
                report.add_error(index + 2, key, _shown(value), tr("未知的列名；可用的列：%(known)s", known=known))
            elif key not in seen:
                seen.add(key)
            if key in keys and keys[key].kind == "list" and isinstance(value, list):
                for item in value:
                    if LIST_SEPARATORS.search(item):
                        report.add_error(index + 2, key, item, tr("列表中的一项不能含有分隔符（; ， ,）"))
            elif key in keys and isinstance(value, list):
                report.add_error(index + 2, key, _shown(value), tr("此列不是列表，不能填数组"))
    if not report.ok:
        report.sort_errors()
        return report
    present = [col.key for col in spec.columns if col.key in seen]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(present)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in present])
    stream = io.BytesIO(buffer.getvalue().encode("utf-8"))
    del buffer
    return import_file(session, kind, stream, FILENAME, sync=sync, encoding="utf-8", dry_run=dry_run,
                       max_errors=MAX_ERRORS, user=user)


def _filled(value: Any) -> bool:
    return value not in (None, "", []) and not (isinstance(value, str) and not value.strip())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else _cell(value) if not isinstance(value, dict) else str(value)


def row_errors(report: ImportReport) -> list[dict]:
    """The report's problems as the API lists them: the row's ``index`` in
    the request (None for problems of the request as a whole), ``field``,
    ``value``, ``reason`` and a JSON ``path``."""
    out = []
    for error in report.errors:
        index = error.row - 2 if error.row >= 2 else None
        path = "$.rows" if index is None else f"$.rows[{index}]"
        if error.column and index is not None:
            path += f".{error.column}"
        out.append({"index": index, "field": error.column, "value": error.value, "reason": error.reason,
                    "path": path})
    return out
