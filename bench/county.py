"""Deterministic data for the benchmarks: a county's parties, contracts and prices, and the
weighing slips of its season as a CSV file.

Everything comes from a fixed seed, so two runs measure the same work. Resident IDs carry valid
check characters (``resident_id_check_character``), credit codes too (``uscc_check_character``).
Each household has one signed contract, one input on advance (50 yuan, recovered from its
proceeds) and, once its slips are in, one payment of 20 yuan.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Final

from orderfarm import demo
from orderfarm.contracts import Contract
from orderfarm.crops import default_catalog
from orderfarm.ids import resident_id_check_character, uscc_check_character
from orderfarm.parties import Enterprise, Household, PovertyStatus
from orderfarm.store import Store
from orderfarm.supplies import ChargeMode, InputSupply

SEASON: Final = 2018
#: The import's "today" (no slip may be dated after it).
TODAY: Final = dt.date(SEASON + 1, 5, 1)
SEED: Final = 7

#: Shangzhou's townships, as the demo season has them
TOWNSHIPS: Final = demo.TOWNSHIPS

VILLAGES: Final = ("东沟", "西岔", "河口", "王庄", "李塬", "张湾", "青山", "松树", "红岩", "槐树")
SURNAMES: Final = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN: Final = "建国明华军平刚强文秀英兰芳海林生春福德安"

#: (crop, form, enterprise index, share of contracts)
FORMS: Final = (
    ("jerusalem_artichoke", "fresh", 0, 4),
    ("chilli", "fresh", 1, 3),
    ("chilli", "dried", 1, 1),
    ("chrysanthemum", "dried", 2, 2),
)
ENTERPRISE_NAMES: Final = (
    "陕西森弗天然制品有限公司",
    "洛南辣上天有限公司",
    "商州区秦岭菊业有限公司",
)
#: Market prices are posted (and slips bought) every third day from the window's start.
MARKET_DAYS: Final = 30
SLIP_HEADER: Final = (
    "小票号",
    "合同编号",
    "日期",
    "毛重（公斤）",
    "皮重（公斤）",
    "等级",
    "水分",
    "杂质",
    "收购点",
)
ADVANCE: Final = InputSupply("地膜", Decimal("2"), "卷", Decimal("25.00"), ChargeMode.ADVANCE)
PAYMENT: Final = Decimal("20.00")


def uscc(index: int) -> str:
    """A valid unified social credit code (GB 32100-2015) for enterprise ``index``."""
    body = f"91611002MA6YQ{index:04d}"
    return body + uscc_check_character(body)


def resident_id(index: int) -> str:
    """A valid, distinct resident ID (GB 11643-1999) for household ``index``."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=index % 13000)
    body = f"611002{born:%Y%m%d}{index // 13000:03d}"
    return body + resident_id_check_character(body)


def enterprises() -> list[Enterprise]:
    return [Enterprise(name, uscc(i)) for i, name in enumerate(ENTERPRISE_NAMES)]


def form_of(index: int) -> tuple[str, str, int]:
    """The crop, form and enterprise of contract ``index`` (a fixed rotation by share)."""
    wheel = [(c, f, e) for c, f, e, share in FORMS for _ in range(share)]
    return wheel[index % len(wheel)]


