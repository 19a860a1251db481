"""增收测算 — what a contract is worth to a household, before planting (DESIGN §6); pure.

``gross = area × yield_per_mu × price``; ``cost = area × cost_per_mu`` plus the inputs charged to
the household (``advance`` or ``paid``; ``free`` inputs are shown but not counted);
``net = gross − cost``; ``increase = net − area × baseline_net_per_mu`` (the net the same land
would give under maize, an assumption the user sets).

Under protective terms ``price`` is the expected *paid* price ``E[max(floor, market)]`` (with the
premium and ceiling the terms say), for a market price that is log-normal around its expected
value with the volatility of the crop catalog: the floor is worth ``E[max(floor − market, 0)]``
per kg to the household, a put option the enterprise writes (Black-Scholes, zero rate). With a
volatility of 0 the estimate is the plain deterministic one: the expected market price put through
the pricing rule. Every figure the estimate rests on is an ``Assumptions`` field, shown by
``Estimate.explain()`` and overridable by keyword.

>>> est = estimate("菊芋", "fresh", "1.5", price_volatility="0", baseline_net_per_mu="350")
>>> est.expected_paid_price, est.gross, est.cost, est.increase
(Decimal('1.20'), Decimal('3060.00'), Decimal('270.00'), Decimal('2265.00'))

Other income lines of the programme (photovoltaic, edible-fungus dividends) are kept apart from
the crop figures: ``Estimate.other_income`` and ``HouseholdIncome``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal

import attrs

from orderfarm.checks import Checks
from orderfarm.contracts import Contract, PriceTerms, widened_terms
from orderfarm.crops import Catalog, Crop, ProductForm, default_catalog
from orderfarm.errors import ValidationError
from orderfarm.messages import Lang
from orderfarm.money import (
    ZERO,
    D,
    format_price,
    format_rate,
    format_weight,
    round_yuan,
    two_places,
)
from orderfarm.parties import Household
from orderfarm.supplies import ChargeMode, InputSupply

#: 玉米 — net income of a mu of maize on the same hill land, the usual crop the contract crop
#: replaces: about 350 kg/mu × 1.80 yuan/kg ≈ 630 yuan gross, less about 280 yuan of seed,
#: fertiliser, pesticide and ploughing. An assumption (DESIGN §7 leaves it to the user).
DEFAULT_BASELINE_NET_PER_MU: Final = Decimal("350")

#: 光伏 — a household's 3 kW share of photovoltaic capacity earns about 3,000 yuan a year.
PHOTOVOLTAIC_PER_HOUSEHOLD: Final = Decimal("3000.00")

#: 食用菌 — edible-fungus dividend: no firm per-bag figure; about 3,000 yuan per household in
#: one Shangzhou case.
FUNGUS_DIVIDEND_PER_HOUSEHOLD: Final = Decimal("3000.00")

#: Unit prices from the closed form are shown to 0.0001 yuan/kg (marked ≈ when that rounds
#: them); the amounts are made from the unrounded prices (DESIGN §3).
PRICE_STEP: Final = Decimal("0.0001")

#: Largest volatility (standard deviation of the log price) an estimate accepts.
MAX_VOLATILITY: Final = Decimal(3)

GroupBy = Literal["household", "village", "township", "crop", "enterprise"]


# --- the log-normal closed forms ------------------------------------------------------------


def normal_cdf(x: float) -> float:
    """Φ(x), the standard normal distribution function (via ``math.erfc``)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def lognormal_put(strike: float, mean: float, volatility: float) -> float:
    """``E[max(strike − X, 0)]`` for a log-normal ``X`` with ``E[X] = mean`` and standard deviation
    of ``log X`` equal to ``volatility``: the Black-Scholes put at zero interest.

    With ``volatility`` 0 it is the intrinsic value ``max(strike − mean, 0)``.
    """
    if strike <= 0.0:
        return 0.0
    if volatility <= 0.0 or mean <= 0.0:
        return max(strike - mean, 0.0)
    d1 = (math.log(mean / strike) + volatility * volatility / 2.0) / volatility
    d2 = d1 - volatility
    return strike * normal_cdf(-d2) - mean * normal_cdf(-d1)


def lognormal_call(strike: float, mean: float, volatility: float) -> float:
    """``E[max(X − strike, 0)]`` for the same ``X`` (put-call parity: put + mean − strike)."""
    return max(lognormal_put(strike, mean, volatility) + mean - strike, 0.0)


