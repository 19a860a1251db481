"""A file of plain slips is written in one pass (``orderfarm.io.plain``); what it writes is
what ``Store.record_deliveries`` writes for the same slips, row for row, total for total."""

from __future__ import annotations

import csv
import datetime as dt
import random
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from orderfarm import ConflictError, D, PriceTerms, Store, Weighing
from orderfarm.io import RECORD_TYPES
from orderfarm.io.columns import record_type
from orderfarm.io.importing import ImportReport
from orderfarm.io.loading import Pending, StoreLookup, import_file
from orderfarm.io.plain import import_plain_slips
from orderfarm.store import Slip
from tests.test_store_support import chilli_contract, seeded, signed

TODAY = dt.date(2019, 6, 1)
SEASON = 2018
MARKET = {"一级": D("2.40"), "二级": D("1.10")}
#: columns the two paths write differently: who and when (and so the audit entry)
_WHEN = ("actor", "recorded_at", "audit_seq")

TERMS = [
    PriceTerms(floors={"一级": D("2.00"), "二级": D("1.50")}, market_linked=False),
    PriceTerms(floors={"一级": D("2.00")}, premium=D("0.05"), grades=("一级", "二级")),
    PriceTerms(
        floors={"一级": D("2.00"), "二级": D("1.50")},
        ceiling=D("2.30"),
        moisture_standard=D("0.14"),
        moisture_max=D("0.30"),
        quota_kg=D("120"),
    ),
    PriceTerms(floors={"一级": D("2.60"), "二级": D("1.50")}, quota_kg=D("55.55")),
]


def season(path: Path, households: int) -> None:
    """Households with one signed chilli contract each (``C-0`` …), their terms varied, and
    the market prices of the delivery days."""
    with Store.open(path) as store:
        for i, hh in enumerate(seeded(store, households)):
            signed(store, chilli_contract(f"C-{i}", hh, terms=TERMS[i % len(TERMS)]))
        for day in (dt.date(SEASON, 9, 1), dt.date(SEASON, 9, 2)):
            for grade, price in MARKET.items():
                # the same price written two ways (2.40, 2.4): each slip keeps its day's text
                given = price if day.day == 1 else price.normalize()
                store.set_market_price("chilli", "fresh", grade, day, given)


