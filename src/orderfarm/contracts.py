"""订单收购合同 — contracts between an enterprise and a household, and their price terms."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, TypeVar

import attrs

from orderfarm.checks import Checks, names, require_decimal
from orderfarm.crops import Catalog, ProductForm, default_catalog
from orderfarm.errors import ContractStateError, OrderfarmError, ValidationError
from orderfarm.money import ZERO, D, grade_prices, optional_D
from orderfarm.parties import Enterprise, Household
from orderfarm.supplies import InputSupply

_E = TypeVar("_E", bound=enum.Enum)


def widened_terms(terms: PriceTerms, known: Sequence[str]) -> PriceTerms:
    """``terms`` with every grade of ``known`` (a crop form's) among its grades, its own first:
    terms written by hand with a floor per grade (and so those grades only) then price a
    grade they have no floor for at the market price, as DESIGN §4 says."""
    extra = tuple(g for g in known if g not in terms.grades)
    return attrs.evolve(terms, grades=terms.grades + extra) if extra else terms


def terms_in(catalog: Catalog, crop: str, form: str, terms: PriceTerms) -> PriceTerms:
    """``terms`` of a contract of ``crop`` and ``form`` as its slips are priced
    (``Contract.priced_terms``)."""
    try:
        known = catalog.form(crop, form).grades
    except ValidationError:  # a catalog without the crop: only the terms' own grades
        return terms
    return widened_terms(terms, known)


@attrs.frozen
class PriceTerms:
    """保护价条款 — how a delivery is priced (DESIGN §4). Prices in yuan/kg, rates as fractions.

    ``grades`` are the grades the crop knows, best first; a known grade without a floor is not
    protected (paid the market price). Left empty, the grades are those of ``floors``.
    """

    floors: Mapping[str, Decimal] = attrs.field(converter=grade_prices)
    market_linked: bool = True
    premium: Decimal = attrs.field(default=ZERO, converter=D)
    ceiling: Decimal | None = attrs.field(default=None, converter=optional_D)
    moisture_standard: Decimal | None = attrs.field(default=None, converter=optional_D)
    moisture_max: Decimal | None = attrs.field(default=None, converter=optional_D)
    quota_kg: Decimal | None = attrs.field(default=None, converter=optional_D)
    grades: tuple[str, ...] = attrs.field(default=(), converter=names)

    def __attrs_post_init__(self) -> None:
        if not self.grades:
            object.__setattr__(self, "grades", tuple(self.floors))
        checks = Checks()
        if not self.floors:
            checks.add("floors", "no_floor")
        for grade, floor in self.floors.items():
            if grade not in self.grades:
                checks.add(
                    "floors", "grade_not_in_terms", grade=grade, known="、".join(self.grades)
                )
            checks.positive(f"floors.{grade}", floor)
            if self.ceiling is not None and self.ceiling < floor:
                checks.add(
                    "ceiling", "ceiling_below_floor", ceiling=self.ceiling, floor=floor, grade=grade
                )
        if not isinstance(self.market_linked, bool):
            raise TypeError("PriceTerms.market_linked must be a bool")
        checks.fraction("premium", self.premium)
        checks.positive("ceiling", self.ceiling)
        checks.fraction("moisture_standard", self.moisture_standard)
        checks.fraction("moisture_max", self.moisture_max)
        if (
            self.moisture_standard is not None
            and self.moisture_max is not None
            and self.moisture_max < self.moisture_standard
        ):
            checks.add(
                "moisture_max",
                "moisture_max_below_standard",
                maximum=self.moisture_max,
                standard=self.moisture_standard,
            )
        checks.positive("quota_kg", self.quota_kg)
        checks.places("quota_kg", self.quota_kg, 2)
        checks.done()

    def floor(self, grade: str) -> Decimal | None:
        """The floor price of ``grade``, or ``None`` when the grade is not protected."""
        return self.floors.get(grade)

    @classmethod
    def from_form(cls, form: ProductForm, **overrides: object) -> PriceTerms:
        """Market-linked terms with the form's default floors, grades and moisture rules."""
        values: dict[str, object] = {
            "floors": dict(form.floors),
            "moisture_standard": form.moisture_standard,
            "moisture_max": form.moisture_max,
            "grades": form.grades,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]  # checked by the attrs validators


class ContractStatus(enum.Enum):
    """Where a contract is in its lifecycle."""

    DRAFT = "draft"  # written, not yet signed
    SIGNED = "signed"  # in force: deliveries may be recorded
    CLOSED = "closed"  # season over, settled
    CANCELLED = "cancelled"  # dropped before signing
    TERMINATED = "terminated"  # ended early after signing, with a reason

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return {
            "draft": "草稿",
            "signed": "已签约",
            "closed": "已结束",
            "cancelled": "已取消",
            "terminated": "已终止",
        }[self.value]


#: each lifecycle step (as ``Contract._step`` names it) in Chinese
_STEPS_ZH: Final = {"signed": "签约", "cancelled": "取消", "closed": "结束", "terminated": "终止"}


class CarryPolicy(enum.Enum):
    """What happens to advances the season's proceeds could not recover."""

    CARRY = "carry"  # carried to the household's next season
    WAIVE = "waive"  # written off by the enterprise


def _choice(kind: type[_E], field: str, value: object) -> _E:
    """``value`` as a member of the enum ``kind``; anything else is a ``ValidationError``."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value.strip() if isinstance(value, str) else value)
    except ValueError:
        choices = "、".join(str(member.value) for member in kind)
        raise ValidationError.one(field, "bad_choice", choices=choices, value=value) from None


def _carry_policy(value: object) -> CarryPolicy:
    return _choice(CarryPolicy, "unrecovered", value)


def _status(value: object) -> ContractStatus:
    return _choice(ContractStatus, "status", value)


def _supplies(value: Iterable[InputSupply]) -> tuple[InputSupply, ...]:
    return tuple(value)


@attrs.frozen
class Contract:
    """One enterprise, one household, one crop and form, one season.

    Lifecycle: ``draft → signed → closed``, ``draft → cancelled``, ``signed → terminated``
    (with a reason). Each step returns a new contract or raises ``ContractStateError``.
    """

    contract_no: str
    enterprise_uscc: str
    household_id: str
    crop: str
    form: str
    season: int
    area_mu: Decimal = attrs.field(converter=D)
    terms: PriceTerms
    inputs: tuple[InputSupply, ...] = attrs.field(default=(), converter=_supplies)
    delivery_start: dt.date | None = None
    delivery_end: dt.date | None = None
    unrecovered: CarryPolicy = attrs.field(default=CarryPolicy.CARRY, converter=_carry_policy)
    status: ContractStatus = attrs.field(default=ContractStatus.DRAFT, converter=_status)
    signed_on: dt.date | None = None
    end_reason: str = ""

    def __attrs_post_init__(self) -> None:
        require_decimal("Contract", area_mu=self.area_mu)
        if not isinstance(self.terms, PriceTerms):
            raise TypeError(f"Contract.terms must be PriceTerms, got {type(self.terms).__name__}")
        if not all(isinstance(supply, InputSupply) for supply in self.inputs):
            raise TypeError("Contract.inputs must be InputSupply values")
        for name in ("delivery_start", "delivery_end", "signed_on"):
            day = getattr(self, name)
            if day is not None and (isinstance(day, dt.datetime) or not isinstance(day, dt.date)):
                raise TypeError(
                    f"Contract.{name} must be a datetime.date, got {type(day).__name__}"
                )
        checks = Checks()
        checks.text("contract_no", self.contract_no, limit=40)
        checks.text("enterprise_uscc", self.enterprise_uscc, limit=18)
        checks.text("household_id", self.household_id, limit=18)
        checks.positive("area_mu", self.area_mu)
        checks.places("area_mu", self.area_mu, 4)
        if isinstance(self.season, str):  # "2018" typed for 2018
            checks.add("season", "season_text", value=self.season[:40])
        elif isinstance(self.season, bool) or not isinstance(self.season, int):
            checks.add("season", "season_not_whole", value=self.season)
        elif not 2000 <= self.season <= 2100:
            checks.add("season", "season_range", value=self.season)
        if (
            self.delivery_start is not None
            and self.delivery_end is not None
            and self.delivery_end < self.delivery_start
        ):
            checks.add(
                "delivery_end", "window_order", start=self.delivery_start, end=self.delivery_end
            )
        if self.status is ContractStatus.TERMINATED and not self.end_reason.strip():
            checks.add("end_reason", "terminate_reason")
        checks.done()

    def check_against(self, catalog: Catalog) -> None:
        """Raise ``ValidationError`` if the crop, form or a graded price is unknown to ``catalog``."""
        form = catalog.form(self.crop, self.form)
        checks = Checks()
        for grade in self.terms.grades:
            if grade not in form.grades:
                checks.add(
                    "terms.grades",
                    "unknown_grade",
                    grade=grade,
                    crop=self.crop,
                    known="、".join(form.grades),
                )
        checks.done()

    def priced_terms(self, catalog: Catalog) -> PriceTerms:
        """The terms its slips are priced under: any grade its crop form knows (DESIGN §4: a
        grade without a floor is not protected but paid the market price; only a grade the
        crop does not know is an error), the terms' own grades first; the terms as written
        when ``catalog`` does not know the crop form."""
        return terms_in(catalog, self.crop, self.form, self.terms)

    def harvest(self, catalog: Catalog) -> tuple[Decimal, Decimal] | None:
        """Its area and its crop form's highest yield per mu (what the whole contract can be
        expected to give at most: ``pricing.harvest_doubt``); ``None`` when ``catalog`` does
        not know the crop form."""
        return harvest_of(catalog, self.crop, self.form, self.area_mu)

    def signed_after_deliveries(self, day: dt.date) -> bool:
        """Whether signing on ``day`` would come after its deliveries end: more likely
        today's date left as it was than the day it was signed."""
        return self.delivery_end is not None and day > self.delivery_end

    def in_window(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the delivery window (an open end admits any day)."""
        if self.delivery_start is not None and day < self.delivery_start:
            return False
        return self.delivery_end is None or day <= self.delivery_end

    def _step(
        self, allowed: ContractStatus, to: ContractStatus, action: str, **changes: object
    ) -> Contract:
        if self.status is not allowed:
            raise ContractStateError(
                {
                    "contract_no": self.contract_no,
                    "status": self.status.value,
                    "status_zh": self.status.zh,
                    "action": action,
                    "action_zh": _STEPS_ZH[action],
                }
            )
        return attrs.evolve(self, status=to, **changes)  # type: ignore[arg-type]

    def sign(self, on: dt.date) -> Contract:
        """The signed contract (from draft), signed on the day ``on``."""
        if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
            raise TypeError(f"sign(on=…) needs a date, got {type(on).__name__}")
        return self._step(ContractStatus.DRAFT, ContractStatus.SIGNED, "signed", signed_on=on)

    def cancel(self, reason: str = "") -> Contract:
        """The cancelled contract (from draft)."""
        return self._step(
            ContractStatus.DRAFT, ContractStatus.CANCELLED, "cancelled", end_reason=reason
        )

    def close(self) -> Contract:
        """The closed contract (from signed), at the end of its season."""
        return self._step(ContractStatus.SIGNED, ContractStatus.CLOSED, "closed")

    def terminate(self, reason: str) -> Contract:
        """The terminated contract (from signed); a reason is required."""
        if not reason.strip():
            raise ValidationError.one("end_reason", "terminate_reason")
        return self._step(
            ContractStatus.SIGNED, ContractStatus.TERMINATED, "terminated", end_reason=reason
        )

    @classmethod
    def from_template(
        cls,
        crop: str,
        form: str,
        *,
        contract_no: str,
        enterprise: Enterprise | str,
        household: Household | str,
        season: int,
        area_mu: Decimal | int | str,
        catalog: Catalog | None = None,
        **overrides: object,
    ) -> Contract:
        """A draft contract with the crop form's defaults: floors, moisture rules, inputs for the
        area, and the delivery window of ``season``. ``terms=`` or any field can be overridden;
        ``terms_overrides={...}`` changes single terms (``quota_kg``, ``premium``…)."""
        catalog = catalog or default_catalog()
        crop_entry = catalog.crop(crop)
        product = crop_entry.form(form)
        area = D(area_mu, "area_mu")
        if area <= ZERO:  # before the inputs are scaled by it: a problem of the area, not of them
            raise ValidationError.one("area_mu", "positive")
        # An impossible season is reported by the contract's own checks, with its field.
        start, end = (
            product.delivery_window(season)
            if isinstance(season, int) and not isinstance(season, bool) and 2000 <= season <= 2100
            else (None, None)
        )
        term_changes = overrides.pop("terms_overrides", {})
        if not isinstance(term_changes, Mapping):
            raise TypeError("terms_overrides must be a mapping")
        values: dict[str, object] = {
            "contract_no": contract_no,
            "enterprise_uscc": enterprise.uscc
            if isinstance(enterprise, Enterprise)
            else enterprise,
            "household_id": household.resident_id
            if isinstance(household, Household)
            else household,
            "crop": crop_entry.code,
            "form": product.code,
            "season": season,
            "area_mu": area,
            "terms": PriceTerms.from_form(product, **term_changes),
            "inputs": tuple(
                InputSupply(d.item, d.quantity_per_mu * area, d.unit, d.unit_cost, d.charge)
                for d in product.inputs
            ),
            "delivery_start": start,
            "delivery_end": end,
        }
        values.update(overrides)
        contract = cls(**values)  # type: ignore[arg-type]  # checked by the attrs validators
        contract.check_against(catalog)
        return contract


def harvest_of(
    catalog: Catalog, crop: str, form: str, area_mu: Decimal
) -> tuple[Decimal, Decimal] | None:
    """A contract's ``area_mu`` and its crop form's highest yield per mu (``Contract.harvest``,
    and the quick import's contracts, read as columns); ``None`` when ``catalog`` does not
    know the crop form."""
    try:
        return area_mu, catalog.form(crop, form).yield_high_kg_per_mu
    except OrderfarmError:
        return None
