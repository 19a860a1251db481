"""Estimate against actual: what each contract delivered and earned, beside its pre-season
estimate, with possible side-selling (疑似私自外卖) flagged and its evidence.

For every signed (or closed, or terminated) contract of a season: the pre-season ``Estimate``
(``orderfarm.estimate``), and from the records — accepted deliveries that are not voided, and
inputs supplied that are not voided — the kg delivered, the proceeds, the inputs charged to the
household, the actual net and increase, and the fulfilment rate ``delivered ÷ expected kg``.
The household's own cash cost per mu is not recorded: it stays the estimate's assumption.

A contract is flagged as possible side-selling when its fulfilment is below ``threshold``
(default 50%) while the market price over its delivery window was above its floor — the
household had a reason to sell elsewhere. The evidence (kg, fulfilment, days and prices) is
kept with the flag; a flag is a lead for a visit (入户核查), not a finding.

``compare`` is pure and works on values; ``season_actuals`` reads them from a ``Store`` through its
public methods, and ``summarise`` groups rows per household, village, township, crop or
enterprise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import attrs

from orderfarm.contracts import Contract, ContractStatus
from orderfarm.crops import Catalog, default_catalog
from orderfarm.estimate import Assumptions, Estimate, GroupBy, estimate_pairs, form_key
from orderfarm.messages import Lang
from orderfarm.money import ZERO, D, round_yuan
from orderfarm.parties import Household
from orderfarm.store import Delivery, InputRecord, Store
from orderfarm.supplies import ChargeMode

#: Fulfilment below this share of the expected kg is "far below expected".
DEFAULT_THRESHOLD: Final = Decimal("0.5")

#: Rates (fulfilment) and derived prices are shown to 0.0001.
RATE_STEP: Final = Decimal("0.0001")

#: Statuses whose contracts were in force during the season.
IN_FORCE: Final = frozenset(
    {ContractStatus.SIGNED, ContractStatus.CLOSED, ContractStatus.TERMINATED}
)

#: Market prices by (crop code, form code, grade) → day → yuan/kg.
MarketPrices = Mapping[tuple[str, str, str], Mapping[dt.date, Decimal]]


def _rate(value: Decimal) -> Decimal:
    return value.quantize(RATE_STEP, rounding=ROUND_HALF_UP)


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@attrs.frozen(kw_only=True)
class SideSellingEvidence:
    """Why a contract is flagged 疑似私自外卖: little delivered while the market paid more."""

    contract_no: str
    household_id: str
    grade: str
    expected_kg: Decimal
    delivered_kg: Decimal
    fulfilment: Decimal
    threshold: Decimal
    floor: Decimal
    window_start: dt.date | None
    window_end: dt.date | None
    #: days in the window with a recorded market price, and how many were above the floor
    market_days: int
    days_above_floor: int
    mean_market_price: Decimal
    max_market_price: Decimal

    def explain(self, lang: Lang = "zh") -> str:
        """The evidence in a sentence, Chinese (``zh``) or English (``en``)."""
        window = f"{self.window_start or '…'}–{self.window_end or '…'}"
        if lang == "zh":
            return (
                f"疑似私自外卖：合同 {self.contract_no} 交售 {self.delivered_kg:,.2f} kg，"
                f"为预期 {self.expected_kg:,.2f} kg 的 {_pct(self.fulfilment)}"
                f"（低于 {_pct(self.threshold)}）；交售期 {window} 内 {self.market_days} 天有"
                f"市场价记录，其中 {self.days_above_floor} 天高于{self.grade}保护价 "
                f"{self.floor} 元/kg，均价 {self.mean_market_price} 元/kg，最高 "
                f"{self.max_market_price} 元/kg"
            )
        return (
            f"possible side-selling: contract {self.contract_no} delivered "
            f"{self.delivered_kg:,.2f} kg, {_pct(self.fulfilment)} of the expected "
            f"{self.expected_kg:,.2f} kg (below {_pct(self.threshold)}); in the delivery window "
            f"{window} the market price was recorded on {self.market_days} days, above the "
            f"{self.grade} floor of {self.floor} yuan/kg on {self.days_above_floor}, averaging "
            f"{self.mean_market_price} and reaching {self.max_market_price} yuan/kg"
        )


@attrs.frozen(kw_only=True)
class ActualRow:
    """One contract's season: the estimate, and what the records say. Amounts in yuan."""

    household: Household
    contract: Contract
    estimate: Estimate
    deliveries: int
    rejected_lots: int
    delivered_kg: Decimal
    proceeds: Decimal
    #: inputs recorded under the contract and charged to the household (advance or paid)
    input_cost: Decimal
    #: inputs recorded as free (shown, not a household cost)
    free_inputs: Decimal
    #: the household's own cash cost: not recorded, the estimate's assumption (area × cost/mu)
    own_cost: Decimal
    #: the enterprise's top-up over the day's market on protected kg (where the market is known)
    top_up: Decimal
    side_selling: SideSellingEvidence | None = None

    @property
    def expected_kg(self) -> Decimal:
        """The estimate's expected harvest."""
        return self.estimate.expected_kg

    @property
    def cost(self) -> Decimal:
        """Own cost plus the inputs charged to the household."""
        return self.own_cost + self.input_cost

    @property
    def net(self) -> Decimal:
        """Proceeds less cost."""
        return self.proceeds - self.cost

    @property
    def increase(self) -> Decimal:
        """Actual net less the maize baseline of the estimate."""
        return self.net - self.estimate.baseline_net

    @property
    def fulfilment(self) -> Decimal | None:
        """Delivered ÷ expected kg (0.0001), or ``None`` when nothing was expected."""
        if self.expected_kg <= ZERO:
            return None
        return _rate(self.delivered_kg / self.expected_kg)

    @property
    def flagged(self) -> bool:
        """Whether the contract is flagged as possible side-selling."""
        return self.side_selling is not None


