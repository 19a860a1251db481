"""An oracle of DESIGN §3–§6 written from its text alone, held against the library.

Each ``oracle_*`` function transcribes one section of DESIGN.md as literally as it can, in exact
fractions (a rule says where an amount is rounded, so nothing else is), and the properties
below compare it with ``price_delivery``, ``settle_amounts``, ``build_statement``, the store's
statements and ``estimate`` on wide inputs and at the edges. Where the text leaves a choice
open, the oracle takes the library's reading and the function's docstring says so.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import decimals, delivered_before, market_prices, price_terms, weighings

from orderfarm import (
    CarryPolicy,
    ChargeMode,
    D,
    InputSupply,
    LineKind,
    OverpaymentError,
    PriceTerms,
    PricingError,
    Quote,
    StatementLine,
    Totals,
    ValidationError,
    Weighing,
    build_statement,
    estimate,
    expected_paid_price,
    floor_value,
    jin_to_kg,
    kg_to_jin,
    mu_to_ha,
    mu_to_m2,
    price_delivery,
    price_per_jin_to_per_kg,
    settle_amounts,
    simulate_income,
)
from orderfarm.bulkpricing import IntTerms
from orderfarm.money import to_fen, to_grams
from orderfarm.settlement import check_payment
from tests.test_store_support import (
    ENTERPRISE,
    SECOND_ENTERPRISE,
    chilli_contract,
    open_store,
    seeded,
    signed,
)

FEN = Decimal("0.01")
ZERO = Fraction(0)
ONE = Fraction(1)
MAY = dt.date(2018, 5, 2)


def round_half_up(value: Fraction) -> Decimal:
    """DESIGN §3: an amount (or a net weight) rounded half-up to 0.01, exactly once."""
    hundredths = value * 100
    whole = math.floor(abs(hundredths) + Fraction(1, 2))
    return (Decimal(whole if hundredths >= 0 else -whole) / 100).quantize(Decimal("0.01"))


def exact(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


# --- DESIGN §4: pricing a delivery ---------------------------------------------------------


class OracleError(Exception):
    """What DESIGN §4 calls an error, not a rejection: an unknown grade, a missing market."""


@dataclass(frozen=True)
class OracleQuote:
    accepted: bool
    net_kg: Decimal
    protected_kg: Fraction
    protected_price: Fraction | None
    protected_amount: Decimal
    unprotected_kg: Fraction
    unprotected_price: Fraction | None
    unprotected_amount: Decimal
    amount: Decimal


def oracle_net(
    gross: Fraction,
    tare: Fraction,
    impurity: Fraction,
    moisture: Fraction,
    standard: Fraction | None,
) -> Decimal:
    """DESIGN §4 steps 1, 2, 3 and 5: mass, impurity in full, water above the standard
    removed keeping dry matter (no bonus for drier produce), net rounded half-up to 0.01 kg."""
    mass = gross - tare
    clean = mass * (ONE - impurity)
    if standard is not None and moisture > standard:
        net = clean * (ONE - moisture) / (ONE - standard)
    else:
        net = clean
    return round_half_up(net)


def oracle_price(
    *,
    gross: Fraction,
    tare: Fraction,
    grade: str,
    moisture: Fraction,
    impurity: Fraction,
    grades: Sequence[str],
    floors: Mapping[str, Fraction],
    market_linked: bool,
    premium: Fraction,
    ceiling: Fraction | None,
    standard: Fraction | None,
    maximum: Fraction | None,
    quota: Fraction | None,
    market: Fraction | None,
    delivered_before: Fraction,
) -> OracleQuote:
    """DESIGN §4 steps 1–9, in their order.

    An unknown grade is an error before anything else (step 4: "an error, not a rejection");
    a rejected lot needs no market price (it is paid nothing). Step 7 needs the market price
    only for a market-linked protected portion that is not empty, step 8 only for an
    unprotected portion that is not empty (a lot whose net rounds to 0.00 kg needs none).
    """
    if grade not in grades:
        raise OracleError("unknown grade")
    net_kg = oracle_net(gross, tare, impurity, moisture, standard)
    nothing = Decimal("0.00")
    if maximum is not None and moisture > maximum:  # step 4
        return OracleQuote(False, net_kg, ZERO, None, nothing, ZERO, None, nothing, nothing)
    net = Fraction(net_kg)
    floor = floors.get(grade)
    if floor is None:  # step 7: a grade with no floor is not protected
        protected = ZERO
    elif quota is None:  # step 6
        protected = net
    else:
        protected = min(net, max(ZERO, quota - delivered_before))
    unprotected = net - protected
    protected_price: Fraction | None = None
    if protected > 0:
        assert floor is not None
        if not market_linked:
            protected_price = floor
        else:
            if market is None:
                raise OracleError("no market price")
            protected_price = max(floor, market * (ONE + premium))
            if ceiling is not None:
                protected_price = min(protected_price, ceiling)
    unprotected_price: Fraction | None = None
    if unprotected > 0:  # step 8
        if market is None:
            raise OracleError("no market price")
        unprotected_price = market
    protected_amount = round_half_up(protected * protected_price) if protected_price else nothing
    unprotected_amount = (
        round_half_up(unprotected * unprotected_price) if unprotected_price else nothing
    )
    return OracleQuote(  # step 9: each portion rounded, the delivery their sum
        accepted=True,
        net_kg=net_kg,
        protected_kg=protected,
        protected_price=protected_price,
        protected_amount=protected_amount,
        unprotected_kg=unprotected,
        unprotected_price=unprotected_price,
        unprotected_amount=unprotected_amount,
        amount=protected_amount + unprotected_amount,
    )


def oracle_of(
    terms: PriceTerms, slip: Weighing, market: Decimal | None, before: Decimal
) -> OracleQuote:
    """``oracle_price`` on the library's values (read field by field, nothing computed)."""
    return oracle_price(
        gross=Fraction(slip.gross_kg),
        tare=Fraction(slip.tare_kg),
        grade=slip.grade,
        moisture=Fraction(slip.moisture),
        impurity=Fraction(slip.impurity),
        grades=terms.grades or tuple(terms.floors),
        floors={grade: Fraction(price) for grade, price in terms.floors.items()},
        market_linked=terms.market_linked,
        premium=Fraction(terms.premium),
        ceiling=exact(terms.ceiling),
        standard=exact(terms.moisture_standard),
        maximum=exact(terms.moisture_max),
        quota=exact(terms.quota_kg),
        market=exact(market),
        delivered_before=Fraction(before),
    )


