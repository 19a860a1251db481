"""Pricing a weighing slip under protective-price terms (DESIGN §4), with the reason in words.

>>> terms = PriceTerms(floors={"一级": D("1.60")})
>>> slip = Weighing(gross_kg=D("102.50"), tare_kg=D("2.50"), grade="一级")
>>> quote = price_delivery(terms, slip, market_price=D("1.40"))
>>> quote.amount, quote.portions[0].basis.value
(Decimal('160.00'), 'floor')
"""

from __future__ import annotations

import enum
from decimal import Decimal, localcontext
from typing import Final

import attrs

from orderfarm.checks import Checks, require_decimal, trimmed
from orderfarm.contracts import PriceTerms
from orderfarm.errors import PricingError, Problem, ValidationError
from orderfarm.messages import Lang
from orderfarm.money import (
    ONE,
    ZERO,
    D,
    Number,
    format_price,
    format_rate,
    format_weight,
    round_kg,
    round_yuan,
    two_places,
)

#: Working precision for the exact steps before the single rounding.
_PRECISION = 60
#: A household's lot weighing more than this (gross − tare) is more likely a weight typed with
#: an extra digit: the page and the file checks ask for a second look (the slip still stands).
UNUSUAL_LOT_KG: Final = Decimal(5000)


def weight_doubt(mass_kg: Decimal) -> Problem | None:
    """Why a lot of ``mass_kg`` (gross − tare) deserves a second look — it rounds to no weight at
    all, or it is above ``UNUSUAL_LOT_KG`` — or ``None``. A warning, not a refusal."""
    if round_kg(mass_kg) == ZERO:
        return Problem("gross_kg", "lot_weighs_nothing", {"mass": str(mass_kg)})
    if mass_kg > UNUSUAL_LOT_KG:
        return Problem(
            "gross_kg", "lot_unusual", {"mass": f"{mass_kg:,f}", "limit": f"{UNUSUAL_LOT_KG:,f}"}
        )
    return None


def harvest_doubt(
    mass_kg: Decimal, area_mu: Decimal, high_yield_kg_per_mu: Decimal
) -> Problem | None:
    """Why one lot of ``mass_kg`` (gross − tare) deserves a second look for its contract — it
    weighs more than the whole harvest the contract's ``area_mu`` can be expected to give at
    the crop form's highest yield (1,284 kg typed for 128.4 on 3 mu of dried chilli) — or
    ``None``. A warning, not a refusal."""
    harvest = area_mu * high_yield_kg_per_mu
    if harvest <= ZERO or mass_kg <= harvest:
        return None
    shown = {
        "mass": format_weight(mass_kg),
        "area": format(area_mu.normalize(), "f"),
        "yield": format(high_yield_kg_per_mu.normalize(), "f"),
        "harvest": format_weight(harvest),
    }
    return Problem("gross_kg", "lot_above_harvest", shown)


def moisture_doubt(terms: PriceTerms, moisture: Decimal) -> Problem | None:
    """Why a lot's moisture deserves a second look — none (0%, or left blank) under terms with
    a moisture standard, which only dried produce has — or ``None``. A warning, not a refusal."""
    standard = terms.moisture_standard
    if standard is None or moisture != ZERO:
        return None
    return Problem("moisture", "dried_lot_no_moisture", {"standard": format_rate(standard)})


#: a day's market price this many times a floor of its grade, or below the floor over it, is
#: more likely typed in another unit (元/斤, 元/吨) or with the decimal point misplaced
FAR_FROM_FLOOR: Final = 3


def market_price_doubt(floor: Decimal | None, price: Decimal) -> Problem | None:
    """Why a market ``price`` deserves a second look before it is kept — more than
    ``FAR_FROM_FLOOR`` times off the ``floor`` of its grade either way — or ``None``."""
    if floor is None or price <= ZERO or floor / FAR_FROM_FLOOR <= price <= floor * FAR_FROM_FLOOR:
        return None
    shown = {"price": format_price(price, currency="¥"), "floor": format_price(floor, currency="¥")}
    return Problem("market_price", "market_price_far", shown)