def _closed_form(value: float) -> Decimal:
    """A unit price from the closed form, not rounded (DESIGN §3: unit prices are not rounded;
    only the amounts made from it are): the shortest decimal that is the float it was computed
    in, about 16 significant digits."""
    return Decimal(repr(value))


def _linked_factor(terms: PriceTerms) -> Decimal:
    return Decimal(1) + terms.premium if terms.market_linked else Decimal(1)


def expected_paid_price(
    terms: PriceTerms, grade: str, expected_market_price: Decimal, volatility: Decimal
) -> Decimal:
    """The expected unit price (yuan/kg) paid for protected kg of ``grade`` under ``terms``.

    Fixed-price terms pay the floor. Market-linked terms pay ``min(max(floor, X), ceiling)``
    with ``X = market × (1 + premium)``, whose expectation is
    ``E[X] + E[max(floor − X, 0)] − E[max(X − ceiling, 0)]``. With ``volatility`` 0 the result
    is exact; otherwise it is the closed form's value, not rounded (the amounts made from it
    are). A grade without a floor is paid the expected market price.
    """
    market, vol = _price_inputs(expected_market_price, volatility)
    floor = terms.floor(grade)
    if floor is None:
        return market
    if not terms.market_linked:
        return floor if terms.ceiling is None else min(floor, terms.ceiling)
    linked = market * _linked_factor(terms)
    if vol == ZERO:
        price = max(floor, linked)
        return price if terms.ceiling is None else min(price, terms.ceiling)
    mean = float(linked)
    value = linked + _closed_form(lognormal_put(float(floor), mean, float(vol)))
    if terms.ceiling is not None:
        value -= _closed_form(lognormal_call(float(terms.ceiling), mean, float(vol)))
    return value


def expected_floor_value(
    floor: Decimal | None, expected_market_price: Decimal, volatility: Decimal
) -> Decimal:
    """What the floor is worth per kg, ``E[max(floor − market, 0)]`` (yuan/kg; 0 without a floor).

    Exact for ``volatility`` 0, else the closed form's value, not rounded. ``market`` here is
    the price the terms would pay without the floor (with the premium, for market-linked terms).
    """
    market, vol = _price_inputs(expected_market_price, volatility)
    if floor is None:
        return ZERO
    floor = D(floor, "floor")
    if vol == ZERO:
        return max(floor - market, ZERO)
    return _closed_form(lognormal_put(float(floor), float(market), float(vol)))


def _price_inputs(market: Decimal, volatility: Decimal) -> tuple[Decimal, Decimal]:
    market = D(market, "market_price")
    volatility = D(volatility, "price_volatility")
    checks = Checks()
    checks.positive("market_price", market)
    checks.non_negative("price_volatility", volatility)
    if volatility > MAX_VOLATILITY:
        checks.add("price_volatility", "too_large", limit=MAX_VOLATILITY)
    checks.done()
    return market, volatility


# --- assumptions ----------------------------------------------------------------------------


def _optional_text(value: object) -> str:
    return "" if value is None else str(value)


