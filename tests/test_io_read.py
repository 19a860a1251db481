"""Reading files: each encoding Chinese Excel writes, XLSX, and a clear message for each kind of
bad file or bad cell (dry run, nothing written)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from orderfarm.io import SLIPS, open_table, validate_file
from orderfarm.io.columns import HOUSEHOLDS, RECORD_TYPES
from orderfarm.io.importing import RowStream
from orderfarm.io.readers import cell_text
from orderfarm.io.records import SlipRecord
from orderfarm.io.rows import parse_date, parse_floors, parse_inputs

TODAY = dt.date(2018, 12, 31)
HEADER = "小票号,合同编号,日期,毛重（公斤）,皮重（公斤）,等级,水分,杂质,收购点"
GOOD = [
    "LST2018-000001,SZ2018-LST-00001,2018-10-01,102.50,2.50,一级,0,0,大荆镇收购点",
    "LST2018-000002,SZ2018-LST-00001,2018/10/2,88,3.2,二级,,1%,大荆镇收购点",
    "LST2018-000003,SZ2018-LST-00002,2018年10月3日,120.4,4,一级,0,0.02,沙河子镇收购点",
]


def _csv(lines: list[str]) -> str:
    return "\r\n".join([HEADER, *lines]) + "\r\n"


def _messages(report: object, lang: str = "zh") -> str:
    return "\n".join(report.messages(lang))  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_each_encoding_reads_the_same_rows(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"slips-{encoding}.csv"
    path.write_bytes(_csv(GOOD).encode(encoding))
    with RowStream(path, "slips", today=TODAY) as stream:
        records = [row.record for row in stream]
    assert stream.report.encoding in (encoding, "gb18030" if encoding == "gbk" else encoding)
    assert stream.report.ok, _messages(stream.report)
    assert all(isinstance(r, SlipRecord) for r in records)
    first, second, third = records  # type: ignore[misc]
    assert first.weighing.gross_kg == Decimal("102.50")
    assert second.day == dt.date(2018, 10, 2)
    assert second.weighing.impurity == Decimal("0.01")
    assert third.day == dt.date(2018, 10, 3)
    assert first.purchase_point == "大荆镇收购点"


def test_english_headers_and_tab_separated(tmp_path: Path) -> None:
    header = "\t".join(c.key for c in SLIPS.columns)
    row = "\t".join(["R1", "C1", "2018-10-01", "10", "1", "一级", "0", "0", "点"])
    path = tmp_path / "slips.txt"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    report = validate_file(path, "slips", today=TODAY)
    assert report.ok and report.valid == 1


def test_xlsx_is_read_with_exact_numbers_and_dates(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["R1", "C1", dt.datetime(2018, 10, 1), 102.5, 2.5, "一级", 0.18, 0.01, "点"])
    sheet.append(["R2", "C1", 43374, 0.1 + 0.2, 0.1, "一级", None, None, None])
    path = tmp_path / "slips.xlsx"
    workbook.save(path)
    with RowStream(path, "slips", today=TODAY) as stream:
        records = [row.record for row in stream]
    assert stream.report.format == "xlsx" and stream.report.ok, _messages(stream.report)
    first, second = records
    assert isinstance(first, SlipRecord) and isinstance(second, SlipRecord)
    assert first.day == dt.date(2018, 10, 1)
    assert first.weighing.gross_kg == Decimal("102.5")
    assert first.weighing.moisture == Decimal("0.18")
    # an Excel serial day number, and 0.1 + 0.2 read as Excel shows it (15 digits)
    assert second.day == dt.date(2018, 10, 1)
    assert second.weighing.gross_kg == Decimal("0.3")


def test_xlsx_of_any_name_is_sniffed(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["企业名称", "统一社会信用代码"])
    workbook.active.append(["洛南辣上天有限公司", "91611002MA6Y0XGX3J"])
    path = tmp_path / "upload.csv"  # a wrong suffix: the content decides
    workbook.save(path)
    with open_table(path) as table:
        assert table.format == "xlsx"
        assert table.header == ("企业名称", "统一社会信用代码")


def test_one_bad_cell_among_good_rows_is_reported_with_its_place() -> None:
    lines = [*GOOD, "LST2018-000004,SZ2018-LST-00002,2018-10-04,9O.5,2,一级,0,0,点", *GOOD[:0]]
    report = validate_file(_csv(lines).encode("gbk"), "slips", today=TODAY)
    assert report.rows == 4 and report.valid == 3 and report.invalid == 1
    (problem,) = report.problems
    assert (problem.row, problem.column, problem.value, problem.code) == (
        5,
        "gross_kg",
        "9O.5",
        "not_a_number",
    )
    assert problem.message("zh") == "第 5 行「毛重（公斤）」（值「9O.5」）：不是有效数字：「9O.5」"
    assert problem.message("en") == "row 5, gross_kg ('9O.5'): is not a number: '9O.5'"


CASES = {
    "empty": (b"", "empty_file", "文件为空"),
    "blank lines only": (b"\r\n\r\n  \r\n", "empty_file", "文件为空"),
    "garbled": (bytes(range(128, 256)) * 4, "garbled_file", "乱码"),
    "truncated character": (
        _csv(GOOD).encode("utf-8") + "镇".encode()[:2],
        "truncated_file",
        "不完整",
    ),
    "truncated quote": ((_csv(GOOD) + 'R9,C1,2018-10-01,"10').encode(), "truncated_quote", "引号"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "old_xls", ".xls"),
    "damaged xlsx": (b"PK\x03\x04" + bytes(100), "not_xlsx", "XLSX"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_bad_file_gets_its_own_message(case: str) -> None:
    data, code, words = CASES[case]
    report = validate_file(data, "slips", today=TODAY)
    assert [p.code for p in report.problems] == [code]
    zh = report.messages("zh")[0]
    assert words in zh
    assert not any(name in zh for name in ("Error", "Exception", "BadZip", "Traceback")), zh
    assert report.messages("en")[0]
    assert not report.ok


def test_missing_column_is_named_in_both_languages() -> None:
    text = "小票号,合同编号,日期,皮重（公斤）,等级\nR1,C1,2018-10-01,1,一级\n"
    report = validate_file(text.encode(), "slips", today=TODAY)
    assert [(p.code, p.column) for p in report.problems] == [("missing_column", "gross_kg")]
    # not "0 rows, 0 with problems" for a file whose rows were never read
    assert "文件本身有 1 个问题，各行未检查；" in report.summary("zh")
    assert "共 0 行" not in report.summary("zh")
    assert "1 problem(s) with the file itself, rows not checked;" in report.summary("en")
    assert "毛重（公斤） / gross_kg" in report.messages("zh")[0]
    assert "has no column" in report.messages("en")[0]


def test_repeated_column_is_refused() -> None:
    text = "户主姓名,身份证号,镇,村,姓名\n"
    report = validate_file(text.encode(), "households", today=TODAY)
    assert [p.code for p in report.problems] == ["repeated_column"]


def test_duplicate_rows_within_the_file() -> None:
    lines = [GOOD[0], GOOD[1], GOOD[0], GOOD[1].replace(",88,", ",89,")]
    report = validate_file(_csv(lines).encode(), "slips", today=TODAY)
    assert [(p.row, p.code, p.problem.params["first"]) for p in report.problems] == [
        (4, "duplicate_row", 2),
        (5, "duplicate_key", 3),
    ]
    assert "与本文件第 2 行重复" in report.messages("zh")[0]
    assert "already used by row 3" in report.messages("en")[1]


@pytest.mark.parametrize(
    ("gross", "tare", "column", "code"),
    [
        ("-10", "1", "gross_kg", "non_negative"),
        ("10", "-1", "tare_kg", "non_negative"),
        ("十斤", "1", "gross_kg", "not_a_number"),
        ("10", "", "tare_kg", "required"),
        ("10", "12", "tare_kg", "tare_not_below_gross"),
        ("10.1234", "1", "gross_kg", "too_many_places"),
        ("NaN", "1", "gross_kg", "not_a_number"),
    ],
)
def test_bad_weights(gross: str, tare: str, column: str, code: str) -> None:
    line = f"R1,C1,2018-10-01,{gross},{tare},一级,0,0,点"
    report = validate_file(_csv([line]).encode(), "slips", today=TODAY)
    assert [(p.column, p.code) for p in report.problems] == [(column, code)]


def test_future_date_and_unknown_grade() -> None:
    lines = [
        "R1,C1,2019-01-01,10,1,一级,0,0,点",
        "R2,C1,2018-10-01,10,1,超级,0,0,点",
        "R3,C1,2018-02-30,10,1,一级,0,0,点",
    ]
    report = validate_file(_csv(lines).encode(), "slips", today=TODAY)
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (2, "day", "future_date"),
        (3, "grade", "unknown_grade_any"),
        (4, "day", "bad_date"),
    ]
    assert "晚于今天（2018-12-31）" in report.messages("zh")[0]
    assert "超级" in report.messages("zh")[1]


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    line = ",C1,2030-01-01,-1,x,,2,0,点"
    report = validate_file(_csv([line]).encode(), "slips", today=TODAY)
    assert {p.column for p in report.problems} == {
        "receipt_no",
        "day",
        "gross_kg",
        "tare_kg",
        "grade",
        "moisture",
    }


def test_households_rows() -> None:
    from orderfarm.ids import resident_id_check_character

    body = "61100219650301002"
    good = body + resident_id_check_character(body)
    text = (
        "户主姓名,身份证号,镇/街道办,村,组,电话,家庭人口,贫困状态,一卡通账号\n"
        f"张三,{good.lower()},大荆镇,西街村,一组,13900000000,4,建档立卡贫困户,6230 1234\n"
        f"李四,{body}0,大荆镇,西街村,一组,,四,贫困,\n"
    )
    with RowStream(text.encode("gbk"), HOUSEHOLDS, today=TODAY) as stream:
        rows = list(stream)
    assert rows[0].record is not None and rows[0].record.resident_id == good  # type: ignore[union-attr]
    assert {(p.column, p.code) for p in rows[1].problems} == {
        ("resident_id", "id_checksum"),
        ("members", "not_a_whole_number"),
        ("poverty_status", "bad_choice"),
    }


def test_a_neutralised_cell_imports_verbatim() -> None:
    text = "企业名称,统一社会信用代码\n'=1+2 公司,91611002MA6Y0XGX3J\n"
    with RowStream(text.encode(), "enterprises", today=TODAY) as stream:
        (row,) = list(stream)
    assert row.record is not None and row.record.name == "=1+2 公司"  # type: ignore[union-attr]


def test_contract_rows_take_template_defaults_for_missing_columns() -> None:
    text = (
        "合同编号,企业信用代码,农户身份证号,作物,产品形态,年度,面积（亩）\n"
        "C1,91611002MA6Y0XGX3J,61100219650301002X,朝天椒,干椒,2018,2.5\n"
    )
    with RowStream(text.encode(), "contracts", today=TODAY) as stream:
        (row,) = list(stream)
    contract = row.record
    assert contract is not None, row.problems
    assert contract.crop == "chilli" and contract.form == "dried"  # type: ignore[union-attr]
    assert contract.terms.moisture_standard == Decimal("0.14")  # type: ignore[union-attr]
    assert contract.inputs[0].quantity == Decimal("30000.0")  # type: ignore[union-attr]


def test_helpers() -> None:
    assert parse_date("2018.11.5") == dt.date(2018, 11, 5)
    assert parse_date("20181105") == dt.date(2018, 11, 5)
    assert parse_date("2018-11-05 00:00:00") == dt.date(2018, 11, 5)
    assert parse_date("5/11/2018") is None
    assert parse_floors("一级:1.60；二级=1.40") == {
        "一级": Decimal("1.60"),
        "二级": Decimal("1.40"),
    }
    assert parse_floors("一级 abc") is None
    (seedlings,) = parse_inputs("辣椒苗:30000株×0.03(垫付)") or ()
    assert seedlings.amount == Decimal("900.00")
    assert cell_text(0.30000000000000004) == "0.3"
    assert cell_text(1e20) == "100000000000000000000"


def test_every_record_type_documents_both_names() -> None:
    for rt in RECORD_TYPES.values():
        for lang in ("zh", "en"):
            found = rt.match_header(rt.headers(lang))
            assert set(found.positions) == set(rt.keys)
            assert not (found.unknown or found.repeated or found.scales or found.bad_units)


def test_a_row_cut_short_says_the_file_may_be_truncated() -> None:
    text = _csv(GOOD) + "LST2018-000009,SZ2018-LST-00001,2018-10"
    report = validate_file(text.encode(), "slips", today=TODAY)
    assert [(p.row, p.code) for p in report.problems] == [(5, "short_row")]
    assert "文件可能不完整" in report.messages("zh")[0]
    assert "may be truncated" in report.messages("en")[0]


def test_the_record_type_is_told_from_the_columns() -> None:
    from orderfarm.io import FileError, detect_kind

    for rt in RECORD_TYPES.values():
        for lang in ("zh", "en"):
            data = (",".join(rt.headers(lang)) + "\n").encode("gbk" if lang == "zh" else "utf-8")
            assert detect_kind(data) == rt.name
    minimal = "户主姓名,身份证号,镇,村\n".encode("gbk")
    assert detect_kind(minimal) == "households"
    with pytest.raises(FileError) as caught:
        detect_kind("名字,数量\n".encode())
    assert caught.value.problems[0].code == "unknown_kind"


def test_the_column_documentation_is_current() -> None:
    from orderfarm.io.columns import column_table_markdown

    docs = Path(__file__).resolve().parent.parent / "docs" / "columns.md"
    assert docs.read_text(encoding="utf-8") == column_table_markdown(), (
        "regenerate docs/columns.md from orderfarm.io.columns.column_table_markdown()"
    )


def test_absurdly_large_numbers_are_refused() -> None:
    line = "R1,C1,2018-10-01,99999999999999999999999,1,一级,0,0,点"
    report = validate_file(_csv([line]).encode(), "slips", today=TODAY)
    assert [(p.column, p.code) for p in report.problems] == [("gross_kg", "too_large")]
    assert "超过 1,000,000" in report.messages("zh")[0]


def _with_cached_value(path: Path, cell: str, value: str) -> None:
    """Save ``value`` as the computed value of the formula in ``cell``, as Excel would."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        members = {name: book.read(name) for name in book.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = members[sheet].decode()
    pattern = rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>\s*)(?:<v\s*/>|<v></v>)'
    xml, count = re.subn(pattern, rf"\g<1><v>{value}</v>", xml)
    assert count == 1, xml
    members[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in members.items():
            book.writestr(name, data)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_formula_saved_without_its_value_is_named_not_called_empty(
    tmp_path: Path, lang: str
) -> None:
    """A workbook written by a program holds formulas without their results until Excel opens
    and saves it: such a cell reads empty, and the file must say why."""
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["R1", "C1", "2018-10-01", "=100+2.5", 2.5, "一级", "=0.1+0.08", 0, "点"])
    sheet.append(["R2", "C1", "2018-10-01", 88, 3.2, "二级", 0, 0, "点"])
    sheet.append(["R3", "C1", "2018-10-01", 120.4, "=2+2", "一级", 0, 0, "点"])
    path = tmp_path / "slips.xlsx"
    workbook.save(path)
    _with_cached_value(path, "E4", "4")  # opened and saved in Excel: the value is there
    report = validate_file(path, "slips", today=TODAY)
    assert (report.rows, report.valid, report.invalid) == (3, 2, 1)
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (2, "gross_kg", "formula_not_computed"),
        (2, "moisture", "formula_not_computed"),
    ]
    said = _messages(report, lang)
    if lang == "zh":
        assert said.startswith("第 2 行「毛重（公斤）」：单元格是公式，但文件中没有公式的计算结果")
        assert "请先用 Excel 打开并保存，再导入" in said and "不能为空" not in said
    else:
        assert said.startswith("row 2, gross_kg: the cell holds a formula without a computed")
        assert "open it in Excel, save it" in said and "required" not in said


@pytest.mark.parametrize(
    ("typed", "code", "said"),
    [
        ("15", "rate_as_percent", "须为比例：15% 请填 0.15 或 15%，实为「15」"),
        ("150%", "fraction", "必须是 0（含）到 1（不含）之间的比例"),
        ("0.15", None, ""),
        ("15%", None, ""),
    ],
)
def test_a_moisture_written_as_a_percentage_without_its_sign_says_how_to_write_it(
    typed: str, code: str | None, said: str
) -> None:
    line = f"R1,C1,2018-10-01,100,1,一级,{typed},0,点"
    text = ",".join(RECORD_TYPES["slips"].headers("zh")) + "\n" + line + "\n"
    report = validate_file(text.encode(), "slips", today=dt.date(2019, 1, 1))
    moisture = [p for p in report.problems if p.column == "moisture"]
    if code is None:
        assert not moisture
    else:
        assert [p.code for p in moisture] == [code]
        assert said in moisture[0].message("zh")
