"""Plain functions behind the page: search, parsing form text, formatting, page lists, tables.

Nothing here touches Streamlit, so a script (and a test) gets the same answer as the page.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

import attrs

from orderfarm.auth import Permission, Role
from orderfarm.contracts import Contract, PriceTerms
from orderfarm.crops import Catalog
from orderfarm.errors import Problem, ValidationError
from orderfarm.estimate import Assumptions, Estimate, estimate
from orderfarm.io.records import MarketPriceRecord
from orderfarm.messages import Lang
from orderfarm.money import D, format_price, format_yuan
from orderfarm.store import ReportRow
from orderfarm.store.store import initials_match, place_match
from orderfarm.store.store import pinyin_initials as pinyin_initials

if TYPE_CHECKING:
    from orderfarm.risk import IncomeRisk

P = Permission


@attrs.frozen
class PageSpec:
    """One page of the navigation: file name (``pages/<name>.py``), the catalogue key of its
    title, and the permission a role needs to see it."""

    name: str
    title_key: str
    needs: Permission
    #: whether the page has something to show on a store that cannot be written (its forms
    #: hidden); a page that is one form (weighing, inputs, payments, users) is left out
    reads: bool = True


#: Every page, in navigation order.
PAGES: Final = (
    PageSpec("dashboard", "nav_dashboard", P.VIEW_REPORTS),
    PageSpec("households", "nav_households", P.VIEW_REPORTS),
    PageSpec("contracts", "nav_contracts", P.WRITE_CONTRACTS),
    PageSpec("weighing", "nav_weighing", P.RECORD_DELIVERY, reads=False),
    PageSpec("inputs", "nav_inputs", P.RECORD_INPUT, reads=False),
    PageSpec("payments", "nav_payments", P.RECORD_PAYMENT, reads=False),
    PageSpec("settlement", "nav_settlement", P.VIEW_REPORTS),
    PageSpec("estimate", "nav_estimate", P.VIEW_REPORTS),
    PageSpec("market", "nav_market", P.VIEW_REPORTS),
    PageSpec("files", "nav_files", P.IMPORT),
    PageSpec("inspection", "nav_inspection", P.INSPECT),
    PageSpec("audit", "nav_audit", P.VIEW_AUDIT),
    PageSpec("users", "nav_users", P.MANAGE_USERS, reads=False),
)


def pages_for(role: Role, *, read_only: bool = False) -> list[PageSpec]:
    """The pages a role may use, in navigation order; on a store opened ``read_only``, those
    with something to read."""
    return [page for page in PAGES if role.may(page.needs) and (page.reads or not read_only)]


# -- search ------------------------------------------------------------------------------------


class Searchable(Protocol):
    """Anything with a head's name, an ID (maybe masked), a township and a village."""

    @property
    def head_name(self) -> str: ...
    @property
    def resident_id(self) -> str: ...
    @property
    def township(self) -> str: ...
    @property
    def village(self) -> str: ...


S = TypeVar("S", bound=Searchable)


def matches(query: str, head_name: str, resident_id: str, township: str, village: str) -> bool:
    """Whether a household matches a search: part of the name, its pinyin initials (``zs`` for
    张三), the tail of the resident ID (``002X``), or part of the township or village, or of
    both as printed (``三岔河镇 东沟村``, ``store.place_match``). Full-width
    letters and digits (``２７１１``) are read as the ordinary ones."""
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return True
    if q in head_name or place_match(q, township, village):
        return True
    if q.isascii() and q.isalnum() and resident_id.upper().endswith(q.upper()):
        return True
    return initials_match(q, head_name)


def search(items: Iterable[S], query: str) -> list[S]:
    """The items matching ``query`` (see ``matches``), in their order. (A store's households
    are searched in SQL by ``Session.search_households``, with the same result.)"""
    if not query.strip():
        return list(items)
    return [
        item
        for item in items
        if matches(query, item.head_name, item.resident_id, item.township, item.village)
    ]


# -- form text ---------------------------------------------------------------------------------


def parse_decimal(text: str, field: str, *, required: bool = True) -> Decimal | None:
    """A number typed in a form (full-width digits and thousands separators allowed), or a
    ``ValidationError`` naming ``field``; blank gives ``None`` unless ``required``."""
    if not text.strip():
        if required:
            raise ValidationError.one(field, "required")
        return None
    return D(text, field)


def parse_percent(text: str, field: str) -> Decimal:
    """A percentage typed as ``15`` or ``15%`` → the fraction ``0.15``; blank is 0."""
    cleaned = text.strip().rstrip("%％").strip()
    if not cleaned:
        return Decimal(0)
    percent = D(cleaned, field)
    if not 0 <= percent < 100:  # said as typed, in percent, not as the fraction it becomes
        raise ValidationError.one(field, "percent_range", value=cleaned)
    return percent / 100


