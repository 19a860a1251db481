"""``Store``: a season's ledger in one SQLite file — parties, contracts, prices, money, audit.

Money rows (deliveries, input supplies, payments) are append-only; a correction is a void
that names the record and a reason. Every write appends an audit entry chained by SHA-256.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import heapq
import itertools
import json
import math
import operator
import os
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Final, NamedTuple, Self, TypeVar, overload

import attrs

from orderfarm.auth import Permission, PermissionDenied, Role
from orderfarm.contracts import CarryPolicy, Contract, ContractStatus, PriceTerms, terms_in
from orderfarm.crops import Catalog, default_catalog
from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.ids import birth_after, mask_resident_id, receipt_key
from orderfarm.messages import Named, render
from orderfarm.money import ZERO, D, from_fen, round_yuan, to_fen, to_grams
from orderfarm.parties import Enterprise, Household, PovertyStatus
from orderfarm.pricing import (
    Basis,
    Portion,
    Quote,
    Weighing,
    price_delivery,
    protected_part,
    rejection_text,
)
from orderfarm.serial import from_json, memoise, to_json, unstructure
from orderfarm.settlement import (
    NO_FEN_TOTALS,
    FenTotals,
    LineKind,
    Statement,
    StatementLine,
    Totals,
    build_statement,
    check_payment,
    fold_fen,
    settle_fen,
    settle_ints,
    totals_of_fen,
)
from orderfarm.store import audit, registers
from orderfarm.store.db import Database
from orderfarm.store.errors import (
    ConflictError,
    NotFoundError,
    RefusedError,
    StoreIOError,
    StoreReadOnlyError,
    VoidError,
)
from orderfarm.store.records import (
    BatchResult,
    Delivery,
    HouseholdSettlement,
    InputRecord,
    Payment,
    ReportRow,
    Slip,
    VerifyProblem,
    VerifyReport,
    Void,
)
from orderfarm.store.totals import (
    add_deliveries,
    add_payments,
    add_supplies,
    differences,
    remove_deliveries,
    remove_payments,
    remove_supplies,
)
from orderfarm.supplies import ChargeMode, InputSupply
from orderfarm.units import china_day, format_quantity

DEFAULT_ACTOR: Final = "script"
#: a record built from a row: a ``Payment``, an ``InputRecord`` …
_R = TypeVar("_R")
#: Contracts kept structured (``Store._contract_of``): a county's, with room to spare.
_CONTRACT_CACHE: Final = 1 << 18
#: Values in one ``IN (…)`` list (SQLite allows 32766 parameters; PostgreSQL more).
_IN_LIMIT: Final = 500
_CONTRACT_ROW: Final = (
    "SELECT id, contract_no, enterprise_id, household_id, crop, form, data FROM contracts "
)
_CONTRACT_ANY_CASE: Final = _CONTRACT_ROW + "WHERE contract_no = ? COLLATE NOCASE LIMIT 2"
_KG: Final = Decimal("0.01")


def contract_any_case(conn: sqlite3.Connection, typed: str, query: str) -> sqlite3.Row | None:
    """The one row ``query`` finds for a contract whose number is ``typed`` but for the case
    of its letters and the width of its characters (``sz-jy-0001``, ``ＳＺ－ＪＹ－０００１``
    for ``SZ-JY-0001``); ``None`` when it finds none, or several. ``query`` selects from
    ``contracts`` ``WHERE contract_no = ? COLLATE NOCASE LIMIT 2`` (an index serves it)."""
    rows = conn.execute(query, (unicodedata.normalize("NFKC", typed).strip(),)).fetchall()
    return rows[0] if len(rows) == 1 else None


def _contract_any_case(conn: sqlite3.Connection, typed: str) -> sqlite3.Row | None:
    return contract_any_case(conn, typed, _CONTRACT_ANY_CASE)


_GROUPS: Final = ("township", "village", "crop", "enterprise")

Clock = Callable[[], dt.datetime]

# Contracts are read back in bulk (a season's slips, reports); most share their terms and
# inputs with many others, which are then read and checked once.
memoise(PriceTerms)
memoise(tuple[InputSupply, ...])


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    return (items[i : i + size] for i in range(0, len(items), size))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _kg(grams: int) -> Decimal:
    """Grams as kg with two decimal places (stored net weights are whole 10 g)."""
    return (Decimal(grams) / 1000).quantize(_KG)


def _fen_of(amount: Decimal, field: str) -> int:
    value = D(amount, field)
    if round_yuan(value) != value:
        raise ValidationError.one(field, "not_whole_fen", value=str(value))
    return to_fen(value)


def _check_text(field: str, value: object, limit: int = 60, required: bool = True) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be text, got {type(value).__name__}")
    text = value.strip()
    if required and not text:
        raise ValidationError.one(field, "blank")
    if len(text) > limit:
        raise ValidationError.one(field, "too_long", limit=limit)
    return text


def _check_day(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{field} must be a datetime.date, got {type(value).__name__}")
    return value


def _check_actor(actor: object) -> str:
    return _check_text("actor", actor, limit=64)


class _Place(NamedTuple):
    """Where a slip typed again after its void stands among the slips of its contract: the
    receipt as its voided record has it (0001 for a 1 typed), the live slips after that record
    (refused lots too: recorded again after it, all keep the order of the slips), and the
    accepted grams delivered before it."""

    receipt_no: str
    later: list[sqlite3.Row]
    before_g: int


@attrs.frozen
class _ContractRow:
    id: int
    contract: Contract
    enterprise_id: int
    household_id: int
    crop_code: str
    form_code: str
    #: the terms its slips are priced under (``Contract.priced_terms``)
    terms: PriceTerms

    @property
    def season_key(self) -> tuple[int, int]:
        """Its household's id and its season: the key of the deliveries' household index."""
        return self.household_id, self.contract.season


@functools.lru_cache(maxsize=1 << 16)
def _stored_decimal(text: str) -> Decimal:
    """``D(text)`` of a stored weight, rate or price: a county's slips repeat a few thousand
    texts a million times over, so each is read once (a failure is not remembered)."""
    return D(text)


def same_delivery(
    row: Mapping[str, Any] | sqlite3.Row,
    contract_id: int,
    day: str,
    purchase_point: str,
    grade: str,
    weights: tuple[Decimal, Decimal, Decimal, Decimal],
) -> bool:
    """Whether the stored delivery ``row`` records the same slip: contract, day, purchase
    point, grade, and gross, tare, moisture and impurity as numbers (``5.9`` is ``5.90``)."""
    gross, tare, moisture, impurity = weights
    return bool(
        row["contract_id"] == contract_id
        and row["day"] == day
        and row["purchase_point"] == purchase_point
        and row["grade"] == grade
        and _stored_decimal(row["gross_kg"]) == gross
        and _stored_decimal(row["tare_kg"]) == tare
        and _stored_decimal(row["moisture"]) == moisture
        and _stored_decimal(row["impurity"]) == impurity
    )


def _weighing_of(row: sqlite3.Row) -> Weighing:
    return Weighing(
        gross_kg=_stored_decimal(row["gross_kg"]),
        tare_kg=_stored_decimal(row["tare_kg"]),
        grade=row["grade"],
        moisture=_stored_decimal(row["moisture"]),
        impurity=_stored_decimal(row["impurity"]),
    )


def _quote_of(row: sqlite3.Row, terms: PriceTerms) -> Quote:
    """The quote as stored: portions and amount exactly as recorded."""
    portions: list[Portion] = []
    market = D(row["market_price"]) if row["market_price"] is not None else None
    if row["protected_g"] > 0:
        portions.append(
            Portion(
                _kg(row["protected_g"]),
                D(row["protected_price"]),
                Basis(row["protected_basis"]),
                True,
                from_fen(row["protected_fen"]),
            )
        )
    if row["market_g"] > 0:
        portions.append(
            Portion(
                _kg(row["market_g"]),
                market if market is not None else ZERO,
                Basis.MARKET,
                False,
                from_fen(row["market_fen"]),
            )
        )
    return Quote(
        accepted=bool(row["accepted"]),
        grade=row["grade"],
        gross_kg=D(row["gross_kg"]),
        tare_kg=D(row["tare_kg"]),
        impurity=D(row["impurity"]),
        moisture=D(row["moisture"]),
        moisture_standard=terms.moisture_standard,
        moisture_max=terms.moisture_max,
        net_kg=_kg(row["net_g"]),
        floor=terms.floor(row["grade"]),
        market_price=market,
        premium=terms.premium if terms.market_linked else ZERO,
        ceiling=terms.ceiling,
        quota_kg=terms.quota_kg,
        delivered_before_kg=_kg(row["delivered_before_g"]),
        portions=tuple(portions),
        amount=from_fen(row["amount_fen"]),
        rejection_reason=row["rejection_reason"],
    )


def _priced(quote: Quote) -> tuple[object, ...]:
    """What a quote puts in a delivery row's pricing columns, prices as Decimal values:
    accepted, net_g, protected_g, protected_price, protected_basis, protected_fen, market_g,
    market_fen, amount_fen (``verify`` compares re-pricing with the stored row by this)."""
    protected = next((p for p in quote.portions if p.protected), None)
    market = next((p for p in quote.portions if not p.protected), None)
    return (
        1 if quote.accepted else 0,
        to_grams(quote.net_kg),
        to_grams(protected.kg) if protected else 0,
        protected.unit_price if protected else None,
        protected.basis.value if protected else None,
        to_fen(protected.amount) if protected else 0,
        to_grams(market.kg) if market else 0,
        to_fen(market.amount) if market else 0,
        to_fen(quote.amount),
    )


def _stored_pricing(row: sqlite3.Row) -> tuple[object, ...]:
    """The same columns as ``_priced``, from a stored delivery row."""
    price = row["protected_price"]
    return (
        row["accepted"],
        row["net_g"],
        row["protected_g"],
        _stored_decimal(price) if price is not None else None,
        row["protected_basis"],
        row["protected_fen"],
        row["market_g"],
        row["market_fen"],
        row["amount_fen"],
    )


def _delivery_row(
    *,
    id: int,
    c: _ContractRow,
    slip: Slip,
    receipt_no: str,
    revision: int,
    quote: Quote,
    actor: str,
    at: str,
    seq: int,
) -> dict[str, Any]:
    protected = next((p for p in quote.portions if p.protected), None)
    market = next((p for p in quote.portions if not p.protected), None)
    w = slip.weighing
    return {
        "id": id,
        "contract_id": c.id,
        "enterprise_id": c.enterprise_id,
        "household_id": c.household_id,
        "season": c.contract.season,
        "receipt_no": receipt_no,
        "revision": revision,
        "day": slip.day.isoformat(),
        "purchase_point": slip.purchase_point,
        "gross_kg": str(w.gross_kg),
        "tare_kg": str(w.tare_kg),
        "grade": w.grade,
        "moisture": str(w.moisture),
        "impurity": str(w.impurity),
        "market_price": str(quote.market_price) if quote.market_price is not None else None,
        "delivered_before_g": to_grams(quote.delivered_before_kg),
        "net_g": to_grams(quote.net_kg),
        "accepted": 1 if quote.accepted else 0,
        "rejection_reason": quote.rejection_reason,
        "protected_g": to_grams(protected.kg) if protected else 0,
        "protected_price": str(protected.unit_price) if protected else None,
        "protected_basis": protected.basis.value if protected else None,
        "protected_fen": to_fen(protected.amount) if protected else 0,
        "market_g": to_grams(market.kg) if market else 0,
        "market_fen": to_fen(market.amount) if market else 0,
        "amount_fen": to_fen(quote.amount),
        "actor": actor,
        "recorded_at": at,
        "audit_seq": seq,
    }


_INSERT_DELIVERY = (
    "INSERT INTO deliveries (id, contract_id, enterprise_id, household_id, season, receipt_no, "
    "revision, day, purchase_point, gross_kg, tare_kg, grade, moisture, impurity, market_price, "
    "delivered_before_g, net_g, accepted, rejection_reason, protected_g, protected_price, "
    "protected_basis, protected_fen, market_g, market_fen, amount_fen, actor, recorded_at, "
    "audit_seq) VALUES (:id, :contract_id, :enterprise_id, :household_id, :season, :receipt_no, "
    ":revision, :day, :purchase_point, :gross_kg, :tare_kg, :grade, :moisture, :impurity, "
    ":market_price, :delivered_before_g, :net_g, :accepted, :rejection_reason, :protected_g, "
    ":protected_price, :protected_basis, :protected_fen, :market_g, :market_fen, :amount_fen, "
    ":actor, :recorded_at, :audit_seq)"
)

_RECEIPT_SELECT: Final = (
    "SELECT d.*, c.contract_no, (v.delivery_id IS NOT NULL) AS voided FROM deliveries d "
    "JOIN contracts c ON c.id = d.contract_id "
    "LEFT JOIN delivery_voids v ON v.delivery_id = d.id "
    "WHERE d.enterprise_id = ? AND d.season = ? "
)

#: Whether an enterprise's season has a receipt number starting with 0 (by the receipt index)
_ZERO_LED: Final = (
    "SELECT 1 FROM deliveries WHERE enterprise_id = ? AND season = ? "
    "AND receipt_no >= '0' AND receipt_no < '1' LIMIT 1"
)


def receipt_spellings(receipt_no: str, zero_led: bool) -> list[str]:
    """The other spellings of an all-digit receipt number by its leading zeros, which a
    spreadsheet drops (0001 saved as 1): without them and, when ``zero_led`` (its season has
    receipts starting with 0), with 1 to 11 of them. One slip (``ids.receipt_key``),
    whichever way it is written."""
    if not (receipt_no.isascii() and receipt_no.isdigit()):
        return []
    bare = receipt_key(receipt_no)
    spellings = {bare}
    if zero_led:
        spellings.update("0" * k + bare for k in range(1, 12))
    spellings.discard(receipt_no)
    return sorted(spellings)


def has_zero_led(
    conn: sqlite3.Connection, enterprise_id: int, season: int, seen: dict[tuple[int, int], bool]
) -> bool:
    """Whether an enterprise's season has a receipt number starting with 0 (by its index),
    read once into ``seen``."""
    key = (enterprise_id, season)
    if key not in seen:
        seen[key] = conn.execute(_ZERO_LED, key).fetchone() is not None
    return seen[key]


def receipt_otherwise(
    conn: sqlite3.Connection,
    enterprise_id: int,
    season: int,
    receipt_no: str,
    select: str,
    zero_led: dict[tuple[int, int], bool] | None = None,
    *,
    voided: bool = False,
) -> list[sqlite3.Row]:
    """The live records (by ``select``, which takes ``… d.enterprise_id = ? AND d.season = ?
    AND d.receipt_no IN (SELECT value FROM json_each(?))`` and gives ``voided``) of
    ``receipt_no`` written with other leading zeros (0001 for 1), and the voided ones too with
    ``voided``. Whether the season has receipts starting with 0 is read once into ``zero_led``,
    when given; a number that is not all digits reads nothing."""
    if not (receipt_no.isascii() and receipt_no.isdigit()):
        return []
    led = has_zero_led(conn, enterprise_id, season, {} if zero_led is None else zero_led)
    spellings = receipt_spellings(receipt_no, led)
    if not spellings:
        return []
    rows = conn.execute(select, (enterprise_id, season, json.dumps(spellings))).fetchall()
    return rows if voided else [r for r in rows if not r["voided"]]


_RECEIPT_OTHERWISE: Final = (
    _RECEIPT_SELECT  # noqa: S608 (constant SQL)
    + "AND d.receipt_no IN (SELECT value FROM json_each(?)) ORDER BY d.revision"
)

_DELIVERED_GRAMS: Final = (
    "SELECT contract_id, net_g FROM contract_totals WHERE contract_id IN ({marks})"
)

_DELIVERY_SELECT = (
    "SELECT d.*, c.contract_no, c.data AS contract_data, h.resident_id, e.uscc, "
    "(v.delivery_id IS NOT NULL) AS voided FROM deliveries d "
    "JOIN contracts c ON c.id = d.contract_id JOIN households h ON h.id = d.household_id "
    "JOIN enterprises e ON e.id = d.enterprise_id "
    "LEFT JOIN delivery_voids v ON v.delivery_id = d.id "
)

_DELIVERY_OTHERWISE: Final = (
    _DELIVERY_SELECT  # noqa: S608 (constant SQL)
    + "WHERE d.enterprise_id = ? AND d.season = ? "
    "AND d.receipt_no IN (SELECT value FROM json_each(?)) ORDER BY d.revision"
)

_SUPPLY_SELECT = (
    "SELECT s.*, c.contract_no, c.unrecovered, h.resident_id, "
    "(v.supply_id IS NOT NULL) AS voided FROM input_supplies s "
    "JOIN contracts c ON c.id = s.contract_id JOIN households h ON h.id = s.household_id "
    "LEFT JOIN supply_voids v ON v.supply_id = s.id "
)

#: The voids of records of each kind, by the records' ids (a JSON list): the record, the
#: reason, who voided it and when.
_VOIDS_OF: Final = {
    kind: f"SELECT {column}, reason, actor, recorded_at FROM {table} "  # noqa: S608 (constant SQL)
    f"WHERE {column} IN (SELECT value FROM json_each(?))"
    for kind, table, column in (
        ("delivery", "delivery_voids", "delivery_id"),
        ("supply", "supply_voids", "supply_id"),
        ("payment", "payment_voids", "payment_id"),
    )
}

_PAYMENT_SELECT = (
    "SELECT p.*, h.resident_id, (v.payment_id IS NOT NULL) AS voided FROM payments p "
    "JOIN households h ON h.id = p.household_id "
    "LEFT JOIN payment_voids v ON v.payment_id = p.id "
)


class _VoidSql(NamedTuple):
    """How one kind of record is voided: the lookup of what taking it out of the running
    totals needs (and whether it is voided already), the voids table, the column naming the
    record there, and the insert."""

    lookup: str
    table: str
    column: str
    insert: str


_VOIDS: Final = {
    "delivery": _VoidSql(
        "SELECT d.household_id, d.season, d.contract_id, d.accepted, d.net_g, "
        "d.amount_fen, v.delivery_id AS voided FROM deliveries d "
        "LEFT JOIN delivery_voids v ON v.delivery_id = d.id WHERE d.id = ?",
        "delivery_voids",
        "delivery_id",
        "INSERT INTO delivery_voids (delivery_id, reason, actor, recorded_at, audit_seq) "
        "VALUES (:delivery_id, :reason, :actor, :recorded_at, :audit_seq)",
    ),
    "supply": _VoidSql(
        "SELECT s.household_id, s.season, s.charge, c.unrecovered, s.amount_fen, "
        "v.supply_id AS voided FROM input_supplies s "
        "JOIN contracts c ON c.id = s.contract_id "
        "LEFT JOIN supply_voids v ON v.supply_id = s.id WHERE s.id = ?",
        "supply_voids",
        "supply_id",
        "INSERT INTO supply_voids (supply_id, reason, actor, recorded_at, audit_seq) "
        "VALUES (:supply_id, :reason, :actor, :recorded_at, :audit_seq)",
    ),
    "payment": _VoidSql(
        "SELECT p.household_id, p.season, p.amount_fen, v.payment_id AS voided "
        "FROM payments p "
        "LEFT JOIN payment_voids v ON v.payment_id = p.id WHERE p.id = ?",
        "payment_voids",
        "payment_id",
        "INSERT INTO payment_voids (payment_id, reason, actor, recorded_at, audit_seq) "
        "VALUES (:payment_id, :reason, :actor, :recorded_at, :audit_seq)",
    ),
}
#: what a slip recorded again was paid: to tell those whose price changed
_DELIVERY_PRICES: Final = (
    "SELECT id, receipt_no, amount_fen, protected_g FROM deliveries "
    "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
)
#: the live slips of a contract (its household's and season's: their index finds them, not a
#: walk through every slip recorded since) recorded after a delivery, in their order
_LATER_SLIPS: Final = (
    "SELECT d.* FROM deliveries d LEFT JOIN delivery_voids v ON v.delivery_id = d.id "
    "WHERE d.household_id = ? AND d.season = ? AND d.contract_id = ? AND d.id > ? "
    "AND v.delivery_id IS NULL ORDER BY d.id"
)
#: one record by its id, and a household's or season's records in record order (``None``
#: for either filter: all); read by ``Store._record`` and ``Store._records``
_DELIVERY_BY_ID: Final = _DELIVERY_SELECT + "WHERE d.id = ?"
_SUPPLY_BY_ID: Final = _SUPPLY_SELECT + "WHERE s.id = ?"
_SUPPLIES_BY: Final = (
    _SUPPLY_SELECT + "WHERE (? IS NULL OR s.household_id = ?) "
    "AND (? IS NULL OR s.season = ?) ORDER BY s.id"
)
_PAYMENT_BY_ID: Final = _PAYMENT_SELECT + "WHERE p.id = ?"
_PAYMENTS_BY: Final = (
    _PAYMENT_SELECT + "WHERE (? IS NULL OR p.household_id = ?) "
    "AND (? IS NULL OR p.season = ?) ORDER BY p.id"
)

# Season sums per household (non-voided records), the input of settlement, in fen: kept by
# every write in ``season_totals`` (orderfarm.store.totals). A season with records (even of
# amount 0) is one of the household's seasons; one whose records are all voided is not.
_SEASON_SUMS: Final = (
    "SELECT season, proceeds_fen, carry_fen, waive_fen, paid_fen FROM season_totals "
    "WHERE household_id = ? AND season <= ? AND records > 0"
)

#: ``settle``'s households (those with a contract up to the season) by township, village,
#: name and id, with their sums of the season, if any.
_SETTLE_PEOPLE: Final = (
    "SELECT h.id, h.resident_id, h.head_name, h.township, h.village, t.proceeds_fen, "
    "t.carry_fen, t.waive_fen, t.paid_fen FROM households h "
    "LEFT JOIN season_totals t ON t.household_id = h.id AND t.season = ? AND t.records > 0 "
    "WHERE h.id IN (SELECT household_id FROM contracts WHERE season <= ?) "
    "ORDER BY h.township, h.village, h.head_name, h.id"
)
#: The seasons before one, of every household that has any: a household's rows together.
_EARLIER_SUMS: Final = (
    "SELECT household_id, season, proceeds_fen, carry_fen, waive_fen, paid_fen "
    "FROM season_totals WHERE season < ? AND records > 0 ORDER BY household_id, season"
)

#: ``report``'s contracts of a season (signed, closed or terminated), a household's together,
#: with their delivered totals and the household's sums of the season, if any.
_REPORT_CONTRACTS: Final = (
    "SELECT c.household_id, h.township, h.village, c.crop, e.name, h.poverty_status, "
    "c.area_mu4, COALESCE(ct.net_g, 0), COALESCE(ct.amount_fen, 0), t.proceeds_fen, "
    "t.carry_fen, t.waive_fen, t.paid_fen "
    "FROM contracts c JOIN households h ON h.id = c.household_id "
    "JOIN enterprises e ON e.id = c.enterprise_id "
    "LEFT JOIN contract_totals ct ON ct.contract_id = c.id "
    "LEFT JOIN season_totals t ON t.household_id = c.household_id AND t.season = ? "
    "AND t.records > 0 "
    "WHERE c.season = ? AND c.status IN ('signed', 'closed', 'terminated') "
    "ORDER BY c.household_id, c.id"
)
_FIRST: Final = operator.itemgetter(0)

_COUNTS = {
    "enterprises": "SELECT COUNT(*) FROM enterprises",
    "households": "SELECT COUNT(*) FROM households",
    "contracts": "SELECT COUNT(*) FROM contracts",
    "market_prices": "SELECT COUNT(*) FROM market_prices",
    "deliveries": "SELECT COUNT(*) FROM deliveries",
    "input_supplies": "SELECT COUNT(*) FROM input_supplies",
    "payments": "SELECT COUNT(*) FROM payments",
    "delivery_voids": "SELECT COUNT(*) FROM delivery_voids",
    "supply_voids": "SELECT COUNT(*) FROM supply_voids",
    "payment_voids": "SELECT COUNT(*) FROM payment_voids",
    "audit": "SELECT COUNT(*) FROM audit",
}

_MONEY_SCANS = {
    "deliveries": "SELECT * FROM deliveries ORDER BY id",
    "input_supplies": "SELECT * FROM input_supplies ORDER BY id",
    "payments": "SELECT * FROM payments ORDER BY id",
    "delivery_voids": "SELECT * FROM delivery_voids ORDER BY delivery_id",
    "supply_voids": "SELECT * FROM supply_voids ORDER BY supply_id",
    "payment_voids": "SELECT * FROM payment_voids ORDER BY payment_id",
}


@attrs.define
class _Sums:
    """One household's season, in fen."""

    proceeds: int = 0
    carry: int = 0
    waive: int = 0
    paid: int = 0


