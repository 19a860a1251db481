"""Estimate against actual: what each contract delivered and earned, beside its pre-season
estimate, with possible side-selling (疑似私自外卖) flagged and its evidence.

For every signed (or closed, or terminated) contract of a season: the pre-season ``Estimate``
(``orderfarm.estimate``), and from the records — accepted deliveries that are not voided, and
inputs supplied that are not voided — the kg delivered, the proceeds, the inputs charged to the
household, the actual net and increase, and the fulfilment rate ``delivered ÷ expected kg``.
The household's own cash cost per mu is not recorded: it stays the estimate's assumption.

A contract is flagged as possible side-selling when what the household brought to the
purchase points — the accepted kg and the kg of lots refused there for their moisture — is
below ``threshold`` (default 50%) of the expected harvest while the market price over its
delivery window was above its floor: the household had a reason to sell elsewhere. Only a
window that has ended (by ``as_of``) is judged, and a contract terminated early is not. The
evidence (kg, fulfilment, days and prices) is kept with the flag; a flag is a lead for a visit
(入户核查), not a finding.

``compare`` is pure and works on values; ``season_actuals`` gives the same rows from a ``Store``,
summed in SQL (a county's season in seconds, in the memory of its rows), and ``summarise``
groups rows per household, village, township, crop or enterprise. ``season_summary`` gives the
same groups without a row per contract: SQL sums the slips and inputs per group of like
contracts, and each kind of contract is estimated once (what a page showing a season's figures
uses; the rows, with their evidence, are for one household's contracts).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, Inexact, localcontext
from typing import Final

import attrs

from orderfarm.contracts import Contract, ContractStatus
from orderfarm.crops import Catalog, default_catalog
from orderfarm.errors import ValidationError
from orderfarm.estimate import (
    Assumptions,
    Estimate,
    GroupBy,
    estimate_contract,
    estimate_pairs,
    form_key,
)
from orderfarm.messages import Lang
from orderfarm.money import ZERO, D, from_fen, round_yuan
from orderfarm.parties import Household
from orderfarm.serial import from_json
from orderfarm.store import Delivery, InputRecord, Store
from orderfarm.supplies import ChargeMode
from orderfarm.units import china_day

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
    """A rate as a percentage to 0.01% (49.99% is not said 50.0% beside a threshold of 50%)."""
    return f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


@attrs.frozen(kw_only=True)
class SideSellingEvidence:
    """Why a contract is flagged 疑似私自外卖: little delivered while the market paid more."""

    contract_no: str
    household_id: str
    grade: str
    expected_kg: Decimal
    delivered_kg: Decimal
    #: kg of lots refused at the purchase point for their moisture (brought, not bought)
    rejected_kg: Decimal
    #: (delivered + rejected) ÷ expected kg
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
            refused = f"（另有拒收 {self.rejected_kg:,.2f} kg）" if self.rejected_kg else ""
            return (
                f"疑似私自外卖：合同 {self.contract_no} 交售 {self.delivered_kg:,.2f} kg{refused}，"
                f"为预期 {self.expected_kg:,.2f} kg 的 {_pct(self.fulfilment)}"
                f"（低于 {_pct(self.threshold)}）；交售期 {window} 内 {self.market_days} 天有"
                f"市场价记录，其中 {self.days_above_floor} 天高于{self.grade}保护价 "
                f"{self.floor} 元/kg，均价 {self.mean_market_price} 元/kg，最高 "
                f"{self.max_market_price} 元/kg"
            )
        refused = f" (and {self.rejected_kg:,.2f} kg refused)" if self.rejected_kg else ""
        return (
            f"possible side-selling: contract {self.contract_no} delivered "
            f"{self.delivered_kg:,.2f} kg{refused}, {_pct(self.fulfilment)} of the expected "
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


def _price_key(contract: Contract, est: Estimate) -> tuple[str, str, str]:
    """The market prices a contract's deliveries are judged by: its crop, form, and the grade
    it is estimated at."""
    return contract.crop, contract.form, est.assumptions.grade


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


def _with_table(
    seen: dict[tuple[str, str, str], dict[dt.date, Decimal]], table: MarketPrices
) -> dict[tuple[str, str, str], dict[dt.date, Decimal]]:
    """The market prices seen on deliveries, each day's replaced by the table's where it has
    one (in the order they were seen, then the table's other days)."""
    for key, by_day in table.items():
        seen.setdefault(key, {}).update(by_day)
    return seen


def _judged(contract: Contract, window: tuple[dt.date, dt.date], as_of: dt.date | None) -> bool:
    """Whether a contract's deliveries can be judged for side-selling: not terminated early
    (its harvest lost, or ended by agreement), and its window over before ``as_of`` (when
    given)."""
    return contract.status is not ContractStatus.TERMINATED and _over(window, as_of)


def _over(window: tuple[dt.date, dt.date], as_of: dt.date | None) -> bool:
    """Whether a delivery window is over by ``as_of`` (always, without one): slips may still
    come on its last day. ``season_summary`` leaves terminated contracts out in its SQL."""
    return as_of is None or window[1] < as_of


def _evidence(
    contract: Contract,
    est: Estimate,
    delivered_kg: Decimal,
    rejected_kg: Decimal,
    prices: Mapping[dt.date, Decimal],
    window: tuple[dt.date, dt.date],
    threshold: Decimal,
    as_of: dt.date | None,
) -> SideSellingEvidence | None:
    if est.floor is None or est.expected_kg <= ZERO or not _judged(contract, window, as_of):
        return None
    fulfilment = _rate((delivered_kg + rejected_kg) / est.expected_kg)
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
        rejected_kg=rejected_kg,
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


def _slip_top_up(kg: Decimal, unit_price: Decimal, market: Decimal) -> Decimal:
    """The enterprise's top-up over the day's market on a slip's protected kg, rounded per
    slip."""
    return round_yuan(kg * (unit_price - market))


@attrs.frozen(kw_only=True)
class _Tally:
    """A contract's records that are not voided, added up as ``compare`` shows them: a sum of
    no records is ``ZERO``, as ``sum`` gives it; of some, it has their two decimal places."""

    deliveries: int = 0
    rejected_lots: int = 0
    #: accepted kg, and kg of lots refused for their moisture
    delivered_kg: Decimal = ZERO
    rejected_kg: Decimal = ZERO
    proceeds: Decimal = ZERO
    top_up: Decimal = ZERO
    #: inputs charged to the household (advance or paid), and free ones
    input_cost: Decimal = ZERO
    free_inputs: Decimal = ZERO


def _tally(lots: Sequence[Delivery], records: Sequence[InputRecord]) -> _Tally:
    """A contract's deliveries and inputs, none voided, added up."""
    accepted = [d for d in lots if d.accepted]
    top_up = ZERO
    for d in accepted:
        market = d.quote.market_price
        if market is None:
            continue
        for portion in d.quote.portions:
            if portion.protected:
                top_up += _slip_top_up(portion.kg, portion.unit_price, market)
    return _Tally(
        deliveries=len(lots),
        rejected_lots=len(lots) - len(accepted),
        delivered_kg=sum((d.quote.net_kg for d in accepted), ZERO),
        rejected_kg=sum((d.quote.net_kg for d in lots if not d.accepted), ZERO),
        proceeds=sum((d.amount for d in lots), ZERO),
        top_up=top_up,
        input_cost=sum((r.amount for r in records if r.supply.charge is not ChargeMode.FREE), ZERO),
        free_inputs=sum((r.amount for r in records if r.supply.charge is ChargeMode.FREE), ZERO),
    )


def _row(
    household: Household,
    contract: Contract,
    est: Estimate,
    tally: _Tally,
    prices: MarketPrices,
    catalog: Catalog,
    threshold: Decimal,
    as_of: dt.date | None,
) -> ActualRow:
    """A contract's row: its estimate beside its records' tally, and the evidence of
    side-selling, if any, in ``prices``."""
    return ActualRow(
        household=household,
        contract=contract,
        estimate=est,
        deliveries=tally.deliveries,
        rejected_lots=tally.rejected_lots,
        delivered_kg=tally.delivered_kg,
        proceeds=tally.proceeds,
        input_cost=tally.input_cost,
        free_inputs=tally.free_inputs,
        own_cost=est.crop_cost,
        top_up=tally.top_up,
        side_selling=_evidence(
            contract,
            est,
            tally.delivered_kg,
            tally.rejected_kg,
            prices.get(_price_key(contract, est), {}),
            _window(contract, catalog),
            threshold,
            as_of,
        ),
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
    as_of: dt.date | None = None,
    **overrides: object,
) -> list[ActualRow]:
    """Each contract in force beside its estimate, from the records given; pure.

    Voided records are left out, and rejected lots from the kg delivered (but not from what
    the household brought, which the side-selling flag weighs). ``market_prices`` (by crop,
    form, grade and day) are the evidence for side-selling, together with the market prices
    seen on the deliveries themselves; only windows over by ``as_of`` are judged, when it is
    given. ``assumptions`` and ``overrides`` shape the estimates as in
    ``orderfarm.estimate.estimate_pairs``.
    """
    catalog = catalog or default_catalog()
    threshold = D(threshold, "threshold")
    in_force = [(h, c) for h, c in pairs if c.status in IN_FORCE]
    contracts = {c.contract_no: c for _, c in in_force}
    live = [d for d in deliveries if not d.voided and d.contract_no in contracts]
    prices = _with_table(_observed_prices(live, contracts), market_prices or {})

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
    return [
        _row(
            household,
            contracts[est.contract_no],
            est,
            _tally(by_contract.get(est.contract_no, []), supplies.get(est.contract_no, [])),
            prices,
            catalog,
            threshold,
            as_of,
        )
        for household, est in estimates
    ]


# -- a season's rows from a store ---------------------------------------------------------------
#
# ``season_actuals`` gives what ``compare`` gives over the store's records without reading them as
# ``Delivery`` objects (a county's million slips are minutes and gigabytes so): SQL sums each
# contract's slips and inputs (integers: grams, fen); one pass over the slips, a few columns
# each, brings what a sum cannot give (the kg of lots refused, the top-up rounded per slip, the
# market prices seen on them in their order); each kind of contract (crop, form, area, terms,
# inputs) is estimated once, and the market-price table is read in one query per crop, form
# and grade.

#: Per contract of the season: its inputs not voided charged to the household (advance or paid)
#: and free, how many of each and their amounts (fen).
_SUPPLY_SUMS: Final = (
    "SELECT s.contract_id, "
    "SUM(CASE WHEN s.charge <> 'free' THEN 1 ELSE 0 END) AS charged, "
    "SUM(CASE WHEN s.charge <> 'free' THEN s.amount_fen ELSE 0 END) AS charged_fen, "
    "SUM(CASE WHEN s.charge = 'free' THEN 1 ELSE 0 END) AS free, "
    "SUM(CASE WHEN s.charge = 'free' THEN s.amount_fen ELSE 0 END) AS free_fen "
    "FROM input_supplies s WHERE s.season = ? AND NOT EXISTS "
    "(SELECT 1 FROM supply_voids v WHERE v.supply_id = s.id) GROUP BY s.contract_id"
)

#: The contracts in force of a season in contract-number order (as ``Store.contracts`` gives
#: them), each with its household, what its estimate depends on (its crop, form, area, terms and
#: inputs as stored: contracts alike are estimated once), the sums of its slips not voided
#: (``contract_totals``, kept by the store: accepted grams, amount, slips) and of its inputs.
_IN_FORCE_ROWS: Final = (
    "SELECT c.id AS contract_pk, c.data AS contract_data, "
    "json_extract(c.data, '$.crop', '$.form', '$.area_mu', '$.terms', '$.inputs') AS kind, "
    "COALESCE(t.slips, 0) AS slips, COALESCE(t.net_g, 0) AS net_g, "
    "COALESCE(t.amount_fen, 0) AS amount_fen, COALESCE(s.charged, 0) AS charged, "
    "COALESCE(s.charged_fen, 0) AS charged_fen, COALESCE(s.free, 0) AS free, "
    "COALESCE(s.free_fen, 0) AS free_fen, h.* "
    "FROM contracts c JOIN households h ON h.id = c.household_id "
    "LEFT JOIN contract_totals t ON t.contract_id = c.id "
    "LEFT JOIN (" + _SUPPLY_SUMS + ") s ON s.contract_id = c.id "
    "WHERE c.season = ? AND c.status IN ('signed', 'closed', 'terminated') "
    "ORDER BY c.contract_no"
)

#: The slips not voided of a season that the sums cannot stand for, in record order: each lot
#: refused (its grams), and each priced against a known market (the price seen on it; the
#: top-up on its protected kg, rounded per slip).
_LOTS: Final = (
    "SELECT d.contract_id, d.accepted, d.net_g, d.grade, d.day, d.market_price, d.protected_g, "
    "d.protected_price FROM deliveries d WHERE d.season = ? AND "
    "(d.accepted = 0 OR d.market_price IS NOT NULL) AND NOT EXISTS "
    "(SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id) ORDER BY d.id"
)


@attrs.define
class _Records:
    """A contract in force and its records not voided: what SQL sums (slips, accepted grams,
    amount; inputs charged and free), and what its slips add as they go by (lots refused,
    top-up)."""

    household: Household
    contract: Contract
    #: the kind of contract it is estimated as (``alike``)
    kind: int
    contract_pk: int
    slips: int
    net_g: int
    amount_fen: int
    charged: int
    charged_fen: int
    free: int
    free_fen: int
    rejected: int = 0
    rejected_g: int = 0
    top_up: Decimal = ZERO

    @classmethod
    def of(cls, row: sqlite3.Row, household: Household, contract: Contract, kind: int) -> _Records:
        return cls(
            household,
            contract,
            kind,
            int(row["contract_pk"]),
            slips=int(row["slips"]),
            net_g=int(row["net_g"]),
            amount_fen=int(row["amount_fen"]),
            charged=int(row["charged"]),
            charged_fen=int(row["charged_fen"]),
            free=int(row["free"]),
            free_fen=int(row["free_fen"]),
        )

    def tally(self) -> _Tally:
        """The sums as ``compare`` adds them up (``_tally``)."""
        accepted = self.slips - self.rejected
        return _Tally(
            deliveries=self.slips,
            rejected_lots=self.rejected,
            delivered_kg=_of(accepted, _kg(self.net_g)),
            rejected_kg=_of(self.rejected, _kg(self.rejected_g)),
            proceeds=_of(self.slips, from_fen(self.amount_fen)),
            top_up=self.top_up,
            input_cost=_of(self.charged, from_fen(self.charged_fen)),
            free_inputs=_of(self.free, from_fen(self.free_fen)),
        )


def _of(count: int, amount: Decimal) -> Decimal:
    """A sum of ``count`` records, as ``sum`` from ``ZERO`` writes it."""
    return amount if count else ZERO


def season_actuals(
    store: Store,
    season: int,
    *,
    assumptions: Mapping[str, Assumptions] | None = None,
    threshold: Decimal = DEFAULT_THRESHOLD,
    as_of: dt.date | None = None,
    **overrides: object,
) -> list[ActualRow]:
    """``compare`` over a season's records in ``store`` (read only): contracts in force, their
    households, deliveries and inputs not voided, and the market prices recorded over each
    contract's delivery window for the grade it is estimated at; side-selling judged as of
    ``as_of`` (the store's today when not given).

    The records are summed in SQL and the slips read once, a few numbers each, in one read
    transaction: a county's season (10^5 contracts, 10^6 slips) takes seconds and the memory
    of its rows."""
    as_of = as_of or china_day(store.clock())
    threshold = D(threshold, "threshold")

    def work(conn: sqlite3.Connection) -> list[ActualRow]:
        return _season_actuals(
            conn, store.catalog, season, assumptions, threshold, as_of, overrides
        )

    rows: list[ActualRow] = store._read(work)
    return rows


def _season_actuals(
    conn: sqlite3.Connection,
    catalog: Catalog,
    season: int,
    assumptions: Mapping[str, Assumptions] | None,
    threshold: Decimal,
    as_of: dt.date,
    overrides: Mapping[str, object],
) -> list[ActualRow]:
    households: dict[int, Household] = {}
    kinds: dict[str, int] = {}
    alike: list[tuple[Household, Contract]] = []  # the first contract of each kind
    read: list[_Records] = []
    for r in conn.execute(_IN_FORCE_ROWS, (season, season)):
        household = households.get(r["id"])
        if household is None:
            household = households[r["id"]] = Store._household_of(r)
        contract = from_json(r["contract_data"], Contract)
        kind = kinds.setdefault(r["kind"], len(kinds))
        if kind == len(alike):
            alike.append((household, contract))
        read.append(_Records.of(r, household, contract, kind))

    by_id = {records.contract_pk: records for records in read}
    decimals: dict[str, Decimal] = {}

    def decimal(text: str) -> Decimal:  # each stored price read once
        if text not in decimals:
            decimals[text] = D(text)
        return decimals[text]

    seen: dict[tuple[str, str, str], dict[str, str]] = {}  # market prices on slips, as stored
    for row in conn.execute(_LOTS, (season,)):
        contract_pk, accepted, net_g, grade, day, market, grams, price = row
        records = by_id.get(contract_pk)
        if records is None:
            continue  # a contract not in force
        if not accepted:
            records.rejected += 1
            records.rejected_g += net_g
        if market is None:
            continue
        key = (records.contract.crop, records.contract.form, grade)
        days = seen.get(key)
        if days is None:
            days = seen[key] = {}
        days[day] = market
        if accepted and grams:
            records.top_up += _slip_top_up(_kg(grams), decimal(price), decimal(market))

    estimated = [
        est
        for _, est in estimate_pairs(
            alike, scenario=None, assumptions=assumptions, catalog=catalog, **overrides
        )
    ]
    estimates = []
    spans: dict[tuple[str, str, str], tuple[dt.date, dt.date]] = {}
    for records in read:
        est = estimated[records.kind]
        if est.contract_no != records.contract.contract_no:
            est = est.for_contract(records.contract)
        estimates.append(est)
        _widen(spans, _price_key(records.contract, est), _window(records.contract, catalog))
    observed = {
        key: {dt.date.fromisoformat(day): decimal(market) for day, market in days.items()}
        for key, days in seen.items()
    }
    prices = _with_table(observed, _table_prices(conn, catalog, spans))
    return [
        _row(
            records.household,
            records.contract,
            est,
            records.tally(),
            prices,
            catalog,
            threshold,
            as_of,
        )
        for records, est in zip(read, estimates, strict=True)
    ]


def _widen(
    spans: dict[tuple[str, str, str], tuple[dt.date, dt.date]],
    key: tuple[str, str, str],
    window: tuple[dt.date, dt.date],
) -> None:
    """Widen the span of days of ``key``'s market prices to take in ``window``."""
    start, end = window
    if key in spans:
        lo, hi = spans[key]
        start, end = min(lo, start), max(hi, end)
    spans[key] = (start, end)


def _table_prices(
    conn: sqlite3.Connection,
    catalog: Catalog,
    spans: Mapping[tuple[str, str, str], tuple[dt.date, dt.date]],
) -> dict[tuple[str, str, str], dict[dt.date, Decimal]]:
    """The market-price table over the span of days of each (crop, form, grade), one query
    each: by the crop and form a contract names, found by their codes (as
    ``Store.market_price`` finds them)."""
    prices: dict[tuple[str, str, str], dict[dt.date, Decimal]] = {}
    for (crop, form, grade), (start, end) in spans.items():
        entry = catalog.crop(crop)
        key = (entry.code, entry.form(form).code, grade, start.isoformat(), end.isoformat())
        prices[(crop, form, grade)] = {
            dt.date.fromisoformat(day): D(price) for day, price in conn.execute(_TABLE_PRICES, key)
        }
    return prices


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
    #: the enterprise's top-up over the market on protected kg; ``None`` when not computed
    #: (``season_summary`` reads it from every slip only when asked: ``top_up=True``)
    top_up: Decimal | None
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


# -- the season's summary, summed in SQL --------------------------------------------------------
#
# ``summarise(season_actuals(...))`` builds a row per contract, each with its contract, household
# and estimate: on a county's store (10^5 households, 10^6 slips) that is seconds of Python and
# hundreds of megabytes. ``season_summary`` gives the same ``ActualSummary`` values from a few
# queries: SQL sums each contract's slips and inputs (integers: grams, fen) and groups the
# contracts by the key shown and by everything their estimate and window depend on (crop, form,
# area, terms, inputs, delivery window), so Python estimates each distinct kind of contract once
# and multiplies. A contract's side-selling flag needs its own fulfilment: SQL counts, per group,
# the contracts below the threshold with an exact integer comparison (``_bound``); the market
# prices over the windows are read only for groups that have such contracts, from the
# market-price table alone (see ``_flags``).

#: Per contract of the season: the grams of lots refused for their moisture, not voided (what
#: the household brought but was not bought: the side-selling flag counts them as brought).
_REJECTED_SUMS: Final = (
    "SELECT d.contract_id, SUM(d.net_g) AS rejected_g FROM deliveries d "
    "WHERE d.season = ? AND d.accepted = 0 AND NOT EXISTS "
    "(SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id) GROUP BY d.contract_id"
)

#: The group key of each ``GroupBy``, as ``summarise`` forms it (``_key``), and the table it
#: needs joined; the crop is the catalog code (a contract stored under another name is
#: summarised from its rows).
_KEYS: Final = {
    "household": ("h.resident_id", "JOIN households h ON h.id = c.household_id"),
    "village": ("h.township || '/' || h.village", "JOIN households h ON h.id = c.household_id"),
    "township": ("h.township", "JOIN households h ON h.id = c.household_id"),
    "crop": ("c.crop", ""),
    "enterprise": ("e.uscc", "JOIN enterprises e ON e.id = c.enterprise_id"),
}

# Contracts in force grouped by key and by what their estimate and window depend on (crop,
# form, area, window, and the crop, form, terms and inputs of the stored record, read by one
# json_extract: SQLite's JSON functions), with the sums of their slips (``contract_totals``,
# kept by the store) and inputs, and how many fall short of the threshold: a contract not
# terminated is short when (net_g + rejected grams) × m < n × area_mu4, (crop, form, m, n)
# given in ``bounds`` (``_bound``).
_GROUPS: Final = (
    "WITH bounds (crop, form, m, n) AS (VALUES {{marks}}) "
    "SELECT {key} AS key, c.crop, c.form, c.area_mu4, c.delivery_start, c.delivery_end, "
    "json_extract(c.data, '$.crop', '$.form', '$.terms', '$.inputs'), MIN(c.id), COUNT(*), "
    "SUM(COALESCE(t.net_g, 0)), MAX(COALESCE(t.net_g, 0)), SUM(COALESCE(t.amount_fen, 0)), "
    "SUM(COALESCE(s.charged_fen, 0)), "
    "SUM(CASE WHEN c.status <> 'terminated' AND "
    "(COALESCE(t.net_g, 0) + COALESCE(r.rejected_g, 0)) * b.m < b.n * c.area_mu4 "
    "THEN 1 ELSE 0 END) "
    "FROM contracts c {join} "
    "LEFT JOIN bounds b ON b.crop = c.crop AND b.form = c.form "
    "LEFT JOIN contract_totals t ON t.contract_id = c.id "
    "LEFT JOIN (" + _SUPPLY_SUMS + ") s ON s.contract_id = c.id "
    "LEFT JOIN (" + _REJECTED_SUMS + ") r ON r.contract_id = c.id "
    "WHERE c.season = ? AND c.status IN ('signed', 'closed', 'terminated') "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
_GROUPS_BY: Final = {by: _GROUPS.format(key=k, join=j) for by, (k, j) in _KEYS.items()}

#: Households with a contract in force, per key.
_HOUSEHOLDS: Final = (
    "SELECT {key}, COUNT(DISTINCT c.household_id) FROM contracts c {join} "
    "WHERE c.season = ? AND c.status IN ('signed', 'closed', 'terminated') GROUP BY 1"
)
_HOUSEHOLDS_BY: Final = {by: _HOUSEHOLDS.format(key=k, join=j) for by, (k, j) in _KEYS.items()}

#: One contract of each group, to estimate.
_CONTRACT_DATA: Final = "SELECT id, data FROM contracts WHERE id IN ({marks})"

#: The market-price table over a window.
_TABLE_PRICES: Final = (
    "SELECT day, price FROM market_prices WHERE crop = ? AND form = ? AND grade = ? "
    "AND day BETWEEN ? AND ? ORDER BY day"
)

#: Protected kg of accepted slips not voided priced against a known market, per key and
#: (grams, price, market): the top-up is rounded per slip, so equal slips are counted.
_TOP_UP: Final = (
    "SELECT {key}, d.protected_g, d.protected_price, d.market_price, COUNT(*) "
    "FROM deliveries d JOIN contracts c ON c.id = d.contract_id {join} "
    "WHERE d.season = ? AND c.season = ? AND c.status IN ('signed', 'closed', 'terminated') "
    "AND d.accepted = 1 "
    "AND d.protected_g > 0 AND d.market_price IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id) GROUP BY 1, 2, 3, 4"
)
_TOP_UP_BY: Final = {by: _TOP_UP.format(key=k, join=j) for by, (k, j) in _KEYS.items()}

#: Values in one ``IN (…)`` list.
_IN_LIMIT: Final = 500
#: SQLite's integers are 64-bit: a comparison whose products could reach this is not made in SQL.
_INT64: Final = 1 << 63


class _Fallback(Exception):
    """The store holds something the SQL path does not reproduce exactly: use the rows."""


def _bound(threshold: Decimal, yield_kg_per_mu: Decimal) -> tuple[int, int]:
    """``(m, n)`` such that a contract of ``area_mu4`` ten-thousandths of a mu whose accepted
    slips weigh ``net_g`` grams has a fulfilment (``net ÷ area × yield``, rounded half-up to
    ``RATE_STEP``) below ``threshold`` exactly when ``net_g × m < n × area_mu4``.

    The rounded fulfilment is below ``threshold`` when it is at most the step ``k`` below it,
    that is when the fulfilment itself is below ``(k + ½) × RATE_STEP``."""
    with localcontext() as ctx:
        ctx.prec = 200
        ctx.traps[Inexact] = True
        try:
            k = (threshold / RATE_STEP).to_integral_value(rounding=ROUND_CEILING) - 1
            per_mu_kg = (k + Decimal("0.5")) * RATE_STEP * yield_kg_per_mu
        except Inexact:  # pragma: no cover - a threshold or yield of over 200 digits
            raise _Fallback from None
    # net_g / 1000 < per_mu_kg × area_mu4 / 10000  ⇔  net_g × 10 < per_mu_kg × area_mu4
    exponent = int(per_mu_kg.as_tuple().exponent)
    scale = max(0, -exponent)
    return 10 ** (scale + 1), int(per_mu_kg.scaleb(scale))


def season_summary(
    store: Store,
    season: int,
    by: GroupBy,
    *,
    assumptions: Mapping[str, Assumptions] | None = None,
    threshold: Decimal = DEFAULT_THRESHOLD,
    top_up: bool = False,
    as_of: dt.date | None = None,
    **overrides: object,
) -> tuple[ActualSummary, ...]:
    """``summarise(season_actuals(store, season, ...), by)``, summed in SQL: the same values,
    from a few queries whose rows are the groups shown, not the season's slips.

    ``top_up`` (the enterprise's top-up on protected kg, rounded per slip) reads every slip
    priced against a market: it is left ``None`` unless asked for. A store the SQL cannot
    follow exactly (a contract whose stored crop or form is not the catalog's code, a figure
    too large for SQLite's integers) is summarised from its rows.
    """
    if by not in _KEYS:
        raise ValueError(f"cannot group by {by!r}")
    threshold = D(threshold, "threshold")
    judged = as_of or china_day(store.clock())

    def work(conn: sqlite3.Connection) -> tuple[ActualSummary, ...]:
        return _season_summary(
            conn, store.catalog, season, by, assumptions, threshold, top_up, judged, overrides
        )

    try:
        result: tuple[ActualSummary, ...] = store._read(work)
    except _Fallback:
        rows = season_actuals(
            store, season, assumptions=assumptions, threshold=threshold, as_of=judged, **overrides
        )
        summaries = summarise(rows, by)
        if top_up:
            return summaries
        return tuple(attrs.evolve(s, top_up=None) for s in summaries)
    return result


@attrs.frozen
class _Group:
    """A row of ``_GROUPS``: the contracts of one key and one kind, and their sums."""

    key: str
    #: what the estimate and the window depend on: crop and form codes, area (1/10000 mu),
    #: window, and the stored crop, form, terms and inputs
    kind: tuple[object, ...]
    #: the lowest contract id of the group: the one estimated for all
    sample: int
    contracts: int
    net_g: int
    max_net_g: int
    amount_fen: int
    charged_fen: int
    #: contracts short of the threshold
    short: int

    @classmethod
    def of(cls, row: sqlite3.Row) -> _Group:
        return cls(str(row[0]), tuple(row[1:7]), *(int(v) for v in row[7:]))

    @property
    def form_codes(self) -> tuple[str, str]:
        return str(self.kind[0]), str(self.kind[1])

    @property
    def area_mu4(self) -> int:
        return int(str(self.kind[2]))


@attrs.define
class _Sums:
    """A key's running sums: integers from SQL, estimates times the contracts they stand for."""

    contracts: int = 0
    area_mu: Decimal = ZERO
    expected_kg: Decimal = ZERO
    net_g: int = 0
    amount_fen: int = 0
    charged_fen: int = 0
    estimated_increase: Decimal = ZERO
    #: own cost and maize baseline of the estimates
    costs: Decimal = ZERO
    flagged: int = 0


def _season_summary(
    conn: sqlite3.Connection,
    catalog: Catalog,
    season: int,
    by: GroupBy,
    assumptions: Mapping[str, Assumptions] | None,
    threshold: Decimal,
    top_up: bool,
    as_of: dt.date,
    overrides: Mapping[str, object],
) -> tuple[ActualSummary, ...]:
    per_form = dict(assumptions or {})
    chosen: dict[tuple[str, str], Assumptions] = {}

    def assumed(crop: str, form: str) -> Assumptions:
        # as estimate_pairs chooses them
        if (crop, form) not in chosen:
            base = per_form.get(form_key(crop, form)) or Assumptions.defaults(crop, form, catalog)
            if overrides:
                base = attrs.evolve(base, **overrides)  # type: ignore[arg-type]  # validated
            chosen[(crop, form)] = base
        return chosen[(crop, form)]

    bounds: dict[tuple[str, str], tuple[int, int]] = {}
    for crop in catalog.crops:
        for form in crop.forms:
            try:
                given = assumed(crop.code, form.code)
            except ValidationError:
                continue  # raised again below if the season has such a contract
            bounds[(crop.code, form.code)] = _bound(threshold, given.yield_kg_per_mu)
    if not bounds:
        raise _Fallback
    marks = ", ".join("(?, ?, ?, ?)" for _ in bounds)
    values = [v for (crop, form), (m, n) in bounds.items() for v in (crop, form, m, n)]
    groups = [
        _Group.of(row)
        for row in conn.execute(
            _GROUPS_BY[by].format(marks=marks), (*values, season, season, season)
        )
    ]
    for g in groups:
        m, n = bounds.get(g.form_codes, (1, 0))
        if g.max_net_g * m >= _INT64 or abs(n) * g.area_mu4 >= _INT64:
            raise _Fallback
    household_counts = {str(key): int(n) for key, n in conn.execute(_HOUSEHOLDS_BY[by], (season,))}

    # one estimate per kind of contract
    samples: dict[tuple[object, ...], int] = {}
    for g in groups:
        samples.setdefault(g.kind, g.sample)
    contracts: dict[int, Contract] = {}
    ids = sorted(set(samples.values()))
    for start in range(0, len(ids), _IN_LIMIT):
        part = ids[start : start + _IN_LIMIT]
        marks = ", ".join("?" * len(part))
        for row in conn.execute(_CONTRACT_DATA.format(marks=marks), part):
            contracts[int(row[0])] = from_json(row[1], Contract)
    estimates: dict[tuple[object, ...], tuple[Contract, Estimate]] = {}
    for kind, contract_id in samples.items():
        contract = contracts[contract_id]
        if (contract.crop, contract.form) != kind[:2]:
            raise _Fallback  # stored under a name, not the code: keys and prices differ
        est = estimate_contract(
            contract, assumptions=assumed(contract.crop, contract.form), catalog=catalog
        )
        estimates[kind] = (contract, est)

    flagged = _flags(conn, catalog, groups, estimates, as_of)

    sums: dict[str, _Sums] = {}
    for g, flags in zip(groups, flagged, strict=True):
        contract, est = estimates[g.kind]
        s = sums.setdefault(g.key, _Sums())
        s.contracts += g.contracts
        s.area_mu += contract.area_mu * g.contracts
        s.expected_kg += est.expected_kg * g.contracts
        s.net_g += g.net_g
        s.amount_fen += g.amount_fen
        s.charged_fen += g.charged_fen
        s.estimated_increase += est.increase * g.contracts
        s.costs += (est.crop_cost + est.baseline_net) * g.contracts
        s.flagged += flags

    top_ups: dict[str, Decimal] = {}
    if top_up:
        for key, grams, price, market, count in conn.execute(_TOP_UP_BY[by], (season, season)):
            one = _slip_top_up(_kg(int(grams)), D(price), D(market))
            top_ups[str(key)] = top_ups.get(str(key), ZERO) + one * int(count)

    out = []
    for key in sorted(sums):
        s = sums[key]
        households = household_counts[key]
        delivered = _kg(s.net_g)
        proceeds = from_fen(s.amount_fen)
        actual = proceeds - from_fen(s.charged_fen) - s.costs
        out.append(
            ActualSummary(
                by=by,
                key=key,
                households=households,
                contracts=s.contracts,
                area_mu=s.area_mu,
                expected_kg=s.expected_kg,
                delivered_kg=delivered,
                fulfilment=_rate(delivered / s.expected_kg) if s.expected_kg > ZERO else None,
                estimated_increase=s.estimated_increase,
                actual_increase=actual,
                average_estimated_increase=round_yuan(s.estimated_increase / households),
                average_actual_increase=round_yuan(actual / households),
                proceeds=proceeds,
                top_up=top_ups.get(key, ZERO) if top_up else None,
                flagged_contracts=s.flagged,
            )
        )
    return tuple(out)


def _kg(grams: int) -> Decimal:
    """Grams as kg with two decimal places (stored net weights are whole 10 g)."""
    return (Decimal(grams) / 1000).quantize(Decimal("0.01"))


#: What a group's flag depends on: crop, form, grade, floor and delivery window.
_Market = tuple[str, str, str, Decimal, tuple[dt.date, dt.date]]


def _flags(
    conn: sqlite3.Connection,
    catalog: Catalog,
    groups: list[_Group],
    estimates: Mapping[tuple[object, ...], tuple[Contract, Estimate]],
    as_of: dt.date,
) -> list[int]:
    """How many contracts of each group are flagged: those short of the threshold and not
    terminated (counted in SQL), when the contract has a floor, its window is over by
    ``as_of``, and the market over its window averaged above the floor."""
    wanted: list[_Market | None] = []
    for g in groups:
        contract, est = estimates[g.kind]
        if (
            g.short == 0
            or est.floor is None
            or est.expected_kg <= ZERO
            or not _over(_window(contract, catalog), as_of)
        ):
            wanted.append(None)
        else:
            wanted.append((*_price_key(contract, est), est.floor, _window(contract, catalog)))
    spans: dict[tuple[str, str, str], tuple[dt.date, dt.date]] = {}
    for w in wanted:
        if w is not None:
            _widen(spans, w[:3], w[4])
    # The market-price table over the windows. The prices seen on slips (which ``compare`` adds
    # for the days the table lacks) add nothing here: every slip is priced with the table's
    # price of its crop, form, grade and day, and the table's rows are changed, never removed,
    # so the table has a price (the same, or a later one, which wins) for each of those days.
    prices = _table_prices(conn, catalog, spans)
    above: dict[_Market, bool] = {}
    out = []
    for g, w in zip(groups, wanted, strict=True):
        if w is None:
            out.append(0)
            continue
        if w not in above:
            start, end = w[4]
            seen = [p for day, p in prices[w[:3]].items() if start <= day <= end]
            above[w] = bool(seen) and _rate(sum(seen, ZERO) / len(seen)) > w[3]
        out.append(g.short if above[w] else 0)
    return out
