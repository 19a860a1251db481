"""A season's estimate against actual read from a store in SQL — the rows (``season_actuals``) and
their sums (``season_summary``) — is what ``compare`` gives from every record read one by one,
on stores made at random."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderfarm import D, Enterprise, Household, InputSupply, Weighing, default_catalog
from orderfarm import actuals as actuals_module
from orderfarm.actuals import (
    IN_FORCE,
    ActualRow,
    ActualSummary,
    compare,
    season_actuals,
    season_summary,
    summarise,
)
from orderfarm.auth import Role, User
from orderfarm.contracts import Contract
from orderfarm.errors import OrderfarmError
from orderfarm.estimate import GroupBy
from orderfarm.ids import resident_id_check_character, uscc_check_character
from orderfarm.session import Session
from orderfarm.store import Store
from orderfarm.supplies import ChargeMode
from orderfarm.units import china_day

SEASON = 2018
GROUPINGS: tuple[GroupBy, ...] = ("household", "village", "township", "crop", "enterprise")
#: Assumptions and thresholds the two paths must agree under.
VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"price_volatility": "0"},
    {"threshold": D("0.9")},
    {"threshold": D("0.61237"), "yield_kg_per_mu": "1234.5678", "yield_cv": "0"},
    {"threshold": D("0")},
)


def _enterprise(n: int) -> Enterprise:
    body = f"91611021MA70LL{n:03d}"
    return Enterprise(f"企业{n}有限公司", body + uscc_check_character(body))


def _household(n: int, township: str, village: str) -> Household:
    body = f"61100219700101{n:03d}"
    return Household(
        head_name=f"户主{n}",
        resident_id=body + resident_id_check_character(body),
        township=township,
        village=village,
    )


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(n) for n in range((end - start).days + 1)]


def _random_store(store: Store, seed: int) -> None:
    """Households in two townships, contracts of every crop form in every status, some with
    their own window, quota, premium, ceiling (the market above it: a top-up below zero) or
    fixed prices; market prices on some days (some written with fewer zeros, some changed
    after slips were priced with them); slips accepted, rejected, voided and corrected (voided
    and typed again); inputs of each charge, some voided.
    """
    rng = random.Random(seed)
    catalog = default_catalog()
    forms = [(crop, form) for crop in catalog.crops for form in crop.forms]
    enterprises = [_enterprise(n) for n in (1, 2)]
    for enterprise in enterprises:
        store.add_enterprise(enterprise)
    places = [("沙河子镇", "党塬村"), ("沙河子镇", "西墹村"), ("大荆镇", "东沟村")]
    homes = [_household(n, *rng.choice(places)) for n in range(1, rng.randint(6, 14))]
    for home in homes:
        store.add_household(home)

    # market prices around each floor, on some days of each window
    priced: dict[tuple[str, str, str], list[dt.date]] = {}
    for crop, form in forms:
        start, end = form.delivery_window(SEASON)
        for grade in form.grades:
            base = form.floors.get(grade) or form.market_price
            days = rng.sample(_days(start, end), rng.randint(0, 12))
            priced[(crop.code, form.code, grade)] = days
            for day in days:
                factor = Decimal(rng.randint(60, 160)) / 100
                price = (base * factor).quantize(Decimal("0.01"))
                if price == price.quantize(Decimal("0.1")) and rng.random() < 0.5:
                    price = price.quantize(Decimal("0.1"))  # 2.4 one day, 2.40 another
                store.set_market_price(crop.code, form.code, grade, day, price)

    contracts: list[Contract] = []
    areas = ["1", "1", "1.5", "2", "0.3333", "0.5"]
    for number, home in enumerate(homes * 2):
        if rng.random() < 0.3:
            continue
        crop, form = rng.choice(forms)
        changes: dict[str, Any] = {}
        terms: dict[str, Any] = {}
        if rng.random() < 0.25:
            terms["quota_kg"] = D(rng.choice(["300", "800"]))
        if rng.random() < 0.15:
            terms["market_linked"] = False  # slips on days without a market price too
        elif rng.random() < 0.2:
            terms["ceiling"] = max(form.floors.values()) + D("0.30")
        if rng.random() < 0.2:
            terms["premium"] = D("0.05")
        if terms:
            changes["terms_overrides"] = terms
        contract = Contract.from_template(
            crop.code,
            form.code,
            contract_no=f"C-{seed}-{number:03d}",
            enterprise=rng.choice(enterprises),
            household=home,
            season=SEASON,
            area_mu=rng.choice(areas) if rng.random() < 0.8 else f"{rng.randint(1, 40000) / 10000}",
            **changes,
        )
        if rng.random() < 0.25:
            start, end = form.delivery_window(SEASON)
            middle = start + (end - start) / 2
            window = (start, middle) if rng.random() < 0.5 else (middle, end)
            contract = attrs.evolve(contract, delivery_start=window[0], delivery_end=window[1])
        store.add_contract(contract)
        fate = rng.random()
        if fate < 0.1:
            continue  # a draft
        if fate < 0.15:
            store.cancel_contract(contract.contract_no, "不种了")
            continue
        store.sign_contract(contract.contract_no, dt.date(SEASON, 3, 1))
        contracts.append(store.contract(contract.contract_no))

    receipt = 0
    delivered = []
    for contract in contracts:
        form = catalog.form(contract.crop, contract.form)
        start, end = form.delivery_window(SEASON)
        start, end = contract.delivery_start or start, contract.delivery_end or end
        expected = contract.area_mu * form.yield_kg_per_mu
        for _ in range(rng.randint(0, 5)):
            receipt += 1
            net = (expected * Decimal(rng.randint(1, 45)) / 100).quantize(Decimal("0.01"))
            moisture = Decimal(rng.choice(["0", "0", "0.10", "0.30"]))
            grade = rng.choice(form.grades)
            weighing = Weighing(gross_kg=net + 2, tare_kg="2", grade=grade, moisture=moisture)
            days = [
                day for day in priced[(contract.crop, contract.form, grade)] if start <= day <= end
            ]
            day = rng.choice(days if days and rng.random() < 0.9 else _days(start, end))
            try:
                d = store.record_delivery(contract.contract_no, weighing, day, f"R{receipt}")
            except OrderfarmError:
                continue  # no market price that day for market-linked terms
            delivered.append(d)
        for n in range(rng.randint(0, 2)):
            charge = rng.choice(list(ChargeMode))
            supply = InputSupply("化肥", D(rng.randint(1, 20)), "袋", D("85.50"), charge)
            record = store.supply_input(contract.contract_no, supply, start, f"S{n}")
            if rng.random() < 0.15:
                store.void_supply(record.id, "录错")
    for d in rng.sample(delivered, len(delivered) // 6):
        # its latest record: a void before it may have priced it again
        current = store.find_delivery(d.enterprise_uscc, SEASON, d.receipt_no)
        if current is not None and not current.voided:
            store.void_delivery(current.id, "称重录错")
    # corrections: a slip voided and typed again, in its place (the later slips priced again)
    live = store.deliveries(season=SEASON, include_voided=False)
    for d in rng.sample(live, min(2, len(live))):
        current = store.find_delivery(d.enterprise_uscc, SEASON, d.receipt_no)
        if current is None or current.voided:
            continue
        store.void_delivery(current.id, "毛重录错")
        weighing = attrs.evolve(current.weighing, gross_kg=current.weighing.gross_kg + 1)
        try:
            store.record_delivery(
                current.contract_no, weighing, current.day, current.receipt_no, anew=True
            )
        except OrderfarmError:
            continue  # left voided
    # a price changed after slips were priced with it: the table's price is the evidence
    by_number = {c.contract_no: c for c in contracts}
    for d in rng.sample(delivered, min(3, len(delivered))):
        if d.quote.market_price is not None:
            c = by_number[d.contract_no]
            changed = d.quote.market_price + D("0.37")
            store.set_market_price(c.crop, c.form, d.weighing.grade, d.day, changed)
    for contract in contracts:
        fate = rng.random()
        if fate < 0.15:
            store.close_contract(contract.contract_no)
        elif fate < 0.25:
            store.terminate_contract(contract.contract_no, "农户外出务工")


def _from_every_record(store: Store, **kwargs: Any) -> list[ActualRow]:
    """``season_actuals`` said plainly: every slip and input of the season read as a record,
    the market price of every grade of each contract's form read day by day over its window,
    and ``compare``."""
    as_of = kwargs.pop("as_of", None) or china_day(store.clock())
    catalog = store.catalog
    contracts = [c for c in store.contracts(season=SEASON) if c.status in IN_FORCE]
    market: dict[tuple[str, str, str], dict[dt.date, Decimal]] = defaultdict(dict)
    for c in contracts:
        form = catalog.form(c.crop, c.form)
        start, end = form.delivery_window(SEASON)
        for grade in form.grades:
            for day in _days(c.delivery_start or start, c.delivery_end or end):
                price = store.market_price(c.crop, c.form, grade, day)
                if price is not None:
                    market[(c.crop, c.form, grade)][day] = price
    return compare(
        [(store.household(c.household_id), c) for c in contracts],
        store.deliveries(season=SEASON),
        store.input_records(season=SEASON),
        market_prices=market,
        catalog=catalog,
        as_of=as_of,
        **kwargs,
    )


def _same_rows(read: list[ActualRow], plain: list[ActualRow]) -> None:
    assert read == plain
    # every figure written as the records write it, too (0 or 0.00, 2.4 or 2.40)
    assert [repr(r) for r in read] == [repr(r) for r in plain]


@settings(max_examples=max(10, settings().max_examples // 5))
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    variant=st.sampled_from(VARIANTS),
    as_of=st.sampled_from([None, dt.date(SEASON, 9, 15), dt.date(SEASON + 1, 1, 20)]),
)
def test_the_rows_read_in_sql_are_the_rows_compare_gives_from_every_record(
    seed: int, variant: dict[str, Any], as_of: dt.date | None
) -> None:
    """Voided slips and inputs, corrections, lots refused, contracts closed and terminated,
    inputs free, on advance and paid, every crop form and grade, days without a market price,
    fixed and market-linked terms: row by row, figure by figure, the same."""
    kwargs = {**variant, "as_of": as_of} if as_of else variant
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "s.db") as store:
        _random_store(store, seed)
        _same_rows(season_actuals(store, SEASON, **kwargs), _from_every_record(store, **kwargs))


@pytest.mark.parametrize("seed", range(3))
def test_the_rows_are_read_without_a_delivery_object(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A county's million slips as objects do not fit a clerk's laptop: the rows are read
    from sums and a few numbers a slip."""
    with Store.open(tmp_path / "season.db") as store:
        _random_store(store, seed)
        expected = _from_every_record(store)
        for name in ("deliveries", "delivery", "input_records", "contracts", "household"):
            monkeypatch.setattr(Store, name, _refuse)
        _same_rows(season_actuals(store, SEASON), expected)