def collect(*steps: tuple[str, str, bool]) -> tuple[dict[str, Decimal | None], list[Problem]]:
    """Parse several ``(field, text, required)`` numbers at once: values and every problem."""
    values: dict[str, Decimal | None] = {}
    problems: list[Problem] = []
    for field, text, required in steps:
        try:
            values[field] = parse_decimal(text, field, required=required)
        except ValidationError as exc:
            problems.extend(exc.problems)
            values[field] = None
    return values, problems


def required(values: Mapping[str, Decimal | None], field: str) -> Decimal:
    """A number ``collect`` parsed as required (``ValidationError`` if it is missing)."""
    value = values.get(field)
    if value is None:
        raise ValidationError.one(field, "required")
    return value


def problems_by_field(
    problems: Iterable[Problem], fields: Iterable[str]
) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Problems grouped under the form's fields (matching the last part of a dotted field
    path), and those that belong to no field of the form."""
    known = list(fields)
    placed: dict[str, list[Problem]] = {}
    other: list[Problem] = []
    for problem in problems:
        last = problem.field.rpartition(".")[2]
        target = problem.field if problem.field in known else last if last in known else None
        if target is None:
            other.append(problem)
        else:
            placed.setdefault(target, []).append(problem)
    return placed, other


def receipt_stem(day: dt.date, point: str = "") -> str:
    """What a receipt number for a slip of ``day`` at ``point`` starts with: ``W20181030-``
    (the sequence after it: ``Session.next_receipt_no``)."""
    prefix = "".join(c for c in point if c.isascii() and c.isalnum())[:6].upper()
    return f"{prefix or 'W'}{day:%Y%m%d}-"


def default_slip_day(contract: Contract, price_days: Iterable[dt.date], today: dt.date) -> dt.date:
    """The day a new slip defaults to: today when it lies in the contract's delivery window,
    else the latest day with a market price in the window (a season being entered late),
    else the window's last day before today."""
    if contract.in_window(today):
        return today
    inside = sorted(d for d in price_days if contract.in_window(d) and d <= today)
    if inside:
        return inside[-1]
    if contract.delivery_end is not None and contract.delivery_end < today:
        return contract.delivery_end
    return today


def default_supply_day(contract: Contract, today: dt.date) -> dt.date:
    """The day a new input defaults to: today while the contract's deliveries have not ended,
    else the day it was signed (a season entered late: its seed and seedlings came at
    planting, not on the day they are typed), else its window's first day."""
    if contract.delivery_end is None or today <= contract.delivery_end:
        return today
    return contract.signed_on or contract.delivery_start or contract.delivery_end


# -- formatting --------------------------------------------------------------------------------


def yuan(amount: Decimal | None) -> str:
    """``¥1,234.56`` (``—`` for none)."""
    return "—" if amount is None else format_yuan(amount)


def price(value: Decimal | None, places: int | None = None) -> str:
    """``¥14.9415``: a unit price as it is, not rounded (``money.format_price``; ``—`` for
    none)."""
    return "—" if value is None else format_price(value, places, currency="¥")


def mu(value: Decimal) -> str:
    """``1,234.5``: an area in mu as it is (to 0.0001 mu), grouped by thousands."""
    return format(value.normalize(), ",f")


def kg(value: Decimal | None) -> str:
    """``1,234.50 kg``."""
    return "—" if value is None else f"{value:,.2f} kg"


def day(value: dt.date | None) -> str:
    """``2018-11-05``."""
    return "—" if value is None else value.isoformat()


_TENTH: Final = Decimal("0.1")


def percent(rate: Decimal | None) -> str:
    """``15.0%`` (to 0.1%, half-up)."""
    return "—" if rate is None else f"{(rate * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)}%"


def crop_label(catalog: Catalog, crop: str, form: str, lang: Lang) -> str:
    """``朝天椒 干椒`` / ``chilli (facing-heaven pepper), dried pods``."""
    try:
        entry = catalog.crop(crop)
        product = entry.form(form)
    except ValidationError:
        return f"{crop} {form}"
    if lang == "zh":
        return f"{entry.name_zh} {product.name_zh}"
    return f"{entry.name_en}, {product.name_en}"


def crop_name(catalog: Catalog, crop: str | None, lang: Lang) -> str:
    """A crop's name in ``lang`` (its code when unknown)."""
    if crop is None:
        return ""
    try:
        entry = catalog.crop(crop)
    except ValidationError:
        return crop
    return entry.name_zh if lang == "zh" else entry.name_en


def crop_forms(catalog: Catalog) -> list[tuple[str, str]]:
    """Every (crop code, form code) of the catalog."""
    return [(crop.code, form.code) for crop in catalog.crops for form in crop.forms]


# -- dashboard ---------------------------------------------------------------------------------


@attrs.frozen
class Kpis:
    """The season at a glance."""

    households: int
    poor_households: int
    area_mu: Decimal
    delivered_kg: Decimal
    proceeds: Decimal
    recovered: Decimal
    paid: Decimal
    balance: Decimal


