"""Units of weight, area, price and days: 斤 (jin), 亩 (mu), hectares and square metres; China's
days.

1 斤 = 0.5 kg exactly; 1 亩 = 10000/15 m²; 15 亩 = 1 ha. Prices are yuan/kg internally. The
days on slips, inputs, payments and contracts are China's (UTC+8), wherever the server's clock
is set: at 07:00 in Shangzhou a UTC server is still on the day before.

>>> jin_to_kg(Decimal("3"))
Decimal('1.5')
>>> price_per_jin_to_per_kg(Decimal("1.10"))
Decimal('2.20')
>>> ha_to_mu(Decimal("2"))
Decimal('30')
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

KG_PER_JIN: Final = Decimal("0.5")
JIN_PER_KG: Final = Decimal(2)
MU_PER_HA: Final = Decimal(15)
M2_PER_HA: Final = Decimal(10000)
#: China Standard Time, the programme's clock
CHINA_TIME: Final = dt.timezone(dt.timedelta(hours=8), "CST")


def china_day(moment: dt.datetime) -> dt.date:
    """The day ``moment`` falls on in China (a moment without a time zone is China's already)."""
    return (moment.astimezone(CHINA_TIME) if moment.tzinfo is not None else moment).date()


def china_today() -> dt.date:
    """Today in China."""
    return china_day(dt.datetime.now(dt.UTC))


def _check(value: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} needs a Decimal, got {type(value).__name__}")
    return value


def jin_to_kg(jin: Decimal) -> Decimal:
    """斤 → kg (exact)."""
    return _check(jin, "jin_to_kg") * KG_PER_JIN


def kg_to_jin(kg: Decimal) -> Decimal:
    """kg → 斤 (exact)."""
    return _check(kg, "kg_to_jin") * JIN_PER_KG


def price_per_jin_to_per_kg(price: Decimal) -> Decimal:
    """yuan/斤 → yuan/kg (× 2, exact)."""
    return _check(price, "price_per_jin_to_per_kg") * JIN_PER_KG


def price_per_kg_to_per_jin(price: Decimal) -> Decimal:
    """yuan/kg → yuan/斤 (× 0.5, exact)."""
    return _check(price, "price_per_kg_to_per_jin") * KG_PER_JIN


def mu_to_m2(mu: Decimal) -> Decimal:
    """亩 → m² (1 亩 = 10000/15 m²)."""
    return _check(mu, "mu_to_m2") * M2_PER_HA / MU_PER_HA


def m2_to_mu(m2: Decimal) -> Decimal:
    """m² → 亩 (exact)."""
    return _check(m2, "m2_to_mu") * MU_PER_HA / M2_PER_HA


def mu_to_ha(mu: Decimal) -> Decimal:
    """亩 → hectares (÷ 15)."""
    return _check(mu, "mu_to_ha") / MU_PER_HA


def ha_to_mu(ha: Decimal) -> Decimal:
    """Hectares → 亩 (× 15, exact)."""
    return _check(ha, "ha_to_mu") * MU_PER_HA


def format_quantity(quantity: Decimal) -> str:
    """A count or amount of an input as written, thousands grouped and no zero decimals of its
    own: ``18,000`` for 18000.0 (an area times a figure per mu), ``2.5``."""
    text = format(quantity.normalize(), "f")
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}{dot}{frac}"