def _window(contract: Contract, catalog: Catalog) -> tuple[dt.date, dt.date]:
    start, end = catalog.form(contract.crop, contract.form).delivery_window(contract.season)
    return contract.delivery_start or start, contract.delivery_end or end


def _observed_prices(
    deliveries: Iterable[Delivery], contracts: Mapping[str, Contract]
) -> dict[tuple[str, str, str], dict[dt.date, Decimal]]:
    """Market prices seen on recorded deliveries, by (crop, form, grade) and day."""
    seen: dict[tuple[str, str, str], dict[dt.date, Decimal]] = defaultdict(dict)
    for d in deliveries:
        contract = contracts.get(d.contract_no)
        if contract is not None and d.quote.market_price is not None:
            key = (contract.crop, contract.form, d.weighing.grade)
            seen[key][d.day] = d.quote.market_price
    return seen


def _evidence(
    contract: Contract,
    est: Estimate,
    delivered_kg: Decimal,
    prices: Mapping[dt.date, Decimal],
    window: tuple[dt.date, dt.date],
    threshold: Decimal,
) -> SideSellingEvidence | None:
    if est.floor is None or est.expected_kg <= ZERO:
        return None
    fulfilment = _rate(delivered_kg / est.expected_kg)
    if fulfilment >= threshold:
        return None
    in_window = [p for day, p in prices.items() if window[0] <= day <= window[1]]
    if not in_window:
        return None
    mean = _rate(sum(in_window, ZERO) / len(in_window))
    if mean <= est.floor:
        return None
    return SideSellingEvidence(
        contract_no=contract.contract_no,
        household_id=contract.household_id,
        grade=est.assumptions.grade,
        expected_kg=est.expected_kg,
        delivered_kg=delivered_kg,
        fulfilment=fulfilment,
        threshold=threshold,
        floor=est.floor,
        window_start=window[0],
        window_end=window[1],
        market_days=len(in_window),
        days_above_floor=sum(1 for p in in_window if p > est.floor),
        mean_market_price=mean,
        max_market_price=max(in_window),
    )