def slip_doubts(
    terms: PriceTerms, quote: Quote, harvest: tuple[Decimal, Decimal] | None = None
) -> list[Problem]:
    """Everything on a priced slip that deserves a second look before it is kept (warnings,
    not refusals): its weight (``weight_doubt``, else ``harvest_doubt`` for the contract's
    area and the crop form's highest yield per mu, ``harvest``, when given), or nothing left
    once impurity and water are off, and its moisture under the terms (``moisture_doubt``)."""
    found = []
    mass = quote.gross_kg - quote.tare_kg
    doubt = weight_doubt(mass)
    if doubt is None and harvest is not None:
        doubt = harvest_doubt(mass, *harvest)
    if doubt is not None:
        found.append(doubt)
    elif quote.net_kg == ZERO:
        found.append(Problem("impurity", "lot_net_nothing"))
    doubt = moisture_doubt(terms, quote.moisture)
    if doubt is not None:
        found.append(doubt)
    return found


@attrs.frozen
class Weighing:
    """过磅 — what the scale and the grader say about one lot. Weights in kg, rates as fractions."""

    gross_kg: Decimal = attrs.field(converter=D)
    tare_kg: Decimal = attrs.field(converter=D)
    grade: str = attrs.field(converter=trimmed)
    moisture: Decimal = attrs.field(default=ZERO, converter=D)
    impurity: Decimal = attrs.field(default=ZERO, converter=D)

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        checks.non_negative("gross_kg", self.gross_kg)
        checks.non_negative("tare_kg", self.tare_kg)
        if self.gross_kg >= ZERO and self.tare_kg >= ZERO and self.tare_kg >= self.gross_kg:
            checks.add("tare_kg", "tare_not_below_gross", tare=self.tare_kg, gross=self.gross_kg)
        checks.text("grade", self.grade, limit=20)
        checks.fraction("moisture", self.moisture)
        checks.fraction("impurity", self.impurity)
        checks.done()

    def doubt(self) -> Problem | None:
        """Why the scale's figures deserve a second look (``weight_doubt``), or ``None``."""
        return weight_doubt(self.gross_kg - self.tare_kg)


class Basis(enum.Enum):
    """Why a portion was paid the unit price it was."""

    FIXED = "fixed"  # fixed-price terms: the floor of the grade
    FLOOR = "floor"  # market-linked, market (with premium) at or below the floor
    MARKET = "market"  # the market price: above the floor, or an unprotected portion
    PREMIUM = "premium"  # market × (1 + premium), above the floor
    CEILING = "ceiling"  # the market-linked price capped at the ceiling


@attrs.frozen
class Portion:
    """A part of a delivery paid at one unit price: ``amount = round_half_up(kg × unit_price)``."""

    kg: Decimal
    unit_price: Decimal
    basis: Basis
    protected: bool
    amount: Decimal


#: No kg, written as a weight is (0.00)
_NO_KG: Final = Decimal("0.00")


@attrs.frozen
class Quote:
    """The price of one weighing: net weight, portions, amount, and how they came about."""

    accepted: bool
    grade: str
    gross_kg: Decimal
    tare_kg: Decimal
    impurity: Decimal
    moisture: Decimal
    moisture_standard: Decimal | None
    moisture_max: Decimal | None
    net_kg: Decimal
    floor: Decimal | None
    market_price: Decimal | None
    premium: Decimal
    ceiling: Decimal | None
    quota_kg: Decimal | None
    delivered_before_kg: Decimal
    portions: tuple[Portion, ...]
    amount: Decimal
    rejection_reason: str | None = None

    @property
    def protected_kg(self) -> Decimal:
        """Kg paid under the protection (floor terms)."""
        return sum((p.kg for p in self.portions if p.protected), _NO_KG)

    @property
    def unprotected_kg(self) -> Decimal:
        """Kg paid the plain market price (beyond the quota, or an unprotected grade)."""
        return sum((p.kg for p in self.portions if not p.protected), _NO_KG)

    def explain(self, lang: Lang = "zh") -> str:
        """Why this amount was paid, step by step, in Chinese (``zh``) or English (``en``)."""
        return "\n".join(_explain_lines(self, lang))

    def rejection(self, lang: Lang = "zh") -> str | None:
        """Why the lot was rejected, in Chinese (``zh``) or English (``en``); ``None`` if it
        was accepted. ``rejection_reason`` keeps the English, as the record stores it."""
        if self.accepted:
            return None
        return rejection_text(self.moisture, self.moisture_max or ZERO, lang)


