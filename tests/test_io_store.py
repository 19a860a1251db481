"""Files in and out of a store: the round trip is exact, a bad file writes nothing, a file
imported twice adds nothing, good rows can be committed with the bad ones set aside."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderfarm.cli import build_demo_file
from orderfarm.io.exports import EXPORTS, export_table
from orderfarm.io.loading import import_file
from orderfarm.io.writers import write_csv, write_xlsx
from orderfarm.money import D
from orderfarm.store import Store
from tests.test_store_support import household, resident_id

openpyxl = pytest.importorskip("openpyxl")

ORDER = ["enterprises", "households", "contracts", "market_prices", "supplies", "slips", "payments"]
TODAY = dt.date(2019, 6, 1)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A folder for throwaway stores: in memory (/dev/shm) when there is one, since a store
    syncs every transaction to disk and these tests are about files, not durability."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="orderfarm-test-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_file(path, seed=11, households=24)
    return path


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "season.db"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture(scope="module")
def exported(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    files = {}
    with Store.open(demo_db) as store:
        for kind in ORDER:
            files[kind] = folder / f"{kind}.csv"
            write_csv(export_table(store, kind, full=True), files[kind])
    return files


def _snapshot(store: Store) -> tuple[dict[str, int], tuple[int, str]]:
    return store.counts(), store.audit_head()


def test_round_trip_export_import_export_is_identical(
    demo_db: Path, exported: dict[str, Path], scratch: Path
) -> None:
    with Store.open(demo_db) as original:
        totals = [(s.household_id, s.totals) for s in original.settle(2018)]
        report_rows = original.report(2018)
    with Store.open(scratch / "fresh.db") as fresh:
        for kind in ORDER:
            report = import_file(fresh, exported[kind], kind, commit=True, today=TODAY)
            assert report.ok and report.committed, report.messages("en")[:3]
            assert report.added == report.rows
        for kind in ORDER:
            again = io.BytesIO()
            write_csv(export_table(fresh, kind, full=True), again)
            assert again.getvalue() == exported[kind].read_bytes(), kind
        assert [(s.household_id, s.totals) for s in fresh.settle(2018)] == totals
        assert fresh.report(2018) == report_rows
        assert fresh.verify().ok


def test_round_trip_through_xlsx(demo_db: Path, tmp_path: Path, scratch: Path) -> None:
    def cells(path: Path) -> list[tuple[object, ...]]:
        return list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))

    with Store.open(demo_db) as original, Store.open(scratch / "fresh.db") as fresh:
        for kind in ORDER:
            first = tmp_path / f"{kind}.xlsx"
            write_xlsx(export_table(original, kind, full=True), first)
            report = import_file(fresh, first, kind, commit=True, today=TODAY)
            assert report.ok and report.format == "xlsx", report.messages("en")[:3]
            second = tmp_path / f"{kind}-again.xlsx"
            write_xlsx(export_table(fresh, kind, full=True), second)
            assert cells(second) == cells(first), kind
        assert [s.totals for s in fresh.settle(2018)] == [s.totals for s in original.settle(2018)]


def test_importing_the_same_file_again_adds_nothing(demo: Path, exported: dict[str, Path]) -> None:
    with Store.open(demo) as store:
        before = _snapshot(store)
        for kind in ORDER:
            report = import_file(store, exported[kind], kind, commit=True, today=TODAY)
            assert report.ok and report.added == 0 and report.existing == report.rows, kind
        assert _snapshot(store) == before


def _slips_with(exported: dict[str, Path], change: int, column: str, value: str) -> bytes:
    """The exported slips file (re-numbered so they are new) with one cell changed."""
    text = exported["slips"].read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    for row in rows[1:]:
        row[0] = "N" + row[0]
    rows[change][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("gbk")


def test_one_bad_cell_writes_nothing_and_is_reported(demo: Path, exported: dict[str, Path]) -> None:
    data = _slips_with(exported, 3, "毛重（公斤）", "12,5kg")
    with Store.open(demo) as store:
        before = _snapshot(store)
        report = import_file(store, data, "slips", commit=True, today=TODAY)
        assert not report.committed and report.added == 0
        assert [(p.row, p.column, p.value, p.code) for p in report.problems] == [
            (4, "gross_kg", "12,5kg", "not_a_number")
        ]
        assert _snapshot(store) == before


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("毛重（公斤）", "-3", "non_negative"),
        ("毛重（公斤）", "abc", "not_a_number"),
        ("日期", "2030-01-01", "future_date"),
        ("等级", "五级", "unknown_grade"),
        ("合同编号", "NO-SUCH", "unknown_contract"),
        ("日期", "2018-06-01", "outside_window"),
    ],
)
def test_each_bad_cell_has_its_message_and_writes_nothing(
    demo: Path, exported: dict[str, Path], column: str, value: str, code: str
) -> None:
    data = _slips_with(exported, 2, column, value)
    with Store.open(demo) as store:
        before = _snapshot(store)
        report = import_file(store, data, "slips", commit=True, today=TODAY)
        assert [p.code for p in report.problems] == [code]
        assert report.messages("zh")[0] and report.messages("en")[0]
        assert _snapshot(store) == before


def test_duplicate_rows_and_bad_files_write_nothing(demo: Path, exported: dict[str, Path]) -> None:
    text = exported["slips"].read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    duplicated = "\r\n".join([*lines, lines[1]]).encode()
    missing = "\r\n".join(",".join(line.split(",")[:3]) for line in lines).encode()
    cases = {
        "duplicate_row": duplicated,
        "empty_file": b"",
        "missing_column": missing,
        "truncated_quote": text.encode() + b'N1,"SZ',
    }
    with Store.open(demo) as store:
        before = _snapshot(store)
        for code, data in cases.items():
            report = import_file(store, data, "slips", commit=True, today=TODAY)
            assert code in [p.code for p in report.problems], (code, report.messages("en"))
        assert _snapshot(store) == before


def test_a_slip_that_conflicts_with_a_stored_one_is_refused(
    demo: Path, exported: dict[str, Path]
) -> None:
    text = exported["slips"].read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][3] = str(float(rows[1][3]) + 1)  # same receipt number, another weight
    out = io.StringIO()
    csv.writer(out).writerows(rows[:2])
    with Store.open(demo) as store:
        report = import_file(store, out.getvalue().encode(), "slips", commit=True, today=TODAY)
        assert [p.code for p in report.problems] == ["already_recorded"]


def test_overpayment_in_a_file_is_refused(demo: Path) -> None:
    with Store.open(demo) as store:
        settled = next(s for s in store.settle(2018) if s.totals.balance > 10)
        balance = settled.totals.balance
        header = "付款流水号,农户身份证号,年度,付款日期,金额（元）\n"
        ok = f"T1,{settled.household_id},2018,2019-05-01,{balance - 10:.2f}\n"
        over = f"T2,{settled.household_id},2018,2019-05-02,10.01\n"
        before = _snapshot(store)
        report = import_file(
            store, (header + ok + over).encode(), "payments", commit=True, today=TODAY
        )
        assert [(p.row, p.code) for p in report.problems] == [(3, "overpayment")]
        assert _snapshot(store) == before
        report = import_file(store, (header + ok).encode(), "payments", commit=True, today=TODAY)
        assert report.committed and report.added == 1
        assert store.totals(settled.household_id, 2018).balance == 10


@pytest.mark.parametrize("header", ["付款流水号", "付款凭证号", "凭证号"])
def test_a_payment_file_may_head_its_reference_as_the_page_words_it(
    demo: Path, header: str
) -> None:
    with Store.open(demo) as store:
        settled = next(s for s in store.settle(2018) if s.totals.balance > 10)
        text = f"{header},农户身份证号,年度,付款日期,金额（元）\nV1,{settled.household_id},2018,2019-05-01,10\n"
        report = import_file(store, text.encode(), "payments", commit=True, today=TODAY)
        assert report.committed and report.added == 1 and not report.ignored_columns
        assert [p.reference for p in store.payments(household_id=settled.household_id)][-1] == "V1"


def test_skip_invalid_writes_good_rows_and_returns_the_rest(
    demo: Path, exported: dict[str, Path], tmp_path: Path
) -> None:
    source = tmp_path / "day.csv"
    source.write_bytes(_slips_with(exported, 2, "毛重（公斤）", "abc"))
    with Store.open(demo) as store:
        before = store.counts()["deliveries"]
        report = import_file(store, source, "slips", commit=True, skip_invalid=True, today=TODAY)
        assert report.committed and report.invalid == 1
        assert report.added == report.rows - 1
        assert store.counts()["deliveries"] == before + report.rows - 1
        assert report.rejects == tmp_path / "day.rejected.csv"
        rows = list(csv.reader(io.StringIO(report.rejects.read_text(encoding="utf-8-sig"))))
        assert rows[0][-1] == "错误" and len(rows) == 2
        assert "不是有效数字" in rows[1][-1]
        # fix the cell and import the rejects file: the row goes in, the error column is ignored
        rows[1][rows[0].index("毛重（公斤）")] = "100"
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        report.rejects.write_text(out.getvalue(), encoding="utf-8-sig")
        again = import_file(store, report.rejects, "slips", commit=True, today=TODAY)
        assert again.ok and again.added == 1
        assert store.counts()["deliveries"] == before + report.rows
        assert store.verify().ok


def test_full_exports_are_audited_and_masked_ones_hide_ids(demo: Path) -> None:
    with Store.open(demo) as store:
        head = store.audit_head()
        out = io.BytesIO()
        write_csv(export_table(store, "bank", season=2018), out)
        masked = out.getvalue().decode("utf-8-sig")
        assert store.audit_head() == head
        homes = store.households()
        for home in homes:
            assert home.resident_id not in masked
            if home.account:
                assert home.account not in masked
        row = next(csv.reader(io.StringIO(masked.splitlines()[1])))
        assert row[2][6:14] == "********" and len(row[2]) == 18
        write_csv(export_table(store, "bank", season=2018, full=True, actor="会计"), io.BytesIO())
        seq, _ = store.audit_head()
        (entry,) = store.audit_log(since=seq - 1)
        assert (entry.action, entry.actor, entry.ref) == ("export_full", "会计", "bank")
        assert store.verify().ok


@pytest.mark.parametrize("what", sorted(EXPORTS))
def test_every_export_writes_csv_and_xlsx(demo_db: Path, tmp_path: Path, what: str) -> None:
    with Store.open(demo_db) as store:
        write_csv(export_table(store, what, season=2018), tmp_path / f"{what}.csv")
        write_xlsx(export_table(store, what, season=2018), tmp_path / f"{what}.xlsx")
    text = (tmp_path / f"{what}.csv").read_text(encoding="utf-8-sig")
    assert len(text.splitlines()) > 1
    if what != "audit":
        sheet = openpyxl.load_workbook(tmp_path / f"{what}.xlsx").active
        money = [c for c in sheet[2] if c.number_format == "0.00"]
        assert all(c.data_type == "n" for c in money)


def test_a_slip_on_a_day_without_a_market_price_is_refused(
    demo: Path, exported: dict[str, Path]
) -> None:
    rows = list(csv.reader(io.StringIO(exported["slips"].read_text(encoding="utf-8-sig"))))
    last = rows[-1]
    day = dt.date.fromisoformat(last[2]) - dt.timedelta(days=1)  # not a market day
    last[0], last[2] = "NEW-1", day.isoformat()
    out = io.StringIO()
    csv.writer(out).writerows([rows[0], last])
    with Store.open(demo) as store:
        before = _snapshot(store)
        report = import_file(store, out.getvalue().encode(), "slips", commit=True, today=TODAY)
        (problem,) = report.problems
        assert problem.code.startswith("market_needed") and problem.column == "grade"
        assert "市场价" in problem.message("zh")
        assert _snapshot(store) == before


def test_rejects_can_go_to_a_stream_in_the_source_format(
    demo: Path, exported: dict[str, Path], tmp_path: Path
) -> None:
    bad = _slips_with(exported, 2, "等级", "五级")
    rows = list(csv.reader(io.StringIO(bad.decode("gbk"))))
    sheet = openpyxl.Workbook()
    for row in rows:
        sheet.active.append(row)
    upload = io.BytesIO()
    sheet.save(upload)
    rejected = io.BytesIO()
    with Store.open(demo) as store:
        report = import_file(
            store,
            upload.getvalue(),
            "slips",
            commit=True,
            skip_invalid=True,
            rejects=rejected,
            today=TODAY,
        )
    assert report.committed and report.invalid == 1 and report.rejects is None
    back = openpyxl.load_workbook(io.BytesIO(rejected.getvalue())).active
    values = list(back.iter_rows(values_only=True))
    assert values[0][-1] == "错误" and values[1][5] == "五级" and "五级" in values[1][-1]
    assert back.title == "问题行"  # the sheet named in the report's language


def test_a_dry_run_of_several_files_sees_what_earlier_files_add(
    exported: dict[str, Path], scratch: Path
) -> None:
    from orderfarm.io.loading import Pending

    with Store.open(scratch / "empty.db") as store:
        alone = import_file(store, exported["contracts"], "contracts", today=TODAY)
        assert {p.code for p in alone.problems} == {"unknown_household", "unknown_enterprise"}
        pending = Pending()
        for kind in ORDER[:-1]:  # payments are checked against stored balances only
            report = import_file(store, exported[kind], kind, today=TODAY, pending=pending)
            assert report.ok and report.dry_run, (kind, report.messages("en")[:3])
        assert store.counts()["households"] == 0 and store.audit_head()[0] == 0


def test_a_viewer_may_not_export_in_full(demo: Path) -> None:
    from orderfarm.auth import PermissionDenied, generate_password
    from orderfarm.store.users import add_user

    with Store.open(demo) as store:
        add_user(store, "viewer1", "viewer", generate_password(), actor="script")
        head = store.audit_head()
        with pytest.raises(PermissionDenied):
            export_table(store, "bank", season=2018, full=True, actor="viewer1")
        assert store.audit_head() == head
        masked = export_table(store, "bank", season=2018, actor="viewer1")
        assert all("*" in str(row[2]) for row in masked.rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_template_filled_in_excel_imports(demo: Path, tmp_path: Path, lang: str) -> None:
    import openpyxl

    from orderfarm.io import RECORD_TYPES
    from orderfarm.io.exporting import template_table
    from orderfarm.io.writers import write_table

    path = write_table(template_table("households"), tmp_path / "农户.xlsx", lang=lang)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert sheet.title == ("农户" if lang == "zh" else "households")
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == RECORD_TYPES["households"].headers(lang)
    assert sheet.max_row == 1  # headers only
    row = {"head_name": "张三", "resident_id": "11010519491231002X", "township": "大荆镇"}
    row["village"] = "东沟村"
    keys = [c.key for c in RECORD_TYPES["households"].columns]
    sheet.append([row.get(key) for key in keys])
    book.save(path)
    with Store.open(demo) as store:
        report = import_file(store, path, "households", commit=True, today=TODAY)
        assert report.committed and report.added == 1, report.messages("en")
        assert store.household("11010519491231002X").head_name == "张三"


def test_masked_exports_hide_phones_and_full_ones_show_them(demo: Path, tmp_path: Path) -> None:
    """The households and audit exports show a phone's last 4 digits only, as the page shows
    them to a viewer; so do a payment's note and the statements written from it."""
    import attrs

    with Store.open(demo) as store:
        homes = [h for h in store.households() if h.phone]
        moved = attrs.evolve(homes[0], phone="13800138000", village="新村")
        store.update_household(moved)  # the audit keeps the phone before and after
        payee = next(s for s in store.settle(2018) if s.totals.balance > 10)
        note = f"电话 15991234567，代领人 {homes[1].resident_id}"
        store.record_payment(payee.household_id, 2018, D("1.00"), TODAY, "P-NOTE", note=note)
        phones = {h.phone for h in store.households() if h.phone} | {"15991234567"}
        phones |= {h.phone for h in homes}
        for what in ("households", "audit", "payments", "statements"):
            masked = tmp_path / f"{what}.csv"
            write_csv(export_table(store, what, season=2018), masked)
            text = masked.read_text(encoding="utf-8-sig")
            assert not [p for p in phones if p in text], what
            assert homes[1].resident_id not in text, what
        text = (tmp_path / "households.csv").read_text(encoding="utf-8-sig")
        assert ",*******8000," in text  # the last 4, as the page masks it
        assert "电话 *******4567，代领人 " in (tmp_path / "payments.csv").read_text("utf-8-sig")
        full = tmp_path / "households-full.csv"
        write_csv(export_table(store, "households", full=True), full)
        assert ",13800138000," in full.read_text(encoding="utf-8-sig")
        audit = tmp_path / "audit-full.csv"
        write_csv(export_table(store, "audit", full=True), audit)
        assert "13800138000" in audit.read_text(encoding="utf-8-sig")