def assert_quote_is_the_oracles(quote: Quote, want: OracleQuote) -> None:
    assert quote.accepted is want.accepted
    assert quote.net_kg == want.net_kg
    assert quote.amount == want.amount
    assert quote.amount.as_tuple().exponent == -2
    if not want.accepted:
        assert quote.rejection("zh") and quote.rejection("en")
        return
    assert quote.explain("zh") and quote.explain("en")
    kgs = Fraction(quote.protected_kg), Fraction(quote.unprotected_kg)
    assert kgs == (want.protected_kg, want.unprotected_kg)
    assert quote.amount == sum((p.amount for p in quote.portions), Decimal("0.00"))
    for portion in quote.portions:
        assert portion.amount.as_tuple().exponent == -2
        if portion.kg == 0:
            assert portion.amount == 0
            continue
        if portion.protected:
            assert Fraction(portion.unit_price) == want.protected_price
        else:
            assert Fraction(portion.unit_price) == want.unprotected_price
    paid = {True: Decimal("0.00"), False: Decimal("0.00")}
    for portion in quote.portions:
        paid[portion.protected] += portion.amount
    assert (paid[True], paid[False]) == (want.protected_amount, want.unprotected_amount)


def check_pricing(
    terms: PriceTerms, slip: Weighing, market: Decimal | None, before: Decimal
) -> None:
    try:
        want = oracle_of(terms, slip, market, before)
    except OracleError:
        with pytest.raises(PricingError):
            price_delivery(terms, slip, market_price=market, delivered_before_kg=before)
        return
    quote = price_delivery(terms, slip, market_price=market, delivered_before_kg=before)
    assert_quote_is_the_oracles(quote, want)


CHILLI_GRADES = ("一级", "二级", "等外")


def slip(gross: str, tare: str = "0", grade: str = "一级", m: str = "0", i: str = "0") -> Weighing:
    return Weighing(gross_kg=D(gross), tare_kg=D(tare), grade=grade, moisture=D(m), impurity=D(i))


def terms_of(**changes: object) -> PriceTerms:
    values: dict[str, object] = {"floors": {"一级": D("1.60"), "二级": D("1.20")}}
    values["grades"] = CHILLI_GRADES
    values.update(changes)
    return PriceTerms(**values)  # type: ignore[arg-type]