def slips(count: int, contracts: int, seed: int) -> list[list[str]]:
    """Rows of a slips file: weights with up to three decimals, moisture now and then (some
    above the standard, some above the maximum), impurity, two days, two grades."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        gross = Decimal(rng.randrange(2_000, 90_000)) / 1000
        tare = Decimal(rng.randrange(0, 1_900)) / 1000
        moisture = rng.choice(["", "", "0.1", "0.145", "0.2", "0.35"])
        impurity = rng.choice(["", "0.01", "0.025", "0"])
        rows.append(
            [
                f"R-{i:05d}",
                f"C-{rng.randrange(contracts)}",
                rng.choice(["2018-09-01", "2018-09-02"]),
                str(gross),
                str(tare),
                rng.choice(["一级", "二级"]),
                moisture,
                impurity,
                rng.choice(["大荆镇收购点", ""]),
            ]
        )
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(RECORD_TYPES["slips"].headers("zh"))
        out.writerows(rows)
    return path


def as_slips(rows: list[list[str]]) -> list[Slip]:
    return [
        Slip(
            contract,
            Weighing(
                gross_kg=D(gross),
                tare_kg=D(tare),
                grade=grade,
                moisture=D(moisture or "0"),
                impurity=D(impurity or "0"),
            ),
            dt.date.fromisoformat(day),
            receipt,
            point,
        )
        for receipt, contract, day, gross, tare, grade, moisture, impurity, point in rows
    ]


def table(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def deliveries(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM deliveries ORDER BY id").fetchall()
        return [tuple(r[k] for k in r.keys() if k not in _WHEN) for r in rows]  # noqa: SIM118


@pytest.mark.parametrize("seed", [1, 2])
def test_a_plain_file_writes_what_record_deliveries_writes(tmp_path: Path, seed: int) -> None:
    rows = slips(900, 12, seed)
    source = write(tmp_path / "slips.csv", rows)
    plain, general = tmp_path / "plain.db", tmp_path / "general.db"
    season(plain, 12)
    season(general, 12)
    with Store.open(plain) as store:
        report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=128)
        assert report.committed and report.ok, report.messages("en")[:3]
        assert (report.rows, report.added, report.existing) == (900, 900, 0)
        assert store.verify().ok
        settled_plain = store.settle(SEASON)
    with Store.open(general) as store:
        store.record_deliveries(as_slips(rows), batch_size=128)
        settled_general = store.settle(SEASON)
    assert deliveries(plain) == deliveries(general)
    assert any(r[17] == 0 for r in deliveries(plain)), "some lots are rejected for moisture"
    for totals in ("season_totals", "contract_totals"):
        sql = f"SELECT * FROM {totals} ORDER BY 1, 2"
        assert table(plain, sql) == table(general, sql)
    assert [s.totals for s in settled_plain] == [s.totals for s in settled_general]


def test_cells_in_other_forms_are_read_as_the_general_converter_reads_them(
    tmp_path: Path,
) -> None:
    rows = slips(40, 4, 3)
    typed = [list(r) for r in rows]
    typed[5][3] = f" {typed[5][3]} "  # spaces around a weight
    typed[6][6] = "35%"  # a rate as a percentage
    typed[7][2] = "2018/9/1"  # another way to write a day
    typed[8][3] = "１２.５"  # full-width digits
    rows[5][3] = rows[5][3].strip()
    rows[6][6] = "0.35"
    rows[7][2] = "2018-09-01"
    rows[8][3] = "12.5"
    plain, general = tmp_path / "plain.db", tmp_path / "general.db"
    season(plain, 4)
    season(general, 4)
    with Store.open(plain) as store:
        report = import_file(store, write(tmp_path / "typed.csv", typed), "slips", commit=True)
        assert report.committed and report.added == 40
    with Store.open(general) as store:
        store.record_deliveries(as_slips(rows))
    assert deliveries(plain) == deliveries(general)


@pytest.mark.parametrize("how", [str.lower, lambda n: n.translate(_WIDE)], ids=["case", "width"])
def test_contract_numbers_typed_otherwise_late_in_the_file_are_their_contracts(
    tmp_path: Path, how: Callable[[str], str]
) -> None:
    """Typed otherwise only after the first batches, so a contract is read again under its
    other spelling with the kg of the file's earlier slips still to count for its quota."""
    rows = slips(300, 6, 6)
    typed = [list(r) for r in rows]
    for r in typed[150:]:
        r[1] = how(r[1])
    plain, general = tmp_path / "plain.db", tmp_path / "general.db"
    season(plain, 6)
    season(general, 6)
    source = write(tmp_path / "typed.csv", typed)
    with Store.open(plain) as store:
        report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=32)
        assert report.committed and report.added == 300, report.messages("en")[:3]
        again = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=32)
        assert (again.committed, again.added, again.existing) == (True, 0, 300)
        assert store.verify().ok
    with Store.open(general) as store:
        store.record_deliveries(as_slips(rows), batch_size=32)
    assert deliveries(plain) == deliveries(general)
    sql = "SELECT * FROM contract_totals ORDER BY 1"
    assert table(plain, sql) == table(general, sql)


#: ASCII to its full-width forms (Ｃ－３, as an IME may type it)
_WIDE = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def test_importing_the_same_file_again_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    season(db, 6)
    source = write(tmp_path / "slips.csv", slips(300, 6, 4))
    with Store.open(db) as store:
        first = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=64)
        audit = store.counts()["audit"]
        again = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=64)
        assert (first.added, again.added, again.existing) == (300, 0, 300)
        assert again.committed and store.counts()["audit"] == audit
        assert store.verify().ok


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda rows: rows[250].__setitem__(0, rows[10][0]), "receipt_no", "duplicate_key"),
        (lambda rows: rows[250].__setitem__(1, "C-99"), "contract_no", "unknown_contract"),
        (lambda rows: rows[250].__setitem__(2, "2018-12-25"), "day", "outside_window"),
        (lambda rows: rows[250].__setitem__(4, "99"), "tare_kg", "tare_not_below_gross"),
    ],
)
@pytest.mark.parametrize("commit", [True, False], ids=["import", "dry run"])
def test_a_problem_late_in_the_file_writes_nothing_and_is_named(
    tmp_path: Path, change: object, field: str, code: str, commit: bool
) -> None:
    """Batches of 50 put the repeated receipt in another batch than its first."""
    db = tmp_path / "store.db"
    season(db, 6)
    rows = slips(300, 6, 5)
    change(rows)  # type: ignore[operator]
    source = write(tmp_path / "bad.csv", rows)
    with Store.open(db) as store:
        before = store.counts()
        report = import_file(store, source, "slips", commit=commit, today=TODAY, batch_size=50)
        assert not report.committed
        assert [(p.row, p.column, p.problem.code) for p in report.problems] == [(252, field, code)]
        assert store.counts() == before
        if not commit:  # the quick path left the file to the general checks: the same report
            assert _quick_check(store, source, 50) is None
            assert _report(report) == _report(_general_check(store, source, 50))