def test_masked_exports_hide_an_account_and_grouped_numbers_written_in_a_note(
    demo: Path, tmp_path: Path
) -> None:
    """A clerk writes the account, the phone and the ID of whoever collected the money in a
    payment's note, with the spaces they were read out with: no masked export shows them."""
    note = "卡号6230128263167863520 电话 183 9502 8326 身份证 611002 19610315 557X"
    secrets = ["6230128263167863520", "183 9502 8326", "19610315", "8263167863"]
    with Store.open(demo) as store:
        payee = next(s for s in store.settle(2018) if s.totals.balance > 10)
        store.record_payment(payee.household_id, 2018, D("1.00"), TODAY, "P-NOTE", note=note)
        for what in ("payments", "statements", "audit"):
            masked = tmp_path / f"{what}.csv"
            write_csv(export_table(store, what, season=2018), masked)
            text = masked.read_text(encoding="utf-8-sig")
            assert "卡号***************3520 电话 *******8326 身份证 611002********557X" in text
            assert not [s for s in secrets if s in text], what
        full = tmp_path / "payments-full.csv"
        write_csv(export_table(store, "payments", season=2018, full=True), full)
        assert note in full.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_masked_export_imported_says_its_numbers_are_masked(
    demo_db: Path, scratch: Path, lang: str
) -> None:
    """An export without full numbers is for reading: importing it says why it cannot be,
    not that the ID 'has invalid characters'."""
    folder = scratch / "masked"
    folder.mkdir()
    with Store.open(demo_db) as store:
        for kind in ("enterprises", "households", "contracts"):
            write_csv(export_table(store, kind), folder / f"{kind}.csv")
        phones = sum(1 for h in store.households() if h.phone)
        accounts = sum(1 for h in store.households() if h.account)
    with Store.open(scratch / "fresh.db") as fresh:
        assert import_file(fresh, folder / "enterprises.csv", "enterprises", commit=True).ok
        homes = import_file(fresh, folder / "households.csv", "households", lang=lang)
        codes = [(p.column, p.code) for p in homes.problems]
        assert codes.count(("resident_id", "id_masked")) == homes.rows == homes.invalid
        assert codes.count(("account", "account_masked")) == accounts
        assert codes.count(("phone", "phone_masked")) == phones
        assert len(codes) == homes.rows + accounts + phones  # nothing else is said
        said = homes.messages(lang)[0]
        if lang == "zh":
            assert said.startswith("第 2 行「身份证号」（值「")
            assert said.endswith("」）：身份证号已打码（导出时未选完整身份证号），不能导入")
        else:
            assert said.endswith(
                ": the resident ID is masked (exported without full IDs); it cannot be imported"
            )
        contracts = import_file(fresh, folder / "contracts.csv", "contracts", lang=lang)
        assert {(p.column, p.code) for p in contracts.problems} == {("household_id", "id_masked")}
        assert fresh.counts()["households"] == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_statements_export_is_written_in_one_language(
    demo_db: Path, tmp_path: Path, fmt: str
) -> None:
    from orderfarm.io.writers import write_table

    def lines(lang: str) -> list[dict[str, str]]:
        with Store.open(demo_db) as store:
            table = export_table(store, "statements", season=2018)
            path = write_table(table, tmp_path / f"statements-{lang}.{fmt}", lang=lang)
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        else:
            sheet = openpyxl.load_workbook(path, read_only=True).active
            rows = [[str(c or "") for c in row] for row in sheet.iter_rows(values_only=True)]
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]

    zh, en = lines("zh"), lines("en")
    assert {r["类别"] for r in zh} == {"交售", "垫付投入品", "付款"}
    assert {r["line"] for r in en} == {"delivery", "input on advance", "payment"}
    said_zh = [r["摘要"] for r in zh if r["类别"] == "交售"]
    said_en = [r["description"] for r in en if r["line"] == "delivery"]
    assert any("净重" in d for d in said_zh) and any(" net " in d for d in said_en)
    assert any("拒收" in d for d in said_zh) and any("rejected" in d for d in said_en)
    for d in said_zh:
        assert " / " not in d and "net" not in d and "rejected" not in d, d
    for d in said_en:
        assert " / " not in d and "净重" not in d and "拒收" not in d, d


