"""Row → record: each record type's cells (text) become a domain value, or every problem of the
row is reported at once, each naming its column.

``convert(rt, cells, context)`` is the one entry point; ``cells`` maps column keys to the cell
text (a column the file does not have is absent, and for optional columns that means "use the
default"; a blank cell means "none").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Final, Protocol

import attrs

from orderfarm.contracts import CarryPolicy, Contract, ContractStatus, PriceTerms
from orderfarm.crops import Catalog, ProductForm, default_catalog
from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.ids import birth_after
from orderfarm.io.cells import unneutralise
from orderfarm.io.columns import (
    CONTRACTS,
    ENTERPRISES,
    HOUSEHOLDS,
    MARKET_PRICES,
    PAYMENTS,
    SLIPS,
    SUPPLIES,
    RecordType,
)
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.messages import Lang
from orderfarm.money import ZERO, D, decimal_places
from orderfarm.parties import Enterprise, Household, PovertyStatus
from orderfarm.pricing import Weighing
from orderfarm.supplies import ChargeMode, InputSupply

Record = (
    Household
    | Enterprise
    | Contract
    | MarketPriceRecord
    | SlipRecord
    | SupplyRecord
    | PaymentRecord
)


class Lookup(Protocol):
    """What row conversion may ask about records already stored (or ``None`` when unknown)."""

    def contract(self, contract_no: str) -> Contract | None:
        """The contract numbered ``contract_no``, or ``None``."""

    def has_household(self, resident_id: str) -> bool | None:
        """Whether the household exists; ``None`` when it cannot be told."""

    def has_enterprise(self, uscc: str) -> bool | None:
        """Whether the enterprise exists; ``None`` when it cannot be told."""


class NoLookup:
    """A lookup that knows nothing: references are not checked."""

    def contract(self, contract_no: str) -> Contract | None:
        return None

    def has_household(self, resident_id: str) -> bool | None:
        return None

    def has_enterprise(self, uscc: str) -> bool | None:
        return None


@attrs.define
class Context:
    """What conversion needs besides the cells: today's date, the catalog, a lookup."""

    today: dt.date
    catalog: Catalog = attrs.field(factory=default_catalog)
    lookup: Lookup = attrs.field(factory=NoLookup)
    #: the weight columns the file gives in 斤 (their cells are put in kg before conversion)
    in_jin: frozenset[str] = frozenset()

    @cached_property
    def all_grades(self) -> tuple[str, ...]:
        """Every grade of every crop form of the catalog."""
        seen: dict[str, None] = {}
        for crop in self.catalog.crops:
            for form in crop.forms:
                seen.update(dict.fromkeys(form.grades))
        return tuple(seen)


