"""Estimate against actual from a store: fulfilment, actual increase, side-selling flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from orderfarm import D, Enterprise, Household, InputSupply, Weighing
from orderfarm.actuals import compare, season_actuals, summarise
from orderfarm.contracts import Contract
from orderfarm.ids import resident_id_check_character
from orderfarm.store import Store
from orderfarm.supplies import ChargeMode

LASHANGTIAN = Enterprise("洛南辣上天有限公司", "91611021MA70LLT02D")
AUG, SEP = 8, 9


def _household(n: int, village: str) -> Household:
    body = f"61100219700101{n:03d}"
    return Household(
        head_name=f"户主{n}",
        resident_id=body + resident_id_check_character(body),
        township="沙河子镇",
        village=village,
    )


def _day(month: int, day: int) -> dt.date:
    return dt.date(2018, month, day)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Three chilli households of 1 mu each (1,500 kg expected, floor 1.60 for 一级).

    Market prices for 一级 fresh pods: August above the floor, September below it.
    A delivers all it was expected to; B, whose window is August, a fifth; C, whose window is
    September, a fifth.
    """
    with Store.open(tmp_path / "season.db") as s:
        s.add_enterprise(LASHANGTIAN)
        homes = {
            "A": _household(1, "党塬村"),
            "B": _household(2, "党塬村"),
            "C": _household(3, "西墹村"),
        }
        windows = {
            "B": (_day(AUG, 1), _day(AUG, 31)),
            "C": (_day(SEP, 1), _day(SEP, 30)),
        }
        for name, home in homes.items():
            s.add_household(home)
            contract = Contract.from_template(
                "朝天椒",
                "fresh",
                contract_no=f"LST-2018-{name}",
                enterprise=LASHANGTIAN,
                household=home,
                season=2018,
                area_mu="1",
            )
            if name in windows:
                start, end = windows[name]
                contract = attrs.evolve(contract, delivery_start=start, delivery_end=end)
            s.add_contract(contract)
            s.sign_contract(contract.contract_no, _day(4, 20))
            seedlings = InputSupply("辣椒苗", D("12000"), "株", D("0.03"), ChargeMode.ADVANCE)
            s.supply_input(contract.contract_no, seedlings, _day(AUG, 1), f"YM-{name}")
        for day, price in ((5, "2.20"), (12, "2.30"), (19, "2.10"), (26, "2.40")):
            s.set_market_price("chilli", "fresh", "一级", _day(AUG, day), D(price))
        for day, price in ((5, "1.40"), (12, "1.35"), (19, "1.50"), (26, "1.45")):
            s.set_market_price("chilli", "fresh", "一级", _day(SEP, day), D(price))

        def lot(kg: str) -> Weighing:
            return Weighing(gross_kg=D(kg) + 1, tare_kg=D("1"), grade="一级")

        s.record_delivery("LST-2018-A", lot("800"), _day(AUG, 12), "R-001")  # at 2.30
        wrong = s.record_delivery("LST-2018-A", lot("100"), _day(AUG, 26), "R-002")
        s.void_delivery(wrong.id, "称重录错 — weighed twice")
        s.record_delivery("LST-2018-A", lot("700"), _day(SEP, 12), "R-003")  # floor 1.60
        s.record_delivery("LST-2018-B", lot("300"), _day(AUG, 19), "R-004")  # at 2.10
        s.record_delivery("LST-2018-C", lot("300"), _day(SEP, 19), "R-005")  # floor 1.60
        yield s


def test_actuals_beside_the_estimate(store: Store) -> None:
    rows = {r.contract.contract_no: r for r in season_actuals(store, 2018, price_volatility="0")}
    a = rows["LST-2018-A"]
    # estimate: 1,500 kg × 2.00 = 3,000.00; cost 500.00 + seedlings 360.00; net 2,140.00;
    # increase 2,140.00 − 350.00 = 1,790.00
    assert a.estimate.increase == D("1790.00")
    # actual: 800 × 2.30 + 700 × 1.60 = 1,840.00 + 1,120.00 (the voided 100 kg left out)
    assert a.deliveries == 2 and a.delivered_kg == D("1500.00")
    assert a.proceeds == D("2960.00")
    assert a.input_cost == D("360.00") and a.own_cost == D("500.00")
    assert a.net == D("2100.00") and a.increase == D("1750.00")
    assert a.fulfilment == D("1.0000")
    assert a.top_up == D("175.00")  # 700 × (1.60 − 1.35)
    assert not a.flagged


def test_side_selling_is_flagged_when_the_market_paid_more(store: Store) -> None:
    rows = {r.contract.contract_no: r for r in season_actuals(store, 2018)}
    b, c = rows["LST-2018-B"], rows["LST-2018-C"]
    assert b.fulfilment == D("0.2000") and c.fulfilment == D("0.2000")  # 300 of 1,500 kg
    assert b.flagged and not c.flagged  # C's market was below the floor: a poor harvest
    evidence = b.side_selling
    assert evidence is not None
    assert (evidence.market_days, evidence.days_above_floor) == (4, 4)
    assert evidence.mean_market_price == D("2.2500")  # (2.20 + 2.30 + 2.10 + 2.40) / 4
    assert evidence.max_market_price == D("2.40") and evidence.floor == D("1.60")
    text = evidence.explain("zh")
    assert "疑似私自外卖" in text and "20.00%（低于 50.00%）" in text and "1.60" in text
    assert "possible side-selling" in evidence.explain("en")