def test_foreign_keys_are_enforced_again_after_an_import(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    season(db, 3)
    good = write(tmp_path / "good.csv", slips(30, 3, 6))
    bad_rows = slips(30, 3, 7)
    bad_rows[20][1] = "C-404"
    bad = write(tmp_path / "bad.csv", bad_rows)
    with Store.open(db) as store:
        for source, committed in ((bad, False), (good, True)):
            report = import_file(store, source, "slips", commit=True, today=TODAY)
            assert report.committed is committed
            flag = store._db.connection().execute("PRAGMA foreign_keys").fetchone()[0]
            assert flag == 1


def _report(report: ImportReport) -> tuple[object, ...]:
    problems = [(p.row, p.column, p.problem.code) for p in report.problems]
    warnings = [(w.row, w.column, w.value, w.problem.code) for w in report.warnings]
    fields = (report.rows, report.valid, report.invalid, report.added, report.existing)
    return (*fields, report.dry_run, report.committed, problems, warnings, report.summary("en"))


def _general_check(store: Store, source: Path, batch_size: int) -> ImportReport:
    """The general checks alone: a dry run given a ``Pending`` (for several files) never
    takes the quick path."""
    return import_file(
        store, source, "slips", today=TODAY, batch_size=batch_size, pending=Pending()
    )


def _quick_check(store: Store, source: Path, batch_size: int) -> ImportReport | None:
    """The quick path's dry run itself: its report, or ``None`` when it left the file to the
    general checks."""
    return import_plain_slips(
        store,
        source,
        record_type("slips"),
        today=TODAY,
        catalog=store.catalog,
        lookup=StoreLookup(store, None),
        actor="test",
        batch_size=batch_size,
        format=None,
        sheet=None,
        commit=False,
    )


def test_a_dry_run_of_a_plain_file_takes_the_quick_path_reports_as_the_checks_and_writes_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "store.db"
    season(db, 12)
    source = write(tmp_path / "slips.csv", slips(900, 12, 1))
    with Store.open(db) as store:
        for _ in ("before the file is written", "after"):
            before = (store.counts(), store.audit_head())
            quick = _quick_check(store, source, 128)
            assert quick is not None
            checked = import_file(store, source, "slips", today=TODAY, batch_size=128)
            assert _report(quick) == _report(checked) == _report(_general_check(store, source, 128))
            assert checked.ok and checked.dry_run and checked.added == 0
            # after the file is written, the dry run finds every row recorded already
            assert checked.existing == (0 if not store.counts()["deliveries"] else 900)
            assert (store.counts(), store.audit_head()) == before
            report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=128)
            assert report.committed
        assert store.verify().ok