def rejection_text(moisture: Decimal, maximum: Decimal, lang: Lang = "en") -> str:
    """Why a lot of ``moisture`` is rejected under the ``maximum``, in ``lang``."""
    if lang == "zh":
        return f"水分 {format_rate(moisture)} 超过最高水分 {format_rate(maximum)}"
    return f"moisture {format_rate(moisture)} exceeds the maximum {format_rate(maximum)}"


def _kg(value: Decimal) -> str:
    return f"{value:,.2f}"


def _amount_line(portion: Portion, zh: bool) -> str:
    """``kg × unit price = amount``: the product as it is, then, when it has more than two
    decimals, the amount rounded half-up to the fen (``= 467.481 ≈ 467.48 元``)."""
    kg, price = format_weight(portion.kg), format_price(portion.unit_price)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        product = portion.kg * portion.unit_price
    exact = f"{format(product.normalize(), ',f')} ≈ " if product != portion.amount else ""
    if zh:
        return f"  {kg} kg × {price} 元/kg = {exact}{portion.amount:,.2f} 元"
    return f"  {kg} kg × {price} yuan/kg = {exact}{portion.amount:,.2f} yuan"


def _quota_line(q: Quote, zh: bool) -> str | None:
    """Where the protected quantity splits a lot, or is used up before it: the quota, the kg
    delivered before under the contract and what was left of it (DESIGN §4 step 6)."""
    if q.quota_kg is None or q.floor is None or q.unprotected_kg == ZERO:
        return None  # no quota, a grade it does not protect, or a lot all within it
    quota, before = format_weight(q.quota_kg), format_weight(q.delivered_before_kg)
    if q.delivered_before_kg < q.quota_kg:
        left = format_weight(q.quota_kg - q.delivered_before_kg)
        return (
            f"保护收购量 {quota} kg − 此前已交售 {before} kg = 剩余 {left} kg"
            if zh
            else f"protected quantity {quota} kg − {before} kg delivered before = {left} kg left"
        )
    return (
        f"保护收购量 {quota} kg，此前已交售 {before} kg，已用完"
        if zh
        else f"protected quantity {quota} kg, {before} kg delivered before: used up"
    )


def _explain_lines(q: Quote, lang: Lang) -> list[str]:
    zh = lang == "zh"
    mass = q.gross_kg - q.tare_kg
    # every figure before the net weight as it is (128.456 stays 128.456, 33.00 less 0.5% is
    # 32.835), so each line can be worked by hand into the next; only the net is rounded
    gross, tare, weighed = format_weight(q.gross_kg), format_weight(q.tare_kg), format_weight(mass)
    lines = [
        f"毛重 {gross} kg − 皮重 {tare} kg = {weighed} kg"
        if zh
        else f"gross {gross} kg − tare {tare} kg = {weighed} kg"
    ]
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        clean = mass * (ONE - q.impurity)  # exact: a product of finite decimals
    cleaned = format_weight(clean)
    if q.impurity:
        rate = format_rate(q.impurity)
        lines.append(
            f"扣杂质 {rate}：{weighed} × (1 − {rate}) = {cleaned} kg"
            if zh
            else f"impurity {rate} deducted: {weighed} × (1 − {rate}) = {cleaned} kg"
        )
    std = q.moisture_standard
    if std is not None and q.moisture > std:
        moisture, standard = format_rate(q.moisture), format_rate(std)
        lines.append(
            f"水分 {moisture} 高于标准 {standard}，按干物质折重："
            f"{cleaned} × (1 − {moisture}) ÷ (1 − {standard})"
            if zh
            else f"moisture {moisture} above the standard {standard}, water above standard "
            f"removed: {cleaned} × (1 − {moisture}) ÷ (1 − {standard})"
        )
    lines.append(
        f"净重 {_kg(q.net_kg)} kg（四舍五入到 0.01 kg），等级 {q.grade}"
        if zh
        else f"net weight {_kg(q.net_kg)} kg (rounded half-up to 0.01 kg), grade {q.grade}"
    )
    if not q.accepted:
        reason = rejection_text(q.moisture, q.moisture_max or ZERO, lang)
        lines.append(
            f"拒收：{reason}，金额 0.00 元" if zh else f"rejected: {reason}; amount 0.00 yuan"
        )
        return lines
    quota = _quota_line(q, zh)
    if quota is not None:
        lines.append(quota)
    for portion in q.portions:
        lines.append(_portion_reason(q, portion, zh))
        lines.append(_amount_line(portion, zh))
    lines.append(f"合计 {q.amount:,.2f} 元" if zh else f"total {q.amount:,.2f} yuan")
    return lines