class RowInvalid(OrderfarmError):
    """The row's problems (fields are column keys)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message("en") for p in problems))


_DATE_PATTERNS: Final = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:0{2}(?::0{2})?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
#: No number in a file is larger: a billion (yuan, kg, plants…) is a typing error or an attack.
_MAXIMUM: Final = Decimal(10) ** 9
#: No single lot weighs more than 1,000 tonnes.
_MAX_KG: Final = Decimal(10) ** 6
#: digits with an optional fraction (group 1 without the point): the fast path of ``number``
_PLAIN_NUMBER: Final = re.compile(r"\d{1,15}(?:\.(\d{0,15}))?")
_TRUE: Final = frozenset({"是", "y", "yes", "true", "1", "t", "✓", "√"})
_FALSE: Final = frozenset({"否", "n", "no", "false", "0", "f", "×"})
#: A contract's cell saying its terms have no such rule (no moisture standard, no window),
#: where a blank cell takes the crop form's default, as a column left out does
_NONE_WORDS: Final = frozenset({"无", "不限", "没有", "none", "-", "—", "/"})
_PAIR_SPLIT: Final = re.compile(r"[;；,，、\n]+")
_FLOOR_PAIR: Final = re.compile(r"\s*([^:：=\s]+)\s*[:：=\s]\s*([^\s]+)\s*")
_INPUT_ITEM: Final = re.compile(
    r"\s*(?P<item>[^:：]+?)\s*[:：]\s*(?P<qty>[0-9.,]+)\s*(?P<unit>[^×xX*@\d][^×xX*@]*?)\s*"
    r"[×xX*@]\s*(?P<cost>[0-9.]+)\s*元?\s*(?:[(（](?P<charge>[^)）]*)[)）])?\s*"
)
_CHARGE_NAMES: Final = {
    "免费": ChargeMode.FREE,
    "垫付": ChargeMode.ADVANCE,
    "垫付（结算扣回）": ChargeMode.ADVANCE,
    "已付": ChargeMode.PAID,
    "签约时付清": ChargeMode.PAID,
    "自付": ChargeMode.PAID,
}
_CARRY_NAMES: Final = {
    "结转": CarryPolicy.CARRY,
    "核销": CarryPolicy.WAIVE,
    "免除": CarryPolicy.WAIVE,
}
CHARGE_SHORT_ZH: Final = {
    ChargeMode.FREE: "免费",
    ChargeMode.ADVANCE: "垫付",
    ChargeMode.PAID: "已付",
}
CARRY_ZH: Final = {CarryPolicy.CARRY: "结转", CarryPolicy.WAIVE: "核销"}


def parse_charge(text: str) -> ChargeMode:
    """A charge mode from ``advance``/``垫付``/``垫付（结算扣回）``…"""
    key = unicodedata.normalize("NFKC", text).strip()
    for mode in ChargeMode:
        if key.lower() in (mode.value, mode.name.lower()) or key == mode.zh:
            return mode
    if key in _CHARGE_NAMES:
        return _CHARGE_NAMES[key]
    folded = {unicodedata.normalize("NFKC", k): v for k, v in _CHARGE_NAMES.items()}
    if key in folded:
        return folded[key]
    raise ValueError(text)


#: an amount with its currency sign or unit around it, and the number inside
_CURRENCY: Final = re.compile(r"[¥￥]?\s*(.*?)\s*元?", re.DOTALL)


class _Row:
    """The cells of one row with parsers that record problems instead of raising."""

    def __init__(self, cells: Mapping[str, str], context: Context) -> None:
        self.cells = cells
        self.context = context
        self.problems: list[Problem] = []

    def add(self, field: str, code: str, **params: object) -> None:
        self.problems.append(Problem(field, code, params))

    def has(self, key: str) -> bool:
        return key in self.cells

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.cells.get(key, "").strip()
        if value[:1] == "'":
            value = unneutralise(value)
        if required and not value:
            self.add(key, "required")
        return value

    def number(
        self,
        key: str,
        *,
        required: bool = True,
        minimum: Decimal | None = None,
        positive: bool = False,
        places: int | None = None,
        rate: bool = False,
        maximum: Decimal = _MAXIMUM,
        money: bool = False,
    ) -> Decimal | None:
        raw = self.text(key)
        if money:  # an amount as Excel's currency format writes it: ¥1,148.30, ￥981.08, 981.08元
            bare = _CURRENCY.fullmatch(raw)
            raw = bare[1] if bare is not None else raw
        if not raw:
            if required:
                self.add(key, "required")
            return None
        plain = _PLAIN_NUMBER.fullmatch(raw)
        percent = False
        if plain is not None:
            # the common case, plain ASCII digits: exact without the general parser
            value = Decimal(raw)
            if places is not None and len(plain[1] or "") > places:
                self.add(key, "too_many_places", places=places, value=raw)
                return None
            places = None
        else:
            percent = rate and raw.endswith(("%", "％"))
            try:
                value = D(raw.rstrip("%％") if percent else raw, key)
            except ValidationError as exc:
                self.problems.extend(exc.problems)
                return None
        if percent:
            value = value / 100
        if rate and not ZERO <= value < 1:
            if not percent and 1 <= value < 100:  # 15 typed for 15%: say how to write it
                self.add(key, "rate_as_percent", value=raw[:40], fraction=f"{value / 100:f}")
            else:
                self.add(key, "fraction", value=raw[:40])
            return None
        if minimum is not None and value < minimum:
            self.add(key, "non_negative")
            return None
        if positive and value <= ZERO:
            self.add(key, "positive")
            return None
        if value > maximum:
            self.add(key, "too_large", limit=f"{maximum:,}")
            return None
        if places is not None and decimal_places(value.normalize()) > places:
            self.add(key, "too_many_places", places=places, value=raw)
            return None
        return value

    def integer(self, key: str, *, required: bool = True) -> int | None:
        raw = unicodedata.normalize("NFKC", self.text(key))
        if not raw:
            if required:
                self.add(key, "required")
            return None
        text = raw[:-2] if raw.endswith(".0") else raw
        if not re.fullmatch(r"[+-]?\d{1,9}", text):
            self.add(key, "not_a_whole_number", value=raw[:40])
            return None
        return int(text)

    def date(self, key: str, *, required: bool = True, not_future: bool = True) -> dt.date | None:
        raw = self.text(key)
        if not raw.isascii():
            raw = unicodedata.normalize("NFKC", raw)
        if not raw:
            if required:
                self.add(key, "required")
            return None
        day = parse_date(raw)
        if day is None:
            self.add(key, "bad_date", value=raw[:40])
            return None
        if not_future and day > self.context.today:
            self.add(
                key, "future_date", value=day.isoformat(), today=self.context.today.isoformat()
            )
            return None
        return day

    def boolean(self, key: str, default: bool) -> bool:
        """是/否 (and their like); a blank cell, as a column left out, is ``default``."""
        if not self.text(key):
            return default
        raw = unicodedata.normalize("NFKC", self.text(key)).lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.add(key, "bad_choice", choices="是、否", value=raw[:40])
        return default

    def absorb(self, exc: ValidationError, prefix_map: Mapping[str, str] | None = None) -> None:
        """Take the problems of a domain error, each under its column key."""
        for problem in exc.problems:
            head = problem.field.split(".", 1)[0]
            column = (prefix_map or {}).get(head, head)
            self.problems.append(attrs.evolve(problem, field=column))

    def done(self) -> None:
        if self.problems:
            raise RowInvalid(self.problems)


def parse_date(text: str) -> dt.date | None:
    """A date from ``2018-11-05``, ``2018/11/5``, ``2018年11月5日``, ``20181105`` or an Excel
    serial day number (``43409``); ``None`` if it is none of these."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    if re.fullmatch(r"\d{5}", text) and 20000 <= int(text) <= 80000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    return None


