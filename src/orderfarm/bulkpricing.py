"""Pricing in whole grams and fen, for imports of many slips: the rules of ``price_delivery``
(DESIGN §4) in integer arithmetic, with the same single half-up rounding of each step.

Rates and prices are exact fractions (``Decimal.as_integer_ratio``), so every step is exact
until the one rounding, as in ``price_delivery``. A lot above the maximum moisture is left to
``price_delivery`` (``price`` returns ``None``), whose quote carries the reason in words.

>>> from orderfarm.contracts import PriceTerms
>>> from orderfarm.money import D
>>> terms = IntTerms(PriceTerms(floors={"一级": D("1.60")}))
>>> rule = terms.rule("一级", D("1.40"))
>>> terms.price(rule, 102_500, 2_500, 0, 1, 0, 1, 0)
(100000, 100000, 16000, 0, 0, 16000)
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Final

import attrs

from orderfarm.contracts import PriceTerms
from orderfarm.errors import PricingError, ValidationError
from orderfarm.money import ZERO
from orderfarm.pricing import _PRECISION, Basis, _protected_price, rejection_text

#: net weights are rounded to 0.01 kg: 10 grams
_STEP_G: Final = 10
#: grams × yuan/kg = fen × 10: a portion's fen are ``grams × n / (d × 10)`` at price ``n/d``
_GRAM_FEN: Final = 10


def half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up (both non-negative, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


@attrs.frozen
class GradeRule:
    """How one grade is paid under one contract's terms on one market price."""

    #: the protected unit price as ``price_delivery`` gives it (yuan/kg), and why
    protected: tuple[Decimal, Basis] | None
    #: its exact fraction (numerator, denominator)
    protected_ratio: tuple[int, int]
    #: the error ``price_delivery`` raises when a protected portion cannot be priced
    protected_error: ValidationError | None
    has_floor: bool
    market: Decimal | None
    market_ratio: tuple[int, int]
    #: the error raised when an unprotected portion needs the market price and there is none
    market_error: ValidationError | None


class IntTerms:
    """``PriceTerms`` in integers: rates as fractions, the quota in grams, and each grade's
    prices (by market price) worked out once."""

    def __init__(self, terms: PriceTerms) -> None:
        self.terms = terms
        self.standard = _ratio(terms.moisture_standard)
        self.maximum = _ratio(terms.moisture_max)
        quota = terms.quota_kg
        self.quota_g = None if quota is None else int(quota * 1000)
        self._rules: dict[tuple[str, object], GradeRule] = {}

    def rule(self, grade: str, market: Decimal | None) -> GradeRule:
        """The prices of ``grade`` on the day's ``market`` price (``None``: none known)."""
        # 1.4 and 1.40 are equal Decimals but are written as they were given: keyed apart
        key = (grade, None if market is None else market.as_tuple())
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = self._rule(grade, market)
        return found

    def _rule(self, grade: str, market: Decimal | None) -> GradeRule:
        terms = self.terms
        floor = terms.floor(grade)
        protected: tuple[Decimal, Basis] | None = None
        protected_error: ValidationError | None = None
        if floor is not None:
            try:
                with localcontext() as ctx:  # as price_delivery works it out
                    ctx.prec = _PRECISION
                    protected = _protected_price(terms, floor, market, grade)
            except PricingError as exc:
                protected_error = exc
        market_error = None
        if market is None:
            code = "market_needed_no_floor" if floor is None else "market_needed_quota"
            market_error = PricingError.one("market_price", code, grade=grade)
        return GradeRule(
            protected,
            protected[0].as_integer_ratio() if protected is not None else (0, 1),
            protected_error,
            floor is not None,
            market,
            market.as_integer_ratio() if market is not None else (0, 1),
            market_error,
        )

    def price(
        self,
        rule: GradeRule,
        gross_g: int,
        tare_g: int,
        moisture_n: int,
        moisture_d: int,
        impurity_n: int,
        impurity_d: int,
        delivered_g: int,
    ) -> tuple[int, int, int, int, int, int] | None:
        """``(net_g, protected_g, protected_fen, market_g, market_fen, amount_fen)`` of one
        weighing (``gross_g > tare_g``; moisture and impurity as fractions ``n/d``), or
        ``None`` when the lot is rejected for its moisture. Raises ``PricingError`` as
        ``price_delivery`` does when a portion needs a market price there is none of."""
        maximum = self.maximum
        if maximum is not None and moisture_n * maximum[1] > maximum[0] * moisture_d:
            return None
        net_g = self.net_g(gross_g, tare_g, moisture_n, moisture_d, impurity_n, impurity_d)
        return self.split(rule, net_g, delivered_g)

    def net_g(
        self,
        gross_g: int,
        tare_g: int,
        moisture_n: int,
        moisture_d: int,
        impurity_n: int,
        impurity_d: int,
    ) -> int:
        """The net weight in grams: impurity and water above the standard taken off, rounded
        half-up to 0.01 kg (also for a lot rejected for its moisture)."""
        numerator = (gross_g - tare_g) * (impurity_d - impurity_n)
        denominator = impurity_d
        standard = self.standard
        if standard is not None and moisture_n * standard[1] > standard[0] * moisture_d:
            numerator *= (moisture_d - moisture_n) * standard[1]
            denominator *= moisture_d * (standard[1] - standard[0])
        return half_up(numerator, denominator * _STEP_G) * _STEP_G

    def rejection(self, moisture: Decimal) -> str:
        """Why a lot of ``moisture`` is rejected, as ``price_delivery`` words it."""
        return rejection_text(moisture, self.terms.moisture_max or ZERO)

    def split(
        self, rule: GradeRule, net_g: int, delivered_g: int
    ) -> tuple[int, int, int, int, int, int]:
        """An accepted lot of ``net_g`` grams paid in its protected and market portions:
        ``(net_g, protected_g, protected_fen, market_g, market_fen, amount_fen)``."""
        if not rule.has_floor:
            protected_g = 0
        elif self.quota_g is None:
            protected_g = net_g
        else:
            protected_g = min(net_g, max(0, self.quota_g - delivered_g))
        market_g = net_g - protected_g
        protected_fen = _fen(protected_g, rule.protected_ratio, rule.protected_error)
        market_fen = _fen(market_g, rule.market_ratio, rule.market_error)
        return net_g, protected_g, protected_fen, market_g, market_fen, protected_fen + market_fen


def _fen(grams: int, price: tuple[int, int], error: ValidationError | None) -> int:
    """A portion of ``grams`` at the unit ``price`` (yuan/kg, a fraction), half-up to the fen;
    ``error`` (a price needed and not known) is raised only when there is something to pay."""
    if grams <= 0:
        return 0
    if error is not None:
        raise PricingError(error.problems)
    numerator, denominator = price
    return half_up(grams * numerator, denominator * _GRAM_FEN)


def _ratio(value: Decimal | None) -> tuple[int, int] | None:
    return None if value is None else value.as_integer_ratio()
