"""The quick path of a weighing-slip import: one pass over the file, in one transaction.

A county's slip file is a million rows of plain cells (``R00000001``, ``2018-11-01``,
``359.33``, ``0.01`` or ``1%``). Such cells are read here without the general converter, weights
straight to grams and rates to exact fractions, and written by ``PlainSlipWriter``. A cell in
another form (``1,234.5``, full-width digits) is read by the general converter for that row.
The first row with a problem of any kind stops this path: its transaction is rolled back and
``import_file`` runs the general checks over the whole file, which report every problem in
the user's words. So a file is either written whole here, or handled exactly as before. A
dry run takes the same path and writes nothing (``PlainSlipWriter(write=False)``): the check
costs what the import costs, without holding the store's write lock.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Final

from orderfarm.crops import Catalog
from orderfarm.errors import OrderfarmError, Problem
from orderfarm.io.columns import RecordType
from orderfarm.io.errors import FileError, RowProblem
from orderfarm.io.importing import ImportReport, RowStream, is_total_row
from orderfarm.io.readers import Source, TableReader, lost_digits
from orderfarm.io.records import SlipRecord
from orderfarm.io.rows import Context, Lookup, RowInvalid, _Row, convert
from orderfarm.money import ZERO, to_grams
from orderfarm.pricing import UNUSUAL_LOT_KG, harvest_doubt, moisture_doubt, weight_doubt
from orderfarm.store import Store
from orderfarm.store.bulk import NotPlain, PlainSlip, PlainSlipWriter

#: a weight in kg as it is usually typed: up to 999,999.999, no leading zeros
_WEIGHT: Final = re.compile(r"(0|[1-9]\d{0,5})(?:\.(\d{1,3}))?")
#: a rate as a fraction below 1 with up to six decimals
_RATE: Final = re.compile(r"0(?:\.(\d{1,6}))?")
#: a rate as a percentage below 100 with up to four decimals, as an XLSX cell formatted as a
#: percentage reads (``13%``, ``0.5%``; an export's rates are such cells)
_PERCENT: Final = re.compile(r"\d{1,2}(?:\.\d{1,4})?%")
_SCALE: Final = {1: 100, 2: 10, 3: 1}
#: the lots in grams (gross − tare) that ``weight_doubt`` has nothing to say about
_LOT_G: Final = (5, int(UNUSUAL_LOT_KG * 1000))
_FIELDS: Final = (
    "receipt_no",
    "contract_no",
    "day",
    "gross_kg",
    "tare_kg",
    "grade",
    "moisture",
    "impurity",
    "purchase_point",
)


def import_plain_slips(
    store: Store,
    source: Source,
    rt: RecordType,
    *,
    today: dt.date | None,
    catalog: Catalog,
    lookup: Lookup,
    actor: str,
    batch_size: int,
    format: str | None,
    sheet: str | None,
    commit: bool = True,
) -> ImportReport | None:
    """Write every slip of ``source`` in one transaction (with ``commit=False``, check and
    price every slip and write nothing); the report, or ``None`` (nothing written) when a
    row needs the general checks."""
    stream = RowStream(
        source, rt, today=today, catalog=catalog, lookup=lookup, format=format, sheet=sheet
    )
    try:
        with stream, PlainSlipWriter(store, actor, batch_size, write=commit) as writer:
            writer.add_all(_read(stream))
    except (NotPlain, FileError, OrderfarmError, csv.Error):
        # nothing was written: the general path checks every row, and reports a malformed
        # file or a refusal of the store (a full disk, a permission) in the user's words
        return None
    # in a row's order as the general checks give them: its weight, then its moisture
    for row, mass_g, (area, high_yield), gross in writer.big_lots:
        doubt = harvest_doubt(Decimal(mass_g) / 1000, area, high_yield)
        assert doubt is not None
        stream.warn(row, doubt, gross)
    for row, terms in writer.no_moisture:
        doubt = moisture_doubt(terms, ZERO)
        assert doubt is not None
        stream.warn(row, doubt)
    report = stream.report
    report.dry_run = not commit
    report.valid = report.rows
    report.added = writer.added
    report.existing = writer.existing
    report.committed = commit
    return report


def _read(stream: RowStream) -> Iterator[PlainSlip]:
    """The slips of ``stream``, parsed; ``NotPlain`` at a row with a problem.

    A county's file repeats its weights, rates and days many times over, so each distinct
    cell text is read once: ``_weight``, ``_rate`` and ``_day`` keep what they found."""
    if stream.scales:  # a header in 斤 or %: the general converter reads those cells
        raise NotPlain(1, "a unit in the header")
    positions = stream.positions
    at = [positions.get(key, -1) for key in _FIELDS]
    need = max(at) + 1
    report = stream.report
    context = stream.context
    days: dict[str, str] = {}
    weights: dict[str, tuple[str, int]] = {}
    rates: dict[str, tuple[str, int, int]] = {}
    day_of, weight, rate = days.get, weights.get, rates.get
    i_receipt, i_contract, i_day, i_gross, i_tare, i_grade, i_moist, i_impur, i_point = at
    lo, hi = _LOT_G
    for number, cells in _rows(stream, need):
        if is_total_row(cells):  # 合计 under a column of sums: named, not read
            report.warn(RowProblem(number, "", "", Problem("row", "total_row")))
            continue
        if len(cells) < need:  # a CSV cut off
            raise NotPlain(number, "short row")
        report.rows += 1
        receipt = cells[i_receipt].strip()
        contract_no = cells[i_contract].strip()
        if ("+" in receipt or "+" in contract_no) and (
            lost_digits(receipt) or lost_digits(contract_no)
        ):  # 2.01811E+11: a number Excel cut to 15 digits, which the general reader refuses
            raise NotPlain(number, "an identifier saved as a number")
        grade = cells[i_grade].strip()
        point = cells[i_point].strip() if i_point >= 0 else ""
        text = cells[i_day]
        day = day_of(text)
        if day is None:
            day = days[text] = _day(text, context) or ""
        text = cells[i_gross]
        g = weight(text)
        if g is None:
            g = weights[text] = _weight(text)
        text = cells[i_tare]
        t = weight(text)
        if t is None:
            t = weights[text] = _weight(text)
        text = cells[i_moist] if i_moist >= 0 else ""
        m = rate(text)
        if m is None:
            m = rates[text] = _rate(text)
        text = cells[i_impur] if i_impur >= 0 else ""
        i = rate(text)
        if i is None:
            i = rates[text] = _rate(text)
        if (
            not day
            or g[1] < 0
            or t[1] < 0
            or m[1] < 0
            or i[1] < 0
            or not receipt
            or not contract_no
            or not grade
            or len(receipt) > 40
            or len(point) > 60
            or "'" in (receipt[:1], point[:1], contract_no[:1], grade[:1])
        ):
            slip = _general(number, stream, cells)
            if not lo <= slip.gross_g - slip.tare_g <= hi:
                _look_again(stream, number, slip.gross_g - slip.tare_g, cells[i_gross])
            yield slip
            continue
        if t[1] >= g[1]:
            raise NotPlain(number, "tare not below gross")
        if not lo <= g[1] - t[1] <= hi:
            _look_again(stream, number, g[1] - t[1], cells[i_gross])
        yield PlainSlip(number, receipt, contract_no, day, g[1], g[0], t[1], t[0], grade, m[1], m[2], m[0], i[1], i[2], i[0], point)  # fmt: skip


def _rows(stream: RowStream, need: int) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows of ``stream`` with their place in the file (the header is row 1, as the
    general checks number them). A CSV's rows come straight from the ``csv`` module, blank
    ones left out (a malformed row raises ``csv.Error``); an XLSX's rows, which leave out
    trailing empty cells, are made ``need`` cells long."""
    reader = stream._reader
    cells = reader.csv_cells()
    if cells is not None:
        return (
            (number, row) for number, row in enumerate(cells, reader.header_row + 1) if any(row)
        )
    return _xlsx_rows(reader, need)