def _form(row: _Row, crop_key: str, form_key: str) -> ProductForm | None:
    crop_text, form_text = row.text(crop_key, required=True), row.text(form_key, required=True)
    if not crop_text or not form_text:
        return None
    try:
        crop = row.context.catalog.crop(crop_text)
    except ValidationError as exc:
        row.absorb(exc, {"crop": crop_key})
        return None
    try:
        return crop.form(form_text)
    except ValidationError as exc:
        row.absorb(exc, {"form": form_key})
        return None


def _household(row: _Row) -> Household:
    members = row.integer("members", required=False)
    status_text = row.text("poverty_status")
    status = PovertyStatus.REGISTERED_POOR
    if status_text:
        try:
            status = PovertyStatus.parse(status_text)
        except ValueError:
            choices = "、".join(s.value for s in PovertyStatus)
            row.add("poverty_status", "bad_choice", choices=choices, value=status_text[:40])
    values = {
        "head_name": row.text("head_name", required=True),
        "resident_id": row.text("resident_id", required=True),
        "township": row.text("township", required=True),
        "village": row.text("village", required=True),
        "group": row.text("group"),
        "phone": row.text("phone"),
        "account": row.text("account"),
    }
    try:
        household = Household(
            **values, members=1 if members is None else members, poverty_status=status
        )
    except ValidationError as exc:
        row.absorb(exc)
    row.done()
    born_later = birth_after(household.resident_id, row.context.today)
    if born_later is not None:  # a typo in the ID's date, which its checksum may not catch
        row.problems.append(born_later)
        row.done()
    return household


def _enterprise(row: _Row) -> Enterprise:
    name, uscc = row.text("name", required=True), row.text("uscc", required=True)
    try:
        enterprise = Enterprise(name=name, uscc=uscc)
    except ValidationError as exc:
        row.absorb(exc)
    row.done()
    return enterprise


def parse_floors(text: str) -> dict[str, Decimal] | None:
    """``一级:1.60;二级:1.40`` → ``{"一级": Decimal("1.60"), "二级": Decimal("1.40")}``."""
    floors: dict[str, Decimal] = {}
    for part in _PAIR_SPLIT.split(unicodedata.normalize("NFKC", text)):
        if not part.strip():
            continue
        match = _FLOOR_PAIR.fullmatch(part)
        if not match:
            return None
        try:
            floors[match[1]] = D(match[2], "floors")
        except ValidationError:
            return None
    return floors or None


