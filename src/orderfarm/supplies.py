"""统一配发 — inputs an enterprise supplies (seed tubers, seedlings, film, fertiliser)."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from orderfarm.checks import Checks
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


@attrs.frozen
class InputSupply:
    """A quantity of one input at a unit cost, charged in one way; amount = quantity × unit cost."""

    item: str
    quantity: Decimal = attrs.field(converter=D)
    unit: str
    unit_cost: Decimal = attrs.field(converter=D)
    charge: ChargeMode = ChargeMode.ADVANCE

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
