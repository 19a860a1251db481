"""Paying a season from files: a bank's transfer returned and voided, then its file imported
again, is said to be voided (not counted as paid), and the bank list then lists it again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from orderfarm.cli import build_demo_file, main
from orderfarm.io.loading import import_file
from orderfarm.store import Store

TODAY = dt.date(2019, 6, 1)
HEADER = "付款流水号,农户身份证号,年度,付款日期,金额（元）,备注\n"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_file(path, seed=7, households=24)
    return path


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "season.db"
    shutil.copy(demo_db, copy)
    return copy


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*args, "--lang", "zh"], out=out)
    return code, out.getvalue()


def _bank(db: Path, folder: Path) -> dict[str, Decimal]:
    """The bank list ``orderfarm settle --bank --full`` writes: amount by resident ID."""
    target = folder / "bank.csv"
    code, _ = _cli("settle", "--db", str(db), "--season", "2018", "--bank", str(target), "--full")
    assert code == 0
    with target.open(encoding="utf-8-sig", newline="") as f:
        return {r["身份证号"]: Decimal(r["金额（元）"]) for r in csv.DictReader(f)}


def test_a_returned_transfer_voided_then_its_file_imported_again_is_said_voided(
    demo: Path, tmp_path: Path
) -> None:
    with Store.open(demo) as store:
        owed = [s for s in store.settle(2018) if s.totals.balance > 1][:2]
    first, second = owed
    paid = tmp_path / "bank-return.csv"
    paid.write_text(
        HEADER
        + f"BK-0001,{first.household_id},2018,2019-05-10,{first.totals.balance},一卡通代发\n"
        + f"BK-0002,{second.household_id},2018,2019-05-10,{second.totals.balance},一卡通代发\n",
        encoding="utf-8-sig",
    )
    code, said = _cli("import", "payments", str(paid), "--db", str(demo), "--today", "2019-06-01")
    assert code == 0 and "已写入 2 条" in said, said
    assert first.household_id not in _bank(demo, tmp_path)
    # the bank returns the first transfer: wrong account
    with Store.open(demo) as store:
        (payment,) = [p for p in store.payments(season=2018) if p.reference == "BK-0001"]
        store.void_payment(payment.id, "银行退回：账号错误")
        before = store.counts(), store.audit_head()
    # the same file imported again adds nothing, and says the voided row is not paid
    code, said = _cli("import", "payments", str(paid), "--db", str(demo), "--today", "2019-06-01")
    assert code == 0, said
    assert "已写入 0 条，已存在 2 条" in said, said
    (line,) = [x for x in said.splitlines() if "BK-0001" in x]
    assert f"第 {payment.id} 号记录" in line and "作废" in line, line
    assert "银行退回：账号错误" in line and "付款流水号" in line, line
    assert not [x for x in said.splitlines() if "BK-0002" in x], said
    with Store.open(demo) as store:
        assert (store.counts(), store.audit_head()) == before
    # still owed: the bank list has it again, to the fen, and it is paid in cash
    assert _bank(demo, tmp_path)[first.household_id] == first.totals.balance
    with Store.open(demo) as store:
        store.record_payment(
            first.household_id, 2018, first.totals.balance, dt.date(2019, 5, 20), "XJ-0001"
        )
        assert store.totals(first.household_id, 2018).balance == 0
    assert first.household_id not in _bank(demo, tmp_path)


def test_a_dry_run_says_a_voided_supply_in_the_file_again(demo: Path) -> None:
    with Store.open(demo) as store:
        record = store.input_records(season=2018)[0]
        store.void_supply(record.id, "配发单录错")
        text = (
            "配发单号,合同编号,日期,投入品名称,数量,单位,单价（元）,结算方式\n"
            f"{record.reference},{record.contract_no},{record.day},{record.supply.item},"
            f"{record.supply.quantity},{record.supply.unit},{record.supply.unit_cost},"
            f"{record.supply.charge.zh}\n"
        )
        report = import_file(store, text.encode(), "supplies", today=TODAY)
        assert report.ok and report.existing == 1
        (warning,) = report.doubts
        assert warning.code == "recorded_voided" and warning.row == 2
        assert "配发单录错" in warning.message("zh")


@pytest.mark.parametrize(
    ("account", "warned"),
    [
        ("6230548164713380000", True),  # 6230548164713387220 saved by Excel under 0
        ("62305481647133800", True),
        ("6230548164713387220", False),
        ("6230548164713380", False),  # 16 digits: one in ten real accounts ends in 0
        ("6230 5481 6471 3380 000", True),
        ("", False),
    ],
)
def test_a_household_whose_account_excel_cut_is_named_to_check(
    demo: Path, tmp_path: Path, account: str, warned: bool
) -> None:
    source = tmp_path / "households.csv"
    source.write_text(
        "户主姓名,身份证号,镇/街道办,村,家庭人口,贫困状态,一卡通账号\n"
        f"王五,611002195007250003,三岔河镇,东沟村,5,建档立卡贫困户,{account}\n",
        encoding="utf-8-sig",
    )
    code, said = _cli("import", "households", str(source), "--db", str(demo))
    assert code == 0 and "已写入 1 条" in said, said  # written all the same
    named = [x for x in said.splitlines() if x.startswith("  请核对")]
    if warned:
        (line,) = named
        assert "「一卡通账号」" in line and "Excel" in line and "存折" in line, line
    else:
        assert not named, said


def test_amounts_as_excel_writes_currency_are_read_to_the_fen_and_others_refused(
    demo: Path, tmp_path: Path
) -> None:
    with Store.open(demo) as store:
        owed = [s for s in store.settle(2018) if s.totals.balance > 200][:3]
    a, b, c = (s.household_id for s in owed)
    good = tmp_path / "good.csv"
    good.write_text(
        HEADER
        + f"Y-1,{a},2018,2019-05-10,¥100.10,x\n"
        + f'Y-2,{b},2018,2019-05-10,"￥1,00.00",x\n'  # a misplaced comma: refused
        + f"Y-3,{c},2018,2019-05-10,99.99元,x\n"
        + f"Y-4,{c},2018,2019-05-10,¥ 0.005,x\n"
        + f"Y-5,{c},2018,2019-05-10,$5,x\n",
        encoding="utf-8-sig",
    )
    with Store.open(demo) as store:
        before = store.counts(), store.audit_head()
        report = import_file(store, good, "payments", commit=True, today=TODAY)
        assert [(p.row, p.column, p.code) for p in report.problems] == [
            (3, "amount", "not_a_number"),
            (5, "amount", "too_many_places"),
            (6, "amount", "not_a_number"),
        ]
        assert (store.counts(), store.audit_head()) == before
        fixed = good.read_text(encoding="utf-8-sig").splitlines()
        good.write_text("\n".join([fixed[0], fixed[1], fixed[3]]) + "\n", encoding="utf-8-sig")
        report = import_file(store, good, "payments", commit=True, today=TODAY)
        assert report.committed and report.added == 2
        paid = {p.reference: p.amount for p in store.payments(season=2018)}
        assert (paid["Y-1"], paid["Y-3"]) == (Decimal("100.10"), Decimal("99.99"))
        assert store.totals(a, 2018).balance == owed[0].totals.balance - Decimal("100.10")
