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

from orderfarm import D, PriceTerms, RefusedError, Store, Weighing, price_delivery
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
        before = Decimal(0)
        for d in sorted(live, key=lambda d: d.id):
            expected = price_delivery(
                terms, d.weighing, market_price=market, delivered_before_kg=before
            )
            assert (d.amount, d.quote.portions) == (expected.amount, expected.portions)
            if expected.accepted:
                before += expected.net_kg
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


def test_a_correction_whose_place_changes_nothing_is_recorded_at_the_end(store: Store) -> None:
    """With the quota far from used up, the lot's place changes no price: nothing else is
    voided or recorded again."""
    quota_contract(store, fixed_terms(quota_kg=D("1000")))
    first = store.record_delivery("Q1", kg("102.00"), SEP1, "R-1")
    second = store.record_delivery("Q1", kg("52.00"), SEP1, "R-2")
    store.void_delivery(first.id, "皮重录错")
    store.record_delivery("Q1", kg("92.00"), SEP1, "R-1", anew=True)
    assert not store.delivery(second.id).voided
    assert store.verify().ok


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    terms=price_terms(GRADES, quota=True),
    lots=st.lists(weighings(GRADES), min_size=2, max_size=6),
    fixed=weighings(GRADES),
    market=decimals("0.50", "20", 2),
    data=st.data(),
)
def test_a_corrected_slip_is_priced_as_if_it_had_been_weighed_right_the_first_time(
    terms: PriceTerms, lots: list[Weighing], fixed: Weighing, market: Decimal, data: st.DataObject
) -> None:
    """Void a slip and type it again with other figures: every live slip is priced as if the
    corrected lot had been recorded in the voided one's place from the start."""
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "s.db") as store:
        quota_contract(store, terms, market=str(market))
        ids = [store.record_delivery("Q1", lot, SEP1, f"R-{n}").id for n, lot in enumerate(lots)]
        wrong = data.draw(st.sampled_from(range(len(ids))))
        store.void_delivery(ids[wrong], "更正")
        store.record_delivery("Q1", fixed, SEP1, f"R-{wrong}", anew=True)
        right = [fixed if n == wrong else lot for n, lot in enumerate(lots)]
        live = {d.receipt_no: d for d in store.deliveries(contract_no="Q1") if not d.voided}
        assert len(live) == len(lots)
        before = Decimal(0)
        for n, lot in enumerate(right):
            expected = price_delivery(terms, lot, market_price=market, delivered_before_kg=before)
            assert live[f"R-{n}"].amount == expected.amount
            if expected.accepted:
                before += expected.net_kg
        assert store.verify().ok
