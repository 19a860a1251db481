"""``D()``, half-up rounding to the fen, and whole minor units (fen, grams)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import amounts, decimals

from orderfarm import Weighing
from orderfarm.errors import ValidationError
from orderfarm.money import (
    D,
    decimal_places,
    format_price,
    format_yuan,
    from_fen,
    from_grams,
    optional_D,
    round_kg,
    round_yuan,
    to_fen,
    to_grams,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.30", Decimal("12.30")),
        (" 1,200.5 ", Decimal("1200.5")),
        ("１,２００.５", Decimal("1200.5")),  # full-width digits from a Chinese keyboard
        ("-0.01", Decimal("-0.01")),
        (".5", Decimal("0.5")),
        (7, Decimal(7)),
        (Decimal("3.14"), Decimal("3.14")),
    ],
)
def test_D_reads_text_int_and_decimal_exactly(text: str | int | Decimal, expected: Decimal) -> None:
    value = D(text)
    assert value == expected
    assert str(value) == str(expected)  # places kept: "12.30" stays 12.30


@pytest.mark.parametrize("bad", [1.5, 0.1, float("nan"), True])
def test_D_refuses_floats_and_bools_with_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        D(bad)  # type: ignore[arg-type]


@given(st.floats())
def test_D_refuses_every_float(number: float) -> None:
    with pytest.raises(TypeError, match="float"):
        D(number)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "abc", "1e3", "NaN", "Infinity", "1,23", "12元"])
def test_D_refuses_text_that_is_not_a_plain_number_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        D(bad, "gross_kg")
    assert caught.value.fields == ("gross_kg",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 200.50", Decimal("1200.50")),
        ("1\u00a0200.50", Decimal("1200.50")),  # Excel's no-break space
        ("1\u3000200", Decimal("1200")),  # a Chinese keyboard's full-width space
        ("-12 345 678", Decimal("-12345678")),
        ("\u3000 61.5\u00a0", Decimal("61.5")),  # blanks around the number are trimmed
    ],
)
def test_D_reads_spaces_that_group_thousands(text: str, expected: Decimal) -> None:
    assert D(text) == expected


@pytest.mark.parametrize(
    "bad", ["6 1.5", "1 2 3", "0. 5", "12 34", "1  200", "- 1200", "1 200,000", "1\u00a02"]
)
def test_D_refuses_a_space_inside_a_number_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        D(bad, "gross_kg")
    assert caught.value.fields == ("gross_kg",)
    assert caught.value.problems[0].code == "space_in_number"
    assert "空格" in caught.value.message("zh")


@given(st.text("0123456789., -", min_size=1, max_size=12).filter(lambda t: "," not in t))
@example("1 2 3")
@example("1 200.50")
def test_a_space_in_a_number_is_read_as_a_comma_would_be(text: str) -> None:
    """A space groups thousands exactly where a comma may, and nowhere else."""
    try:
        as_comma: Decimal | None = D(text.strip().replace(" ", ","))
    except ValidationError:
        as_comma = None
    try:
        as_space: Decimal | None = D(text)
    except ValidationError:
        as_space = None
    assert as_space == as_comma


@given(st.integers(-(10**14), 10**14), st.integers(1, 6))
@example(1, 3)  # Decimal("1E+3"), as Decimal("1000").normalize() gives it
def test_a_decimal_with_an_exponent_is_written_out_and_its_text_reads_back(
    digits: int, exponent: int
) -> None:
    value = Decimal(digits).scaleb(exponent)
    if abs(value) >= 10**15:
        return
    written = D(value, "gross_kg")
    assert written == value and "E" not in str(written)
    assert D(str(written)) == value
    if value > 0:
        assert str(Weighing(gross_kg=value, tare_kg="0", grade="一等").gross_kg) == str(written)


def test_D_refuses_non_finite_decimals() -> None:
    with pytest.raises(ValidationError):
        D(Decimal("Infinity"), "market_price")


def test_optional_D_reads_blank_as_none() -> None:
    assert optional_D(None) is None
    assert optional_D("  ") is None
    assert optional_D("0.14") == Decimal("0.14")


@given(decimals("-100000", "100000", 6))
def test_D_of_its_own_text_is_the_same_number(value: Decimal) -> None:
    assert D(str(value)) == value


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        ("2.675", "2.68"),  # half-up, where float would give 2.67
        ("1.625", "1.63"),  # banker's rounding would give 1.62
        ("0.005", "0.01"),
        ("0.0049999", "0.00"),
        ("-1.005", "-1.01"),  # half away from zero for a refund
        ("12", "12.00"),
    ],
)
def test_round_yuan_is_half_up_to_the_fen(raw: str, rounded: str) -> None:
    result = round_yuan(Decimal(raw))
    assert str(result) == rounded


@given(decimals("-1000000", "1000000", 6))
def test_round_yuan_is_within_half_a_fen_and_has_two_places(value: Decimal) -> None:
    result = round_yuan(value)
    assert result.as_tuple().exponent == -2
    assert abs(result - value) <= Decimal("0.005")
    assert result == value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert round_yuan(result) == result  # rounding once is enough


@given(decimals("0", "100000", 5))
def test_round_kg_is_half_up_to_the_hundredth(value: Decimal) -> None:
    result = round_kg(value)
    assert result.as_tuple().exponent == -2
    assert abs(result - value) <= Decimal("0.005")


@pytest.mark.parametrize("fn", [round_yuan, round_kg, to_fen, to_grams, decimal_places])
def test_helpers_refuse_floats(fn: object) -> None:
    with pytest.raises(TypeError):
        fn(1.5)  # type: ignore[operator]


@given(amounts)
def test_fen_round_trip(amount: Decimal) -> None:
    fen = to_fen(amount)
    assert isinstance(fen, int)
    assert from_fen(fen) == amount
    assert str(from_fen(fen)) == str(amount)


@given(st.integers())
@example(10**40 + 7)
def test_from_fen_then_to_fen_is_exact_for_any_integer(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen
    assert from_fen(fen).as_tuple().exponent == -2


def test_to_fen_refuses_amounts_finer_than_a_fen() -> None:
    with pytest.raises(ValueError, match=r"0\.01"):
        to_fen(Decimal("1.005"))
    assert to_fen(Decimal("1.500")) == 150  # trailing zeros are still whole fen


def test_from_fen_needs_an_int() -> None:
    with pytest.raises(TypeError):
        from_fen(True)
    with pytest.raises(TypeError):
        from_fen(1.0)  # type: ignore[arg-type]


@given(decimals("0", "1000000", 3))
def test_gram_round_trip(kg: Decimal) -> None:
    assert from_grams(to_grams(kg)) == kg
    assert to_grams(Decimal("1.5")) == 1500


def test_decimal_places_counts_written_places() -> None:
    assert decimal_places(Decimal("1.50")) == 2
    assert decimal_places(Decimal("7")) == 0
    assert decimal_places(Decimal("1E+2")) == 0


def test_format_yuan_groups_thousands_and_rounds_once() -> None:
    assert format_yuan(Decimal("1391.875")) == "¥1,391.88"
    assert format_yuan(Decimal("0")) == "¥0.00"


@pytest.mark.parametrize(
    ("price", "places", "shown"),
    [
        ("1.2", None, "1.20"),
        ("2", None, "2.00"),
        ("14.9415", None, "14.9415"),  # 14.23 × 1.05: not rounded to 14.94
        ("15.025000", None, "15.025"),  # no half-even 15.02, no needless zeros
        ("1.29558680946486953", 4, "≈1.2956"),
        ("1.20", 4, "1.20"),
    ],
)
def test_a_unit_price_is_shown_as_it_is(price: str, places: int | None, shown: str) -> None:
    assert format_price(Decimal(price), places) == shown


@given(decimals("0", "100000", 8))
def test_a_shown_unit_price_reads_back_as_the_same_price(price: Decimal) -> None:
    assert Decimal(format_price(price)) == price


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False))
def test_a_weight_is_shown_as_weighed(kg: Decimal) -> None:
    from orderfarm.money import format_weight

    shown = format_weight(kg)
    assert Decimal(shown.replace(",", "")) == kg  # nothing dropped or rounded
    assert len(shown.partition(".")[2]) >= 2
    assert format_weight(Decimal("1280.5")) == "1,280.50"
    assert format_weight(Decimal("128.456")) == "128.456"