def test_summaries_per_village_and_crop(store: Store) -> None:
    rows = season_actuals(store, 2018, price_volatility="0")
    by_village = {s.key: s for s in summarise(rows, "village")}
    dangyuan = by_village["沙河子镇/党塬村"]
    assert dangyuan.households == 2 and dangyuan.expected_kg == D("3000")
    assert dangyuan.delivered_kg == D("1800.00") and dangyuan.fulfilment == D("0.6000")
    assert dangyuan.flagged_contracts == 1
    # B: 300 × 2.10 = 630.00 − 860.00 − 350.00 = −580.00; with A's 1,750.00: 1,170.00
    assert dangyuan.actual_increase == D("1170.00")
    assert dangyuan.average_actual_increase == D("585.00")
    assert dangyuan.average_estimated_increase == D("1790.00")
    (chilli,) = summarise(rows, "crop")
    assert chilli.households == 3 and chilli.flagged_contracts == 1


def test_compare_is_pure_and_uses_prices_seen_on_deliveries(store: Store) -> None:
    pairs = [(store.household(c.household_id), c) for c in store.contracts(season=2018)]
    deliveries = store.deliveries(season=2018)
    inputs = store.input_records(season=2018)
    rows = {r.contract.contract_no: r for r in compare(pairs, deliveries, inputs)}
    # without the market-price table, the prices on August's live deliveries are the evidence:
    # A's at 2.30 on the 12th and B's own at 2.10 on the 19th (the voided lot's is left out)
    evidence = rows["LST-2018-B"].side_selling
    assert evidence is not None and evidence.market_days == 2
    assert evidence.mean_market_price == D("2.2000")
    assert rows["LST-2018-A"].delivered_kg == D("1500.00")  # the void is honoured


def _flagged(store: Store, **given: object) -> tuple[set[str], int]:
    """The contracts flagged by the rows, and the count the SQL summary gives: the same."""
    from orderfarm.actuals import season_summary

    rows = season_actuals(store, 2018, **given)  # type: ignore[arg-type]
    (crop,) = season_summary(store, 2018, "crop", **given)  # type: ignore[arg-type]
    flagged = {r.contract.contract_no for r in rows if r.flagged}
    assert crop.flagged_contracts == len(flagged)
    return flagged, crop.flagged_contracts


def test_a_window_not_over_is_not_judged_yet(store: Store) -> None:
    """Mid-season, a contract that has delivered little so far is not a lead: B's window
    (August) is judged once it is over, by the rows and by the SQL summary alike."""
    assert _flagged(store, as_of=_day(AUG, 20))[0] == set()
    assert _flagged(store, as_of=_day(AUG, 31))[0] == set()  # its last day: slips may come
    assert _flagged(store, as_of=_day(SEP, 1))[0] == {"LST-2018-B"}
    assert _flagged(store)[0] == {"LST-2018-B"}  # today, by the store's clock


def test_a_contract_terminated_early_is_not_flagged(store: Store) -> None:
    store.terminate_contract("LST-2018-B", "冰雹灾害绝收")
    assert _flagged(store) == (set(), 0)


def test_lots_refused_for_their_moisture_count_as_brought(store: Store) -> None:
    """A household whose lots were refused at the scale brought its harvest: 300 kg bought and
    630 kg refused (at the standard moisture: what the net weight says) of 1,500 expected is
    62%, not a side-selling lead; the evidence of one still flagged names the kg refused."""
    home = _household(4, "党塬村")
    store.add_household(home)
    wet = Contract.from_template(
        "朝天椒",
        "fresh",
        contract_no="LST-2018-D",
        enterprise=LASHANGTIAN,
        household=home,
        season=2018,
        area_mu="1",
        terms_overrides={"moisture_standard": D("0.80"), "moisture_max": D("0.85")},
    )
    store.add_contract(attrs.evolve(wet, delivery_start=_day(AUG, 1), delivery_end=_day(AUG, 31)))
    store.sign_contract("LST-2018-D", _day(4, 20))

    def lot(kg: str, moisture: str) -> Weighing:
        return Weighing(gross_kg=D(kg) + 1, tare_kg=D("1"), grade="一级", moisture=D(moisture))

    store.record_delivery("LST-2018-D", lot("300", "0.80"), _day(AUG, 19), "R-D1")
    store.record_delivery("LST-2018-D", lot("100", "0.86"), _day(AUG, 19), "R-D2")  # 70 kg
    flagged, _ = _flagged(store)
    row = {r.contract.contract_no: r for r in season_actuals(store, 2018)}["LST-2018-D"]
    assert row.rejected_lots == 1 and row.delivered_kg == D("300.00")
    assert "LST-2018-D" in flagged  # 370 of 1,500 kg brought: still a lead
    assert row.side_selling is not None and "另有拒收 70.00 kg" in row.side_selling.explain()
    store.record_delivery("LST-2018-D", lot("800", "0.86"), _day(AUG, 26), "R-D3")  # 560 kg
    assert "LST-2018-D" not in _flagged(store)[0]  # 930 of 1,500 kg brought: 62%
