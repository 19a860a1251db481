"""Worked examples of DESIGN §4 with numbers computed by hand, and the receipt's explanation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orderfarm import (
    Basis,
    D,
    PriceTerms,
    PricingError,
    Quote,
    ValidationError,
    Weighing,
    default_catalog,
    price_delivery,
)
from orderfarm.pricing import protected_part

# Fresh chilli, 2018: floor 1.60 yuan/kg for grade 1, 1.40 for grade 2, 等外 unprotected.
FRESH = PriceTerms(floors={"一级": D("1.60"), "二级": D("1.40")}, grades=("一级", "二级", "等外"))
# Dried chilli with the catalog's defaults: floors 12/11/10, moisture standard 14 %, max 22 %.
DRIED = PriceTerms.from_form(default_catalog().form("朝天椒", "dried"))


def slip(gross: str, tare: str, grade: str = "一级", **rates: str) -> Weighing:
    return Weighing(
        gross_kg=D(gross), tare_kg=D(tare), grade=grade, **{k: D(v) for k, v in rates.items()}
    )


# 102.50 − 2.50 = 100.00 kg net for the simple cases below.
HUNDRED_KG = slip("102.50", "2.50")


def only_portion(quote: Quote) -> tuple[Decimal, Decimal, Basis, Decimal]:
    (portion,) = quote.portions
    return portion.kg, portion.unit_price, portion.basis, portion.amount


def test_floor_binds_when_market_is_below_it() -> None:
    # max(1.60, 1.40) = 1.60; 100.00 kg × 1.60 = 160.00
    quote = price_delivery(FRESH, HUNDRED_KG, market_price=D("1.40"))
    assert quote.accepted
    assert quote.net_kg == D("100.00")
    assert only_portion(quote) == (D("100.00"), D("1.60"), Basis.FLOOR, D("160.00"))
    assert quote.amount == D("160.00")


def test_market_above_floor_is_paid_the_market_price() -> None:
    # max(1.60, 2.10) = 2.10; 100.00 × 2.10 = 210.00
    quote = price_delivery(FRESH, HUNDRED_KG, market_price=D("2.10"))
    assert only_portion(quote) == (D("100.00"), D("2.10"), Basis.MARKET, D("210.00"))


def test_market_equal_to_floor_is_the_floor() -> None:
    # max(1.60, 1.60) = 1.60 → the floor is what protects the price
    quote = price_delivery(FRESH, HUNDRED_KG, market_price=D("1.60"))
    assert only_portion(quote)[1:] == (D("1.60"), Basis.FLOOR, D("160.00"))


def test_premium_over_market_when_above_floor() -> None:
    # 1.80 × (1 + 5 %) = 1.89 > 1.60; 100.00 × 1.89 = 189.00
    terms = PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05"))
    quote = price_delivery(terms, HUNDRED_KG, market_price=D("1.80"))
    assert only_portion(quote) == (D("100.00"), D("1.89"), Basis.PREMIUM, D("189.00"))


def test_premium_that_still_falls_below_floor_pays_the_floor() -> None:
    # 1.50 × 1.05 = 1.575 < 1.60 → floor 1.60; 100.00 × 1.60 = 160.00
    terms = PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05"))
    quote = price_delivery(terms, HUNDRED_KG, market_price=D("1.50"))
    assert only_portion(quote)[1:] == (D("1.60"), Basis.FLOOR, D("160.00"))


def test_ceiling_caps_the_market_linked_price() -> None:
    # max(1.60, 2.40 × 1.05 = 2.52) = 2.52, min(2.52, 2.00) = 2.00; 100.00 × 2.00 = 200.00
    terms = PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05"), ceiling=D("2.00"))
    quote = price_delivery(terms, HUNDRED_KG, market_price=D("2.40"))
    assert only_portion(quote) == (D("100.00"), D("2.00"), Basis.CEILING, D("200.00"))


def test_dried_chilli_with_impurity_and_moisture_over_standard() -> None:
    # mass 128.40 − 3.40 = 125.00; clean 125.00 × (1 − 0.01) = 123.75
    # net 123.75 × (1 − 0.18) / (1 − 0.14) = 101.475 / 0.86 = 117.9941… → 117.99 kg
    # max(12.00, 11.60) = 12.00; 117.99 × 12.00 = 1415.88
    wet = slip("128.40", "3.40", "一等", moisture="0.18", impurity="0.01")
    quote = price_delivery(DRIED, wet, market_price=D("11.60"))
    assert quote.net_kg == D("117.99")
    assert only_portion(quote) == (D("117.99"), D("12.00"), Basis.FLOOR, D("1415.88"))


def test_drier_than_standard_earns_no_bonus_weight() -> None:
    # moisture 0.10 ≤ 0.14: net = clean = 50.00 × (1 − 0.02) = 49.00; 49.00 × 14.00 = 686.00
    dry = slip("52.00", "2.00", "二等", moisture="0.10", impurity="0.02")
    quote = price_delivery(DRIED, dry, market_price=D("14.00"))
    assert quote.net_kg == D("49.00")
    assert quote.amount == D("686.00")


def test_delivery_crossing_the_quota_is_paid_in_two_portions() -> None:
    # The README's slip: net 117.99 kg (as above); quota 600, 560 delivered before.
    # protected min(117.99, 600 − 560) = 40.00 kg at max(12.00, 11.60 × 1.05 = 12.18) = 12.18
    #   40.00 × 12.18 = 487.20
    # the other 77.99 kg at the market 11.60: 77.99 × 11.60 = 904.684 → 904.68
    # total 487.20 + 904.68 = 1391.88
    terms = PriceTerms.from_form(
        default_catalog().form("朝天椒", "dried"), premium=D("0.05"), quota_kg=D("600")
    )
    wet = slip("128.40", "3.40", "一等", moisture="0.18", impurity="0.01")
    quote = price_delivery(terms, wet, market_price=D("11.60"), delivered_before_kg=D("560"))
    protected, beyond = quote.portions
    assert (protected.kg, protected.unit_price, protected.basis, protected.amount) == (
        D("40.00"),
        D("12.18"),
        Basis.PREMIUM,
        D("487.20"),
    )
    assert protected.protected and not beyond.protected
    assert (beyond.kg, beyond.unit_price, beyond.basis, beyond.amount) == (
        D("77.99"),
        D("11.60"),
        Basis.MARKET,
        D("904.68"),
    )
    assert quote.amount == D("1391.88")
    assert (quote.protected_kg, quote.unprotected_kg) == (D("40.00"), D("77.99"))


def test_quota_already_used_up_pays_everything_at_market() -> None:
    # max(0, 600 − 650) = 0 kg protected; 100.00 × 1.30 = 130.00 (below the 1.60 floor)
    terms = PriceTerms(floors={"一级": D("1.60")}, quota_kg=D("600"))
    quote = price_delivery(terms, HUNDRED_KG, market_price=D("1.30"), delivered_before_kg=D("650"))
    (portion,) = quote.portions
    assert not portion.protected
    assert (portion.unit_price, portion.amount) == (D("1.30"), D("130.00"))


def test_amounts_round_half_up_to_the_fen() -> None:
    # net 1.25 kg × floor 1.30 = 1.625 → 1.63 (half-up; banker's rounding would give 1.62)
    terms = PriceTerms(floors={"一级": D("1.30")})
    quote = price_delivery(terms, slip("1.25", "0"), market_price=D("1.00"))
    assert quote.amount == D("1.63")


def test_net_weight_rounds_half_up_to_the_hundredth_kg() -> None:
    # 10.005 − 0 = 10.005 → 10.01 kg (half-even would give 10.00); 10.01 × 1.60 = 16.016 → 16.02
    quote = price_delivery(FRESH, slip("10.005", "0"), market_price=D("1.00"))
    assert quote.net_kg == D("10.01")
    assert quote.amount == D("16.02")


def test_unprotected_grade_is_paid_the_market_price() -> None:
    # 等外 has no floor: 100.00 × 0.90 = 90.00 at market, not protected
    quote = price_delivery(FRESH, slip("102.50", "2.50", "等外"), market_price=D("0.90"))
    (portion,) = quote.portions
    assert (portion.protected, portion.basis, portion.amount) == (False, Basis.MARKET, D("90.00"))
    assert quote.floor is None


def test_moisture_above_maximum_is_rejected_with_nothing_paid() -> None:
    # 25 % > the 22 % maximum → 拒收: recorded, amount 0.00, with the reason
    wet = slip("60.00", "1.00", "一等", moisture="0.25")
    quote = price_delivery(DRIED, wet, market_price=D("13.00"))
    assert quote.accepted is False
    assert quote.amount == D("0.00")
    assert quote.portions == ()
    assert quote.rejection_reason is not None
    assert "25%" in quote.rejection_reason and "22%" in quote.rejection_reason
    assert "拒收" in quote.explain("zh")
    # the page says why in the user's language; the record keeps the English
    assert quote.rejection("zh") == "水分 25% 超过最高水分 22%"
    assert quote.rejection("en") == quote.rejection_reason == "moisture 25% exceeds the maximum 22%"
    assert f"拒收：{quote.rejection('zh')}" in quote.explain("zh")


def test_moisture_exactly_at_maximum_is_accepted() -> None:
    # 22 % is not above 22 %: net 50.00 × 0.78 / 0.86 = 45.3488… → 45.35 kg; × 12.00 = 544.20
    quote = price_delivery(
        DRIED, slip("50.00", "0", "一等", moisture="0.22"), market_price=D("9.00")
    )
    assert quote.accepted
    assert (quote.net_kg, quote.amount) == (D("45.35"), D("544.20"))


def test_unknown_grade_is_an_error_not_a_rejection() -> None:
    with pytest.raises(PricingError) as caught:
        price_delivery(FRESH, slip("10", "1", "特级"), market_price=D("2.00"))
    assert caught.value.fields == ("grade",)
    assert "特级" in str(caught.value)


def test_market_linked_terms_need_a_market_price() -> None:
    with pytest.raises(PricingError) as caught:
        price_delivery(FRESH, HUNDRED_KG)
    assert caught.value.fields == ("market_price",)


def test_unprotected_grade_needs_a_market_price() -> None:
    fixed = PriceTerms(floors={"一级": D("1.60")}, market_linked=False, grades=("一级", "等外"))
    with pytest.raises(PricingError) as caught:
        price_delivery(fixed, slip("10", "1", "等外"))
    assert caught.value.fields == ("market_price",)


def test_kg_beyond_the_quota_need_a_market_price() -> None:
    fixed = PriceTerms(floors={"一级": D("1.60")}, market_linked=False, quota_kg=D("50"))
    with pytest.raises(PricingError):
        price_delivery(fixed, HUNDRED_KG)
    # within the quota, no market price is needed: 50.00 × 1.60 = 80.00
    assert price_delivery(fixed, slip("50", "0")).amount == D("80.00")


def test_fixed_price_terms_pay_the_floor_without_a_market_price() -> None:
    # fixed: 100.00 kg × 1.60 = 160.00, whatever the market does
    fixed = PriceTerms(floors={"一级": D("1.60")}, market_linked=False, premium=D("0.10"))
    for market in (None, D("1.00"), D("3.00")):
        quote = price_delivery(fixed, HUNDRED_KG, market_price=market)
        assert only_portion(quote) == (D("100.00"), D("1.60"), Basis.FIXED, D("160.00"))


def test_a_pricing_error_is_a_validation_error_with_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        price_delivery(
            FRESH, slip("10", "1", "特级"), market_price=D("-1"), delivered_before_kg=D("-5")
        )
    assert set(caught.value.fields) == {"grade", "market_price", "delivered_before_kg"}


@pytest.mark.parametrize(
    "build",
    [
        lambda: Weighing(gross_kg=102.5, tare_kg=D("2.5"), grade="一级"),  # type: ignore[arg-type]
        lambda: Weighing(gross_kg=D("102.5"), tare_kg=D("2.5"), grade="一级", moisture=0.1),  # type: ignore[arg-type]
        lambda: PriceTerms(floors={"一级": 1.6}),  # type: ignore[dict-item]
        lambda: PriceTerms(floors={"一级": D("1.6")}, premium=0.05),  # type: ignore[arg-type]
        lambda: price_delivery(FRESH, HUNDRED_KG, market_price=1.4),  # type: ignore[arg-type]
        lambda: price_delivery(
            FRESH,
            HUNDRED_KG,
            market_price=D("1.4"),
            delivered_before_kg=0.0,  # type: ignore[arg-type]
        ),
        lambda: protected_part(FRESH, "一级", 50.0, D("0")),  # type: ignore[arg-type]
        lambda: protected_part(FRESH, "一级", D("50"), 0.0),  # type: ignore[arg-type]
    ],
    ids=[
        "gross",
        "moisture",
        "floor",
        "premium",
        "market",
        "delivered_before",
        "protected_part_net",
        "protected_part_before",
    ],
)
def test_a_float_is_a_type_error(build: object) -> None:
    with pytest.raises(TypeError, match="float"):
        build()  # type: ignore[operator]


@pytest.mark.parametrize("market", ["0.90", " 0.90 ", "０.９０", D("0.90"), 1])
def test_a_market_price_is_read_as_store_and_weighing_read_it(market: str | int) -> None:
    quote = price_delivery(FRESH, slip("102.50", "2.50", "等外"), market_price=market)
    assert quote.market_price == D(market)
    assert quote.amount == D(market) * 100


@pytest.mark.parametrize(
    ("market", "reason"),
    [
        (D("0"), "must be greater than 0"),
        ("0.00", "must be greater than 0"),
        (D("-1.40"), "must be greater than 0"),
        ("1.4元", "is not a number"),
    ],
)
def test_a_market_price_of_nothing_or_not_a_number_is_refused(market: str, reason: str) -> None:
    with pytest.raises(PricingError) as caught:
        price_delivery(FRESH, HUNDRED_KG, market_price=market)
    assert caught.value.fields == ("market_price",)
    assert reason in str(caught.value)


def test_the_kg_of_each_portion_are_written_with_two_decimals() -> None:
    # README's slip: 40 kg left of the quota at 12.18, the other 77.99 kg at the market
    terms = PriceTerms(floors={"一级": D("12.00")}, premium=D("0.05"), quota_kg=D("600"))
    quote = price_delivery(
        terms, slip("122.99", "5.00"), market_price=D("11.60"), delivered_before_kg=D("560")
    )
    assert [str(p.kg) for p in quote.portions] == ["40.00", "77.99"]
    assert (str(quote.protected_kg), str(quote.unprotected_kg)) == ("40.00", "77.99")
    fixed = price_delivery(FRESH, slip("12", "2", "等外"), market_price=D("1"))
    assert (str(fixed.protected_kg), str(fixed.portions[0].kg)) == ("0.00", "10.00")
    assert str(protected_part(FRESH, "一级", D("10.00"), D("0"))) == "10.00"


def test_explanation_in_chinese_shows_what_a_clerk_checks() -> None:
    terms = PriceTerms.from_form(
        default_catalog().form("朝天椒", "dried"), premium=D("0.05"), quota_kg=D("600")
    )
    wet = slip("128.40", "3.40", "一等", moisture="0.18", impurity="0.01")
    quote = price_delivery(terms, wet, market_price=D("11.60"), delivered_before_kg=D("560"))
    text = quote.explain("zh")
    for part in (
        "毛重 128.40 kg",
        "皮重 3.40 kg",
        "扣杂质 1%",
        "水分 18% 高于标准 14%",
        "净重 117.99 kg",
        "40.00 kg × 12.18 元/kg = 487.20 元",
        "超出保护收购量 600.00 kg",
        "77.99 kg × 11.60 元/kg = 904.684 ≈ 904.68 元",  # rounded half-up to the fen
        "合计 1,391.88 元",
    ):
        assert part in text, part


def test_explanation_in_english_shows_what_a_clerk_checks() -> None:
    quote = price_delivery(FRESH, HUNDRED_KG, market_price=D("1.40"))
    text = quote.explain("en")
    for part in (
        "net weight 100.00 kg",
        "floor 1.60 yuan/kg",
        "100.00 kg × 1.60 yuan/kg = 160.00 yuan",
        "total 160.00 yuan",
    ):
        assert part in text, part
    assert "元" not in text


def test_every_figure_before_the_net_weight_is_printed_as_it_is() -> None:
    # 33.333 − 0.333 = 33.000; × (1 − 0.5%) = 32.835 exactly; × 0.855 ÷ 0.86 = 32.6440… → 32.64.
    # Printed as 32.84, the next line would work out to 32.65 by hand.
    lot = slip("33.333", "0.333", "二等", moisture="0.145", impurity="0.005")
    quote = price_delivery(DRIED, lot, market_price=D("10.00"))
    assert quote.net_kg == D("32.64")
    zh = quote.explain("zh").splitlines()
    assert zh[:4] == [
        "毛重 33.333 kg − 皮重 0.333 kg = 33.00 kg",
        "扣杂质 0.5%：33.00 × (1 − 0.5%) = 32.835 kg",
        "水分 14.5% 高于标准 14%，按干物质折重：32.835 × (1 − 14.5%) ÷ (1 − 14%)",
        "净重 32.64 kg（四舍五入到 0.01 kg），等级 二等",
    ]
    en = quote.explain("en")
    assert "33.00 × (1 − 0.5%) = 32.835 kg" in en and "32.835 × (1 − 14.5%)" in en
    assert "≈" not in quote.explain("zh")  # 32.64 × 11.00 = 359.04: nothing else rounded
    # without moisture, the net weight is the exact figure above it rounded half-up
    lot = slip("33.333", "0.333", "二等", impurity="0.005")
    dry = price_delivery(DRIED, lot, market_price=D("10.00"))
    assert "= 32.835 kg" in dry.explain("zh") and "净重 32.84 kg" in dry.explain("zh")


def test_an_amount_rounded_to_the_fen_shows_the_product_it_was_rounded_from() -> None:
    # 226.00 kg × 2.0685 = 467.481 → 467.48
    fixed = PriceTerms(floors={"一级": D("2.0685")}, market_linked=False)
    quote = price_delivery(fixed, slip("230", "4"))
    assert "226.00 kg × 2.0685 元/kg = 467.481 ≈ 467.48 元" in quote.explain("zh")
    assert "226.00 kg × 2.0685 yuan/kg = 467.481 ≈ 467.48 yuan" in quote.explain("en")


def test_a_lot_split_at_the_quota_says_what_was_delivered_before_and_what_was_left() -> None:
    quota = PriceTerms(floors={"一级": D("11.00")}, quota_kg=D("100"))
    split = price_delivery(
        quota, slip("60", "0"), market_price=D("10.50"), delivered_before_kg=D("59")
    )
    zh = split.explain("zh")
    assert "保护收购量 100.00 kg − 此前已交售 59.00 kg = 剩余 41.00 kg" in zh
    assert "41.00 kg × 11.00 元/kg = 451.00 元" in zh and "19.00 kg × 10.50 元/kg" in zh
    assert "protected quantity 100.00 kg − 59.00 kg delivered before = 41.00 kg left" in (
        split.explain("en")
    )
    beyond = price_delivery(
        quota, slip("60", "0"), market_price=D("10.50"), delivered_before_kg=D("120")
    )
    assert "保护收购量 100.00 kg，此前已交售 120.00 kg，已用完" in beyond.explain("zh")
    assert "100.00 kg delivered before" not in beyond.explain("en")
    assert "120.00 kg delivered before: used up" in beyond.explain("en")
    # a lot all within the quota needs no such line
    within = price_delivery(
        quota, slip("10", "0"), market_price=D("10.50"), delivered_before_kg=D("59")
    )
    assert "此前已交售" not in within.explain("zh")


def test_every_price_in_the_explanation_has_its_unit() -> None:
    premium = PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05"), ceiling=D("2.00"))
    capped = price_delivery(premium, HUNDRED_KG, market_price=D("2.40"))
    assert "（保护价 1.60 元/kg，市场价 2.40 元/kg）" in capped.explain("zh")
    assert "(floor 1.60 yuan/kg, market 2.40 yuan/kg)" in capped.explain("en")
    floored = price_delivery(premium, HUNDRED_KG, market_price=D("1.40"))
    assert "（上浮 5% 后 1.47 元/kg）" in floored.explain("zh")
    assert "(1.47 yuan/kg with the 5% premium)" in floored.explain("en")


def test_explanation_names_why_each_price_was_paid() -> None:
    premium = PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05"), ceiling=D("2.00"))
    ceiling_zh = price_delivery(premium, HUNDRED_KG, market_price=D("2.40")).explain("zh")
    assert "最高限价 2.00 元/kg" in ceiling_zh
    premium_en = price_delivery(premium, HUNDRED_KG, market_price=D("1.80")).explain("en")
    assert "5% premium" in premium_en and "paid 1.89 yuan/kg" in premium_en
    fixed = PriceTerms(floors={"一级": D("1.60")}, market_linked=False)
    assert "固定保护价 1.60 元/kg" in price_delivery(fixed, HUNDRED_KG).explain("zh")


def test_explanation_of_a_rejected_lot_gives_the_reason_in_both_languages() -> None:
    quote = price_delivery(DRIED, slip("60.00", "1.00", "一等", moisture="0.25"))
    assert "拒收" in quote.explain("zh") and "0.00 元" in quote.explain("zh")
    assert "rejected" in quote.explain("en") and "22%" in quote.explain("en")


def test_explanation_says_an_unprotected_grade_was_paid_the_market() -> None:
    # 等外 has no floor: 100.00 × 0.90 = 90.00
    quote = price_delivery(FRESH, slip("102.50", "2.50", "等外"), market_price=D("0.90"))
    zh = quote.explain("zh")
    assert "等级 等外 不在保护价范围，按当日市场价 0.90 元/kg 收购" in zh
    assert "100.00 kg × 0.90 元/kg = 90.00 元" in zh
    assert "has no floor price" in quote.explain("en")


def test_what_on_a_slip_deserves_a_second_look() -> None:
    from orderfarm.pricing import slip_doubts

    dried = PriceTerms(floors={"一级": D("12.00")}, moisture_standard=D("0.14"))
    fresh = PriceTerms(floors={"一级": D("1.20")})

    def codes(terms: PriceTerms, gross: str, moisture: str = "0", impurity: str = "0") -> list[str]:
        slip = Weighing(D(gross), D("0"), "一级", moisture=D(moisture), impurity=D(impurity))
        quote = price_delivery(terms, slip, market_price=D("1.00"))
        return [p.code for p in slip_doubts(terms, quote)]

    assert codes(fresh, "52.4") == []  # an ordinary fresh lot
    assert codes(dried, "52.4", moisture="0.12") == []  # a dried lot, its moisture measured
    assert codes(dried, "52.4") == ["dried_lot_no_moisture"]
    assert codes(fresh, "99999") == ["lot_unusual"]
    assert codes(fresh, "0.001") == ["lot_weighs_nothing"]
    assert codes(fresh, "10", impurity="0.9999") == ["lot_net_nothing"]


def test_a_market_price_far_off_the_floor_is_questioned_either_way() -> None:
    from orderfarm.pricing import market_price_doubt

    floor = D("1.20")
    assert market_price_doubt(floor, D("3.60")) is None  # three times: a dear year, not a typo
    assert market_price_doubt(floor, D("0.40")) is None
    assert market_price_doubt(None, D("120")) is None  # a grade with no floor: nothing to judge by
    high, low = market_price_doubt(floor, D("120")), market_price_doubt(floor, D("0.12"))
    assert high is not None and low is not None
    assert (high.field, high.code, low.code) == (
        "market_price",
        "market_price_far",
        "market_price_far",
    )
