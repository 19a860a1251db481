"""An XLSX cell formatted as a percentage is read as Excel shows it: 0.13 under ``0%`` is 13%,
under 水分 and 水分（%） alike, with every digit it has (0.125 under ``0%`` is 12.5%, though
Excel shows 13%). A plain number below 1 under a % header is still asked about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orderfarm import D, Store
from orderfarm.io import RECORD_TYPES, SLIPS, open_table
from orderfarm.io.importing import RowStream
from orderfarm.io.loading import Pending, import_file
from orderfarm.io.plain import _rate
from orderfarm.io.records import SlipRecord
from orderfarm.io.rows import Context, convert
from tests.test_plain_import import (
    SEASON,
    _general_check,
    _quick_check,
    _report,
    as_slips,
    deliveries,
    season,
    slips,
)
from tests.test_store_support import chilli_contract, fixed_terms, seeded, signed

TODAY = dt.date(2019, 6, 1)
#: a slips file's header with its rates as fractions, or as percentages
FRACTIONS = ("水分", "杂质")
PERCENTS = ("水分（%）", "杂质（%）")


def workbook(path: Path, header: list[str], *rows: list[object]) -> Path:
    """An XLSX of ``rows`` under ``header``; a cell given as ``(number, format)`` is a number
    in that format, as a clerk's Excel keeps it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for at, row in enumerate(rows, start=2):
        sheet.append([cell[0] if isinstance(cell, tuple) else cell for cell in row])
        for column, cell in enumerate(row, start=1):
            if isinstance(cell, tuple):
                sheet.cell(at, column).number_format = cell[1]
    book.save(path)
    return path


def slips_header(rates: tuple[str, str]) -> list[str]:
    return ["小票号", "合同编号", "日期", "毛重", "皮重", "等级", *rates]


def test_a_percentage_cell_reads_as_excel_shows_it_with_every_digit(tmp_path: Path) -> None:
    cells = [
        (0.13, "0%"),
        (0.005, "0.0%"),
        (0.125, "0%"),  # Excel shows 13%: the cell holds 12.5%
        (0.07 * 2, "0.00%"),  # 0.14000000000000001, as a formula leaves it
        (1, "0%"),
        (0.5, "0.00"),  # not a percentage: as before
        (0.13, "General"),
        (13, '0"%"'),  # a % sign printed after the number: not a percentage
    ]
    source = workbook(tmp_path / "p.xlsx", list("ABCDEFGH"), cells)
    with open_table(source) as table:
        (row,) = table.rows()
    assert row.cells == ("13%", "0.5%", "12.5%", "14%", "100%", "0.5", "0.13", "13")


@pytest.mark.parametrize("rates", [FRACTIONS, PERCENTS], ids=["水分", "水分（%）"])
def test_a_slips_workbook_in_percentages_is_recorded_in_percent(
    tmp_path: Path, rates: tuple[str, str]
) -> None:
    """Moisture 13% above a 12% standard and impurity 0.5%: 100 − 2 kg, less 0.5%, then
    dried to the standard, is 97.51 × 0.87 / 0.88 = 96.40 kg at 2.00 yuan."""
    row = ["R-1", "C-1", "2018-09-01", 100, 2, "一级", (0.13, "0%"), (0.005, "0.0%")]
    source = workbook(tmp_path / "s.xlsx", slips_header(rates), row)
    with Store.open(tmp_path / "season.db") as store:
        (hh,) = seeded(store)
        signed(store, chilli_contract("C-1", hh, terms=fixed_terms(moisture_standard=D("0.12"))))
        report = import_file(store, source, "slips", commit=True, today=TODAY)
        assert report.committed and report.added == 1, report.messages("zh")
        assert not report.warnings
        (lot,) = store.deliveries()
    assert (lot.weighing.moisture, lot.weighing.impurity) == (D("0.13"), D("0.005"))
    assert (lot.quote.net_kg, lot.quote.amount) == (D("96.40"), D("192.80"))


@pytest.mark.parametrize("rates", [FRACTIONS, PERCENTS], ids=["水分", "水分（%）"])
def test_both_import_paths_read_percentage_cells_alike(
    tmp_path: Path, rates: tuple[str, str]
) -> None:
    """The quick path (under 水分) and the general checks write what ``record_deliveries``
    writes for the same slips; under 水分（%） the file goes to the general checks."""
    rows = slips(120, 4, 8)
    formats = ["0%", "0.0%", "0.0#%", "0.00%"]
    cells: list[list[object]] = []
    for at, row in enumerate(rows):
        gross, tare = Decimal(row[3]), Decimal(row[4])
        rates_as_kept = [
            (float(Decimal(rate)), formats[at % len(formats)]) if rate else None
            for rate in row[6:8]
        ]
        cells.append([*row[:3], float(gross), float(tare), row[5], *rates_as_kept, row[8]])
    header = [*RECORD_TYPES["slips"].headers("zh")]
    header[6:8] = rates
    source = workbook(tmp_path / "slips.xlsx", header, *cells)
    quick, general, expected = (tmp_path / f"{name}.db" for name in ("q", "g", "e"))
    for path in (quick, general, expected):
        season(path, 4)
    with Store.open(quick) as store:
        checked = _quick_check(store, source, 32)
        assert (checked is None) is (rates == PERCENTS)  # a unit in the header: general checks
        said = _general_check(store, source, 32)
        assert said.ok and said.valid == 120, said.messages("en")[:3]
        if checked is not None:
            assert _report(checked) == _report(said)
        report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=32)
        assert report.committed and report.added == 120
    with Store.open(general) as store:
        report = import_file(
            store, source, "slips", commit=True, today=TODAY, batch_size=32, pending=Pending()
        )
        assert report.committed and report.added == 120
    with Store.open(expected) as store:
        store.record_deliveries(as_slips(rows), batch_size=32)
        settled = store.settle(SEASON)
    assert deliveries(quick) == deliveries(general) == deliveries(expected)
    with Store.open(quick) as store:
        assert [s.totals for s in store.settle(SEASON)] == [s.totals for s in settled]