def households(count: int) -> Iterator[Household]:
    rng = random.Random(SEED)
    statuses = list(PovertyStatus)
    for i in range(count):
        town = TOWNSHIPS[i % len(TOWNSHIPS)]
        yield Household(
            head_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            resident_id=resident_id(i),
            township=town,
            village=VILLAGES[(i // len(TOWNSHIPS)) % len(VILLAGES)] + "村",
            group=f"{i % 8 + 1}组",
            phone=f"139{i:08d}",
            members=1 + i % 6,
            poverty_status=rng.choices(statuses, weights=[70, 15, 5, 10])[0],
            account=f"6230{i:015d}",
        )


def contract_no(index: int) -> str:
    return f"SZ{SEASON}-{index:07d}"


def contracts(count: int) -> Iterator[Contract]:
    catalog = default_catalog()
    firms = enterprises()
    for i in range(count):
        crop, form, firm = form_of(i)
        overrides: dict[str, object] = {}
        if i % 5 == 0:
            overrides["premium"] = Decimal("0.05")
        if crop == "chilli" and i % 7 == 0:
            overrides["quota_kg"] = Decimal("600")
        yield Contract.from_template(
            crop,
            form,
            contract_no=contract_no(i),
            enterprise=firms[firm],
            household=resident_id(i),
            season=SEASON,
            area_mu=Decimal(1 + i % 4),
            catalog=catalog,
            terms_overrides=overrides,
            unrecovered="waive" if i % 3 == 0 else "carry",
        ).sign(dt.date(SEASON, 3, 1 + i % 28))


def market_days(crop: str, form: str) -> list[dt.date]:
    start, _ = default_catalog().crop(crop).form(form).delivery_window(SEASON)
    assert start is not None
    return [start + dt.timedelta(days=3 * k) for k in range(MARKET_DAYS)]


def market_prices() -> Iterator[tuple[str, str, str, dt.date, Decimal]]:
    catalog = default_catalog()
    rng = random.Random(SEED + 1)
    for crop, form, _, _ in FORMS:
        product = catalog.crop(crop).form(form)
        for day in market_days(crop, form):
            level = Decimal(rng.randint(-20, 20)) / 100
            for rank, grade in enumerate(product.grades):
                factor = 1 + level - Decimal(rank) * Decimal("0.12")
                price = (product.market_price * factor).quantize(Decimal("0.01"))
                yield crop, form, grade, day, price


def fast_store(store: Store) -> Store:
    """Let this thread's connection skip the fsync of each commit and keep a 1 GB page cache
    (a million slips in one transaction otherwise spill pages to the WAL again and again):
    building the stores the benchmarks start from is not what they measure. Never for a
    real store."""
    conn = store._db.connection()
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1048576")
    return store


def build_parties(path: Path, count: int) -> None:
    """A store at ``path`` with ``count`` households, their signed contracts, advances and
    the season's market prices, written through the library."""
    with Store.open(path) as store:
        fast_store(store)
        for enterprise in enterprises():
            store.add_enterprise(enterprise)
        for household in households(count):
            store.add_household(household)
        for contract in contracts(count):
            store.add_contract(contract)
        for crop, form, grade, day, price in market_prices():
            store.set_market_price(crop, form, grade, day, price)
        for i in range(count):
            store.supply_input(contract_no(i), ADVANCE, dt.date(SEASON, 5, 1), f"PF{i:07d}")


def pay(path: Path, count: int) -> None:
    """One payment of ``PAYMENT`` to each of ``count`` households (after their slips)."""
    with Store.open(path) as store:
        fast_store(store)
        for i in range(count):
            store.record_payment(
                resident_id(i), SEASON, PAYMENT, dt.date(SEASON + 1, 4, 1), f"FK{i:07d}"
            )


def slip_rows(slips: int, households: int) -> Iterator[tuple[str, ...]]:
    """The cells of ``slips`` weighing slips spread over the contracts of ``households``."""
    rng = random.Random(SEED + 2)
    catalog = default_catalog()
    grades = {(c, f): catalog.crop(c).form(f).grades for c, f, _, _ in FORMS}
    days = {(c, f): market_days(c, f) for c, f, _, _ in FORMS}
    for n in range(slips):
        i = n % households
        crop, form, _ = form_of(i)
        day = days[(crop, form)][(n // households) % MARKET_DAYS]
        if form == "dried":
            net = rng.randint(2000, 9000)  # 20–90 kg
            moisture = f"0.{rng.randint(10, 19)}"
        else:
            net = rng.randint(5000, 40000)  # 50–400 kg
            moisture = ""
        tare = rng.randint(20, 80)
        gross = net + tare * 10
        levels = grades[(crop, form)]
        grade = levels[0] if rng.random() < 0.6 else levels[rng.randrange(len(levels))]
        yield (
            f"R{n:08d}",
            contract_no(i),
            day.isoformat(),
            f"{gross // 100}.{gross % 100:02d}",
            f"{tare // 10}.{tare % 10}",
            grade,
            moisture,
            f"0.0{rng.randint(0, 3)}",
            TOWNSHIPS[i % len(TOWNSHIPS)] + "收购点",
        )


def write_slips(path: Path, slips: int, households: int) -> Path:
    """The slips as a UTF-8 CSV with the Chinese header a clerk's template has."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SLIP_HEADER)
        writer.writerows(slip_rows(slips, households))
    return path