def _refuse(*args: object, **kwargs: object) -> None:
    """Stands in for what must not be called: ``season_actuals`` where ``season_summary`` must
    not fall back to it, the store's records one by one where the rows are summed in SQL."""
    raise AssertionError("called where the records are summed in SQL")


def _rows_summary(store: Store, by: GroupBy, **kwargs: Any) -> tuple[ActualSummary, ...]:
    """The straightforward path: a row per contract from every slip, then grouped."""
    return summarise(season_actuals(store, SEASON, **kwargs), by)


@pytest.mark.parametrize("seed", range(6))
def test_sql_sums_equal_the_rows_on_random_stores(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "season.db") as store:
        _random_store(store, seed)
        expected = {
            (by, i): _rows_summary(store, by, **variant)
            for by in GROUPINGS
            for i, variant in enumerate(VARIANTS)
        }
        monkeypatch.setattr(actuals_module, "season_actuals", _refuse)
        for (by, i), rows in expected.items():
            summed = season_summary(store, SEASON, by, top_up=True, **VARIANTS[i])
            assert summed == rows, (by, VARIANTS[i])
            without = season_summary(store, SEASON, by, **VARIANTS[i])
            assert without == tuple(attrs.evolve(s, top_up=None) for s in rows)
        assert any(s.flagged_contracts for rows in expected.values() for s in rows)


