"""Shangzhou 2018: the contract-farming season of the seed report, and what it earns households.

Builds the scene of highlight 10 of the 2018 report (see /work/shared/seed/README.md): two
processing enterprises, 3,615 poor households growing Jerusalem artichoke (菊芋) under contract
with 陕西森弗天然制品有限公司 and 2,671 growing chilli (朝天椒) with 洛南辣上天有限公司, plus an
illustrative group of 300 households growing Hangzhou white chrysanthemum (杭白菊) for a
cooperative — spread over Shangzhou's townships and villages with areas drawn from a seed — and
prints the average income increase per household per crop with the assumptions behind it, the
spread of that increase under price and yield risk, and what the floor price may cost each
enterprise.

Run: ``python examples/shangzhou_2018.py`` (a few seconds).

Villages: those of 大荆镇 and 沙河子镇 are from public lists of the two towns; 松沟村 and 泉源村
(牧护关镇) and 于家山村, 张河村, 刘院村, 全脉村 (北宽坪镇) from news reports of artichoke buying;
elsewhere the village is the town's seat named after the town (an assumption of this example).
The chrysanthemum cooperative and every household are invented; areas and people are drawn
from ``SEED``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from decimal import Decimal

import attrs

from orderfarm import (
    Assumptions,
    Contract,
    D,
    Enterprise,
    GroupSummary,
    Household,
    PriceScenario,
    aggregate,
    estimate_pairs,
    photovoltaic_line,
)
from orderfarm.estimate import form_key
from orderfarm.ids import resident_id_check_character, uscc_check_character

SEED = 2018
SEASON = 2018

ARTICHOKE_HOUSEHOLDS = 3615
CHILLI_HOUSEHOLDS = 2671
CHRYSANTHEMUM_HOUSEHOLDS = 300


def _uscc(body: str) -> str:
    """A credit code from its first 17 characters and the check character (GB 32100-2015)."""
    return body + uscc_check_character(body)


# 9 = registered with market regulation; 1 = enterprise, 3 = farmers' cooperative; then the
# county (611002 商州区, 611021 洛南县) and a 9-character organisation code (invented here).
SENFU = Enterprise("陕西森弗天然制品有限公司", _uscc("91611002MA6Y2FF01"))
LASHANGTIAN = Enterprise("洛南辣上天有限公司", _uscc("91611021MA70LLT02"))
JUHUA_COOP = Enterprise("商州区杭白菊种植专业合作社（示例）", _uscc("93611002MA6Y0HJ03"))

# --- the assumptions (DESIGN §7), written out so that a reader sees every figure ------------

#: 玉米 — net income of a mu of maize on the same land: ~350 kg/mu × ~1.80 yuan/kg ≈ 630 yuan,
#: less ~280 yuan of seed, fertiliser, pesticide and ploughing.
BASELINE_MAIZE_NET_PER_MU = D("350")

ASSUMPTIONS: dict[str, Assumptions] = {
    # 菊芋 fresh tubers: 1.20 yuan/kg paid (Shangzhou 2020), floor 1.20 for grade 1; ~1,700 kg/mu
    # in Shangzhou (guess; 1,500–4,000 reported elsewhere); 180 yuan/mu of own cost; seed tubers
    # (80 kg/mu) supplied free by the enterprise (统一配发种子).
    form_key("jerusalem_artichoke", "fresh"): Assumptions(
        grade="一级",
        yield_kg_per_mu=D("1700"),
        yield_low_kg_per_mu=D("1500"),
        yield_high_kg_per_mu=D("4000"),
        yield_cv=D("0.15"),
        market_price=D("1.20"),
        price_volatility=D("0.20"),
        cost_per_mu=D("180"),
        baseline_net_per_mu=BASELINE_MAIZE_NET_PER_MU,
    ),
    # 朝天椒 fresh red pods: floor 1.60 yuan/kg (2018), market ~2.00 (>2 yuan/jin in 2019 was
    # for dried); 1,500 kg/mu (guess, 1,000–2,000); 500 yuan/mu own cost; 12,000 seedlings/mu
    # at 0.03 yuan raised centrally (集中育苗) and advanced against the proceeds.
    form_key("chilli", "fresh"): Assumptions(
        grade="一级",
        yield_kg_per_mu=D("1500"),
        yield_low_kg_per_mu=D("1000"),
        yield_high_kg_per_mu=D("2000"),
        yield_cv=D("0.15"),
        market_price=D("2.00"),
        price_volatility=D("0.30"),
        cost_per_mu=D("500"),
        baseline_net_per_mu=BASELINE_MAIZE_NET_PER_MU,
    ),
    # 杭白菊 dried flowers, estimated at grade 一级 (floor 22): 20–30 yuan/kg seen, 25 expected;
    # 150–200 kg/mu; 800 yuan/mu own cost; 3,500 plants/mu at 0.10 yuan advanced.
    form_key("chrysanthemum", "dried"): Assumptions(
        grade="一级",
        yield_kg_per_mu=D("175"),
        yield_low_kg_per_mu=D("150"),
        yield_high_kg_per_mu=D("200"),
        yield_cv=D("0.08"),
        market_price=D("25.00"),
        price_volatility=D("0.25"),
        cost_per_mu=D("800"),
        baseline_net_per_mu=BASELINE_MAIZE_NET_PER_MU,
    ),
}

# --- where the households are --------------------------------------------------------------

#: Town → villages (see the module docstring for which names are from public lists).
VILLAGES: dict[str, tuple[str, ...]] = {
    "大荆镇": ("大荆村", "砚川村", "石桥村", "西村", "上坪村", "龙山村", "西荆村", "南村", "沙渠村", "孟村", "果园村", "李村"),
    "沙河子镇": ("沙河子村", "党塬村", "西墹村", "王山底村", "桃园河村"),
    "牧护关镇": ("松沟村", "泉源村", "牧护关村"),
    "北宽坪镇": ("于家山村", "张河村", "刘院村", "全脉村"),
    "杨峪河镇": ("杨峪河村",),
    "金陵寺镇": ("金陵寺村",),
    "黑山镇": ("黑山村",),
    "杨斜镇": ("杨斜村",),
    "麻街镇": ("麻街村",),
    "板桥镇": ("板桥村",),
    "腰市镇": ("腰市村",),
    "夜村镇": ("夜村村",),
    "三岔河镇": ("三岔河村",),
    "砚池河镇": ("砚池河村",),
    "大赵峪街道": ("大赵峪村",),
    "陈塬街道": ("陈塬村",),
    "刘湾街道": ("刘湾村",),
}  # fmt: skip

#: Towns of each crop: artichoke on the cool northern and western hills, chilli in the valleys,
#: chrysanthemum in two southern towns.
TOWNS = {
    "jerusalem_artichoke": ("牧护关镇", "北宽坪镇", "大荆镇", "黑山镇", "板桥镇", "腰市镇", "麻街镇", "三岔河镇", "砚池河镇"),
    "chilli": ("沙河子镇", "杨峪河镇", "金陵寺镇", "夜村镇", "大赵峪街道", "陈塬街道", "刘湾街道", "大荆镇"),
    "chrysanthemum": ("杨斜镇", "麻街镇"),
}  # fmt: skip

#: Contracted area per household, mu: a triangular (low, mode, high), rounded to 0.1 mu.
AREAS = {
    "jerusalem_artichoke": (0.5, 0.9, 2.0),
    "chilli": (0.5, 1.0, 2.0),
    "chrysanthemum": (0.3, 0.6, 1.5),
}

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏田任姜范方石姚谭邹金郝孔白崔康毛邱秦史侯邵孟段雷汤常武乔贺"
_GIVEN = "建国红军秀兰玉珍明德志强海燕小平桂英春生宝山翠芳文学永红冬梅满仓福来金凤新民"


@attrs.frozen
class Scene:
    """The 2018 season: enterprises and (household, contract) pairs by crop."""

    enterprises: tuple[Enterprise, ...]
    pairs: dict[str, tuple[tuple[Household, Contract], ...]]

    @property
    def all_pairs(self) -> list[tuple[Household, Contract]]:
        """Every (household, contract), artichoke first."""
        return [pair for crop in self.pairs for pair in self.pairs[crop]]


def _resident_id(rng: random.Random, used: set[str]) -> str:
    while True:
        born = rng.randint(1948, 1988)
        # heads registered before 2002 keep the county code of their first ID (商县/商州市)
        region = rng.choice(("611002", "611002", "612501", "612521")) if born < 1985 else "611002"
        body = f"{region}{born}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(1, 999):03d}"
        number = body + resident_id_check_character(body)
        if number not in used:
            used.add(number)
            return number


def _households(rng: random.Random, crop: str, count: int, used: set[str]) -> list[Household]:
    towns = TOWNS[crop]
    homes = []
    for _ in range(count):
        township = rng.choice(towns)
        homes.append(
            Household(
                head_name=rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, 2)),
                resident_id=_resident_id(rng, used),
                township=township,
                village=rng.choice(VILLAGES[township]),
                group=f"{rng.randint(1, 9)}组",
                members=rng.randint(1, 6),
            )
        )
    return homes


def _area(rng: random.Random, crop: str) -> Decimal:
    low, mode, high = AREAS[crop]
    return Decimal(str(round(rng.triangular(low, high, mode), 1)))


def build_scene(seed: int = SEED) -> Scene:
    """The households and signed contracts of the 2018 season, the same for the same seed."""
    rng = random.Random(seed)
    used: set[str] = set()
    plan = (
        ("jerusalem_artichoke", "fresh", ARTICHOKE_HOUSEHOLDS, SENFU, "SF"),
        ("chilli", "fresh", CHILLI_HOUSEHOLDS, LASHANGTIAN, "LST"),
        ("chrysanthemum", "dried", CHRYSANTHEMUM_HOUSEHOLDS, JUHUA_COOP, "HBJ"),
    )
    pairs: dict[str, tuple[tuple[Household, Contract], ...]] = {}
    for crop, form, count, enterprise, prefix in plan:
        rows = []
        for n, home in enumerate(_households(rng, crop, count, used), start=1):
            contract = Contract.from_template(
                crop,
                form,
                contract_no=f"{prefix}-{SEASON}-{n:05d}",
                enterprise=enterprise,
                household=home,
                season=SEASON,
                area_mu=_area(rng, crop),
            )
            rows.append((home, contract))
        pairs[crop] = tuple(rows)
    return Scene((SENFU, LASHANGTIAN, JUHUA_COOP), pairs)


def crop_summaries(scene: Scene, scenario: PriceScenario | None = None) -> dict[str, GroupSummary]:
    """Per crop (artichoke first): households, area, total and average increase, and the
    guarantee's expected cost to the enterprise, under ``scenario``."""
    rows = aggregate(scene.all_pairs, "crop", scenario=scenario, assumptions=ASSUMPTIONS)
    by_crop = {row.key: row for row in rows}
    return {crop: by_crop[crop] for crop in scene.pairs}


