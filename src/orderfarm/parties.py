"""The parties to a contract: 订单企业 enterprises and 农户 households."""

from __future__ import annotations

import enum
import re
import unicodedata

import attrs

from orderfarm.checks import Checks
from orderfarm.errors import IdentifierError, ValidationError
from orderfarm.ids import mask_resident_id, validate_resident_id, validate_uscc

_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,19}")
#: a character of a name written in Chinese: a Han character, or the dot between the parts
#: of a transcribed name (买买提·艾力)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff·・]")


def person_name(text: str) -> str:
    """A person's name as the bank list must carry it: without blanks around it, and none
    (ASCII or full-width, as a two-character name is padded in Chinese documents) between
    Chinese characters; a name in Latin letters keeps one space between its words.

    >>> person_name("  李　四 "), person_name("Li  Ming")
    ('李四', 'Li Ming')
    """
    words = text.split()
    joined = words[:1]
    for word in words[1:]:
        apart = not (_HAN.match(joined[-1][-1]) and _HAN.match(word[0]))
        joined.append(" " + word if apart else word)
    return "".join(joined)


class PovertyStatus(enum.Enum):
    """A household's status in the poverty register."""

    REGISTERED_POOR = "建档立卡贫困户"  # registered poor household (建档立卡)
    LIFTED = "脱贫户"  # lifted out of poverty
    MONITORED = "监测户"  # monitored for relapse
    GENERAL = "一般户"  # not in the register

    @property
    def en(self) -> str:
        """The English name."""
        return {
            "建档立卡贫困户": "registered poor",
            "脱贫户": "lifted out of poverty",
            "监测户": "monitored",
            "一般户": "general",
        }[self.value]

    @classmethod
    def parse(cls, text: str) -> PovertyStatus:
        """A status from its Chinese value, English name or member name."""
        key = text.strip()
        for status in cls:
            if key in (status.value, status.en, status.name, status.name.lower()):
                return status
        raise ValueError(f"unknown poverty status {text!r}")


def _poverty_status(value: PovertyStatus | str) -> PovertyStatus:
    """The status itself, or one read from its Chinese value or English name."""
    if isinstance(value, PovertyStatus):
        return value
    if isinstance(value, str):
        try:
            return PovertyStatus.parse(value)
        except ValueError:
            pass
    choices = "、".join(status.value for status in PovertyStatus)
    raise ValidationError.one("poverty_status", "bad_choice", choices=choices, value=value)


@attrs.frozen
class Enterprise:
    """订单企业 — a processing enterprise that contracts households; keyed by its credit code."""

    name: str
    uscc: str

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        checks.text("name", self.name, limit=100)
        try:
            object.__setattr__(self, "uscc", validate_uscc(self.uscc))
        except IdentifierError as exc:
            checks.extend(exc.problems)
        except TypeError:
            checks.add("uscc", "wrong_type", expected="text", got=type(self.uscc).__name__)
        checks.done()


@attrs.frozen
class Household:
    """农户 — a household, keyed by the head's resident ID."""

    head_name: str
    resident_id: str
    township: str
    village: str
    group: str = ""
    phone: str = ""
    members: int = 1
    poverty_status: PovertyStatus = attrs.field(
        default=PovertyStatus.REGISTERED_POOR, converter=_poverty_status
    )
    account: str = ""

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        if isinstance(self.head_name, str):  # 「李 四」 and 「李　四」 are 李四, found as such
            object.__setattr__(self, "head_name", person_name(self.head_name))
        checks.text("head_name", self.head_name, limit=40)
        checks.text("township", self.township, limit=40)
        checks.text("village", self.village, limit=40)
        checks.text("group", self.group, required=False, limit=40)
        try:
            object.__setattr__(self, "resident_id", validate_resident_id(self.resident_id))
        except IdentifierError as exc:
            checks.extend(exc.problems)
        except TypeError:  # an ID read from a spreadsheet as a number loses its X and zeros
            checks.add(
                "resident_id", "wrong_type", expected="text", got=type(self.resident_id).__name__
            )
        if isinstance(self.phone, str):  # full-width digits, as a Chinese keyboard may type
            object.__setattr__(self, "phone", unicodedata.normalize("NFKC", self.phone).strip())
        if not isinstance(self.phone, str) or (self.phone and not _PHONE.fullmatch(self.phone)):
            checks.add("phone", "bad_phone", value=self.phone)
        if (
            isinstance(self.members, bool)
            or not isinstance(self.members, int)
            or not 1 <= self.members <= 30
        ):
            checks.add("members", "members_range", value=self.members)
        if isinstance(self.account, str):
            account = "".join(self.account.split())
            if account and (not account.isascii() or not account.isalnum() or len(account) > 40):
                checks.add("account", "id_format", value=self.account)
            object.__setattr__(self, "account", account)
        else:
            checks.add("account", "wrong_type", expected="text", got=type(self.account).__name__)
        checks.done()

    @property
    def masked_id(self) -> str:
        """The resident ID with only the first 6 and last 4 characters shown."""
        return mask_resident_id(self.resident_id)

    @property
    def is_poor(self) -> bool:
        """Whether the household is a registered poor household (建档立卡贫困户)."""
        return self.poverty_status is PovertyStatus.REGISTERED_POOR
