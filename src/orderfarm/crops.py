"""The crop catalog: crops, product forms, grades (best first) and default figures as data.

Figures are defaults gathered from public reports (DESIGN §7); a user edits them, or adds a
crop, by building a new ``Catalog`` (``catalog.with_crop(...)``, ``Catalog.from_json(...)``)
without touching library code.

>>> cat = default_catalog()
>>> cat.crop("菊芋").name_en
'Jerusalem artichoke'
>>> cat.form("chilli", "dried").grades
('一等', '二等', '三等', '等外')
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import cache

import attrs

from orderfarm.checks import Checks, names
from orderfarm.errors import ValidationError
from orderfarm.money import D, grade_prices, optional_D
from orderfarm.supplies import ChargeMode, charge_mode


@attrs.frozen
class InputDefault:
    """An input supplied per mu by default: item, quantity per mu, unit cost, how charged."""

    item: str
    unit: str
    quantity_per_mu: Decimal = attrs.field(converter=D)
    unit_cost: Decimal = attrs.field(converter=D)
    charge: ChargeMode = attrs.field(default=ChargeMode.ADVANCE, converter=charge_mode)


@attrs.frozen
class MonthDay:
    """A day of the year (month, day) for calendars that repeat each season."""

    month: int
    day: int

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        try:
            dt.date(2000, self.month, self.day)  # a leap year admits 29 February
        except (TypeError, ValueError, OverflowError):
            checks.add(
                "day", "bad_value", reason=f"{self.month!r}-{self.day!r} is not a day of the year"
            )
        checks.done()

    def in_year(self, year: int) -> dt.date:
        """This day in ``year``; 29 February falls on the 28th in a common year."""
        if (self.month, self.day) == (2, 29) and not calendar.isleap(year):
            return dt.date(year, 2, 28)
        return dt.date(year, self.month, self.day)


@attrs.frozen
class ProductForm:
    """A form a crop is sold in (fresh tubers, dried pods…), with its grades and defaults."""

    code: str
    name_zh: str
    name_en: str
    #: grades from best to worst
    grades: tuple[str, ...] = attrs.field(converter=names)
    grades_en: tuple[str, ...] = attrs.field(converter=names)
    #: default floor price (yuan/kg) per protected grade
    floors: Mapping[str, Decimal] = attrs.field(converter=grade_prices)
    market_price: Decimal = attrs.field(converter=D)
    yield_kg_per_mu: Decimal = attrs.field(converter=D)
    yield_low_kg_per_mu: Decimal = attrs.field(converter=D)
    yield_high_kg_per_mu: Decimal = attrs.field(converter=D)
    #: the household's own cash cost per mu, inputs supplied by the enterprise excluded
    cost_per_mu: Decimal = attrs.field(converter=D)
    moisture_standard: Decimal | None = attrs.field(default=None, converter=optional_D)
    moisture_max: Decimal | None = attrs.field(default=None, converter=optional_D)
    inputs: tuple[InputDefault, ...] = ()
    delivery_start: MonthDay = MonthDay(1, 1)
    #: before ``delivery_start`` means the window ends in the next year
    delivery_end: MonthDay = MonthDay(12, 31)
    source: str = ""
    #: spread of the market price at delivery: standard deviation of its logarithm over the
    #: season (0 = a known price); used by income estimates and price-risk analysis
    price_volatility: Decimal = attrs.field(default=Decimal(0), converter=D)
    #: coefficient of variation of the yield per mu (standard deviation ÷ ``yield_kg_per_mu``),
    #: for the yield distribution between the low and high figures; 0 = a known yield
    yield_cv: Decimal = attrs.field(default=Decimal(0), converter=D)

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        if len(self.grades) != len(self.grades_en) or len(set(self.grades)) != len(self.grades):
            checks.add(
                "grades", "bad_value", reason="grades must be distinct, one English name each"
            )
        for grade, floor in self.floors.items():
            if grade not in self.grades:
                checks.add(
                    "floors",
                    "unknown_grade",
                    grade=grade,
                    crop=self.name_zh,
                    known="、".join(self.grades),
                )
            checks.positive(f"floors.{grade}", floor)
        for name in (
            "market_price",
            "yield_kg_per_mu",
            "yield_low_kg_per_mu",
            "yield_high_kg_per_mu",
        ):
            checks.positive(name, getattr(self, name))
        checks.non_negative("cost_per_mu", self.cost_per_mu)
        checks.non_negative("price_volatility", self.price_volatility)
        checks.non_negative("yield_cv", self.yield_cv)
        checks.fraction("moisture_standard", self.moisture_standard)
        checks.fraction("moisture_max", self.moisture_max)
        checks.done()

    def grade_rank(self, grade: str) -> int:
        """0 for the best grade, 1 for the next…; an unknown grade is a ``ValidationError``."""
        try:
            return self.grades.index(grade)
        except ValueError:
            raise ValidationError.one(
                "grade",
                "unknown_grade",
                grade=grade,
                crop=self.name_zh,
                known="、".join(self.grades),
            ) from None

    def delivery_window(self, season: int) -> tuple[dt.date, dt.date]:
        """The default delivery window of ``season`` (may run into the next year)."""
        start = self.delivery_start.in_year(season)
        end_year = (
            season + 1
            if (self.delivery_end.month, self.delivery_end.day)
            < (
                self.delivery_start.month,
                self.delivery_start.day,
            )
            else season
        )
        return start, self.delivery_end.in_year(end_year)


@attrs.frozen
class Crop:
    """A crop grown under contract, with the forms it is bought in."""

    code: str
    name_zh: str
    name_en: str
    forms: tuple[ProductForm, ...]
    calendar: str = ""

    def form(self, code: str) -> ProductForm:
        """The product form by code (``fresh``) or Chinese name (``干椒``)."""
        for form in self.forms:
            if code in (form.code, form.name_zh):
                return form
        known = "、".join(f.code for f in self.forms)
        raise ValidationError.one("form", "unknown_form", crop=self.name_zh, form=code, known=known)


@attrs.frozen
class Catalog:
    """An immutable set of crops, looked up by code or Chinese name."""

    crops: tuple[Crop, ...]

    def crop(self, code: str) -> Crop:
        """The crop by code (``chilli``) or Chinese name (``朝天椒``)."""
        for crop in self.crops:
            if code in (crop.code, crop.name_zh, crop.name_en):
                return crop
        raise ValidationError.one("crop", "unknown_crop", crop=code)

    def form(self, crop: str, form: str) -> ProductForm:
        """The product form of a crop."""
        return self.crop(crop).form(form)

    def with_crop(self, crop: Crop) -> Catalog:
        """A catalog with ``crop`` added, or replacing the crop of the same code."""
        return Catalog((*(c for c in self.crops if c.code != crop.code), crop))

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        """A catalog from JSON written by ``to_json`` (or by hand)."""
        from orderfarm.serial import from_json

        return from_json(text, cls)

    def to_json(self) -> str:
        """The catalog as JSON, for editing and ``from_json``."""
        from orderfarm.serial import to_json

        return to_json(self)


def _floors(**pairs: str) -> dict[str, Decimal]:
    return {grade: D(price) for grade, price in pairs.items()}


@cache
def default_catalog() -> Catalog:
    """The three crops of Shangzhou 2018 with defaults from DESIGN §7 (editable data)."""
    artichoke = Crop(
        code="jerusalem_artichoke",
        name_zh="菊芋",
        name_en="Jerusalem artichoke",
        calendar="plant Mar–Apr; buy from Nov, two rounds around Spring Festival",
        forms=(
            ProductForm(
                code="fresh",
                name_zh="鲜块茎",
                name_en="fresh tubers",
                grades=("一级", "二级", "等外"),
                grades_en=("grade 1", "grade 2", "off-grade"),
                floors=_floors(一级="1.20", 二级="1.00"),
                market_price="1.20",
                yield_kg_per_mu="1700",
                yield_low_kg_per_mu="1500",
                yield_high_kg_per_mu="4000",
                cost_per_mu="180",
                inputs=(InputDefault("种薯", "kg", "80", "1.50", ChargeMode.FREE),),
                delivery_start=MonthDay(11, 1),
                delivery_end=MonthDay(3, 31),
                source="1.20 yuan/kg paid, Shangzhou 2020; yield ~1,700 kg/mu (guess)",
                price_volatility="0.20",  # guess
                yield_cv="0.15",  # guess
            ),
        ),
    )
    chilli_start, chilli_end = MonthDay(8, 1), MonthDay(10, 31)
    chilli = Crop(
        code="chilli",
        name_zh="朝天椒",
        name_en="chilli (facing-heaven pepper)",
        calendar="transplant May; pick Aug–Oct",
        forms=(
            ProductForm(
                code="fresh",
                name_zh="鲜椒",
                name_en="fresh red pods",
                grades=("一级", "二级", "等外"),
                grades_en=("grade 1", "grade 2", "off-grade"),
                floors=_floors(一级="1.60", 二级="1.40"),
                market_price="2.00",
                yield_kg_per_mu="1500",
                yield_low_kg_per_mu="1000",
                yield_high_kg_per_mu="2000",
                cost_per_mu="500",
                inputs=(InputDefault("辣椒苗", "株", "12000", "0.03", ChargeMode.ADVANCE),),
                source="floor 1.6 yuan/kg (2018); market >2 yuan/jin (2019); yield guess",
                price_volatility="0.30",  # guess
                yield_cv="0.15",  # guess
                delivery_start=chilli_start,
                delivery_end=chilli_end,
            ),
            ProductForm(
                code="dried",
                name_zh="干椒",
                name_en="dried pods",
                grades=("一等", "二等", "三等", "等外"),
                grades_en=("grade 1", "grade 2", "grade 3", "off-grade"),
                floors=_floors(一等="12.00", 二等="11.00", 三等="10.00"),
                market_price="14.00",
                yield_kg_per_mu="250",
                yield_low_kg_per_mu="150",
                yield_high_kg_per_mu="400",
                cost_per_mu="500",
                moisture_standard="0.14",
                moisture_max="0.22",
                inputs=(InputDefault("辣椒苗", "株", "12000", "0.03", ChargeMode.ADVANCE),),
                source="floor ~12 yuan/kg (weak); moisture 14%, max ~22% in grade tables",
                price_volatility="0.30",  # guess
                yield_cv="0.20",  # guess
                delivery_start=chilli_start,
                delivery_end=chilli_end,
            ),
        ),
    )
    chrysanthemum = Crop(
        code="chrysanthemum",
        name_zh="杭白菊",
        name_en="Hangzhou white chrysanthemum",
        calendar="plant Apr; pick Nov",
        forms=(
            ProductForm(
                code="dried",
                name_zh="干花",
                name_en="dried flowers",
                grades=("特级", "一级", "二级"),
                grades_en=("special", "grade 1", "grade 2"),
                floors=_floors(特级="26.00", 一级="22.00", 二级="18.00"),
                market_price="25.00",
                yield_kg_per_mu="175",
                yield_low_kg_per_mu="150",
                yield_high_kg_per_mu="200",
                cost_per_mu="800",
                moisture_standard="0.13",
                moisture_max="0.18",
                inputs=(InputDefault("菊苗", "株", "3500", "0.10", ChargeMode.ADVANCE),),
                delivery_start=MonthDay(10, 20),
                delivery_end=MonthDay(12, 31),
                source="20–30 yuan/kg; 150–200 kg/mu; moisture standard 12–13% (guess)",
                price_volatility="0.25",  # guess
                yield_cv="0.08",  # guess
            ),
            ProductForm(
                code="fresh",
                name_zh="鲜花蕾",
                name_en="fresh buds",
                grades=("一级", "二级"),
                grades_en=("grade 1", "grade 2"),
                floors=_floors(一级="4.00", 二级="3.20"),
                market_price="4.50",
                yield_kg_per_mu="1050",
                yield_low_kg_per_mu="1000",
                yield_high_kg_per_mu="1100",
                cost_per_mu="800",
                inputs=(InputDefault("菊苗", "株", "3500", "0.10", ChargeMode.ADVANCE),),
                delivery_start=MonthDay(10, 20),
                delivery_end=MonthDay(12, 31),
                source="fresh 1,000–1,100 kg/mu; fresh:dry 5–6.7:1 (price derived, guess)",
                price_volatility="0.25",  # guess
                yield_cv="0.025",  # guess
            ),
        ),
    )
    return Catalog((artichoke, chilli, chrysanthemum))
