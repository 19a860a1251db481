"""The quick path of a weighing-slip import: one pass over the file, in one transaction.

A county's slip file is a million rows of plain cells (``R00000001``, ``2018-11-01``,
``359.33``, ``0.01``). Such cells are read here without the general converter, weights straight
to grams and rates to exact fractions, and written by ``PlainSlipWriter``. A cell in another
form (``1,234.5``, ``5%``, full-width digits) is read by the general converter for that row.
The first row with a problem of any kind stops this path: its transaction is rolled back and
``import_file`` runs the general checks over the whole file, which report every problem in
the user's words. So a file is either written whole here, or handled exactly as before.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Final

from orderfarm.crops import Catalog
from orderfarm.errors import OrderfarmError
from orderfarm.io.columns import RecordType
from orderfarm.io.errors import FileError
from orderfarm.io.importing import ImportReport, RowStream
from orderfarm.io.readers import Source
from orderfarm.io.records import SlipRecord
from orderfarm.io.rows import Context, Lookup, RowInvalid, _Row, convert
from orderfarm.money import to_grams
from orderfarm.store import Store
from orderfarm.store.bulk import NotPlain, PlainSlip, PlainSlipWriter

#: a weight in kg as it is usually typed: up to 999,999.999, no leading zeros
_WEIGHT: Final = re.compile(r"(0|[1-9]\d{0,5})(?:\.(\d{1,3}))?")
#: a rate as a fraction below 1 with up to six decimals
_RATE: Final = re.compile(r"0(?:\.(\d{1,6}))?")
_SCALE: Final = {1: 100, 2: 10, 3: 1}
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
) -> ImportReport | None:
    """Write every slip of ``source`` in one transaction; the report, or ``None`` (nothing
    written) when a row needs the general checks."""
    stream = RowStream(
        source, rt, today=today, catalog=catalog, lookup=lookup, format=format, sheet=sheet
    )
    try:
        with stream, PlainSlipWriter(store, actor, batch_size) as writer:
            _read(stream, writer)
    except (NotPlain, FileError, OrderfarmError, csv.Error):
        # nothing was written: the general path checks every row, and reports a malformed
        # file or a refusal of the store (a full disk, a permission) in the user's words
        return None
    report = stream.report
    report.dry_run = False
    report.valid = report.rows
    report.added, report.existing = writer.added, writer.existing
    report.committed = True
    return report


def _read(stream: RowStream, writer: PlainSlipWriter) -> None:
    """Parse the rows of ``stream`` into ``writer``; ``NotPlain`` at a row with a problem.

    A county's file repeats its weights, rates and days many times over, so each distinct
    cell text is read once: ``_weight``, ``_rate`` and ``_day`` keep what they found."""
    positions = stream.positions
    at = [positions.get(key, -1) for key in _FIELDS]
    need = max(at) + 1
    report = stream.report
    context = stream.context
    days: dict[str, str | None] = {}
    weights: dict[str, tuple[str, int] | None] = {}
    rates: dict[str, tuple[str, int, int] | None] = {}
    weight, rate = weights.get, rates.get
    add = writer.add
    i_receipt, i_contract, i_day, i_gross, i_tare, i_grade, i_moist, i_impur, i_point = at
    for number, cells in _rows(stream, need):
        report.rows += 1
        receipt = cells[i_receipt].strip()
        contract_no = cells[i_contract].strip()
        grade = cells[i_grade].strip()
        point = cells[i_point].strip() if i_point >= 0 else ""
        day_text = cells[i_day]
        day = days.get(day_text)
        if day is None and day_text not in days:
            day = days[day_text] = _day(day_text, context)
        text = cells[i_gross]
        g = weight(text, _MISSING)
        if g is _MISSING:
            g = weights[text] = _weight(text)
        text = cells[i_tare]
        t = weight(text, _MISSING)
        if t is _MISSING:
            t = weights[text] = _weight(text)
        text = cells[i_moist] if i_moist >= 0 else ""
        m = rate(text, _MISSING)
        if m is _MISSING:
            m = rates[text] = _rate(text)
        text = cells[i_impur] if i_impur >= 0 else ""
        p = rate(text, _MISSING)
        if p is _MISSING:
            p = rates[text] = _rate(text)
        if (
            day is None
            or g is None
            or t is None
            or m is None
            or p is None
            or not receipt
            or not contract_no
            or not grade
            or len(receipt) > 40
            or len(point) > 60
            or "'" in (receipt[:1], point[:1], contract_no[:1], grade[:1])
        ):
            add(_general(number, stream, cells))
            continue
        assert not isinstance(g, _Missing) and not isinstance(t, _Missing)
        assert not isinstance(m, _Missing) and not isinstance(p, _Missing)
        if t[1] >= g[1]:
            raise NotPlain(number, "tare not below gross")
        add(
            PlainSlip(
                number,
                receipt,
                contract_no,
                day,
                g[1],
                g[0],
                t[1],
                t[0],
                grade,
                m[1],
                m[2],
                m[0],
                p[1],
                p[2],
                p[0],
                point,
            )
        )


class _Missing:
    """Not read yet (``None`` in a cache means read, and not plain)."""


_MISSING: Final = _Missing()


def _rows(stream: RowStream, need: int) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows of ``stream`` with their place in the file, each at least ``need`` cells long;
    ``NotPlain`` at a short row of a CSV. A CSV's rows come straight from the ``csv`` module,
    blank ones left out (a malformed row raises ``csv.Error``)."""
    cells = stream._reader.csv_cells()
    if cells is not None:
        for number, row in enumerate(filter(any, cells), 1):
            if len(row) < need:
                raise NotPlain(number, "short row")
            yield number, row
        return
    # XLSX leaves out trailing empty cells
    for raw in stream._reader.rows():
        given = raw.cells
        yield raw.number, given + ("",) * (need - len(given)) if len(given) < need else given


def _weight(text: str) -> tuple[str, int] | None:
    """A weight cell as it is usually typed: its text (stripped) and grams; ``None`` if not."""
    text = text.strip()
    found = _WEIGHT.fullmatch(text)
    if found is None:
        return None
    decimals = found[2]
    return text, int(found[1]) * 1000 + (int(decimals) * _SCALE[len(decimals)] if decimals else 0)


def _rate(text: str) -> tuple[str, int, int] | None:
    """A rate cell (blank for none) as text, numerator and denominator; ``None`` if not plain."""
    text = text.strip()
    if not text:
        return "0", 0, 1
    found = _RATE.fullmatch(text)
    if found is None:
        return None
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
