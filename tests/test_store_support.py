"""Helpers shared by the store tests: a deterministic clock, valid IDs, a small season."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

from orderfarm import (
    CarryPolicy,
    Contract,
    D,
    Enterprise,
    Household,
    InputSupply,
    PovertyStatus,
    PriceTerms,
    Store,
    Weighing,
)
from orderfarm.ids import resident_id_check_character, uscc_check_character

ENTERPRISE = Enterprise("商州区绿源农业开发有限公司", "91611002MA6YQKCR9U")
SECOND_ENTERPRISE = Enterprise(
    "商洛秦岭菊业有限公司", "91611002MA6YQKC00" + uscc_check_character("91611002MA6YQKC00")
)


def resident_id(n: int, birth: str = "19650301") -> str:
    """A valid resident ID of Shangzhou (611002) with sequence ``n``."""
    body = f"611002{birth}{n:03d}"
    return body + resident_id_check_character(body)


def household(
    n: int,
    *,
    township: str = "北宽坪镇",
    village: str = "广东坪村",
    status: PovertyStatus = PovertyStatus.REGISTERED_POOR,
) -> Household:
    return Household(
        head_name=f"农户{n}",
        resident_id=resident_id(n),
        township=township,
        village=village,
        poverty_status=status,
    )


def fixed_clock(start: dt.datetime | None = None) -> Callable[[], dt.datetime]:
    """A clock that ticks one second per call, from 2018-11-01 UTC."""
    base = start or dt.datetime(2018, 11, 1, 8, 0, tzinfo=dt.UTC)
    ticks = itertools.count()
    return lambda: base + dt.timedelta(seconds=next(ticks))


def open_store(path: Path) -> Store:
    return Store.open(path, clock=fixed_clock())


def fixed_terms(**changes: object) -> PriceTerms:
    """Fixed-price chilli (fresh) terms: 一级 2.00, 二级 1.50 yuan/kg; 等外 unprotected."""
    values: dict[str, object] = {
        "floors": {"一级": D("2.00"), "二级": D("1.50")},
        "market_linked": False,
        "grades": ("一级", "二级", "等外"),
    }
    values.update(changes)
    return PriceTerms(**values)  # type: ignore[arg-type]


def chilli_contract(
    no: str,
    hh: Household,
    *,
    season: int = 2018,
    enterprise: Enterprise = ENTERPRISE,
    policy: CarryPolicy = CarryPolicy.CARRY,
    terms: PriceTerms | None = None,
    area: str = "2",
) -> Contract:
    """A draft fresh-chilli contract with fixed prices and no default inputs."""
    return Contract(
        contract_no=no,
        enterprise_uscc=enterprise.uscc,
        household_id=hh.resident_id,
        crop="chilli",
        form="fresh",
        season=season,
        area_mu=D(area),
        terms=terms or fixed_terms(),
        delivery_start=dt.date(season, 8, 1),
        delivery_end=dt.date(season, 10, 31),
        unrecovered=policy,
    )


def signed(store: Store, contract: Contract) -> Contract:
    store.add_contract(contract)
    return store.sign_contract(contract.contract_no, dt.date(contract.season, 5, 1))


def seeded(store: Store, households: int = 1) -> list[Household]:
    store.add_enterprise(ENTERPRISE)
    store.add_enterprise(SECOND_ENTERPRISE)
    return [store.add_household(household(i + 1)) for i in range(households)]


def advance_above_proceeds(store: Store, hh: Household, policy: CarryPolicy) -> Contract:
    """``hh``'s chilli of 2018 (with the store's first enterprise): 1,000.00 of seedlings on
    advance, a harvest of 800.00, so 200.00 is left to carry over or waive, as ``policy`` says."""
    contract = signed(
        store,
        chilli_contract("Q-CARRY", hh, enterprise=store.enterprises()[0], policy=policy),
    )
    seedlings = InputSupply("辣椒苗", D("10000"), "株", D("0.10"))
    store.supply_input("Q-CARRY", seedlings, dt.date(2018, 5, 2), "S-CARRY")
    lot = Weighing(gross_kg=D("401.00"), tare_kg=D("1.00"), grade="一级")  # 400 kg × 2.00
    store.record_delivery("Q-CARRY", lot, dt.date(2018, 9, 1), "R-CARRY")
    return contract


def workbook_on_a_notes_sheet(path: Path, home: Household) -> Path:
    """An XLSX whose first sheet is a 说明 of one line and whose second, 农户, holds ``home``
    under the households' headers (a workbook as staff hand them in)."""
    import openpyxl

    from orderfarm.io import RECORD_TYPES

    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["这是说明页：请填写第二页"])
    homes = book.create_sheet("农户")
    homes.append(RECORD_TYPES["households"].headers("zh"))
    homes.append([home.head_name, home.resident_id, home.township, home.village])
    book.save(path)
    return path