@given(st.data(), price_terms(), st.none() | market_prices, delivered_before)
# a half fen: 3.33 kg of 二级 protected at the market 1.50 = 4.995 → 5.00; 0.03 kg of 等外
# (unprotected) at 1.50 = 0.045 → 0.05; a market of 1.65 pays 3.33 kg 5.4945 → 5.49
@example(None, terms_of(), D("1.50"), D("0")).via("a half fen rounds up")
@example(None, terms_of(), D("1.65"), D("0")).via("less than a half fen rounds down")
@example(None, terms_of(market_linked=False), None, D("0")).via("fixed price, no market")
@example(None, terms_of(), D("1.60"), D("0")).via("market equal to the floor")
@example(None, terms_of(quota_kg=D("100")), D("1.40"), D("100")).via("quota reached exactly")
@example(None, terms_of(quota_kg=D("100")), D("1.40"), D("99.99")).via("quota crossed in a lot")
@example(None, terms_of(quota_kg=D("100")), D("1.40"), D("150")).via("quota already exceeded")
@example(None, terms_of(ceiling=D("1.60")), D("9.99"), D("0")).via("ceiling equal to the floor")
@example(None, terms_of(ceiling=D("2.00"), premium=D("0.1")), D("1.90"), D("0")).via("ceiling")
@example(None, terms_of(moisture_standard=D("0.14"), moisture_max=D("0.14")), D("2"), D("0"))
def test_price_delivery_is_the_design_rule(
    data: st.DataObject | None, terms: PriceTerms, market: Decimal | None, before: Decimal
) -> None:
    """DESIGN §4, every step, on the shared strategies' wide inputs and the edges above."""
    if data is None:
        for lot in (
            slip("0.03"),
            slip("1.25"),
            slip("3.33", grade="二级"),
            slip("0.03", grade="等外"),
            slip("128.40", "3.40", m="0.14", i="0.01"),  # moisture exactly at the standard
            slip("128.40", "3.40", m="0.141"),  # just above both
            slip("100", i="0"),
            slip("100", i="0.999"),  # impurity large: a lot of almost nothing
            slip("0.01", m="0.13", i="0.5"),  # net rounds to 0.01 or to 0.00
        ):
            check_pricing(terms, lot, market, before)
        return
    check_pricing(terms, data.draw(weighings(terms.grades)), market, before)


@given(
    price_terms(),
    decimals("0.001", "5000", 3),
    decimals("0", "0.9999", 4),
    decimals("0", "0.9999", 4),
    st.none() | market_prices,
    st.sampled_from([D(0), D("0.005"), D("0.01")]) | delivered_before,
)
@example(terms_of(moisture_standard=D("0.14")), D("0.015"), D("0.14"), D("0"), D("1"), D("0"))
@example(terms_of(moisture_max=D("0.20")), D("100"), D("0.20"), D("0"), None, D("0"))
@example(terms_of(moisture_max=D("0.20")), D("100"), D("0.2001"), D("0"), None, D("0"))
@example(terms_of(), D("0.009"), D("0"), D("0"), None, D("0")).via("nets to 0.01 kg")
@example(terms_of(), D("0.004"), D("0"), D("0"), None, D("0")).via("nets to 0.00 kg")
def test_moisture_and_impurity_at_their_limits(
    terms: PriceTerms,
    gross: Decimal,
    moisture: Decimal,
    impurity: Decimal,
    market: Decimal | None,
    before: Decimal,
) -> None:
    """DESIGN §4 steps 2–5 with rates up to 100 % and three-decimal weights: the net is
    rounded once, at 0.01 kg, after both deductions; a lot wetter than the maximum is
    rejected with nothing paid (exactly at the maximum it is taken)."""
    for grade in terms.grades:
        lot = Weighing(
            gross_kg=gross, tare_kg=D(0), grade=grade, moisture=moisture, impurity=impurity
        )
        check_pricing(terms, lot, market, before)
        check_bulk_pricing(terms, lot, market, before)


def check_bulk_pricing(
    terms: PriceTerms, lot: Weighing, market: Decimal | None, before: Decimal
) -> None:
    """The integer twin of bulk imports against the oracle: grams and fen."""
    bulk = IntTerms(terms)
    rates = (*lot.moisture.as_integer_ratio(), *lot.impurity.as_integer_ratio())
    weights = to_grams(lot.gross_kg), to_grams(lot.tare_kg)
    try:
        want = oracle_of(terms, lot, market, before)
    except OracleError:
        with pytest.raises(PricingError):
            bulk.price(bulk.rule(lot.grade, market), *weights, *rates, to_grams(before))
        return
    got = bulk.price(bulk.rule(lot.grade, market), *weights, *rates, to_grams(before))
    if not want.accepted:
        assert got is None
        assert bulk.net_g(*weights, *rates) == to_grams(want.net_kg)
        return
    assert got == (
        to_grams(want.net_kg),
        to_grams(Decimal(want.protected_kg.numerator) / want.protected_kg.denominator),
        to_fen(want.protected_amount),
        to_grams(Decimal(want.unprotected_kg.numerator) / want.unprotected_kg.denominator),
        to_fen(want.unprotected_amount),
        to_fen(want.amount),
    )


@st.composite
def precise_terms(draw: st.DrawFn) -> PriceTerms:
    """Terms whose every figure may carry more digits than a clerk types (or than Decimal's
    default 28-digit context keeps)."""
    floors = {"一级": draw(decimals("0.00000001", "50", 8))}
    if draw(st.booleans()):
        floors["二级"] = draw(decimals("0.00000001", str(floors["一级"]), 8))
    standard = draw(st.none() | decimals("0", "0.5", 9))
    return PriceTerms(
        floors=floors,
        market_linked=draw(st.booleans()),
        premium=draw(decimals("0", "0.5", 9)),
        ceiling=draw(st.none() | decimals(str(floors["一级"]), "100", 9)),
        moisture_standard=standard,
        moisture_max=draw(st.none() | decimals(str(standard or 0), "0.9", 9)),
        quota_kg=draw(st.none() | decimals("0.01", "1000", 2)),
        grades=CHILLI_GRADES,
    )


