"""Properties of ``price_delivery`` for every input: the invariants of DESIGN §4."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    GRADE_SETS,
    decimals,
    delivered_before,
    deliveries,
    fractions,
    market_prices,
    price_terms,
    weighings,
)

from orderfarm import Basis, D, PriceTerms, Quote, Weighing, price_delivery
from orderfarm.money import format_price, format_weight, round_kg, round_yuan

FEN = Decimal("0.01")


def quote_of(delivery: tuple[PriceTerms, Weighing, Decimal, Decimal]) -> Quote:
    terms, slip, market, before = delivery
    return price_delivery(terms, slip, market_price=market, delivered_before_kg=before)


def amount(terms: PriceTerms, slip: Weighing, market: Decimal, before: Decimal) -> Decimal:
    return price_delivery(terms, slip, market_price=market, delivered_before_kg=before).amount


@given(deliveries())
def test_protected_price_never_below_floor(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    terms, slip, _, _ = delivery
    quote = quote_of(delivery)
    floor = terms.floor(slip.grade)
    for portion in quote.portions:
        if portion.protected:
            assert floor is not None
            assert portion.unit_price >= floor


@given(deliveries(price_terms(ceiling=True)))
def test_protected_price_never_above_ceiling(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    terms, _, _, _ = delivery
    assert terms.ceiling is not None
    for portion in quote_of(delivery).portions:
        if portion.protected:
            assert portion.unit_price <= terms.ceiling


@given(deliveries(), market_prices)
def test_amount_never_decreases_when_market_price_rises(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], other: Decimal
) -> None:
    terms, slip, market, before = delivery
    low, high = sorted((market, other))
    assert amount(terms, slip, high, before) >= amount(terms, slip, low, before)


@given(deliveries(), decimals("0", "2000", 2))
def test_amount_never_decreases_when_gross_weight_rises(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], extra: Decimal
) -> None:
    terms, slip, market, before = delivery
    heavier = attrs.evolve(slip, gross_kg=slip.gross_kg + extra)
    assert amount(terms, heavier, market, before) >= amount(terms, slip, market, before)


@given(
    st.sampled_from(GRADE_SETS).flatmap(
        lambda grades: st.tuples(
            price_terms(grades, all_graded=True), weighings(grades), st.sampled_from(grades)
        )
    ),
    market_prices,
    delivered_before,
)
def test_amount_never_decreases_when_grade_rises(
    case: tuple[PriceTerms, Weighing, str], market: Decimal, before: Decimal
) -> None:
    # Floors are ordered by grade (a better grade never has a lower floor); all grades graded.
    terms, slip, other = case
    ranks = {grade: rank for rank, grade in enumerate(terms.grades)}
    better, worse = sorted((slip.grade, other), key=ranks.__getitem__)
    high = amount(terms, attrs.evolve(slip, grade=better), market, before)
    low = amount(terms, attrs.evolve(slip, grade=worse), market, before)
    assert high >= low


@given(deliveries(), fractions)
def test_amount_never_increases_when_moisture_rises(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], other: Decimal
) -> None:
    terms, slip, market, before = delivery
    dry, wet = sorted((slip.moisture, other))
    assert amount(terms, attrs.evolve(slip, moisture=wet), market, before) <= amount(
        terms, attrs.evolve(slip, moisture=dry), market, before
    )


@given(deliveries(), decimals("0", "0.2", 3))
def test_amount_never_increases_when_impurity_rises(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], other: Decimal
) -> None:
    terms, slip, market, before = delivery
    clean, dirty = sorted((slip.impurity, other))
    assert amount(terms, attrs.evolve(slip, impurity=dirty), market, before) <= amount(
        terms, attrs.evolve(slip, impurity=clean), market, before
    )


@given(deliveries(), st.data())
def test_amount_never_increases_when_tare_rises(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], data: st.DataObject
) -> None:
    terms, slip, market, before = delivery
    other = data.draw(decimals("0", str(slip.gross_kg - FEN), 2))
    light, heavy = sorted((slip.tare_kg, other))
    assert amount(terms, attrs.evolve(slip, tare_kg=heavy), market, before) <= amount(
        terms, attrs.evolve(slip, tare_kg=light), market, before
    )


@st.composite
def above_break_even(draw: st.DrawFn) -> tuple[PriceTerms, Weighing, Decimal]:
    """Market-linked terms without a ceiling, and a market price above the grade's break-even."""
    terms = draw(price_terms(market_linked=True, ceiling=False))
    slip = draw(weighings(tuple(terms.floors)))
    floor = terms.floors[slip.grade]
    break_even = (floor / (1 + terms.premium)).quantize(Decimal("0.0001"), ROUND_FLOOR)
    return terms, slip, break_even + draw(decimals("0.0001", "20", 4))