@attrs.frozen(kw_only=True)
class Assumptions:
    """The figures an estimate rests on, per mu and per kg; defaults from the crop catalog.

    ``market_price`` is the *expected* (mean) market price at delivery for ``grade``; the market
    price is log-normal with standard deviation of its logarithm ``price_volatility`` (its
    median is ``market_price × exp(−volatility² / 2)``). The yield per mu is a scaled beta
    distribution on ``[yield_low, yield_high]`` with mean ``yield_kg_per_mu`` and coefficient of
    variation ``yield_cv`` (0: the yield is known). The deterministic estimate uses the expected
    yield; the price risk enters it only through the expected paid price.
    """

    grade: str
    yield_kg_per_mu: Decimal = attrs.field(converter=D)
    market_price: Decimal = attrs.field(converter=D)
    price_volatility: Decimal = attrs.field(default=ZERO, converter=D)
    #: the household's own cash cost per mu, inputs supplied by the enterprise excluded
    cost_per_mu: Decimal = attrs.field(converter=D)
    baseline_net_per_mu: Decimal = attrs.field(default=DEFAULT_BASELINE_NET_PER_MU, converter=D)
    yield_low_kg_per_mu: Decimal = attrs.field(converter=D)
    yield_high_kg_per_mu: Decimal = attrs.field(converter=D)
    yield_cv: Decimal = attrs.field(default=ZERO, converter=D)
    source: str = attrs.field(default="", converter=_optional_text)

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        checks.text("grade", self.grade, limit=20)
        checks.positive("yield_kg_per_mu", self.yield_kg_per_mu)
        checks.positive("market_price", self.market_price)
        checks.non_negative("price_volatility", self.price_volatility)
        if self.price_volatility > MAX_VOLATILITY:
            checks.add("price_volatility", "too_large", limit=MAX_VOLATILITY)
        checks.non_negative("cost_per_mu", self.cost_per_mu)
        checks.non_negative("yield_cv", self.yield_cv)
        low, mean, high = self.yield_low_kg_per_mu, self.yield_kg_per_mu, self.yield_high_kg_per_mu
        if mean <= ZERO:  # the bounds are of a yield: a yield of none is the one problem
            checks.done()
        checks.positive("yield_low_kg_per_mu", low)
        checks.positive("yield_high_kg_per_mu", high)
        if self.yield_cv > ZERO:
            if not low < mean < high:
                checks.add("yield_kg_per_mu", "yield_outside_bounds", low=low, mean=mean, high=high)
            elif (self.yield_cv * mean) ** 2 >= (mean - low) * (high - mean):
                limit = ((mean - low) * (high - mean)).sqrt() / mean
                checks.add(
                    "yield_cv", "yield_cv_too_large", low=low, high=high, limit=f"{limit:.4f}"
                )
        checks.done()

    @classmethod
    def defaults(
        cls, crop: str, form: str, catalog: Catalog | None = None, **overrides: object
    ) -> Assumptions:
        """The catalog's figures for a crop form, with any field overridden by keyword."""
        product = (catalog or default_catalog()).form(crop, form)
        values: dict[str, object] = {
            "grade": _default_grade(product),
            "yield_kg_per_mu": product.yield_kg_per_mu,
            "market_price": product.market_price,
            "price_volatility": product.price_volatility,
            "cost_per_mu": product.cost_per_mu,
            "yield_low_kg_per_mu": product.yield_low_kg_per_mu,
            "yield_high_kg_per_mu": product.yield_high_kg_per_mu,
            "yield_cv": product.yield_cv,
            "source": product.source,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]  # checked by the attrs converters

    @property
    def market_median(self) -> Decimal:
        """The median market price, ``market_price × exp(−volatility² / 2)`` (not rounded)."""
        if self.price_volatility == ZERO:
            return self.market_price
        factor = math.exp(-(float(self.price_volatility) ** 2) / 2.0)
        return self.market_price * _closed_form(factor)


def _default_grade(product: ProductForm) -> str:
    """The best grade that has a floor price (else the best grade)."""
    return next((g for g in product.grades if g in product.floors), product.grades[0])


# --- other income lines ---------------------------------------------------------------------


def _amount(value: Decimal | int | str) -> Decimal:
    return round_yuan(D(value, "amount"))


@attrs.frozen
class IncomeLine:
    """An income line of the programme beside the contract crop (yuan per household per year)."""

    name_zh: str
    name_en: str
    amount: Decimal = attrs.field(converter=_amount)

    def label(self, lang: Lang = "zh") -> str:
        """The line's name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en


def photovoltaic_line(amount: Decimal = PHOTOVOLTAIC_PER_HOUSEHOLD) -> IncomeLine:
    """光伏收益 — the household's photovoltaic share (default about 3,000 yuan a year)."""
    return IncomeLine("光伏收益", "photovoltaic dividend", amount)


def fungus_dividend_line(amount: Decimal = FUNGUS_DIVIDEND_PER_HOUSEHOLD) -> IncomeLine:
    """食用菌分红 — the edible-fungus dividend (default 3,000 yuan, one Shangzhou case)."""
    return IncomeLine("食用菌分红", "edible-fungus dividend", amount)


