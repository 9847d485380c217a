"""``export_registry``: a registry as CSV or XLSX, in the import format.

Headers are the Chinese column names (or the English ones), values written
as the importer reads them — dates YYYY-MM-DD, booleans 是/否 (true/false in
English files), lists joined with ';' — so exporting and re-importing a
registry changes nothing. Values that a spreadsheet would run as a formula
are written as text (:mod:`inspect_app.services.spreadsheet`: XLSX text
cells; in CSV a leading ``'``). Check items export their current versions. Rows
are streamed from the database, so exports of millions of rows need little
memory.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any, BinaryIO, Iterator

import sqlalchemy as sa

from ..spreadsheet import csv_row, xlsx_row
from .specs import REGISTRIES, Column, RegistrySpec

FETCH = 10_000


def export_registry(session, kind: str, fmt: str, out: BinaryIO, *, english: bool = False,
                    encoding: str = "utf-8-sig") -> int:
    """Write registry ``kind`` to ``out`` as ``fmt`` ("csv" or "xlsx");
    returns the number of data rows. CSV is UTF-8 with a BOM by default
    (what Excel needs to show Chinese); pass ``encoding="gb18030"`` for
    older office software."""
    spec = REGISTRIES.get(kind)
    if spec is None:
        raise ValueError(f"unknown registry {kind!r}; one of {', '.join(REGISTRIES)}")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}; csv or xlsx")
    header = [c.en if english else c.zh for c in spec.columns]
    rows = _rows(session, spec, english)
    if fmt == "csv":
        return _write_csv(out, header, rows, encoding)
    return _write_xlsx(out, header, rows, spec)


def export_filename(kind: str, fmt: str) -> str:
    """A default file name, e.g. ``entities-2026-11-22.xlsx``."""
    return f"{kind}-{date.today().isoformat()}.{fmt}"


def _rows(session, spec: RegistrySpec, english: bool) -> Iterator[list[Any]]:
    table = spec.table
    query = sa.select(*(table.c[c.key] for c in spec.columns)).order_by(*(table.c[k] for k in spec.key))
    if spec.versioned:
        query = query.where(table.c.current.is_(True))
    formats = [_formatter(c, english) for c in spec.columns]
    result = session.connection().execute(query, execution_options={"yield_per": FETCH})
    for row in result:
        yield [f(v) for f, v in zip(formats, row)]


def _formatter(col: Column, english: bool):
    if col.kind == "bool":
        yes, no = ("true", "false") if english else ("是", "否")
        return lambda v: "" if v is None else yes if v else no
    if col.kind == "list":
        return lambda v: ";".join(json.loads(v) if isinstance(v, str) else v or [])
    if col.kind == "date":
        return lambda v: "" if v is None else v.isoformat()
    return lambda v: "" if v is None else v


def _write_csv(out: BinaryIO, header: list[str], rows: Iterator[list[Any]], encoding: str) -> int:
    text = io.TextIOWrapper(out, encoding=encoding, newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(csv_row(row))  # formula triggers written as text
            count += 1
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
    return count


def _write_xlsx(out: BinaryIO, header: list[str], rows: Iterator[list[Any]], spec: RegistrySpec) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spec.kind)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(xlsx_row(sheet, row))  # strings are text cells, never formulas
        count += 1
    workbook.save(out)
    return count