_NO_TOTALS: Final = Totals()


def _fold(seasons: dict[int, _Sums], upto: int | None = None) -> dict[int, Totals]:
    """Settle each season in order, carrying unrecovered advances forward."""
    result: dict[int, Totals] = {}
    carried = 0
    keys = sorted(seasons)
    if upto is not None and upto not in seasons:
        keys = sorted([*keys, upto])
    for season in keys:
        if upto is not None and season > upto:
            break
        s = seasons.get(season, _Sums())
        totals = settle_fen(
            proceeds=s.proceeds,
            carried_in=carried,
            advances_carry=s.carry,
            advances_waive=s.waive,
            paid=s.paid,
        )
        result[season] = totals
        carried = to_fen(totals.carried_out)
    return result


def _settled(person: tuple[Any, ...], fen: FenTotals) -> HouseholdSettlement:
    return HouseholdSettlement(person[1], person[2], person[3], person[4], totals_of_fen(fen))


class SettledSeason(Sequence[HouseholdSettlement]):
    """What ``Store.settle`` returns: every household's ``HouseholdSettlement`` in order, a
    read-only sequence settled in whole fen up front, each item (Totals in yuan) built when
    it is first read. ``fen(i)`` gives the i-th household's figures in fen (``settle_ints``'
    order) without building it. It equals any sequence of the same items."""

    __slots__ = ("_built", "_fen", "_people")

    def __init__(self, people: list[tuple[Any, ...]], fen: list[FenTotals]) -> None:
        """``people``: rows (household pk, resident ID, head's name, township, village, …)."""
        if len(people) != len(fen):
            raise ValueError("SettledSeason needs one set of totals per household")
        self._people = people
        self._fen = fen
        self._built: list[HouseholdSettlement | None] = [None] * len(people)

    def fen(self, index: int) -> FenTotals:
        """The figures of household ``index`` in whole fen, in ``Totals``' field order."""
        return self._fen[index]

    def __len__(self) -> int:
        return len(self._people)

    @overload
    def __getitem__(self, index: int) -> HouseholdSettlement: ...

    @overload
    def __getitem__(self, index: slice) -> list[HouseholdSettlement]: ...

    def __getitem__(self, index: int | slice) -> HouseholdSettlement | list[HouseholdSettlement]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        item = self._built[index]
        if item is None:
            item = self._built[index] = _settled(self._people[index], self._fen[index])
        return item

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so not hashable

    def __repr__(self) -> str:
        return f"SettledSeason({list(self)!r})"