# --- the estimate ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Estimate:
    """The estimate for one contract (or crop, form, area and terms): every figure and assumption.

    Amounts are yuan rounded half-up to the fen, each once; kg are exact. ``guarantee_cost`` is
    the enterprise's expected top-up over the market, ``protected_kg × (E[paid] − E[market])``,
    and ``floor_value`` what the floor is worth to the household,
    ``protected_kg × E[max(floor − market, 0)]``.
    """

    crop: str
    form: str
    crop_name_zh: str
    form_name_zh: str
    crop_name_en: str = ""
    form_name_en: str = ""
    area_mu: Decimal
    terms: PriceTerms | None
    inputs: tuple[InputSupply, ...]
    assumptions: Assumptions
    contract_no: str = ""
    enterprise_uscc: str = ""
    household_id: str = ""
    season: int | None = None
    floor: Decimal | None
    expected_kg: Decimal
    protected_kg: Decimal
    unprotected_kg: Decimal
    expected_paid_price: Decimal
    floor_value_per_kg: Decimal
    gross: Decimal
    crop_cost: Decimal
    input_cost: Decimal
    free_inputs: Decimal
    cost: Decimal
    net: Decimal
    baseline_net: Decimal
    increase: Decimal
    guarantee_cost: Decimal
    floor_value: Decimal
    other_income: tuple[IncomeLine, ...] = ()

    @property
    def other_income_total(self) -> Decimal:
        """The other income lines together (not part of the crop's increase)."""
        return sum((line.amount for line in self.other_income), ZERO)

    @property
    def increase_with_other_income(self) -> Decimal:
        """The crop's increase plus the other income lines, for the household as a whole."""
        return self.increase + self.other_income_total

    def explain(self, lang: Lang = "zh") -> str:
        """The estimate with its assumptions and arithmetic, in Chinese (``zh``) or English."""
        return "\n".join(_explain(self, lang))

    def for_contract(self, contract: Contract) -> Estimate:
        """These figures under ``contract``'s number, enterprise, household and season: the
        estimate of a contract alike (its crop, form, area, terms and inputs the same ones)."""
        return attrs.evolve(
            self,
            contract_no=contract.contract_no,
            enterprise_uscc=contract.enterprise_uscc,
            household_id=contract.household_id,
            season=contract.season,
        )


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else f"{int(text):,}"


def _price(value: Decimal) -> str:
    """A unit price; one from the closed form shown to four places, marked ``≈``."""
    return format_price(value, places=4)