@given(above_break_even(), delivered_before)
@example(
    (
        PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05")),
        Weighing(gross_kg=D("100"), tare_kg=D("0"), grade="一级"),
        D("1.5239"),  # 1.5239 × 1.05 = 1.600095 > 1.60: just above break-even
    ),
    D("0"),
)
def test_above_break_even_protected_price_is_market_plus_premium(
    case: tuple[PriceTerms, Weighing, Decimal], before: Decimal
) -> None:
    terms, slip, market = case
    linked = market * (1 + terms.premium)
    quote = price_delivery(terms, slip, market_price=market, delivered_before_kg=before)
    for portion in (p for p in quote.portions if p.protected):
        assert portion.unit_price == linked
        assert portion.basis is (Basis.PREMIUM if terms.premium else Basis.MARKET)


@given(above_break_even(), decimals("0", "5", 2))
def test_above_the_ceiling_protected_price_is_the_ceiling(
    case: tuple[PriceTerms, Weighing, Decimal], headroom: Decimal
) -> None:
    terms, slip, market = case
    linked = market * (1 + terms.premium)
    ceiling = max(max(terms.floors.values()), linked - headroom)
    capped = attrs.evolve(terms, ceiling=ceiling)
    quote = price_delivery(capped, slip, market_price=market)
    for portion in quote.portions:
        if portion.protected:
            assert portion.unit_price == min(linked, ceiling)
            if linked > ceiling:
                assert portion.basis is Basis.CEILING


@given(
    price_terms(),
    st.data(),
    decimals("0.01", "3000", 2),
    decimals("0.01", "3000", 2),
    market_prices,
    delivered_before,
)
def test_splitting_a_delivery_changes_total_by_at_most_a_fen_per_extra_portion(
    terms: PriceTerms,
    data: st.DataObject,
    first_kg: Decimal,
    second_kg: Decimal,
    market: Decimal,
    before: Decimal,
) -> None:
    # No tare, moisture or impurity and 2-decimal weights: the two net weights add up exactly.
    grade = data.draw(st.sampled_from(terms.grades))

    def slip(kg: Decimal) -> Weighing:
        return Weighing(gross_kg=kg, tare_kg=D(0), grade=grade)

    whole = price_delivery(
        terms, slip(first_kg + second_kg), market_price=market, delivered_before_kg=before
    )
    first = price_delivery(terms, slip(first_kg), market_price=market, delivered_before_kg=before)
    second = price_delivery(
        terms, slip(second_kg), market_price=market, delivered_before_kg=before + first.net_kg
    )
    assert first.net_kg + second.net_kg == whole.net_kg
    extra = len(first.portions) + len(second.portions) - len(whole.portions)
    assert extra >= 0
    assert abs(first.amount + second.amount - whole.amount) <= FEN * extra


def _two_places(value: Decimal) -> bool:
    return value.as_tuple().exponent == -2


