"""Reading import files into rows of cells, streaming and bounded.

CSV: decoded incrementally, a chunk at a time — UTF-8 (with or without BOM)
if the whole file is valid UTF-8 (checked first in a streaming pass that
keeps nothing), else GB18030 (a superset of GBK, which Chinese office
software exports) — unless the caller names the encoding. A physical line
longer than ``MAX_LINE_CHARS`` ends the file with a problem.

XLSX: the first worksheet, read with openpyxl in read-only mode; the
sheet's declared dimension is ignored (``reset_dimensions``), so a sheet
claiming ``A1:XFD20000`` costs only the cells it really holds; the parts'
declared uncompressed sizes are bounded before openpyxl reads anything.
Cells keep their types (numbers, dates), which the converters understand.

Both formats: at most ``MAX_ROWS`` rows and ``MAX_COLUMNS`` cells a row.

Rows are numbered as the user sees them: the header is row 1, and a CSV
record spanning several lines counts once, as a spreadsheet shows it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from pathlib import PurePath
from typing import Any, BinaryIO, Iterator

FORMATS = (".csv", ".xlsx")
MAX_ROWS = 5_000_000  # rows of a file, header included
MAX_COLUMNS = 256  # cells of a row
MAX_LINE_CHARS = 1_000_000  # characters of a CSV line
MAX_XLSX_UNCOMPRESSED = 4 * 2**30  # bytes of all parts of a workbook, as declared
MAX_XLSX_SHARED_STRINGS = 512 * 2**20  # bytes of the shared-strings part (openpyxl keeps it in memory)
READ_CHUNK = 1 << 20  # bytes decoded at a time


class FileProblem(Exception):
    """The file as a whole cannot be read (format, encoding, no header, a bound)."""

    def __init__(self, row: int, msgid: str, **params):
        super().__init__(msgid)
        self.row, self.msgid, self.params = row, msgid, params


def file_format(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise FileProblem(0, "不支持的文件类型 %(suffix)s，应为 .csv 或 .xlsx", suffix=suffix or "''")
    return suffix[1:]


def read_rows(stream: BinaryIO, filename: str, encoding: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) for every row, header first. ``stream`` must be
    seekable (a file, or BytesIO)."""
    if file_format(filename) == "csv":
        return _bounded(_csv_rows(stream, encoding))
    return _bounded(_xlsx_rows(stream))


