"""Income estimates with literal numbers: one household of each crop, worked by hand."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import attrs
import pytest

from orderfarm import (
    Assumptions,
    ChargeMode,
    Contract,
    D,
    Household,
    InputSupply,
    PriceScenario,
    PriceTerms,
    ValidationError,
    aggregate,
    estimate,
    estimate_contract,
    expected_paid_price,
    fungus_dividend_line,
    photovoltaic_line,
)
from orderfarm.estimate import (
    DEFAULT_BASELINE_NET_PER_MU,
    HouseholdIncome,
    expected_floor_value,
    lognormal_put,
    normal_cdf,
)

ENTERPRISE_A = "91611002MA6YQKCR9U"
HOUSEHOLD_A = "61100219650301002X"


def test_artichoke_household_deterministic() -> None:
    # 1.5 mu of fresh tubers, default terms (floor 一级 1.20, follows the market), market 1.20,
    # volatility 0: paid max(1.20, 1.20) = 1.20 yuan/kg.
    est = estimate("菊芋", "fresh", "1.5", price_volatility="0", baseline_net_per_mu="350")
    assert est.expected_kg == D("2550")  # 1.5 × 1,700
    assert est.protected_kg == D("2550") and est.unprotected_kg == 0
    assert est.expected_paid_price == D("1.20")
    assert est.gross == D("3060.00")  # 2,550 × 1.20
    assert est.crop_cost == D("270.00")  # 1.5 × 180
    # seed tubers 1.5 × 80 = 120 kg × 1.50 = 180.00, supplied free: shown, not a cost
    assert est.free_inputs == D("180.00") and est.input_cost == D("0")
    assert est.cost == D("270.00")
    assert est.net == D("2790.00")
    assert est.baseline_net == D("525.00")  # 1.5 × 350
    assert est.increase == D("2265.00")  # 2,790 − 525
    assert est.guarantee_cost == D("0.00") and est.floor_value == D("0.00")


def test_artichoke_household_with_price_risk() -> None:
    # Volatility 0.20 (catalog default), expected market 1.20 = floor: the floor is an
    # at-the-money put worth 1.20 × (Φ(0.1) − Φ(−0.1)) = 1.20 × 0.0796557 = 0.0956 yuan/kg.
    est = estimate("菊芋", "fresh", "1.5", baseline_net_per_mu="350")
    assert est.assumptions.price_volatility == D("0.20")
    # the unit prices are not rounded (DESIGN §3): only the amounts made from them are
    assert est.floor_value_per_kg == pytest.approx(D("0.0955868095"), abs=D("0.0000000001"))
    assert est.expected_paid_price == D("1.20") + est.floor_value_per_kg
    assert est.gross == D("3303.75")  # 2,550 × 1.29558681 = 3,303.7464 (3,303.78 at 1.2956)
    assert est.net == D("3033.75")  # − 270.00
    assert est.increase == D("2508.75")  # − 525.00
    assert est.floor_value == D("243.75")  # 2,550 × 0.09558681 = 243.7464
    assert est.guarantee_cost == D("243.75")  # no premium: top-up = floor value


def test_chilli_fresh_household_below_floor() -> None:
    # 2 mu of fresh pods, market expected at 1.40 below the floor 1.60, volatility 0.
    est = estimate("朝天椒", "fresh", "2", market_price="1.40", price_volatility="0")
    assert est.expected_kg == D("3000")  # 2 × 1,500
    assert est.expected_paid_price == D("1.60")  # the floor binds
    assert est.gross == D("4800.00")  # 3,000 × 1.60
    # own cost 2 × 500 = 1,000.00; seedlings 24,000 × 0.03 = 720.00 advanced: a household cost
    assert est.crop_cost == D("1000.00") and est.input_cost == D("720.00")
    assert est.cost == D("1720.00")
    assert est.net == D("3080.00")
    assert est.baseline_net == D("700.00")  # 2 × 350 (the default baseline)
    assert est.increase == D("2380.00")
    assert est.guarantee_cost == D("600.00")  # 3,000 × (1.60 − 1.40)
    assert est.floor_value == D("600.00")


def test_chilli_dried_household_quota_and_premium() -> None:
    # 2 mu of dried pods (250 kg/mu), quota 400 kg, premium 5%, market 14.00, volatility 0:
    # 400 kg at max(12.00, 14.00 × 1.05) = 14.70 and 100 kg at the market 14.00.
    terms = PriceTerms(
        floors={"一等": D("12.00")},
        premium=D("0.05"),
        quota_kg=D("400"),
        grades=("一等", "二等", "三等", "等外"),
    )
    est = estimate("朝天椒", "dried", "2", terms=terms, price_volatility="0")
    assert est.protected_kg == D("400") and est.unprotected_kg == D("100")
    assert est.expected_paid_price == D("14.70")
    assert est.gross == D("7280.00")  # 400 × 14.70 + 100 × 14.00 = 5,880 + 1,400
    assert est.cost == D("1720.00")  # 1,000 + 720
    assert est.net == D("5560.00")
    assert est.increase == D("4860.00")  # − 700
    assert est.guarantee_cost == D("280.00")  # 400 × (14.70 − 14.00): the premium
    assert est.floor_value == D("0.00")  # the floor is below the market with premium


def test_chrysanthemum_household_fixed_price() -> None:
    # 1 mu of dried flowers at a fixed 26.00 yuan/kg (特级), market expected 25.00.
    terms = PriceTerms(floors={"特级": D("26.00")}, market_linked=False, grades=("特级", "一级"))
    est = estimate("杭白菊", "dried", "1", terms=terms, price_volatility="0")
    assert est.expected_kg == D("175")
    assert est.expected_paid_price == D("26.00")
    assert est.gross == D("4550.00")  # 175 × 26
    assert est.cost == D("1150.00")  # 800 + 3,500 plants × 0.10 advanced
    assert est.net == D("3400.00")
    assert est.increase == D("3050.00")  # − 350
    assert est.guarantee_cost == D("175.00")  # 175 × (26 − 25)


def test_contract_estimate_uses_its_terms_inputs_and_ids() -> None:
    contract = Contract.from_template(
        "朝天椒",
        "fresh",
        contract_no="SZ-2018-LJ-0002",
        enterprise=ENTERPRISE_A,
        household=HOUSEHOLD_A,
        season=2018,
        area_mu="2",
        inputs=(InputSupply("辣椒苗", D("24000"), "株", D("0.03"), ChargeMode.PAID),),
    )
    est = estimate_contract(contract, market_price="1.40", price_volatility="0")
    assert (est.contract_no, est.enterprise_uscc, est.household_id, est.season) == (
        "SZ-2018-LJ-0002",
        ENTERPRISE_A,
        HOUSEHOLD_A,
        2018,
    )
    assert est.input_cost == D("720.00")  # paid at signing: a household cost too
    assert est.increase == D("2380.00")  # as the fresh-chilli household above


def test_no_protection_sells_everything_at_the_market() -> None:
    est = estimate("朝天椒", "fresh", "2", terms=None, market_price="1.40", price_volatility="0.3")
    assert est.expected_paid_price == D("1.40") and est.protected_kg == 0
    assert est.gross == D("4200.00")  # 3,000 × 1.40
    assert est.guarantee_cost == 0


def test_grade_without_floor_is_paid_the_market() -> None:
    est = estimate("朝天椒", "fresh", "1", grade="等外", price_volatility="0")
    assert est.floor is None and est.protected_kg == 0
    assert est.gross == D("3000.00")  # 1,500 × 2.00


def test_terms_written_with_one_floor_pay_the_crops_other_grades_the_market() -> None:
    terms = PriceTerms(floors={"一级": D("1.60")}, market_linked=False)  # grades: 一级 only
    est = estimate(
        "朝天椒", "fresh", "1", terms=terms, grade="等外", market_price="1.10", price_volatility="0"
    )
    assert est.floor is None and est.protected_kg == 0
    assert est.gross == D("1650.00")  # 1,500 × 1.10


def test_ceiling_caps_the_expected_price() -> None:
    terms = PriceTerms(
        floors={"一级": D("1.60")}, ceiling=D("1.80"), grades=("一级", "二级", "等外")
    )
    assert expected_paid_price(terms, "一级", D("2.00"), D("0")) == D("1.80")
    # with risk, E[min(max(F, S), C)] lies between the floor and the ceiling
    risky = expected_paid_price(terms, "一级", D("2.00"), D("0.3"))
    assert D("1.60") < risky < D("1.80")


def test_closed_form_put_against_hand_values() -> None:
    assert normal_cdf(0.0) == 0.5
    # strike 1.20, mean 1.20, vol 0.2: 1.2 × (Φ(0.1) − Φ(−0.1)) = 0.095587
    assert lognormal_put(1.2, 1.2, 0.2) == pytest.approx(0.0955868, abs=1e-6)
    assert expected_floor_value(D("1.20"), D("1.00"), D("0")) == D("0.20")
    assert expected_floor_value(None, D("1.00"), D("0.3")) == 0


def test_other_income_lines_are_kept_apart() -> None:
    lines = [photovoltaic_line(), fungus_dividend_line(D("2500"))]
    est = estimate("菊芋", "fresh", "1.5", price_volatility="0", other_income=lines)
    assert est.increase == D("2265.00")  # unchanged by the other lines
    assert est.other_income_total == D("5500.00")
    assert est.increase_with_other_income == D("7765.00")
    text = est.explain("zh")
    assert "光伏收益 3,000.00" in text and "不含在作物增收内" in text
    income = HouseholdIncome(HOUSEHOLD_A, (est,), tuple(lines))
    assert income.crop_increase == D("2265.00") and income.total == D("7765.00")


def test_expected_and_protected_kg_are_written_alike_with_two_decimals() -> None:
    # 2.5 mu × 250 kg/mu = 625.0 kg expected; the quota protects 600 of them
    terms = PriceTerms(floors={"一等": D("12.00")}, quota_kg=D("600"))
    est = estimate("朝天椒", "dried", "2.5", terms=terms, grade="一等", price_volatility="0")
    shown = (str(est.expected_kg), str(est.protected_kg), str(est.unprotected_kg))
    assert shown == ("625.00", "600.00", "25.00")
    assert "= 625.00 kg (600.00 kg protected)" in est.explain("en")
    assert "gross 600.00 × " in est.explain("en")


def test_explain_shows_every_assumption() -> None:
    est = estimate("菊芋", "fresh", "1.5", baseline_net_per_mu="350")
    zh, en = est.explain("zh"), est.explain("en")
    for fragment in (
        "亩产 1,700 kg",
        "预期市场价 1.20",
        "波动率 20%",
        "玉米亩纯收入 350",
        "≈1.2956",  # the expected paid price, shown to four places
    ):
        assert fragment in zh
    assert "increase 3,033.75 − 525.00 = 2,508.75 yuan" in en


def test_defaults_and_overrides() -> None:
    assert D("350") == DEFAULT_BASELINE_NET_PER_MU
    a = Assumptions.defaults("chilli", "dried")
    assert (a.grade, a.yield_kg_per_mu, a.market_price) == ("一等", D("250"), D("14.00"))
    b = Assumptions.defaults("chilli", "dried", yield_kg_per_mu="300")
    assert b.yield_kg_per_mu == D("300")
    est = estimate("chilli", "dried", "1", assumptions=b, baseline_net_per_mu="0")
    assert est.assumptions.yield_kg_per_mu == D("300")
    assert est.baseline_net == 0


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        estimate("菊芋", "fresh", 1.5)  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(TypeError):
        estimate("菊芋", "fresh", "1.5", yield_kg_per_mu=1700.0)
    with pytest.raises(TypeError):
        PriceScenario(price_factor=0.7)  # type: ignore[arg-type]  # the point of the test


def test_bad_assumptions_are_reported_together() -> None:
    with pytest.raises(ValidationError) as info:
        Assumptions.defaults("菊芋", "fresh", yield_kg_per_mu="0", market_price="-1")
    assert {"yield_kg_per_mu", "market_price"} <= set(info.value.fields)
    with pytest.raises(ValidationError) as info:
        Assumptions.defaults("菊芋", "fresh", yield_cv="0.5")  # too wide for 1,500–4,000
    assert info.value.fields == ("yield_cv",)
    with pytest.raises(ValidationError):
        estimate("菊芋", "fresh", "1", grade="特级")


def _household(n: int, township: str, village: str) -> Household:
    from orderfarm.ids import resident_id_check_character

    body = f"61100219700101{n:03d}"
    return Household(
        head_name=f"户主{n}",
        resident_id=body + resident_id_check_character(body),
        township=township,
        village=village,
    )


def test_aggregate_by_village_and_enterprise() -> None:
    homes = [
        _household(1, "大荆镇", "西荆村"),
        _household(2, "大荆镇", "西荆村"),
        _household(3, "沙河子镇", "沙河子村"),
    ]
    pairs = []
    for i, home in enumerate(homes):
        contract = Contract.from_template(
            "菊芋",
            "fresh",
            contract_no=f"JY-{i}",
            enterprise=ENTERPRISE_A,
            household=home,
            season=2018,
            area_mu="1.5",
        )
        pairs.append((home, contract))
    rows = aggregate(pairs, "village", price_volatility="0")
    assert [r.key for r in rows] == ["大荆镇/西荆村", "沙河子镇/沙河子村"]
    assert rows[0].households == 2 and rows[0].area_mu == D("3.0")
    assert rows[0].total_increase == D("4530.00")  # 2 × 2,265.00
    assert rows[0].average_increase == D("2265.00")
    # a 25% fall of the market: 1.20 × 0.75 = 0.90, the enterprise tops up 0.30 on 2,550 kg each
    fall = PriceScenario(name="fall", price_factor=D("0.75"))
    (by_enterprise,) = aggregate(pairs, "enterprise", scenario=fall, price_volatility="0")
    assert by_enterprise.key == ENTERPRISE_A and by_enterprise.households == 3
    assert by_enterprise.guarantee_cost == D("2295.00")  # 3 × 2,550 × 0.30
    assert by_enterprise.average_increase == D("2265.00")  # the floor holds the income


def test_a_scenario_names_its_crop_forms_by_code_or_name_and_no_other() -> None:
    """菊芋/鲜块茎 is jerusalem_artichoke/fresh; a key the catalog does not know is refused,
    not a scenario that silently changes nothing."""
    home = _household(1, "大荆镇", "西荆村")
    contract = Contract.from_template(
        "菊芋",
        "fresh",
        contract_no="JY-1",
        enterprise=ENTERPRISE_A,
        household=home,
        season=2018,
        area_mu="1",
    )
    base = aggregate([(home, contract)], "household", price_volatility="0")[0]
    coded = PriceScenario(market_prices={"jerusalem_artichoke/fresh": D("2.00")})
    named = PriceScenario(market_prices={"菊芋/鲜块茎": D("2.00")})
    (by_code,) = aggregate([(home, contract)], "household", scenario=coded, price_volatility="0")
    (by_name,) = aggregate([(home, contract)], "household", scenario=named, price_volatility="0")
    assert by_code == by_name and by_code.total_increase != base.total_increase
    for wrong in ("artichoke/fresh", "菊芋", "jerusalem_artichoke/dried"):
        scenario = PriceScenario(market_prices={wrong: D("0.80")})
        with pytest.raises(ValidationError) as refused:
            aggregate([(home, contract)], "household", scenario=scenario)
        assert wrong in refused.value.problems[0].field


def test_aggregate_rejects_a_contract_of_another_household() -> None:
    home, other = _household(1, "大荆镇", "西荆村"), _household(2, "大荆镇", "西荆村")
    contract = Contract.from_template(
        "菊芋",
        "fresh",
        contract_no="JY-1",
        enterprise=ENTERPRISE_A,
        household=other,
        season=2018,
        area_mu="1",
    )
    with pytest.raises(ValidationError):
        aggregate([(home, contract)], "household")


def test_assumptions_are_frozen_values() -> None:
    a = Assumptions.defaults("菊芋", "fresh")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.grade = "二级"  # type: ignore[misc]  # the point of the test
    assert isinstance(a.market_median, Decimal) and a.market_median < a.market_price


def test_import_orderfarm_imports_no_numpy() -> None:
    code = "import sys, orderfarm; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_yield_of_nothing_is_the_one_problem_named() -> None:
    from orderfarm.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        estimate("菊芋", "fresh", "1.5", yield_kg_per_mu="0")
    assert [p.field for p in caught.value.problems] == ["yield_kg_per_mu"]
    assert caught.value.messages("zh") == ["亩产（公斤）: 必须大于 0"]
