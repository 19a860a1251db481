"""Enterprises and households: validated at construction, every problem reported at once."""

from __future__ import annotations

import pytest
from hypothesis import given
from strategies import households

from orderfarm import Enterprise, Household, PovertyStatus, ValidationError

ID_1965 = "61100219650301002X"
USCC = "91611002MA6YQKCR9U"


def household(**changes: object) -> Household:
    values: dict[str, object] = {
        "head_name": "王秀兰",
        "resident_id": ID_1965,
        "township": "大荆镇",
        "village": "南村",
        "group": "三组",
        "phone": "139 9140 1234",
        "members": 4,
    }
    values.update(changes)
    return Household(**values)  # type: ignore[arg-type]


def test_a_household_is_keyed_by_the_normalised_id() -> None:
    home = household(resident_id="611002 19650301 002x", account="6217 0000 1234 5678")
    assert home.resident_id == ID_1965
    assert home.account == "6217000012345678"
    assert home.masked_id == "611002********002X"
    assert home.is_poor  # registered poor by default


def test_a_phone_typed_in_full_width_digits_is_kept_in_ordinary_digits() -> None:
    assert household(phone="１３９ ９１４０ １２３４").phone == "139 9140 1234"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  李 四 ", "李四"),
        ("李\u3000四", "李四"),  # a two-character name padded to three, as documents do
        ("欧阳  娜娜", "欧阳娜娜"),
        ("买买提 · 艾力", "买买提·艾力"),
        (" Li   Ming ", "Li Ming"),  # a name in Latin letters keeps a space between words
        ("李 Ming", "李 Ming"),
    ],
)
def test_a_head_name_is_stored_without_blanks_between_chinese_characters(
    typed: str, stored: str
) -> None:
    assert household(head_name=typed).head_name == stored
    assert household(head_name=typed) == household(head_name=stored)


def test_a_name_of_blanks_only_is_blank() -> None:
    with pytest.raises(ValidationError) as caught:
        household(head_name="\u3000 ")
    assert caught.value.messages("zh") == ["户主姓名: 不能为空白"]


def test_a_household_read_back_from_json_has_its_name_as_stored() -> None:
    from orderfarm.serial import from_json, to_json

    text = to_json(household(head_name="李四")).replace("李四", "  李　四 ")
    assert from_json(text, Household).head_name == "李四"


def test_a_blank_id_is_said_to_be_missing_not_of_the_wrong_length() -> None:
    with pytest.raises(ValidationError) as caught:
        household(resident_id="  ")
    assert caught.value.messages("zh") == ["身份证号: 不能为空"]


def test_bad_id_and_blank_name_give_two_problems_with_their_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        household(head_name="  ", resident_id="611002196503010021")
    assert caught.value.fields == ("head_name", "resident_id")
    zh = caught.value.messages("zh")
    assert zh[0].startswith("户主姓名") and zh[1].startswith("身份证号")


def test_every_problem_of_a_household_is_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        household(
            head_name="",
            resident_id="123",
            township="",
            village="",
            phone="call me",
            members=0,
            account="卡号 12",
        )
    assert set(caught.value.fields) == {
        "head_name",
        "resident_id",
        "township",
        "village",
        "phone",
        "members",
        "account",
    }


def test_a_name_that_is_not_text_is_reported_not_crashed_on() -> None:
    with pytest.raises(ValidationError) as caught:
        household(head_name=12345, village=None)
    assert caught.value.fields == ("head_name", "village")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("建档立卡贫困户", PovertyStatus.REGISTERED_POOR),
        ("脱贫户", PovertyStatus.LIFTED),
        ("monitored", PovertyStatus.MONITORED),
        ("GENERAL", PovertyStatus.GENERAL),
        (PovertyStatus.LIFTED, PovertyStatus.LIFTED),
    ],
)
def test_poverty_status_is_read_from_chinese_or_english(
    text: str | PovertyStatus, status: PovertyStatus
) -> None:
    home = household(poverty_status=text)
    assert home.poverty_status is status
    assert home.is_poor is (status is PovertyStatus.REGISTERED_POOR)


def test_unknown_poverty_status_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        household(poverty_status="富裕户")
    assert caught.value.fields == ("poverty_status",)
    assert "脱贫户" in str(caught.value)  # lists the choices


def test_households_are_frozen() -> None:
    home = household()
    with pytest.raises(AttributeError):
        home.head_name = "李四"  # type: ignore[misc]


@given(households)
def test_generated_households_keep_their_id(home: Household) -> None:
    assert len(home.resident_id) == 18
    assert home.masked_id[:6] == home.resident_id[:6]


def test_an_enterprise_is_keyed_by_its_normalised_credit_code() -> None:
    firm = Enterprise("商洛某农业科技有限公司", " 91611002ma6yqkcr9u ")
    assert firm.uscc == USCC


def test_an_enterprise_reports_blank_name_and_bad_code_together() -> None:
    with pytest.raises(ValidationError) as caught:
        Enterprise("", "91611002MA6YQKCR9A")
    assert caught.value.fields == ("name", "uscc")
    assert "expected U" in str(caught.value)


def test_an_id_read_as_a_number_is_reported_with_the_other_problems() -> None:
    # Excel turns an ID into a number and drops the X; the clerk sees it with everything else.
    with pytest.raises(ValidationError) as caught:
        household(resident_id=611002196503010020, head_name="", account=6217000012345678)
    assert caught.value.fields == ("head_name", "resident_id", "account")
    with pytest.raises(ValidationError) as firm:
        Enterprise("", 91611002)  # type: ignore[arg-type]
    assert firm.value.fields == ("name", "uscc")
