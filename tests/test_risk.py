"""Price and yield risk: the closed-form floor value, and simulations that agree with it."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderfarm import D, PriceTerms, estimate
from orderfarm.estimate import lognormal_put as put_by_mean
from orderfarm.risk import (
    RiskBook,
    Simulation,
    floor_value,
    lognormal_put,
    simulate_income,
)

GRADES = ("一级", "二级", "等外")


def test_floor_value_by_hand() -> None:
    # no spread: the intrinsic value, 1.20 − 1.00 = 0.20 per kg, × 2,000 kg = 400.00
    assert floor_value(D("1.20"), D("1.00"), D("0")) == D("0.2000")
    assert floor_value(D("1.20"), D("1.00"), D("0"), protected_kg=D("2000")) == D("400.00")
    assert floor_value(D("1.00"), D("1.20"), D("0")) == D("0.0000")
    # at the median, vol 0.2: d2 = 0, d1 = 0.2, forward 1.2 e^0.02 = 1.224242;
    # 1.2 × Φ(0) − 1.224242 × Φ(−0.2) = 0.6 − 1.224242 × 0.420740 = 0.084913
    per_kg = floor_value(D("1.20"), D("1.20"), D("0.2"))
    assert per_kg == pytest.approx(D("0.084913"), abs=D("0.000001"))
    assert per_kg != per_kg.quantize(D("0.0001"))  # a unit value is not rounded (DESIGN §3)


def test_floor_value_on_arrays_matches_the_estimate() -> None:
    floors = np.array([1.2, 1.6, 12.0, np.nan])
    medians = np.array([1.2, 1.5, 14.0, 3.0])
    vols = np.array([0.2, 0.3, 0.0, 0.3])
    values = floor_value(floors, medians, vols)
    assert values.shape == (4,) and values[2] == 0.0 and values[3] == 0.0
    # by mean: E[S] = median e^{σ²/2}
    assert values[1] == pytest.approx(put_by_mean(1.6, 1.5 * math.exp(0.045), 0.3), rel=1e-12)
    assert np.allclose(
        floor_value(floors, medians, vols, protected_kg=np.full(4, 10.0)), values * 10
    )


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        floor_value(1.2, D("1"), D("0.2"))  # type: ignore[call-overload]  # the point of the test
    with pytest.raises(TypeError):
        RiskBook.from_arrays(area_mu=1.5, yield_mean=1, price_median=1, price_volatility=0, floor=1)


# The sensible range: prices from 0.5 to 40 yuan/kg, volatility 5%–60% over a season, and the
# floor from half a standard deviation below the median upward (floors are set near the market).
cases = st.lists(
    st.tuples(
        st.floats(0.5, 40.0),
        st.floats(0.05, 0.6),
        st.floats(-0.5, 1.5),
    ),
    min_size=4,
    max_size=4,
)


@settings(max_examples=6)
@given(cases, st.integers(0, 2**32 - 1))
def test_monte_carlo_floor_value_converges_to_the_closed_form(
    params: list[tuple[float, float, float]], seed: int
) -> None:
    median, vol, moneyness = (np.array(column) for column in zip(*params, strict=True))
    floor = median * np.exp(vol * moneyness)
    n = len(params)
    book = RiskBook.from_arrays(
        area_mu=np.ones(n),
        yield_mean=np.ones(n),  # 1 kg: the protected quantity
        price_median=median,
        price_volatility=vol,
        floor=floor,
        price_group=np.arange(n),
    )
    sim = simulate_income(book, draws=200_000, seed=seed)
    closed = lognormal_put(floor, median, vol)
    assert np.all(np.abs(sim.mean_floor_value / closed - 1) < 0.02)
    # without a premium the enterprise's top-up is exactly the floor's value
    assert np.allclose(sim.mean_top_up, sim.mean_floor_value)


def _book(draw_vol: float, cv: float, floor: float = 1.2) -> RiskBook:
    n = 3
    return RiskBook.from_arrays(
        area_mu=np.array([0.5, 1.2, 3.0]),
        yield_mean=np.full(n, 1700.0),
        yield_low=np.full(n, 1500.0),
        yield_high=np.full(n, 4000.0),
        yield_cv=np.full(n, cv),
        price_median=np.full(n, 1.2),
        price_volatility=np.full(n, draw_vol),
        floor=np.array([floor, floor, np.nan]),
        cost=np.full(n, 200.0),
        baseline=np.full(n, 300.0),
    )


@settings(max_examples=15)
@given(st.floats(0.0, 0.8), st.floats(0.0, 0.2), st.integers(0, 1000))
def test_percentiles_are_ordered(vol: float, cv: float, seed: int) -> None:
    sim = simulate_income(_book(vol, cv), draws=501, seed=seed)
    assert np.all(sim.p10_net <= sim.p50_net) and np.all(sim.p50_net <= sim.p90_net)
    for row in sim.rows():
        assert row.p10_increase <= row.p50_increase <= row.p90_increase
        assert Decimal(0) <= row.prob_floor_binds <= Decimal(1)


@settings(max_examples=10)
@given(
    st.floats(0.5, 3.0),
    st.floats(0.0, 0.6),
    st.floats(0.0, 0.2),
    st.sampled_from([0.0, 0.05]),
    st.integers(0, 1000),
)
def test_the_floor_never_lowers_simulated_income(
    floor: float, vol: float, cv: float, premium: float, seed: int
) -> None:
    def book(f: float) -> RiskBook:
        return RiskBook.from_arrays(
            area_mu=np.ones(1),
            yield_mean=np.full(1, 1700.0),
            yield_low=np.full(1, 1500.0),
            yield_high=np.full(1, 4000.0),
            yield_cv=np.full(1, cv),
            price_median=np.full(1, 1.2),
            price_volatility=np.full(1, vol),
            floor=np.full(1, f),
            premium=np.full(1, premium),
        )

    with_floor = simulate_income(book(floor), draws=400, seed=seed)
    without = simulate_income(book(math.nan), draws=400, seed=seed)  # the same draws
    assert with_floor.mean_net[0] >= without.mean_net[0]
    assert with_floor.p10_net[0] >= without.p10_net[0]


@settings(max_examples=20)
@given(
    st.decimals("0.1", "10", places=1),
    st.decimals("500", "3000", places=0),
    st.decimals("0.50", "5.00", places=2),
    st.decimals("0.50", "5.00", places=2),
    st.sampled_from([D("0"), D("0.05")]),
    st.one_of(st.none(), st.decimals("100", "20000", places=0)),
)
def test_an_estimate_without_risk_equals_the_deterministic_one(
    area: Decimal,
    yld: Decimal,
    market: Decimal,
    floor: Decimal,
    premium: Decimal,
    quota: Decimal | None,
) -> None:
    terms = PriceTerms(floors={"一级": floor}, premium=premium, quota_kg=quota, grades=GRADES)
    est = estimate("菊芋", "fresh", area, terms=terms, yield_kg_per_mu=yld, market_price=market,
                   price_volatility="0", yield_cv="0")  # fmt: skip
    risk = simulate_income(est, draws=64, seed=1)
    cent = D("0.01")
    assert abs(risk.mean_net - est.net) <= cent
    assert abs(risk.mean_increase - est.increase) <= cent
    assert risk.p10_increase == risk.p50_increase == risk.p90_increase
    assert abs(risk.p50_increase - est.increase) <= cent
    assert abs(risk.expected_top_up - est.guarantee_cost) <= cent


def test_simulated_mean_agrees_with_the_estimate_under_risk() -> None:
    est = estimate("朝天椒", "dried", "2")  # volatility 0.30, yield cv 0.20
    risk = simulate_income(est, draws=200_000, seed=7)
    assert abs(risk.mean_net - est.net) / est.net < Decimal("0.01")
    assert abs(risk.expected_floor_value - est.floor_value) / est.floor_value < Decimal("0.02")
    assert 0 < risk.prob_floor_binds < 1


def test_simulation_is_reproducible_and_chunking_does_not_change_it() -> None:
    book = _book(0.25, 0.15)
    a = simulate_income(book, draws=3_000, seed=42)
    b = simulate_income(book, draws=3_000, seed=42, chunk_elements=3_000)  # one row per chunk
    c = simulate_income(book, draws=3_000, seed=43)
    assert isinstance(a, Simulation) and len(a) == 3
    for name in ("mean_net", "p10_net", "p90_net", "mean_top_up", "prob_floor_binds"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.mean_net, c.mean_net)
    assert a.rows() == b.rows()


def test_contracts_of_one_price_group_share_the_market_draw() -> None:
    # two identical contracts in one group see the same prices: identical results
    book = RiskBook.from_arrays(
        area_mu=np.ones(2),
        yield_mean=np.full(2, 100.0),
        price_median=np.full(2, 1.0),
        price_volatility=np.full(2, 0.3),
        floor=np.full(2, 1.0),
    )
    sim = simulate_income(book, draws=1_000, seed=5)
    assert sim.mean_net[0] == sim.mean_net[1] and sim.p10_net[0] == sim.p10_net[1]
    apart = RiskBook.from_arrays(
        area_mu=np.ones(2),
        yield_mean=np.full(2, 100.0),
        price_median=np.full(2, 1.0),
        price_volatility=np.full(2, 0.3),
        floor=np.full(2, 1.0),
        price_group=np.array([0, 1]),
    )
    sim = simulate_income(apart, draws=1_000, seed=5)
    assert sim.mean_net[0] != sim.mean_net[1]


def test_money_comes_back_as_decimal_to_the_fen() -> None:
    risk = simulate_income(estimate("菊芋", "fresh", "1.2"), draws=2_000, seed=3)
    for value in (risk.mean_net, risk.p10_increase, risk.expected_top_up):
        assert isinstance(value, Decimal) and value == value.quantize(D("0.01"))
    assert risk.label == "jerusalem_artichoke/fresh"


def test_bad_books_are_refused() -> None:
    with pytest.raises(ValueError, match="yield"):
        _book(0.2, 0.9)  # too wide a yield for 1,500–4,000
    with pytest.raises(ValueError):
        simulate_income(_book(0.2, 0.1), draws=0, seed=1)
    with pytest.raises(TypeError):
        simulate_income(_book(0.2, 0.1), draws=10, seed=1.5)  # type: ignore[call-overload]
