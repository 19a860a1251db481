"""Hypothesis strategies built from the domain: amounts, IDs, parties, terms, slips, contracts.

Every strategy yields values the library accepts (valid IDs carry their check character,
floors are ordered by grade, tare is below gross), so a property fails only on a broken rule.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from hypothesis import strategies as st

from orderfarm import (
    CarryPolicy,
    Catalog,
    ChargeMode,
    Contract,
    ContractStatus,
    Crop,
    Enterprise,
    Household,
    InputDefault,
    InputSupply,
    MonthDay,
    PovertyStatus,
    PriceTerms,
    ProductForm,
    Quote,
    Weighing,
    default_catalog,
    price_delivery,
)
from orderfarm.ids import PROVINCES, resident_id_check_character, uscc_check_character

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LOWER = "abcdefghijklmnopqrstuvwxyz"
HANZI = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤明华建国军平秀英兰芳"


@functools.cache  # strategies are drawn inside composites; build (and validate) each once
def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    """Finite Decimals from ``low`` to ``high`` written with exactly ``places`` places."""
    return st.decimals(
        min_value=Decimal(low),
        max_value=Decimal(high),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


def optional(strategy: st.SearchStrategy[Decimal]) -> st.SearchStrategy[Decimal | None]:
    """``None`` or a value of ``strategy``."""
    return st.none() | strategy


#: Amounts in yuan, fen exact, from zero to a large county total.
amounts = decimals("-1000000", "1000000", 2)
#: A day's market price (yuan/kg), above 0 as the store takes it; unit prices are not
#: rounded, so up to 4 places.
market_prices = decimals("0.0001", "60", 4)
#: Moisture and impurity fractions with three places (18.5% → 0.185).
fractions = decimals("0", "0.5", 3)
impurities = decimals("0", "0.2", 3)

names = st.text(HANZI, min_size=1, max_size=4)
places_zh = st.builds(lambda a, b: a + b, st.text(HANZI, min_size=1, max_size=3), st.just("村"))
plain_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x9FFF, exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() != "")


@st.composite
def resident_ids(draw: st.DrawFn, born: dt.date | None = None) -> str:
    """A valid 18-character resident ID: province region, real birth date, its check character."""
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.integers(0, 9999))
    birth = born or draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)))
    sequence = draw(st.integers(0, 999))
    body = f"{province:02d}{county:04d}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_character(body)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    """A valid unified social credit code: 8 digits, 9 code characters, the check character."""
    head = draw(st.text("0123456789", min_size=8, max_size=8))
    tail = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    body = head + tail
    return body + uscc_check_character(body)


phones = st.just("") | st.integers(13_000_000_000, 19_999_999_999).map(str)
accounts = st.just("") | st.integers(10**15, 10**19 - 1).map(str)

enterprises = st.builds(
    Enterprise,
    name=st.builds(lambda n: n + "农业科技有限公司", names),
    uscc=usccs(),
)

households = st.builds(
    Household,
    head_name=names,
    resident_id=resident_ids(),
    township=st.builds(lambda n: n + "镇", names),
    village=places_zh,
    group=st.sampled_from(["", "一组", "二组", "3组"]),
    phone=phones,
    members=st.integers(1, 30),
    poverty_status=st.sampled_from(PovertyStatus),
    account=accounts,
)

input_supplies = st.builds(
    InputSupply,
    item=st.sampled_from(["种薯", "辣椒苗", "菊苗", "地膜", "复合肥"]),
    quantity=decimals("0.01", "50000", 2),
    unit=st.sampled_from(["kg", "株", "卷", "袋"]),
    unit_cost=decimals("0", "200", 3),
    charge=st.sampled_from(ChargeMode),
)

GRADE_SETS: tuple[tuple[str, ...], ...] = tuple(
    form.grades for crop in default_catalog().crops for form in crop.forms
)


@st.composite
def ordered_floors(
    draw: st.DrawFn, grades: tuple[str, ...], *, all_graded: bool = False
) -> dict[str, Decimal]:
    """Floors for the best ``k`` grades, never higher for a worse grade (all grades if asked)."""
    count = len(grades) if all_graded else draw(st.integers(1, len(grades)))
    top = draw(decimals("0.50", "40", 2))
    floors: dict[str, Decimal] = {}
    price = top
    for grade in grades[:count]:
        floors[grade] = price
        price = max(Decimal("0.01"), price - draw(decimals("0", "3", 2)))
    return floors


@st.composite
def price_terms(
    draw: st.DrawFn,
    grades: tuple[str, ...] | None = None,
    *,
    all_graded: bool = False,
    market_linked: bool | None = None,
    ceiling: bool | None = None,
    quota: bool | None = None,
) -> PriceTerms:
    """Valid terms; ``ceiling``/``quota``/``market_linked`` force a feature on or off."""
    grades = grades or draw(st.sampled_from(GRADE_SETS))
    floors = draw(ordered_floors(grades, all_graded=all_graded))
    linked = draw(st.booleans()) if market_linked is None else market_linked
    has_ceiling = draw(st.booleans()) if ceiling is None else ceiling
    has_quota = draw(st.booleans()) if quota is None else quota
    standard = draw(optional(decimals("0.05", "0.20", 3)))
    maximum = draw(optional(decimals(str(standard or 0), "0.40", 3)))
    return PriceTerms(
        floors=floors,
        market_linked=linked,
        premium=draw(decimals("0", "0.30", 3)),
        ceiling=(max(floors.values()) + draw(decimals("0", "20", 2)) if has_ceiling else None),
        moisture_standard=standard,
        moisture_max=maximum,
        quota_kg=draw(decimals("0.01", "5000", 2)) if has_quota else None,
        grades=grades,
    )


@st.composite
def weighings(
    draw: st.DrawFn,
    grades: tuple[str, ...],
    *,
    moisture: st.SearchStrategy[Decimal] = fractions,
    impurity: st.SearchStrategy[Decimal] = impurities,
) -> Weighing:
    """A slip for one of ``grades``: gross up to 5 t, tare below gross, 2-decimal weights."""
    gross = draw(decimals("0.01", "5000", 2))
    tare = draw(decimals("0", str(gross - Decimal("0.01")), 2))
    return Weighing(
        gross_kg=gross,
        tare_kg=tare,
        grade=draw(st.sampled_from(grades)),
        moisture=draw(moisture),
        impurity=draw(impurity),
    )


delivered_before = st.just(Decimal(0)) | decimals("0", "6000", 2)


@st.composite
def deliveries(
    draw: st.DrawFn, terms: st.SearchStrategy[PriceTerms] | None = None
) -> tuple[PriceTerms, Weighing, Decimal, Decimal]:
    """``(terms, slip, market_price, delivered_before_kg)``: always priceable (market known)."""
    chosen = draw(terms if terms is not None else price_terms())
    slip = draw(weighings(chosen.grades))
    return chosen, slip, draw(market_prices), draw(delivered_before)


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    """A quote produced by ``price_delivery`` (accepted or rejected)."""
    terms, slip, market, before = draw(deliveries())
    return price_delivery(terms, slip, market_price=market, delivered_before_kg=before)


@st.composite
def windows(draw: st.DrawFn, season: int) -> tuple[dt.date | None, dt.date | None]:
    """A delivery window in or after ``season``, start not after end; either end may be open."""
    start = draw(st.dates(dt.date(season, 1, 1), dt.date(season, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(0, 200)))
    return draw(st.sampled_from([(start, end), (start, None), (None, end), (None, None)]))


@st.composite
def contracts(draw: st.DrawFn, catalog: Catalog | None = None) -> Contract:
    """A contract for a crop form of ``catalog`` in any status, terms on the form's grades."""
    catalog = catalog or default_catalog()
    crop = draw(st.sampled_from(catalog.crops))
    form = draw(st.sampled_from(crop.forms))
    season = draw(st.integers(2000, 2100))
    start, end = draw(windows(season))
    status = draw(st.sampled_from(ContractStatus))
    needs_reason = status is ContractStatus.TERMINATED
    return Contract(
        contract_no=f"SZ-{season}-{draw(st.sampled_from(['LJ', 'HJ', 'JY']))}-{draw(st.integers(1, 9999)):04d}",
        enterprise_uscc=draw(usccs()),
        household_id=draw(resident_ids()),
        crop=crop.code,
        form=form.code,
        season=season,
        area_mu=draw(decimals("0.0001", "200", 4).filter(lambda a: a > 0)),
        terms=draw(price_terms(form.grades)),
        inputs=tuple(draw(st.lists(input_supplies, max_size=3))),
        delivery_start=start,
        delivery_end=end,
        unrecovered=draw(st.sampled_from(CarryPolicy)),
        status=status,
        signed_on=draw(st.none() | st.dates(dt.date(season - 1, 1, 1), dt.date(season, 12, 31))),
        end_reason=draw(plain_text if needs_reason else st.just("") | plain_text),
    )


