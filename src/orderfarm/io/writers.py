"""Writing tables to CSV (UTF-8 with BOM, so Excel opens it) and XLSX (numbers as numbers with
their formats, identifiers as text), streamed row by row.

Text cells that could start a formula (``= + - @``, tab, CR) are neutralised with a leading
``'`` (OWASP CSV injection); numbers stay numbers, so a negative amount is ``-12.30`` in a
numeric cell, not text. Personal numbers are masked by the caller (see ``exporting``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Final

import attrs

from orderfarm.io.cells import neutralise
from orderfarm.io.columns import Column, Kind


@attrs.frozen
class Bilingual:
    """A text cell in both languages: written in the file's language, as its headers are."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        """The cell in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.zh


Cell = str | Decimal | int | bool | dt.date | Bilingual | None

_NUMBER_FORMATS: Final = {
    Kind.MONEY: "0.00",
    Kind.KG: "0.00#",  # a weight as weighed: 100.125 shows 100.125, 100.5 shows 100.50
    Kind.PRICE: "0.00##",
    Kind.RATE: "0.0#%",
    Kind.DECIMAL: "0.####",
    Kind.INT: "0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.ID: "@",
    Kind.TEXT: "@",
}
_WIDTHS: Final = {
    Kind.MONEY: 14,
    Kind.KG: 12,
    Kind.PRICE: 10,
    Kind.RATE: 8,
    Kind.DECIMAL: 10,
    Kind.INT: 8,
    Kind.DATE: 12,
    Kind.ID: 22,
    Kind.TEXT: 16,
    Kind.BOOL: 6,
}
#: characters XML 1.0 cannot hold (openpyxl refuses them)
_ILLEGAL_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@attrs.frozen
class Table:
    """Rows to write under typed columns; ``rows`` may be a generator (it is read once)."""

    #: the sheet's name (XLSX), in the file's language when given in both
    name: str | Bilingual
    columns: tuple[Column, ...]
    rows: Iterable[Sequence[Cell]]
    #: a title row above the header (XLSX only), e.g. the statement's household and season
    title: str = ""


def _min2(value: Decimal) -> str:
    """A decimal with at least two decimals and no needless zeros beyond (``1.5`` → ``1.50``)."""
    text = format(value, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _yes_no(value: bool, lang: str) -> str:
    """A yes/no cell in the file's language."""
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def cell_text(value: Cell, kind: Kind, lang: str = "zh") -> str:
    """A cell as CSV text: numbers exact in their kind's form, text neutralised, text in two
    languages in ``lang``."""
    if value is None:
        return ""
    if isinstance(value, Bilingual):
        return neutralise(value.text(lang))
    if isinstance(value, bool):
        return _yes_no(value, lang)
    if isinstance(value, Decimal):
        if kind is Kind.MONEY:
            return f"{value:.2f}" if value.as_tuple().exponent == -2 else _min2(value)
        if kind in (Kind.KG, Kind.PRICE):
            return _min2(value)
        return _plain(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def csv_rows(table: Table, lang: str = "zh") -> Iterator[list[str]]:
    """The header and the rows of ``table`` as CSV text cells."""
    kinds = [c.kind for c in table.columns]
    yield [neutralise(c.header(lang)) for c in table.columns]
    for row in table.rows:
        yield [cell_text(v, k, lang) for v, k in zip(row, kinds, strict=True)]


def write_csv(table: Table, target: str | os.PathLike[str] | IO[bytes], lang: str = "zh") -> None:
    """Write ``table`` as CSV in UTF-8 with a BOM (what Excel needs to read Chinese)."""
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as stream:
            _write_csv(table, stream, lang)
    else:
        _write_csv(table, target, lang)


def _write_csv(table: Table, stream: IO[bytes], lang: str) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        csv.writer(text, lineterminator="\r\n").writerows(csv_rows(table, lang))
        text.flush()
    finally:
        text.detach()


def _xlsx_text(value: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", neutralise(value))


def write_xlsx(
    tables: Table | Sequence[Table],
    target: str | os.PathLike[str] | IO[bytes],
    lang: str = "zh",
) -> None:
    """Write one sheet per table, streamed (openpyxl write-only mode), with number formats:
    amounts ``0.00``, rates as percentages, dates ``yyyy-mm-dd``, identifiers as text (their
    whole column, so that a row typed in Excel keeps them as text too)."""
    if isinstance(target, str | os.PathLike):
        # opened first: a target that cannot be written is refused before a sheet is begun
        with open(target, "wb") as stream:
            write_xlsx(tables, stream, lang)
        return
    from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs in the project's deps
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in [tables] if isinstance(tables, Table) else tables:
        name = table.name.text(lang) if isinstance(table.name, Bilingual) else table.name
        sheet = workbook.create_sheet(title=_sheet_title(name))
        for index, column in enumerate(table.columns, start=1):
            width = max(_WIDTHS[column.kind], len(column.header(lang)) * 2 + 2)
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.width = width
            if column.kind is Kind.ID:
                # the whole column is text, so what a clerk types below the rows (an empty
                # template's first row) stays as typed, not a number cut to 15 digits
                dimension.number_format = "@"
        sheet.freeze_panes = "A3" if table.title else "A2"
        if table.title:
            title = WriteOnlyCell(sheet, value=_xlsx_text(table.title))
            title.data_type = "s"
            title.font = bold
            sheet.append([title])
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=_xlsx_text(column.header(lang)))
            cell.data_type = "s"
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
            header.append(cell)
        sheet.append(header)
        formats = [_NUMBER_FORMATS.get(c.kind) for c in table.columns]
        for row in table.rows:
            cells: list[object] = []
            for value, number_format in zip(row, formats, strict=True):
                if isinstance(value, Bilingual):
                    value = value.text(lang)
                if value is None or value == "":
                    cells.append(None)
                    continue
                if isinstance(value, bool):
                    cell = WriteOnlyCell(sheet, value=_yes_no(value, lang))
                    cell.data_type = "s"
                elif isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=_xlsx_text(value))
                    # set after the value: openpyxl would read a leading '=' as a formula
                    cell.data_type = "s"
                elif isinstance(value, dt.date):
                    cell = WriteOnlyCell(sheet, value=value)
                else:
                    cell = WriteOnlyCell(sheet, value=value)
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
    workbook.save(target)


def _sheet_title(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name)
    return cleaned[:31] or "Sheet"


def write_table(
    table: Table,
    target: str | os.PathLike[str],
    *,
    format: str | None = None,
    lang: str = "zh",
) -> Path:
    """Write ``table`` as CSV or XLSX, by ``format`` or by the target's suffix."""
    path = Path(target)
    chosen = format or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    if chosen == "xlsx":
        write_xlsx(table, path, lang)
    else:
        write_csv(table, path, lang)
    return path