@given(
    precise_terms(),
    decimals("0.0000001", "2000", 7),
    decimals("0", "0.99", 9),
    decimals("0", "0.99", 9),
    st.sampled_from(CHILLI_GRADES),
    st.none() | decimals("0.000000000000000000000000000001", "60", 30),
    decimals("0", "1000", 7),
)
@example(
    terms_of(),
    D("1"),
    D("0"),
    D("0"),
    "等外",
    Decimal("0.004" + "9" * 35),
    D("0"),
).via("a market price of 36 digits: 0.00499… is 0.00, not 0.01")
def test_price_delivery_is_exact_to_the_one_rounding(
    terms: PriceTerms,
    gross: Decimal,
    moisture: Decimal,
    impurity: Decimal,
    grade: str,
    market: Decimal | None,
    before: Decimal,
) -> None:
    """DESIGN §3–§4: unit prices are not rounded and an amount is rounded once, so figures
    of any length are carried exactly up to the net weight's and each portion's rounding."""
    lot = Weighing(gross_kg=gross, tare_kg=D(0), grade=grade, moisture=moisture, impurity=impurity)
    check_pricing(terms, lot, market, before)


def test_an_unknown_grade_is_an_error_even_when_the_lot_is_too_wet() -> None:
    """DESIGN §4 step 4: "A grade that the crop does not know is an error, not a rejection"."""
    terms = terms_of(moisture_max=D("0.20"))
    with pytest.raises(PricingError):
        price_delivery(terms, slip("100", grade="特级", m="0.30"), market_price=D("1"))
    check_pricing(terms, slip("100", grade="特级", m="0.30"), D("1"), D("0"))


def test_terms_and_slips_the_design_calls_invalid_are_refused() -> None:
    """DESIGN §4: "a ceiling below any floor is invalid terms"; step 1: tare < gross, both ≥ 0;
    DESIGN §3: a float where a quantity or price is expected is a ``TypeError``."""
    with pytest.raises(ValidationError):
        terms_of(ceiling=D("1.59"))
    assert terms_of(ceiling=D("1.60")).ceiling == D("1.60")
    for gross, tare in (("10", "10"), ("10", "11"), ("10", "-1"), ("-1", "-2")):
        with pytest.raises(ValidationError):
            slip(gross, tare)
    with pytest.raises(TypeError):
        Weighing(gross_kg=10.5, tare_kg=D(0), grade="一级")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        price_delivery(terms_of(), slip("10"), market_price=1.5)  # type: ignore[arg-type]


# --- DESIGN §3: units ----------------------------------------------------------------------


@given(decimals("0", "100000", 3))
def test_units_are_the_designs(value: Decimal) -> None:
    """DESIGN §3: 1 斤 = 0.5 kg exactly; yuan/jin × 2 = yuan/kg; 1 亩 = 10000/15 m²; 15 mu = 1 ha."""
    assert Fraction(jin_to_kg(value)) == Fraction(value) / 2
    assert Fraction(kg_to_jin(value)) == Fraction(value) * 2
    assert Fraction(price_per_jin_to_per_kg(value)) == Fraction(value) * 2
    assert abs(Fraction(mu_to_m2(value)) - Fraction(value) * Fraction(10000, 15)) < Fraction(
        1, 10**20
    )
    assert abs(Fraction(mu_to_ha(value)) - Fraction(value) / 15) < Fraction(1, 10**20)


# --- DESIGN §5: settling a season ----------------------------------------------------------


@dataclass(frozen=True)
class OracleTotals:
    proceeds: Decimal
    charges: Decimal
    recovered: Decimal
    carried_out: Decimal
    waived: Decimal
    payable: Decimal
    paid: Decimal
    balance: Decimal


def oracle_settle(
    *,
    deliveries: Sequence[Decimal],
    carried_in: Decimal,
    advances: Sequence[tuple[Decimal, CarryPolicy]],
    payments: Sequence[Decimal],
) -> OracleTotals:
    """DESIGN §5: proceeds = Σ deliveries; charges = Σ advances + carried in;
    recovered = min(charges, proceeds); payable = proceeds − recovered (never negative);
    balance = payable − Σ payments.

    "The rest is carried to the next season or waived, as each contract says" does not say
    how the rest splits between contracts of both policies, nor what becomes of charges
    carried in. The library's reading (``orderfarm.settlement``): proceeds recover the
    carried-in charges first, whose rest is carried again; this season's unrecovered rest is
    shared in proportion to each policy's advances, the carried share rounded half-up once.
    With a single policy and nothing carried in the text is unambiguous and both agree.
    """
    proceeds = sum(deliveries, Decimal("0.00"))
    this_season = sum((amount for amount, _ in advances), Decimal("0.00"))
    charges = this_season + carried_in
    recovered = min(charges, proceeds)
    payable = proceeds - recovered
    assert payable >= 0
    paid = sum(payments, Decimal("0.00"))
    rest_carried_in = max(Decimal(0), carried_in - proceeds)
    rest_this_season = charges - recovered - rest_carried_in
    carry = sum((a for a, policy in advances if policy is CarryPolicy.CARRY), Decimal("0.00"))
    carried_share = (
        round_half_up(Fraction(rest_this_season) * Fraction(carry) / Fraction(this_season))
        if this_season
        else Decimal("0.00")
    )
    return OracleTotals(
        proceeds=proceeds,
        charges=charges,
        recovered=recovered,
        carried_out=rest_carried_in + carried_share,
        waived=rest_this_season - carried_share,
        payable=payable,
        paid=paid,
        balance=payable - paid,
    )


