"""The one converter: every model round-trips; unknown keys and floats are refused by path."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    catalogs,
    contracts,
    crops,
    enterprises,
    households,
    input_defaults,
    input_supplies,
    month_days,
    price_terms,
    product_forms,
    quotes,
    weighings,
)

from orderfarm import (
    Contract,
    D,
    Household,
    OrderfarmError,
    PriceTerms,
    ValidationError,
    Weighing,
    default_catalog,
)
from orderfarm.serial import from_json, structure, to_json, unstructure

MODELS = st.one_of(
    enterprises,
    households,
    input_supplies,
    price_terms(),
    weighings(("一级", "二级", "等外")),
    contracts(),
    quotes(),
    month_days,
    input_defaults,
    product_forms(),
    crops(),
    catalogs(),
)


def _has_float(data: Any) -> bool:
    if isinstance(data, float):
        return True
    if isinstance(data, dict):
        return any(_has_float(v) for v in data.values())
    if isinstance(data, list | tuple):
        return any(_has_float(v) for v in data)
    return False


@given(MODELS)
def test_every_model_round_trips_through_plain_data(model: object) -> None:
    data = unstructure(model)
    assert not _has_float(data)  # money and weights travel as text
    assert structure(data, type(model)) == model


@given(MODELS)
def test_every_model_round_trips_through_json(model: object) -> None:
    text = to_json(model)
    assert from_json(text, type(model)) == model
    assert to_json(from_json(text.encode(), type(model))) == text  # canonical: same bytes again


def test_json_keeps_decimals_exact_as_text() -> None:
    terms = PriceTerms(floors={"一级": D("1.60")}, premium=D("0.05"))
    data = json.loads(to_json(terms))
    assert data["floors"] == {"一级": "1.60"}
    assert data["premium"] == "0.05"
    assert to_json(terms) == to_json(structure(unstructure(terms), PriceTerms))


def test_json_numbers_that_are_whole_are_read_as_integers() -> None:
    slip = from_json('{"gross_kg": 100, "tare_kg": "2.5", "grade": "一级"}', Weighing)
    assert slip.gross_kg == Decimal(100)


def _contract_data() -> dict[str, Any]:
    deal = Contract.from_template(
        "朝天椒",
        "dried",
        contract_no="SZ-2018-LJ-0001",
        enterprise="91611002MA6YQKCR9U",
        household="61100219650301002X",
        season=2018,
        area_mu="2.5",
    )
    data: dict[str, Any] = unstructure(deal)
    return data


@pytest.mark.parametrize(
    "path",
    [
        ("area_mu",),
        ("terms", "premium"),
        ("terms", "floors", "一等"),
        ("terms", "moisture_standard"),
        ("inputs", 0, "unit_cost"),
        ("inputs", 0, "quantity"),
    ],
)
def test_a_float_is_refused_with_the_path_of_its_field(path: tuple[str | int, ...]) -> None:
    data = _contract_data()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = 0.05
    with pytest.raises(ValidationError) as caught:
        structure(data, Contract)
    assert caught.value.fields == (".".join(map(str, path)),)
    assert caught.value.problems[0].code == "float"
    assert "浮点数" in caught.value.messages("zh")[0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), "colour"),
        (("terms",), "terms.colour"),
        (("inputs", 0), "inputs.0.colour"),
    ],
)
def test_an_unknown_key_is_refused_with_its_path(
    path: tuple[str | int, ...], expected: str
) -> None:
    data = _contract_data()
    target: Any = data
    for step in path:
        target = target[step]
    target["colour"] = "red"
    with pytest.raises(ValidationError) as caught:
        structure(data, Contract)
    assert caught.value.fields == (expected,)
    assert caught.value.problems[0].code == "unknown_key"


def test_every_problem_of_a_document_is_reported_together() -> None:
    data = _contract_data()
    data["area_mu"] = 2.5
    data["terms"]["premium"] = 0.1
    data["inputs"][0]["bogus"] = 1
    del data["season"]
    with pytest.raises(ValidationError) as caught:
        structure(data, Contract)
    assert set(caught.value.fields) == {"area_mu", "terms.premium", "inputs.0.bogus", "season"}


def test_an_unknown_key_in_a_catalog_file_names_the_crop_and_form() -> None:
    data = unstructure(default_catalog())
    data["crops"][1]["forms"][1]["floors"]["一等"] = 12.5
    data["crops"][1]["forms"][1]["note"] = "typo"
    with pytest.raises(ValidationError) as caught:
        structure(data, type(default_catalog()))
    assert set(caught.value.fields) == {"crops.1.forms.1.floors.一等", "crops.1.forms.1.note"}


@given(weighings(("一级",)), st.sampled_from(["gross_kg", "tare_kg", "moisture", "impurity"]))
def test_any_float_in_a_slip_is_refused_by_name(slip: Weighing, field: str) -> None:
    data = unstructure(slip)
    data[field] = float(data[field])
    with pytest.raises(ValidationError) as caught:
        from_json(json.dumps(data), Weighing)
    assert caught.value.fields == (field,)


def test_rules_of_the_model_are_reported_through_structure() -> None:
    with pytest.raises(ValidationError) as caught:
        structure({"gross_kg": "1", "tare_kg": "10", "grade": "一级"}, Weighing)
    assert caught.value.fields == ("tare_kg",)
    with pytest.raises(ValidationError) as nested:
        data = unstructure(Household("王秀兰", "61100219650301002X", "大荆镇", "南村"))
        data["resident_id"] = "61100219650301002"
        data["head_name"] = ""
        structure(data, Household)
    assert nested.value.fields == ("head_name", "resident_id")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"gross_kg": "10", "grade": "一级"}, "tare_kg"),  # missing
        ({"gross_kg": "ten", "tare_kg": "1", "grade": "一级"}, "gross_kg"),
        ({"gross_kg": True, "tare_kg": "1", "grade": "一级"}, "gross_kg"),
        ({"gross_kg": "10", "tare_kg": "1", "grade": 1}, "grade"),
    ],
)
def test_wrong_values_name_their_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(data, Weighing)
    assert caught.value.fields == (field,)


@pytest.mark.parametrize("data", ["1.5", 7, None, ["gross_kg"]])
def test_something_that_is_not_an_object_is_a_validation_error(data: object) -> None:
    with pytest.raises(ValidationError):
        structure(data, Weighing)


def test_broken_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        from_json('{"gross_kg": "10",', Weighing)
    assert caught.value.fields == ("json",)


def test_errors_are_the_librarys_own_not_cattrs() -> None:
    with pytest.raises(OrderfarmError):
        structure({"gross_kg": 1.5}, Weighing)


def test_a_bare_value_is_named_value() -> None:
    with pytest.raises(ValidationError) as caught:
        structure("ten", Decimal)
    assert caught.value.fields == ("value",)
    assert structure("12.30", Decimal) == D("12.30")
