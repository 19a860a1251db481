"""Writing files: records round-trip through CSV and XLSX exactly, formulas are neutralised,
numbers stay numbers, and personal numbers are masked unless asked for."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from orderfarm.demo import generate
from orderfarm.io import RECORD_TYPES, RowStream, neutralise, unneutralise
from orderfarm.io.columns import Column, Kind
from orderfarm.io.exporting import mask_text, records_table
from orderfarm.io.writers import Table, write_csv, write_xlsx
from orderfarm.parties import Household

openpyxl = pytest.importorskip("openpyxl")

SEASON = generate(seed=7, households=25)
TODAY = SEASON.today
RECORDS = {
    "households": SEASON.households,
    "enterprises": SEASON.enterprises,
    "contracts": SEASON.contracts,
    "market_prices": SEASON.prices,
    "slips": SEASON.slips,
    "supplies": SEASON.supplies,
    "payments": SEASON.payments,
}


def _read_back(data: bytes, kind: str) -> list[object]:
    with RowStream(data, kind, today=TODAY) as stream:
        records = [row.record for row in stream]
    assert stream.report.ok, stream.report.messages("en")[:5]
    return records


@pytest.mark.parametrize("kind", list(RECORDS))
def test_csv_export_imports_back_to_the_same_records_and_bytes(kind: str) -> None:
    first = io.BytesIO()
    write_csv(records_table(kind, RECORDS[kind], full=True), first)
    data = first.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    back = _read_back(data, kind)
    assert back == list(RECORDS[kind])
    second = io.BytesIO()
    write_csv(records_table(kind, back, full=True), second)  # type: ignore[arg-type]
    assert second.getvalue() == data


@pytest.mark.parametrize("kind", ["households", "contracts", "slips", "payments"])
def test_xlsx_export_imports_back_to_the_same_records(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.xlsx"
    write_xlsx(records_table(kind, RECORDS[kind], full=True), path)
    back = _read_back(path.read_bytes(), kind)
    assert back == list(RECORDS[kind])


def test_formula_cells_are_neutralised_and_import_verbatim(tmp_path: Path) -> None:
    evil = Household(
        head_name='=HYPERLINK("http://evil","点我")',
        resident_id=SEASON.households[0].resident_id,
        township="+大荆镇",
        village="-1+1",
        group="@SUM(A1)",
        account="",
    )
    out = io.BytesIO()
    write_csv(records_table("households", [evil], full=True), out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil","点我")'
    assert rows[1][2:5] == ["'+大荆镇", "'-1+1", "'@SUM(A1)"]
    assert _read_back(out.getvalue(), "households") == [evil]

    path = tmp_path / "evil.xlsx"
    write_xlsx(records_table("households", [evil], full=True), path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://evil","点我")'
    assert sheet["A2"].data_type == "s"
    assert _read_back(path.read_bytes(), "households") == [evil]


def test_negative_amounts_stay_numbers_in_xlsx(tmp_path: Path) -> None:
    columns = (Column("who", "户主姓名"), Column("amount", "金额", Kind.MONEY))
    table = Table("t", columns, [["-张三", Decimal("-12.30")], ["李四", Decimal("1234.50")]])
    path = tmp_path / "t.xlsx"
    write_xlsx(table, path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["B2"].value == -12.3 and sheet["B2"].data_type == "n"
    assert sheet["B2"].number_format == "0.00"
    assert sheet["A2"].value == "'-张三"
    out = io.BytesIO()
    write_csv(Table("t", columns, [["-张三", Decimal("-12.30")]]), out)
    assert out.getvalue().decode("utf-8-sig").splitlines()[1] == "'-张三,-12.30"


def test_ids_are_text_and_dates_are_dates_in_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    write_xlsx(records_table("payments", SEASON.payments[:1], full=True), path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].number_format == "@"
    assert sheet["D2"].is_date and sheet["D2"].value == dt.datetime.combine(
        SEASON.payments[0].day, dt.time()
    )


def test_masked_export_shows_only_first_6_and_last_4() -> None:
    home = SEASON.households[0]
    out = io.BytesIO()
    write_csv(records_table("households", [home]), out)
    row = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))[1]
    assert row[1] == home.resident_id[:6] + "********" + home.resident_id[-4:]
    assert home.resident_id[6:14] not in out.getvalue().decode("utf-8-sig")
    if home.account:
        assert row[8] == "*" * (len(home.account) - 4) + home.account[-4:]


NOTE = "卡号6230128263167863520 电话 183 9502 8326 身份证 611002 19610315 557X"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (NOTE, "卡号***************3520 电话 *******8326 身份证 611002********557X"),
        (
            "一卡通 6217-0000-1234-5678，手机183-9502-8326",
            "一卡通 ************5678，手机*******8326",
        ),
        ("代领人 611002 1961 0315 557X", "代领人 611002********557X"),
        ("座机 0914-2345678", "座机 *******5678"),
        ("卡号 ６２３０１２８２６３１６７８６３５２０", "卡号 ***************3520"),
        # what is not a personal number stays as it is
        ("2018-11-05 付款 1391.88 元，小票 W20181105-0012，合同 SZ-2018-LJ-0001", None),
        ("交售 3 次，共 1250 公斤，单价 0.123456789012 元", None),
    ],
)
def test_masked_free_text_hides_accounts_and_grouped_phones_and_ids(
    text: str, masked: str | None
) -> None:
    assert mask_text(text) == (text if masked is None else masked)


def test_neutralise_is_exactly_undone() -> None:
    for text in ["", "'", "''", "'=", "=1", "-", "\t x", "\r", "@", "普通", "'普通", "1-2"]:
        assert unneutralise(neutralise(text)) == text
    assert all(neutralise(t)[0] == "'" for t in ["=1", "+1", "-1", "@a", "\tx", "\rx"])


def test_every_record_type_is_covered() -> None:
    assert set(RECORDS) == set(RECORD_TYPES)


@pytest.mark.parametrize(("lang", "yes", "no"), [("zh", "是", "否"), ("en", "yes", "no")])
def test_a_yes_no_cell_is_written_in_the_files_language(
    tmp_path: Path, lang: str, yes: str, no: str
) -> None:
    import openpyxl

    from orderfarm.io.writers import csv_rows

    table = Table("t", (Column("voided", "已作废", Kind.BOOL, False, (), ""),), [[True], [False]])
    assert [r[0] for r in csv_rows(table, lang)][1:] == [yes, no]
    path = tmp_path / "t.xlsx"
    write_xlsx(Table("t", table.columns, [[True], [False]]), path, lang)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [yes, no]


def test_a_weight_with_three_decimals_shows_all_three_in_excel(tmp_path: Path) -> None:
    columns = (Column("receipt_no", "小票号", Kind.ID), Column("gross_kg", "毛重", Kind.KG))
    table = Table("t", columns, [["R-1", Decimal("100.125")]])
    path = tmp_path / "t.xlsx"
    write_xlsx(table, path)
    cell = openpyxl.load_workbook(path).active["B2"]
    assert cell.value == 100.125
    # Excel shows at least two decimals and the third when there is one (not 100.13)
    assert cell.number_format == "0.00#"


def test_floors_are_written_in_the_order_of_their_grades() -> None:
    """一等 二等 三等 as a grade table reads, not 一等 三等 二等 (the characters' order), and read
    back the same."""
    from orderfarm.io.rows import format_floors, parse_floors

    floors = {"三等": Decimal("10.00"), "一等": Decimal("12.00"), "二等": Decimal("11.00")}
    written = format_floors(floors, ("一等", "二等", "三等", "等外"))
    assert written == "一等:12.00;二等:11.00;三等:10.00"
    assert parse_floors(written) == floors
