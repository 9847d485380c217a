"""Reading import files into rows of cells.

CSV: the whole file is decoded at once — UTF-8 (with or without BOM) if it
is valid UTF-8, else GB18030 (a superset of GBK, which Chinese office
software exports) — unless the caller names the encoding. XLSX: the first
worksheet, read with openpyxl in read-only mode; cells keep their types
(numbers, dates), which the converters understand.

Rows are numbered as the user sees them: the header is row 1, and a CSV
record spanning several lines counts once, as a spreadsheet shows it.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import PurePath
from typing import Any, BinaryIO, Iterator

FORMATS = (".csv", ".xlsx")


class FileProblem(Exception):
    """The file as a whole cannot be read (format, encoding, no header)."""

    def __init__(self, row: int, msgid: str, **params):
        super().__init__(msgid)
        self.row, self.msgid, self.params = row, msgid, params


def file_format(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise FileProblem(0, "不支持的文件类型 %(suffix)s，应为 .csv 或 .xlsx", suffix=suffix or "''")
    return suffix[1:]


def read_rows(stream: BinaryIO, filename: str, encoding: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) for every row, header first."""
    if file_format(filename) == "csv":
        return _csv_rows(decode(stream.read(), encoding))
    return _xlsx_rows(stream)


def decode(data: bytes, encoding: str | None = None) -> str:
    if encoding is None:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FileProblem(0, "未知的字符编码 %(encoding)s", encoding=encoding) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        row = data.count(b"\n", 0, e.start) + 1
        raise FileProblem(row, "文件不是有效的 %(encoding)s 编码文本（第 %(offset)d 字节）",
                          encoding=encoding, offset=e.start) from None
    return text[1:] if text.startswith("\ufeff") else text


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as e:
        raise FileProblem(reader.line_num, "CSV 格式错误：%(detail)s", detail=str(e)) from None


def _xlsx_rows(stream: BinaryIO) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException …
        raise FileProblem(0, "无法读取 XLSX 文件：%(detail)s", detail=str(e) or type(e).__name__) from None
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        workbook.close()
