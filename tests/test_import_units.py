"""A file's header may give its numbers' unit (毛重（斤）, 保护价（元/斤）, 水分（%）); a unit
that cannot be read, or a 单位 column, refuses the file; a column of no use is named; a
contract's blank cell takes the crop form's default, as a column left out does."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from orderfarm import D, Store
from orderfarm.io.exporting import records_table
from orderfarm.io.loading import import_file
from orderfarm.io.writers import write_csv
from tests.test_store_support import chilli_contract, seeded, signed

TODAY = dt.date(2019, 6, 1)
BASE = ["合同编号", "企业信用代码", "农户身份证号", "作物", "产品形态", "年度", "面积（亩）"]


def write(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "season.db") as s:
        yield s


def one_contract(store: Store) -> None:
    """A store with one household under a signed fresh-chilli contract, C-1."""
    (hh,) = seeded(store)
    signed(store, chilli_contract("C-1", hh))


def contract_row(store: Store, no: str, crop: str = "朝天椒", form: str = "干椒") -> list[str]:
    (hh,) = seeded(store) if not store.households() else store.households()[:1]
    enterprise = store.enterprises()[0].uscc
    return [no, enterprise, hh.resident_id, crop, form, "2018", "2"]


def test_a_contract_file_in_jin_and_percent_is_read_in_kg_and_fractions(
    store: Store, tmp_path: Path
) -> None:
    header = [*BASE, "保护价（元/斤）", "保护收购量（斤）", "标准水分（%）", "最高水分(%)"]
    row = [*contract_row(store, "J-100"), "一等:6.10;二等:5.55", "1200", "13.5", "22"]
    report = import_file(store, write(tmp_path / "c.csv", header, row), "contracts", commit=True)
    assert report.committed, report.messages("zh")
    terms = store.contract("J-100").terms
    assert terms.floors["一等"] == D("12.20") and terms.floors["二等"] == D("11.10")
    assert terms.quota_kg == D("600")
    assert (terms.moisture_standard, terms.moisture_max) == (D("0.135"), D("0.22"))


def test_a_unit_that_cannot_be_read_refuses_the_file_and_names_the_column(
    store: Store, tmp_path: Path
) -> None:
    header = [*BASE, "保护价（元）"]
    row = [*contract_row(store, "J-101"), "一等:6.10"]
    report = import_file(store, write(tmp_path / "c.csv", header, row), "contracts", commit=True)
    assert not report.committed and store.contracts() == []
    (message,) = report.messages("zh")
    assert "「保护价（元）」列的单位无法识别" in message and "元/斤" in message


def slips_file(path: Path, gross: str, tare: str, header: tuple[str, str]) -> Path:
    return write(
        path,
        ["小票号", "合同编号", "日期", *header, "等级"],
        ["R-1", "C-1", "2018-09-01", gross, tare, "一级"],
        ["R-2", "C-1", "2018-09-01", "100", "0", "一级"],
    )


def test_slips_weighed_in_jin_are_recorded_in_kg(store: Store, tmp_path: Path) -> None:
    one_contract(store)
    source = slips_file(tmp_path / "s.csv", "241", "3.5", ("毛重（斤）", "皮重(斤)"))
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert report.committed and report.added == 2, report.messages("zh")
    first, second = store.deliveries()
    assert (first.weighing.gross_kg, first.weighing.tare_kg) == (D("120.5"), D("1.75"))
    assert first.quote.net_kg == D("118.75")
    assert second.weighing.gross_kg == D("50")
    again = import_file(store, source, "slips", commit=True, today=TODAY)  # the same slips
    assert (again.committed, again.added, again.existing) == (True, 0, 2)


def test_a_problem_is_named_under_the_files_own_header(store: Store, tmp_path: Path) -> None:
    """A tare of 150 斤 over a gross of 140 斤: named under 皮重(斤), the column the staffer
    sees, with the cell as typed, not under the template's 皮重（公斤）."""
    one_contract(store)
    source = slips_file(tmp_path / "s.csv", "140", "150", ("毛重（斤）", "皮重(斤)"))
    report = import_file(store, source, "slips", commit=False, today=TODAY)
    (problem,) = report.problems
    assert (problem.row, problem.value) == (2, "150")
    said = problem.message("zh")
    assert said.startswith("第 2 行「皮重(斤)」（值「150」）"), said
    assert "公斤" not in said.split("：")[0]


def test_a_unit_column_refuses_a_slips_file(store: Store, tmp_path: Path) -> None:
    one_contract(store)
    source = write(
        tmp_path / "s.csv",
        ["小票号", "合同编号", "日期", "毛重", "皮重", "单位", "等级"],
        ["R-1", "C-1", "2018-09-01", "241", "3", "斤", "一级"],
    )
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert not report.committed and store.deliveries() == []
    assert "文件有「单位」列：单位要写在各列的列名里" in report.messages("zh")[0]