def _xlsx_rows(reader: TableReader, need: int) -> Iterator[tuple[int, Sequence[str]]]:
    """An XLSX's rows made ``need`` cells long; ``NotPlain`` at a formula saved without its
    value (it reads empty: the general checks say why)."""
    uncomputed = reader.uncomputed
    for raw in reader.rows():
        if raw.number in uncomputed:
            raise NotPlain(raw.number, "a formula without its value")
        yield raw.number, raw.cells + ("",) * (need - len(raw.cells))


#: what the caches keep for a cell that is not plain
_NOT_WEIGHT: Final = ("", -1)
_NOT_RATE: Final = ("", -1, 1)


def _weight(text: str) -> tuple[str, int]:
    """A weight cell as it is usually typed: its text (stripped) and grams; ``_NOT_WEIGHT``
    if not."""
    text = text.strip()
    found = _WEIGHT.fullmatch(text)
    if found is None:
        return _NOT_WEIGHT
    decimals = found[2]
    return text, int(found[1]) * 1000 + (int(decimals) * _SCALE[len(decimals)] if decimals else 0)


def _look_again(stream: RowStream, row: int, mass_g: int, text: str) -> None:
    """Warn of a lot of ``mass_g`` grams (gross − tare) that ``weight_doubt`` questions; the
    slip is written all the same."""
    doubt = weight_doubt(Decimal(mass_g) / 1000)
    if doubt is not None:
        stream.warn(row, doubt, text)


def _rate(text: str) -> tuple[str, int, int]:
    """A rate cell (blank for none) as the fraction's text, numerator and denominator;
    ``_NOT_RATE`` if not plain."""
    text = text.strip()
    if not text:
        return "0", 0, 1
    found = _RATE.fullmatch(text)
    if found is None:
        if _PERCENT.fullmatch(text):
            rate = Decimal(text[:-1]) / 100  # as the general converter reads it
            numerator, denominator = rate.as_integer_ratio()
            return str(rate), numerator, denominator
        return _NOT_RATE
    digits = found[1]
    return (text, int(digits), 10 ** len(digits)) if digits else (text, 0, 1)


def _day(text: str, context: Context) -> str | None:
    """The ISO day of a cell, read as the general converter reads it; ``None`` if it has a
    problem (bad, or in the future)."""
    row = _Row({"day": text}, context)
    day = row.date("day")
    return day.isoformat() if day is not None and not row.problems else None


def _general(number: int, stream: RowStream, cells: Sequence[str]) -> PlainSlip:
    """A row in a less usual form, read by the general converter; ``NotPlain`` if it has a
    problem."""
    by_key = {
        key: cells[index] if index < len(cells) else "" for key, index in stream.positions.items()
    }
    try:
        record = convert(stream.rt, by_key, stream.context)
    except RowInvalid:
        raise NotPlain(number, "row with problems") from None
    assert isinstance(record, SlipRecord)
    w = record.weighing
    moisture, impurity = w.moisture.as_integer_ratio(), w.impurity.as_integer_ratio()
    return PlainSlip(
        number,
        record.receipt_no,
        record.contract_no,
        record.day.isoformat(),
        to_grams(w.gross_kg),
        str(w.gross_kg),
        to_grams(w.tare_kg),
        str(w.tare_kg),
        w.grade,
        moisture[0],
        moisture[1],
        str(w.moisture),
        impurity[0],
        impurity[1],
        str(w.impurity),
        record.purchase_point,
    )
