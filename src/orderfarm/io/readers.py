"""Reading spreadsheets as streams of text rows: CSV in UTF-8 (with or without BOM), GBK/GB18030
or UTF-16 (detected), and XLSX through openpyxl in read-only (streaming) mode.

Every cell comes out as text: XLSX numbers as the decimal Excel shows (15 significant digits,
never a float), dates as ``YYYY-MM-DD``. A number formatted as a percentage (``0%``, ``0.0%``)
reads as Excel shows it, with its % sign, but with every digit it has: 0.125 under ``0%`` is
``12.5%``, not the ``13%`` on screen. A file that cannot be read raises ``FileError`` with a
message saying why (empty, garbled, truncated, not a workbook). An XLSX formula is read as the
value Excel computed and saved with it; one saved without it (a file written by a program and
never opened in Excel) reads empty, and ``TableReader.uncomputed`` names its cell.

A column whose header names an identifier (身份证号, 一卡通账号, 电话, 小票号…: ``Kind.ID`` in
``orderfarm.io.columns``) must hold text: a number cell there of more than 15 digits, or a CSV
cell as Excel shows such a number (``6.23E+18``), has lost its last digits, and the file is
refused at that cell (``id_saved_as_number``) before the row is read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import IO, Any, Final, NamedTuple

from orderfarm.io.columns import RECORD_TYPES, Kind, fold
from orderfarm.io.errors import FileError, file_error
from orderfarm.io.failures import os_error_said
from orderfarm.messages import Said

Source = str | os.PathLike[str] | bytes | IO[bytes]

_CHUNK: Final = 1 << 20
_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
#: CSV cells may be long (addresses, notes) but not unbounded: 1 MB
_FIELD_LIMIT: Final = 1 << 20

#: a formula element in a sheet's XML (``<f>``, ``<f t="shared" …/>``, ``<x:f>``)
_FORMULA_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")

#: a number as Excel shows it when it is too long for its cell (``6.23E+18``, ``1.2E+11``)
_SCIENTIFIC: Final = re.compile(r"[+-]?\d(?:\.\d+)?[Ee]\+\d{1,3}")
#: Excel keeps 15 significant digits of a number: a longer identifier typed as one loses the rest
_EXACT_BELOW: Final = 10**15
#: the parts of a number format that print as written: quoted text, an escaped character, a
#: character padded (``_``) or repeated (``*``), a bracketed colour, condition or locale
_FORMAT_LITERAL: Final = re.compile(r'"[^"]*"|\\.|[_*].|\[[^\]]*\]')

csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))


class RawRow(NamedTuple):
    """One data row: its spreadsheet row number (the header is row 1) and its cells as text
    (a named tuple: a county's file has a million of them)."""

    number: int
    cells: tuple[str, ...]


def _open_binary(source: Source) -> IO[bytes]:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb")
        except OSError as exc:
            said = Said(os_error_said(exc, "zh"), os_error_said(exc, "en"))
            raise file_error("bad_value", reason=said) from exc
    source.seek(0)
    return source


def _close(stream: IO[bytes], source: Source) -> None:
    if not (hasattr(source, "read") and stream is source):
        stream.close()


def sniff_format(source: Source) -> str:
    """``"xlsx"`` or ``"csv"`` from the file's first bytes (a name's suffix is not trusted)."""
    stream = _open_binary(source)
    try:
        head = stream.read(8)
    finally:
        _close(stream, source)
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        raise file_error("old_xls")
    return "csv"


def detect_encoding(stream: IO[bytes]) -> str:
    """The text encoding of a CSV: a BOM decides; else UTF-8 if every byte decodes; else GB18030
    (a superset of GBK, what Chinese Excel writes). Reads the whole stream once, in chunks."""
    stream.seek(0)
    head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
        except UnicodeDecodeError as exc:
            if encoding == candidates[-1]:
                raise file_error("garbled_file", offset=offset + exc.start) from None
            continue
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # the last character is cut: the file was truncated, whatever its encoding
            raise file_error("truncated_file") from None
        return encoding
    raise AssertionError("unreachable")  # pragma: no cover


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decimal_text(value: float) -> str:
    """What Excel shows for a number: at most 15 significant digits, no exponent."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    number = Decimal(format(value, ".15g"))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def percent_text(value: int | float) -> str:
    """A number formatted as a percentage, as Excel shows it but with every digit it has:
    ``0.13`` → ``13%``, ``0.125`` → ``12.5%`` (``0%`` shows ``13%``). The point is moved on the
    number as Excel shows it (``cell_text``), exactly, never by float arithmetic."""
    text = cell_text(value)
    number = Decimal(text)
    if not number.is_finite():  # an XML "inf": as read, for the column's check to name
        return text
    shown = format(number.scaleb(2), "f")
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return f"{shown}%"


def percent_format(code: str) -> bool:
    """Whether an Excel number format shows a number as a percentage (× 100, with a % sign):
    a ``%`` in its first section (``0%``, ``0.0#%``, ``0.00%;[Red]-0.00%``), not one quoted
    or escaped (``0"%"``, ``0\\%``, which only print the sign)."""
    section = _FORMAT_LITERAL.sub("", code).split(";", 1)[0]
    return "%" in section


def cell_text(value: object) -> str:
    """An XLSX cell value as the text a person sees (numbers exact, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return _decimal_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@cache
def _identifier_names() -> dict[str, str]:
    """The header names of every identifier column (``Kind.ID``) of every record type, folded
    as headers are matched: the column's key by name."""
    names: dict[str, str] = {}
    for rt in RECORD_TYPES.values():
        for column in rt.columns:
            if column.kind is Kind.ID:
                for name in (column.key, column.zh, *column.aliases):
                    names.setdefault(fold(name), column.key)
    return names


def identifier_columns(header: Sequence[str]) -> dict[int, str]:
    """The positions of ``header``'s cells that name an identifier column: its key by
    position."""
    names = _identifier_names()
    return {i: names[fold(cell)] for i, cell in enumerate(header) if fold(cell) in names}


def lost_digits(value: object) -> bool:
    """Whether ``value``, a cell of an identifier column, is a number that Excel cannot keep
    whole (more than 15 digits), or text as Excel shows such a number (``6.23E+18``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return abs(value) >= _EXACT_BELOW
    return isinstance(value, str) and "+" in value and bool(_SCIENTIFIC.fullmatch(value.strip()))


#: A row of one filled cell among a sheet's first rows is its title, not its header (every
#: record type has two columns or more)
_TITLE_ROWS: Final = 3


class TableReader:
    """A file opened for reading rows: ``header`` then ``rows()``; use as a context manager.

    ``format`` is ``"csv"`` or ``"xlsx"`` (sniffed from the content when not given); ``sheet``
    picks an XLSX sheet by name (the first by default).
    """

    def __init__(self, source: Source, *, format: str | None = None, sheet: str | None = None):
        self.source = source
        self.format = format or ""
        self.sheet = sheet
        self.encoding = ""
        self._stream: IO[bytes] | None = None
        self._exit = contextlib.ExitStack()
        self._rows: Iterator[RawRow] = iter(())
        self._csv: Iterator[list[str]] | None = None
        self.header: tuple[str, ...] = ()
        self.header_row = 0
        #: the rows of one cell above the header passed over as the sheet's title
        self.titles: list[RawRow] = []
        #: XLSX cells holding a formula without a computed value, which read empty: by row
        #: number, the cells' indexes in the row
        self.uncomputed: dict[int, frozenset[int]] = {}
        #: the header's identifier columns (their key by position), whose cells must be text
        self.identifiers: dict[int, str] = {}

    def __enter__(self) -> TableReader:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        self._exit.close()
        if self._stream is not None:
            _close(self._stream, self.source)
            self._stream = None

    def _open(self) -> None:
        self.format = self.format or sniff_format(self.source)
        if self.format not in ("csv", "xlsx"):
            raise file_error("bad_value", reason=f"unknown format {self.format!r}")
        self._stream = _open_binary(self.source)
        rows = self._csv_rows() if self.format == "csv" else self._xlsx_rows()
        for row in rows:
            filled = sum(1 for cell in row.cells if cell.strip())
            if filled == 1 and row.number <= _TITLE_ROWS:
                self.titles.append(row)  # a sheet's title above its header (2018年9月1日 …)
                continue
            if filled:
                break
        else:
            if not self.titles:
                raise file_error("empty_file")
            row = self.titles[0]  # no header below it: it is what the file has for one
            self.titles = []
        self.header = row.cells
        self.header_row = row.number
        self.identifiers = identifier_columns(row.cells)
        self._rows = rows

    def rows(self) -> Iterator[RawRow]:
        """The data rows after the header; blank rows are skipped."""
        for row in self._rows:
            if "".join(row.cells).strip():
                yield row

    def csv_cells(self) -> Iterator[list[str]] | None:
        """For a CSV, the rows after the header as the ``csv`` module reads them: blank rows
        kept, a malformed row raising ``csv.Error`` (``rows()`` words it); ``None`` for XLSX.
        Its identifiers are not looked at (``rows()`` refuses one Excel cut to 15 digits,
        ``lost_digits``): the caller looks at those it reads. Read this or ``rows()``, not
        both."""
        return self._csv

    def _check_identifiers(self, number: int, values: Sequence[object]) -> None:
        """Refuse row ``number`` if a cell of an identifier column lost digits as a number."""
        for index in self.identifiers:
            if index < len(values) and lost_digits(values[index]):
                raise self._lost(number, index, cell_text(values[index]))

    def _lost(self, number: int, index: int, value: str) -> FileError:
        column = self.header[index].strip()
        return file_error(
            "id_saved_as_number", self.identifiers[index], row=number, column=column, value=value
        )

    # -- CSV --

    def _csv_rows(self) -> Iterator[RawRow]:
        assert self._stream is not None
        self.encoding = detect_encoding(self._stream)
        self._stream.seek(0)
        text = io.TextIOWrapper(self._stream, encoding=self.encoding, newline="")
        # the wrapper must not close a caller's stream
        self._exit.callback(text.detach)
        first = text.readline()
        text.seek(0)
        reader = csv.reader(text, delimiter=_delimiter(first), strict=True)
        self._csv = reader
        return self._csv_iter(reader)

    def _csv_iter(self, reader: Iterator[list[str]]) -> Iterator[RawRow]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = getattr(reader, "line_num", number)
                if "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    raise file_error("truncated_quote") from None
                raise file_error("malformed_csv", line=line, reason=str(exc)) from None
            number += 1
            if self.identifiers:  # known once the header is read
                self._check_identifiers(number, cells)
            yield RawRow(number, tuple(cells))

    # -- XLSX --

    def _xlsx_rows(self) -> Iterator[RawRow]:
        assert self._stream is not None
        import openpyxl  # type: ignore[import-untyped]  # no stubs in the project's deps
        from openpyxl.utils.exceptions import (  # type: ignore[import-untyped]  # no stubs
            InvalidFileException,
        )

        try:
            workbook = openpyxl.load_workbook(
                self._stream, read_only=True, data_only=True, keep_links=False
            )
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise file_error("not_xlsx", reason=_short(exc)) from None
        except Exception as exc:  # openpyxl raises many kinds on damaged XML
            raise file_error("not_xlsx", reason=_short(exc)) from None
        self._exit.callback(workbook.close)
        if self.sheet is None:
            worksheet = workbook.worksheets[0]
        elif self.sheet in workbook.sheetnames:
            worksheet = workbook[self.sheet]
        else:
            raise file_error("no_sheet", sheet=self.sheet, known="、".join(workbook.sheetnames))
        # a damaged sheet (bad XML, a truncated zip member) is left for its rows to report
        with contextlib.suppress(Exception):
            self.uncomputed = _uncomputed_formulas(worksheet)
        percent = _percent_styles(workbook)
        return self._xlsx_styled(worksheet, percent) if percent else self._xlsx_iter(worksheet)

    def _xlsx_iter(self, worksheet: object) -> Iterator[RawRow]:
        rows = worksheet.iter_rows(values_only=True)  # type: ignore[attr-defined]  # ReadOnlyWorksheet
        for number, values in enumerate(_sheet_rows(rows), 1):
            if self.identifiers:  # known once the header is read
                self._check_identifiers(number, values)
            yield RawRow(number, tuple(cell_text(v) for v in values))

    def _xlsx_styled(self, worksheet: object, percent: frozenset[int]) -> Iterator[RawRow]:
        """The rows of a workbook with a percentage format: each cell read with its style, a
        number in one of the styles ``percent`` as Excel shows it (``percent_text``)."""
        rows = worksheet.iter_rows()  # type: ignore[attr-defined]  # ReadOnlyWorksheet
        for number, cells in enumerate(_sheet_rows(rows), 1):
            values = tuple(cell.value for cell in cells)
            if self.identifiers:
                self._check_identifiers(number, values)
            yield RawRow(
                number,
                tuple(
                    percent_text(value)
                    if isinstance(value, int | float)
                    and not isinstance(value, bool)
                    # a ReadOnlyCell's style (after the value: a blank cell has none)
                    and cell._style_id in percent
                    else cell_text(value)
                    for cell, value in zip(cells, values, strict=True)
                ),
            )


def _sheet_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """``rows`` of a sheet, a damaged sheet (bad XML, a truncated zip member) refused as not
    a workbook at the row where it fails."""
    while True:
        try:
            yield next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise file_error("not_xlsx", reason=_short(exc)) from None


def _percent_styles(workbook: object) -> frozenset[int]:
    """The cell styles of a read-only ``workbook`` whose number format is a percentage
    (``percent_format``), by index: the style a cell names."""
    from openpyxl.styles.numbers import (  # type: ignore[import-untyped]  # no stubs
        BUILTIN_FORMATS,
        BUILTIN_FORMATS_MAX_SIZE,
    )

    # a workbook's own formats are numbered after the built-in ones, as openpyxl reads them
    own = workbook._number_formats  # type: ignore[attr-defined]  # openpyxl's, no stubs
    formats = {**BUILTIN_FORMATS, **dict(enumerate(own, BUILTIN_FORMATS_MAX_SIZE))}
    return frozenset(
        index
        for index, style in enumerate(workbook._cell_styles)  # type: ignore[attr-defined]
        if percent_format(formats.get(style.numFmtId, "General"))
    )


def _uncomputed_formulas(worksheet: object) -> dict[int, frozenset[int]]:
    """The cells of a read-only ``worksheet`` whose formula was saved without its value (by
    row number: the cells' indexes); most sheets have no formula and are only scanned."""
    # openpyxl reading values (data_only) gives such a cell as empty, like a blank one: the
    # sheet's XML is the only place that tells them apart
    with worksheet._get_source() as src:  # type: ignore[attr-defined]  # ReadOnlyWorksheet
        tail = b""
        while chunk := src.read(_CHUNK):
            if _FORMULA_TAG.search(tail + chunk):
                break
            tail = chunk[-64:]
        else:
            return {}
    from openpyxl.utils.cell import coordinate_to_tuple  # type: ignore[import-untyped]
    from openpyxl.xml.functions import iterparse  # type: ignore[import-untyped]

    found: dict[int, frozenset[int]] = {}
    row_number = 0
    with worksheet._get_source() as src:  # type: ignore[attr-defined]
        for _, row in iterparse(src):
            if _local(row.tag) != "row":
                continue
            row_number = int(row.get("r") or row_number + 1)
            column = 0
            cells: set[int] = set()
            for cell in row:
                if _local(cell.tag) != "c":
                    continue
                where = cell.get("r")
                column = coordinate_to_tuple(where)[1] if where else column + 1
                parts = {_local(part.tag): part for part in cell}
                computed = parts.get("v") is not None and (
                    parts["v"].text or cell.get("t") == "str"  # ="" computes to empty text
                )
                if "f" in parts and not computed:
                    cells.add(column - 1)
            if cells:
                found[row_number] = frozenset(cells)
            row.clear()
    return found


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:197] + "…"


def open_table(
    source: Source, *, format: str | None = None, sheet: str | None = None
) -> TableReader:
    """Open a CSV or XLSX file for reading (``with open_table(path) as table: ...``)."""
    return TableReader(source, format=format, sheet=sheet)


def source_name(source: Source) -> str:
    """A name for ``source`` in messages."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return getattr(source, "name", "<data>") if not isinstance(source, bytes) else "<data>"


__all__ = [
    "RawRow",
    "Source",
    "TableReader",
    "cell_text",
    "detect_encoding",
    "identifier_columns",
    "lost_digits",
    "open_table",
    "percent_format",
    "percent_text",
    "sniff_format",
    "source_name",
]
