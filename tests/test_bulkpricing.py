"""The integer pricer of bulk imports gives what ``price_delivery`` gives, for every input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import decimals, delivered_before, market_prices, price_terms, weighings

from orderfarm import D, PriceTerms, Weighing, price_delivery
from orderfarm.bulkpricing import IntTerms, half_up
from orderfarm.errors import PricingError
from orderfarm.money import to_fen, to_grams

#: weights with up to three decimals and rates with up to six, as a file may hold them
grams_weights = decimals("0.001", "99999", 3)
rates = st.just(Decimal(0)) | decimals("0", "0.5", 6)


def expected(
    terms: PriceTerms, slip: Weighing, market: Decimal | None, before: Decimal
) -> tuple[object, ...] | str:
    try:
        quote = price_delivery(terms, slip, market_price=market, delivered_before_kg=before)
    except PricingError as exc:
        return exc.problems[0].code
    if not quote.accepted:
        return ("rejected", to_grams(quote.net_kg), quote.rejection_reason)
    protected = [p for p in quote.portions if p.protected]
    unprotected = [p for p in quote.portions if not p.protected]
    return (
        to_grams(quote.net_kg),
        to_grams(protected[0].kg) if protected else 0,
        to_fen(protected[0].amount) if protected else 0,
        to_grams(unprotected[0].kg) if unprotected else 0,
        to_fen(unprotected[0].amount) if unprotected else 0,
        to_fen(quote.amount),
    )


def integer(
    terms: PriceTerms, slip: Weighing, market: Decimal | None, before: Decimal
) -> tuple[object, ...] | str:
    it = IntTerms(terms)
    weights = to_grams(slip.gross_kg), to_grams(slip.tare_kg)
    rates = (*slip.moisture.as_integer_ratio(), *slip.impurity.as_integer_ratio())
    try:
        priced = it.price(it.rule(slip.grade, market), *weights, *rates, to_grams(before))
    except PricingError as exc:
        return exc.problems[0].code
    if priced is None:
        return ("rejected", it.net_g(*weights, *rates), it.rejection(slip.moisture))
    return priced


@st.composite
def slips(draw: st.DrawFn, terms: PriceTerms) -> Weighing:
    gross = draw(grams_weights)
    tare = draw(decimals("0", str(gross - Decimal("0.001")), 3))
    return Weighing(
        gross_kg=gross,
        tare_kg=tare,
        grade=draw(st.sampled_from(terms.grades)),
        moisture=draw(rates),
        impurity=draw(rates),
    )


@given(st.data(), price_terms(), st.none() | market_prices, delivered_before)
@example(
    None,
    PriceTerms(floors={"一级": D("1.60")}, quota_kg=D("100")),
    D("1.40"),
    D("99.99"),
).via("a slip that crosses the quota")
def test_the_integer_pricer_agrees_with_price_delivery(
    data: st.DataObject | None,
    terms: PriceTerms,
    market: Decimal | None,
    before: Decimal,
) -> None:
    if data is None:
        slip = Weighing(gross_kg=D("52.345"), tare_kg=D("2.3"), grade="一级", impurity=D("0.013"))
    else:
        slip = data.draw(slips(terms) | weighings(terms.grades))
    assert integer(terms, slip, market, before) == expected(terms, slip, market, before)


@pytest.mark.parametrize("grade", ["A", "B"], ids=["protected, linked", "unprotected"])
def test_a_market_price_longer_than_decimals_default_precision_is_not_rounded(
    grade: str,
) -> None:
    # 1 kg at 0.00499…9 (36 significant digits) is 0.00: the price rounded to Decimal's
    # default 28 digits would be 0.005 and the amount 0.01
    terms = PriceTerms(floors={"A": D("0.001")}, grades=("A", "B"), market_linked=True)
    market = Decimal("0.004" + "9" * 35)
    slip = Weighing(gross_kg=D("1"), tare_kg=D("0"), grade=grade)
    paid = (1000, 1000, 0, 0, 0, 0) if grade == "A" else (1000, 0, 0, 1000, 0, 0)
    assert expected(terms, slip, market, D("0")) == paid
    assert integer(terms, slip, market, D("0")) == paid


def test_a_half_fen_rounds_up_and_less_rounds_down() -> None:
    assert half_up(5, 10) == 1
    assert half_up(49_999, 100_000) == 0
    assert half_up(15, 10) == 2


@pytest.mark.parametrize(
    ("gross", "moisture", "net_g", "fen"),
    [
        # 100 kg at 20 % moisture, standard 14 %: 100 × 0.80 / 0.86 = 93.0232… → 93.02 kg
        ("102.5", "0.20", 93_020, 14_883),
        # at the standard nothing is taken off
        ("102.5", "0.14", 100_000, 16_000),
    ],
)
def test_water_above_the_standard_is_taken_off_by_dry_matter(
    gross: str, moisture: str, net_g: int, fen: int
) -> None:
    terms = IntTerms(PriceTerms(floors={"一级": D("1.60")}, moisture_standard=D("0.14")))
    m = D(moisture).as_integer_ratio()
    priced = terms.price(terms.rule("一级", D("1.40")), to_grams(D(gross)), 2_500, *m, 0, 1, 0)
    assert priced is not None
    assert (priced[0], priced[-1]) == (net_g, fen)


def test_a_lot_above_the_maximum_moisture_is_rejected_with_the_reason_in_words() -> None:
    terms = IntTerms(PriceTerms(floors={"一级": D("1.60")}, moisture_max=D("0.25")))
    assert terms.price(terms.rule("一级", D("1.40")), 102_500, 2_500, 26, 100, 0, 1, 0) is None
    assert terms.rejection(D("0.26")) == "moisture 26% exceeds the maximum 25%"