def _describe(key: str, a: Assumptions) -> str:
    return (
        f"  {key}: grade {a.grade}; yield {a.yield_kg_per_mu} kg/mu "
        f"({a.yield_low_kg_per_mu}–{a.yield_high_kg_per_mu}, cv {a.yield_cv}); market "
        f"{a.market_price} yuan/kg (volatility {a.price_volatility}); own cost "
        f"{a.cost_per_mu} yuan/mu; maize baseline {a.baseline_net_per_mu} yuan/mu"
    )


def main(argv: Sequence[str] = ()) -> None:
    """Print the season's estimate."""
    draws = 1_000
    scene = build_scene()
    names = {"jerusalem_artichoke": "菊芋 Jerusalem artichoke", "chilli": "朝天椒 chilli",
             "chrysanthemum": "杭白菊 chrysanthemum"}  # fmt: skip
    print(f"商州区 {SEASON} — contract farming with protective prices (seed {SEED})")
    for enterprise in scene.enterprises:
        print(f"  {enterprise.name}  {enterprise.uscc}")
    print("Assumptions (DESIGN §7; every figure overridable):")
    for key, a in ASSUMPTIONS.items():
        print(_describe(key, a))
    print(
        "  inputs: artichoke seed tubers free; chilli seedlings and chrysanthemum plants advanced"
    )
    print()
    estimates = estimate_pairs(scene.all_pairs, assumptions=ASSUMPTIONS)
    by_crop = {row.key: row for row in aggregate(estimates, "crop")}
    fall = crop_summaries(scene, PriceScenario(name="market −30%", price_factor=D("0.7")))
    for crop, pairs in scene.pairs.items():
        row, contract = by_crop[crop], pairs[0][1]
        floor = contract.terms.floor(ASSUMPTIONS[form_key(crop, contract.form)].grade)
        print(f"{names[crop]}: {row.households:,} households, {row.area_mu:,} mu "
              f"(average {row.area_mu / row.households:.2f} mu), floor {floor} yuan/kg")  # fmt: skip
        print(f"  average increase per household: {row.average_increase:,.2f} yuan "
              f"(total {row.total_increase:,.2f} yuan)")  # fmt: skip
        print(f"  enterprise's expected top-up over the market: {row.guarantee_cost:,.2f} yuan; "
              f"if the market falls 30%: {fall[crop].guarantee_cost:,.2f} yuan, and the average "
              f"increase is still {fall[crop].average_increase:,.2f} yuan")  # fmt: skip

    # the spread of each household's increase: price and yield risk, drawn for every contract
    from orderfarm.risk import simulate_income

    sim = simulate_income([e for _, e in estimates], draws=draws, seed=SEED)
    print()
    print(f"Risk ({draws:,} seasons per contract; one market price per crop in each season):")
    start = 0
    for crop, pairs in scene.pairs.items():
        part = slice(start, start + len(pairs))
        start += len(pairs)
        base = sim.baseline[part]
        p10 = float((sim.p10_net[part] - base).mean())
        p50 = float((sim.p50_net[part] - base).mean())
        p90 = float((sim.p90_net[part] - base).mean())
        binds = float(sim.prob_floor_binds[part].mean())
        print(f"  {names[crop]}: household increase P10 {p10:,.0f} / P50 {p50:,.0f} / "
              f"P90 {p90:,.0f} yuan (averages over households); the floor binds in "
              f"{binds:.0%} of seasons")  # fmt: skip
    pv = photovoltaic_line()
    print()
    print(f"Not included above: {pv.name_zh} ≈ {pv.amount:,.2f} yuan per household a year "
          "(3 kW photovoltaic share), and edible-fungus dividends — separate income lines.")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