def _boundary_store(store: Store) -> None:
    """Two 1-mu fresh-chilli contracts; with a yield of 1,000 kg/mu the fulfilment threshold
    of 50% lies at 499.95 kg, which rounds up to 50.00%: one delivers that, one 10 g less."""
    enterprise = _enterprise(1)
    store.add_enterprise(enterprise)
    for n, net in ((1, "499.95"), (2, "499.94")):
        home = _household(n, "沙河子镇", "党塬村")
        store.add_household(home)
        contract = Contract.from_template(
            "chilli",
            "fresh",
            contract_no=f"B-{n}",
            enterprise=enterprise,
            household=home,
            season=SEASON,
            area_mu="1",
        )
        store.add_contract(contract)
        store.sign_contract(contract.contract_no, dt.date(SEASON, 3, 1))
        day = dt.date(SEASON, 8, 10)
        store.set_market_price("chilli", "fresh", "一级", day, D("2.40"))
        store.record_delivery(
            contract.contract_no,
            Weighing(gross_kg=D(net) + 1, tare_kg="1", grade="一级"),
            day,
            f"R{n}",
        )


def test_the_threshold_is_compared_after_rounding_as_the_rows_do(tmp_path: Path) -> None:
    with Store.open(tmp_path / "season.db") as store:
        _boundary_store(store)
        rows = {
            r.contract.contract_no: r
            for r in season_actuals(store, SEASON, yield_kg_per_mu="1000", yield_cv="0")
        }
        assert rows["B-1"].fulfilment == D("0.5000") and not rows["B-1"].flagged
        assert rows["B-2"].fulfilment == D("0.4999") and rows["B-2"].flagged
        (chilli,) = season_summary(store, SEASON, "crop", yield_kg_per_mu="1000", yield_cv="0")
        assert chilli.flagged_contracts == 1
        assert chilli == attrs.evolve(summarise(rows.values(), "crop")[0], top_up=None)