def compare(
    pairs: Iterable[tuple[Household, Contract]],
    deliveries: Iterable[Delivery],
    inputs: Iterable[InputRecord],
    *,
    market_prices: MarketPrices | None = None,
    assumptions: Mapping[str, Assumptions] | None = None,
    catalog: Catalog | None = None,
    threshold: Decimal = DEFAULT_THRESHOLD,
    **overrides: object,
) -> list[ActualRow]:
    """Each contract in force beside its estimate, from the records given; pure.

    Voided records and rejected lots are left out. ``market_prices`` (by crop, form, grade and
    day) are the evidence for side-selling, together with the market prices seen on the
    deliveries themselves. ``assumptions`` and ``overrides`` shape the estimates as in
    ``orderfarm.estimate.estimate_pairs``.
    """
    catalog = catalog or default_catalog()
    threshold = D(threshold, "threshold")
    in_force = [(h, c) for h, c in pairs if c.status in IN_FORCE]
    contracts = {c.contract_no: c for _, c in in_force}
    live = [d for d in deliveries if not d.voided and d.contract_no in contracts]
    prices = _observed_prices(live, contracts)
    for key, by_day in (market_prices or {}).items():
        prices.setdefault(key, {}).update(by_day)

    by_contract: dict[str, list[Delivery]] = defaultdict(list)
    for d in live:
        by_contract[d.contract_no].append(d)
    supplies: dict[str, list[InputRecord]] = defaultdict(list)
    for record in inputs:
        if not record.voided and record.contract_no in contracts:
            supplies[record.contract_no].append(record)

    estimates = estimate_pairs(
        in_force, scenario=None, assumptions=assumptions, catalog=catalog, **overrides
    )
    rows = []
    for household, est in estimates:
        contract = contracts[est.contract_no]
        lots = by_contract.get(contract.contract_no, [])
        accepted = [d for d in lots if d.accepted]
        delivered_kg = sum((d.quote.net_kg for d in accepted), ZERO)
        top_up = ZERO
        for d in accepted:
            market = d.quote.market_price
            if market is None:
                continue
            for portion in d.quote.portions:
                if portion.protected:
                    top_up += round_yuan(portion.kg * (portion.unit_price - market))
        records = supplies.get(contract.contract_no, [])
        grade_key = (contract.crop, contract.form, est.assumptions.grade)
        rows.append(
            ActualRow(
                household=household,
                contract=contract,
                estimate=est,
                deliveries=len(lots),
                rejected_lots=len(lots) - len(accepted),
                delivered_kg=delivered_kg,
                proceeds=sum((d.amount for d in lots), ZERO),
                input_cost=sum(
                    (r.amount for r in records if r.supply.charge is not ChargeMode.FREE), ZERO
                ),
                free_inputs=sum(
                    (r.amount for r in records if r.supply.charge is ChargeMode.FREE), ZERO
                ),
                own_cost=est.crop_cost,
                top_up=top_up,
                side_selling=_evidence(
                    contract,
                    est,
                    delivered_kg,
                    prices.get(grade_key, {}),
                    _window(contract, catalog),
                    threshold,
                ),
            )
        )
    return rows


def _grade(
    contract: Contract,
    assumptions: Mapping[str, Assumptions] | None,
    overrides: Mapping[str, object],
    catalog: Catalog,
) -> str:
    """The grade a contract is estimated at (as ``estimate_pairs`` chooses it)."""
    if "grade" in overrides:
        return str(overrides["grade"])
    given = (assumptions or {}).get(form_key(contract.crop, contract.form))
    if given is not None:
        return given.grade
    return Assumptions.defaults(contract.crop, contract.form, catalog).grade


