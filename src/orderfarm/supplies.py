"""统一配发 — inputs an enterprise supplies (seed tubers, seedlings, film, fertiliser)."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from orderfarm.checks import Checks
from orderfarm.errors import ValidationError
from orderfarm.money import D, round_yuan


class ChargeMode(enum.Enum):
    """How the household pays for a supplied input."""

    FREE = "free"  # the enterprise or the government pays; not a household cost
    ADVANCE = "advance"  # recovered from the household's proceeds at settlement
    PAID = "paid"  # paid by the household at signing

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return {"free": "免费", "advance": "垫付（结算扣回）", "paid": "签约时付清"}[self.value]


def charge_mode(value: ChargeMode | str) -> ChargeMode:
    """The mode itself, or one read from its value (``"advance"``); else a ``ValidationError``."""
    if isinstance(value, ChargeMode):
        return value
    try:
        return ChargeMode(value.strip() if isinstance(value, str) else value)
    except ValueError:
        choices = "、".join(mode.value for mode in ChargeMode)
        raise ValidationError.one("charge", "bad_choice", choices=choices, value=value) from None


@attrs.frozen
class InputSupply:
    """A quantity of one input at a unit cost, charged in one way; amount = quantity × unit cost."""

    item: str
    quantity: Decimal = attrs.field(converter=D)
    unit: str
    unit_cost: Decimal = attrs.field(converter=D)
    #: text such as ``"advance"`` is read as the mode, so a comparison with ``is`` holds
    charge: ChargeMode = attrs.field(default=ChargeMode.ADVANCE, converter=charge_mode)

    def __attrs_post_init__(self) -> None:
        checks = Checks()
        checks.text("item", self.item, limit=60)
        checks.text("unit", self.unit, limit=20)
        checks.positive("quantity", self.quantity)
        checks.non_negative("unit_cost", self.unit_cost)
        checks.done()

    @property
    def amount(self) -> Decimal:
        """Quantity × unit cost, rounded half-up to the fen."""
        return round_yuan(self.quantity * self.unit_cost)