def _explain(e: Estimate, lang: Lang) -> list[str]:
    a = e.assumptions
    zh = lang == "zh"
    lines: list[str] = []
    head = f"{e.crop_name_zh}（{e.form_name_zh}）{_num(e.area_mu)} 亩，按 {a.grade} 估算"
    head_en = (
        f"{e.crop_name_en or e.crop} ({e.form_name_en or e.form}), {_num(e.area_mu)} mu, "
        f"estimated at grade {a.grade}"
    )
    if e.contract_no:
        head += f"，合同 {e.contract_no}"
        head_en += f", contract {e.contract_no}"
    lines.append(head if zh else head_en)
    vol = format_rate(a.price_volatility)
    lines.append(
        f"假设：亩产 {_num(a.yield_kg_per_mu)} kg；预期市场价 {_price(a.market_price)} 元/kg"
        f"（价格波动率 {vol}）；亩成本 {_num(a.cost_per_mu)} 元；"
        f"玉米亩纯收入 {_num(a.baseline_net_per_mu)} 元"
        if zh
        else f"assumptions: yield {_num(a.yield_kg_per_mu)} kg/mu; expected market price "
        f"{_price(a.market_price)} yuan/kg (volatility {vol}); cost {_num(a.cost_per_mu)} yuan/mu; "
        f"maize net {_num(a.baseline_net_per_mu)} yuan/mu"
    )
    if e.terms is None:
        lines.append(
            "无保护价：全部按市场价" if zh else "no protective price: all at the market price"
        )
    elif e.floor is None:
        lines.append(
            f"等级 {a.grade} 无保护价，按市场价" if zh else f"grade {a.grade} has no floor price"
        )
    else:
        kind = (
            ("随行就市" if zh else "follows the market")
            if e.terms.market_linked
            else ("固定价" if zh else "fixed price")
        )
        extra = ""
        if e.terms.market_linked and e.terms.premium:
            extra += (
                f"，上浮 {format_rate(e.terms.premium)}"
                if zh
                else f", premium {format_rate(e.terms.premium)}"
            )
        if e.terms.ceiling is not None:
            extra += (
                f"，最高限价 {_price(e.terms.ceiling)}"
                if zh
                else f", ceiling {_price(e.terms.ceiling)}"
            )
        lines.append(
            f"保护价 {_price(e.floor)} 元/kg（{kind}{extra}）；预期收购价 E[max(保护价, 市场价)] = "
            f"{_price(e.expected_paid_price)} 元/kg，其中保护价价值 {_price(e.floor_value_per_kg)} 元/kg"
            if zh
            else f"floor {_price(e.floor)} yuan/kg ({kind}{extra}); expected paid price "
            f"E[max(floor, market)] = {_price(e.expected_paid_price)} yuan/kg, of which the floor is "
            f"worth {_price(e.floor_value_per_kg)} yuan/kg"
        )
    lines.append(
        f"预期产量 {_num(e.area_mu)} × {_num(a.yield_kg_per_mu)} = {format_weight(e.expected_kg)} kg"
        f"（保护收购 {format_weight(e.protected_kg)} kg）"
        if zh
        else f"expected harvest {_num(e.area_mu)} × {_num(a.yield_kg_per_mu)} = "
        f"{format_weight(e.expected_kg)} kg ({format_weight(e.protected_kg)} kg protected)"
    )
    parts = f"{format_weight(e.protected_kg)} × {_price(e.expected_paid_price)}"
    if e.unprotected_kg:
        parts = f"{parts} + {format_weight(e.unprotected_kg)} × {_price(a.market_price)}"
    lines.append(
        f"毛收入 {parts} = {_money(e.gross)} 元"
        if zh
        else f"gross {parts} = {_money(e.gross)} yuan"
    )
    free = (
        (
            f"；免费投入品 {_money(e.free_inputs)} 元不计"
            if zh
            else f"; free inputs {_money(e.free_inputs)} not counted"
        )
        if e.free_inputs
        else ""
    )
    lines.append(
        f"成本 {_num(e.area_mu)} × {_num(a.cost_per_mu)} = {_money(e.crop_cost)} 元 + 农户承担投入品 "
        f"{_money(e.input_cost)} 元 = {_money(e.cost)} 元{free}"
        if zh
        else f"cost {_num(e.area_mu)} × {_num(a.cost_per_mu)} = {_money(e.crop_cost)} + inputs charged "
        f"to the household {_money(e.input_cost)} = {_money(e.cost)} yuan{free}"
    )
    lines.append(f"纯收入 {_money(e.net)} 元" if zh else f"net {_money(e.net)} yuan")
    lines.append(
        f"种玉米纯收入 {_num(e.area_mu)} × {_num(a.baseline_net_per_mu)} = {_money(e.baseline_net)} 元"
        if zh
        else f"maize baseline {_num(e.area_mu)} × {_num(a.baseline_net_per_mu)} = "
        f"{_money(e.baseline_net)} yuan"
    )
    lines.append(
        f"增收 {_money(e.net)} − {_money(e.baseline_net)} = {_money(e.increase)} 元"
        if zh
        else f"increase {_money(e.net)} − {_money(e.baseline_net)} = {_money(e.increase)} yuan"
    )
    if e.floor is not None:
        lines.append(
            f"企业预期保底补贴 {_money(e.guarantee_cost)} 元（保护价价值 {_money(e.floor_value)} 元）"
            if zh
            else f"enterprise's expected top-up {_money(e.guarantee_cost)} yuan (floor worth "
            f"{_money(e.floor_value)} yuan)"
        )
    for line in e.other_income:
        lines.append(
            f"另计 {line.name_zh} {_money(line.amount)} 元（不含在作物增收内）"
            if zh
            else f"besides: {line.name_en} {_money(line.amount)} yuan (not in the crop's increase)"
        )
    return lines


TermsArg = PriceTerms | Literal["default"] | None