def test_a_dry_run_goes_on_while_another_writer_holds_the_store(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    season(db, 6)
    source = write(tmp_path / "slips.csv", slips(300, 6, 8))
    with Store.open(db, busy_timeout=0.2, patience=0.5) as store:
        writer = sqlite3.connect(db, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
            quick = _quick_check(store, source, 64)
            assert quick is not None and quick.ok and quick.rows == 300
        finally:
            writer.execute("ROLLBACK")
            writer.close()


def test_a_lot_of_no_weight_or_above_5_t_is_written_and_named_to_check_by_both_paths(
    tmp_path: Path,
) -> None:
    rows = slips(60, 4, 5)
    for row in rows:  # moisture measured on every lot: the weights alone are questioned here
        row[6] = row[6] or "0.1"
    rows[10][3:5] = ["99999", "1"]  # an extra digit
    rows[11][3:5] = ["0.004", "0"]  # no weight to the 0.01 kg
    rows[12][3:5] = [" 6000.5 ", "0.5"]  # a cell the general converter reads
    db = tmp_path / "store.db"
    season(db, 4)
    # a blank line before them: rows are numbered as in the file (the header is row 1)
    source = write(tmp_path / "slips.csv", [*rows[:5], [], *rows[5:]])
    expected = [
        (13, "gross_kg", "99999", "lot_unusual"),
        (14, "gross_kg", "0.004", "lot_weighs_nothing"),
        (15, "gross_kg", " 6000.5 ", "lot_unusual"),
    ]
    with Store.open(db) as store:
        quick = _quick_check(store, source, 16)
        assert quick is not None
        general = _general_check(store, source, 16)
        assert _report(quick) == _report(general)
        assert [(w.row, w.column, w.value, w.problem.code) for w in quick.warnings] == expected
        assert quick.ok  # a warning does not stop the file
        assert "3 value(s) to check" in quick.summary("en")
        assert "3 处数值请核对" in quick.summary("zh")
        said = quick.warning_messages("zh")
        assert said[0] == (
            "第 13 行「毛重（公斤）」（值「99999」）：一张小票毛重减皮重为 99,998 kg，"
            "超过 5,000 kg：请核对毛重是否多打了位数"
        )
        assert said[1].endswith("毛重减皮重为 0.004 kg，不足 0.01 kg：请核对毛重和皮重")
        report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=16)
        assert report.committed and report.added == 60
        assert [w.row for w in report.warnings] == [13, 14, 15]
        lot = store.find_delivery(store.contract(rows[10][1]).enterprise_uscc, SEASON, "R-00010")
        assert lot is not None and lot.quote.net_kg > 5000


def test_a_lot_with_no_moisture_under_a_moisture_standard_is_named_by_both_paths(
    tmp_path: Path,
) -> None:
    rows = slips(120, 8, 6)
    db = tmp_path / "store.db"
    season(db, 8)
    source = write(tmp_path / "slips.csv", rows)
    # contracts C-2 and C-6 have the terms with a moisture standard (TERMS[2])
    expected = [
        n + 2
        for n, row in enumerate(rows)
        if TERMS[int(row[1][2:]) % len(TERMS)].moisture_standard is not None and not row[6]
    ]
    assert expected  # the generated file has such lots
    with Store.open(db) as store:
        quick = _quick_check(store, source, 16)
        assert quick is not None
        general = _general_check(store, source, 16)
        assert _report(quick) == _report(general)
        named = [w.row for w in quick.warnings if w.code == "dried_lot_no_moisture"]
        assert named == expected
        assert (
            "未填水分（或为 0）：按 0% 计，不扣水（合同水分标准 14%）"
            in (quick.warning_messages("zh")[0])
        )
        report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=16)
        assert report.committed and report.added == 120
        assert [w.row for w in report.warnings if w.code == "dried_lot_no_moisture"] == expected


@pytest.mark.parametrize(("first", "then"), [("0001", "1"), ("7", "007")])
def test_a_receipt_whose_zeros_a_spreadsheet_dropped_is_the_slip_recorded(
    tmp_path: Path, first: str, then: str
) -> None:
    """Imported from a CSV as 0001, then from an XLSX where Excel made it 1: one slip, not
    two paid twice; with other weights the second is refused under the receipt recorded."""
    db = tmp_path / "store.db"
    season(db, 2)
    rows = slips(2, 2, 8)
    rows[0][0], rows[1][0] = first, "R-9"
    again = [list(r) for r in rows]
    again[0][0] = then
    with Store.open(db) as store:
        assert import_file(store, write(tmp_path / "a.csv", rows), "slips", commit=True).added == 2
        for commit in (False, True):
            report = import_file(store, write(tmp_path / "b.csv", again), "slips", commit=commit)
            assert report.ok and (report.added, report.existing) == (0, 2)
        assert len(store.deliveries()) == 2
        assert store.record_deliveries(as_slips(again)).existing == 2  # the general path too
        changed = [list(r) for r in again]
        changed[0][3] = "99.5"
        report = import_file(store, write(tmp_path / "c.csv", changed), "slips", commit=True)
        assert not report.committed and len(store.deliveries()) == 2
        assert f"「{then}」已登记且内容不同（{first} C-0" in report.messages("zh")[0]