def _portion_reason(q: Quote, portion: Portion, zh: bool) -> str:
    market = format_price(q.market_price) if q.market_price is not None else "—"
    floor = format_price(q.floor) if q.floor is not None else "—"
    if not portion.protected:
        if q.floor is None:
            return (
                f"等级 {q.grade} 不在保护价范围，按当日市场价 {market} 元/kg 收购"
                if zh
                else f"grade {q.grade} has no floor price: paid the day's market price {market} yuan/kg"
            )
        quota = format_weight(q.quota_kg or ZERO)
        return (
            f"超出保护收购量 {quota} kg 的部分按当日市场价 {market} 元/kg 收购"
            if zh
            else f"beyond the protected quantity of {quota} kg: paid the day's market price {market} yuan/kg"
        )
    if portion.basis is Basis.FIXED:
        return f"固定保护价 {floor} 元/kg" if zh else f"fixed protective price {floor} yuan/kg"
    if portion.basis is Basis.FLOOR:
        linked = q.market_price * (ONE + q.premium) if q.market_price is not None else ZERO
        offer = (
            f"（上浮 {format_rate(q.premium)} 后 {format_price(linked)} 元/kg）"
            if q.premium
            else ""
        )
        offer_en = (
            f" ({format_price(linked)} yuan/kg with the {format_rate(q.premium)} premium)"
            if q.premium
            else ""
        )
        return (
            f"当日市场价 {market} 元/kg{offer} 不高于保护价 {floor} 元/kg，按保护价收购"
            if zh
            else f"the day's market price {market} yuan/kg{offer_en} is not above the floor "
            f"{floor} yuan/kg: paid the floor"
        )
    if portion.basis is Basis.MARKET:
        return (
            f"当日市场价 {market} 元/kg 高于保护价 {floor} 元/kg，随行就市按市场价收购"
            if zh
            else f"the day's market price {market} yuan/kg is above the floor {floor} yuan/kg: "
            "paid the market price"
        )
    if portion.basis is Basis.PREMIUM:
        return (
            f"当日市场价 {market} 元/kg 上浮 {format_rate(q.premium)} 后高于保护价 {floor} 元/kg，"
            f"按 {format_price(portion.unit_price)} 元/kg 收购"
            if zh
            else f"the day's market price {market} yuan/kg plus the {format_rate(q.premium)} premium is above "
            f"the floor {floor} yuan/kg: paid {format_price(portion.unit_price)} yuan/kg"
        )
    ceiling = format_price(q.ceiling or ZERO)
    return (
        f"随行就市价格超过最高限价，按最高限价 {ceiling} 元/kg 收购"
        f"（保护价 {floor} 元/kg，市场价 {market} 元/kg）"
        if zh
        else f"the market-linked price is above the ceiling: paid the ceiling {ceiling} yuan/kg "
        f"(floor {floor} yuan/kg, market {market} yuan/kg)"
    )


def _protected_price(
    terms: PriceTerms, floor: Decimal, market: Decimal | None, grade: str
) -> tuple[Decimal, Basis]:
    if not terms.market_linked:
        price, basis = floor, Basis.FIXED
    else:
        if market is None:
            raise PricingError.one("market_price", "market_needed_linked", grade=grade)
        linked = market * (ONE + terms.premium)
        if linked > floor:
            price, basis = linked, (Basis.PREMIUM if terms.premium else Basis.MARKET)
        else:
            price, basis = floor, Basis.FLOOR
    if terms.ceiling is not None and price > terms.ceiling:
        price, basis = terms.ceiling, Basis.CEILING
    return price, basis