def estimate(
    crop: str,
    form: str,
    area_mu: Decimal | int | str,
    *,
    terms: TermsArg = "default",
    inputs: Sequence[InputSupply] | None = None,
    assumptions: Assumptions | None = None,
    catalog: Catalog | None = None,
    other_income: Iterable[IncomeLine] = (),
    **overrides: object,
) -> Estimate:
    """The estimate for ``area_mu`` of a crop form under ``terms``; pure.

    ``terms="default"`` takes the form's default terms (floors, market-linked), ``None`` means no
    protection (everything at the market price). ``inputs=None`` supplies the form's default
    inputs for the area; ``inputs=()`` none. Assumptions come from the catalog, or from
    ``assumptions``, with any field overridden by keyword (``yield_kg_per_mu="1800"``,
    ``baseline_net_per_mu="400"``, ``price_volatility="0"`` for the deterministic estimate…).
    """
    catalog = catalog or default_catalog()
    crop_entry = catalog.crop(crop)
    product = crop_entry.form(form)
    area = D(area_mu, "area_mu")
    if area <= ZERO:  # before the inputs per mu are scaled by it
        raise ValidationError.one("area_mu", "positive")
    if terms == "default":
        terms = PriceTerms.from_form(product)
    if inputs is None:
        inputs = tuple(
            InputSupply(d.item, d.quantity_per_mu * area, d.unit, d.unit_cost, d.charge)
            for d in product.inputs
        )
    if assumptions is None:
        assumptions = Assumptions.defaults(crop_entry.code, product.code, catalog, **overrides)
    elif overrides:
        assumptions = attrs.evolve(assumptions, **overrides)  # type: ignore[arg-type]  # validated
    return _build(crop_entry, product, area, terms, tuple(inputs), assumptions, other_income)


def estimate_contract(
    contract: Contract,
    *,
    assumptions: Assumptions | None = None,
    catalog: Catalog | None = None,
    other_income: Iterable[IncomeLine] = (),
    **overrides: object,
) -> Estimate:
    """The estimate for a contract: its crop, form, area, terms and inputs; assumptions as in
    ``estimate``."""
    if not isinstance(contract, Contract):
        raise TypeError(f"estimate_contract needs a Contract, got {type(contract).__name__}")
    result = estimate(
        contract.crop,
        contract.form,
        contract.area_mu,
        terms=contract.terms,
        inputs=contract.inputs,
        assumptions=assumptions,
        catalog=catalog,
        other_income=other_income,
        **overrides,
    )
    return result.for_contract(contract)


def _build(
    crop: Crop,
    product: ProductForm,
    area: Decimal,
    terms: PriceTerms | None,
    inputs: tuple[InputSupply, ...],
    a: Assumptions,
    other_income: Iterable[IncomeLine],
) -> Estimate:
    checks = Checks()
    checks.positive("area_mu", area)
    if terms is not None and not isinstance(terms, PriceTerms):
        raise TypeError(f"terms must be PriceTerms, 'default' or None, got {type(terms).__name__}")
    if terms is not None:  # a grade of the crop's with no floor in the terms: market price
        terms = widened_terms(terms, product.grades)
    if a.grade not in product.grades:
        checks.add(
            "grade",
            "unknown_grade",
            grade=a.grade,
            crop=crop.name_zh,
            known="、".join(product.grades),
        )
    for supply in inputs:
        if not isinstance(supply, InputSupply):
            raise TypeError(f"inputs must be InputSupply, got {type(supply).__name__}")
    lines = tuple(other_income)
    for line in lines:
        if not isinstance(line, IncomeLine):
            raise TypeError(f"other_income must be IncomeLine, got {type(line).__name__}")
    checks.done()

    expected_kg = area * a.yield_kg_per_mu
    floor = terms.floor(a.grade) if terms is not None else None
    if terms is None or floor is None:
        protected_kg = ZERO
        paid = a.market_price
        floor_value_per_kg = ZERO
    else:
        quota = terms.quota_kg
        protected_kg = expected_kg if quota is None else min(expected_kg, quota)
        paid = expected_paid_price(terms, a.grade, a.market_price, a.price_volatility)
        floor_value_per_kg = expected_floor_value(
            floor, a.market_price * _linked_factor(terms), a.price_volatility
        )
    # weights written as the scale's are, with two decimals (625.00 beside 600.00)
    expected_kg, protected_kg = two_places(expected_kg), two_places(protected_kg)
    unprotected_kg = expected_kg - protected_kg
    gross = round_yuan(protected_kg * paid + unprotected_kg * a.market_price)
    crop_cost = round_yuan(area * a.cost_per_mu)
    input_cost = sum((s.amount for s in inputs if s.charge is not ChargeMode.FREE), ZERO)
    free_inputs = sum((s.amount for s in inputs if s.charge is ChargeMode.FREE), ZERO)
    cost = crop_cost + input_cost
    net = gross - cost
    baseline_net = round_yuan(area * a.baseline_net_per_mu)
    return Estimate(
        crop=crop.code,
        form=product.code,
        crop_name_zh=crop.name_zh,
        form_name_zh=product.name_zh,
        crop_name_en=crop.name_en,
        form_name_en=product.name_en,
        area_mu=area,
        terms=terms,
        inputs=inputs,
        assumptions=a,
        floor=floor,
        expected_kg=expected_kg,
        protected_kg=protected_kg,
        unprotected_kg=unprotected_kg,
        expected_paid_price=paid,
        floor_value_per_kg=floor_value_per_kg,
        gross=gross,
        crop_cost=crop_cost,
        input_cost=input_cost,
        free_inputs=free_inputs,
        cost=cost,
        net=net,
        baseline_net=baseline_net,
        increase=net - baseline_net,
        guarantee_cost=round_yuan(protected_kg * (paid - a.market_price)),
        floor_value=round_yuan(protected_kg * floor_value_per_kg),
        other_income=lines,
    )