def test_a_dry_run_counts_the_rows_already_recorded_as_the_import_does(
    demo: Path, exported: dict[str, Path]
) -> None:
    from orderfarm.io.loading import Pending

    with Store.open(demo) as store:
        before = _snapshot(store)
        for kind in ORDER:
            checked = import_file(store, exported[kind], kind, today=TODAY)
            assert checked.ok and checked.existing == checked.rows > 0, kind
            summary = checked.summary("zh")
            assert (
                f"试运行，未写入；其中 {checked.rows} 行已登记且内容相同，导入时不再写入" in summary
            )
            assert f"{checked.rows} already recorded with the same data" in checked.summary("en")
        assert _snapshot(store) == before
        # slips: the quick path (a file of plain slips) and the general checks say the same
        text = exported["slips"].read_text(encoding="utf-8-sig")
        lines = text.splitlines()
        new = [
            ",".join(["NEW-" + line.split(",", 1)[0], line.split(",", 1)[1]]) for line in lines[1:4]
        ]
        data = "\r\n".join([*lines, *new]).encode()
        quick = import_file(store, data, "slips", today=TODAY)
        general = import_file(store, data, "slips", today=TODAY, pending=Pending())
        assert quick.ok and (quick.rows, quick.existing) == (len(lines) + 2, len(lines) - 1)
        assert quick.summary("zh") == general.summary("zh")
        assert (quick.valid, quick.existing) == (general.valid, general.existing)
        committed = import_file(store, data, "slips", commit=True, today=TODAY)
        assert (committed.added, committed.existing) == (3, quick.existing)