def protected_part(
    terms: PriceTerms, grade: str, net_kg: Decimal, delivered_before_kg: Decimal
) -> Decimal:
    """DESIGN §4 step 6: the kg of an accepted lot of ``net_kg`` paid the protected price,
    after ``delivered_before_kg`` under the contract; none for a grade without a floor.
    Written with two decimals, as net weights are (``40.00``, not ``40``)."""
    net_kg, delivered_before_kg = D(net_kg, "net_kg"), D(delivered_before_kg, "delivered_before")
    if terms.floor(grade) is None:
        return _NO_KG
    if terms.quota_kg is None:
        return two_places(net_kg)
    return two_places(min(net_kg, max(ZERO, terms.quota_kg - delivered_before_kg)))


def price_delivery(
    terms: PriceTerms,
    weighing: Weighing,
    *,
    market_price: Number | None = None,
    delivered_before_kg: Decimal = ZERO,
) -> Quote:
    """Price one weighing exactly as DESIGN §4 says; pure.

    ``market_price`` is the day's price (yuan/kg) for the crop, form and grade, read as
    ``D()`` reads it (``str``, ``int`` or ``Decimal``; a ``float`` is a ``TypeError``) and
    above 0, as ``Store.set_market_price`` takes it; it may be ``None`` for fixed-price terms. ``delivered_before_kg`` is the accepted net kg already
    delivered under the contract, which uses up the protected quantity.
    Raises ``PricingError`` for an unknown grade or a missing market price; a lot above the
    maximum moisture is not an error but a rejected quote.
    """
    if not isinstance(terms, PriceTerms) or not isinstance(weighing, Weighing):
        raise TypeError("price_delivery needs PriceTerms and a Weighing")
    require_decimal("price_delivery", delivered_before_kg=delivered_before_kg)
    checks = Checks()
    if market_price is not None:
        try:
            market_price = D(market_price, "market_price")
        except ValidationError as exc:
            checks.extend(exc.problems)
            market_price = None
        else:
            checks.positive("market_price", market_price)
    if weighing.grade not in terms.grades:
        checks.add(
            "grade", "grade_not_in_terms", grade=weighing.grade, known="、".join(terms.grades)
        )
    checks.non_negative("delivered_before_kg", delivered_before_kg)
    checks.done(PricingError)

    with localcontext() as ctx:
        ctx.prec = _PRECISION
        mass = weighing.gross_kg - weighing.tare_kg
        clean = mass * (ONE - weighing.impurity)
        standard = terms.moisture_standard
        if standard is not None and weighing.moisture > standard:
            net = clean * (ONE - weighing.moisture) / (ONE - standard)
        else:
            net = clean
        net_kg = round_kg(net)

        floor = terms.floor(weighing.grade)
        portions: list[Portion] = []
        rejected = terms.moisture_max is not None and weighing.moisture > terms.moisture_max
        if not rejected:
            protected_kg = protected_part(terms, weighing.grade, net_kg, delivered_before_kg)
            unprotected_kg = net_kg - protected_kg
            if protected_kg > ZERO and floor is not None:
                price, basis = _protected_price(terms, floor, market_price, weighing.grade)
                portions.append(
                    Portion(protected_kg, price, basis, True, round_yuan(protected_kg * price))
                )
            if unprotected_kg > ZERO:
                if market_price is None:
                    code = "market_needed_no_floor" if floor is None else "market_needed_quota"
                    raise PricingError.one("market_price", code, grade=weighing.grade)
                portions.append(
                    Portion(
                        unprotected_kg,
                        market_price,
                        Basis.MARKET,
                        False,
                        round_yuan(unprotected_kg * market_price),
                    )
                )
        amount = round_yuan(sum((p.amount for p in portions), ZERO))
    return Quote(
        accepted=not rejected,
        grade=weighing.grade,
        gross_kg=weighing.gross_kg,
        tare_kg=weighing.tare_kg,
        impurity=weighing.impurity,
        moisture=weighing.moisture,
        moisture_standard=terms.moisture_standard,
        moisture_max=terms.moisture_max,
        net_kg=net_kg,
        floor=floor,
        market_price=market_price,
        premium=terms.premium if terms.market_linked else ZERO,
        ceiling=terms.ceiling,
        quota_kg=terms.quota_kg,
        delivered_before_kg=delivered_before_kg,
        portions=tuple(portions),
        amount=amount,
        rejection_reason=(
            rejection_text(weighing.moisture, terms.moisture_max or ZERO) if rejected else None
        ),
    )