@attrs.frozen
class HouseholdIncome:
    """A household's estimated increase: its contract crops, and the other lines apart."""

    household_id: str
    estimates: tuple[Estimate, ...] = ()
    other_income: tuple[IncomeLine, ...] = ()

    @property
    def crop_increase(self) -> Decimal:
        """The increase from the contract crops alone."""
        return sum((e.increase for e in self.estimates), ZERO)

    @property
    def other_income_total(self) -> Decimal:
        """The other income lines together."""
        return sum((line.amount for line in self.other_income), ZERO)

    @property
    def total(self) -> Decimal:
        """Crop increase plus other income lines."""
        return self.crop_increase + self.other_income_total


# --- aggregates ----------------------------------------------------------------------------


def form_key(crop: str, form: str) -> str:
    """The key of a crop form in scenarios and assumption maps: ``"chilli/dried"``."""
    return f"{crop}/{form}"


def _price_map(values: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    if not isinstance(values, Mapping):
        raise TypeError(f"expected a mapping of crop forms to prices, got {type(values).__name__}")
    return {str(key): D(value, str(key)) for key, value in values.items()}


@attrs.frozen(kw_only=True)
class PriceScenario:
    """A market-price scenario for the season: expected prices and volatilities per crop form.

    Keys are ``form_key(crop, form)`` with catalog codes; forms not named keep their
    assumptions. ``price_factor`` scales every expected market price (``D("0.7")``: a 30% fall).
    """

    name: str = "expected"
    market_prices: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_price_map)
    volatility: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_price_map)
    price_factor: Decimal = attrs.field(default=Decimal(1), converter=D)

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        checks.positive("price_factor", self.price_factor)
        for key, price in self.market_prices.items():
            checks.positive(f"market_prices.{key}", price)
        for key, vol in self.volatility.items():
            checks.non_negative(f"volatility.{key}", vol)
        checks.done()

    def in_catalog(self, catalog: Catalog) -> PriceScenario:
        """This scenario with its keys as ``catalog``'s codes (``菊芋/鲜块茎`` or
        ``jerusalem_artichoke/fresh``); a key that names no crop form of the catalog is a
        ``ValidationError`` naming it — a scenario that silently changed nothing would say
        that the prices it was meant to test make no difference."""
        checks = Checks()

        def codes(field: str, values: Mapping[str, Decimal]) -> dict[str, Decimal]:
            out: dict[str, Decimal] = {}
            for key, value in values.items():
                crop, _, form = key.partition("/")
                try:
                    entry = catalog.crop(crop)
                    out[form_key(entry.code, entry.form(form).code)] = value
                except ValidationError as exc:
                    checks.extend(exc.problems, f"{field}.{key}")
            return out

        prices = codes("market_prices", self.market_prices)
        vols = codes("volatility", self.volatility)
        checks.done()
        return attrs.evolve(self, market_prices=prices, volatility=vols)

    def apply(self, crop: str, form: str, assumptions: Assumptions) -> Assumptions:
        """``assumptions`` with this scenario's price and volatility for the crop form."""
        key = form_key(crop, form)
        price = self.market_prices.get(key, assumptions.market_price) * self.price_factor
        vol = self.volatility.get(key, assumptions.price_volatility)
        return attrs.evolve(assumptions, market_price=price, price_volatility=vol)