@given(deliveries())
def test_every_amount_has_exactly_two_decimal_places(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    quote = quote_of(delivery)
    assert _two_places(quote.amount)
    assert _two_places(quote.net_kg)
    assert all(_two_places(p.amount) for p in quote.portions)


@given(deliveries())
def test_amount_is_sum_of_portions_each_rounded_half_up_once(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    quote = quote_of(delivery)
    for portion in quote.portions:
        assert portion.amount == round_yuan(portion.kg * portion.unit_price)
    assert quote.amount == sum((p.amount for p in quote.portions), Decimal(0))
    if quote.accepted:
        assert sum((p.kg for p in quote.portions), Decimal(0)) == quote.net_kg


@given(deliveries())
def test_net_weight_follows_the_deductions(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    terms, slip, _, _ = delivery
    clean = (slip.gross_kg - slip.tare_kg) * (1 - slip.impurity)
    standard = terms.moisture_standard
    if standard is not None and slip.moisture > standard:
        # net × (1 − standard) = clean × (1 − moisture): dry matter kept
        exact = clean * (1 - slip.moisture) / (1 - standard)
    else:
        exact = clean
    assert quote_of(delivery).net_kg == round_kg(exact)


@given(deliveries())
def test_lot_wetter_than_maximum_is_rejected_with_nothing_paid(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    terms, slip, _, _ = delivery
    quote = quote_of(delivery)
    wet = terms.moisture_max is not None and slip.moisture > terms.moisture_max
    assert quote.accepted is not wet
    if wet:
        assert quote.amount == D("0.00")
        assert quote.portions == ()
        assert quote.rejection_reason
    else:
        assert quote.rejection_reason is None


@given(deliveries(price_terms(quota=True)))
def test_protected_kg_never_exceed_what_is_left_of_the_quota(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    terms, _, _, before = delivery
    assert terms.quota_kg is not None
    quote = quote_of(delivery)
    assert quote.protected_kg <= max(Decimal(0), terms.quota_kg - before)


WEIGHING_FIELDS = ("gross_kg", "tare_kg", "moisture", "impurity")
TERMS_FIELDS = ("premium", "ceiling", "moisture_standard", "moisture_max", "quota_kg")


@given(deliveries(), st.floats(allow_nan=False, allow_infinity=False), st.data())
def test_a_float_anywhere_is_a_type_error(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], number: float, data: st.DataObject
) -> None:
    terms, slip, market, before = delivery
    where = data.draw(
        st.sampled_from(
            [f"weighing.{f}" for f in WEIGHING_FIELDS]
            + [f"terms.{f}" for f in TERMS_FIELDS]
            + ["terms.floor", "market_price", "delivered_before_kg"]
        )
    )
    owner, _, name = where.partition(".")
    change: dict[str, Any] = {name: number}
    with pytest.raises(TypeError, match="float"):
        if owner == "weighing":
            slip = attrs.evolve(slip, **change)
        elif where == "terms.floor":
            terms = attrs.evolve(terms, floors={**terms.floors, slip.grade: change[name]})
        elif owner == "terms":
            terms = attrs.evolve(terms, **change)
        else:
            arguments: dict[str, Any] = {"market_price": market, "delivered_before_kg": before}
            price_delivery(terms, slip, **{**arguments, **{where: number}})


@given(deliveries())
def test_receipt_explanation_shows_net_weight_each_portion_and_total(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    # What a clerk checks against the paper slip, in both languages.
    quote = quote_of(delivery)
    zh, en = quote.explain("zh"), quote.explain("en")
    assert f"净重 {quote.net_kg:,.2f} kg" in zh
    assert f"net weight {quote.net_kg:,.2f} kg" in en
    if not quote.accepted:
        assert "拒收" in zh and "rejected" in en
        return
    for portion in quote.portions:
        # each amount line works out by hand: the product as it is, then the fen it rounds to
        product = portion.kg * portion.unit_price
        exact = "" if product == portion.amount else f"{product.normalize():,f} ≈ "
        figures = f"{format_weight(portion.kg)} kg × {format_price(portion.unit_price)}"
        assert f"{figures} 元/kg = {exact}{portion.amount:,.2f} 元" in zh
        assert f"{figures} yuan/kg = {exact}{portion.amount:,.2f} yuan" in en
        assert round_yuan(product) == portion.amount
    assert f"合计 {quote.amount:,.2f} 元" in zh
    assert f"total {quote.amount:,.2f} yuan" in en


def _figure(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@given(deliveries())
def test_each_weight_line_of_the_explanation_works_out_by_hand_to_the_next(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal],
) -> None:
    # Every figure before the net weight is printed as it is: working a line by hand from the
    # figures printed on it gives the next one, and only the net weight is rounded.
    terms, slip, _, _ = delivery
    quote = quote_of(delivery)
    for lang, cut in (("zh", "："), ("en", ": ")):
        lines = quote.explain(lang).splitlines()
        weighed = _figure(lines[0].rsplit("= ", 1)[1].removesuffix(" kg"))
        assert weighed == slip.gross_kg - slip.tare_kg
        clean = weighed
        if slip.impurity:
            working, result = lines[1].split(cut, 1)[1].rsplit(" = ", 1)
            assert working.startswith(f"{lines[0].rsplit('= ', 1)[1].removesuffix(' kg')} × ")
            clean = _figure(result.removesuffix(" kg"))
            assert clean == weighed * (1 - slip.impurity)
        net = clean
        standard = terms.moisture_standard
        if standard is not None and slip.moisture > standard:
            (line,) = [x for x in lines if "÷" in x]
            assert line.split(cut, 1)[1].startswith(f"{format_weight(clean)} × ")
            net = clean * (1 - slip.moisture) / (1 - standard)
        assert round_kg(net) == quote.net_kg
        assert not any("≈" in x for x in lines if " kg ×" not in x)


_BLANKS = st.text(" \u00a0\u3000\t", max_size=3)


@given(deliveries(), _BLANKS, _BLANKS, _BLANKS)
def test_blanks_around_a_grade_never_change_the_quote(
    delivery: tuple[PriceTerms, Weighing, Decimal, Decimal], before: str, after: str, key: str
) -> None:
    """A grade is trimmed as contract and receipt numbers are, in the slip and in the terms."""
    terms, slip, market, delivered = delivery
    padded_slip = attrs.evolve(slip, grade=f"{before}{slip.grade}{after}")
    padded_terms = PriceTerms(
        floors={f"{key}{grade}{after}": price for grade, price in terms.floors.items()},
        market_linked=terms.market_linked,
        premium=terms.premium,
        ceiling=terms.ceiling,
        moisture_standard=terms.moisture_standard,
        moisture_max=terms.moisture_max,
        quota_kg=terms.quota_kg,
        grades=[f"{before}{grade}{key}" for grade in terms.grades],
    )
    assert padded_slip.grade == slip.grade and padded_terms == terms
    padded = price_delivery(
        padded_terms, padded_slip, market_price=market, delivered_before_kg=delivered
    )
    assert padded == quote_of(delivery)


@given(
    mass=decimals("0.01", "9999", 3),
    area=decimals("0.0001", "50", 4),
    high_yield=decimals("1", "5000", 0),
)
def test_a_lot_is_questioned_exactly_when_it_outweighs_the_contracts_whole_harvest(
    mass: Decimal, area: Decimal, high_yield: Decimal
) -> None:
    from orderfarm.pricing import harvest_doubt

    doubt = harvest_doubt(mass, area, high_yield)
    assert (doubt is not None) == (mass > area * high_yield)
    if doubt is not None:
        assert doubt.code == "lot_above_harvest" and doubt.field == "gross_kg"