def test_a_plain_number_below_one_under_a_percent_header_is_still_asked(tmp_path: Path) -> None:
    """0.5 under 杂质（%） typed as a number is 50% or 0.5%: asked, not guessed; the same 0.5%
    kept as a percentage cell is clear."""
    header = slips_header(PERCENTS)
    with Store.open(tmp_path / "season.db") as store:
        (hh,) = seeded(store)
        signed(store, chilli_contract("C-1", hh))
        unclear = ["R-1", "C-1", "2018-09-01", 100, 2, "一级", 13, 0.5]
        source = workbook(tmp_path / "a.xlsx", header, unclear)
        report = import_file(store, source, "slips", commit=True, today=TODAY)
        assert not report.committed and store.deliveries() == []
        assert [(p.row, p.column, p.code) for p in report.problems] == [
            (2, "impurity", "percent_below_one")
        ]
        said = report.messages("zh")[0]
        assert said.startswith("第 2 行「杂质（%）」（值「0.5」）：列名写了 %"), said
        clear = [*unclear[:-1], (0.005, "0.0%")]
        source = workbook(tmp_path / "b.xlsx", header, clear)
        report = import_file(store, source, "slips", commit=True, today=TODAY)
        assert report.committed, report.messages("zh")
        (lot,) = store.deliveries()
        assert (lot.weighing.moisture, lot.weighing.impurity) == (D("0.13"), D("0.005"))


@given(
    percent=st.decimals(min_value=0, max_value=Decimal("99.9999"), places=4),
    number_format=st.sampled_from(["0%", "0.0%", "0.00%", "0.0#%", "0.00%;[Red]-0.00%"]),
    rates=st.sampled_from([FRACTIONS, PERCENTS]),
)
@example(percent=Decimal("12.5"), number_format="0%", rates=FRACTIONS)
@example(percent=Decimal("0.5"), number_format="0.0%", rates=PERCENTS)
@example(percent=Decimal("99.9999"), number_format="0%", rates=PERCENTS)
@example(percent=Decimal("0.0001"), number_format="0.00%", rates=FRACTIONS)
def test_any_percentage_kept_as_a_percentage_cell_reads_back_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    percent: Decimal,
    number_format: str,
    rates: tuple[str, str],
) -> None:
    kept = float(percent / 100)  # what Excel keeps: the nearest double to the fraction
    row = ["R-1", "C-1", "2018-09-01", 100, 2, "一级", (kept, number_format), None]
    path = tmp_path_factory.mktemp("percent") / "s.xlsx"
    source = workbook(path, slips_header(rates), row)
    with open_table(source) as table:
        (read,) = table.rows()
    assert read.cells[6].endswith("%") and Decimal(read.cells[6][:-1]) == percent
    with RowStream(source, "slips", today=TODAY) as stream:
        (result,) = stream
    assert isinstance(result.record, SlipRecord), stream.report.messages("en")
    assert result.record.weighing.moisture == percent / 100


@given(
    percent=st.decimals(min_value=0, max_value=Decimal("99.9999"), places=4),
    shown=st.booleans(),
)
@example(percent=Decimal("10"), shown=True)
@example(percent=Decimal("5.0000"), shown=False)
def test_the_quick_path_reads_a_percentage_as_the_general_converter(
    percent: Decimal, shown: bool
) -> None:
    """Its fraction, and the text it stores for it, whether the cell reads as a percentage
    cell does (``12.5%``) or as typed (``12.5000%``)."""
    text = f"{percent.normalize():f}%" if shown else f"{percent}%"
    cells = {"receipt_no": "R-1", "contract_no": "C-1", "day": "2018-09-01", "gross_kg": "100"}
    cells |= {"tare_kg": "2", "grade": "一级", "moisture": text}
    record = convert(SLIPS, cells, Context(TODAY))
    assert isinstance(record, SlipRecord)
    moisture = record.weighing.moisture
    assert _rate(text) == (str(moisture), *moisture.as_integer_ratio())
    assert moisture == percent / 100