def test_a_column_of_no_use_is_named_and_the_rest_is_read(store: Store, tmp_path: Path) -> None:
    one_contract(store)
    source = write(
        tmp_path / "s.csv",
        ["小票号", "合同编号", "日期", "毛重", "皮重", "等级", "备注"],
        ["R-1", "C-1", "2018-09-01", "100", "2", "一级", "雨天"],
    )
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert report.committed and report.added == 1
    assert report.warning_messages("zh") == ["「备注」列不是本类记录的列，未读取"]
    assert "1 处未读取（列、标题或合计行）" in report.summary("zh")
    assert "数值请核对" not in report.summary("zh")


def test_a_template_left_blank_takes_the_crop_forms_defaults(store: Store, tmp_path: Path) -> None:
    from orderfarm import Contract
    from orderfarm.io import RECORD_TYPES

    header = RECORD_TYPES["contracts"].headers("zh")
    row = dict.fromkeys(header, "")
    row.update(dict(zip(BASE, contract_row(store, "T-1"), strict=True)))
    row["签约日期"] = "2018-03-01"
    source = write(tmp_path / "t.csv", header, [row[h] for h in header])
    report = import_file(store, source, "contracts", commit=True, today=TODAY)
    assert report.committed, report.messages("zh")
    stored = store.contract("T-1")
    template = Contract.from_template(
        "朝天椒",
        "dried",
        contract_no="T-1",
        enterprise=stored.enterprise_uscc,
        household=stored.household_id,
        season=2018,
        area_mu="2",
    )
    assert stored.terms == template.terms  # market-linked, 14% / 22% moisture
    assert stored.terms.market_linked and stored.terms.moisture_max == D("0.22")
    window = (stored.delivery_start, stored.delivery_end)
    assert window == (template.delivery_start, template.delivery_end)


def test_none_written_in_a_cell_is_no_such_rule_and_exports_read_back(
    store: Store, tmp_path: Path
) -> None:
    header = [*BASE, "标准水分", "最高水分", "交售开始日", "交售结束日", "签约日期"]
    row = [*contract_row(store, "N-1"), "无", "不限", "无", "2018-12-31", "2018-03-01"]
    report = import_file(store, write(tmp_path / "n.csv", header, row), "contracts", commit=True)
    assert report.committed, report.messages("zh")
    stored = store.contract("N-1")
    assert (stored.terms.moisture_standard, stored.terms.moisture_max) == (None, None)
    assert (stored.delivery_start, stored.delivery_end) == (None, dt.date(2018, 12, 31))
    exported = tmp_path / "out.csv"
    write_csv(records_table("contracts", [stored], full=True), exported)
    with Store.open(tmp_path / "other.db") as other:
        contract_row(other, "N-1")
        again = import_file(other, exported, "contracts", commit=True)
        assert again.committed, again.messages("zh")
        assert other.contract("N-1") == stored


def test_a_row_of_sums_is_named_and_not_read(store: Store, tmp_path: Path) -> None:
    one_contract(store)
    source = write(
        tmp_path / "s.csv",
        ["小票号", "合同编号", "日期", "毛重", "皮重", "等级"],
        ["R-1", "C-1", "2018-09-01", "100", "2", "一级"],
        ["R-2", "C-1", "2018-09-01", "50", "1", "一级"],
        ["合计：", "", "", "150", "3", ""],
    )
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert report.committed and (report.rows, report.added) == (2, 2), report.messages("zh")
    assert report.warning_messages("zh") == ["第 4 行：合计行，不是一条记录，未读取"]


def test_a_workbook_opening_on_a_notes_sheet_is_read_from_the_sheet_chosen(
    store: Store, tmp_path: Path
) -> None:
    from orderfarm.auth import Role
    from orderfarm.io.importing import detect_kind, sheet_names
    from orderfarm.session import Session
    from orderfarm.store.users import User
    from tests.test_store_support import household, workbook_on_a_notes_sheet

    home = household(7)
    path = workbook_on_a_notes_sheet(tmp_path / "homes.xlsx", home)
    data = path.read_bytes()
    assert sheet_names(data) == ["说明", "农户"]
    assert detect_kind(data, format="xlsx", sheet="农户") == "households"
    session = Session(store, User("script", Role.ADMIN))
    first = session.import_file(data, "households", commit=True, format="xlsx")
    assert not first.committed and "文件缺少「户主姓名 / head_name」列" in first.messages("zh")[0]
    chosen = session.import_file(data, "households", commit=True, format="xlsx", sheet="农户")
    assert chosen.committed and store.household(home.resident_id).head_name == home.head_name


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_title_above_the_header_is_passed_over(store: Store, tmp_path: Path, kind: str) -> None:
    import openpyxl

    one_contract(store)
    rows = [
        ["2018年9月1日 东沟村收购点 收购小票汇总"],
        [],
        ["小票号", "合同编号", "日期", "毛重", "皮重", "等级"],
        ["R-1", "C-1", "2018-09-01", "100", "2", "一级"],
    ]
    if kind == "csv":
        source = write(tmp_path / "s.csv", *rows)
    else:
        book = openpyxl.Workbook()
        for r in rows:
            book.active.append(r)
        source = tmp_path / "s.xlsx"
        book.save(source)
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert report.committed and report.added == 1, report.messages("zh")
    assert store.deliveries()[0].weighing.gross_kg == D("100")
    title = "第 1 行：表头上方的标题，未读取：2018年9月1日 东沟村收购点 收购小票汇总"
    assert report.warning_messages("zh") == [title]


