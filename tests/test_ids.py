"""Resident IDs (GB 11643-1999) and unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import resident_ids, usccs

from orderfarm.errors import (
    IdentifierError,
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from orderfarm.ids import (
    format_resident_id,
    is_valid_resident_id,
    is_valid_uscc,
    mask_account,
    mask_resident_id,
    resident_id_birth_date,
    resident_id_check_character,
    uscc_check_character,
    validate_resident_id,
    validate_uscc,
)

# 611002 (商州区) was created in 2002; a person born in 1965 keeps the number first issued.
# Check character of 61100219650301002:
#   6·7 + 1·9 + 1·10 + 0·5 + 0·8 + 2·4 + 1·2 + 9·1 + 6·6 + 5·3 + 0·7 + 3·9 + 0·10 + 1·5
#   + 0·8 + 0·4 + 2·2 = 42+9+10+8+2+9+36+15+27+5+4 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X
SHANGZHOU_1965 = "61100219650301002X"
ENTERPRISE = "91611002MA6YQKCR9U"


def test_1965_birth_with_a_region_created_later_is_valid() -> None:
    assert resident_id_check_character(SHANGZHOU_1965[:17]) == "X"
    assert validate_resident_id(SHANGZHOU_1965) == SHANGZHOU_1965
    assert is_valid_resident_id(SHANGZHOU_1965)
    assert resident_id_birth_date(SHANGZHOU_1965) == dt.date(1965, 3, 1)


def test_a_birth_date_after_a_day_is_named_as_a_typo() -> None:
    from orderfarm.ids import birth_after

    body = "611002" + "20300101" + "002"
    number = body + resident_id_check_character(body)
    assert is_valid_resident_id(number)  # read back from a store as it was stored
    problem = birth_after(number, dt.date(2026, 12, 2))
    assert problem is not None and "出生日期 2030-01-01 晚于今天" in problem.message("zh")
    assert birth_after(number, dt.date(2030, 1, 1)) is None  # born that day: a newborn


def test_resident_id_is_normalised_from_what_a_clerk_types() -> None:
    # lower-case x, spaces and full-width digits from a Chinese input method
    assert validate_resident_id(" 611002 19650301 002x ") == SHANGZHOU_1965
    assert validate_resident_id("６１１００２１９６５０３０１００２Ｘ") == SHANGZHOU_1965


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("6110021965030100", InvalidLength),
        ("61100219650301002XX", InvalidLength),
        ("6110021965030100AX", InvalidFormat),
        ("61100219650301002Z", InvalidFormat),
        ("99100219650301002X", InvalidComponent),  # 99 is no province
        ("611002196502300021", InvalidComponent),  # 30 February
        ("611002189903010023", InvalidComponent),  # before 1900
        ("611002196503010021", InvalidChecksum),
    ],
)
def test_invalid_resident_ids_raise_a_specific_error(
    number: str, error: type[IdentifierError]
) -> None:
    with pytest.raises(error) as caught:
        validate_resident_id(number, field="resident_id")
    assert caught.value.fields == ("resident_id",)
    assert not is_valid_resident_id(number)


def test_checksum_error_says_what_the_check_character_should_be() -> None:
    with pytest.raises(InvalidChecksum) as caught:
        validate_resident_id("611002196503010021")
    assert "expected X" in str(caught.value)
    assert "校验码" in caught.value.messages("zh")[0]


@given(resident_ids())
def test_generated_resident_ids_are_valid(number: str) -> None:
    assert validate_resident_id(number) == number
    assert is_valid_resident_id(number.lower())


@given(resident_ids(), st.data())
def test_any_single_changed_character_of_a_resident_id_fails(
    number: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, 17))
    other = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]]))
    changed = number[:position] + other + number[position + 1 :]
    assert not is_valid_resident_id(changed)


@given(resident_ids(born=dt.date(1965, 3, 1)))
def test_any_region_of_a_real_province_passes_whatever_the_birth_year(number: str) -> None:
    assert is_valid_resident_id(number)


def test_mask_shows_only_first_six_and_last_four() -> None:
    assert mask_resident_id(SHANGZHOU_1965) == "611002********002X"
    assert mask_resident_id("12345") == "*****"
    assert format_resident_id(SHANGZHOU_1965) == "611002 19650301 002X"
    assert mask_account("6217 0000 1234 5678") == "************5678"


def test_enterprise_code_is_valid_and_normalised() -> None:
    assert validate_uscc(" 91611002ma6yqkcr9u ") == ENTERPRISE
    assert is_valid_uscc(ENTERPRISE)
    assert uscc_check_character(ENTERPRISE[:17]) == "U"


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("91611002MA6YQKCR9", InvalidLength),
        ("9161100AMA6YQKCR9U", InvalidFormat),
        ("91611002MA6YQKCRIU", InvalidFormat),  # I is not in the code alphabet
        ("91611002MA6YQKCR9A", InvalidChecksum),
    ],
)
def test_invalid_enterprise_codes_raise_a_specific_error(
    number: str, error: type[IdentifierError]
) -> None:
    with pytest.raises(error) as caught:
        validate_uscc(number)
    assert caught.value.fields == ("uscc",)
    assert not is_valid_uscc(number)


@given(usccs())
def test_generated_enterprise_codes_are_valid(number: str) -> None:
    assert validate_uscc(number) == number


@given(usccs(), st.data())
def test_any_single_changed_character_of_an_enterprise_code_fails(
    number: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, 17))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    other = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + other + number[position + 1 :]
    assert not is_valid_uscc(changed)


def test_identifiers_refuse_non_text() -> None:
    with pytest.raises(TypeError):
        validate_resident_id(611002196503010020)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate_uscc(None)  # type: ignore[arg-type]