fen_amounts = decimals("0", "100000", 2)
policies = st.sampled_from(CarryPolicy)


@given(
    st.lists(fen_amounts, max_size=4),
    st.just(D("0.00")) | fen_amounts,
    st.lists(st.tuples(fen_amounts, policies), max_size=4),
    st.lists(fen_amounts, max_size=3),
)
@example([], D("0.00"), [], []).via("a season of no records")
@example([], D("0.00"), [(D("500.00"), CarryPolicy.CARRY)], []).via("advances, no deliveries")
@example([D("800.00")], D("0.00"), [(D("1000.00"), CarryPolicy.WAIVE)], []).via("waive")
@example([D("800.00")], D("0.00"), [(D("1000.00"), CarryPolicy.CARRY)], []).via("carry")
@example([D("1000.00")], D("0.00"), [(D("1000.00"), CarryPolicy.CARRY)], []).via("all recovered")
@example([D("100.00")], D("300.00"), [(D("50.00"), CarryPolicy.WAIVE)], []).via("old debt first")
@example(
    [D("0.01")], D("0.00"), [(D("0.01"), CarryPolicy.CARRY), (D("0.02"), CarryPolicy.WAIVE)], []
)
@example([D("900.00")], D("0.00"), [(D("100.00"), CarryPolicy.CARRY)], [D("800.00")]).via("paid up")
def test_settlement_is_the_design_rule(
    deliveries: list[Decimal],
    carried_in: Decimal,
    advances: list[tuple[Decimal, CarryPolicy]],
    payments: list[Decimal],
) -> None:
    """DESIGN §5 through ``settle_amounts`` and through ``build_statement`` of the lines."""
    want = oracle_settle(
        deliveries=deliveries, carried_in=carried_in, advances=advances, payments=payments
    )
    carry = sum((a for a, p in advances if p is CarryPolicy.CARRY), Decimal("0.00"))
    waive = sum((a for a, p in advances if p is CarryPolicy.WAIVE), Decimal("0.00"))
    got = settle_amounts(
        proceeds=want.proceeds,
        carried_in=carried_in,
        advances_carry=carry,
        advances_waive=waive,
        paid=want.paid,
    )
    figures = (
        got.proceeds,
        got.charges,
        got.recovered,
        got.carried_out,
        got.waived,
        got.payable,
        got.paid,
        got.balance,
    )
    assert figures == (
        want.proceeds,
        want.charges,
        want.recovered,
        want.carried_out,
        want.waived,
        want.payable,
        want.paid,
        want.balance,
    )
    lines = [
        StatementLine(LineKind.DELIVERY, n, f"R-{n}", None, "", amount)
        for n, amount in enumerate(deliveries)
    ]
    lines += [
        StatementLine(LineKind.INPUT, n, f"S-{n}", None, "", amount, unrecovered=policy)
        for n, (amount, policy) in enumerate(advances)
    ]
    lines += [
        StatementLine(LineKind.PAYMENT, n, f"P-{n}", None, "", amount)
        for n, amount in enumerate(payments)
    ]
    if carried_in:
        lines.append(StatementLine(LineKind.CARRIED, None, "2017", None, "", carried_in))
    assert build_statement("h", 2018, lines).totals == got
    if want.balance >= 0:
        for payment in (want.balance, want.balance + FEN):
            refused = payment > want.balance
            try:
                check_payment("h", 2018, got, payment)
            except OverpaymentError:
                assert refused
            else:
                assert not refused


@dataclass(frozen=True)
class Lot:
    contract: int
    gross: Decimal
    grade: str
    moisture: Decimal
    voided: bool

    def weighing(self) -> Weighing:
        return Weighing(
            gross_kg=self.gross, tare_kg=D("0"), grade=self.grade, moisture=self.moisture
        )


@dataclass(frozen=True)
class Supplied:
    contract: int
    supply: InputSupply
    voided: bool


@dataclass(frozen=True)
class Season:
    """Two seasons of one household: 2018 with every kind of record, 2019 with one lot."""

    policies: tuple[CarryPolicy, ...]
    terms: PriceTerms
    market: Decimal
    lots: tuple[Lot, ...]
    supplies: tuple[Supplied, ...]
    paid_share: Decimal
    next_lot: Decimal