def test_a_contract_stored_under_the_crop_name_is_summed_from_the_rows(tmp_path: Path) -> None:
    with Store.open(tmp_path / "season.db") as store:
        _boundary_store(store)
        enterprise, home = _enterprise(1), _household(3, "大荆镇", "东沟村")
        store.add_household(home)
        named = Contract.from_template(
            "chilli",
            "fresh",
            contract_no="B-3",
            enterprise=enterprise,
            household=home,
            season=SEASON,
            area_mu="2",
        )
        store.add_contract(attrs.evolve(named, crop="朝天椒"))
        store.sign_contract("B-3", dt.date(SEASON, 3, 1))
        store.record_delivery(
            "B-3", Weighing(gross_kg="301", tare_kg="1", grade="一级"), dt.date(SEASON, 8, 10), "R3"
        )
        _same_rows(season_actuals(store, SEASON), _from_every_record(store))
        for by in GROUPINGS:
            rows = _rows_summary(store, by)
            assert season_summary(store, SEASON, by, top_up=True) == rows
        assert {s.key for s in season_summary(store, SEASON, "crop")} == {"chilli", "朝天椒"}
        assert store.verify().ok  # its columns hold the codes its record names by name


def test_the_session_shows_the_sql_sums_and_keeps_them_per_audit_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "season.db") as store:
        _random_store(store, 11)
        expected = tuple(attrs.evolve(s, top_up=None) for s in _rows_summary(store, "crop"))
        monkeypatch.setattr(actuals_module, "season_actuals", _refuse)
        session = Session(store, User("zhao", Role.VIEWER))
        assert session.actuals(SEASON, "crop") == expected
        assert session.actuals(SEASON, "crop") is session.actuals(SEASON, "crop")


def test_an_empty_season_has_no_groups(tmp_path: Path) -> None:
    with Store.open(tmp_path / "season.db") as store:
        assert season_summary(store, SEASON, "crop") == ()
        with pytest.raises(ValueError, match="cannot group by"):
            season_summary(store, SEASON, "county")  # type: ignore[arg-type]
