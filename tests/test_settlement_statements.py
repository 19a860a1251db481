"""Worked statements from a real store file, with literal numbers a clerk can check by hand."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from orderfarm import CarryPolicy, ChargeMode, D, InputSupply, LineKind, Store, Weighing
from tests.test_store_support import (
    SECOND_ENTERPRISE,
    chilli_contract,
    fixed_terms,
    household,
    open_store,
    seeded,
    signed,
)

MAY = dt.date(2018, 5, 2)
SEP = dt.date(2018, 9, 1)


def kg(net: str, grade: str = "一级") -> Weighing:
    """A lot of ``net`` kg (gross = net + 1 kg tare)."""
    return Weighing(gross_kg=D(net) + 1, tare_kg=D("1"), grade=grade)


def seedlings(plants: str) -> InputSupply:
    return InputSupply("辣椒苗", D(plants), "株", D("0.03"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "season.db") as s:
        yield s


@pytest.mark.parametrize("policy", [CarryPolicy.CARRY, CarryPolicy.WAIVE])
def test_proceeds_below_advances_recovery_capped_rest_carried_or_waived(
    store: Store, policy: CarryPolicy
) -> None:
    (h,) = seeded(store)
    signed(store, chilli_contract("C-2018", h, policy=policy))
    store.supply_input("C-2018", seedlings("30000"), MAY, "S-1")  # 900.00 on advance
    store.record_delivery("C-2018", kg("150"), SEP, "R-1")  # 150 kg × 2.00 = 300.00

    s = store.statement(h.resident_id, 2018)
    assert [(line.kind, line.reference, line.amount) for line in s.lines] == [
        (LineKind.INPUT, "S-1", D("900.00")),
        (LineKind.DELIVERY, "R-1", D("300.00")),
    ]
    assert (s.proceeds, s.recovered, s.payable, s.balance) == (
        D("300.00"),
        D("300.00"),
        D("0.00"),
        D("0.00"),
    )
    carried, waived = (D("600.00"), D("0.00")) if policy is CarryPolicy.CARRY else (0, 600)
    assert (s.totals.carried_out, s.totals.waived) == (D(carried), D(waived))

    # The next season: 500 kg × 2.00 = 1000.00 of proceeds.
    signed(store, chilli_contract("C-2019", h, season=2019))
    store.record_delivery("C-2019", kg("500"), dt.date(2019, 9, 1), "R-1")
    nxt = store.statement(h.resident_id, 2019)
    if policy is CarryPolicy.CARRY:
        (line,) = nxt.of_kind(LineKind.CARRIED)
        assert (line.reference, line.amount, line.record_id) == ("2018", D("600.00"), None)
        assert (nxt.recovered, nxt.payable) == (D("600.00"), D("400.00"))
    else:
        assert not nxt.of_kind(LineKind.CARRIED)
        assert (nxt.recovered, nxt.payable) == (D("0.00"), D("1000.00"))


def test_two_contracts_of_one_household_in_one_season(store: Store) -> None:
    (h,) = seeded(store)
    signed(store, chilli_contract("A-1", h, policy=CarryPolicy.CARRY))
    signed(store, chilli_contract("B-1", h, enterprise=SECOND_ENTERPRISE, policy=CarryPolicy.WAIVE))
    store.supply_input("A-1", seedlings("10000"), MAY, "S-A")  # 300.00, carried if unrecovered
    store.supply_input("B-1", seedlings("3333"), MAY, "S-B")  # 99.99, waived if unrecovered
    store.record_delivery("A-1", kg("100"), SEP, "0001")  # 100 × 2.00 = 200.00
    store.record_delivery("B-1", kg("50", "二级"), SEP, "0001")  # 50 × 1.50 = 75.00
    store.record_delivery("B-1", kg("10.01", "二级"), SEP, "0002")  # 10.01 × 1.50 = 15.015 → 15.02

    s = store.statement(h.resident_id, 2018)
    assert [(line.contract_no, line.reference, line.amount) for line in s.lines] == [
        ("A-1", "S-A", D("300.00")),
        ("B-1", "S-B", D("99.99")),
        ("A-1", "0001", D("200.00")),
        ("B-1", "0001", D("75.00")),
        ("B-1", "0002", D("15.02")),
    ]
    # charges 399.99 > proceeds 290.02: all recovered, 109.97 unrecovered;
    # carried = 109.97 × 300.00 / 399.99 = 82.4795… → 82.48; waived = 27.49
    assert (s.proceeds, s.recovered, s.payable) == (D("290.02"), D("290.02"), D("0.00"))
    assert (s.totals.carried_out, s.totals.waived) == (D("82.48"), D("27.49"))

    (row,) = store.settle(2018)
    assert row.totals == s.totals and row.household_id == h.resident_id
    by_enterprise = {r.enterprise: r for r in store.report(2018, by=("enterprise",))}
    assert by_enterprise[SECOND_ENTERPRISE.name].proceeds == D("90.02")
    assert sum(r.recovered for r in by_enterprise.values()) == D("290.02")
    assert [r.households for r in by_enterprise.values()] == [1, 1]
    (whole,) = store.report(2018, by=())
    assert (whole.households, whole.area_mu, whole.delivered_kg) == (1, D("4"), D("160.01"))


def test_a_voided_slip_drops_out_of_statement_settlement_and_report(store: Store) -> None:
    (h,) = seeded(store)
    signed(store, chilli_contract("C-1", h))
    store.record_delivery("C-1", kg("100"), SEP, "R-1")  # 200.00
    wrong = store.record_delivery("C-1", kg("1000"), SEP, "R-2")  # 2000.00: should be 100 kg
    store.record_delivery("C-1", kg("20", "二级"), SEP, "R-3")  # 30.00
    store.void_delivery(wrong.id, "毛重多录一个0 / gross weight typed with an extra 0")
    store.record_delivery("C-1", kg("100"), SEP, "R-2")  # re-recorded, revision 1: 200.00
    store.record_payment(h.resident_id, 2018, D("400.00"), dt.date(2018, 9, 5), "BANK-0001")

    s = store.statement(h.resident_id, 2018)
    deliveries = s.of_kind(LineKind.DELIVERY)
    assert wrong.id not in [line.record_id for line in deliveries]
    assert [(line.reference, line.amount) for line in deliveries] == [
        ("R-1", D("200.00")),
        ("R-3", D("30.00")),
        ("R-2", D("200.00")),
    ]
    assert (s.proceeds, s.paid, s.balance) == (D("430.00"), D("400.00"), D("30.00"))
    (row,) = store.settle(2018)
    assert row.totals.balance == D("30.00")
    (report,) = store.report(2018)
    assert (report.delivered_kg, report.proceeds, report.paid, report.balance) == (
        D("220.00"),
        D("430.00"),
        D("400.00"),
        D("30.00"),
    )
    assert store.verify().ok


def test_report_groups_by_township_village_crop_enterprise(store: Store) -> None:
    seeded(store, 0)
    a = store.add_household(household(1, township="北宽坪镇", village="广东坪村"))
    b = store.add_household(household(2, township="北宽坪镇", village="广东坪村"))
    from orderfarm import PovertyStatus

    c = store.add_household(
        household(3, township="杨峪河镇", village="王涧村", status=PovertyStatus.LIFTED)
    )
    for i, hh in enumerate((a, b, c)):
        signed(store, chilli_contract(f"C-{i}", hh, area="1.5"))
        store.record_delivery(f"C-{i}", kg(str(100 * (i + 1))), SEP, f"R-{i}")
    store.add_contract(chilli_contract("DRAFT", a))  # a draft is not "contracted"
    rows = store.report(2018, by=("township",))
    assert [(r.township, r.households, r.poor_households, r.area_mu) for r in rows] == [
        ("北宽坪镇", 2, 2, D("3")),
        ("杨峪河镇", 1, 0, D("1.5")),
    ]
    assert [r.proceeds for r in rows] == [D("600.00"), D("600.00")]
    assert [r.balance for r in rows] == [D("600.00"), D("600.00")]
    full = store.report(2018)
    assert next((r.township, r.village, r.crop, r.enterprise) for r in full) == (
        "北宽坪镇",
        "广东坪村",
        "chilli",
        "商州区绿源农业开发有限公司",
    )


def test_a_carry_skips_seasons_without_records_and_names_its_source(store: Store) -> None:
    (h,) = seeded(store)
    signed(store, chilli_contract("C-2017", h, season=2017))
    store.supply_input("C-2017", seedlings("10000"), dt.date(2017, 5, 2), "S-1")  # 300.00
    store.record_delivery("C-2017", kg("50"), dt.date(2017, 9, 1), "R-1")  # 100.00
    assert store.statement(h.resident_id, 2018).totals.carried_out == D("200.00")
    signed(store, chilli_contract("C-2019", h, season=2019))
    store.record_delivery("C-2019", kg("150"), dt.date(2019, 9, 1), "R-1")  # 300.00
    s = store.statement(h.resident_id, 2019)
    (line,) = s.of_kind(LineKind.CARRIED)
    assert (line.reference, line.amount) == ("2017", D("200.00"))
    assert (s.recovered, s.payable) == (D("200.00"), D("100.00"))
    assert store.totals(h.resident_id, 2019) == s.totals


def test_a_rejected_slip_says_why_on_the_statement_in_chinese_and_english(store: Store) -> None:
    (h,) = seeded(store)
    terms = fixed_terms(moisture_standard=D("0.14"), moisture_max=D("0.30"))
    signed(store, chilli_contract("C-1", h, terms=terms))
    wet = Weighing(gross_kg=D("51"), tare_kg=D("1"), grade="一级", moisture=D("0.35"))
    store.record_delivery("C-1", wet, SEP, "R-1")
    (line,) = store.statement(h.resident_id, 2018).of_kind(LineKind.DELIVERY)
    assert line.amount == D("0.00")
    assert line.description == (
        "拒收：水分 35% 超过最高水分 30% / rejected: moisture 35% exceeds the maximum 30%"
    )


def test_an_input_line_shows_its_quantity_as_written(store: Store) -> None:
    """18000.0 seedlings (1.2 mu × 15,000 a mu) read 18,000 on the statement."""
    (h,) = seeded(store)
    signed(store, chilli_contract("C-2018", h))
    store.supply_input("C-2018", seedlings("18000.0"), MAY, "S-1")
    (line,) = store.statement(h.resident_id, 2018).lines
    assert line.description == "辣椒苗 18,000 株 × 0.03"


def test_an_advance_agreed_but_not_recorded_is_named_on_the_statement(
    store: Store, tmp_path: Path
) -> None:
    """A contract's inputs are what the enterprise agreed to hand over; settlement recovers
    only the supplies recorded. One agreed on advance and not recorded is named (the store,
    the command line), until its supply is recorded; voided, it is named again."""
    from orderfarm.cli import main

    (h,) = seeded(store)
    agreed = seedlings("4500")
    free = InputSupply("地膜", D("2"), "卷", D("10"), ChargeMode.FREE)
    signed(store, attrs.evolve(chilli_contract("C-2018", h), inputs=(agreed, free)))
    assert store.unsupplied(h.resident_id, 2018) == [("C-2018", agreed)]  # not the free one
    said = io.StringIO()
    args = ["statement", h.resident_id, "--season", "2018", "--db", str(store.path)]
    assert main(args, out=said) == 0
    assert "合同 C-2018 约定垫付的 辣椒苗 4,500 株（135.00 元）尚未登记配发" in said.getvalue()
    record = store.supply_input("C-2018", agreed, MAY, "PF-1")
    assert store.unsupplied(h.resident_id, 2018) == []
    store.void_supply(record.id, "配发单录错")
    assert store.unsupplied(h.resident_id, 2018) == [("C-2018", agreed)]