@st.composite
def seasons(draw: st.DrawFn) -> Season:
    """Contracts with both enterprises, slips (some too wet, some voided), inputs of every
    charge (some voided), then a lot the next season."""
    chosen = tuple(draw(st.lists(policies, min_size=1, max_size=2)))
    contract = st.integers(0, len(chosen) - 1)
    terms = terms_of(
        market_linked=draw(st.booleans()),
        quota_kg=draw(st.none() | decimals("1", "300", 2)),
        moisture_standard=D("0.14"),
        moisture_max=D("0.20"),
    )
    lot = st.builds(
        Lot,
        contract,
        decimals("0.01", "200", 2),
        st.sampled_from(CHILLI_GRADES),
        st.sampled_from([D("0"), D("0.14"), D("0.17"), D("0.20"), D("0.21")]),
        st.booleans(),
    )
    supply = st.builds(
        InputSupply,
        st.just("地膜"),
        decimals("1", "5000", 0),
        st.just("卷"),
        decimals("0.001", "0.5", 3),
        st.sampled_from(ChargeMode),
    )
    return Season(
        policies=chosen,
        terms=terms,
        market=draw(st.sampled_from([D("0.90"), D("1.75")])),
        lots=tuple(draw(st.lists(lot, max_size=5))),
        supplies=tuple(
            draw(st.lists(st.builds(Supplied, contract, supply, st.booleans()), max_size=4))
        ),
        paid_share=draw(decimals("0", "1", 2)),
        next_lot=draw(decimals("0.01", "2000", 2)),
    )


ENTERPRISES = (ENTERPRISE, SECOND_ENTERPRISE)


@settings(max_examples=40)
@given(seasons())
def test_a_stored_season_settles_as_the_design_says(season: Season) -> None:
    """DESIGN §5 on a store, over the records that are not voided, of all the household's
    contracts (both enterprises): only supplies charged as ``advance`` are charges (each
    quantity × unit cost, rounded once); each slip priced by DESIGN §4 with the kg delivered
    before it under its contract; a payment above the balance is refused; what is carried is
    recovered the next season. The statement, ``totals`` and ``settle`` agree.

    "The kg already delivered" is read as the library reads it: the net kg of the contract's
    live slips recorded before, of every grade, a rejected lot (拒收, not bought) not among
    them."""
    day = dt.date(2018, 9, 1)
    with tempfile.TemporaryDirectory() as scratch, open_store(Path(scratch) / "s.db") as store:
        (home,) = seeded(store)
        numbers = [f"C-{n}" for n in range(len(season.policies))]
        for n, policy in enumerate(season.policies):
            contract = chilli_contract(
                numbers[n], home, policy=policy, terms=season.terms, enterprise=ENTERPRISES[n]
            )
            signed(store, contract)
        for grade in CHILLI_GRADES:
            store.set_market_price("chilli", "fresh", grade, day, season.market)
        for n, lot in enumerate(season.lots):
            store.record_delivery(numbers[lot.contract], lot.weighing(), day, f"R{n}")
        advances: list[tuple[Decimal, CarryPolicy]] = []
        for n, supplied in enumerate(season.supplies):
            supply = supplied.supply
            assert supply.amount == round_half_up(Fraction(supply.quantity * supply.unit_cost))
            record = store.supply_input(numbers[supplied.contract], supply, MAY, f"S{n}")
            if supplied.voided:
                store.void_supply(record.id, "录错")
            elif supply.charge is ChargeMode.ADVANCE:
                advances.append((supply.amount, season.policies[supplied.contract]))
        for n, lot in enumerate(season.lots):
            # a void under a quota records the later slips again: void the receipt's latest
            latest = store.find_delivery(ENTERPRISES[lot.contract].uscc, 2018, f"R{n}")
            if lot.voided and latest is not None:
                store.void_delivery(latest.id, "录错")
        before = dict.fromkeys(numbers, Decimal("0.00"))
        amounts: list[Decimal] = []
        for lot in season.lots:
            if lot.voided:
                continue
            no = numbers[lot.contract]
            want = oracle_of(season.terms, lot.weighing(), season.market, before[no])
            if want.accepted:
                before[no] += want.net_kg
            amounts.append(want.amount)
        want_totals = oracle_settle(
            deliveries=amounts, carried_in=Decimal("0.00"), advances=advances, payments=[]
        )
        assert_totals(store.statement(home.resident_id, 2018).totals, want_totals)

        if want_totals.balance > 0:
            first = store.record_payment(home.resident_id, 2018, want_totals.balance, day, "P0")
            store.void_payment(first.id, "退票")
        paying = round_half_up(Fraction(want_totals.balance) * Fraction(season.paid_share))
        if paying > 0:
            store.record_payment(home.resident_id, 2018, paying, day, "P1")
        want_totals = oracle_settle(
            deliveries=amounts, carried_in=Decimal("0.00"), advances=advances, payments=[paying]
        )
        assert_totals(store.totals(home.resident_id, 2018), want_totals)
        (settled,) = store.settle(2018)
        assert_totals(settled.totals, want_totals)
        with pytest.raises(OverpaymentError):
            store.record_payment(home.resident_id, 2018, want_totals.balance + FEN, day, "P2")

        signed(store, chilli_contract("C-2019", home, season=2019, terms=terms_of()))
        later = dt.date(2019, 9, 1)
        store.set_market_price("chilli", "fresh", "一级", later, D("1.00"))
        store.record_delivery("C-2019", slip(str(season.next_lot)), later, "R0")
        after = oracle_settle(
            deliveries=[oracle_of(terms_of(), slip(str(season.next_lot)), D("1.00"), D(0)).amount],
            carried_in=want_totals.carried_out,
            advances=[],
            payments=[],
        )
        assert_totals(store.statement(home.resident_id, 2019).totals, after)