def test_one_receipt_twice_in_a_file_with_other_zeros_is_named(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    season(db, 2)
    rows = slips(3, 2, 9)
    rows[0][0], rows[1][0], rows[2][0] = "0001", "0002", "1"
    with Store.open(db) as store:
        report = import_file(store, write(tmp_path / "a.csv", rows), "slips", commit=True)
        assert not report.committed and store.deliveries() == []
        assert [(p.row, p.column) for p in report.problems] == [(4, "receipt_no")]


def test_a_grade_without_a_floor_in_hand_written_terms_is_priced_alike_by_both_paths(
    tmp_path: Path,
) -> None:
    rows = slips(60, 4, 10)
    for r in rows[::3]:
        r[5] = "等外"
    plain, general = tmp_path / "plain.db", tmp_path / "general.db"
    for db in (plain, general):
        season(db, 4)
        with Store.open(db) as store:
            for day in (dt.date(SEASON, 9, 1), dt.date(SEASON, 9, 2)):
                store.set_market_price("chilli", "fresh", "等外", day, D("0.80"))
    with Store.open(plain) as store:
        report = import_file(store, write(tmp_path / "s.csv", rows), "slips", commit=True)
        assert report.committed and report.added == 60, report.messages("zh")[:3]
        assert store.verify().ok
    with Store.open(general) as store:
        store.record_deliveries(as_slips(rows))
    assert deliveries(plain) == deliveries(general)
    assert any(r[11] == "等外" for r in deliveries(plain))


def test_one_slip_twice_in_a_batch_with_other_zeros_is_recorded_once(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    season(db, 2)
    rows = slips(2, 2, 11)
    rows[0][0] = "0001"
    rows[1] = [*rows[0]]
    rows[1][0] = "1"
    with Store.open(db) as store:
        result = store.record_deliveries(as_slips(rows))
        assert (result.recorded, result.existing) == (1, 1)
        other = [list(r) for r in rows[:1]]
        other[0][0], other[0][3] = "01", "77.7"
        with pytest.raises(ConflictError):
            store.record_deliveries(as_slips(rows[:1] + other))
        assert len(store.deliveries()) == 1


def test_the_general_paths_dry_run_says_what_its_import_does_with_other_zeros(
    tmp_path: Path,
) -> None:
    """A header in 斤 sends the file to the general checks: its dry run and its import agree
    on a receipt recorded with other zeros, the same slip or another."""
    db = tmp_path / "store.db"
    season(db, 2)
    rows = slips(1, 2, 12)
    rows[0][0] = "0001"
    with Store.open(db) as store:
        assert import_file(store, write(tmp_path / "a.csv", rows), "slips", commit=True).added == 1
        jin = [[*rows[0]]]
        jin[0][0] = "1"
        jin[0][3] = str(D(jin[0][3]) * 2)  # the same gross, written in 斤
        jin[0][4] = str(D(jin[0][4]) * 2)
        header = RECORD_TYPES["slips"].headers("zh")
        header[3], header[4] = "毛重（斤）", "皮重（斤）"
        source = tmp_path / "jin.csv"
        with source.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *jin])
        for commit in (False, True):
            report = import_file(store, source, "slips", commit=commit)
            assert report.ok and (report.added, report.existing) == (0, 1), report.messages()
        jin[0][3] = "300"  # other weights under the receipt recorded as 0001
        with source.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *jin])
        for commit in (False, True):
            report = import_file(store, source, "slips", commit=commit)
            assert not report.ok and "「1」已登记且内容不同（0001 C-" in report.messages("zh")[0]
        assert len(store.deliveries()) == 1


def test_a_lot_heavier_than_its_contracts_whole_harvest_is_named_by_both_paths(
    tmp_path: Path,
) -> None:
    """Each contract is 2 mu of fresh chilli (at most 2,000 kg a mu): a lot of more than
    4,000 kg is named to look at again (and written), one of 4,000 kg is not, and one above
    5 t is named for that alone."""
    db = tmp_path / "store.db"
    season(db, 4)
    rows = slips(20, 4, 9)
    rows[3][1], rows[3][3:5], rows[3][6] = "C-2", ["4100.5", "1"], ""  # 4,099.5 kg, no moisture
    rows[5][3:5] = ["4001", "1"]  # 4,000 kg: the whole harvest, not more
    rows[7][3:5] = ["6000", "1"]  # above 5 t
    source = write(tmp_path / "slips.csv", rows)
    with Store.open(db) as store:
        quick = _quick_check(store, source, 8)
        assert quick is not None
        general = _general_check(store, source, 8)
        assert _report(quick) == _report(general)
        codes = [(w.row, w.code) for w in quick.warnings if w.code.startswith("lot_")]
        assert codes == [(5, "lot_above_harvest"), (9, "lot_unusual")]
        said = quick.warning_messages("zh")
        assert any("超过该合同全部预计产量（2 亩 × 2000 kg/亩 = 4,000.00 kg）" in m for m in said)
        assert [w.code for w in quick.warnings if w.row == 5] == [
            "lot_above_harvest",
            "dried_lot_no_moisture",
        ]  # a row's weight, then its moisture, by either path
        report = import_file(store, source, "slips", commit=True, today=TODAY, batch_size=8)
        assert report.committed and report.added == 20
        assert [(w.row, w.code) for w in report.warnings if w.code.startswith("lot_")] == codes
        # the file read again: every slip recorded already, and named all the same
        again = _quick_check(store, source, 8)
        assert again is not None and again.existing == 20
        assert _report(again) == _report(_general_check(store, source, 8))
        assert [(w.row, w.code) for w in again.warnings if w.code.startswith("lot_")] == codes
