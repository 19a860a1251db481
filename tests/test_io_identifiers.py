"""Identifiers that Excel saved as numbers: refused with the cause (digits lost past the
15th; set the column to text), not read as other digits or called invalid; and the files
orderfarm writes keep their identifier columns as text, so Excel keeps what a clerk types."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from orderfarm import Store
from orderfarm.io import RECORD_TYPES
from orderfarm.io.columns import HOUSEHOLDS, Kind
from orderfarm.io.exporting import records_table, template_table
from orderfarm.io.importing import validate_file
from orderfarm.io.loading import import_file
from orderfarm.io.readers import lost_digits
from orderfarm.io.writers import write_xlsx
from orderfarm.parties import Household
from tests.test_store_support import chilli_contract, resident_id, seeded, signed

openpyxl = pytest.importorskip("openpyxl")

TODAY = dt.date(2019, 6, 1)
ID = resident_id(7)
#: a row of a households file, by column key, every identifier as text
ROW: dict[str, object] = {
    "head_name": "张三",
    "resident_id": ID,
    "township": "大荆镇",
    "village": "南村",
    "group": "三组",
    "phone": "13800138000",
    "members": 4,
    "poverty_status": "建档立卡贫困户",
    "account": "6230000000000000123",
}


def households_xlsx(path: Path, **cells: object) -> Path:
    """A households workbook of one row, ``cells`` replacing those of ``ROW``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HOUSEHOLDS.headers())
    row = {**ROW, **cells}
    sheet.append([row[key] for key in HOUSEHOLDS.keys])
    book.save(path)
    return path


def households_csv(**cells: object) -> bytes:
    row = {**ROW, **cells}
    lines = [",".join(HOUSEHOLDS.headers()), ",".join(str(row[k]) for k in HOUSEHOLDS.keys)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def said(report: object, lang: str = "zh") -> str:
    return "\n".join(report.messages(lang))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("column", "number", "shown"),
    [
        ("account", 6230000000000000123, "623000000000000"),
        ("account", 6.23e18, "623000000000000"),
        ("resident_id", int(ID[:17] + "0"), ID[:15]),
    ],
)
def test_a_long_identifier_saved_as_a_number_is_refused_with_the_cause(
    tmp_path: Path, column: str, number: object, shown: str
) -> None:
    path = households_xlsx(tmp_path / "households.xlsx", **{column: number})
    with Store.open(tmp_path / "season.db") as store:
        report = import_file(store, path, "households", commit=True, today=TODAY)
        assert store.counts()["households"] == 0
    assert not report.committed
    assert [(p.column, p.code) for p in report.problems] == [(column, "id_saved_as_number")]
    header = HOUSEHOLDS.column(column).zh
    zh = said(report)
    assert zh.startswith(f"第 2 行「{header}」（值「{shown}")
    assert "以数字保存，已丢失位数" in zh and "请将该列设为文本后重新填写" in zh
    assert "校验码" not in zh
    en = said(report, "en")
    assert "saved as a number, which lost digits" in en and "set the column to text" in en


def test_an_account_in_scientific_notation_in_a_csv_is_refused_with_the_cause() -> None:
    report = validate_file(households_csv(account="6.23E+18"), "households", today=TODAY)
    assert [(p.column, p.code) for p in report.problems] == [("account", "id_saved_as_number")]
    assert said(report).startswith("第 2 行「一卡通账号」（值「6.23E+18」）：以数字保存")
    assert "无效字符" not in said(report)


def test_an_identifier_of_15_digits_or_fewer_saved_as_a_number_is_read_as_its_digits(
    tmp_path: Path,
) -> None:
    path = households_xlsx(tmp_path / "h.xlsx", phone=13800138000, account=623012826316786)
    with Store.open(tmp_path / "season.db") as store:
        report = import_file(store, path, "households", commit=True, today=TODAY)
        assert report.committed, said(report, "en")
        home = store.household(ID)
    assert (home.phone, home.account) == ("13800138000", "623012826316786")


def test_what_counts_as_a_number_that_lost_digits() -> None:
    assert lost_digits(10**15) and lost_digits(6.23e18) and lost_digits(" 6.23457E+18 ")
    assert lost_digits("1.2E+11")  # a 12-digit receipt number as a CSV saved by Excel shows it
    assert not lost_digits(10**15 - 1) and not lost_digits(13800138000.0)
    assert not lost_digits("6230000000000000123") and not lost_digits("SZ-2018-E+01")
    assert not lost_digits("1E5") and not lost_digits(True) and not lost_digits(None)


def test_a_receipt_number_a_csv_shows_as_a_number_is_refused_on_the_quick_path(
    tmp_path: Path,
) -> None:
    """A file of plain slips is written in one pass without the general checks: the receipt
    number Excel saved as 2.01811E+11 must stop it all the same."""
    path = tmp_path / "slips.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(RECORD_TYPES["slips"].headers("zh"))
        writer.writerow(["R-1", "C-0", "2018-09-01", "100", "1", "一级", "", "", ""])
        writer.writerow(["2.01811E+11", "C-0", "2018-09-01", "90", "1", "一级", "", "", ""])
    with Store.open(tmp_path / "season.db") as store:
        (home,) = seeded(store, 1)
        signed(store, chilli_contract("C-0", home))
        report = import_file(store, path, "slips", commit=True, today=TODAY)
        assert store.counts()["deliveries"] == 0
    assert [(p.column, p.code) for p in report.problems] == [("receipt_no", "id_saved_as_number")]
    assert said(report).startswith("第 3 行「小票号」（值「2.01811E+11」）：以数字保存")


def test_a_contract_number_saved_as_a_long_number_in_a_slips_workbook_is_refused(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    book.active.append(RECORD_TYPES["slips"].headers("zh"))
    book.active.append(["R-1", 2018000000000000001, "2018-09-01", 100, 1, "一级"])
    book.save(tmp_path / "slips.xlsx")
    report = validate_file(tmp_path / "slips.xlsx", "slips", today=TODAY)
    assert [(p.column, p.code) for p in report.problems] == [("contract_no", "id_saved_as_number")]


@pytest.mark.parametrize("kind", list(RECORD_TYPES))
def test_an_empty_templates_identifier_columns_are_text(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.xlsx"
    write_xlsx(template_table(kind), path)
    sheet = openpyxl.load_workbook(path).active
    for index, column in enumerate(RECORD_TYPES[kind].columns):
        letter = openpyxl.utils.get_column_letter(index + 1)
        text = sheet.column_dimensions[letter].number_format == "@"
        assert text is (column.kind is Kind.ID), column.key


def test_a_full_exports_identifier_columns_are_text_below_its_rows(tmp_path: Path) -> None:
    home = Household("张三", ID, "大荆镇", "南村", account="6230000000000000123")
    path = tmp_path / "households.xlsx"
    write_xlsx(records_table("households", [home], full=True), path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["I2"].value == "6230000000000000123" and sheet["I2"].number_format == "@"
    assert sheet.column_dimensions["I"].number_format == "@"  # a row typed under it too
    assert sheet.column_dimensions["B"].number_format == "@"