def assert_totals(got: Totals, want: OracleTotals) -> None:
    for amount in (got.proceeds, got.recovered, got.payable, got.paid, got.balance):
        assert amount.as_tuple().exponent == -2
    assert (
        got.proceeds,
        got.charges,
        got.recovered,
        got.carried_out,
        got.waived,
        got.payable,
        got.paid,
        got.balance,
    ) == (
        want.proceeds,
        want.charges,
        want.recovered,
        want.carried_out,
        want.waived,
        want.payable,
        want.paid,
        want.balance,
    )


# --- DESIGN §6: the income estimate --------------------------------------------------------


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def oracle_put(forward: float, strike: float, sigma: float) -> float:
    """DESIGN §6: ``E[max(K − X, 0)]`` for a log-normal X of mean ``forward`` and log
    standard deviation ``sigma`` — the Black-Scholes put at zero rate."""
    if sigma == 0 or strike <= 0:
        return max(strike - forward, 0.0)
    d1 = (math.log(forward / strike) + sigma * sigma / 2) / sigma
    return strike * normal_cdf(-(d1 - sigma)) - forward * normal_cdf(-d1)


def oracle_paid_price(
    floor: float | None,
    market_linked: bool,
    premium: float,
    ceiling: float | None,
    market: float,
    sigma: float,
) -> float:
    """DESIGN §6: the expected *paid* price ``E[max(floor, market)]`` under DESIGN §4 step 7's
    rule (premium and ceiling included): E[X] + put(floor) − call(ceiling) with X = market ×
    (1 + premium), by put-call parity call(K) = E[X] − K + put(K). Fixed-price terms pay the
    floor; a grade with no floor the market."""
    if floor is None:
        return market
    if not market_linked:
        return floor
    forward = market * (1 + premium)
    price = forward + oracle_put(forward, floor, sigma)
    if ceiling is not None:
        price -= forward - ceiling + oracle_put(forward, ceiling, sigma)
    return price


@given(
    price_terms(CHILLI_GRADES),
    decimals("0.01", "50", 2),
    decimals("0", "0.8", 2),
    decimals("0.0001", "100", 4),
    decimals("1", "4000", 0),
    decimals("0", "2000", 2),
    decimals("0", "1500", 2),
    st.lists(
        st.tuples(decimals("1", "5000", 0), decimals("0", "2", 3), st.sampled_from(ChargeMode)),
        max_size=3,
    ),
)
@example(terms_of(), D("1.60"), D("0"), D("1"), D("1000"), D("0"), D("0"), [])
@example(terms_of(), D("1.40"), D("0"), D("2.5"), D("1000"), D("100"), D("350"), [])
@example(terms_of(ceiling=D("2")), D("2.50"), D("0.3"), D("1"), D("1"), D("0"), D("0"), [])
def test_the_estimate_is_the_design_rule(
    terms: PriceTerms,
    market: Decimal,
    sigma: Decimal,
    area: Decimal,
    yield_per_mu: Decimal,
    cost_per_mu: Decimal,
    baseline: Decimal,
    inputs: list[tuple[Decimal, Decimal, ChargeMode]],
) -> None:
    """DESIGN §6: gross = area × yield × price, price the expected paid price in closed form
    (exact for volatility 0); cost = area × cost_per_mu with the inputs charged to the
    household (``advance`` or ``paid``), free ones not; net = gross − cost; increase =
    net − area × baseline; each amount rounded half-up once (DESIGN §3).

    The text's "(inputs charged to the household included)" is read as the library does: the
    charged inputs are added to ``area × cost_per_mu``, each at its own rounded amount. §6 is
    silent on a quota; read as §4 reads it: the expected kg up to the quota at the expected
    paid price, the rest at the expected market price, the gross rounded once.
    """
    supplies = tuple(InputSupply("地膜", q, "卷", c, mode) for q, c, mode in inputs)
    est = estimate(
        "朝天椒",
        "fresh",
        area,
        terms=terms,
        inputs=supplies,
        grade="一级",
        market_price=market,
        price_volatility=sigma,
        yield_kg_per_mu=yield_per_mu,
        yield_low_kg_per_mu=yield_per_mu / 2,
        yield_high_kg_per_mu=yield_per_mu * 2,
        yield_cv=D(0),
        cost_per_mu=cost_per_mu,
        baseline_net_per_mu=baseline,
    )
    floor = terms.floors.get("一级")
    ceiling = terms.ceiling
    price = oracle_paid_price(
        None if floor is None else float(floor),
        terms.market_linked,
        float(terms.premium),
        None if ceiling is None else float(ceiling),
        float(market),
        float(sigma),
    )
    kg = Fraction(area) * Fraction(yield_per_mu)
    protected = kg if terms.quota_kg is None else min(kg, Fraction(terms.quota_kg))
    if floor is None:
        protected = ZERO
    rest = kg - protected
    charged = [s.amount for s in supplies if s.charge is not ChargeMode.FREE]
    cost = round_half_up(Fraction(area) * Fraction(cost_per_mu)) + sum(charged, Decimal(0))
    baseline_net = round_half_up(Fraction(area) * Fraction(baseline))
    assert est.cost == cost
    assert est.baseline_net == baseline_net
    assert est.net == est.gross - est.cost
    assert est.increase == est.net - est.baseline_net
    if sigma == 0:
        exact_price = oracle_of(terms, slip("1"), market, D(0)).protected_price or Fraction(market)
        assert Fraction(est.expected_paid_price) == exact_price
        assert est.gross == round_half_up(protected * exact_price + rest * Fraction(market))
    else:
        assert math.isclose(float(est.expected_paid_price), price, rel_tol=1e-9, abs_tol=1e-12)
        gross = float(protected) * price + float(rest) * float(market)
        assert abs(float(est.gross) - gross) <= 0.01 + 1e-9 * gross
    assert (Fraction(est.protected_kg), Fraction(est.unprotected_kg)) == (protected, rest)
    for amount in (est.gross, est.cost, est.net, est.baseline_net, est.increase):
        assert amount.as_tuple().exponent == -2