def test_none_under_a_percent_header_is_still_no_such_rule(store: Store, tmp_path: Path) -> None:
    header = [*BASE, "标准水分（%）", "最高水分（%）", "签约日期"]
    row = [*contract_row(store, "P-1"), "无", "不限", "2018-03-01"]
    report = import_file(store, write(tmp_path / "p.csv", header, row), "contracts", commit=True)
    assert report.committed, report.messages("zh")
    terms = store.contract("P-1").terms
    assert (terms.moisture_standard, terms.moisture_max) == (None, None)


def test_a_fraction_under_a_percent_header_is_refused_as_unclear(
    store: Store, tmp_path: Path
) -> None:
    """0.16 under 水分（%）: 16% as Excel keeps a percentage cell, or 0.16%? Asked, not
    guessed; 16, 16% and 0.5% are clear."""
    one_contract(store)
    header = ["小票号", "合同编号", "日期", "毛重", "皮重", "等级", "水分（%）", "杂质（%）"]
    unclear = ["R-1", "C-1", "2018-09-01", "100", "2", "一级", "0.16", "1"]
    report = import_file(store, write(tmp_path / "a.csv", header, unclear), "slips", commit=True)
    assert not report.committed and store.deliveries() == []
    assert [(p.row, p.column) for p in report.problems] == [(2, "moisture")]
    assert "16% 请写 16 或 16%" in report.messages("zh")[0]
    clear = ["R-1", "C-1", "2018-09-01", "100", "2", "一级", "16", "0.5%"]
    report = import_file(store, write(tmp_path / "b.csv", header, clear), "slips", commit=True)
    assert report.committed, report.messages("zh")
    weighing = store.deliveries()[0].weighing
    assert (weighing.moisture, weighing.impurity) == (D("0.16"), D("0.005"))


def test_a_title_giving_a_unit_refuses_the_file(store: Store, tmp_path: Path) -> None:
    one_contract(store)
    source = write(
        tmp_path / "s.csv",
        ["2018年朝天椒收购台账（单位：斤、元/斤）"],
        ["小票号", "合同编号", "日期", "毛重", "皮重", "等级"],
        ["R-1", "C-1", "2018-09-01", "100", "2", "一级"],
    )
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert not report.committed and store.deliveries() == []
    assert "标题「2018年朝天椒收购台账（单位：斤、元/斤）」写有单位" in report.messages("zh")[0]


def test_a_row_of_sums_keeps_a_file_on_the_quick_path(store: Store, tmp_path: Path) -> None:
    from orderfarm.crops import default_catalog
    from orderfarm.io.columns import SLIPS
    from orderfarm.io.loading import StoreLookup
    from orderfarm.io.plain import import_plain_slips

    one_contract(store)
    source = write(
        tmp_path / "s.csv",
        ["小票号", "合同编号", "日期", "毛重", "皮重", "等级"],
        ["R-1", "C-1", "2018-09-01", "100", "2", "一级"],
        ["合计", "", "", "100", "2", ""],
    )
    report = import_plain_slips(
        store,
        source,
        SLIPS,
        today=TODAY,
        catalog=default_catalog(),
        lookup=StoreLookup(store),
        actor="script",
        batch_size=100,
        format=None,
        sheet=None,
    )
    assert report is not None and report.added == 1  # None: sent to the general checks
    assert report.warning_messages("zh") == ["第 3 行：合计行，不是一条记录，未读取"]


@pytest.mark.parametrize("header", [("毛重", "皮重"), ("毛重（斤）", "皮重(斤)")])
def test_a_weight_with_a_space_inside_refuses_the_row_naming_it(
    store: Store, tmp_path: Path, header: tuple[str, str]
) -> None:
    one_contract(store)
    source = slips_file(tmp_path / "s.csv", "6 1.5", "1", header)
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert not report.committed and store.deliveries() == []
    (message,) = report.messages("zh")
    assert "第 2 行" in message and "毛重" in message and "数字中间有空格" in message


@pytest.mark.parametrize("gross", ["1 200", "1\u00a0200", "1,200"])
def test_a_weight_grouped_by_thousands_is_read_in_the_headers_unit(
    store: Store, tmp_path: Path, gross: str
) -> None:
    one_contract(store)
    source = slips_file(tmp_path / "s.csv", gross, "2", ("毛重（斤）", "皮重(斤)"))
    report = import_file(store, source, "slips", commit=True, today=TODAY)
    assert report.committed, report.messages("zh")
    assert store.deliveries()[0].weighing.gross_kg == D("600")  # 1 200 斤, not 1200 kg
