"""斤/kg, 亩/m²/ha and price per 斤/kg: exact where the definitions are exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from strategies import decimals

from orderfarm.units import (
    format_quantity,
    ha_to_mu,
    jin_to_kg,
    kg_to_jin,
    m2_to_mu,
    mu_to_ha,
    mu_to_m2,
    price_per_jin_to_per_kg,
    price_per_kg_to_per_jin,
)

weights = decimals("0", "1000000", 3)
prices = decimals("0", "1000", 4)
areas = decimals("0", "100000", 4)


def test_worked_conversions() -> None:
    assert jin_to_kg(Decimal("100")) == Decimal("50")  # 1 斤 = 0.5 kg
    assert kg_to_jin(Decimal("117.99")) == Decimal("235.98")
    # "more than 2 yuan/jin" at the market (2019) is 4 yuan/kg
    assert price_per_jin_to_per_kg(Decimal("2.00")) == Decimal("4.00")
    assert price_per_kg_to_per_jin(Decimal("1.60")) == Decimal("0.80")
    assert mu_to_m2(Decimal("15")) == Decimal("10000")  # 15 亩 = 1 ha = 10000 m²
    assert mu_to_m2(Decimal("3")) == Decimal("2000")
    assert m2_to_mu(Decimal("666.67")).quantize(Decimal("0.0001")) == Decimal("1.0000")
    assert mu_to_ha(Decimal("30")) == Decimal("2")
    assert ha_to_mu(Decimal("0.2")) == Decimal("3")


@given(weights)
def test_jin_and_kg_round_trip_exactly(kg: Decimal) -> None:
    assert jin_to_kg(kg_to_jin(kg)) == kg
    assert kg_to_jin(jin_to_kg(kg)) == kg
    assert jin_to_kg(kg) * 2 == kg  # 1 斤 is exactly half a kilogram


@given(prices)
def test_price_per_jin_and_per_kg_round_trip_exactly(price: Decimal) -> None:
    per_kg = price_per_jin_to_per_kg(price)
    assert per_kg == price * 2
    assert price_per_kg_to_per_jin(per_kg) == price


@given(prices, weights)
def test_paying_per_jin_or_per_kg_is_the_same_money(price_per_jin: Decimal, kg: Decimal) -> None:
    assert price_per_jin * kg_to_jin(kg) == price_per_jin_to_per_kg(price_per_jin) * kg


@given(decimals("0", "10000000", 2))
def test_square_metres_to_mu_and_back_is_exact(m2: Decimal) -> None:
    assert mu_to_m2(m2_to_mu(m2)) == m2


@given(areas)
def test_mu_to_square_metres_and_back_is_within_rounding(mu: Decimal) -> None:
    # 10000/15 is not a finite decimal, so the trip through m² may lose the 28th digit only.
    assert abs(m2_to_mu(mu_to_m2(mu)) - mu) <= Decimal("1e-20")


@given(areas)
def test_hectares_to_mu_and_back(mu: Decimal) -> None:
    assert ha_to_mu(mu_to_ha(mu)).quantize(Decimal("0.0001")) == mu
    assert mu_to_ha(ha_to_mu(mu)) == mu


@pytest.mark.parametrize(
    "fn",
    [
        jin_to_kg,
        kg_to_jin,
        price_per_jin_to_per_kg,
        price_per_kg_to_per_jin,
        mu_to_m2,
        m2_to_mu,
        mu_to_ha,
        ha_to_mu,
    ],
)
def test_conversions_refuse_floats(fn: object) -> None:
    with pytest.raises(TypeError):
        fn(1.5)  # type: ignore[operator]


def test_the_programmes_days_are_chinas_whatever_the_servers_clock() -> None:
    import datetime as dt

    from orderfarm.units import CHINA_TIME, china_day, china_today

    early = dt.datetime(2018, 9, 1, 23, 30, tzinfo=dt.UTC)  # 07:30 in Shangzhou
    assert china_day(early) == dt.date(2018, 9, 2)
    assert china_day(dt.datetime(2018, 9, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2018, 9, 1)
    assert china_day(dt.datetime(2018, 9, 1, 23, 30)) == dt.date(2018, 9, 1)  # China's already
    assert china_today() == dt.datetime.now(CHINA_TIME).date()


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [("18000.0", "18,000"), ("2.50", "2.5"), ("80", "80"), ("0.125", "0.125"), ("1E+4", "10,000")],
)
def test_an_input_quantity_is_shown_as_written_without_zero_decimals(
    quantity: str, shown: str
) -> None:
    """18000.0 株 (an area times seedlings per mu) reads 18,000 on statements and contracts."""
    assert format_quantity(Decimal(quantity)) == shown