@given(
    price_terms(CHILLI_GRADES, quota=False, all_graded=True),
    decimals("0.01", "50", 2),
    decimals("0.01", "0.8", 2),
)
def test_the_floor_is_worth_the_black_scholes_put(
    terms: PriceTerms, market: Decimal, sigma: Decimal
) -> None:
    """DESIGN §6: the floor is worth ``E[max(floor − market, 0)]`` per kg, the Black-Scholes
    put at zero rate on a log-normal market price (of mean ``market``; median
    ``market × exp(−σ²/2)``, as ``Assumptions`` says); ``expected_paid_price`` is the
    expected paid price of the same model."""
    floor = terms.floors["一级"]
    median = market * Decimal(math.exp(-(float(sigma) ** 2) / 2))
    got = floor_value(floor, median, sigma)
    want = oracle_put(float(market), float(floor), float(sigma))
    assert math.isclose(float(got), want, rel_tol=1e-7, abs_tol=1e-9)
    paid = expected_paid_price(terms, "一级", market, sigma)
    want_paid = oracle_paid_price(
        float(floor),
        terms.market_linked,
        float(terms.premium),
        None if terms.ceiling is None else float(terms.ceiling),
        float(market),
        float(sigma),
    )
    assert math.isclose(float(paid), want_paid, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(
    "terms",
    [
        terms_of(quota_kg=D("1000"), premium=D("0.1"), ceiling=D("2.00")),
        terms_of(market_linked=False, quota_kg=D("3000")),
        terms_of(premium=D("0.05")),
    ],
    ids=["premium, ceiling and quota", "fixed price under a quota", "premium"],
)
def test_simulated_seasons_agree_with_the_closed_form(terms: PriceTerms) -> None:
    """DESIGN §6: "simulation must agree with it" — the mean simulated gross is the closed
    form's expected paid price over the protected kg plus the market over the rest."""
    est = estimate(
        "朝天椒",
        "fresh",
        D("2"),
        terms=terms,
        inputs=(),
        grade="一级",
        market_price=D("1.50"),
        price_volatility=D("0.35"),
        yield_kg_per_mu=D("1500"),
        yield_low_kg_per_mu=D("1000"),
        yield_high_kg_per_mu=D("2000"),
        yield_cv=D(0),
        cost_per_mu=D("100"),
        baseline_net_per_mu=D("300"),
    )
    protected = 3000.0 if terms.quota_kg is None else min(3000.0, float(terms.quota_kg))
    price = oracle_paid_price(
        1.60,
        terms.market_linked,
        float(terms.premium),
        None if terms.ceiling is None else float(terms.ceiling),
        1.50,
        0.35,
    )
    gross = protected * price + (3000.0 - protected) * 1.50
    assert abs(float(est.gross) - gross) <= 0.01
    risk = simulate_income(est, draws=100_000, seed=11)
    assert abs(float(risk.mean_gross) / gross - 1) < 0.005
