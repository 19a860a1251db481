"""The audit trail: entries chained by SHA-256, and canonical digests of the rows they record.

Each entry's ``hash`` is ``sha256(prev_hash ‖ canonical JSON of [seq, at, actor, action,
entity, ref, payload])``; the first entry's ``prev_hash`` is 64 zeros. Changing, removing or
inserting an entry breaks the chain at that entry.

A write of money rows records, in its payload, the table, the columns and the SHA-256 of one
JSON array of the rows' values (each row an array in the order of the columns, rows in id
order), and for a single row the row itself; so an amount edited in the table no longer matches
its entry. A batch is one entry for all its rows. Earlier versions digested the same values in
other forms (``digest_matches`` knows them), so their stores still verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

GENESIS = "0" * 64

#: Columns of each money table (its canonical row), as written by this version.
DELIVERY_COLUMNS = (
    "id",
    "contract_id",
    "enterprise_id",
    "household_id",
    "season",
    "receipt_no",
    "revision",
    "day",
    "purchase_point",
    "gross_kg",
    "tare_kg",
    "grade",
    "moisture",
    "impurity",
    "market_price",
    "delivered_before_g",
    "net_g",
    "accepted",
    "rejection_reason",
    "protected_g",
    "protected_price",
    "protected_basis",
    "protected_fen",
    "market_g",
    "market_fen",
    "amount_fen",
    "actor",
    "recorded_at",
    "audit_seq",
)
SUPPLY_COLUMNS = (
    "id",
    "contract_id",
    "household_id",
    "season",
    "reference",
    "day",
    "item",
    "quantity",
    "unit",
    "unit_cost",
    "charge",
    "amount_fen",
    "actor",
    "recorded_at",
    "audit_seq",
)
PAYMENT_COLUMNS = (
    "id",
    "household_id",
    "season",
    "reference",
    "day",
    "amount_fen",
    "actor",
    "recorded_at",
    "audit_seq",
    "note",
)
VOID_COLUMNS = {
    "delivery_voids": ("delivery_id", "reason", "actor", "recorded_at", "audit_seq"),
    "supply_voids": ("supply_id", "reason", "actor", "recorded_at", "audit_seq"),
    "payment_voids": ("payment_id", "reason", "actor", "recorded_at", "audit_seq"),
}
MONEY_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "deliveries": DELIVERY_COLUMNS,
    "input_supplies": SUPPLY_COLUMNS,
    "payments": PAYMENT_COLUMNS,
    **VOID_COLUMNS,
}

Row = Mapping[str, Any]


def canonical(value: object) -> str:
    """Canonical JSON: keys sorted, no spaces, UTF-8 text (values are int, str or None)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def rows_digest(rows: Iterable[Row], columns: Sequence[str]) -> tuple[int, str]:
    """How many rows, and the SHA-256 of their values over ``columns`` (``values_digest``)."""
    return values_digest([[row[c] for c in columns] for row in rows])


def values_digest(rows: Sequence[Sequence[Any]]) -> tuple[int, str]:
    """How many rows, and the SHA-256 of the canonical JSON array of their values (each row
    an array in the order of its table's columns, which the payload lists)."""
    # rows of plain values hold no cycles: the encoder need not look for them (the same text,
    # in about half the time)
    return len(rows), _sha256(json.dumps(rows, separators=(",", ":"), check_circular=False))


def digest_matches(
    values: Sequence[Sequence[Any]], names: Sequence[str], columns: Sequence[str], sha256: object
) -> bool:
    """Whether rows (``values``, each in the order of the column ``names``) have the digest
    ``sha256`` over ``columns``: in the form this version writes (``values_digest``), or in a
    form an earlier version wrote, so that a store written by an earlier version still
    verifies. Each form hashes every value of every row, so a changed row matches none."""
    if list(columns) != list(names):
        at = [list(names).index(c) for c in columns]
        values = [[row[i] for i in at] for row in values]
    if values_digest(values)[1] == sha256:
        return True
    # one JSON array with the characters beyond ASCII as themselves
    if _sha256(json.dumps(values, ensure_ascii=False, separators=(",", ":"))) == sha256:
        return True
    # one canonical JSON object per row, each ended by a newline
    lines = "".join(canonical(dict(zip(columns, v, strict=True))) + "\n" for v in values)
    return _sha256(lines) == sha256


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, entity: str, ref: str, payload: str
) -> str:
    """The hash of one entry, chained to the previous one."""
    body = canonical([seq, at, actor, action, entity, ref, payload])
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@attrs.frozen
class AuditEntry:
    """One audit entry: who did what, when, to which record, with its canonical JSON."""

    seq: int
    at: str
    actor: str
    action: str
    entity: str
    ref: str
    payload: str
    prev_hash: str
    hash: str

    def data(self) -> Any:
        """The payload, parsed."""
        return json.loads(self.payload)


def next_seq(conn: sqlite3.Connection) -> tuple[int, str]:
    """The next entry's number and the hash it chains to (inside a write transaction)."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return 1, GENESIS
    return int(row[0]) + 1, str(row[1])


def append(
    conn: sqlite3.Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    ref: str,
    payload: Mapping[str, Any],
    seq_and_prev: tuple[int, str] | None = None,
) -> int:
    """Append one entry (inside the write transaction); returns its ``seq``."""
    seq, prev = seq_and_prev or next_seq(conn)
    stamp = at.isoformat()
    text = canonical(payload)
    digest = entry_hash(prev, seq, stamp, actor, action, entity, ref, text)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, entity, ref, payload, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, stamp, actor, action, entity, ref, text, prev, digest),
    )
    return seq


def money_payload(table: str, rows: Sequence[Row], **extra: Any) -> dict[str, Any]:
    """The payload recording ``rows`` of a money table: columns, count, digest (and the row)."""
    columns = MONEY_COLUMNS[table]
    return values_payload(table, [[row[c] for c in columns] for row in rows], **extra)


def values_payload(table: str, rows: Sequence[Sequence[Any]], **extra: Any) -> dict[str, Any]:
    """``money_payload`` of rows given as values in the order of the table's columns."""
    columns = MONEY_COLUMNS[table]
    count, digest = values_digest(rows)
    payload: dict[str, Any] = {
        "table": table,
        "columns": list(columns),
        "count": count,
        "sha256": digest,
        **extra,
    }
    if count == 1:
        payload["record"] = dict(zip(columns, rows[0], strict=True))
    return payload