def kpis(rows: Sequence[ReportRow]) -> Kpis:
    """The KPIs of a season report that counts each household once: ungrouped
    (``report(season)``), or grouped by township or by village, where each household lives."""
    zero = Decimal(0)
    return Kpis(
        sum(r.households for r in rows),
        sum(r.poor_households for r in rows),
        sum((r.area_mu for r in rows), zero),
        sum((r.delivered_kg for r in rows), zero),
        sum((r.proceeds for r in rows), zero),
        sum((r.recovered for r in rows), zero),
        sum((r.paid for r in rows), zero),
        sum((r.balance for r in rows), zero),
    )


def price_series(
    prices: Iterable[MarketPriceRecord], crop: str, form: str
) -> dict[str, dict[dt.date, Decimal]]:
    """The market prices of one crop form: grade → day → yuan/kg, days in order."""
    series: dict[str, dict[dt.date, Decimal]] = {}
    for p in sorted(prices, key=lambda p: (p.grade, p.day)):
        if (p.crop, p.form) == (crop, form):
            series.setdefault(p.grade, {})[p.day] = p.price
    return series


def price_days(
    prices: Iterable[MarketPriceRecord], crop: str, form: str, grade: str
) -> list[dt.date]:
    """The days with a market price for a crop, form and grade."""
    return sorted(p.day for p in prices if (p.crop, p.form, p.grade) == (crop, form, grade))


def group_label(key: str) -> str:
    """An aggregate's key for display: ``大荆镇/东沟村`` → ``大荆镇 东沟村``."""
    return key.replace("/", " ")


def table_rows(records: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """Rows for ``st.dataframe`` with ``Decimal`` shown as text (exact, not float)."""
    out = []
    for record in records:
        out.append({k: (str(v) if isinstance(v, Decimal) else v) for k, v in record.items()})
    return out


# -- income estimate ---------------------------------------------------------------------------


@attrs.frozen
class WhatIf:
    """One household's what-if: the estimate with the floor and without it (all at the market
    price), and their simulated seasons (net income P10 / P50 / P90 and mean)."""

    protected: Estimate
    unprotected: Estimate
    risk_protected: IncomeRisk
    risk_unprotected: IncomeRisk

    @property
    def floor_secures(self) -> Decimal:
        """How much more a bad year (P10) leaves the household thanks to the floor."""
        return self.risk_protected.p10_net - self.risk_unprotected.p10_net

    def chart_rows(self, labels: Mapping[str, str]) -> list[dict[str, object]]:
        """Long-form rows for a grouped bar chart: statistic × with/without the floor (floats
        for drawing only; the tables show the exact amounts)."""
        rows: list[dict[str, object]] = []
        for scenario, risk in (
            (labels["with_floor"], self.risk_protected),
            (labels["without_floor"], self.risk_unprotected),
        ):
            for stat, value in (
                ("P10", risk.p10_net),
                ("P50", risk.p50_net),
                (labels["mean"], risk.mean_net),
                ("P90", risk.p90_net),
            ):
                rows.append({"stat": stat, "scenario": scenario, "net": float(value)})
        return rows


def yield_bounds(expected: Decimal, low: Decimal, high: Decimal) -> tuple[Decimal, Decimal]:
    """The catalog's yield range widened to hold a yield the user typed (a variable yield needs
    low < expected < high): at least 30% either side of it."""
    if low < expected < high:
        return low, high
    return min(low, expected * Decimal("0.7")), max(high, expected * Decimal("1.3"))


def what_if(
    catalog: Catalog,
    crop: str,
    form: str,
    area_mu: Decimal,
    *,
    grade: str,
    yield_kg_per_mu: Decimal,
    market_price: Decimal,
    floor: Decimal | None,
    baseline_net_per_mu: Decimal,
    draws: int = 4000,
    seed: int = 2018,
) -> WhatIf:
    """The estimate of ``area_mu`` of a crop form with ``floor`` for ``grade`` (``None``: no
    floor), against the same without any floor, each simulated with the same seed."""
    from orderfarm.risk import simulate_income

    product = catalog.form(crop, form)
    low, high = yield_bounds(
        yield_kg_per_mu, product.yield_low_kg_per_mu, product.yield_high_kg_per_mu
    )
    assumptions = Assumptions.defaults(
        crop,
        form,
        catalog,
        grade=grade,
        yield_kg_per_mu=yield_kg_per_mu,
        market_price=market_price,
        baseline_net_per_mu=baseline_net_per_mu,
        yield_low_kg_per_mu=low,
        yield_high_kg_per_mu=high,
    )
    terms = PriceTerms.from_form(product, floors={grade: floor}) if floor is not None else None
    protected = estimate(crop, form, area_mu, terms=terms, assumptions=assumptions, catalog=catalog)
    unprotected = estimate(
        crop, form, area_mu, terms=None, assumptions=assumptions, catalog=catalog
    )
    return WhatIf(
        protected,
        unprotected,
        simulate_income(protected, draws=draws, seed=seed),
        simulate_income(unprotected, draws=draws, seed=seed),
    )
