"""Identifiers: the resident ID (居民身份证号, GB 11643-1999) and the unified social credit code
(统一社会信用代码, GB 32100-2015), with python-stdnum's verbs.

A resident ID is a 6-digit region code, an 8-digit birth date, a 3-digit sequence and a check
character (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, mod 11 → ``10X98765432``). Region codes
change over time and a person keeps the number first issued, so only the province is checked:
a 1965 birth with the region 611002 (created 2002) is valid.

>>> validate_resident_id(" 61100219650301002x ")
'61100219650301002X'
>>> mask_resident_id('61100219650301002X')
'611002********002X'
>>> is_valid_uscc('91611002MA6Y0XGX3A')
False
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Final

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as _uscc

from orderfarm.errors import (
    IdentifierError,
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    Problem,
)

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK: Final = "10X98765432"

#: Province-level codes (first two digits) of GB/T 2260, with 71 Taiwan, 81 Hong Kong, 82 Macao
#: and 83 (residence permits of Taiwan residents).
PROVINCES: Final = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)


def _compact(number: str, field: str) -> str:
    if not isinstance(number, str):
        raise TypeError(f"{field}: expected str, got {type(number).__name__}")
    text = unicodedata.normalize("NFKC", number)
    return "".join(text.split()).replace("-", "").upper()


def compact_resident_id(number: str) -> str:
    """The ID without spaces or dashes, full-width characters folded, ``x`` upper-cased."""
    return _compact(number, "resident_id")


def resident_id_check_character(body: str) -> str:
    """The check character for the first 17 digits of a resident ID."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a resident ID is 17 digits")
    return _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def resident_id_birth_date(number: str) -> dt.date:
    """The holder's birth date, from a valid ID."""
    number = validate_resident_id(number)
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_resident_id(number: str, field: str = "resident_id") -> str:
    """The normal form of a resident ID, or a specific ``IdentifierError`` naming ``field``."""
    number = _compact(number, field)
    if not number:
        raise InvalidLength([Problem(field, "required")])
    if len(number) != 18:
        raise InvalidLength([Problem(field, "id_length", {"length": 18, "got": len(number)})])
    body, check = number[:17], number[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        raise InvalidFormat([Problem(field, "id_format", {"value": number})])
    if int(number[:2]) not in PROVINCES:
        raise InvalidComponent([Problem(field, "id_region", {"region": number[:6]})])
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900:
        raise InvalidComponent([Problem(field, "id_birth_date", {"value": number[6:14]})])
    expected = resident_id_check_character(body)
    if check != expected:
        raise InvalidChecksum([Problem(field, "id_checksum", {"expected": expected})])
    return number


def birth_after(number: str, day: dt.date, field: str = "resident_id") -> Problem | None:
    """The problem of a valid ID whose holder was born after ``day`` (today, when a household
    is registered): a typo in its date, which the checksum may not catch. (A stored ID is not
    refused for it when read back.)"""
    born = resident_id_birth_date(number)
    if born > day:
        return Problem(field, "id_birth_future", {"value": born.isoformat()})
    return None


def receipt_key(receipt_no: str) -> str:
    """What makes two receipt numbers one: an all-digit number without its leading zeros,
    which a spreadsheet drops (0001 and 1 are one slip); any other number as it is."""
    if receipt_no.isascii() and receipt_no.isdigit():
        return receipt_no.lstrip("0") or "0"
    return receipt_no


def is_valid_resident_id(number: str) -> bool:
    """Whether ``number`` is a valid resident ID."""
    try:
        validate_resident_id(number)
    except IdentifierError:
        return False
    return True


def mask_resident_id(number: str) -> str:
    """The ID with only its first 6 and last 4 characters shown: ``611002********002X``."""
    number = _compact(number, "resident_id")
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def format_resident_id(number: str) -> str:
    """The ID grouped for reading: ``611002 19650301 001X``."""
    number = validate_resident_id(number)
    return f"{number[:6]} {number[6:14]} {number[14:]}"


def validate_uscc(number: str, field: str = "uscc") -> str:
    """The normal form of a unified social credit code, or an ``IdentifierError``."""
    number = _compact(number, field)
    try:
        return str(_uscc.validate(number))
    except stdnum_errors.InvalidLength:
        raise InvalidLength(
            [Problem(field, "id_length", {"length": 18, "got": len(number)})]
        ) from None
    except stdnum_errors.InvalidChecksum:
        expected = _uscc.calc_check_digit(number)
        raise InvalidChecksum([Problem(field, "id_checksum", {"expected": expected})]) from None
    except stdnum_errors.ValidationError:
        raise InvalidFormat([Problem(field, "id_format", {"value": number})]) from None


def is_valid_uscc(number: str) -> bool:
    """Whether ``number`` is a valid unified social credit code."""
    try:
        validate_uscc(number)
    except IdentifierError:
        return False
    return True


def uscc_check_character(body: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    return str(_uscc.calc_check_digit(body))


def mask_account(account: str) -> str:
    """A payment account with only its last 4 characters shown."""
    account = "".join(account.split())
    return "*" * max(0, len(account) - 4) + account[-4:]


#: Excel keeps 15 significant digits of a number: what it saved of a longer one ends in zeros
EXCEL_DIGITS: Final = 15


def account_doubt(account: str) -> Problem | None:
    """Why a payment account deserves a second look — the digits of 17 or more after the
    15th all zeros, as Excel saves an account it took for a number (6230186929546440273
    shown under the format ``0`` as 6230186929546440000) — or ``None``. A warning, not a
    refusal: a real account may end so (one in a hundred of 17 digits), but a bank transfer
    to the account as saved would fail or reach another."""
    account = "".join(account.split())
    if len(account) <= EXCEL_DIGITS + 1 or not account.isdigit():
        return None
    if account[EXCEL_DIGITS:].strip("0"):
        return None
    return Problem("account", "account_cut_by_excel", {"digits": EXCEL_DIGITS})
