"""Voiding a slip under a quota prices the later slips of its contract again (DESIGN §4 step 6:
the kg delivered before a slip are those of the live records before it)."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import decimals, price_terms, weighings
from test_plain_import import TODAY, season, slips, write

from orderfarm import (
    ConflictError,
    D,
    PriceTerms,
    Quote,
    RefusedError,
    Slip,
    Store,
    ValidationError,
    Weighing,
    price_delivery,
)
from orderfarm.io.loading import import_file
from tests.test_store_support import chilli_contract, fixed_terms, open_store, seeded, signed

SEP1 = dt.date(2018, 9, 1)
GRADES = ("一级", "二级", "等外")


def kg(gross: str) -> Weighing:
    """A dry, clean lot of 一级 with 2 kg of tare."""
    return Weighing(gross_kg=D(gross), tare_kg=D("2.00"), grade="一级")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "season.db") as s:
        yield s


def quota_contract(store: Store, terms: PriceTerms, market: str = "1.20") -> str:
    (h,) = seeded(store)
    signed(store, chilli_contract("Q1", h, terms=terms))
    for grade in GRADES:
        store.set_market_price("chilli", "fresh", grade, SEP1, D(market))
    return h.resident_id


def test_voiding_a_slip_gives_its_quota_to_the_later_slips(store: Store) -> None:
    rid = quota_contract(store, fixed_terms(quota_kg=D("150")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")  # 100 kg at 2.00
    second = store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")  # 50 at 2.00, 50 at 1.20
    third = store.record_delivery("Q1", kg("32.00"), SEP1, "R-3")  # 30 at 1.20
    assert (first.amount, second.amount, third.amount) == (D("200.00"), D("160.00"), D("36.00"))

    void = store.void_delivery(first.id, "磅秤读数录错", actor="clerk-li")

    assert len(void.repriced) == 2
    again = [store.delivery(i) for i in void.repriced]
    assert [(d.receipt_no, d.revision) for d in again] == [("R-2", 1), ("R-3", 1)]
    assert [d.amount for d in again] == [D("200.00"), D("60.00")]  # 100 + 30 kg, all at 2.00
    assert [d.quote.delivered_before_kg for d in again] == [D("0.00"), D("100.00")]
    old = [store.delivery(second.id), store.delivery(third.id)]
    assert all(d.voided for d in old)
    statement = store.statement(rid, 2018)
    assert statement.proceeds == D("260.00")
    lines = [line for line in statement.lines if line.record_id in void.repriced]
    assert [line.reference for line in lines] == ["R-2", "R-3"]
    assert all("更正后第 2 次记录" in line.description for line in lines)
    assert store.settle(2018)[0].totals.proceeds == D("260.00")
    voids = [e for e in store.audit_log() if e.action == "void_delivery"]
    assert [e.ref for e in voids] == [str(first.id), str(second.id), str(third.id)]
    assert f"delivery {first.id} was voided" in voids[1].payload
    assert store.verify().ok


def test_a_slip_priced_again_keeps_the_market_price_it_was_weighed_under(store: Store) -> None:
    """The day's market price replaced after the slips were recorded: a void prices the later
    slips' protected kg again, at the market price each was first priced at."""
    quota_contract(store, fixed_terms(quota_kg=D("150")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")  # 100 kg at 2.00
    second = store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")  # 50 at 2.00, 50 at 1.20
    store.set_market_price("chilli", "fresh", "一级", SEP1, D("3.00"))  # replaced afterwards
    assert store.delivery(second.id).amount == D("160.00")  # recorded slips keep their price
    third = store.record_delivery("Q1", kg("102.00"), SEP1, "R-3")  # 100 kg at 3.00
    assert third.amount == D("300.00")
    store.set_market_price("chilli", "fresh", "一级", SEP1, D("5.00"))  # and again
    void = store.void_delivery(first.id, "磅秤读数录错")
    again = [store.delivery(i) for i in void.repriced]
    # 100 kg now protected at 2.00; R-3: 50 kg at 2.00, 50 kg at its own 3.00
    assert [d.amount for d in again] == [D("200.00"), D("250.00")]
    assert [d.quote.market_price for d in again] == [D("1.20"), D("3.00")]
    assert store.verify().ok


def test_a_closed_contract_is_priced_again_all_the_same(store: Store) -> None:
    quota_contract(store, fixed_terms(quota_kg=D("150")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")
    store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")
    store.close_contract("Q1")  # no new slips now, but a correction still stands
    (again,) = store.void_delivery(first.id, "录错").repriced
    assert store.delivery(again).amount == D("200.00")
    assert store.verify().ok


def test_a_void_that_leaves_every_later_price_as_it_was_reprices_nothing(store: Store) -> None:
    quota_contract(store, fixed_terms(quota_kg=D("1000")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")
    store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")  # inside the quota either way
    before = store.counts()["deliveries"]
    assert store.void_delivery(first.id, "重复录入").repriced == ()
    assert store.counts()["deliveries"] == before


def test_without_a_quota_a_void_reprices_nothing(store: Store) -> None:
    quota_contract(store, fixed_terms())
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")
    second = store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")
    assert store.void_delivery(first.id, "重复录入").repriced == ()
    assert not store.delivery(second.id).voided


def test_a_reprice_that_leaves_a_paid_balance_negative_is_refused(store: Store) -> None:
    # fixed floor 2.00 under a market of 3.00: the quota freed pays the household less
    rid = quota_contract(store, fixed_terms(quota_kg=D("100")), market="3.00")
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")  # 100 kg at 2.00
    store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")  # 100 kg at 3.00
    store.record_payment(rid, 2018, D("500.00"), SEP1, "P-1")
    counts, head = store.counts(), store.audit_head()
    with pytest.raises(RefusedError):
        store.void_delivery(first.id, "录错")
    assert store.counts() == counts and store.audit_head() == head  # nothing written
    assert store.verify().ok


def _in_order(terms: PriceTerms, lots: list[Weighing], market: Decimal) -> list[Quote]:
    """Each lot's price when the lots are delivered in this order (DESIGN §4 step 6): the
    accepted kg of those before it are delivered before it."""
    quotes, before = [], Decimal(0)
    for lot in lots:
        quote = price_delivery(terms, lot, market_price=market, delivered_before_kg=before)
        quotes.append(quote)
        if quote.accepted:
            before += quote.net_kg
    return quotes


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    terms=price_terms(GRADES, quota=True),
    lots=st.lists(weighings(GRADES), min_size=2, max_size=6),
    market=decimals("0.50", "20", 2),
    data=st.data(),
)
def test_after_any_void_each_live_slip_is_priced_on_the_live_slips_before_it(
    terms: PriceTerms, lots: list[Weighing], market: Decimal, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "s.db") as store:
        quota_contract(store, terms, market=str(market))
        ids = [store.record_delivery("Q1", lot, SEP1, f"R-{n}").id for n, lot in enumerate(lots)]
        gone = data.draw(st.sampled_from(range(len(ids))))
        store.void_delivery(ids[gone], "更正")
        live = [d for d in store.deliveries(contract_no="Q1") if not d.voided]
        # every other slip is live once: as it was, or priced again as a new revision
        assert sorted(d.receipt_no for d in live) == sorted(
            f"R-{n}" for n in range(len(lots)) if n != gone
        )
        in_order = sorted(live, key=lambda d: d.id)
        quotes = _in_order(terms, [d.weighing for d in in_order], market)
        for d, expected in zip(in_order, quotes, strict=True):
            assert (d.amount, d.quote.portions) == (expected.amount, expected.portions)
        assert store.verify().ok


def test_the_file_imported_again_after_a_reprice_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "season.db"
    season(path, 4)  # contract C-2 has a quota of 120 kg
    rows = [r for r in slips(200, 4, seed=3) if r[1] == "C-2"]
    source = write(tmp_path / "slips.csv", rows)
    with Store.open(path) as store:
        assert import_file(store, source, "slips", commit=True, today=TODAY).added == len(rows)
        first = next(d for d in store.deliveries(contract_no="C-2") if d.quote.accepted)
        void = store.void_delivery(first.id, "录错")
        assert void.repriced  # the quota is used up by the first slips
        counts = store.counts()
        report = import_file(store, source, "slips", commit=True, today=TODAY)
        assert report.committed and (report.added, report.existing) == (0, len(rows))
        assert store.counts() == counts
        assert store.verify().ok


def test_a_slip_corrected_after_its_void_keeps_its_place_in_the_quota(store: Store) -> None:
    """Voided and typed again (the weighing page's correction), a lot is priced on the slips
    delivered before it, not after every later one: the household is not paid less for a
    clerk's correction. The later slips are priced again after it, naming its receipt."""
    rid = quota_contract(store, fixed_terms(quota_kg=D("150")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")  # 100 kg at 2.00
    second = store.record_delivery("Q1", kg("102.00"), SEP1, "R-2")  # 50 at 2.00, 50 at 1.20
    assert store.statement(rid, 2018).proceeds == D("360.00")
    store.void_delivery(first.id, "皮重录错")  # R-2 takes the quota: 100 kg at 2.00
    assert store.delivered_before("Q1", "R-1") == D("0.00")  # its place, for the preview
    assert store.delivered_before("Q1", "R-9") == D("100.00")  # a new slip: at the end
    again = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1", anew=True)

    assert (again.receipt_no, again.revision, again.amount) == ("R-1", 1, D("200.00"))
    assert again.quote.delivered_before_kg == D("0.00")
    live = [d for d in store.deliveries(contract_no="Q1") if not d.voided]
    assert [(d.receipt_no, d.amount) for d in live] == [("R-1", D("200.00")), ("R-2", D("160.00"))]
    assert store.statement(rid, 2018).proceeds == D("360.00")  # as before the correction
    assert second.id != live[1].id
    assert again.repriced == (live[1].id,)  # to print R-2's receipt again
    voids = [e for e in store.audit_log() if e.action == "void_delivery"]
    assert "receipt R-1 was recorded again in its place" in voids[-1].payload
    assert store.verify().ok


def test_a_correction_keeps_its_place_though_no_price_changes_now(store: Store) -> None:
    """With the quota far from used up, the lot's place changes no price today, yet it is kept:
    the later slip is recorded again after it, at the same amount (so that a later correction
    reads the slips in their order), with a reason that says so, and no receipt to print
    again."""
    quota_contract(store, fixed_terms(quota_kg=D("1000")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")
    second = store.record_delivery("Q1", kg("52.00"), SEP1, "R-2")
    store.void_delivery(first.id, "皮重录错")
    again = store.record_delivery("Q1", kg("92.00"), SEP1, "R-1", anew=True)
    assert store.delivery(second.id).voided and again.repriced == ()
    later = store.find_delivery(second.enterprise_uscc, 2018, "R-2")
    assert later is not None and (later.revision, later.amount) == (1, second.amount)
    assert later.quote.delivered_before_kg == D("90.00")
    why = store.voids("delivery", [second.id])[second.id].reason
    assert why.startswith("按原顺序重新记录：小票 R-1 更正后") and "amounts may be unchanged" in why
    assert store.verify().ok


def test_corrections_one_after_another_keep_every_slip_in_its_place(store: Store) -> None:
    """R-1 put right unchanged, then R-2 put right as 80 kg: priced as if both had been
    weighed right the first time (R-1 100 kg at 2.00; R-2 50 kg at 1.50 and 30 kg at 1.20)."""
    quota_contract(store, fixed_terms(quota_kg=D("150")))
    r1 = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")
    r2 = store.record_delivery(
        "Q1", Weighing(gross_kg=D("42.00"), tare_kg=D("2.00"), grade="二级"), SEP1, "R-2"
    )
    store.void_delivery(r1.id, "复核")
    store.record_delivery("Q1", kg("102.00"), SEP1, "R-1", anew=True)
    r2 = store.find_delivery(r2.enterprise_uscc, 2018, "R-2") or r2
    store.void_delivery(r2.id, "毛重录错")
    right = Weighing(gross_kg=D("82.00"), tare_kg=D("2.00"), grade="二级")
    store.record_delivery("Q1", right, SEP1, "R-2", anew=True)
    live = {d.receipt_no: d.amount for d in store.deliveries(contract_no="Q1") if not d.voided}
    assert live == {"R-1": D("200.00"), "R-2": D("111.00")}
    assert store.verify().ok


def test_a_receipt_typed_without_its_zeros_after_its_void_is_the_receipt(store: Store) -> None:
    """0001 voided and typed again as 1 (a spreadsheet's or a clerk's dropped zeros) is 0001's
    next revision, in its place; typed again as 0001 with other figures it is refused, not a
    second live record of the one receipt."""
    quota_contract(store, fixed_terms(quota_kg=D("150")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "0001")
    second = Weighing(gross_kg=D("102.00"), tare_kg=D("2.00"), grade="二级")
    store.record_delivery("Q1", second, SEP1, "0002")
    store.void_delivery(first.id, "复核")
    again = store.record_delivery("Q1", kg("102.00"), SEP1, "1", anew=True)
    assert (again.receipt_no, again.revision, again.amount) == ("0001", 1, D("200.00"))
    live = {d.receipt_no: d.amount for d in store.deliveries(contract_no="Q1") if not d.voided}
    assert live == {"0001": D("200.00"), "0002": D("135.00")}  # 50 at 1.50, 50 at 1.20
    with pytest.raises(ConflictError):
        store.record_delivery("Q1", kg("90.00"), SEP1, "0001", anew=True)
    assert store.record_delivery("Q1", kg("102.00"), SEP1, "1").id == again.id  # the same slip


def test_a_voided_receipt_and_a_live_one_under_other_zeros_are_one_receipt(store: Store) -> None:
    """0001 voided, then 1 recorded as a new slip (a file's): 0001 typed again is the live 1
    (the same slip) or refused (another one), never a second live record."""
    quota_contract(store, fixed_terms())
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "0001")
    store.void_delivery(first.id, "录错")
    one = store.record_delivery("Q1", kg("52.00"), SEP1, "1")
    assert one.receipt_no == "1"
    assert store.record_delivery("Q1", kg("52.00"), SEP1, "0001", anew=True).id == one.id
    with pytest.raises(ConflictError):
        store.record_delivery("Q1", kg("62.00"), SEP1, "0001", anew=True)
    assert len([d for d in store.deliveries(contract_no="Q1") if not d.voided]) == 1


def test_a_slip_weighed_with_no_market_price_takes_the_days_once_posted(store: Store) -> None:
    """Fixed prices, quota 150, no market price posted: A-2 (50 kg) was all protected. A-1 put
    right as 120 kg takes 120 kg of the quota in its place, so 20 kg of A-2 need the market
    price of its day: refused (nothing written) until it is posted, then priced at it."""
    (h,) = seeded(store)
    signed(store, chilli_contract("Q1", h, terms=fixed_terms(quota_kg=D("150"))))
    sep2, sep3 = dt.date(2018, 9, 2), dt.date(2018, 9, 3)
    a1 = store.record_delivery("Q1", kg("102.00"), sep2, "A-1")
    store.record_delivery("Q1", kg("52.00"), sep3, "A-2")
    store.void_delivery(a1.id, "毛重录错")
    before = store.counts()
    with pytest.raises(ValidationError):
        store.record_delivery("Q1", kg("122.00"), sep2, "A-1", anew=True)
    assert store.counts() == before
    store.set_market_price("chilli", "fresh", "一级", sep3, D("1.20"))
    store.record_delivery("Q1", kg("122.00"), sep2, "A-1", anew=True)
    live = {d.receipt_no: d.amount for d in store.deliveries(contract_no="Q1") if not d.voided}
    assert live == {"A-1": D("240.00"), "A-2": D("84.00")}  # 30 kg at 2.00, 20 kg at 1.20
    assert store.verify().ok


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    terms=price_terms(GRADES, quota=True),
    lots=st.lists(weighings(GRADES), min_size=2, max_size=6),
    market=decimals("0.50", "20", 2),
    data=st.data(),
)
def test_a_corrected_slip_is_priced_as_if_it_had_been_weighed_right_the_first_time(
    terms: PriceTerms, lots: list[Weighing], market: Decimal, data: st.DataObject
) -> None:
    """Void slips and type them again with other figures, one correction after another: every
    live slip is priced as if each lot had been recorded right, in its place, from the start,
    and each correction's preview (``delivered_before``) is the kg before its place."""
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "s.db") as store:
        quota_contract(store, terms, market=str(market))
        for n, lot in enumerate(lots):
            store.record_delivery("Q1", lot, SEP1, f"R-{n}")
        right = list(lots)
        fixes = st.tuples(st.sampled_from(range(len(lots))), weighings(GRADES))
        for wrong, fixed in data.draw(st.lists(fixes, min_size=1, max_size=3)):
            (record,) = [
                d
                for d in store.deliveries(contract_no="Q1")
                if d.receipt_no == f"R-{wrong}" and not d.voided
            ]
            store.void_delivery(record.id, "更正")
            before = sum(
                (q.net_kg for q in _in_order(terms, right[:wrong], market) if q.accepted),
                Decimal(0),
            )
            assert store.delivered_before("Q1", f"R-{wrong}") == before
            store.record_delivery("Q1", fixed, SEP1, f"R-{wrong}", anew=True)
            right[wrong] = fixed
        live = {d.receipt_no: d for d in store.deliveries(contract_no="Q1") if not d.voided}
        assert len(live) == len(lots)
        for n, expected in enumerate(_in_order(terms, right, market)):
            assert live[f"R-{n}"].amount == expected.amount
        assert store.verify().ok


def test_a_file_imported_again_after_a_correction_under_other_zeros_adds_nothing(
    store: Store,
) -> None:
    """0001 recorded, voided and put right as its next revision; the first file, where Excel
    wrote it 1, read again: its slip is the voided record, not a conflict with the live one."""
    quota_contract(store, fixed_terms())
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "0001")
    store.void_delivery(first.id, "皮重录错")
    right = store.record_delivery("Q1", kg("101.00"), SEP1, "0001", anew=True)
    assert store.record_delivery("Q1", kg("102.00"), SEP1, "1").id == first.id
    assert store.record_deliveries([Slip("Q1", kg("102.00"), SEP1, "1")]).existing == 1
    assert [d.id for d in store.deliveries(contract_no="Q1") if not d.voided] == [right.id]