def _bounded(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in rows:
        if number > MAX_ROWS:
            raise FileProblem(number, "文件超过 %(max)s 行的上限", max=f"{MAX_ROWS:,}")
        if len(cells) > MAX_COLUMNS:
            if any(c is not None and c != "" for c in cells[MAX_COLUMNS:]):
                raise FileProblem(number, "第 %(row)s 行超过 %(max)s 列的上限", row=number, max=MAX_COLUMNS)
            cells = cells[:MAX_COLUMNS]
        yield number, cells


def detect_encoding(stream: BinaryIO) -> str:
    """'utf-8-sig' if the stream is valid UTF-8 throughout, else 'gb18030';
    reads it once in chunks and rewinds it."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(READ_CHUNK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(start)


def _decode_error(stream: BinaryIO, encoding: str) -> FileProblem:
    """The problem for a byte sequence that is not ``encoding``: found again
    from the start (only on this path), to name its exact byte and line."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    position, lines = 0, 0
    while block := stream.read(READ_CHUNK):
        pending = len(decoder.getstate()[0])  # bytes of an unfinished character
        try:
            decoder.decode(block)
        except UnicodeDecodeError as e:
            offset = max(0, position - pending + e.start)
            lines += block.count(b"\n", 0, max(0, offset - position))
            break
        position += len(block)
        lines += block.count(b"\n")
    else:
        offset = position
    return FileProblem(lines + 1, "文件不是有效的 %(encoding)s 编码文本（第 %(offset)d 字节）",
                       encoding=encoding.replace("-sig", ""), offset=offset)


def _line_blocks(text: io.TextIOBase, stream: BinaryIO, encoding: str) -> Iterator[list[str]]:
    """The physical lines of the text (line ends kept: \\n, \\r\\n or \\r), a
    block of READ_CHUNK characters at a time; a line longer than
    MAX_LINE_CHARS is a problem. The splitting runs in C (StringIO)."""
    tail, done = "", 0
    while True:
        try:
            block = text.read(READ_CHUNK)
        except UnicodeDecodeError:
            raise _decode_error(stream, encoding) from None
        if not block:
            if tail:
                yield [tail]
            return
        lines = io.StringIO(tail + block, newline="").readlines()
        tail = lines.pop()  # perhaps incomplete (or a \r whose \n comes next)
        if len(tail) > MAX_LINE_CHARS or (lines and max(map(len, lines)) > MAX_LINE_CHARS):
            at = next((i for i, line in enumerate(lines) if len(line) > MAX_LINE_CHARS), len(lines))
            raise FileProblem(done + at + 1, "第 %(line)s 行超过 %(max)s 个字符的上限", line=done + at + 1,
                              max=f"{MAX_LINE_CHARS:,}")
        done += len(lines)
        yield lines


def _csv_rows(stream: BinaryIO, encoding: str | None) -> Iterator[tuple[int, list[str]]]:
    if encoding is None:
        encoding = detect_encoding(stream)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise FileProblem(0, "未知的字符编码 %(encoding)s", encoding=encoding) from None
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"  # a BOM is not part of the header
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(itertools.chain.from_iterable(_line_blocks(text, stream, encoding)))
    try:
        for number, cells in enumerate(reader, start=1):
            if number == 1 and cells and cells[0].startswith("\ufeff"):
                cells[0] = cells[0][1:]
            yield number, cells
    except csv.Error as e:
        raise FileProblem(reader.line_num, "CSV 格式错误：%(detail)s", detail=str(e)) from None
    finally:
        text.detach()


def check_xlsx_sizes(stream: BinaryIO) -> None:
    """Refuse a workbook whose parts declare more than the bounds when
    uncompressed (a "zip bomb"); zipfile never inflates beyond a declared size."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise FileProblem(0, "无法读取 XLSX 文件：%(detail)s", detail=str(e) or type(e).__name__) from None
    finally:
        stream.seek(start)
    total = sum(i.file_size for i in infos)
    shared = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
    if total > MAX_XLSX_UNCOMPRESSED or shared > MAX_XLSX_SHARED_STRINGS:
        raise FileProblem(0, "XLSX 文件解压后过大（%(size)s MB），超出上限", size=f"{total / 2**20:,.0f}")


def _open_first_sheet(stream: BinaryIO):
    """(workbook, its first worksheet) in openpyxl's read-only mode, without
    the size probe openpyxl runs on every sheet at load time: for a sheet
    that declares no dimension it parses the whole sheet (a million tiny
    rows: most of a minute) before the first row is read."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self):
            pass  # the dimension is not used (reset_dimensions below)

    class FirstSheetReader(ExcelReader):
        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    self.wb._sheets.append(Sheet(self.wb, sheet.name, rel.target, self.shared_strings))
                    return

    reader = FirstSheetReader(stream, read_only=True, data_only=True)
    reader.read()
    if not reader.wb._sheets:
        raise FileProblem(0, "无法读取 XLSX 文件：%(detail)s", detail="no worksheet")
    return reader.wb, reader.wb._sheets[0]


def _xlsx_rows(stream: BinaryIO) -> Iterator[tuple[int, list[Any]]]:
    check_xlsx_sizes(stream)
    try:
        workbook, sheet = _open_first_sheet(stream)
    except FileProblem:
        raise
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException …
        raise FileProblem(0, "无法读取 XLSX 文件：%(detail)s", detail=str(e) or type(e).__name__) from None
    try:
        # The declared dimension (<dimension ref="A1:XFD20000">) would make
        # openpyxl pad every row to its width; only real cells count.
        sheet.reset_dimensions()
        number = 0
        for row in sheet.iter_rows(values_only=True):
            number += 1
            yield number, list(row)
    except FileProblem:
        raise
    except Exception as e:  # malformed sheet XML
        raise FileProblem(0, "无法读取 XLSX 文件：%(detail)s", detail=str(e) or type(e).__name__) from None
    finally:
        workbook.close()