def format_floors(floors: Mapping[str, Decimal], grades: Sequence[str] = ()) -> str:
    """The inverse of ``parse_floors``: in the order of ``grades`` (best first, as a grade
    table reads: 一等 二等 三等, not the order of their characters), the others after."""
    rank = {grade: at for at, grade in enumerate(grades)}
    ordered = sorted(floors.items(), key=lambda item: rank.get(item[0], len(rank)))
    return ";".join(f"{grade}:{price}" for grade, price in ordered)


def parse_inputs(text: str) -> tuple[InputSupply, ...] | None:
    """``辣椒苗:30000株×0.03(垫付);地膜:2卷×45(免费)`` → supplies (``None`` if unreadable)."""
    items: list[InputSupply] = []
    for part in re.split(r"[;；\n]+", text):
        if not part.strip():
            continue
        match = _INPUT_ITEM.fullmatch(part)
        if not match:
            return None
        try:
            charge = parse_charge(match["charge"]) if match["charge"] else ChargeMode.ADVANCE
            items.append(
                InputSupply(
                    match["item"], D(match["qty"]), match["unit"].strip(), D(match["cost"]), charge
                )
            )
        except (ValueError, ValidationError):
            return None
    return tuple(items)


def format_inputs(inputs: tuple[InputSupply, ...], lang: Lang = "zh") -> str:
    """The inverse of ``parse_inputs``, each charge named in ``lang`` (垫付, ``advance``)."""
    charge = CHARGE_SHORT_ZH if lang == "zh" else {mode: mode.value for mode in ChargeMode}
    return ";".join(
        f"{s.item}:{s.quantity}{s.unit}×{s.unit_cost}({charge[s.charge]})" for s in inputs
    )


def _choice(row: _Row, key: str, parse: Callable[[str], object], choices: str) -> object | None:
    raw = row.text(key)
    if not raw:
        return None
    try:
        return parse(raw)
    except (ValueError, KeyError):
        row.add(key, "bad_choice", choices=choices, value=raw[:40])
        return None


def _status(text: str) -> ContractStatus:
    for status in ContractStatus:
        if text.strip().lower() in (status.value, status.name.lower()) or text.strip() == status.zh:
            return status
    raise ValueError(text)


def _carry(text: str) -> CarryPolicy:
    key = text.strip()
    if key in _CARRY_NAMES:
        return _CARRY_NAMES[key]
    return CarryPolicy(key.lower())


