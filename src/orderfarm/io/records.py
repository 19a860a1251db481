"""Records that files carry besides the domain's own values: slips, market prices, supplies and
payments as rows (each with the key that makes re-importing it a no-op)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from orderfarm.pricing import Weighing
from orderfarm.supplies import InputSupply


@attrs.frozen
class SlipRecord:
    """收购小票 — one weighing slip from a purchase point, for the contract ``contract_no``."""

    receipt_no: str
    contract_no: str
    day: dt.date
    weighing: Weighing
    purchase_point: str = ""


@attrs.frozen
class MarketPriceRecord:
    """市场价 — the day's market price (yuan/kg) of a crop, form and grade."""

    crop: str
    form: str
    grade: str
    day: dt.date
    price: Decimal


@attrs.frozen
class SupplyRecord:
    """投入品配发 — inputs handed to the household of a contract, under the number ``supply_no``."""

    supply_no: str
    contract_no: str
    day: dt.date
    supply: InputSupply


@attrs.frozen
class PaymentRecord:
    """付款 — money paid to a household for a season, under the bank's reference."""

    reference: str
    household_id: str
    season: int
    day: dt.date
    amount: Decimal
    note: str = ""
