"""Validation of an import file: header, every cell, keys and references.

All rows are checked and every problem is added to the report. Cells are
converted a column at a time over blocks of rows (see ``fields``); the
parsed rows keep ``None`` where a cell had a problem, so that references and
duplicates are still checked on the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import sqlalchemy as sa

from .fields import cell_text, column_converter
from .messages import tr
from .report import ImportReport
from .specs import REFERENCE_TARGETS, Column, RegistrySpec, normalize_header

LOOKUP_CHUNK = 2000  # values per IN (…) query when checking references
CHUNK = 50_000  # rows converted together, column by column
FIRST_CHUNK = 1000  # … except the first block, so that a file of junk stops early


@dataclass
class ParsedFile:
    """Converted rows of a file, in file order."""

    columns: list[Column]  # the columns present in the file (plus ``always`` columns)
    headers: dict[str, str]  # column key -> header as written (or its Chinese name)
    rows: list[tuple] = field(default_factory=list)  # values in ``columns`` order
    numbers: list[int] = field(default_factory=list)  # row number of each row


def map_header(spec: RegistrySpec, cells: list[Any], report: ImportReport,
               chosen: dict[str, str] | None = None) -> list[tuple[int, Column]] | None:
    """(cell index, column) for each header cell; None after reporting
    problems. ``chosen`` maps normalised headers the spec does not know to a
    column key, or to "" (the column is ignored): the planner's mapping."""
    mapping: list[tuple[int, Column]] = []
    seen: dict[str, str] = {}
    chosen = chosen or {}
    texts = [cell_text(c) for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    report.headers = texts
    problems = False
    for index, text in enumerate(texts):
        col = spec.header_column(text) if text else None
        if col is None and text and normalize_header(text) in chosen:
            key = chosen[normalize_header(text)]
            if not key:
                continue  # ignored
            col = next((c for c in spec.columns if c.key == key), None)
        if not text:
            report.add_error(1, f"#{index + 1}", "", tr("空的列名"))
            problems = True
        elif col is None:
            known = "、".join(c.zh for c in spec.columns)
            report.add_error(1, text, text, tr("未知的列名；可用的列：%(known)s", known=known))
            report.unknown_headers.append(text)
            problems = True
        elif col.key in seen:
            report.add_error(1, text, text, tr("与列“%(other)s”重复", other=seen[col.key]))
            problems = True
        else:
            seen[col.key] = text
            mapping.append((index, col))
    for col in spec.columns:
        if col.required and col.key not in seen:
            report.add_error(1, col.zh, "", tr("缺少必填列（%(zh)s / %(en)s）", zh=col.zh, en=col.en))
            problems = True
    return None if problems else mapping


def parse_file(spec: RegistrySpec, rows: Iterator[tuple[int, list[Any]]], report: ImportReport,
               chosen: dict[str, str] | None = None, progress=None) -> ParsedFile | None:
    """Convert and check every row. Returns None when the header is unusable;
    problems in rows are in the report (the rows are still returned, with
    None for bad cells, so that references can be checked too). Once the
    report holds as many problems as it keeps, reading stops
    (``report.stopped``). ``progress(rows)`` is called every block of rows
    (it may raise to cancel)."""
    header = next(rows, None)
    if header is None:
        report.add_error(1, "", "", tr("文件为空，缺少表头行"))
        return None
    mapping = map_header(spec, header[1], report, chosen)
    if mapping is None:
        return None
    present = {col.key for _, col in mapping}
    plan = [(index, col, column_converter(col.kind, required=col.required, default=col.default,
                                          max_length=spec.max_length(col), choices=col.choices,
                                          multiline=col.multiline))
            for index, col in mapping]
    # Columns applied with their default although the file lacks them.
    extra = [col for col in spec.columns if col.always and col.key not in present]
    parsed = ParsedFile([col for _, col, _ in plan] + extra,
                        {col.key: cell_text(header[1][i]) for i, col, _ in plan} | {c.key: c.zh for c in extra})
    constants = [[col.default] * CHUNK for col in extra]
    width = max(len(header[1]), max((i for i, _, _ in plan), default=0) + 1)

    chunk: list[list[Any]] = []
    numbers: list[int] = []
    size = FIRST_CHUNK
    read = 0
    for number, cells in rows:
        read += 1
        if read % FIRST_CHUNK == 0:
            if progress is not None:
                progress(number)
            if report.full:
                report.stopped = True
                break
        first = cells[0] if cells else None
        if not (type(first) is str and first.strip()) and all(cell_text(c) == "" for c in cells):
            continue  # blank line (spreadsheets often end with some)
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        elif len(cells) > width:
            surplus = [cell_text(c) for c in cells[width:]]
            if any(surplus):
                report.add_error(number, f"#{width + 1}", next(t for t in surplus if t), tr("表头之外的单元格"))
            cells = cells[:width]
        chunk.append(cells)
        numbers.append(number)
        if len(chunk) == size:
            _convert_chunk(parsed, plan, constants, chunk, numbers, report)
            chunk, numbers, size = [], [], CHUNK
            if report.full:
                report.stopped = True
                break
    else:
        if chunk:
            _convert_chunk(parsed, plan, constants, chunk, numbers, report)
    if report.stopped:
        # A file of junk ends fast; the report says that the rest was not read.
        return parsed
    if progress is not None:
        progress(number if parsed.numbers else 1)

    keys = [parsed.columns.index(spec.column(k)) for k in spec.key]
    if spec.ordered_pair:
        _order_pairs(spec, parsed, report)
    if spec.date_range:
        _check_range(spec, parsed, report)
    _check_duplicates(parsed, keys, report)
    return parsed


def _convert_chunk(parsed: ParsedFile, plan, constants, chunk: list[list[Any]], numbers: list[int],
                   report: ImportReport) -> None:
    """Convert a block of rows column by column and append them."""
    columns = list(zip(*chunk))
    converted = []
    for index, col, convert in plan:
        values, problems = convert(list(columns[index]))
        for position, problem in problems:
            report.add_error(numbers[position], parsed.headers[col.key], cell_text(columns[index][position]),
                             tr(problem.msgid, **problem.params))
        converted.append(values)
    converted.extend(c[:len(chunk)] for c in constants)
    parsed.rows.extend(zip(*converted))
    parsed.numbers.extend(numbers)
    report.total_rows += len(chunk)


def _order_pairs(spec: RegistrySpec, parsed: ParsedFile, report: ImportReport) -> None:
    """Store pairs as (smaller, larger); a pair of one and the same is an error."""
    first, second = spec.ordered_pair
    ia, ib = (parsed.columns.index(spec.column(k)) for k in spec.ordered_pair)
    for n, row in enumerate(parsed.rows):
        a, b = row[ia], row[ib]
        if a is None or b is None:
            continue
        if a == b:
            report.add_error(parsed.numbers[n], parsed.headers[second], b,
                             tr("与%(other)s相同", other=parsed.headers[first]))
        elif a > b:
            values = list(row)
            values[ia], values[ib] = b, a
            parsed.rows[n] = tuple(values)


def _check_range(spec: RegistrySpec, parsed: ParsedFile, report: ImportReport) -> None:
    start_key, end_key = spec.date_range
    i0, i1 = (parsed.columns.index(spec.column(k)) for k in spec.date_range)
    for number, row in zip(parsed.numbers, parsed.rows):
        if row[i0] is not None and row[i1] is not None and row[i1] < row[i0]:
            report.add_error(number, parsed.headers[end_key], row[i1].isoformat(),
                             tr("早于%(start)s", start=parsed.headers[start_key]))


def _check_duplicates(parsed: ParsedFile, keys: list[int], report: ImportReport) -> None:
    first: dict[Any, int] = {}
    if len(keys) == 1:
        (k,) = keys
        pairs: Iterable = zip((row[k] for row in parsed.rows), parsed.numbers)
    else:
        pairs = zip((tuple(row[k] for k in keys) for row in parsed.rows), parsed.numbers)
    setdefault = first.setdefault
    for key, number in pairs:
        if key is None or (isinstance(key, tuple) and None in key):
            continue
        earlier = setdefault(key, number)
        if earlier != number:
            shown = key if isinstance(key, str) else " / ".join(str(v) for v in key)
            names = " / ".join(parsed.headers[c.key] for c in (parsed.columns[k] for k in keys))
            report.add_error(number, names, shown, tr("与第 %(row)d 行重复", row=earlier))


def check_references(session, spec: RegistrySpec, parsed: ParsedFile, report: ImportReport) -> None:
    """Every referenced department, district, inspector or entity exists in
    the database — or, for a reference to the registry being imported
    (a district's parent), in the file itself."""
    conn = session.connection()
    for position, col in enumerate(parsed.columns):
        if col.ref is None:
            continue
        if col.kind == "list":
            wanted = {item for row in parsed.rows for item in json.loads(row[position])}
        else:
            wanted = {row[position] for row in parsed.rows if row[position] is not None}
        if not wanted:
            continue
        table, key = REFERENCE_TARGETS[col.ref]
        if table is spec.table:
            own = parsed.columns.index(spec.column(key))
            wanted -= {row[own] for row in parsed.rows}
        missing = wanted - existing_values(conn, table.c[key], wanted)
        if not missing:
            continue
        reason = {
            "department": "部门不存在：%(value)s",
            "district": "行政区划不存在：%(value)s",
            "inspector": "检查人员不存在：%(value)s",
            "entity": "检查对象名录库中没有该主体：%(value)s",
        }[col.ref]
        for number, row in zip(parsed.numbers, parsed.rows):
            value = row[position]
            if value is None:
                continue
            items = json.loads(value) if col.kind == "list" else (value,)
            for item in items:
                if item in missing:
                    report.add_error(number, parsed.headers[col.key], value if col.kind != "list" else
                                     "；".join(items), tr(reason, value=item))


def existing_values(conn: sa.Connection, column: sa.Column, values: set) -> set:
    found: set = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start:start + LOOKUP_CHUNK]
        found.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return found