month_days = st.builds(MonthDay, month=st.integers(1, 12), day=st.integers(1, 28))

input_defaults = st.builds(
    InputDefault,
    item=st.sampled_from(["种苗", "地膜", "有机肥"]),
    unit=st.sampled_from(["kg", "株"]),
    quantity_per_mu=decimals("0.1", "20000", 1),
    unit_cost=decimals("0", "50", 2),
    charge=st.sampled_from(ChargeMode),
)


@st.composite
def product_forms(draw: st.DrawFn) -> ProductForm:
    """A product form a user might add: distinct grades, ordered floors, a calendar."""
    grades = tuple(draw(st.lists(names, min_size=1, max_size=4, unique=True)))
    low = draw(decimals("1", "1000", 0))
    standard = draw(optional(decimals("0.05", "0.20", 2)))
    return ProductForm(
        code=draw(st.text(LOWER, min_size=3, max_size=10)),
        name_zh=draw(names),
        name_en=draw(plain_text),
        grades=grades,
        grades_en=tuple(f"grade {i + 1}" for i in range(len(grades))),
        floors=draw(ordered_floors(grades)),
        market_price=draw(decimals("0.01", "60", 2)),
        yield_kg_per_mu=low + draw(decimals("0", "500", 0)),
        yield_low_kg_per_mu=low,
        yield_high_kg_per_mu=low + draw(decimals("500", "1000", 0)),
        cost_per_mu=draw(decimals("0", "2000", 2)),
        moisture_standard=standard,
        moisture_max=draw(optional(decimals(str(standard or 0), "0.40", 2))),
        inputs=tuple(draw(st.lists(input_defaults, max_size=2))),
        delivery_start=draw(month_days),
        delivery_end=draw(month_days),
        source=draw(st.just("") | plain_text),
    )


@st.composite
def crops(draw: st.DrawFn) -> Crop:
    """A new crop with one or two forms of distinct codes."""
    forms = draw(st.lists(product_forms(), min_size=1, max_size=2, unique_by=lambda f: f.code))
    return Crop(
        code=draw(st.text(LOWER + "_", min_size=4, max_size=16)),
        name_zh=draw(names),
        name_en=draw(plain_text),
        forms=tuple(forms),
        calendar=draw(st.just("") | plain_text),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """The default catalog with zero to two crops added by a user."""
    catalog = default_catalog()
    for crop in draw(st.lists(crops(), max_size=2)):
        catalog = catalog.with_crop(crop)
    return catalog