def season_actuals(
    store: Store,
    season: int,
    *,
    assumptions: Mapping[str, Assumptions] | None = None,
    threshold: Decimal = DEFAULT_THRESHOLD,
    **overrides: object,
) -> list[ActualRow]:
    """``compare`` over a season's records in ``store`` (read only, through its public methods):
    contracts in force, their households, deliveries and inputs not voided, and the market
    prices recorded over each contract's delivery window for the grade it is estimated at."""
    catalog = store.catalog
    contracts = [c for c in store.contracts(season=season) if c.status in IN_FORCE]
    households: dict[str, Household] = {}
    for contract in contracts:
        if contract.household_id not in households:
            households[contract.household_id] = store.household(contract.household_id)
    pairs = [(households[c.household_id], c) for c in contracts]
    deliveries = store.deliveries(season=season, include_voided=False)
    inputs = [r for r in store.input_records(season=season) if not r.voided]

    # recorded market prices per (crop, form, grade) over the union of the delivery windows
    windows: dict[tuple[str, str, str], tuple[dt.date, dt.date]] = {}
    for contract in contracts:
        grade = _grade(contract, assumptions, overrides, catalog)
        start, end = _window(contract, catalog)
        price_key = (contract.crop, contract.form, grade)
        if price_key in windows:
            lo, hi = windows[price_key]
            start, end = min(lo, start), max(hi, end)
        windows[price_key] = (start, end)
    market: dict[tuple[str, str, str], dict[dt.date, Decimal]] = {}
    for (crop, form, grade), (start, end) in windows.items():
        found: dict[dt.date, Decimal] = {}
        for offset in range((end - start).days + 1):
            day = start + dt.timedelta(days=offset)
            price = store.market_price(crop, form, grade, day)
            if price is not None:
                found[day] = price
        market[(crop, form, grade)] = found
    return compare(
        pairs,
        deliveries,
        inputs,
        market_prices=market,
        assumptions=assumptions,
        catalog=catalog,
        threshold=threshold,
        **overrides,
    )


@attrs.frozen(kw_only=True)
class ActualSummary:
    """Estimate against actual for a group: a household, village, township, crop or enterprise."""

    by: str
    key: str
    households: int
    contracts: int
    area_mu: Decimal
    expected_kg: Decimal
    delivered_kg: Decimal
    #: delivered ÷ expected kg (0.0001), ``None`` when nothing was expected
    fulfilment: Decimal | None
    estimated_increase: Decimal
    actual_increase: Decimal
    #: per household, rounded half-up to the fen
    average_estimated_increase: Decimal
    average_actual_increase: Decimal
    proceeds: Decimal
    top_up: Decimal
    flagged_contracts: int


def _key(by: GroupBy, row: ActualRow) -> str:
    h, c = row.household, row.contract
    keys = {
        "household": h.resident_id,
        "village": f"{h.township}/{h.village}",
        "township": h.township,
        "crop": c.crop,
        "enterprise": c.enterprise_uscc,
    }
    if by not in keys:
        raise ValueError(f"cannot group by {by!r}")
    return keys[by]


def summarise(rows: Iterable[ActualRow], by: GroupBy) -> tuple[ActualSummary, ...]:
    """Rows grouped per household, village (``township/village``), township, crop or
    enterprise, sorted by key."""
    groups: dict[str, list[ActualRow]] = defaultdict(list)
    for row in rows:
        groups[_key(by, row)].append(row)
    out = []
    for key in sorted(groups):
        members = groups[key]
        households = len({r.household.resident_id for r in members})
        expected = sum((r.expected_kg for r in members), ZERO)
        delivered = sum((r.delivered_kg for r in members), ZERO)
        estimated = sum((r.estimate.increase for r in members), ZERO)
        actual = sum((r.increase for r in members), ZERO)
        out.append(
            ActualSummary(
                by=by,
                key=key,
                households=households,
                contracts=len(members),
                area_mu=sum((r.contract.area_mu for r in members), ZERO),
                expected_kg=expected,
                delivered_kg=delivered,
                fulfilment=_rate(delivered / expected) if expected > ZERO else None,
                estimated_increase=estimated,
                actual_increase=actual,
                average_estimated_increase=round_yuan(estimated / households),
                average_actual_increase=round_yuan(actual / households),
                proceeds=sum((r.proceeds for r in members), ZERO),
                top_up=sum((r.top_up for r in members), ZERO),
                flagged_contracts=sum(1 for r in members if r.flagged),
            )
        )
    return tuple(out)
