"""A demo season: Shangzhou 2018, generated deterministically from a seed.

Three enterprises (陕西森弗天然制品有限公司 buys Jerusalem artichoke, 洛南辣上天有限公司 chilli,
and a chrysanthemum buyer), households across real Shangzhou townships, signed contracts with
the crops' default terms, daily market prices, weighing slips, inputs on advance and payments.
Names, villages, IDs and accounts are invented; IDs carry valid check characters.

``generate(seed, households)`` is pure and returns the records; ``build_demo(store, …)`` writes
them. The same seed gives the same season, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal
from typing import Final

import attrs

from orderfarm.contracts import Contract
from orderfarm.crops import Catalog, default_catalog
from orderfarm.ids import resident_id_check_character, uscc_check_character
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.money import ZERO, D, round_kg
from orderfarm.parties import Enterprise, Household, PovertyStatus
from orderfarm.pricing import Weighing, price_delivery
from orderfarm.store import Slip, Store
from orderfarm.supplies import ChargeMode

SEASON: Final = 2018
DEFAULT_SEED: Final = 2018
DEFAULT_HOUSEHOLDS: Final = 200

#: Townships (镇) and sub-districts (街道) of Shangzhou district.
TOWNSHIPS: Final = (
    "大荆镇",
    "沙河子镇",
    "杨峪河镇",
    "金陵寺镇",
    "黑山镇",
    "杨斜镇",
    "麻街镇",
    "牧护关镇",
    "北宽坪镇",
    "板桥镇",
    "腰市镇",
    "夜村镇",
    "三岔河镇",
    "大赵峪街道",
    "陈塬街道",
    "刘湾街道",
)
_VILLAGE_STEMS: Final = (
    "东沟",
    "西岔",
    "河口",
    "王庄",
    "李塬",
    "张湾",
    "青山",
    "松树",
    "红岩",
    "槐树",
    "柳林",
    "龙潭",
    "石门",
    "黄土梁",
    "杏坪",
    "核桃坪",
    "桃园",
    "白杨",
    "前进",
    "新庄",
)
_GROUPS: Final = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
_SURNAMES: Final = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈曾彭吕"
_GIVEN: Final = "建国明华军平刚强文秀英兰芳海林生春福德安成峰勇霞玲宝山永忠荣喜云红娟玉凤金"
_REGIONS: Final = ("611002", "612501", "612521")

#: (name, county code for the credit code, crop, forms with their share of contracts)
ENTERPRISES: Final = (
    ("陕西森弗天然制品有限公司", "菊芋", (("fresh", 1),), "SF"),
    ("洛南辣上天有限公司", "朝天椒", (("fresh", 3), ("dried", 1)), "LST"),
    ("商洛市商州区秦岭菊业有限公司（演示）", "杭白菊", (("dried", 1),), "QJ"),
)
_CROP_SHARE: Final = (("菊芋", 5), ("朝天椒", 4), ("杭白菊", 2))


@attrs.frozen
class DemoSeason:
    """Everything a demo season holds, in the order to record it."""

    enterprises: tuple[Enterprise, ...]
    households: tuple[Household, ...]
    contracts: tuple[Contract, ...]
    prices: tuple[MarketPriceRecord, ...]
    supplies: tuple[SupplyRecord, ...]
    slips: tuple[SlipRecord, ...]
    payments: tuple[PaymentRecord, ...]
    today: dt.date


def _uscc(rng: random.Random, index: int) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91611002MA" + "".join(rng.choice(alphabet) for _ in range(6)) + str(index % 10)
    return body + uscc_check_character(body)


def _resident_id(rng: random.Random, used: set[str]) -> str:
    while True:
        region = rng.choice(_REGIONS)
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(36 * 365))
        body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + resident_id_check_character(body)
        if number not in used:
            used.add(number)
            return number


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _money_step(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places))


def _price_series(
    rng: random.Random, start: dt.date, end: dt.date, centre: Decimal, spread: Decimal
) -> dict[dt.date, Decimal]:
    """A bounded random walk of daily market prices around ``centre``."""
    series: dict[dt.date, Decimal] = {}
    level = Decimal(0)
    day = start
    while day <= end:
        level += Decimal(rng.randint(-3, 3)) / 10
        level = max(Decimal(-1), min(Decimal(1), level))
        series[day] = _money_step(centre + spread * level, "0.01")
        day += dt.timedelta(days=1)
    return series


def generate(
    seed: int = DEFAULT_SEED,
    households: int = DEFAULT_HOUSEHOLDS,
    *,
    catalog: Catalog | None = None,
) -> DemoSeason:
    """The demo season for ``seed`` with ``households`` households (pure, deterministic)."""
    if households < 1:
        raise ValueError("a demo needs at least one household")
    catalog = catalog or default_catalog()
    rng = random.Random(seed)
    enterprises = tuple(
        Enterprise(name=name, uscc=_uscc(rng, i)) for i, (name, *_rest) in enumerate(ENTERPRISES)
    )
    by_crop = {
        catalog.crop(crop).code: (enterprise, forms, short)
        for enterprise, (_, crop, forms, short) in zip(enterprises, ENTERPRISES, strict=True)
    }
    villages = {town: rng.sample(_VILLAGE_STEMS, 3) for town in TOWNSHIPS}
    used_ids: set[str] = set()
    homes: list[Household] = []
    for _ in range(households):
        town = rng.choice(TOWNSHIPS)
        status = rng.choices(list(PovertyStatus), weights=[70, 15, 5, 10])[0]
        account = "" if rng.random() < 0.05 else "6230" + f"{rng.randrange(10**15):015d}"
        homes.append(
            Household(
                head_name=_name(rng),
                resident_id=_resident_id(rng, used_ids),
                township=town,
                village=rng.choice(villages[town]) + "村",
                group=rng.choice(_GROUPS),
                phone="1" + rng.choice("3589") + f"{rng.randrange(10**9):09d}",
                members=rng.randint(1, 7),
                poverty_status=status,
                account=account,
            )
        )

    # market prices: one series per crop form and grade over its delivery window
    price_of: dict[tuple[str, str, str, dt.date], Decimal] = {}
    market_days: dict[tuple[str, str], list[dt.date]] = {}
    prices: list[MarketPriceRecord] = []
    for crop_code, (_, forms, _short) in by_crop.items():
        crop = catalog.crop(crop_code)
        for form_code, _weight in forms:
            form = crop.form(form_code)
            start, end = form.delivery_window(SEASON)
            series = _price_series(rng, start, end, form.market_price, form.market_price / 5)
            # purchase points buy on market days (every fifth day), when the price is posted
            base = {day: p for day, p in series.items() if (day - start).days % 5 == 0}
            market_days[(crop_code, form_code)] = sorted(base)
            for rank, grade in enumerate(form.grades):
                factor = Decimal(1) - Decimal(rank) * Decimal("0.12")
                for day, price in base.items():
                    value = _money_step(price * factor, "0.01")
                    price_of[(crop_code, form_code, grade, day)] = value
                    prices.append(MarketPriceRecord(crop_code, form_code, grade, day, value))

    contracts: list[Contract] = []
    supplies: list[SupplyRecord] = []
    slips: list[SlipRecord] = []
    counters: dict[str, int] = defaultdict(int)
    supply_no = 0
    for index, home in enumerate(homes):
        crops = [_weighted(rng, _CROP_SHARE)]
        if rng.random() < 0.15:
            other = _weighted(rng, _CROP_SHARE)
            if other not in crops:
                crops.append(other)
        for crop_name in crops:
            crop = catalog.crop(crop_name)
            enterprise, forms, short = by_crop[crop.code]
            form_code = _weighted(rng, forms)
            form = crop.form(form_code)
            area = D(rng.choice(("0.5", "1", "1.5", "2", "2.5", "3", "4", "5")))
            overrides: dict[str, object] = {}
            if crop.code == "chilli" and rng.random() < 0.3:
                overrides["quota_kg"] = round_kg(area * form.yield_kg_per_mu * D("0.8"))
            if rng.random() < 0.2:
                overrides["premium"] = D("0.05")
            counters[short] += 1
            contract = Contract.from_template(
                crop.code,
                form.code,
                contract_no=f"SZ{SEASON}-{short}-{counters[short]:05d}",
                enterprise=enterprise,
                household=home,
                season=SEASON,
                area_mu=area,
                catalog=catalog,
                terms_overrides=overrides,
                unrecovered="waive" if rng.random() < 0.3 else "carry",
            ).sign(dt.date(SEASON, rng.randint(3, 4), rng.randint(1, 28)))
            contracts.append(contract)
            for supply in contract.inputs:
                supply_no += 1
                supplies.append(
                    SupplyRecord(
                        f"PF{SEASON}-{supply_no:06d}",
                        contract.contract_no,
                        dt.date(SEASON, rng.randint(4, 5), rng.randint(1, 28)),
                        supply,
                    )
                )
            harvest = area * form.yield_kg_per_mu * D(rng.randint(60, 120)) / 100
            lots = rng.randint(2, 4)
            days = sorted(rng.sample(market_days[(crop.code, form.code)], lots))
            for day in days:
                counters[f"{short}-slip"] += 1
                tare = D(rng.randint(20, 80)) / 10
                net = round_kg(harvest / lots)
                grade = rng.choices(form.grades, weights=[60, 30, 10, 5][: len(form.grades)])[0]
                moisture = ZERO
                if form.moisture_standard is not None:
                    moisture = D(rng.randint(10, 20)) / 100
                    if rng.random() < 0.03:
                        moisture = (form.moisture_max or D("0.2")) + D("0.02")
                impurity = D(rng.randint(0, 3)) / 100
                slips.append(
                    SlipRecord(
                        receipt_no=f"{short}{SEASON}-{counters[f'{short}-slip']:06d}",
                        contract_no=contract.contract_no,
                        day=day,
                        weighing=Weighing(
                            gross_kg=net + tare,
                            tare_kg=tare,
                            grade=grade,
                            moisture=moisture,
                            impurity=impurity,
                        ),
                        purchase_point=f"{home.township}收购点",
                    )
                )
        del index
    slips.sort(key=lambda s: (s.day, s.receipt_no))

    # price the slips as the store will (same order), to pay no more than each balance
    by_no = {c.contract_no: c for c in contracts}
    delivered: dict[str, Decimal] = defaultdict(Decimal)
    proceeds: dict[str, Decimal] = defaultdict(Decimal)
    for slip in slips:
        contract = by_no[slip.contract_no]
        market = price_of.get((contract.crop, contract.form, slip.weighing.grade, slip.day))
        quote = price_delivery(
            contract.terms,
            slip.weighing,
            market_price=market,
            delivered_before_kg=delivered[contract.contract_no],
        )
        if quote.accepted:
            delivered[contract.contract_no] += quote.net_kg
        proceeds[contract.household_id] += quote.amount
    advances: dict[str, Decimal] = defaultdict(Decimal)
    for handed in supplies:
        if handed.supply.charge is ChargeMode.ADVANCE:
            advances[by_no[handed.contract_no].household_id] += handed.supply.amount
    payments: list[PaymentRecord] = []
    for home in homes:
        payable = proceeds[home.resident_id] - min(
            proceeds[home.resident_id], advances[home.resident_id]
        )
        if payable <= ZERO or rng.random() < 0.25:
            continue
        share = D(rng.randint(50, 100)) / 100
        amount = (payable * share / 10).to_integral_value(rounding=ROUND_FLOOR) * 10
        if amount <= ZERO:
            continue
        payments.append(
            PaymentRecord(
                reference=f"FK{SEASON + 1}-{len(payments) + 1:06d}",
                household_id=home.resident_id,
                season=SEASON,
                day=dt.date(SEASON + 1, 4, rng.randint(1, 28)),
                amount=amount.quantize(Decimal("0.01")),
                note="一卡通代发" if home.account else "现金",
            )
        )
    return DemoSeason(
        enterprises=enterprises,
        households=tuple(homes),
        contracts=tuple(contracts),
        prices=tuple(prices),
        supplies=tuple(supplies),
        slips=tuple(slips),
        payments=tuple(payments),
        today=dt.date(SEASON + 1, 5, 1),
    )


def build_demo(
    store: Store,
    *,
    seed: int = DEFAULT_SEED,
    households: int = DEFAULT_HOUSEHOLDS,
    actor: str = "demo",
) -> DemoSeason:
    """Write the demo season for ``seed`` into ``store`` (records already there are kept: the
    same demo twice adds nothing). Returns what was written."""
    season = generate(seed, households, catalog=store.catalog)
    for enterprise in season.enterprises:
        store.add_enterprise(enterprise, actor=actor)
    for household in season.households:
        store.add_household(household, actor=actor)
    for contract in season.contracts:
        store.add_contract(contract, actor=actor)
    for price in season.prices:
        store.set_market_price(
            price.crop, price.form, price.grade, price.day, price.price, actor=actor
        )
    for handed in season.supplies:
        store.supply_input(
            handed.contract_no, handed.supply, handed.day, handed.supply_no, actor=actor
        )
    store.record_deliveries(
        (
            Slip(s.contract_no, s.weighing, s.day, s.receipt_no, s.purchase_point)
            for s in season.slips
        ),
        actor=actor,
    )
    for payment in season.payments:
        store.record_payment(
            payment.household_id,
            payment.season,
            payment.amount,
            payment.day,
            payment.reference,
            note=payment.note,
            actor=actor,
        )
    return season
