"""The crop catalog: the three crops of Shangzhou as editable data, and crops a user adds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from strategies import catalogs, crops

from orderfarm import (
    Catalog,
    ChargeMode,
    Contract,
    Crop,
    D,
    MonthDay,
    ProductForm,
    ValidationError,
    Weighing,
    default_catalog,
    price_delivery,
)

SHANGZHOU = default_catalog()


def test_three_crops_with_their_forms_and_names() -> None:
    assert [(c.code, c.name_zh) for c in SHANGZHOU.crops] == [
        ("jerusalem_artichoke", "菊芋"),
        ("chilli", "朝天椒"),
        ("chrysanthemum", "杭白菊"),
    ]
    assert [f.code for f in SHANGZHOU.crop("菊芋").forms] == ["fresh"]
    assert [f.code for f in SHANGZHOU.crop("朝天椒").forms] == ["fresh", "dried"]
    assert [f.code for f in SHANGZHOU.crop("杭白菊").forms] == ["dried", "fresh"]
    assert SHANGZHOU.crop("chrysanthemum").name_en == "Hangzhou white chrysanthemum"


def test_crops_and_forms_are_found_by_code_or_chinese_name() -> None:
    assert SHANGZHOU.crop("Jerusalem artichoke") is SHANGZHOU.crop("菊芋")
    assert SHANGZHOU.form("朝天椒", "干椒") is SHANGZHOU.form("chilli", "dried")


def test_grades_are_listed_best_first() -> None:
    dried = SHANGZHOU.form("朝天椒", "dried")
    assert dried.grades == ("一等", "二等", "三等", "等外")
    assert dried.grade_rank("一等") == 0
    assert dried.grade_rank("等外") == 3
    assert SHANGZHOU.form("杭白菊", "dried").grades == ("特级", "一级", "二级")


def test_default_figures_follow_design_section_7() -> None:
    artichoke = SHANGZHOU.form("菊芋", "fresh")
    assert artichoke.market_price == D("1.20")  # paid in Shangzhou, 2020
    assert artichoke.yield_kg_per_mu == D("1700")
    assert (artichoke.yield_low_kg_per_mu, artichoke.yield_high_kg_per_mu) == (D(1500), D(4000))
    (seed,) = artichoke.inputs
    assert 70 <= seed.quantity_per_mu <= 90  # seed tubers 70–90 kg/mu
    assert seed.charge is ChargeMode.FREE
    fresh_chilli = SHANGZHOU.form("朝天椒", "fresh")
    assert fresh_chilli.floors["一级"] == D("1.60")  # floor 1.6 yuan/kg (2018)
    assert 10000 <= fresh_chilli.inputs[0].quantity_per_mu <= 15000  # seedlings per mu
    dried = SHANGZHOU.form("朝天椒", "dried")
    assert (dried.moisture_standard, dried.moisture_max) == (D("0.14"), D("0.22"))
    assert dried.floors["一等"] == D("12.00")
    assert "等外" not in dried.floors  # off-grade is not protected
    flowers = SHANGZHOU.form("杭白菊", "dried")
    assert 20 <= flowers.market_price <= 30
    assert 3000 <= flowers.inputs[0].quantity_per_mu <= 4000


def test_floors_are_ordered_by_grade_in_every_default_form() -> None:
    for crop in SHANGZHOU.crops:
        for form in crop.forms:
            floors = [form.floors[g] for g in form.grades if g in form.floors]
            assert floors == sorted(floors, reverse=True), (crop.code, form.code)


def test_artichoke_is_bought_over_the_new_year() -> None:
    # bought from November, two rounds around the Spring Festival
    start, end = SHANGZHOU.form("菊芋", "fresh").delivery_window(2018)
    assert (start, end) == (dt.date(2018, 11, 1), dt.date(2019, 3, 31))
    assert SHANGZHOU.form("朝天椒", "fresh").delivery_window(2018) == (
        dt.date(2018, 8, 1),
        dt.date(2018, 10, 31),
    )


def test_unknown_crop_form_or_grade_is_a_validation_error_with_its_field() -> None:
    with pytest.raises(ValidationError) as crop:
        SHANGZHOU.crop("玉米")
    assert crop.value.fields == ("crop",)
    with pytest.raises(ValidationError) as form:
        SHANGZHOU.form("菊芋", "dried")
    assert form.value.fields == ("form",)
    assert "fresh" in str(form.value)  # says which forms exist
    with pytest.raises(ValidationError) as grade:
        SHANGZHOU.form("菊芋", "fresh").grade_rank("特级")
    assert grade.value.fields == ("grade",)


def _walnut(**changes: object) -> ProductForm:
    values: dict[str, object] = {
        "code": "dried",
        "name_zh": "干核桃",
        "name_en": "dried walnuts",
        "grades": ("一级", "二级"),
        "grades_en": ("grade 1", "grade 2"),
        "floors": {"一级": "16.00", "二级": "14.00"},
        "market_price": "18.00",
        "yield_kg_per_mu": "120",
        "yield_low_kg_per_mu": "80",
        "yield_high_kg_per_mu": "150",
        "cost_per_mu": "300",
        "moisture_standard": "0.08",
        "moisture_max": "0.12",
        "delivery_start": MonthDay(9, 1),
        "delivery_end": MonthDay(11, 30),
    }
    values.update(changes)
    return ProductForm(**values)  # type: ignore[arg-type]


WALNUT = Crop(code="walnut", name_zh="核桃", name_en="walnut", forms=(_walnut(),))


def test_a_user_adds_a_crop_without_editing_code_and_prices_it() -> None:
    catalog = SHANGZHOU.with_crop(WALNUT)
    assert [c.code for c in catalog.crops][-1] == "walnut"
    assert SHANGZHOU.crop("chilli")  # the default catalog is unchanged
    with pytest.raises(ValidationError):
        SHANGZHOU.crop("核桃")
    contract = Contract.from_template(
        "核桃",
        "dried",
        contract_no="SL-2020-HT-0001",
        enterprise="91611002MA6YQKCR9U",
        household="61100219650301002X",
        season=2020,
        area_mu="3",
        catalog=catalog,
    )
    # 20.00 kg, moisture 10 % over the 8 % standard: 20 × 0.90 / 0.92 = 19.5652… → 19.57 kg
    # market 15.00 below the 16.00 floor: 19.57 × 16.00 = 313.12
    slip = Weighing(gross_kg=D("20"), tare_kg=D("0"), grade="一级", moisture=D("0.10"))
    quote = price_delivery(contract.terms, slip, market_price=D("15.00"))
    assert (quote.net_kg, quote.amount) == (D("19.57"), D("313.12"))


def test_with_crop_replaces_a_crop_of_the_same_code() -> None:
    cheaper = attrs.evolve(
        SHANGZHOU.crop("chilli"),
        forms=(attrs.evolve(SHANGZHOU.form("chilli", "fresh"), floors={"一级": D("1.50")}),),
    )
    catalog = SHANGZHOU.with_crop(cheaper)
    assert len(catalog.crops) == 3
    assert catalog.form("朝天椒", "fresh").floors == {"一级": D("1.50")}


def test_catalog_edited_as_json_changes_the_defaults() -> None:
    text = SHANGZHOU.to_json().replace('"一级":"1.60"', '"一级":"1.80"')
    edited = Catalog.from_json(text)
    assert edited.form("朝天椒", "fresh").floors["一级"] == D("1.80")
    assert edited.form("朝天椒", "dried") == SHANGZHOU.form("朝天椒", "dried")


def test_default_catalog_round_trips_through_json() -> None:
    assert Catalog.from_json(SHANGZHOU.to_json()) == SHANGZHOU


@given(catalogs())
def test_any_catalog_round_trips_through_json(catalog: Catalog) -> None:
    assert Catalog.from_json(catalog.to_json()) == catalog


@given(crops())
def test_an_added_crop_can_be_found_with_all_its_forms(crop: Crop) -> None:
    catalog = SHANGZHOU.with_crop(crop)
    for form in crop.forms:
        assert catalog.form(crop.code, form.code) == form


def test_a_product_form_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        _walnut(
            grades=("一级", "一级"),
            floors={"特级": "20", "一级": "0"},
            market_price="-1",
            moisture_standard="1.5",
        )
    fields = set(caught.value.fields)
    assert {"grades", "floors", "floors.一级", "market_price", "moisture_standard"} <= fields


def test_a_float_in_the_catalog_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _walnut(floors={"一级": 16.0})
    with pytest.raises(TypeError):
        _walnut(market_price=18.0)


def test_default_floors_cannot_be_changed_in_place() -> None:
    # The catalog is shared by every contract made from it; editing means building a new one.
    floors = SHANGZHOU.form("朝天椒", "fresh").floors
    with pytest.raises(TypeError):
        floors["一级"] = Decimal("0.01")  # type: ignore[index]
    assert SHANGZHOU.form("朝天椒", "fresh").floors["一级"] == D("1.60")
    assert hash(SHANGZHOU) == hash(Catalog.from_json(SHANGZHOU.to_json()))


def test_a_calendar_day_must_exist() -> None:
    with pytest.raises(ValidationError):
        MonthDay(2, 30)
    with pytest.raises(ValidationError):
        MonthDay(13, 1)
    # 29 February is a day of the year; in a common year the window ends on the 28th
    assert MonthDay(2, 29).in_year(2019) == dt.date(2019, 2, 28)
    assert MonthDay(2, 29).in_year(2020) == dt.date(2020, 2, 29)