@attrs.frozen(kw_only=True)
class GroupSummary:
    """One row of an aggregate: a village, township, crop, enterprise or household."""

    by: str
    key: str
    households: int
    contracts: int
    area_mu: Decimal
    expected_kg: Decimal
    gross: Decimal
    cost: Decimal
    net: Decimal
    baseline_net: Decimal
    total_increase: Decimal
    #: total increase ÷ households, rounded half-up to the fen
    average_increase: Decimal
    #: the enterprise's expected top-up over the market under the scenario
    guarantee_cost: Decimal
    floor_value: Decimal


Pair = tuple[Household, Contract | Estimate]


def estimate_pairs(
    pairs: Iterable[Pair],
    *,
    scenario: PriceScenario | None = None,
    assumptions: Mapping[str, Assumptions] | None = None,
    catalog: Catalog | None = None,
    **overrides: object,
) -> list[tuple[Household, Estimate]]:
    """Each (household, contract) with its estimate under ``scenario``; pure.

    ``assumptions`` gives per-form assumptions by ``form_key``; ``overrides`` apply to every
    form (``baseline_net_per_mu="400"``). An ``Estimate`` given in place of a contract is kept.
    """
    catalog = catalog or default_catalog()
    scenario = scenario.in_catalog(catalog) if scenario is not None else None
    per_form = dict(assumptions or {})
    cache: dict[str, Assumptions] = {}
    out: list[tuple[Household, Estimate]] = []
    for household, item in pairs:
        if not isinstance(household, Household):
            raise TypeError(f"pairs need a Household first, got {type(household).__name__}")
        if isinstance(item, Estimate):
            out.append((household, item))
            continue
        if not isinstance(item, Contract):
            raise TypeError(f"pairs need a Contract or Estimate, got {type(item).__name__}")
        if item.household_id != household.resident_id:
            raise ValidationError.one(
                "household_id",
                "bad_value",
                reason=f"contract {item.contract_no} is not the household's",
            )
        key = form_key(item.crop, item.form)
        if key not in cache:
            base = per_form.get(key) or Assumptions.defaults(item.crop, item.form, catalog)
            if overrides:
                base = attrs.evolve(base, **overrides)  # type: ignore[arg-type]  # validated
            cache[key] = scenario.apply(item.crop, item.form, base) if scenario else base
        out.append((household, estimate_contract(item, assumptions=cache[key], catalog=catalog)))
    return out


def _group_key(by: GroupBy, household: Household, est: Estimate) -> str:
    if by == "household":
        return household.resident_id
    if by == "village":
        return f"{household.township}/{household.village}"
    if by == "township":
        return household.township
    if by == "crop":
        return est.crop
    if by == "enterprise":
        return est.enterprise_uscc
    raise ValueError(f"cannot group by {by!r}")


def aggregate(
    pairs: Iterable[Pair],
    by: GroupBy,
    *,
    scenario: PriceScenario | None = None,
    assumptions: Mapping[str, Assumptions] | None = None,
    catalog: Catalog | None = None,
    **overrides: object,
) -> tuple[GroupSummary, ...]:
    """Per village (``township/village``), township, crop (code), enterprise (credit code) or
    household: households, area, totals, average increase per household and the guarantee's
    expected cost, sorted by key. Contracts are estimated as ``estimate_pairs`` says."""
    rows = estimate_pairs(
        pairs, scenario=scenario, assumptions=assumptions, catalog=catalog, **overrides
    )
    groups: dict[str, list[tuple[Household, Estimate]]] = {}
    for household, est in rows:
        groups.setdefault(_group_key(by, household, est), []).append((household, est))
    summaries = []
    for key in sorted(groups):
        members = groups[key]
        ests = [e for _, e in members]
        households = len({h.resident_id for h, _ in members})
        total_increase = sum((e.increase for e in ests), ZERO)
        summaries.append(
            GroupSummary(
                by=by,
                key=key,
                households=households,
                contracts=len(ests),
                area_mu=sum((e.area_mu for e in ests), ZERO),
                expected_kg=sum((e.expected_kg for e in ests), ZERO),
                gross=sum((e.gross for e in ests), ZERO),
                cost=sum((e.cost for e in ests), ZERO),
                net=sum((e.net for e in ests), ZERO),
                baseline_net=sum((e.baseline_net for e in ests), ZERO),
                total_increase=total_increase,
                average_increase=round_yuan(total_increase / households),
                guarantee_cost=sum((e.guarantee_cost for e in ests), ZERO),
                floor_value=sum((e.floor_value for e in ests), ZERO),
            )
        )
    return tuple(summaries)