def _allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` fen in proportion to ``weights`` exactly (largest remainder, ties first)."""
    total = sum(weights)
    if not weights:
        return []
    if total == 0:
        weights = [1] * len(weights)
        total = len(weights)
    base = [amount * w // total for w in weights]
    rest = amount - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[:rest]:
        base[i] += 1
    return base


# -- household search --------------------------------------------------------------------------
#
# ``household_search`` (schema version 7) holds, for each household, the keys a search looks
# up, with the columns the page sorts by, so that one search reads the matching keys in order
# and no household that does not match:
#   n<gram>    each distinct 1- and 2-character part of the head's name
#   i<letters> each spelling of the name's pinyin initials (曾广 → icg, icy, …, izg, …)
#   t<reverse> the resident ID reversed (a tail of the ID is a prefix of it)
#   x          the initials are not stored (too many spellings, or no pypinyin to spell them):
#              such households are checked one by one in Python (there are very few)

#: Spellings of a name's initials kept as keys; a name with more is marked ``x`` instead.
_MAX_SPELLINGS: Final = 256
_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz")


@functools.lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """The first letters of the pinyin of ``text``, lower case: ``张三`` → ``zs``.

    Characters with several readings contribute each first letter they may start with
    (``曾`` → ``z`` or ``c``) as alternatives, so ``initials_match`` finds either.
    """
    from pypinyin import Style, pinyin

    parts = pinyin(text, style=Style.FIRST_LETTER, heteronym=True, errors="default")
    return "|".join("".join(sorted({p[0].lower() for p in part if p})) for part in parts)


def place_match(query: str, township: str, village: str) -> bool:
    """Whether ``query`` names a place: part of the township or the village, or of both as
    a page prints them (``三岔河镇 东沟村``, ``三岔河镇东沟村``, ``三岔河 东沟``): every word
    of it part of one of them, or of the two written together."""
    words = query.split()
    if not words:
        return False
    both = township + village
    return all(w in both for w in words)


def initials_match(query: str, name: str) -> bool:
    """Whether ``query`` (latin letters) spells the start of ``name``'s pinyin initials."""
    query = query.strip().lower()
    if not query or not query.isascii() or not query.isalpha():
        return False
    options = pinyin_initials(name).split("|")
    if len(query) > len(options):
        return False
    return all(letter in option for letter, option in zip(query, options, strict=False))


def _initials_spellings(name: str) -> list[str] | None:
    """Every string of latin letters that ``initials_match`` finds ``name`` by, as the full
    spellings they start (a query finds the name when it starts one of them); ``None`` when
    there are more than ``_MAX_SPELLINGS`` or pypinyin is not installed."""
    try:
        options = pinyin_initials(name).split("|")
    except ImportError:
        return None
    letters: list[list[str]] = []
    for option in options:
        found = sorted(_LETTERS.intersection(option))
        if not found:  # no letter finds this part, so no query reaches past it
            break
        letters.append(found)
    if not letters:
        return []
    if math.prod(len(found) for found in letters) > _MAX_SPELLINGS:
        return None
    return ["".join(spelling) for spelling in itertools.product(*letters)]


def household_search_keys(head_name: str, resident_id: str) -> list[str]:
    """The ``household_search`` keys of a household (see above)."""
    grams = {head_name[i : i + n] for n in (1, 2) for i in range(len(head_name) - n + 1)}
    keys = {"n" + gram for gram in grams}
    spellings = _initials_spellings(head_name)
    if spellings is None:
        keys.add("x")
    else:
        keys.update("i" + spelling for spelling in spellings)
    keys.add("t" + resident_id.upper()[::-1])
    return sorted(keys)


def search_keys_json(head_name: str, resident_id: str) -> str:
    """``household_search_keys`` as a JSON array (the schema migration's SQL function)."""
    return json.dumps(household_search_keys(head_name, resident_id), ensure_ascii=False)


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Keys ``lo <= key < hi`` are those starting with ``prefix`` (its last character is
    ASCII, so the next character exists)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


_INSERT_SEARCH_KEY: Final = (
    "INSERT INTO household_search (key, township, village, head_name, household_id) "
    "SELECT value, ?, ?, ?, ? FROM json_each(?)"
)
_DELETE_SEARCH_KEYS: Final = "DELETE FROM household_search WHERE household_id = ?"
#: Every (township, village), in order, read by skipping along the index from one place to
#: the next (a few hundred steps for a county), not by reading every household.
_PLACES: Final = (
    "WITH RECURSIVE places (township, village) AS ("
    "SELECT * FROM (SELECT township, village FROM households ORDER BY township, village "
    "LIMIT 1) "
    "UNION ALL SELECT h.township, h.village FROM places p JOIN households h ON h.id = "
    "coalesce((SELECT n.id FROM households n WHERE n.township = p.township "
    "AND n.village > p.village ORDER BY n.village LIMIT 1), "
    "(SELECT n.id FROM households n WHERE n.township > p.township "
    "ORDER BY n.township, n.village LIMIT 1))) "
    "SELECT township, village FROM places"
)
_ALL_HOUSEHOLDS: Final = "SELECT COUNT(*) FROM households"


def _under_contract(column: str) -> str:
    """SQL: the household ``column`` has a contract in season :season (of one of the statuses
    in :statuses, a JSON list, when given); true of every household when :season is NULL."""
    return (
        f"(:season IS NULL OR EXISTS (SELECT 1 FROM contracts c WHERE c.household_id = {column} "  # noqa: S608 (constant SQL)
        "AND c.season = :season AND (:statuses IS NULL "
        "OR c.status IN (SELECT value FROM json_each(:statuses)))))"
    )


_HS: Final = _under_contract("household_search.household_id")
_H: Final = _under_contract("households.id")
#: Contracts of :season, :household, :statuses (a JSON list) and :township and :village, as
#: given (NULL: any).
_CONTRACTS_WHERE: Final = (
    "SELECT c.data FROM contracts c WHERE (:season IS NULL OR c.season = :season) "
    "AND (:household IS NULL OR c.household_id = :household) "
    "AND (:statuses IS NULL OR c.status IN (SELECT value FROM json_each(:statuses))) "
    "AND (:township IS NULL OR c.household_id IN (SELECT id FROM households "
    "WHERE township = :township AND village = :village)) "
    "ORDER BY c.contract_no"
)
#: The places of the households with a contract in :season (of :statuses, when given).
_CONTRACT_PLACES: Final = (
    "SELECT DISTINCT h.township, h.village FROM contracts c "
    "JOIN households h ON h.id = c.household_id WHERE c.season = :season "
    "AND (:statuses IS NULL OR c.status IN (SELECT value FROM json_each(:statuses))) "
    "ORDER BY h.township, h.village"
)


def _statuses(statuses: Collection[ContractStatus] | None) -> str | None:
    """The JSON list of contract statuses a query's :statuses takes (``None``: any)."""
    if statuses is None:
        return None
    return json.dumps(sorted(ContractStatus(s).value for s in statuses))


#: How many households there are, with a contract in :season when given.
_COUNT_HOUSEHOLDS: Final = f"SELECT COUNT(*) FROM households WHERE {_H}"  # noqa: S608 (constant SQL)
#: The households whose initials are not stored as keys (checked in Python).
_UNSPELLED: Final = (
    f"SELECT household_id, head_name FROM household_search WHERE key = 'x' AND {_HS}"  # noqa: S608 (constant SQL)
)
#: A search's parameters: part of the name (:gram, and the whole :name when longer than a
#: key), the start of the initials (:i_lo <= key < :i_hi), the tail of the ID (:t_lo <= key <
#: :t_hi), the matching places (:places, a JSON list of [township, village]) and households
#: found in Python (:ids, a JSON list); only households with a contract in :season (of
#: :statuses), when given. A NULL parameter finds nothing. Each part's first :limit come (id,
#: township, village, head's name) in the order of ``households()``, read along an index
#: where the part has one; the parts are merged in Python.
_FIRST_BY_NAME: Final = (
    "SELECT household_id, township, village, head_name FROM household_search "  # noqa: S608 (constant SQL)
    f"WHERE key = :gram AND (:name IS NULL OR instr(head_name, :name) > 0) AND {_HS} "
    "ORDER BY township, village, head_name, household_id LIMIT :limit"
)
_FIRST_BY_KEYS: Final = (  # DISTINCT: a name may have several spellings in the range
    "SELECT DISTINCT household_id, township, village, head_name FROM household_search "  # noqa: S608 (constant SQL)
    f"WHERE key >= :lo AND key < :hi AND {_HS} "
    "ORDER BY township, village, head_name, household_id LIMIT :limit"
)
_FIRST_IN_PLACE: Final = (
    "SELECT id, township, village, head_name FROM households "  # noqa: S608 (constant SQL)
    f"WHERE township = :township AND village = :village AND {_H} "
    "ORDER BY head_name, id LIMIT :limit"
)
_FIRST_BY_ID: Final = (
    "SELECT id, township, village, head_name FROM households "
    "WHERE id IN (SELECT value FROM json_each(?))"
)
#: How many households the matching places hold.
_COUNT_PLACES: Final = (
    f"SELECT COUNT(*) FROM households WHERE {_H} AND (township, village) IN "  # noqa: S608 (constant SQL)
    "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:places))"
)
#: How many households a part of the name finds (read along the key's index).
_COUNT_NAME: Final = (
    "SELECT COUNT(*) FROM household_search "  # noqa: S608 (constant SQL)
    f"WHERE key = :gram AND (:name IS NULL OR instr(head_name, :name) > 0) AND {_HS}"
)
#: How many of those are in the matching places (a few seeks along the same index).
_COUNT_NAME_IN_PLACES: Final = (
    "SELECT COUNT(*) FROM household_search "  # noqa: S608 (constant SQL)
    f"WHERE key = :gram AND (:name IS NULL OR instr(head_name, :name) > 0) AND {_HS} "
    "AND (township, village) IN "
    "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:places))"
)
#: How many households the start of the initials finds (a name may have several spellings).
_COUNT_SPELLED: Final = (
    "SELECT COUNT(DISTINCT household_id) FROM household_search "  # noqa: S608 (constant SQL)
    f"WHERE key >= :i_lo AND key < :i_hi AND {_HS}"
)
#: How many households the tail of the ID finds (one key each).
_COUNT_TAILS: Final = (
    f"SELECT COUNT(*) FROM household_search WHERE key >= :t_lo AND key < :t_hi AND {_HS}"  # noqa: S608 (constant SQL)
)
#: How many households outside the matching places the name, initials, ID tail and ids find.
_COUNT_OTHERS: Final = (
    "SELECT COUNT(*) FROM ("  # noqa: S608 (constant SQL)
    "SELECT household_id, township, village FROM household_search "
    f"WHERE key = :gram AND (:name IS NULL OR instr(head_name, :name) > 0) AND {_HS} "
    "UNION SELECT household_id, township, village FROM household_search "
    f"WHERE key >= :i_lo AND key < :i_hi AND {_HS} "
    "UNION SELECT household_id, township, village FROM household_search "
    f"WHERE key >= :t_lo AND key < :t_hi AND {_HS} "
    "UNION SELECT id, township, village FROM households "
    "WHERE id IN (SELECT value FROM json_each(:ids))"
    ") WHERE (township, village) NOT IN "
    "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:places))"
)
#: The households a search shows: the columns of a ``Household``, in its fields' order.
_FIRST_HOUSEHOLDS: Final = (
    "SELECT head_name, resident_id, township, village, grp, phone, members, poverty_status, "  # noqa: S608 (constant SQL)
    f"account FROM households WHERE {_H} ORDER BY township, village, head_name, id LIMIT :limit"
)
_HOUSEHOLDS_BY_ID: Final = (
    "SELECT head_name, resident_id, township, village, grp, phone, members, poverty_status, "
    "account FROM households WHERE id IN (SELECT value FROM json_each(?)) "
    "ORDER BY township, village, head_name, id"
)


@functools.lru_cache(maxsize=4096)
def _found_household(values: tuple[Any, ...]) -> Household:
    """The household of a row of ``_FIRST_HOUSEHOLDS`` or ``_HOUSEHOLDS_BY_ID``: the same
    rows, shown search after search, are checked and built once (a ``Household`` is frozen)."""
    name, rid, township, village, group, phone, members, status, account = values
    return Household(
        name, rid, township, village, group, phone, members, PovertyStatus(status), account
    )


def _by_place_and_name(row: tuple[Any, ...]) -> tuple[str, str, str, int]:
    """(township, village, head's name, id) of an (id, township, village, name) row: the
    order of ``households()`` (Python compares text as SQLite does, by code point)."""
    return (row[1], row[2], row[3], row[0])


@attrs.frozen
class HouseholdMatches:
    """What ``Store.search_households`` found: the first households that match (in the
    order of ``households()``), how many match in all, and how many there are."""

    households: tuple[Household, ...]
    matched: int
    total: int


class Store:
    """The ledger of a county's seasons in one SQLite file.

    Open with ``Store.open(path)`` (creates or migrates the file), use as a context manager or
    call ``close()``. Safe to share between threads (each thread gets its own connection) and to
    use from several processes at once. Every write names its ``actor`` (``"script"`` by
    default) and appends an audit entry; ``clock`` gives the time written to the audit.
    """

    def __init__(
        self, db: Database, *, clock: Clock | None = None, catalog: Catalog | None = None
    ) -> None:
        self._db = db
        self.clock: Clock = clock or _utc_now
        self.catalog = catalog or default_catalog()
        self._contracts: dict[str, tuple[bytes, _ContractRow]] = {}

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        catalog: Catalog | None = None,
        busy_timeout: float = 5.0,
        patience: float = 120.0,
        read_only: bool = False,
    ) -> Store:
        """Open the store at ``path``, creating the file or migrating it to this schema.

        A file from a newer orderfarm raises ``SchemaVersionError``. ``busy_timeout`` is
        SQLite's wait for a lock on each try; ``patience`` the total wait before a write gives
        up with ``StoreBusyError``. ``read_only`` opens a file nothing changes (a copy kept as
        evidence, in a folder that cannot be written): it is read as it is, every write is
        refused (``StoreReadOnlyError``), and a file at another schema version, or with
        transactions left in its write-ahead log, is refused.
        """
        db = Database(path, busy_timeout=busy_timeout, patience=patience, read_only=read_only)
        try:
            if read_only:
                db.check_readable()
            else:
                db.migrate()
        except BaseException:
            db.close()
            raise
        return cls(db, clock=clock, catalog=catalog)

    @classmethod
    def open_existing(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> Store:
        """Open the store in the existing file ``path`` to work on it, or read it as it is
        (``read_only``) when it cannot be written: a copy kept as evidence, on a read-only
        medium or in a folder that cannot be written. The command line and the page open
        their database so.

        When the read-only open is refused too (transactions left in the write-ahead log, or
        another schema version), the error of the writable open is raised: the file cannot be
        written, and it is not read wrong.
        """
        try:
            return cls.open(path, clock=clock)
        except (StoreReadOnlyError, StoreIOError) as exc:
            if not Path(path).is_file():
                raise
            try:
                return cls.open(path, clock=clock, read_only=True)
            except OrderfarmError:
                raise exc from None

    @property
    def read_only(self) -> bool:
        """Whether the store was opened read-only (``open(..., read_only=True)``): every write
        is refused."""
        return self._db.read_only

    def close(self) -> None:
        """Close the store's connections."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def path(self) -> str:
        """The database file."""
        return str(self._db.path)

    @property
    def schema_version(self) -> int:
        """The file's schema version."""
        return self._db.version()

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """``with store.transaction(): …`` — every write this thread makes in the block, or
        none: an exception out of the block, a full disk or a crash undoes them all. Other
        writers wait until the block ends; a write that fails inside leaves nothing of itself
        (the caller decides whether to go on)."""
        return self._db.transaction()

    def backup(self, path: str | os.PathLike[str]) -> str:
        """Copy the whole database to ``path`` (SQLite's backup API): a consistent snapshot
        even while other threads and processes write; the file appears at ``path`` only once
        complete. Open the copy with ``Store.open`` and ``verify()`` it to check it."""
        return str(self._db.backup(path))

    # -- permissions ---------------------------------------------------------------------------

    def authorize(self, actor: str, permission: Permission) -> None:
        """Raise ``PermissionDenied`` unless ``actor`` may ``permission`` (see ``_authorize``)."""
        actor = _check_actor(actor)
        self._read(lambda conn: self._authorize(conn, actor, permission))

    @staticmethod
    def _authorize(conn: sqlite3.Connection, actor: str, permission: Permission) -> None:
        """Every write checks its actor, inside its own transaction.

        The rule: an actor that names a user of this store (``orderfarm.store.users``) is
        that user, and may do only what the user's role allows, and nothing once disabled.
        Any other actor — ``"script"`` by default, or a label a script or the command line
        chooses — runs as the file's owner, with full rights: whoever can open the file can
        write it, so for scripts the file's permissions are the guard. The page always acts
        as its logged-in user, so the page is always checked.
        """
        row = conn.execute("SELECT role, active FROM users WHERE name = ?", (actor,)).fetchone()
        if row is None:
            return
        role = Role(row[0])
        if not row[1] or not role.may(permission):
            raise PermissionDenied(actor, role, permission)

    # -- internals -----------------------------------------------------------------------------

    def today(self) -> dt.date:
        """Today in China by the store's clock (the day a slip typed now is dated)."""
        return china_day(self._now())

    def _now(self) -> dt.datetime:
        now = self.clock()
        if not isinstance(now, dt.datetime):
            raise TypeError(f"the store's clock must return a datetime, got {type(now).__name__}")
        return now

    def _read(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        def run(conn: sqlite3.Connection) -> Any:
            conn.row_factory = sqlite3.Row
            return work(conn)

        return self._db.read(run)

    def _write(
        self, work: Callable[[sqlite3.Connection], Any], *, patience: float | None = None
    ) -> Any:
        def run(conn: sqlite3.Connection) -> Any:
            conn.row_factory = sqlite3.Row
            return work(conn)

        return self._db.write(run, patience=patience)

    def _audit(
        self,
        conn: sqlite3.Connection,
        actor: str,
        action: str,
        entity: str,
        ref: str,
        payload: dict[str, Any],
        seq_and_prev: tuple[int, str] | None = None,
    ) -> int:
        return audit.append(
            conn,
            at=self._now(),
            actor=actor,
            action=action,
            entity=entity,
            ref=ref,
            payload=payload,
            seq_and_prev=seq_and_prev,
        )

    @staticmethod
    def _household_pk(conn: sqlite3.Connection, resident_id: str) -> int:
        row = conn.execute(
            "SELECT id FROM households WHERE resident_id = ?", (resident_id.strip().upper(),)
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"no household with resident ID {resident_id} (农户不存在)",
                code="no_household",
                params={"id": mask_resident_id(resident_id)},
            )
        return int(row[0])

    def _contract_row(self, conn: sqlite3.Connection, contract_no: str) -> _ContractRow:
        row = conn.execute(_CONTRACT_ROW + "WHERE contract_no = ?", (contract_no,)).fetchone()
        if row is None:
            row = _contract_any_case(conn, contract_no)
        if row is None:
            raise NotFoundError(
                f"no contract {contract_no} (合同 {contract_no} 不存在)",
                code="no_contract",
                params={"contract_no": contract_no},
            )
        return self._contract_of(row)

    def _contract_rows(
        self, conn: sqlite3.Connection, contract_nos: Iterable[object]
    ) -> dict[str, _ContractRow]:
        """The contracts of ``contract_nos`` that exist, in a few queries."""
        found: dict[str, _ContractRow] = {}
        numbers = sorted({n for n in contract_nos if isinstance(n, str)})
        for part in _chunks(numbers, _IN_LIMIT):
            marks = ", ".join("?" * len(part))
            for row in conn.execute(_CONTRACT_ROW + f"WHERE contract_no IN ({marks})", part):
                found[row["contract_no"]] = self._contract_of(row)
        for number in numbers:
            if number not in found and (row := _contract_any_case(conn, number)) is not None:
                found[number] = self._contract_of(row)
        return found

    def _contract_of(self, row: sqlite3.Row) -> _ContractRow:
        """The contract of a ``contracts`` row. Each version of a contract's data is read and
        checked once (a batch of slips touches thousands of contracts, again and again); the
        cache is keyed by a digest of the stored text, so a changed contract is read afresh."""
        data = row["data"]
        digest = hashlib.blake2b(data.encode(), digest_size=16).digest()
        cached = self._contracts.get(row["contract_no"])
        if cached is not None and cached[0] == digest and cached[1].id == row["id"]:
            return cached[1]
        contract = from_json(data, Contract)
        result = _ContractRow(
            int(row["id"]),
            contract,
            int(row["enterprise_id"]),
            int(row["household_id"]),
            row["crop"],
            row["form"],
            contract.priced_terms(self.catalog),
        )
        if len(self._contracts) >= _CONTRACT_CACHE:
            self._contracts.clear()
        self._contracts[row["contract_no"]] = (digest, result)
        return result

    # -- enterprises and households --------------------------------------------------------------

    def add_enterprise(self, enterprise: Enterprise, *, actor: str = DEFAULT_ACTOR) -> Enterprise:
        """Register an enterprise; the same one again is a no-op, another name for its code a
        ``ConflictError``."""
        if not isinstance(enterprise, Enterprise):
            raise TypeError("add_enterprise needs an Enterprise")
        actor = _check_actor(actor)

        def work(conn: sqlite3.Connection) -> Enterprise:
            self._authorize(conn, actor, Permission.WRITE_PARTIES)
            row = conn.execute(
                "SELECT name FROM enterprises WHERE uscc = ?", (enterprise.uscc,)
            ).fetchone()
            if row is not None:
                if row["name"] == enterprise.name:
                    return enterprise
                raise ConflictError(
                    f"enterprise {enterprise.uscc} is already registered as {row['name']!r}, "
                    f"not {enterprise.name!r}",
                    existing=Enterprise(row["name"], enterprise.uscc),
                    new=enterprise,
                    code="enterprise_taken",
                    field="uscc",
                    params={"uscc": enterprise.uscc, "name": row["name"], "new": enterprise.name},
                )
            conn.execute(
                "INSERT INTO enterprises (uscc, name) VALUES (?, ?)",
                (enterprise.uscc, enterprise.name),
            )
            self._audit(
                conn,
                actor,
                "add_enterprise",
                "enterprise",
                enterprise.uscc,
                {"record": unstructure(enterprise)},
            )
            return enterprise

        result: Enterprise = self._write(work)
        return result

    def enterprise(self, uscc: str) -> Enterprise:
        """The enterprise with credit code ``uscc``."""

        def work(conn: sqlite3.Connection) -> Enterprise:
            row = conn.execute(
                "SELECT name, uscc FROM enterprises WHERE uscc = ?", (uscc.strip().upper(),)
            ).fetchone()
            if row is None:
                raise NotFoundError(
                    f"no enterprise {uscc} (企业不存在)",
                    code="no_enterprise",
                    params={"uscc": uscc},
                )
            return Enterprise(row["name"], row["uscc"])

        result: Enterprise = self._read(work)
        return result

    def enterprises(self) -> list[Enterprise]:
        """Every enterprise, by credit code."""
        rows = self._read(
            lambda conn: conn.execute("SELECT name, uscc FROM enterprises ORDER BY uscc").fetchall()
        )
        return [Enterprise(r["name"], r["uscc"]) for r in rows]

    @staticmethod
    def _household_of(row: sqlite3.Row) -> Household:
        return Household(
            head_name=row["head_name"],
            resident_id=row["resident_id"],
            township=row["township"],
            village=row["village"],
            group=row["grp"],
            phone=row["phone"],
            members=row["members"],
            poverty_status=PovertyStatus(row["poverty_status"]),
            account=row["account"],
        )

    @staticmethod
    def _household_values(h: Household) -> tuple[object, ...]:
        return (
            h.head_name,
            h.township,
            h.village,
            h.group,
            h.phone,
            h.members,
            h.poverty_status.value,
            h.account,
            h.resident_id,
        )

    def add_household(self, household: Household, *, actor: str = DEFAULT_ACTOR) -> Household:
        """Register a household (unique resident ID). The same household again is a no-op;
        different data under a registered ID is a ``ConflictError`` (use ``update_household``)."""
        if not isinstance(household, Household):
            raise TypeError("add_household needs a Household")
        actor = _check_actor(actor)

        def work(conn: sqlite3.Connection) -> Household:
            self._authorize(conn, actor, Permission.WRITE_PARTIES)
            row = conn.execute(
                "SELECT * FROM households WHERE resident_id = ?", (household.resident_id,)
            ).fetchone()
            if row is None:  # a holder born after today: a typo in the ID's date
                born_later = birth_after(household.resident_id, self.today())
                if born_later is not None:
                    raise ValidationError([born_later])
            if row is not None:
                existing = self._household_of(row)
                if existing == household:
                    return existing
                raise ConflictError(
                    f"resident ID {household.masked_id} "
                    f"is already registered to {existing.head_name} ({existing.village}); "
                    f"not adding {household.head_name} ({household.village})",
                    existing=existing,
                    new=household,
                    code="resident_id_taken",
                    field="resident_id",
                    params={
                        "id": household.masked_id,
                        "name": existing.head_name,
                        "village": existing.village,
                        "new": household.head_name,
                    },
                )
            cursor = conn.execute(
                "INSERT INTO households (head_name, township, village, grp, phone, members, "
                "poverty_status, account, resident_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._household_values(household),
            )
            self._index_household(conn, household, int(cursor.lastrowid or 0))
            self._audit(
                conn,
                actor,
                "add_household",
                "household",
                household.resident_id,
                {"record": unstructure(household)},
            )
            return household

        result: Household = self._write(work)
        return result

    def update_household(
        self,
        household: Household,
        *,
        actor: str = DEFAULT_ACTOR,
        expected: Household | None = None,
    ) -> Household:
        """Change a registered household's details (name, village, phone, status…), audited.

        ``expected``: the record the change was made from (the one a form was filled with).
        When the stored record is no longer that one — another user changed it meanwhile —
        the change is a ``ConflictError`` (``existing`` the record as it is now), not written
        over the other user's."""
        if not isinstance(household, Household):
            raise TypeError("update_household needs a Household")
        actor = _check_actor(actor)

        def work(conn: sqlite3.Connection) -> Household:
            self._authorize(conn, actor, Permission.WRITE_PARTIES)
            row = conn.execute(
                "SELECT * FROM households WHERE resident_id = ?", (household.resident_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(
                    f"no household with resident ID {household.masked_id}",
                    code="no_household",
                    params={"id": household.masked_id},
                )
            before = self._household_of(row)
            if before == household:
                return household
            if expected is not None and before != expected:
                raise ConflictError(
                    f"household {household.masked_id} ({before.head_name}) was changed by "
                    "another user after the change was begun; not writing over it",
                    existing=before,
                    new=household,
                    code="household_changed",
                    params={"id": household.masked_id, "name": before.head_name},
                )
            conn.execute(
                "UPDATE households SET head_name = ?, township = ?, village = ?, grp = ?, "
                "phone = ?, members = ?, poverty_status = ?, account = ? WHERE resident_id = ?",
                self._household_values(household),
            )
            conn.execute(_DELETE_SEARCH_KEYS, (row["id"],))
            self._index_household(conn, household, int(row["id"]))
            self._audit(
                conn,
                actor,
                "update_household",
                "household",
                household.resident_id,
                {"record": unstructure(household), "before": unstructure(before)},
            )
            return household

        result: Household = self._write(work)
        return result

    def household(self, resident_id: str) -> Household:
        """The household with this resident ID."""

        def work(conn: sqlite3.Connection) -> Household:
            row = conn.execute(
                "SELECT * FROM households WHERE resident_id = ?", (resident_id.strip().upper(),)
            ).fetchone()
            if row is None:
                raise NotFoundError(
                    f"no household with resident ID {resident_id} (农户不存在)",
                    code="no_household",
                    params={"id": mask_resident_id(resident_id)},
                )
            return self._household_of(row)

        result: Household = self._read(work)
        return result

    def households(
        self, *, township: str | None = None, village: str | None = None
    ) -> list[Household]:
        """Households, optionally of one township and/or village, by township, village, name."""
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT * FROM households WHERE (? IS NULL OR township = ?) "
                "AND (? IS NULL OR village = ?) ORDER BY township, village, head_name, id",
                (township, township, village, village),
            ).fetchall()
        )
        return [self._household_of(r) for r in rows]

    @staticmethod
    def _index_household(conn: sqlite3.Connection, h: Household, pk: int) -> None:
        """Write the ``household_search`` keys of household ``pk``."""
        keys = search_keys_json(h.head_name, h.resident_id)
        conn.execute(_INSERT_SEARCH_KEY, (h.township, h.village, h.head_name, pk, keys))

    @staticmethod
    def _search_params(
        conn: sqlite3.Connection, query: str, id_tail_max: int | None, within: dict[str, object]
    ) -> dict[str, object]:
        """The parameters of the search queries for a (stripped, non-empty) query, among the
        households ``within`` names (:season and :statuses)."""
        params: dict[str, object] = {
            **within,
            "gram": "n" + query[:2],
            "name": query if len(query) > 2 else None,
            "i_lo": None,
            "i_hi": None,
            "t_lo": None,
            "t_hi": None,
            "places": None,
            "ids": None,
        }
        letters = query.lower()
        if letters.isascii() and letters.isalpha():
            params["i_lo"], params["i_hi"] = _prefix_range("i" + letters)
            unspelled = [
                int(pk)
                for pk, name in conn.execute(_UNSPELLED, within)
                if initials_match(query, name)
            ]
            params["ids"] = json.dumps(unspelled) if unspelled else None
        tail = query.isascii() and query.isalnum()
        if tail and (id_tail_max is None or len(query) <= id_tail_max):
            params["t_lo"], params["t_hi"] = _prefix_range("t" + query.upper()[::-1])
        places = [
            [township, village]
            for township, village in conn.execute(_PLACES)
            if place_match(query, township, village)
        ]
        params["places"] = json.dumps(places, ensure_ascii=False) if places else None
        return params

    @staticmethod
    def _count_matches(conn: sqlite3.Connection, params: dict[str, object]) -> int:
        """How many households ``_search_params``' search finds: |places ∪ others| =
        |places| + |others outside the places|."""

        def count(sql: str) -> int:
            return int(conn.execute(sql, params).fetchone()[0])

        in_places = count(_COUNT_PLACES) if params["places"] is not None else 0
        if params["i_lo"] is None and params["t_lo"] is None:  # the name only (and no ids)
            by_name = count(_COUNT_NAME)
            if by_name and in_places:
                by_name -= count(_COUNT_NAME_IN_PLACES)
            return in_places + by_name
        if params["places"] is None:  # the parts' own counts, when at most one finds any
            counts = [count(_COUNT_NAME)]
            if params["i_lo"] is not None:
                counts.append(count(_COUNT_SPELLED))
            if params["t_lo"] is not None:
                counts.append(count(_COUNT_TAILS))
            if params["ids"] is not None:
                counts.append(len(json.loads(str(params["ids"]))))
            if sum(1 for n in counts if n) <= 1:
                return sum(counts)
        return in_places + count(_COUNT_OTHERS)

    @staticmethod
    def _first_matches(
        conn: sqlite3.Connection, params: dict[str, object], limit: int
    ) -> list[int]:
        """The ids of the first ``limit`` households ``_search_params``' search finds, in
        the order of ``households()``: each part's first ``limit``, merged."""
        parts: list[list[tuple[Any, ...]]] = [
            [tuple(r) for r in conn.execute(_FIRST_BY_NAME, {**params, "limit": limit})]
        ]
        for lo, hi in (("i_lo", "i_hi"), ("t_lo", "t_hi")):
            if params[lo] is not None:
                keys = {
                    "lo": params[lo],
                    "hi": params[hi],
                    "limit": limit,
                    "season": params["season"],
                    "statuses": params["statuses"],
                }
                parts.append([tuple(r) for r in conn.execute(_FIRST_BY_KEYS, keys)])
        if params["ids"] is not None:
            rows = conn.execute(_FIRST_BY_ID, (params["ids"],))
            parts.append(sorted((tuple(r) for r in rows), key=_by_place_and_name))
        if params["places"] is not None:
            in_places: list[tuple[Any, ...]] = []
            for township, village in json.loads(str(params["places"])):  # in order
                left = limit - len(in_places)
                if left <= 0:
                    break
                place = {"township": township, "village": village, "limit": left}
                rows = conn.execute(
                    _FIRST_IN_PLACE,
                    {**place, "season": params["season"], "statuses": params["statuses"]},
                )
                in_places.extend(tuple(r) for r in rows)
            parts.append(in_places)
        first: list[int] = []
        seen: set[int] = set()
        for row in heapq.merge(*parts, key=_by_place_and_name):
            if len(first) >= limit:
                break
            if row[0] not in seen:
                seen.add(row[0])
                first.append(int(row[0]))
        return first

    def search_households(
        self,
        query: str,
        *,
        limit: int,
        id_tail_max: int | None = None,
        season: int | None = None,
        statuses: Collection[ContractStatus] | None = None,
    ) -> HouseholdMatches:
        """The first ``limit`` households a search finds, in the order of ``households()``,
        and how many it finds: those with ``query`` (stripped) in the head's name, the
        township or the village, those whose name's pinyin initials start with it (``zs``
        finds 张三), and those whose resident ID ends with it (ASCII letters and digits, any
        case, full-width too; only up to ``id_tail_max`` characters of it, when given). An empty query finds
        every household. With ``season``, only households with a contract that season (in one
        of ``statuses``, when given) are found. Reads only the keys that match
        (``household_search``), not every household."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError("the limit is a whole number, 0 or more")
        if season is not None and (isinstance(season, bool) or not isinstance(season, int)):
            raise TypeError("the season is a year, a whole number")
        q = unicodedata.normalize("NFKC", query).strip()  # ２７１１ is 2711
        within: dict[str, object] = {"season": season, "statuses": _statuses(statuses)}

        def work(conn: sqlite3.Connection) -> HouseholdMatches:
            total = int(conn.execute(_ALL_HOUSEHOLDS).fetchone()[0])
            if not q:
                rows = conn.execute(_FIRST_HOUSEHOLDS, {**within, "limit": limit}).fetchall()
                found = tuple(_found_household(tuple(r)) for r in rows)
                everyone = (
                    total
                    if season is None
                    else int(conn.execute(_COUNT_HOUSEHOLDS, within).fetchone()[0])
                )
                return HouseholdMatches(found, everyone, total)
            params = self._search_params(conn, q, id_tail_max, within)
            matched = self._count_matches(conn, params)
            first = self._first_matches(conn, params, limit)
            rows = conn.execute(_HOUSEHOLDS_BY_ID, (json.dumps(first),)).fetchall()
            found = tuple(_found_household(tuple(r)) for r in rows)
            return HouseholdMatches(found, matched, total)

        result: HouseholdMatches = self._read(work)
        return result

    # -- contracts ---------------------------------------------------------------------------------

    def add_contract(self, contract: Contract, *, actor: str = DEFAULT_ACTOR) -> Contract:
        """Store a contract (unique contract number) between a registered enterprise and
        household; its crop, form and grades are checked against the store's catalog.
        The same contract again is a no-op; another under the same number a ``ConflictError``."""
        if not isinstance(contract, Contract):
            raise TypeError("add_contract needs a Contract")
        actor = _check_actor(actor)
        contract.check_against(self.catalog)
        crop = self.catalog.crop(contract.crop)
        form = crop.form(contract.form)
        area_mu4 = int(contract.area_mu * 10000)

        def work(conn: sqlite3.Connection) -> Contract:
            self._authorize(conn, actor, Permission.WRITE_CONTRACTS)
            row = conn.execute(
                "SELECT data FROM contracts WHERE contract_no = ?", (contract.contract_no,)
            ).fetchone()
            if row is None:  # nor may it take a number but for its letters' case (sz-01, SZ-01)
                row = conn.execute(
                    "SELECT data FROM contracts WHERE contract_no = ? COLLATE NOCASE LIMIT 1",
                    (unicodedata.normalize("NFKC", contract.contract_no).strip(),),
                ).fetchone()
            if row is not None:
                existing = from_json(row["data"], Contract)
                if existing == contract:
                    return existing
                raise ConflictError(
                    f"contract number {existing.contract_no} is already used by the contract "
                    f"of household {existing.household_id} ({existing.crop}, {existing.season})",
                    existing=existing,
                    new=contract,
                    code="contract_no_taken",
                    field="contract_no",
                    params={"contract_no": existing.contract_no, "season": existing.season},
                )
            enterprise = conn.execute(
                "SELECT id FROM enterprises WHERE uscc = ?", (contract.enterprise_uscc,)
            ).fetchone()
            if enterprise is None:
                raise NotFoundError(
                    f"contract {contract.contract_no}: enterprise {contract.enterprise_uscc} "
                    "is not registered (企业未登记)",
                    code="no_enterprise",
                    params={"uscc": contract.enterprise_uscc},
                )
            household = self._household_pk(conn, contract.household_id)
            conn.execute(
                "INSERT INTO contracts (contract_no, enterprise_id, household_id, crop, form, "
                "season, area_mu, area_mu4, unrecovered, status, delivery_start, delivery_end, "
                "data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    contract.contract_no,
                    int(enterprise[0]),
                    household,
                    crop.code,
                    form.code,
                    contract.season,
                    str(contract.area_mu),
                    area_mu4,
                    contract.unrecovered.value,
                    contract.status.value,
                    contract.delivery_start.isoformat() if contract.delivery_start else None,
                    contract.delivery_end.isoformat() if contract.delivery_end else None,
                    to_json(contract),
                ),
            )
            self._audit(
                conn,
                actor,
                "add_contract",
                "contract",
                contract.contract_no,
                {"record": unstructure(contract)},
            )
            return contract

        result: Contract = self._write(work)
        return result

    def contract(self, contract_no: str) -> Contract:
        """The contract with this number, in its current status."""
        result: Contract = self._read(lambda conn: self._contract_row(conn, contract_no).contract)
        return result

    def contracts(
        self,
        *,
        season: int | None = None,
        household_id: str | None = None,
        statuses: Collection[ContractStatus] | None = None,
        place: tuple[str, str] | None = None,
    ) -> list[Contract]:
        """Contracts by contract number: of one season, household, any of ``statuses``, or
        the households of one ``place`` (township, village), as given."""
        township, village = place if place is not None else (None, None)

        def work(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            household = self._household_pk(conn, household_id) if household_id is not None else None
            return conn.execute(
                _CONTRACTS_WHERE,
                {
                    "season": season,
                    "household": household,
                    "statuses": _statuses(statuses),
                    "township": township,
                    "village": village,
                },
            ).fetchall()

        return [from_json(r["data"], Contract) for r in self._read(work)]

    def contract_places(
        self, season: int, *, statuses: Collection[ContractStatus] | None = None
    ) -> list[tuple[str, str]]:
        """The (township, village) of the households with a contract in ``season`` (in one of
        ``statuses``, when given), in order."""
        params = {"season": season, "statuses": _statuses(statuses)}
        rows = self._read(lambda conn: conn.execute(_CONTRACT_PLACES, params).fetchall())
        return [(str(r[0]), str(r[1])) for r in rows]

    def _change_contract(
        self, contract_no: str, step: Callable[[Contract], Contract], action: str, actor: str
    ) -> Contract:
        actor = _check_actor(actor)

        def work(conn: sqlite3.Connection) -> Contract:
            self._authorize(conn, actor, Permission.WRITE_CONTRACTS)
            row = self._contract_row(conn, contract_no)
            after = step(row.contract)
            conn.execute(
                "UPDATE contracts SET status = ?, data = ? WHERE id = ?",
                (after.status.value, to_json(after), row.id),
            )
            self._audit(
                conn,
                actor,
                action,
                "contract",
                contract_no,
                {
                    "record": unstructure(after),
                    "from": row.contract.status.value,
                    "to": after.status.value,
                },
            )
            return after

        result: Contract = self._write(work)
        return result

    def sign_contract(
        self, contract_no: str, on: dt.date, *, actor: str = DEFAULT_ACTOR
    ) -> Contract:
        """Sign a draft contract (``ContractStateError`` from any other status)."""
        day = _check_day("on", on)
        return self._change_contract(contract_no, lambda c: c.sign(day), "sign_contract", actor)

    def close_contract(self, contract_no: str, *, actor: str = DEFAULT_ACTOR) -> Contract:
        """Close a signed contract at the end of its season."""
        return self._change_contract(contract_no, Contract.close, "close_contract", actor)

    def cancel_contract(
        self, contract_no: str, reason: str = "", *, actor: str = DEFAULT_ACTOR
    ) -> Contract:
        """Cancel a draft contract."""
        return self._change_contract(
            contract_no, lambda c: c.cancel(reason), "cancel_contract", actor
        )

    def terminate_contract(
        self, contract_no: str, reason: str, *, actor: str = DEFAULT_ACTOR
    ) -> Contract:
        """Terminate a signed contract early; a reason is required."""
        return self._change_contract(
            contract_no, lambda c: c.terminate(reason), "terminate_contract", actor
        )

    # -- market prices -----------------------------------------------------------------------------

    def set_market_price(
        self,
        crop: str,
        form: str,
        grade: str,
        day: dt.date,
        price: Decimal,
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> Decimal:
        """Record the day's market price (yuan/kg) of a crop, form and grade.

        Setting it again replaces it (audited); deliveries already recorded keep the price
        they were priced with.
        """
        actor = _check_actor(actor)
        day = _check_day("day", day)
        price = D(price, "market_price")
        if price <= ZERO:
            raise ValidationError.one("market_price", "positive")
        grade = grade.strip() if isinstance(grade, str) else grade  # as a Weighing's grade is
        crop_entry = self.catalog.crop(crop)
        product = crop_entry.form(form)
        product.grade_rank(grade)
        key = (crop_entry.code, product.code, grade, day.isoformat())

        def work(conn: sqlite3.Connection) -> Decimal:
            self._authorize(conn, actor, Permission.SET_PRICES)
            row = conn.execute(
                "SELECT price FROM market_prices WHERE crop = ? AND form = ? AND grade = ? "
                "AND day = ?",
                key,
            ).fetchone()
            if row is not None and D(row["price"]) == price:
                return price
            conn.execute(
                "INSERT INTO market_prices (crop, form, grade, day, price) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (crop, form, grade, day) DO UPDATE SET price = excluded.price",
                (*key, str(price)),
            )
            record = dict(zip(("crop", "form", "grade", "day"), key, strict=True))
            record["price"] = str(price)
            payload: dict[str, Any] = {"record": record}
            if row is not None:
                payload["before"] = row["price"]
            self._audit(conn, actor, "set_market_price", "market_price", "/".join(key), payload)
            return price

        result: Decimal = self._write(work)
        return result

    def market_price(self, crop: str, form: str, grade: str, day: dt.date) -> Decimal | None:
        """The recorded market price (yuan/kg) for that day, or ``None``."""
        grade = grade.strip() if isinstance(grade, str) else grade
        crop_entry = self.catalog.crop(crop)
        key = (crop_entry.code, crop_entry.form(form).code, grade, day.isoformat())
        row = self._read(
            lambda conn: conn.execute(
                "SELECT price FROM market_prices WHERE crop = ? AND form = ? AND grade = ? "
                "AND day = ?",
                key,
            ).fetchone()
        )
        return D(row["price"]) if row is not None else None

    # -- deliveries --------------------------------------------------------------------------------

    def record_delivery(
        self,
        contract_no: str,
        weighing: Weighing,
        day: dt.date,
        receipt_no: str,
        *,
        purchase_point: str = "",
        actor: str = DEFAULT_ACTOR,
        anew: bool = False,
        new_receipt: bool = False,
    ) -> Delivery:
        """Record one weighing slip, priced with the contract's terms, the day's market price
        and the accepted kg already delivered under the contract.

        Recording the same slip again returns the existing record and writes nothing — also
        a voided one (a file imported again adds nothing), unless ``anew`` (the slip typed
        again after its void): it is then recorded as the receipt's next revision, in the
        place of the voided record in the order the quota is used up (a correction does not
        send the lot to the back of the queue: the later slips of the contract are voided,
        naming it, and recorded again after it, as a void does: the record's ``repriced``
        lists them, for their receipts to be printed again). The same
        receipt number (per enterprise and season) with different data is a
        ``ConflictError``. A contract that is not signed, or a day outside its delivery
        window, is a ``RefusedError``; a lot over the maximum moisture is recorded as
        rejected, amount 0.

        ``new_receipt``: the number was issued for this slip (``next_receipt_no``), so a record
        of it, live or voided, is another lot's, even of the same figures (two scales that drew
        one number): a ``ConflictError`` (``receipt_in_use``), not that record.
        """
        slip = Slip(contract_no, weighing, day, receipt_no, purchase_point)
        actor = _check_actor(actor)

        def work(conn: sqlite3.Connection) -> list[int]:
            if new_receipt:
                self._check_receipt_unused(conn, contract_no, receipt_no)
            if anew:  # ``again`` takes deliverability as given: a slip typed anew is checked
                self._authorize(conn, actor, Permission.RECORD_DELIVERY)
                self._check_deliverable(self._contract_row(conn, contract_no).contract, day)
                placed = self._record_in_place(conn, slip, actor)
                if placed is not None:
                    return placed
            ids, _ = self._record_slips(conn, [slip], actor, single=True, again=anew)
            return ids

        ids: list[int] = self._write(work)
        recorded = self.delivery(ids[0])
        return attrs.evolve(recorded, repriced=tuple(ids[1:])) if ids[1:] else recorded

    def next_receipt_no(self, contract_no: str, stem: str) -> str:
        """The next receipt number after ``stem`` for the contract's enterprise and season:
        one past the highest number recorded (or voided) under it, in four digits at least
        (``W20181030-0001``, ``-0002``…).

        Numbered in sequence, as a receipt book is, not at random: a clerk reads and copies
        0007 more surely than 3FA2C1, an inspector matching paper slips finds them in order
        and sees a gap, and the number is free by the store, not by chance (six random hex
        digits, 1,000 slips a day under one stem: two share one on about 3% of days). Two
        scales saving at once may still draw one number: ``record_delivery(new_receipt=True)``
        refuses the second."""
        stem = _check_text("receipt_no", stem, limit=30)
        after = stem[:-1] + chr(ord(stem[-1]) + 1)  # every text starting with ``stem`` is below

        def work(conn: sqlite3.Connection) -> int:
            c = self._contract_row(conn, contract_no)
            rows = conn.execute(
                "SELECT receipt_no FROM deliveries WHERE enterprise_id = ? AND season = ? "
                "AND receipt_no >= ? AND receipt_no < ?",
                (c.enterprise_id, c.contract.season, stem, after),
            )
            tails = (str(r[0])[len(stem) :] for r in rows)
            return max((int(t) for t in tails if t.isascii() and t.isdigit()), default=0)

        last: int = self._read(work)
        return f"{stem}{last + 1:04d}"

    def _check_receipt_unused(
        self, conn: sqlite3.Connection, contract_no: str, receipt_no: str
    ) -> None:
        """Refuse ``receipt_no`` when the contract's enterprise and season have a record of it,
        live or voided, in any spelling of its leading zeros (``receipt_in_use``)."""
        receipt_no = _check_text("receipt_no", receipt_no, limit=40)
        c = self._contract_row(conn, contract_no)
        key = (c.enterprise_id, c.contract.season, receipt_no)
        held = self._same_receipt(conn, key) or [
            dict(r) for r in receipt_otherwise(conn, *key, _RECEIPT_OTHERWISE, voided=True)
        ]
        if held:
            other = held[-1]
            raise ConflictError(
                f"receipt {receipt_no} ({c.contract.enterprise_uscc}, season "
                f"{c.contract.season}) was issued for a new slip but is already recorded as "
                f"delivery {other['id']} (contract {other['contract_no']}, {other['day']}) "
                f"(小票号已被使用)",
                existing=other,
                code="receipt_in_use",
                field="receipt_no",
                params={"receipt": other["receipt_no"], "id": other["id"], "day": other["day"]},
            )

    def record_deliveries(
        self, slips: Iterable[Slip], *, actor: str = DEFAULT_ACTOR, batch_size: int = 5000
    ) -> BatchResult:
        """Record many slips: one transaction and one audit entry (hashing all its rows) per
        batch of ``batch_size``. Slips already recorded are skipped (counted as ``existing``).

        If a slip is refused, its batch writes nothing and the error (with a note naming the
        slip) is raised; earlier batches stay committed, and running the same slips again
        records only what is missing.
        """
        actor = _check_actor(actor)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        total = BatchResult()
        iterator = iter(slips)
        while chunk := list(itertools.islice(iterator, batch_size)):

            def work(conn: sqlite3.Connection, part: list[Slip] = chunk) -> BatchResult:
                return self._record_slips(conn, part, actor, single=False)[1]

            result: BatchResult = self._write(work)
            total += result
        return total

    def _record_slips(
        self,
        conn: sqlite3.Connection,
        slips: Sequence[Slip],
        actor: str,
        *,
        single: bool,
        again: bool = False,
        markets: Sequence[Decimal | None] | None = None,
        before_g: Mapping[int, int] | None = None,
    ) -> tuple[list[int], BatchResult]:
        """Write ``slips`` in ``conn``'s transaction: their record ids, and the batch's counts.
        A slip the same as a record of its receipt is that record (``existing``), unless
        ``again``: slips voided to be priced again are recorded anew, as new revisions, at
        the market prices they were first priced at (``markets``, one per slip), not the day's
        price as it stands now. ``before_g``: the grams delivered before the batch under a
        contract, by its id, when that is not all its live slips (a slip recorded in its
        place)."""
        self._authorize(conn, actor, Permission.RECORD_DELIVERY)
        now = self._now().isoformat()
        seq, prev = audit.next_seq(conn)
        max_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM deliveries").fetchone()[0]
        next_id = int(max_id) + 1
        contracts: dict[str, _ContractRow] = {}
        delivered: dict[int, int] = {}
        prices: dict[tuple[str, str, str, str], Decimal | None] = {}
        pending: dict[tuple[int, int, str], list[dict[str, Any]]] = defaultdict(list)
        zero_led: dict[tuple[int, int], bool] = {}
        rows: list[dict[str, Any]] = []
        ids: list[int] = []
        existing = 0
        # The batch's contracts, stored receipts and delivered kg, in a few queries rather
        # than a few per slip; anything not found here is looked up (or refused) in the loop.
        contracts.update(
            self._contract_rows(conn, (getattr(s, "contract_no", None) for s in slips))
        )
        stored = self._stored_receipts(conn, slips, contracts)
        delivered.update(self._delivered_grams(conn, [c.id for c in contracts.values()]))
        delivered.update(before_g or {})
        for index, slip in enumerate(slips):
            try:
                if not isinstance(slip, Slip) or not isinstance(slip.weighing, Weighing):
                    raise TypeError("record_deliveries needs Slip values holding a Weighing")
                receipt_no = _check_text("receipt_no", slip.receipt_no, limit=40)
                _check_text("purchase_point", slip.purchase_point, limit=60, required=False)
                day = _check_day("day", slip.day)
                c = contracts.get(slip.contract_no)
                if c is None:
                    c = contracts[slip.contract_no] = self._contract_row(conn, slip.contract_no)
                key = (c.enterprise_id, c.contract.season, receipt_no)
                # this batch's slips by receipt_key: 0001 and 1 in one batch are one slip
                held = (c.enterprise_id, c.contract.season, receipt_key(receipt_no))
                before = stored[key] if key in stored else self._same_receipt(conn, key)
                found = before + pending[held]
                if not any(not r.get("voided") for r in found):
                    # 1 for a slip recorded as 0001 (a spreadsheet drops zeros): the live one
                    # is this slip or another; one voided, a slip typed anew takes its number
                    others = [
                        dict(r)
                        for r in receipt_otherwise(
                            conn, *key, _RECEIPT_OTHERWISE, zero_led, voided=True
                        )
                    ]
                    if any(not r["voided"] for r in others):
                        found = found + others
                    elif again and not found and others:
                        receipt_no = str(others[-1]["receipt_no"])
                        key = (c.enterprise_id, c.contract.season, receipt_no)
                        found = others
                # the live record of the same slip, else (not ``again``) a voided one
                same = [r for r in found if self._same_slip(r, c, slip)]
                live_same = [r for r in same if not r.get("voided")]
                match = next(iter(live_same or ([] if again else same)), None)
                if match is not None:
                    ids.append(int(match["id"]))
                    existing += 1
                    continue
                live = [r for r in found if not r.get("voided")]
                if live:
                    other = live[0]
                    raise ConflictError(
                        f"receipt {receipt_no} ({c.contract.enterprise_uscc}, season "
                        f"{c.contract.season}) is already recorded as delivery {other['id']}: "
                        f"contract {other.get('contract_no', slip.contract_no)}, {other['day']}, "
                        f"gross {other['gross_kg']} kg, tare {other['tare_kg']} kg, grade "
                        f"{other['grade']}; refusing the different slip: contract "
                        f"{slip.contract_no}, {day}, gross {slip.weighing.gross_kg} kg, tare "
                        f"{slip.weighing.tare_kg} kg, grade {slip.weighing.grade} "
                        f"(小票号重复且内容不同)",
                        existing=dict(other),
                        new=slip,
                        code="receipt_taken",
                        field="receipt_no",
                        params={
                            "receipt": other["receipt_no"],  # as recorded: 0001 for a 1
                            "id": other["id"],
                            "day": other["day"],
                        },
                    )
                revision = max((int(r["revision"]) for r in found), default=-1) + 1
                if not again:  # a slip priced again was deliverable when first recorded
                    self._check_deliverable(c.contract, day)
                price_key = (c.crop_code, c.form_code, slip.weighing.grade, day.isoformat())
                if price_key not in prices:
                    row = conn.execute(
                        "SELECT price FROM market_prices WHERE crop = ? AND form = ? "
                        "AND grade = ? AND day = ?",
                        price_key,
                    ).fetchone()
                    prices[price_key] = D(row[0]) if row is not None else None
                if c.id not in delivered:
                    delivered[c.id] = int(
                        conn.execute(
                            "SELECT COALESCE(SUM(net_g), 0) FROM contract_totals "
                            "WHERE contract_id = ?",
                            (c.id,),
                        ).fetchone()[0]
                    )
                quote = price_delivery(
                    c.terms,
                    slip.weighing,
                    # a slip priced again keeps the market price it was weighed under; one
                    # weighed with none (all of it protected then) takes the day's, if posted
                    market_price=prices[price_key]
                    if markets is None or markets[index] is None
                    else markets[index],
                    delivered_before_kg=_kg(delivered[c.id]),
                )
                row_data = _delivery_row(
                    id=next_id,
                    c=c,
                    slip=slip,
                    receipt_no=receipt_no,
                    revision=revision,
                    quote=quote,
                    actor=actor,
                    at=now,
                    seq=seq,
                )
            except (OrderfarmError, TypeError) as exc:
                if not single:
                    exc.add_note(f"slip {index + 1} of the batch (receipt {slip.receipt_no!r})")
                raise
            if quote.accepted:
                delivered[c.id] += row_data["net_g"]
            rows.append(row_data)
            pending[held].append({**row_data, "contract_no": slip.contract_no})
            ids.append(next_id)
            next_id += 1
        if rows:
            conn.executemany(_INSERT_DELIVERY, rows)
            add_deliveries(
                conn,
                (
                    (
                        r["contract_id"],
                        r["household_id"],
                        r["season"],
                        r["accepted"],
                        r["net_g"],
                        r["amount_fen"],
                    )
                    for r in rows
                ),
            )
            if single:
                ref = f"{rows[0]['receipt_no']}#{rows[0]['id']}"
                action = "record_delivery"
            else:
                ref = f"{rows[0]['id']}-{rows[-1]['id']}"
                action = "record_deliveries"
            self._audit(
                conn,
                actor,
                action,
                "delivery",
                ref,
                audit.money_payload("deliveries", rows),
                seq_and_prev=(seq, prev),
            )
        return ids, BatchResult(len(rows), existing)

    @staticmethod
    def _same_receipt(conn: sqlite3.Connection, key: tuple[int, int, str]) -> list[dict[str, Any]]:
        found = conn.execute(
            _RECEIPT_SELECT + "AND d.receipt_no = ? ORDER BY d.revision", key
        ).fetchall()
        return [dict(r) for r in found]

    @staticmethod
    def _stored_receipts(
        conn: sqlite3.Connection, slips: Sequence[Slip], contracts: Mapping[str, _ContractRow]
    ) -> dict[tuple[int, int, str], list[dict[str, Any]]]:
        """The stored records of the slips' receipt numbers (an empty list for each one not
        stored), per (enterprise, season, receipt number), by revision."""
        wanted: dict[tuple[int, int], set[str]] = defaultdict(set)
        for slip in slips:
            number = getattr(slip, "contract_no", None)
            c = contracts.get(number) if isinstance(number, str) else None
            receipt_no = getattr(slip, "receipt_no", None)
            if c is not None and isinstance(receipt_no, str) and receipt_no.strip():
                wanted[(c.enterprise_id, c.contract.season)].add(receipt_no.strip())
        found: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
        for (enterprise, season), numbers in wanted.items():
            for part in _chunks(sorted(numbers), _IN_LIMIT):
                found.update({(enterprise, season, n): [] for n in part})
                marks = ", ".join("?" * len(part))
                for r in conn.execute(
                    _RECEIPT_SELECT + f"AND d.receipt_no IN ({marks}) ORDER BY d.revision",
                    (enterprise, season, *part),
                ):
                    found[(enterprise, season, r["receipt_no"])].append(dict(r))
        return found

    @staticmethod
    def _delivered_grams(conn: sqlite3.Connection, contract_ids: Sequence[int]) -> dict[int, int]:
        """Accepted net grams delivered under each contract (voided records left out)."""
        grams = dict.fromkeys(contract_ids, 0)
        for part in _chunks(sorted(grams), _IN_LIMIT):
            marks = ", ".join("?" * len(part))
            for contract_id, total in conn.execute(_DELIVERED_GRAMS.format(marks=marks), part):
                grams[int(contract_id)] = int(total)
        return grams

    @staticmethod
    def _same_slip(row: Mapping[str, Any], c: _ContractRow, slip: Slip) -> bool:
        w = slip.weighing
        weights = (w.gross_kg, w.tare_kg, w.moisture, w.impurity)
        return same_delivery(row, c.id, slip.day.isoformat(), slip.purchase_point, w.grade, weights)

    @staticmethod
    def _check_deliverable(contract: Contract, day: dt.date, *, window: bool = True) -> None:
        problems: list[Problem] = []
        if contract.status is not ContractStatus.SIGNED:
            problems.append(
                Problem(
                    "contract_no",
                    "contract_not_signed",
                    {
                        "contract_no": contract.contract_no,
                        "status": contract.status.value,
                        "status_zh": contract.status.zh,
                    },
                )
            )
        if window and not contract.in_window(day):
            problems.append(
                Problem(
                    "day",
                    "outside_window",
                    {
                        "day": day.isoformat(),
                        "start": contract.delivery_start or "…",
                        "end": contract.delivery_end or "…",
                    },
                )
            )
        if problems:
            raise RefusedError(problems)

    def _delivery_of(self, row: sqlite3.Row, terms: dict[str, PriceTerms]) -> Delivery:
        contract_no = row["contract_no"]
        if contract_no not in terms:
            terms[contract_no] = from_json(row["contract_data"], Contract).terms
        return Delivery(
            id=row["id"],
            contract_no=contract_no,
            household_id=row["resident_id"],
            enterprise_uscc=row["uscc"],
            season=row["season"],
            receipt_no=row["receipt_no"],
            revision=row["revision"],
            day=dt.date.fromisoformat(row["day"]),
            purchase_point=row["purchase_point"],
            weighing=_weighing_of(row),
            quote=_quote_of(row, terms[contract_no]),
            actor=row["actor"],
            recorded_at=row["recorded_at"],
            voided=bool(row["voided"]),
        )

    def delivery(self, delivery_id: int) -> Delivery:
        """The delivery with this record id."""
        return self._record(
            _DELIVERY_BY_ID, delivery_id, lambda row: self._delivery_of(row, {}), "delivery"
        )

    def deliveries(
        self,
        *,
        contract_no: str | None = None,
        household_id: str | None = None,
        season: int | None = None,
        include_voided: bool = True,
    ) -> list[Delivery]:
        """Deliveries matching every filter given, in record order."""

        def work(conn: sqlite3.Connection) -> list[Delivery]:
            household = self._household_pk(conn, household_id) if household_id is not None else None
            contract: int | None = None
            if contract_no is not None:  # however its letters' case is typed
                found = self._contract_rows(conn, [contract_no]).get(contract_no)
                if found is None:
                    return []
                contract = found.id
            rows = conn.execute(
                _DELIVERY_SELECT + "WHERE (? IS NULL OR d.contract_id = ?) "
                "AND (? IS NULL OR d.household_id = ?) AND (? IS NULL OR d.season = ?) "
                "AND (? OR v.delivery_id IS NULL) ORDER BY d.id",
                (
                    contract,
                    contract,
                    household,
                    household,
                    season,
                    season,
                    1 if include_voided else 0,
                ),
            )
            terms: dict[str, PriceTerms] = {}
            return [self._delivery_of(r, terms) for r in rows]

        result: list[Delivery] = self._read(work)
        return result

    def find_delivery(self, enterprise_uscc: str, season: int, receipt_no: str) -> Delivery | None:
        """The latest record of a receipt number (per enterprise and season), or ``None``
        (``find_deliveries`` of one: a number written with other leading zeros included)."""
        key = (enterprise_uscc, season, receipt_no)
        return self.find_deliveries([key]).get(key)

    def find_deliveries(
        self, receipts: Iterable[tuple[str, int, str]]
    ) -> dict[tuple[str, int, str], Delivery]:
        """``find_delivery`` for many (credit code, season, receipt number) at once: the latest
        record of each one stored, in a few queries (receipts not stored are left out)."""
        wanted: dict[tuple[str, int], set[str]] = defaultdict(set)
        for uscc, season, receipt_no in receipts:
            wanted[(uscc, season)].add(receipt_no)

        def work(conn: sqlite3.Connection) -> dict[tuple[str, int, str], Delivery]:
            found: dict[tuple[str, int, str], Delivery] = {}
            terms: dict[str, PriceTerms] = {}
            zero_led: dict[tuple[int, int], bool] = {}
            for (uscc, season), numbers in wanted.items():
                for part in _chunks(sorted(numbers), _IN_LIMIT):
                    marks = ", ".join("?" * len(part))
                    for row in conn.execute(
                        _DELIVERY_SELECT + "WHERE e.uscc = ? AND d.season = ? "
                        f"AND d.receipt_no IN ({marks}) ORDER BY d.revision",
                        (uscc, season, *part),
                    ):
                        found[(uscc, season, row["receipt_no"])] = self._delivery_of(row, terms)
                enterprise = conn.execute(
                    "SELECT id FROM enterprises WHERE uscc = ?", (uscc,)
                ).fetchone()
                if enterprise is None:
                    continue
                for number in numbers:  # 1 for a slip recorded as 0001, as find_delivery
                    if (uscc, season, number) not in found:
                        live = receipt_otherwise(
                            conn,
                            int(enterprise[0]),
                            season,
                            number,
                            _DELIVERY_OTHERWISE,
                            zero_led,
                        )
                        if live:
                            found[(uscc, season, number)] = self._delivery_of(live[-1], terms)
            return found

        result: dict[tuple[str, int, str], Delivery] = self._read(work)
        return result

    def delivered_kg(self, contract_nos: Iterable[str]) -> dict[str, Decimal]:
        """Accepted net kg delivered so far under each contract (voided records left out;
        a contract with none, or not stored, has 0), in a few queries."""
        numbers = sorted(set(contract_nos))

        def work(conn: sqlite3.Connection) -> dict[str, Decimal]:
            # by the number as asked (SZ-01 and sz-01 are one contract, asked twice)
            found = self._contract_rows(conn, numbers)
            grams = self._delivered_grams(conn, sorted({c.id for c in found.values()}))
            return {n: _kg(grams.get(c.id, 0)) for n, c in found.items()}

        found: dict[str, Decimal] = self._read(work)
        return {n: found.get(n, _kg(0)) for n in numbers}

    # -- input supplies ------------------------------------------------------------------------------

    def supply_input(
        self,
        contract_no: str,
        supply: InputSupply,
        day: dt.date,
        reference: str,
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> InputRecord:
        """Record inputs supplied under a signed contract (``reference``: the issue slip, unique
        per contract). The same record again is a no-op; different data under the same
        reference a ``ConflictError``. An advance that the household's proceeds already paid
        out could not cover is refused (``RefusedError``, code ``negative_balance``: it would
        leave the balance negative)."""
        if not isinstance(supply, InputSupply):
            raise TypeError("supply_input needs an InputSupply")
        actor = _check_actor(actor)
        day = _check_day("day", day)
        reference = _check_text("supply_no", reference, limit=40)  # 配发单号, as files name it

        def work(conn: sqlite3.Connection) -> int:
            self._authorize(conn, actor, Permission.RECORD_INPUT)
            c = self._contract_row(conn, contract_no)
            row = conn.execute(
                "SELECT * FROM input_supplies WHERE contract_id = ? AND reference = ?",
                (c.id, reference),
            ).fetchone()
            if row is not None:
                stored = InputSupply(
                    row["item"],
                    D(row["quantity"]),
                    row["unit"],
                    D(row["unit_cost"]),
                    ChargeMode(row["charge"]),
                )
                if stored == supply and row["day"] == day.isoformat():
                    return int(row["id"])
                raise ConflictError(
                    f"supply reference {reference} of contract {contract_no} is already recorded "
                    f"as {stored.item} {stored.quantity} {stored.unit} on {row['day']}; refusing "
                    f"{supply.item} {supply.quantity} {supply.unit} on {day}",
                    existing=stored,
                    new=supply,
                    code="supply_reference_taken",
                    field="supply_no",
                    params={"reference": reference, "item": stored.item, "day": row["day"]},
                )
            if c.contract.status is not ContractStatus.SIGNED:
                # Inputs come before the harvest: the delivery window does not apply.
                self._check_deliverable(c.contract, day, window=False)
            seq, prev = audit.next_seq(conn)
            new_id = int(
                conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM input_supplies").fetchone()[0]
            )
            record = {
                "id": new_id,
                "contract_id": c.id,
                "household_id": c.household_id,
                "season": c.contract.season,
                "reference": reference,
                "day": day.isoformat(),
                "item": supply.item,
                "quantity": str(supply.quantity),
                "unit": supply.unit,
                "unit_cost": str(supply.unit_cost),
                "charge": supply.charge.value,
                "amount_fen": to_fen(supply.amount),
                "actor": actor,
                "recorded_at": self._now().isoformat(),
                "audit_seq": seq,
            }
            conn.execute(
                "INSERT INTO input_supplies (id, contract_id, household_id, season, reference, "
                "day, item, quantity, unit, unit_cost, charge, amount_fen, actor, recorded_at, "
                "audit_seq) VALUES (:id, :contract_id, :household_id, :season, :reference, :day, "
                ":item, :quantity, :unit, :unit_cost, :charge, :amount_fen, :actor, "
                ":recorded_at, :audit_seq)",
                record,
            )
            if supply.charge is ChargeMode.ADVANCE:
                add_supplies(
                    conn,
                    [
                        (
                            c.household_id,
                            c.contract.season,
                            record["charge"],
                            c.contract.unrecovered.value,
                            record["amount_fen"],
                        )
                    ],
                )
                self._check_balances(conn, c.household_id, c.contract.season)
            self._audit(
                conn,
                actor,
                "supply_input",
                "input_supply",
                f"{contract_no}/{reference}",
                audit.money_payload("input_supplies", [record]),
                seq_and_prev=(seq, prev),
            )
            return new_id

        new_id: int = self._write(work)
        return self.input_record(new_id)

    def _supply_of(self, row: sqlite3.Row) -> InputRecord:
        return InputRecord(
            id=row["id"],
            contract_no=row["contract_no"],
            household_id=row["resident_id"],
            season=row["season"],
            reference=row["reference"],
            day=dt.date.fromisoformat(row["day"]),
            supply=InputSupply(
                row["item"],
                D(row["quantity"]),
                row["unit"],
                D(row["unit_cost"]),
                ChargeMode(row["charge"]),
            ),
            actor=row["actor"],
            recorded_at=row["recorded_at"],
            voided=bool(row["voided"]),
        )

    def input_record(self, supply_id: int) -> InputRecord:
        """The input supply with this record id."""
        return self._record(_SUPPLY_BY_ID, supply_id, self._supply_of, "input supply")

    def input_records(
        self, *, household_id: str | None = None, season: int | None = None
    ) -> list[InputRecord]:
        """Input supplies matching every filter given, in record order."""
        return self._records(_SUPPLIES_BY, household_id, season, self._supply_of)

    def unsupplied(self, household_id: str, season: int) -> list[tuple[str, InputSupply]]:
        """The inputs a household's contracts of ``season`` agree to supply on advance of which
        no supply is recorded under the contract (voided ones left out): (contract number,
        the input as agreed). A contract's inputs are what the enterprise agreed to hand over;
        only a supply recorded when it is (the 投入 page, a supplies file) is an advance that
        settlement recovers: a statement shows these, lest one agreed go unrecovered."""
        recorded = {
            (r.contract_no, r.supply.item)
            for r in self.input_records(household_id=household_id, season=season)
            if not r.voided
        }
        return [
            (c.contract_no, agreed)
            for c in self.contracts(household_id=household_id, season=season)
            if c.status in (ContractStatus.SIGNED, ContractStatus.CLOSED)
            for agreed in c.inputs
            if agreed.charge is ChargeMode.ADVANCE and (c.contract_no, agreed.item) not in recorded
        ]

    # -- payments ----------------------------------------------------------------------------------

    def record_payment(
        self,
        household_id: str,
        season: int,
        amount: Decimal,
        day: dt.date,
        reference: str,
        *,
        note: str = "",
        actor: str = DEFAULT_ACTOR,
    ) -> Payment:
        """Record a payment to a household for a season (``reference``: the bank or cash slip,
        unique). A payment that would make the season's balance negative is refused with
        ``OverpaymentError``; the same payment again is a no-op; another payment under the
        same reference a ``ConflictError``."""
        actor = _check_actor(actor)
        day = _check_day("day", day)
        if isinstance(season, int) and day.year < season:  # the season's money is paid after it
            raise ValidationError.one(
                "day", "paid_before_season", day=day.isoformat(), season=season
            )
        reference = _check_text("reference", reference, limit=60)
        note = _check_text("note", note, limit=200, required=False)
        fen = _fen_of(amount, "amount")
        if fen <= 0:
            raise ValidationError.one("amount", "positive")
        value = from_fen(fen)

        def work(conn: sqlite3.Connection) -> int:
            self._authorize(conn, actor, Permission.RECORD_PAYMENT)
            household = self._household_pk(conn, household_id)
            row = conn.execute(_PAYMENT_SELECT + "WHERE p.reference = ?", (reference,)).fetchone()
            if row is not None:
                same = (
                    row["household_id"] == household
                    and row["season"] == season
                    and row["amount_fen"] == fen
                    and row["day"] == day.isoformat()
                    and row["note"] == note
                )
                if same:  # the same payment again (a file imported twice): the one recorded
                    return int(row["id"])
                voided = bool(row["voided"])  # then its correction takes a voucher of its own
                raise ConflictError(
                    f"payment reference {reference} is already recorded as payment {row['id']}"
                    f"{' (voided)' if voided else ''}: {from_fen(row['amount_fen'])} yuan to "
                    f"{row['resident_id']} for season {row['season']} on {row['day']}; refusing "
                    f"{value} yuan to {household_id} for season {season} on {day} "
                    "(付款凭证号重复且内容不同)",
                    existing=self._payment_of(row),
                    new=(household_id, season, value, day, reference),
                    code="payment_reference_voided" if voided else "payment_reference_taken",
                    field="reference",
                    params={"reference": reference, "id": row["id"], "day": row["day"]},
                )
            totals = self._household_totals(conn, household, season)[season]
            check_payment(household_id, season, totals, value)
            seq, prev = audit.next_seq(conn)
            new_id = int(
                conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM payments").fetchone()[0]
            )
            record = {
                "id": new_id,
                "household_id": household,
                "season": season,
                "reference": reference,
                "day": day.isoformat(),
                "amount_fen": fen,
                "actor": actor,
                "recorded_at": self._now().isoformat(),
                "audit_seq": seq,
                "note": note,
            }
            conn.execute(
                "INSERT INTO payments (id, household_id, season, reference, day, amount_fen, "
                "actor, recorded_at, audit_seq, note) VALUES (:id, :household_id, :season, "
                ":reference, :day, :amount_fen, :actor, :recorded_at, :audit_seq, :note)",
                record,
            )
            add_payments(conn, [(household, season, fen)])
            self._audit(
                conn,
                actor,
                "record_payment",
                "payment",
                reference,
                audit.money_payload("payments", [record]),
                seq_and_prev=(seq, prev),
            )
            return new_id

        new_id: int = self._write(work)
        return self.payment(new_id)

    @staticmethod
    def _payment_of(row: sqlite3.Row) -> Payment:
        return Payment(
            id=row["id"],
            household_id=row["resident_id"],
            season=row["season"],
            reference=row["reference"],
            day=dt.date.fromisoformat(row["day"]),
            amount=from_fen(row["amount_fen"]),
            note=row["note"],
            actor=row["actor"],
            recorded_at=row["recorded_at"],
            voided=bool(row["voided"]),
        )

    def payment(self, payment_id: int) -> Payment:
        """The payment with this record id."""
        return self._record(_PAYMENT_BY_ID, payment_id, self._payment_of, "payment")

    def payments(
        self, *, household_id: str | None = None, season: int | None = None
    ) -> list[Payment]:
        """Payments matching every filter given, in record order."""
        return self._records(_PAYMENTS_BY, household_id, season, self._payment_of)

    def _record(
        self, by_id: str, record_id: int, build: Callable[[sqlite3.Row], _R], what: str
    ) -> _R:
        """The record the constant query ``by_id`` finds for ``record_id``, built by
        ``build``; ``NotFoundError`` naming ``what`` when there is none."""

        def work(conn: sqlite3.Connection) -> _R:
            row = conn.execute(by_id, (record_id,)).fetchone()
            if row is None:
                raise NotFoundError(
                    f"no {what} {record_id}",
                    code="no_record",
                    params={"kind": Named(what), "id": record_id},
                )
            return build(row)

        result: _R = self._read(work)
        return result

    def _records(
        self,
        by_household_season: str,
        household_id: str | None,
        season: int | None,
        build: Callable[[sqlite3.Row], _R],
    ) -> list[_R]:
        """The records the constant query ``by_household_season`` finds for a household
        (by resident ID) and a season, each ``None`` for all, built by ``build``."""

        def work(conn: sqlite3.Connection) -> list[_R]:
            household = self._household_pk(conn, household_id) if household_id is not None else None
            rows = conn.execute(by_household_season, (household, household, season, season))
            return [build(r) for r in rows]

        result: list[_R] = self._read(work)
        return result

    # -- voids -------------------------------------------------------------------------------------

    def voids(self, kind: str, record_ids: Iterable[int]) -> dict[int, Void]:
        """The voids of those of ``record_ids`` (of ``kind``: delivery, supply or payment)
        that are voided, by record id: the reason, who voided it and when."""
        if kind not in _VOIDS_OF:
            raise ValueError(f"no voids of a {kind!r}")
        ids = json.dumps(sorted({int(i) for i in record_ids}))
        rows: list[tuple[Any, ...]] = self._read(
            lambda conn: conn.execute(_VOIDS_OF[kind], (ids,)).fetchall()
        )
        return {int(r[0]): Void(kind, int(r[0]), r[1], r[2], r[3]) for r in rows}

    def void_delivery(self, delivery_id: int, reason: str, *, actor: str = DEFAULT_ACTOR) -> Void:
        """Void a delivery (a correction naming it and a reason). Refused when it would leave
        the household's balance negative: void the payment first."""
        return self._void("delivery", delivery_id, reason, actor)

    def void_supply(self, supply_id: int, reason: str, *, actor: str = DEFAULT_ACTOR) -> Void:
        """Void an input supply record."""
        return self._void("supply", supply_id, reason, actor)

    def void_payment(self, payment_id: int, reason: str, *, actor: str = DEFAULT_ACTOR) -> Void:
        """Void a payment (it bounced, or was recorded by mistake)."""
        return self._void("payment", payment_id, reason, actor)

    def _void(self, kind: str, record_id: int, reason: str, actor: str) -> Void:
        actor = _check_actor(actor)
        reason = _check_text("reason", reason, limit=200)
        if isinstance(record_id, bool) or not isinstance(record_id, int):
            raise TypeError("a record id is an int")
        lookup = _VOIDS[kind].lookup

        def work(conn: sqlite3.Connection) -> Void:
            self._authorize(conn, actor, Permission.VOID_RECORD)
            row = conn.execute(lookup, (record_id,)).fetchone()
            if row is None:
                raise NotFoundError(
                    f"no {kind} {record_id} to void",
                    code="no_record",
                    params={"kind": Named(kind), "id": record_id},
                )
            if row["voided"] is not None:
                raise VoidError(
                    f"{kind} {record_id} is already voided (已作废)",
                    code="already_voided",
                    params={"kind": Named(kind), "id": record_id},
                )
            void = self._void_row(conn, kind, record_id, row, reason, actor)
            household, season = int(row["household_id"]), int(row["season"])
            if kind == "delivery":
                repriced = self._reprice_after(conn, record_id, row, actor)
                void = attrs.evolve(void, repriced=repriced)
                self._check_balances(conn, household, season)
            return void

        result: Void = self._write(work)
        return result

    def _void_row(
        self,
        conn: sqlite3.Connection,
        kind: str,
        record_id: int,
        row: sqlite3.Row,
        reason: str,
        actor: str,
    ) -> Void:
        """Write the void of the record ``row`` (the columns of its ``_VOIDS`` lookup, or the
        whole stored row), take it out of the running totals, and audit it."""
        _, table, column, insert = _VOIDS[kind]
        seq, prev = audit.next_seq(conn)
        record = {
            column: record_id,
            "reason": reason,
            "actor": actor,
            "recorded_at": self._now().isoformat(),
            "audit_seq": seq,
        }
        conn.execute(insert, record)
        household, season = int(row["household_id"]), int(row["season"])
        if kind == "delivery":
            remove_deliveries(
                conn,
                [
                    (
                        int(row["contract_id"]),
                        household,
                        season,
                        int(row["accepted"]),
                        int(row["net_g"]),
                        int(row["amount_fen"]),
                    )
                ],
            )
        elif kind == "supply":
            remove_supplies(
                conn,
                [(household, season, row["charge"], row["unrecovered"], row["amount_fen"])],
            )
        else:
            remove_payments(conn, [(household, season, int(row["amount_fen"]))])
        self._audit(
            conn,
            actor,
            f"void_{kind}",
            kind,
            str(record_id),
            audit.money_payload(table, [record]),
            seq_and_prev=(seq, prev),
        )
        return Void(kind, record_id, reason, actor, str(record["recorded_at"]))

    def _place(self, conn: sqlite3.Connection, c: _ContractRow, receipt_no: str) -> _Place | None:
        """Where a slip of ``receipt_no`` typed again after its void stands among the slips of
        contract ``c`` (``_Place``); ``None`` when it stands at the end: no earlier record of
        the receipt voided under ``c``, a live one, no quota, or no slip after it."""
        if c.terms.quota_kg is None:
            return None
        key = (c.enterprise_id, c.contract.season, receipt_no.strip())
        found = self._same_receipt(conn, key) + [
            dict(r) for r in receipt_otherwise(conn, *key, _RECEIPT_OTHERWISE, voided=True)
        ]
        if any(not r["voided"] for r in found):
            return None  # the same slip (nothing to write) or another one: as ever
        voided = [r for r in found if r["contract_id"] == c.id]
        if not voided:
            return None
        original = max(voided, key=lambda r: int(r["id"]))
        later = conn.execute(_LATER_SLIPS, (*c.season_key, c.id, original["id"])).fetchall()
        if not later:
            return None
        delivered = self._delivered_grams(conn, [c.id])[c.id]
        return _Place(str(original["receipt_no"]), later, delivered - _accepted_grams(later))

    def delivered_before(self, contract_no: str, receipt_no: str) -> Decimal:
        """Accepted kg delivered under a contract before a slip of ``receipt_no``: all its live
        slips', or, for a receipt whose record was voided and is typed again
        (``record_delivery(anew=True)``), those before that record's place."""
        receipt_no = _check_text("receipt_no", receipt_no, limit=40)

        def work(conn: sqlite3.Connection) -> Decimal:
            c = self._contract_row(conn, contract_no)
            placed = self._place(conn, c, receipt_no)
            if placed is None:
                return _kg(self._delivered_grams(conn, [c.id])[c.id])
            return _kg(placed.before_g)

        result: Decimal = self._read(work)
        return result

    def _record_in_place(
        self, conn: sqlite3.Connection, slip: Slip, actor: str
    ) -> list[int] | None:
        """Record ``slip``, typed again after its record was voided, in that record's place
        among the slips of its contract (``_place``; DESIGN §4 step 6: the kg delivered before
        the lot are those delivered before it, not those recorded before the correction), and
        the later live slips again after it, each voided with a reason naming the receipt, so
        that the order of the records stays the order of the slips: its record's id, then
        those of the later slips whose price changed (their receipts to print again). ``None``
        (record it at the end) when it stands at the end (``_place``)."""
        if not isinstance(slip.receipt_no, str) or not isinstance(slip.weighing, Weighing):
            return None  # ``_record_slips`` says what is wrong
        c = self._contract_row(conn, slip.contract_no)
        placed = self._place(conn, c, slip.receipt_no)
        if placed is None:
            return None
        why = (
            f"按原顺序重新记录：小票 {placed.receipt_no} 更正后在其原位置重新录入，其后的小票依次重新"
            f"记录（金额可能不变）/ recorded again in order: receipt {placed.receipt_no} was "
            "recorded again in its place, and the slips after it are recorded again after it "
            "(their amounts may be unchanged)"
        )
        for r in placed.later:  # each row has what its void takes out of the running totals
            self._void_row(conn, "delivery", int(r["id"]), r, why, actor)
        ids, _ = self._record_slips(
            conn, [slip], actor, single=True, again=True, before_g={c.id: placed.before_g}
        )
        again = self._record_again(conn, c, placed.later, actor)
        self._check_balances(conn, c.household_id, c.contract.season)
        was = {str(r["receipt_no"]): (r["amount_fen"], r["protected_g"]) for r in placed.later}
        changed = [
            int(r["id"])
            for r in conn.execute(_DELIVERY_PRICES, (json.dumps(again),))
            if was.get(str(r["receipt_no"])) != (r["amount_fen"], r["protected_g"])
        ]
        return ids + changed

    def _reprice_after(
        self, conn: sqlite3.Connection, voided_id: int, voided: sqlite3.Row, actor: str
    ) -> tuple[int, ...]:
        """Price again the later slips of the voided delivery's contract whose protected
        quantity it used up (DESIGN §4 step 6: the kg delivered before a slip no longer count
        the voided one). From the first slip whose protected kg change, each later live slip
        is voided with a reason naming ``voided_id`` and recorded again, in its order, as a
        new revision of its receipt; the new records' ids, or ``()`` when nothing changes."""
        if not voided["accepted"] or not voided["net_g"]:
            return ()
        contract_id = int(voided["contract_id"])
        c = self._contract_of(
            conn.execute(_CONTRACT_ROW + "WHERE id = ?", (contract_id,)).fetchone()
        )
        terms = c.terms
        if terms.quota_kg is None:
            return ()
        later = conn.execute(_LATER_SLIPS, (*c.season_key, contract_id, voided_id)).fetchall()
        before = self._delivered_grams(conn, [contract_id])[contract_id]
        before -= _accepted_grams(later)
        first = None
        for index, r in enumerate(later):
            if not r["accepted"]:
                continue
            protected = protected_part(terms, r["grade"], _kg(int(r["net_g"])), _kg(before))
            if protected != _kg(int(r["protected_g"])):
                first = index
                break
            before += int(r["net_g"])
        if first is None:
            return ()
        # every live slip from there, refused lots too: the records' order stays the slips'
        redo = later[first:]
        why = (
            f"重新计价：记录 {voided_id} 作废后保护收购量变化 / re-priced: delivery "
            f"{voided_id} was voided, which changes the protected quantity"
        )
        for r in redo:  # each row has what its void takes out of the running totals
            self._void_row(conn, "delivery", int(r["id"]), r, why, actor)
        return tuple(self._record_again(conn, c, redo, actor))

    def _record_again(
        self, conn: sqlite3.Connection, c: _ContractRow, rows: Sequence[sqlite3.Row], actor: str
    ) -> list[int]:
        """Record the slips of ``rows`` (just voided, of contract ``c``) again, in their order,
        each at the market price it was weighed under (the day's price may have been replaced
        since: recorded slips keep theirs); the new records' ids."""
        slips = [
            Slip(
                c.contract.contract_no,
                _weighing_of(r),
                dt.date.fromisoformat(r["day"]),
                r["receipt_no"],
                r["purchase_point"],
            )
            for r in rows
        ]
        markets = [
            _stored_decimal(r["market_price"]) if r["market_price"] is not None else None
            for r in rows
        ]
        ids, _ = self._record_slips(conn, slips, actor, single=False, again=True, markets=markets)
        return ids

    # -- settlement --------------------------------------------------------------------------------

    @staticmethod
    def _season_sums(conn: sqlite3.Connection, upto: int, household: int) -> dict[int, _Sums]:
        """season → the household's sums, for its seasons with records up to ``upto``."""
        return {
            season: _Sums(proceeds, carry, waive, paid)
            for season, proceeds, carry, waive, paid in conn.execute(
                _SEASON_SUMS, (household, upto)
            )
        }

    def _household_totals(
        self, conn: sqlite3.Connection, household: int, upto: int
    ) -> dict[int, Totals]:
        return _fold(self._season_sums(conn, upto, household), upto)

    def _check_balances(self, conn: sqlite3.Connection, household: int, season: int) -> None:
        """Refuse the write in progress if any season from ``season`` on has a negative balance."""
        for year, totals in _fold(self._season_sums(conn, 10**6, household)).items():
            if year >= season and totals.balance < ZERO:
                name, resident = conn.execute(
                    "SELECT head_name, resident_id FROM households WHERE id = ?", (household,)
                ).fetchone()
                raise RefusedError(
                    [
                        Problem(
                            "balance",
                            "negative_balance",
                            {
                                "name": name,
                                "household": mask_resident_id(resident),
                                "season": year,
                                "paid": f"{totals.paid:,.2f}",
                                "payable": f"{totals.payable:,.2f}",
                                "balance": f"{totals.balance:,.2f}",
                            },
                        )
                    ]
                )

    def totals(self, household_id: str, season: int) -> Totals:
        """The settled totals of one household's season (as on its statement)."""

        def work(conn: sqlite3.Connection) -> Totals:
            household = self._household_pk(conn, household_id)
            return self._household_totals(conn, household, season)[season]

        result: Totals = self._read(work)
        return result

    def statement(self, household_id: str, season: int) -> Statement:
        """对账单: the household's season, every line traceable to its record, with the totals."""

        def work(conn: sqlite3.Connection) -> Statement:
            household = self._household_pk(conn, household_id)
            # The carry comes from the household's last earlier season with records.
            earlier = _fold(self._season_sums(conn, season - 1, household))
            source = max(earlier, default=season - 1)
            carried_in = earlier[source].carried_out if earlier else ZERO
            lines: list[StatementLine] = []
            if carried_in > ZERO:
                lines.append(
                    StatementLine(
                        LineKind.CARRIED,
                        None,
                        str(source),
                        None,
                        f"上季结转垫付款 / advances carried from season {source}",
                        carried_in,
                    )
                )
            for r in conn.execute(
                _DELIVERY_SELECT + "WHERE d.household_id = ? AND d.season = ? "
                "AND v.delivery_id IS NULL ORDER BY d.id",
                (household, season),
            ):
                if r["accepted"]:
                    zh = f"{r['grade']} 净重 {_kg(r['net_g'])} kg"
                    en = f"{r['grade']} net {_kg(r['net_g'])} kg"
                else:
                    maximum = from_json(r["contract_data"], Contract).terms.moisture_max
                    zh = f"拒收：{rejection_text(D(r['moisture']), maximum or ZERO, 'zh')}"
                    en = f"rejected: {r['rejection_reason']}"
                if r["revision"]:  # the paper slip of an earlier record shows another amount
                    n = int(r["revision"]) + 1
                    zh += f"（更正后第 {n} 次记录）"
                    en += f" (corrected: record {n} of this receipt)"
                text = f"{zh} / {en}"
                lines.append(
                    StatementLine(
                        LineKind.DELIVERY,
                        r["id"],
                        r["receipt_no"],
                        dt.date.fromisoformat(r["day"]),
                        text,
                        from_fen(r["amount_fen"]),
                        r["contract_no"],
                    )
                )
            for r in conn.execute(
                _SUPPLY_SELECT + "WHERE s.household_id = ? AND s.season = ? "
                "AND s.charge = 'advance' AND v.supply_id IS NULL ORDER BY s.id",
                (household, season),
            ):
                lines.append(
                    StatementLine(
                        LineKind.INPUT,
                        r["id"],
                        r["reference"],
                        dt.date.fromisoformat(r["day"]),
                        f"{r['item']} {format_quantity(D(r['quantity']))} {r['unit']} × {r['unit_cost']}",
                        from_fen(r["amount_fen"]),
                        r["contract_no"],
                        CarryPolicy(r["unrecovered"]),
                    )
                )
            for r in conn.execute(
                _PAYMENT_SELECT + "WHERE p.household_id = ? AND p.season = ? "
                "AND v.payment_id IS NULL ORDER BY p.id",
                (household, season),
            ):
                lines.append(
                    StatementLine(
                        LineKind.PAYMENT,
                        r["id"],
                        r["reference"],
                        dt.date.fromisoformat(r["day"]),
                        r["note"] or "付款 / payment",
                        from_fen(r["amount_fen"]),
                    )
                )
            return build_statement(household_id, season, lines)

        result: Statement = self._read(work)
        return result

    def settle(self, season: int) -> SettledSeason:
        """Every household's totals for ``season`` (those with a contract that season, or a
        charge carried into it), by township, village and name.

        Settled from the season totals in whole fen at once; each ``HouseholdSettlement`` (in
        yuan) is built when it is first used (``SettledSeason``)."""

        def work(conn: sqlite3.Connection) -> SettledSeason:
            cursor = conn.cursor()
            cursor.row_factory = None
            carried = self._carried_into(cursor, season)
            people: list[tuple[Any, ...]] = []
            fen: list[FenTotals] = []
            empty: list[int] = []
            for r in cursor.execute(_SETTLE_PEOPLE, (season, season)):
                carried_in = carried.get(r[0], 0)
                if r[5] is not None:
                    t = settle_ints(r[5], carried_in, r[6], r[7], r[8])
                elif carried_in:
                    t = settle_ints(0, carried_in, 0, 0, 0)
                else:
                    t = NO_FEN_TOTALS
                if t == NO_FEN_TOTALS:
                    empty.append(len(people))
                people.append(r)
                fen.append(t)
            if empty:
                # A household with nothing in the season is left out unless it has a
                # contract this season (only a contract in an earlier one brought it here).
                this_season = {
                    hh
                    for (hh,) in cursor.execute(
                        "SELECT household_id FROM contracts WHERE season = ?", (season,)
                    )
                }
                gone = {i for i in empty if people[i][0] not in this_season}
                if gone:
                    people = [r for i, r in enumerate(people) if i not in gone]
                    fen = [t for i, t in enumerate(fen) if i not in gone]
            return SettledSeason(people, fen)

        result: SettledSeason = self._read(work)
        return result

    @staticmethod
    def _carried_into(cursor: sqlite3.Cursor, season: int) -> dict[int, int]:
        """household pk → advances carried into ``season`` from earlier ones, in fen (only
        households that carry some)."""
        carried: dict[int, int] = {}
        for hh, found in itertools.groupby(cursor.execute(_EARLIER_SUMS, (season,)), key=_FIRST):
            seasons = [r[1:] for r in found]
            out = fold_fen(seasons, seasons[-1][0])[5]
            if out:
                carried[hh] = out
        return carried

    def report(
        self, season: int, by: Sequence[str] = ("township", "village", "crop", "enterprise")
    ) -> list[ReportRow]:
        """The season report grouped by any of township, village, crop, enterprise.

        Per group: households contracted (contracts signed, closed or terminated) and of
        them registered poor, area, delivered kg (accepted), proceeds, recovered, paid and
        balance outstanding. Slips are summed in SQL (integers: grams, fen, 1/10000 mu) per
        contract; household amounts are shared between a household's contracts in proportion
        to their proceeds, exactly to the fen.
        """
        keys = tuple(by)
        unknown = [k for k in keys if k not in _GROUPS]
        if unknown:
            raise ValueError(f"report can group by {', '.join(_GROUPS)}; not {unknown}")

        def work(conn: sqlite3.Connection) -> list[ReportRow]:
            cursor = conn.cursor()
            cursor.row_factory = None
            carried = self._carried_into(cursor, season)
            # (household pk, township, village, crop, enterprise, poverty status, area in
            # 1/10000 mu, accepted net g, amount in fen, and the household's season sums)
            contracts = cursor.execute(_REPORT_CONTRACTS, (season, season)).fetchall()
            picked = [i + 1 for i, k in enumerate(_GROUPS) if k in keys]
            poor = PovertyStatus.REGISTERED_POOR.value
            groups: dict[tuple[str | None, ...], list[Any]] = {}
            for household, found in itertools.groupby(contracts, key=_FIRST):
                rows = list(found)
                r = rows[0]
                if r[9] is None:
                    fen = settle_ints(0, carried.get(household, 0), 0, 0, 0)
                else:
                    fen = settle_ints(r[9], carried.get(household, 0), r[10], r[11], r[12])
                recovered, paid, balance = fen[4], fen[8], fen[9]
                shares: list[tuple[int, int, int]]
                if len(rows) == 1:
                    shares = [(recovered, paid, balance)]
                else:
                    weights = [int(r[8]) for r in rows]
                    if not any(weights):
                        weights = [int(r[6]) for r in rows]
                    shares = list(
                        zip(
                            _allocate(recovered, weights),
                            _allocate(paid, weights),
                            _allocate(balance, weights),
                            strict=True,
                        )
                    )
                for r, (part_recovered, part_paid, part_balance) in zip(rows, shares, strict=True):
                    key = tuple(r[i] if i in picked else None for i in range(1, 5))
                    g = groups.get(key)
                    if g is None:
                        g = groups[key] = [set(), set(), 0, 0, 0, 0, 0, 0]
                    g[0].add(household)
                    if r[5] == poor:
                        g[1].add(household)
                    g[2] += r[6]
                    g[3] += r[7]
                    g[4] += r[8]
                    g[5] += part_recovered
                    g[6] += part_paid
                    g[7] += part_balance
            return [
                ReportRow(
                    township=key[0],
                    village=key[1],
                    crop=key[2],
                    enterprise=key[3],
                    households=len(g[0]),
                    poor_households=len(g[1]),
                    area_mu=Decimal(g[2]) / 10000,
                    delivered_kg=_kg(g[3]),
                    proceeds=from_fen(g[4]),
                    recovered=from_fen(g[5]),
                    paid=from_fen(g[6]),
                    balance=from_fen(g[7]),
                )
                for key, g in sorted(groups.items(), key=lambda kv: tuple(k or "" for k in kv[0]))
            ]

        result: list[ReportRow] = self._read(work)
        return result

    # -- audit -------------------------------------------------------------------------------------

    def record_event(
        self,
        action: str,
        entity: str,
        ref: str,
        payload: dict[str, Any],
        *,
        actor: str = DEFAULT_ACTOR,
        permission: Permission = Permission.VIEW_PERSONAL,
    ) -> int:
        """Audit a read that matters — a reveal of full resident IDs or accounts, a full
        export — after checking that ``actor`` may do it (``VIEW_PERSONAL`` by default).
        Returns the entry's number."""
        actor = _check_actor(actor)
        action = _check_text("action", action, limit=40)
        entity = _check_text("entity", entity, limit=40)
        ref = _check_text("ref", ref, limit=200, required=False)
        if action in _RECORDING_ACTIONS or {"record", "table"} & set(payload):
            # an event is not a record: what verify checks the tables against stays the store's
            raise ValidationError.one("action", "bad_value", reason="the store's own: not an event")

        def work(conn: sqlite3.Connection) -> int:
            self._authorize(conn, actor, permission)
            return self._audit(conn, actor, action, entity, ref, dict(payload))

        seq: int = self._write(work)
        return seq

    def audit_log(self, *, since: int = 0, limit: int | None = None) -> list[audit.AuditEntry]:
        """Audit entries after ``since``, oldest first."""
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                (since, -1 if limit is None else limit),
            ).fetchall()
        )
        return [audit.AuditEntry(**dict(r)) for r in rows]

    def audit_head(self) -> tuple[int, str]:
        """The last entry's number and hash: publish it to anchor the chain."""
        row = self._read(
            lambda conn: conn.execute(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        )
        return (0, audit.GENESIS) if row is None else (int(row[0]), str(row[1]))

    def counts(self) -> dict[str, int]:
        """Rows per table."""

        def work(conn: sqlite3.Connection) -> dict[str, int]:
            return {table: int(conn.execute(sql).fetchone()[0]) for table, sql in _COUNTS.items()}

        result: dict[str, int] = self._read(work)
        return result

    def verify(self) -> VerifyReport:
        """Check the file: SQLite's integrity and foreign keys, the audit chain, that every
        money row matches the audit entry that recorded it, that every enterprise, household,
        contract and market price is what the last entry that wrote it recorded (and a
        contract's columns what its record says), that every stored amount equals
        the re-pricing of its stored slip, that deliveries agree with their contracts, and
        that the running season and contract totals equal the sums of the money rows (check
        ``totals``, with no entry: they are caches of the records, which
        ``orderfarm.store.totals.rebuild`` recomputes).
        ``first_bad_seq`` names the first broken audit entry."""
        result: VerifyReport = self._read(lambda conn: _verify(conn, self.catalog))
        return result


def _accepted_grams(rows: Iterable[sqlite3.Row]) -> int:
    """The net grams of the accepted lots among delivery ``rows``."""
    return sum(int(r["net_g"]) for r in rows if r["accepted"])


def _rows_changed(
    table: str, seq: int, names: Sequence[str], values: Sequence[Sequence[Any]]
) -> VerifyProblem:
    """Rows of ``table`` that no longer match audit entry ``seq``, named for the inspector by
    their record numbers and, where they have one, their receipts or references, first and
    last (an entry digests its rows together: which of them changed, it cannot say)."""
    first, last = values[0], values[-1]
    one = len(values) == 1
    params: dict[str, object] = {
        "table": Named(table),
        "ids": str(first[0]) if one else f"{first[0]}–{last[0]}",
        "count": len(values),
    }
    at = next((names.index(c) for c in ("receipt_no", "reference") if c in names), None)
    if at is not None:
        params["ref"] = str(first[at]) if one else f"{first[at]} … {last[at]}"
    code = (
        ("verify_rows_changed" if one else "verify_batch_changed")
        if at is None
        else ("verify_row_changed_ref" if one else "verify_batch_changed_refs")
    )
    return _found("audit_rows", code, seq, **params)


#: the actions by which the store writes its records: no event may take their names
_RECORDING_ACTIONS: Final = frozenset().union(*registers.WRITERS.values()) | {
    "record_delivery",
    "record_deliveries",
    "supply_input",
    "record_payment",
    "void_delivery",
    "void_supply",
    "void_payment",
}


def _found(check: str, code: str, seq: int | None = None, **params: object) -> VerifyProblem:
    """A problem verify found, said from the message catalogue: its English is the detail
    scripts and the command line read, ``text(lang)`` says it in the inspector's language."""
    params = {**params, "seq": seq} if seq is not None else params
    return VerifyProblem(check, render(code, params, "en"), seq, code, params)


#: Each contract's price terms as JSON text (``None`` when its record is not JSON).
_CONTRACT_TERMS: Final = (
    "SELECT id, contract_no, crop, form, "
    "CASE WHEN json_valid(data) THEN COALESCE(json_extract(data, '$.terms'), 'null') END "
    "FROM contracts"
)


def _contract_terms(
    conn: sqlite3.Connection, problems: list[VerifyProblem], catalog: Catalog
) -> dict[int, PriceTerms]:
    """Every contract's price terms by contract id, as its slips are priced
    (``Contract.priced_terms``), each distinct text read once; a contract whose terms cannot
    be read is named in ``problems`` and left out."""
    by_text: dict[tuple[str, str, str], PriceTerms | str] = {}  # or why it cannot be read
    terms: dict[int, PriceTerms] = {}
    for contract_id, contract_no, crop, form, text in conn.execute(_CONTRACT_TERMS):
        key = (text, crop, form)
        found = by_text.get(key) if text is not None else "its record is not JSON"
        if found is None:
            try:
                read = from_json(text, PriceTerms)
                found = by_text[key] = terms_in(catalog, crop, form, read)
            except OrderfarmError as exc:
                found = by_text[key] = str(exc)
        if isinstance(found, str):
            problems.append(
                _found(
                    "repricing", "verify_terms_unreadable", contract_no=contract_no, reason=found
                )
            )
        else:
            terms[int(contract_id)] = found
    return terms


def _verify(conn: sqlite3.Connection, catalog: Catalog) -> VerifyReport:
    problems: list[VerifyProblem] = []
    for (line,) in conn.execute("PRAGMA integrity_check"):
        if line != "ok":
            problems.append(VerifyProblem("integrity_check", str(line)))
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        problems.append(
            _found(
                "foreign_key_check",
                "verify_missing_parent",
                table=Named(table),
                row=rowid,
                parent=Named(parent),
            )
        )

    # The chain.
    entries = 0
    prev = audit.GENESIS
    money: dict[int, dict[str, Any]] = {}
    audited = registers.Audited()  # the last record of each register key
    for r in conn.execute("SELECT * FROM audit ORDER BY seq"):
        entries += 1
        seq = int(r["seq"])
        if seq != entries:
            problems.append(_found("audit_chain", "verify_entry_missing", seq=entries))
            entries = seq
        if r["prev_hash"] != prev:
            problems.append(_found("audit_chain", "verify_entry_unchained", seq=seq, prev=seq - 1))
        expected = audit.entry_hash(
            r["prev_hash"],
            seq,
            r["at"],
            r["actor"],
            r["action"],
            r["entity"],
            r["ref"],
            r["payload"],
        )
        if r["hash"] != expected:
            problems.append(_found("audit_chain", "verify_entry_changed", seq=seq))
        prev = r["hash"]
        try:
            payload = json.loads(r["payload"])
        except ValueError:
            problems.append(VerifyProblem("audit_chain", f"entry {seq} payload is not JSON", seq))
            continue
        if isinstance(payload, dict) and payload.get("table") in audit.MONEY_COLUMNS:
            money[seq] = payload
        audited.note(r["action"], r["entity"], seq, payload)

    # Money rows against the entries that recorded them.
    rows = 0
    seen: set[int] = set()
    for table, sql in _MONEY_SCANS.items():
        scan = conn.cursor()
        scan.row_factory = None  # plain tuples: the table's values in its columns' order
        scan.execute(sql)
        names = [d[0] for d in scan.description]
        at_seq = names.index("audit_seq")
        for seq, group_iter in itertools.groupby(scan, key=operator.itemgetter(at_seq)):
            values = list(group_iter)
            rows += len(values)
            payload = money.get(seq)
            if payload is None or payload.get("table") != table:
                problems.append(
                    _found(
                        "audit_rows",
                        "verify_rows_unrecorded",
                        seq=seq,
                        count=len(values),
                        table=Named(table),
                    )
                )
                continue
            if seq in seen:
                problems.append(
                    VerifyProblem(
                        "audit_rows", f"{table} rows of entry {seq} are not together", seq
                    )
                )
            seen.add(seq)
            columns = payload.get("columns", [])
            if any(c not in names for c in columns):
                problems.append(VerifyProblem("audit_rows", f"{table} lost columns", seq))
                continue
            if len(values) != payload.get("count") or not audit.digest_matches(
                values, names, columns, payload.get("sha256")
            ):
                problems.append(_rows_changed(table, seq, names, values))
    for seq in sorted(set(money) - seen):
        problems.append(
            _found(
                "audit_rows",
                "verify_rows_gone",
                seq=seq,
                table=Named(str(money[seq]["table"])),
            )
        )

    # The registers (who is paid, under which terms, at which price) against their records.
    problems.extend(registers.problems(conn, audited, catalog))

    # Stored amounts against re-pricing of the stored slips.
    # Every contract's terms are read once, in one pass, not joined onto every delivery row.
    terms = _contract_terms(conn, problems, catalog)
    for r in conn.execute("SELECT * FROM deliveries ORDER BY id"):
        t = terms.get(r["contract_id"])
        if t is None:
            continue  # foreign_key_check names a missing contract, _contract_terms a bad one
        try:
            market = r["market_price"]
            repriced = price_delivery(
                t,
                _weighing_of(r),
                market_price=_stored_decimal(market) if market is not None else None,
                delivered_before_kg=_kg(r["delivered_before_g"]),
            )
            same = _priced(repriced) == _stored_pricing(r)
        except (OrderfarmError, ValueError, TypeError) as exc:
            problems.append(
                VerifyProblem(
                    "repricing", f"delivery {r['id']} cannot be re-priced: {exc}", r["audit_seq"]
                )
            )
            continue
        if not same:
            problems.append(
                _found(
                    "repricing",
                    "verify_repriced",
                    seq=r["audit_seq"],
                    id=r["id"],
                    receipt=r["receipt_no"],
                    stored=f"{from_fen(r['amount_fen']):,.2f}",
                    priced=f"{repriced.amount:,.2f}",
                )
            )
    for r in conn.execute("SELECT * FROM input_supplies ORDER BY id"):
        try:
            amount = round_yuan(D(r["quantity"]) * D(r["unit_cost"]))
            same = to_fen(amount) == r["amount_fen"]
        except (OrderfarmError, ValueError, TypeError):
            same = False
        if not same:
            problems.append(
                _found("repricing", "verify_supply_amount", seq=r["audit_seq"], id=r["id"])
            )
    for r in conn.execute(
        "SELECT d.id, d.audit_seq FROM deliveries d JOIN contracts c ON c.id = d.contract_id "
        "WHERE d.household_id <> c.household_id OR d.enterprise_id <> c.enterprise_id "
        "OR d.season <> c.season"
    ):
        problems.append(_found("consistency", "verify_delivery_contract", seq=int(r[1]), id=r[0]))
    # The running totals (caches) against the money tables they sum.
    for table, key, shown in differences(conn):
        problems.append(
            _found("totals", "verify_totals", None, table=Named(table), key=key, shown=shown)
        )
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return VerifyReport(tuple(problems), entries, rows, (entries, prev))