def _contract(row: _Row) -> Contract:
    context = row.context
    contract_no = row.text("contract_no", required=True)
    enterprise = row.text("enterprise_uscc", required=True)
    household = row.text("household_id", required=True)
    form = _form(row, "crop", "form")
    season = row.integer("season")
    if season is not None and not 2000 <= season <= 2100:
        row.add("season", "season_range", value=season)
        season = None
    area = row.number("area_mu", positive=True, places=4)
    terms_values: dict[str, object] = {}
    if row.has("floors"):
        floors = parse_floors(row.text("floors", required=True)) if row.text("floors") else None
        if floors is None and row.text("floors"):
            row.add("floors", "bad_floors", value=row.text("floors")[:60])
        terms_values["floors"] = floors
    # A blank cell takes the crop form's default, as a column left out does (a template's
    # columns are all there, most of them left blank); 无 says the terms have no such rule.
    for key in ("moisture_standard", "moisture_max"):
        if _says_none(row, key):
            terms_values[key] = None
        elif row.text(key):
            terms_values[key] = row.number(key, minimum=ZERO, rate=True)
    if row.text("premium"):
        terms_values["premium"] = row.number("premium", minimum=ZERO, rate=True)
    for key in ("ceiling", "quota_kg"):
        if row.text(key) and not _says_none(row, key):
            terms_values[key] = row.number(key, positive=True)
    terms_values["market_linked"] = row.boolean("market_linked", True)
    if row.has("grades") and row.text("grades"):
        grades = tuple(g for g in _PAIR_SPLIT.split(row.text("grades")) if g.strip())
        terms_values["grades"] = tuple(g.strip() for g in grades)
    window = {
        key: None if _says_none(row, key) else row.date(key, required=False, not_future=False)
        for key in ("delivery_start", "delivery_end")
        if row.text(key)
    }
    signed_on = row.date("signed_on", required=False)
    status = _choice(row, "status", _status, "、".join(s.zh for s in ContractStatus))
    carry = _choice(row, "unrecovered", _carry, "结转、核销")
    inputs: tuple[InputSupply, ...] | None = None
    if row.has("inputs") and row.text("inputs"):
        inputs = parse_inputs(row.text("inputs"))
        if inputs is None:
            row.add("inputs", "bad_inputs", value=row.text("inputs")[:60])
    elif row.has("inputs"):
        inputs = ()
    if row.problems or form is None or season is None or area is None:
        row.done()
        raise RowInvalid(row.problems)  # pragma: no cover - done() raised
    # columns the file does not have take the crop form's defaults, as in a template
    if terms_values.get("floors") is None:
        terms_values["floors"] = dict(form.floors)
    terms_values.setdefault("grades", form.grades)
    for key in ("moisture_standard", "moisture_max"):
        terms_values.setdefault(key, getattr(form, key))
    try:
        terms = PriceTerms(**terms_values)  # type: ignore[arg-type]  # checked by the validators
    except ValidationError as exc:
        row.absorb(exc)
        row.done()
    default_start, default_end = form.delivery_window(season)
    start = window.get("delivery_start", default_start)
    end = window.get("delivery_end", default_end)
    if inputs is None:
        inputs = tuple(
            InputSupply(d.item, d.quantity_per_mu * area, d.unit, d.unit_cost, d.charge)
            for d in form.inputs
        )
    if status is None:
        status = ContractStatus.SIGNED if signed_on is not None else ContractStatus.DRAFT
    crop_code = context.catalog.crop(row.text("crop")).code
    try:
        contract = Contract(
            contract_no=contract_no,
            enterprise_uscc=enterprise,
            household_id=household,
            crop=crop_code,
            form=form.code,
            season=season,
            area_mu=area,
            terms=terms,
            inputs=inputs,
            delivery_start=start,
            delivery_end=end,
            unrecovered=carry if isinstance(carry, CarryPolicy) else CarryPolicy.CARRY,
            status=status,
            signed_on=signed_on,
            end_reason=row.text("end_reason"),
        )
        contract.check_against(context.catalog)
    except ValidationError as exc:
        row.absorb(exc, {"terms": "grades"})
        row.done()
    _check_parties(row, contract.enterprise_uscc, contract.household_id)
    row.done()
    return contract


def _says_none(row: _Row, key: str) -> bool:
    """Whether the cell says the terms have no such rule (``无``, ``不限``)."""
    return unicodedata.normalize("NFKC", row.text(key)).lower() in _NONE_WORDS


def _check_parties(row: _Row, enterprise: str | None, household: str | None) -> None:
    lookup = row.context.lookup
    if enterprise is not None and lookup.has_enterprise(enterprise) is False:
        row.add("enterprise_uscc", "unknown_enterprise", value=enterprise)
    if household is not None and lookup.has_household(household) is False:
        row.add("household_id", "unknown_household", value=household)


def _market_price(row: _Row) -> MarketPriceRecord:
    form = _form(row, "crop", "form")
    grade = row.text("grade", required=True)
    day = row.date("day")
    price = row.number("price", positive=True, places=6)
    if form is not None and grade and grade not in form.grades:
        crop = row.context.catalog.crop(row.text("crop"))
        row.add(
            "grade", "unknown_grade", grade=grade, crop=crop.name_zh, known="、".join(form.grades)
        )
    row.done()
    assert form is not None and day is not None and price is not None
    crop_code = row.context.catalog.crop(row.text("crop")).code
    return MarketPriceRecord(crop_code, form.code, grade, day, price)


def _places(row: _Row, key: str) -> int:
    """A weight's decimals: to the gram, or to half a gram when the file gives it in 斤
    (three decimals of 斤 are four of kg)."""
    return 4 if key in row.context.in_jin else 3


