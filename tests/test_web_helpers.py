"""The page's plain functions: search, form text, defaults, the what-if, pages per role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orderfarm import Contract, D
from orderfarm.auth import Role
from orderfarm.crops import default_catalog
from orderfarm.errors import Problem, ValidationError
from orderfarm.web import helpers


class _H:
    def __init__(self, name: str, rid: str, township: str, village: str) -> None:
        self.head_name, self.resident_id, self.township, self.village = name, rid, township, village


HOMES = [
    _H("张三", "11010519491231002X", "大荆镇", "东沟村"),
    _H("李四", "611002196503010011", "黑山镇", "西岔村"),
    _H("曾广", "612501197001010022", "大荆镇", "河口村"),
]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("zs", ["张三"]),
        ("ZS", ["张三"]),
        ("z", ["张三", "曾广"]),
        ("cg", ["曾广"]),  # 曾 reads zeng or ceng: either initial finds it
        ("002x", ["张三"]),
        ("0011", ["李四"]),
        ("西岔", ["李四"]),
        ("大荆镇", ["张三", "曾广"]),
        ("李", ["李四"]),
        ("", ["张三", "李四", "曾广"]),
        ("zsx", []),
        ("王", []),
    ],
)
def test_search_finds_households_by_name_initials_id_tail_and_place(
    query: str, names: list[str]
) -> None:
    assert [h.head_name for h in helpers.search(HOMES, query)] == names


def test_form_numbers_parse_exactly_and_name_their_field() -> None:
    assert helpers.parse_decimal("１,２００.５", "gross_kg") == Decimal("1200.5")
    assert helpers.parse_decimal(" ", "floor", required=False) is None
    with pytest.raises(ValidationError) as exc:
        helpers.parse_decimal("", "gross_kg")
    assert exc.value.fields == ("gross_kg",)
    assert helpers.parse_percent("15", "moisture") == Decimal("0.15")
    assert helpers.parse_percent("12.5%", "moisture") == Decimal("0.125")
    assert helpers.parse_percent("", "impurity") == 0
    for typed, shown in (("100", "100"), ("-1", "-1"), ("150%", "150")):  # said as typed
        with pytest.raises(ValidationError) as exc:
            helpers.parse_percent(typed, "impurity")
        assert exc.value.messages("zh") == [
            f"杂质: 须为 0 到 100 之间的百分数（不含 100），实为「{shown}」"
        ]
    values, problems = helpers.collect(("a", "1", True), ("b", "x", True), ("c", "", False))
    assert values == {"a": Decimal(1), "b": None, "c": None}
    assert [p.field for p in problems] == ["b"]
    assert helpers.required(values, "a") == 1
    with pytest.raises(ValidationError):
        helpers.required(values, "b")


def test_problems_go_under_their_fields() -> None:
    problems = [
        Problem("gross_kg", "required"),
        Problem("terms.moisture", "fraction", {"value": 2}),
        Problem("market_price", "positive"),
    ]
    placed, other = helpers.problems_by_field(problems, ["gross_kg", "moisture"])
    assert [p.code for p in placed["gross_kg"]] == ["required"]
    assert [p.code for p in placed["moisture"]] == ["fraction"]
    assert [p.field for p in other] == ["market_price"]


def test_a_receipt_number_starts_with_its_point_and_day() -> None:
    day = dt.date(2018, 10, 30)
    assert helpers.receipt_stem(day, "大荆 P1") == "P120181030-"
    assert helpers.receipt_stem(day) == helpers.receipt_stem(day, "大荆") == "W20181030-"


def test_a_slip_defaults_to_today_or_the_last_priced_day_in_the_window() -> None:
    contract = Contract.from_template(
        "朝天椒",
        "dried",
        contract_no="C-1",
        enterprise="91611002MA6YQKCR9U",
        household="11010519491231002X",
        season=2018,
        area_mu="1",
    )
    priced = [dt.date(2018, 9, 5), dt.date(2018, 10, 30), dt.date(2018, 11, 20)]
    assert helpers.default_slip_day(contract, priced, dt.date(2018, 9, 10)) == dt.date(2018, 9, 10)
    assert helpers.default_slip_day(contract, priced, dt.date(2026, 1, 1)) == dt.date(2018, 10, 30)
    assert helpers.default_slip_day(contract, [], dt.date(2026, 1, 1)) == dt.date(2018, 10, 31)
    assert helpers.default_slip_day(contract, [], dt.date(2018, 1, 1)) == dt.date(2018, 1, 1)


def test_the_floor_secures_a_bad_year_and_never_costs_the_household() -> None:
    result = helpers.what_if(
        default_catalog(),
        "chilli",
        "dried",
        D("2"),
        grade="一等",
        yield_kg_per_mu=D("250"),
        market_price=D("12"),
        floor=D("12"),
        baseline_net_per_mu=D("350"),
        draws=2000,
    )
    assert result.floor_secures > 0
    assert result.risk_protected.p10_net >= result.risk_unprotected.p10_net
    assert result.protected.expected_paid_price > result.unprotected.expected_paid_price
    rows = result.chart_rows({"with_floor": "有", "without_floor": "无", "mean": "平均"})
    assert len(rows) == 8 and {r["scenario"] for r in rows} == {"有", "无"}
    none = helpers.what_if(
        default_catalog(),
        "chilli",
        "dried",
        D("2"),
        grade="一等",
        yield_kg_per_mu=D("1000"),
        market_price=D("12"),
        floor=None,
        baseline_net_per_mu=D("350"),
        draws=500,
    )  # a yield outside the catalog's range widens it rather than failing
    assert none.floor_secures == 0


def test_yield_bounds_hold_the_yield_typed() -> None:
    assert helpers.yield_bounds(D("250"), D("150"), D("400")) == (D("150"), D("400"))
    low, high = helpers.yield_bounds(D("1000"), D("150"), D("400"))
    assert low < D("1000") < high


def test_each_role_sees_its_pages() -> None:
    names = {role: [p.name for p in helpers.pages_for(role)] for role in Role}
    assert names[Role.ADMIN] == [p.name for p in helpers.PAGES]
    assert "weighing" in names[Role.CLERK] and "audit" not in names[Role.CLERK]
    assert "inspection" not in names[Role.CLERK]
    assert "users" not in names[Role.CLERK] and "files" in names[Role.CLERK]
    # an inspector is a viewer: the inspection sample, not the admin's audit log
    assert names[Role.VIEWER] == [
        "dashboard",
        "households",
        "settlement",
        "estimate",
        "market",
        "inspection",
    ]


def test_formatting() -> None:
    assert helpers.yuan(D("1234.5")) == "¥1,234.50"
    assert helpers.yuan(None) == "—"
    assert helpers.kg(D("1234.5")) == "1,234.50 kg"
    # areas and unit prices as they are: no half-even rounding to 2.2 mu or ¥14.94
    assert helpers.mu(D("12345.2500")) == "12,345.25"
    assert helpers.mu(D("100")) == "100"
    assert helpers.price(D("14.9415")) == "¥14.9415"
    assert helpers.price(D("1.29558681"), places=4) == "≈¥1.2956"
    assert helpers.price(None) == "—"
    assert helpers.day(dt.date(2018, 11, 5)) == "2018-11-05"
    assert helpers.percent(D("0.15")) == "15.0%"
    assert helpers.percent(D("0.1525")) == "15.3%"  # half-up, not half-even 15.2%
    assert helpers.crop_label(default_catalog(), "chilli", "dried", "zh") == "朝天椒 干椒"
    assert helpers.crop_name(default_catalog(), "nope", "zh") == "nope"
    assert helpers.kpis([]).households == 0


def test_an_input_defaults_to_a_day_of_its_season() -> None:
    """Today while the deliveries have not ended; typed in after them, the day it was signed
    (seed and seedlings come at planting), not the day of typing."""
    from orderfarm.web.helpers import default_supply_day
    from tests.test_store_support import chilli_contract, household

    contract = chilli_contract("C-1", household(1)).sign(dt.date(2018, 5, 1))
    assert contract.delivery_end == dt.date(2018, 10, 31)
    assert default_supply_day(contract, dt.date(2018, 6, 3)) == dt.date(2018, 6, 3)
    assert default_supply_day(contract, dt.date(2026, 12, 2)) == dt.date(2018, 5, 1)
    unsigned = chilli_contract("C-2", household(2))
    assert default_supply_day(unsigned, dt.date(2026, 12, 2)) == dt.date(2018, 8, 1)
