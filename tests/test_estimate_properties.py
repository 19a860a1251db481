"""Properties of the income estimate: monotone in yield and floor, the floor never hurts, and
with a known price the estimate is what the pricing rule pays."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from orderfarm import Assumptions, D, PriceTerms, Weighing, estimate, price_delivery

GRADES = ("一级", "二级", "等外")


def money(low: str, high: str, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places)


areas = money("0.1", "20", 1)
yields = money("500", "3000", 0)
prices = money("0.50", "5.00")
floors = money("0.50", "5.00")
vols = st.sampled_from([D("0"), D("0.05"), D("0.2"), D("0.35"), D("0.6")])
premiums = st.sampled_from([D("0"), D("0.05"), D("0.1")])
quotas = st.one_of(st.none(), money("100", "20000", 0))


def terms_for(
    floor: Decimal, premium: Decimal, quota: Decimal | None, linked: bool = True
) -> PriceTerms:
    return PriceTerms(
        floors={"一级": floor},
        premium=premium,
        quota_kg=quota,
        market_linked=linked,
        grades=GRADES,
    )


@given(areas, yields, yields, prices, floors, vols, premiums, quotas)
def test_increase_is_monotone_in_yield(
    area: Decimal,
    y1: Decimal,
    y2: Decimal,
    market: Decimal,
    floor: Decimal,
    vol: Decimal,
    premium: Decimal,
    quota: Decimal | None,
) -> None:
    low, high = sorted((y1, y2))
    terms = terms_for(floor, premium, quota)
    a = estimate("菊芋", "fresh", area, terms=terms, yield_kg_per_mu=low, market_price=market,
                 price_volatility=vol, yield_cv="0")  # fmt: skip
    b = estimate("菊芋", "fresh", area, terms=terms, yield_kg_per_mu=high, market_price=market,
                 price_volatility=vol, yield_cv="0")  # fmt: skip
    assert a.increase <= b.increase
    assert a.gross <= b.gross


@given(areas, yields, prices, floors, floors, vols, premiums, quotas, st.booleans())
def test_increase_is_monotone_in_floor(
    area: Decimal,
    yld: Decimal,
    market: Decimal,
    f1: Decimal,
    f2: Decimal,
    vol: Decimal,
    premium: Decimal,
    quota: Decimal | None,
    linked: bool,
) -> None:
    low, high = sorted((f1, f2))
    ests = [
        estimate(
            "菊芋",
            "fresh",
            area,
            terms=terms_for(f, premium, quota, linked),
            yield_kg_per_mu=yld,
            market_price=market,
            price_volatility=vol,
            yield_cv="0",
        )
        for f in (low, high)
    ]
    assert ests[0].increase <= ests[1].increase
    assert ests[0].expected_paid_price <= ests[1].expected_paid_price
    assert ests[0].floor_value <= ests[1].floor_value


@given(areas, yields, prices, floors, vols, premiums, quotas)
def test_the_floor_never_lowers_expected_income(
    area: Decimal,
    yld: Decimal,
    market: Decimal,
    floor: Decimal,
    vol: Decimal,
    premium: Decimal,
    quota: Decimal | None,
) -> None:
    a = Assumptions.defaults(
        "菊芋",
        "fresh",
        yield_kg_per_mu=yld,
        market_price=market,
        price_volatility=vol,
        yield_cv=D("0"),
    )
    protected = estimate(
        "菊芋", "fresh", area, terms=terms_for(floor, premium, quota), assumptions=a
    )
    market_only = estimate("菊芋", "fresh", area, terms=None, assumptions=a)
    assert protected.net >= market_only.net
    assert protected.expected_paid_price >= market * (1 + premium) - D("0.0001")
    assert protected.floor_value >= 0


@given(areas, yields, prices, floors, premiums, quotas, st.booleans())
def test_without_risk_the_estimate_is_what_the_pricing_rule_pays(
    area: Decimal,
    yld: Decimal,
    market: Decimal,
    floor: Decimal,
    premium: Decimal,
    quota: Decimal | None,
    linked: bool,
) -> None:
    terms = terms_for(floor, premium, quota, linked)
    est = estimate("菊芋", "fresh", area, terms=terms, yield_kg_per_mu=yld, market_price=market,
                   price_volatility="0", yield_cv="0")  # fmt: skip
    # the whole expected harvest delivered as one lot at the expected market price
    slip = Weighing(gross_kg=est.expected_kg + 1, tare_kg=D("1"), grade="一级")
    quote = price_delivery(terms, slip, market_price=market)
    extra = len(quote.portions) - 1  # a rounding of at most 0.01 per extra portion
    assert abs(quote.amount - est.gross) <= D("0.01") * (extra + 1)