def _slip(row: _Row) -> SlipRecord:
    receipt_no = row.text("receipt_no", required=True)
    contract_no = row.text("contract_no", required=True)
    day = row.date("day")
    gross = row.number("gross_kg", minimum=ZERO, places=_places(row, "gross_kg"), maximum=_MAX_KG)
    tare = row.number("tare_kg", minimum=ZERO, places=_places(row, "tare_kg"), maximum=_MAX_KG)
    moisture = row.number("moisture", required=False, minimum=ZERO, rate=True)
    impurity = row.number("impurity", required=False, minimum=ZERO, rate=True)
    grade = row.text("grade", required=True)
    if len(receipt_no) > 40:
        row.add("receipt_no", "too_long", limit=40)
    contract = row.context.lookup.contract(contract_no) if contract_no else None
    if grade:
        if contract is not None:
            known = contract.priced_terms(row.context.catalog).grades
            if grade not in known:
                crop_name = row.context.catalog.crop(contract.crop).name_zh
                row.add(
                    "grade", "unknown_grade", grade=grade, crop=crop_name, known="、".join(known)
                )
        elif grade not in row.context.all_grades:
            row.add(
                "grade", "unknown_grade_any", grade=grade, known="、".join(row.context.all_grades)
            )
    if contract is None and contract_no and _lookup_active(row.context):
        row.add("contract_no", "unknown_contract", value=contract_no)
    if gross is not None and tare is not None and not row.problems:
        try:
            weighing = Weighing(
                gross_kg=gross,
                tare_kg=tare,
                grade=grade,
                moisture=moisture if moisture is not None else ZERO,
                impurity=impurity if impurity is not None else ZERO,
            )
        except ValidationError as exc:
            row.absorb(exc)
    row.done()
    assert day is not None
    return SlipRecord(receipt_no, contract_no, day, weighing, row.text("purchase_point"))


def _lookup_active(context: Context) -> bool:
    return not isinstance(context.lookup, NoLookup)


def _supply(row: _Row) -> SupplyRecord:
    supply_no = row.text("supply_no", required=True)
    contract_no = row.text("contract_no", required=True)
    day = row.date("day")
    quantity = row.number("quantity", positive=True)
    unit_cost = row.number("unit_cost", minimum=ZERO)
    charge = _choice(row, "charge", parse_charge, "免费、垫付、已付")
    if not row.text("charge"):
        row.add("charge", "required")
    item, unit = row.text("item", required=True), row.text("unit", required=True)
    if (
        contract_no
        and _lookup_active(row.context)
        and row.context.lookup.contract(contract_no) is None
    ):
        row.add("contract_no", "unknown_contract", value=contract_no)
    if not row.problems:
        assert quantity is not None and unit_cost is not None and isinstance(charge, ChargeMode)
        try:
            supply = InputSupply(item, quantity, unit, unit_cost, charge)
        except ValidationError as exc:
            row.absorb(exc)
    row.done()
    assert day is not None
    return SupplyRecord(supply_no, contract_no, day, supply)


def _payment(row: _Row) -> PaymentRecord:
    reference = row.text("reference", required=True)
    household = row.text("household_id", required=True)
    season = row.integer("season")
    if season is not None and not 2000 <= season <= 2100:
        row.add("season", "season_range", value=season)
    day = row.date("day")
    if season is not None and day is not None and day.year < season:  # as the store refuses it
        row.add("day", "paid_before_season", day=day.isoformat(), season=season)
    amount = row.number("amount", positive=True, places=2, money=True)
    if household:
        try:
            from orderfarm.ids import validate_resident_id

            household = validate_resident_id(household, "household_id")
        except ValidationError as exc:
            row.absorb(exc)
        else:
            _check_parties(row, None, household)
    row.done()
    assert season is not None and day is not None and amount is not None
    return PaymentRecord(reference, household, season, day, amount, row.text("note"))


_CONVERTERS: Final[dict[str, Callable[[_Row], Record]]] = {
    HOUSEHOLDS.name: _household,
    ENTERPRISES.name: _enterprise,
    CONTRACTS.name: _contract,
    MARKET_PRICES.name: _market_price,
    SLIPS.name: _slip,
    SUPPLIES.name: _supply,
    PAYMENTS.name: _payment,
}


#: what a masked cell of each kind of personal number is told (an export without ``full``)
_MASKED: Final = {"id": "id_masked", "account": "account_masked", "phone": "phone_masked"}


def convert(rt: RecordType, cells: Mapping[str, str], context: Context) -> Record:
    """The record of one row, or ``RowInvalid`` with every problem of the row."""
    masked = [c for c in rt.columns if c.personal and "*" in cells.get(c.key, "")]
    if not masked:
        return _CONVERTERS[rt.name](_Row(cells, context))
    # a file exported masked: say so, not that the ID "has invalid characters"
    keys = {c.key for c in masked}
    try:
        _CONVERTERS[rt.name](_Row(cells, context))
        others: list[Problem] = []
    except RowInvalid as exc:
        others = [p for p in exc.problems if p.field not in keys]
    raise RowInvalid([Problem(c.key, _MASKED[c.personal]) for c in masked] + others)