def test_an_import_counts_its_own_rows_while_another_user_writes_the_same_table(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk registers a household on the page while a file of five is imported: the
    import says five added, not six (its count is taken in its own transaction)."""
    header = "户主姓名,身份证号,镇/街道办,村,组,电话,家庭人口,贫困状态,一卡通账号"
    rows = [
        f"导入户{i},{resident_id(800 + i)},北宽坪镇,广东坪村,一组,,3,建档立卡贫困户,"
        for i in range(5)
    ]
    data = "\r\n".join([header, *rows]).encode()
    holding, importing = threading.Event(), threading.Event()

    def clerk() -> None:  # writes while the import checks its file, commits as it writes
        with Store.open(demo) as other, other.transaction():
            other.add_household(household(850), actor="clerk")
            holding.set()
            importing.wait(30)

    with Store.open(demo) as store:
        opening = store.transaction

        def transaction() -> contextlib.AbstractContextManager[None]:
            importing.set()
            return opening()

        monkeypatch.setattr(store, "transaction", transaction)
        before = store.counts()["households"]
        page = threading.Thread(target=clerk)
        page.start()
        assert holding.wait(30)
        report = import_file(store, data, "households", commit=True, today=TODAY)
        page.join()
        assert report.committed and (report.added, report.existing) == (5, 0)
        assert "已写入 5 条" in report.summary("zh")
        assert store.counts()["households"] == before + 6


def test_a_slips_workbook_with_a_formula_saved_without_its_value_is_refused_and_says_why(
    demo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "slips.xlsx"
    with Store.open(demo) as store:
        write_xlsx(export_table(store, "slips", full=True), path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    row = [c.value for c in sheet[2]]
    # a new slip, its moisture computed by a formula (left out, it would read as 0)
    row[0], row[6] = "NEW-1", "=0.1+0.08"
    sheet.append(row)
    book.save(path)
    with Store.open(demo) as store:
        before = _snapshot(store)
        for commit in (False, True):
            report = import_file(store, path, "slips", commit=commit, today=TODAY)
            assert [(p.row, p.column, p.code) for p in report.problems] == [
                (sheet.max_row, "moisture", "formula_not_computed")
            ]
            assert "请先用 Excel 打开并保存" in report.messages("zh")[0]
        assert _snapshot(store) == before


def test_a_missing_column_is_named_by_its_chinese_header_in_the_problem_table(demo: Path) -> None:
    """The files page lists a file's problems with their column: in Chinese, the header the
    clerk sees (小票号), not the key (receipt_no)."""
    from orderfarm.io import validate_file

    text = "合同编号,日期,毛重（公斤）,皮重（公斤）,等级\nC1,2018-10-01,2,1,一级\n"
    with Store.open(demo) as store:
        for report in (
            import_file(store, text.encode(), "slips", today=TODAY),
            import_file(store, text.encode(), "slips", commit=True, today=TODAY),
            validate_file(text.encode(), "slips", today=TODAY),
        ):
            assert [(p.row, p.column, p.column_zh, p.code) for p in report.problems] == [
                (0, "receipt_no", "小票号", "missing_column")
            ]


def test_a_payment_dated_before_its_season_is_refused_in_a_file_and_by_the_store(
    demo: Path,
) -> None:
    from orderfarm.errors import ValidationError

    with Store.open(demo) as store:
        settled = next(s for s in store.settle(2018) if s.totals.balance > 10)
        header = "付款流水号,农户身份证号,年度,付款日期,金额（元）\n"
        early = f"E1,{settled.household_id},2018,2017-01-01,10\n"
        before = store.counts()["payments"]
        report = import_file(store, (header + early).encode(), "payments", commit=True)
        assert [(p.row, p.column, p.code) for p in report.problems] == [
            (2, "day", "paid_before_season")
        ]
        assert "2018 年度的付款日期为 2017-01-01，早于该年度" in report.messages("zh")[0]
        with pytest.raises(ValidationError) as caught:
            store.record_payment(settled.household_id, 2018, D("10"), dt.date(2017, 12, 31), "E2")
        assert caught.value.problems[0].code == "paid_before_season"
        assert store.counts()["payments"] == before


def test_a_contract_left_without_status_or_signing_date_is_named_as_a_draft(
    demo: Path, exported: dict[str, Path], tmp_path: Path
) -> None:
    """A contract row whose 状态 and 签约日期 are blank is written as a draft (nothing can be
    delivered under it yet): named to look at again, not silently."""
    with exported["contracts"].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, first = rows[0], rows[1]
    first[header.index("合同编号")] = "NEW-DRAFT-1"
    for column in ("状态", "签约日期"):
        first[header.index(column)] = ""
    source = tmp_path / "draft.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, first])
    with Store.open(demo) as store:
        report = import_file(store, source, "contracts", commit=True)
        assert report.committed and report.added == 1
        assert [(w.row, w.code) for w in report.warnings] == [(2, "contract_left_draft")]
        assert "按草稿导入" in report.warning_messages("zh")[0]
        assert store.contract("NEW-DRAFT-1").status.value == "draft"
