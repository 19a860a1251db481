"""Running totals of the money tables, kept in step with every write (schema v5).

Two derived tables hold the sums that settlement and the reports read, so that they need not
scan a season's deliveries:

- ``season_totals(household_id, season, proceeds_fen, carry_fen, waive_fen, paid_fen,
  records)``: per household and season, over records that are not voided, Σ delivery amounts,
  Σ input supplies charged as advance under a ``carry`` and under a ``waive`` contract, Σ
  payments, and how many such records there are (a season with records, even of amount 0, is
  a season of the household: a charge carried out of it names it);
- ``contract_totals(contract_id, net_g, amount_fen, slips)``: per contract, Σ accepted net
  grams, Σ amounts and the number of its deliveries that are not voided.

They are caches, not money records: they are updated in the same write transaction as the
records they sum, by the functions below (one ``executemany`` per batch, never a trigger per
row), and ``verify()`` recomputes them from the money tables (``differences``).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = [
    "CONTRACT_TOTALS_SQL",
    "SEASON_TOTALS_SQL",
    "add_contract_sums",
    "add_deliveries",
    "add_payments",
    "add_supplies",
    "differences",
    "rebuild",
    "remove_deliveries",
    "remove_payments",
    "remove_supplies",
]

_UPSERT_SEASON: Final = (
    "INSERT INTO season_totals "
    "(household_id, season, proceeds_fen, carry_fen, waive_fen, paid_fen, records) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (household_id, season) DO UPDATE SET "
    "proceeds_fen = proceeds_fen + excluded.proceeds_fen, "
    "carry_fen = carry_fen + excluded.carry_fen, "
    "waive_fen = waive_fen + excluded.waive_fen, "
    "paid_fen = paid_fen + excluded.paid_fen, "
    "records = records + excluded.records"
)

_UPSERT_CONTRACT: Final = (
    "INSERT INTO contract_totals (contract_id, net_g, amount_fen, slips) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (contract_id) DO UPDATE SET net_g = net_g + excluded.net_g, "
    "amount_fen = amount_fen + excluded.amount_fen, slips = slips + excluded.slips"
)

#: The season totals recomputed from the money tables (the migration's backfill, and verify).
SEASON_TOTALS_SQL: Final = (
    "SELECT household_id, season, SUM(proceeds_fen), SUM(carry_fen), SUM(waive_fen), "
    "SUM(paid_fen), SUM(records) FROM ("
    "SELECT d.household_id, d.season, SUM(d.amount_fen) AS proceeds_fen, 0 AS carry_fen, "
    "0 AS waive_fen, 0 AS paid_fen, COUNT(*) AS records FROM deliveries d WHERE NOT EXISTS "
    "(SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id) "
    "GROUP BY d.household_id, d.season "
    "UNION ALL "
    "SELECT s.household_id, s.season, 0, "
    "SUM(CASE WHEN c.unrecovered = 'waive' THEN 0 ELSE s.amount_fen END), "
    "SUM(CASE WHEN c.unrecovered = 'waive' THEN s.amount_fen ELSE 0 END), 0, COUNT(*) "
    "FROM input_supplies s JOIN contracts c ON c.id = s.contract_id "
    "WHERE s.charge = 'advance' AND NOT EXISTS "
    "(SELECT 1 FROM supply_voids v WHERE v.supply_id = s.id) "
    "GROUP BY s.household_id, s.season "
    "UNION ALL "
    "SELECT p.household_id, p.season, 0, 0, 0, SUM(p.amount_fen), COUNT(*) FROM payments p "
    "WHERE NOT EXISTS (SELECT 1 FROM payment_voids v WHERE v.payment_id = p.id) "
    "GROUP BY p.household_id, p.season"
    ") GROUP BY household_id, season"
)

#: The contract totals recomputed from the deliveries (the migration's backfill, and verify).
CONTRACT_TOTALS_SQL: Final = (
    "SELECT d.contract_id, SUM(CASE WHEN d.accepted = 1 THEN d.net_g ELSE 0 END), "
    "SUM(d.amount_fen), COUNT(*) FROM deliveries d WHERE NOT EXISTS "
    "(SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id) GROUP BY d.contract_id"
)


def _deliveries(conn: sqlite3.Connection, rows: Iterable[Sequence[int]], sign: int) -> None:
    """Deliveries summed per contract (and its household and season), then written as
    ``_contract_sums`` writes them."""
    contracts: dict[tuple[int, int, int], list[int]] = {}
    for contract_id, household_id, season, accepted, net_g, amount_fen in rows:
        key = (contract_id, household_id, season)
        c = contracts.get(key)
        if c is None:
            c = contracts[key] = [0, 0, 0]
        if accepted:
            c[0] += net_g
        c[1] += amount_fen
        c[2] += 1
    _contract_sums(conn, ((*key, *sums) for key, sums in contracts.items()), sign)


def add_deliveries(conn: sqlite3.Connection, rows: Iterable[Sequence[int]]) -> None:
    """Add newly inserted deliveries to the totals; each row is
    (contract_id, household_id, season, accepted, net_g, amount_fen)."""
    _deliveries(conn, rows, 1)


def remove_deliveries(conn: sqlite3.Connection, rows: Iterable[Sequence[int]]) -> None:
    """Take voided deliveries out of the totals; rows as for ``add_deliveries``."""
    _deliveries(conn, rows, -1)


def add_contract_sums(conn: sqlite3.Connection, rows: Iterable[Sequence[int]]) -> None:
    """Add deliveries already summed per contract (a whole file's, say) to the totals; each
    row is (contract_id, household_id, season, accepted net_g, amount_fen, deliveries), one
    row per contract."""
    _contract_sums(conn, rows, 1)


def _contract_sums(conn: sqlite3.Connection, rows: Iterable[Sequence[int]], sign: int) -> None:
    seasons: dict[tuple[int, int], list[int]] = {}
    contracts = []
    for contract_id, household_id, season, net_g, amount_fen, count in rows:
        s = seasons.get((household_id, season))
        if s is None:
            seasons[(household_id, season)] = [amount_fen, count]
        else:
            s[0] += amount_fen
            s[1] += count
        contracts.append((contract_id, sign * net_g, sign * amount_fen, sign * count))
    if seasons:
        conn.executemany(
            _UPSERT_SEASON,
            [
                (hh, season, sign * fen, 0, 0, 0, sign * n)
                for (hh, season), (fen, n) in seasons.items()
            ],
        )
    if contracts:
        conn.executemany(_UPSERT_CONTRACT, contracts)


def _supplies(conn: sqlite3.Connection, rows: Iterable[Sequence[object]], sign: int) -> None:
    seasons: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for household_id, season, charge, unrecovered, amount_fen in rows:
        if charge != "advance":
            continue
        if not isinstance(household_id, int) or not isinstance(season, int):
            raise TypeError("supply totals need integer household and season")
        if not isinstance(amount_fen, int):
            raise TypeError("supply totals need an amount in whole fen")
        s = seasons[(household_id, season)]
        s[1 if unrecovered == "waive" else 0] += amount_fen
        s[2] += 1
    if seasons:
        conn.executemany(
            _UPSERT_SEASON,
            [
                (hh, season, 0, sign * carry, sign * waive, 0, sign * n)
                for (hh, season), (carry, waive, n) in seasons.items()
            ],
        )


def add_supplies(conn: sqlite3.Connection, rows: Iterable[Sequence[object]]) -> None:
    """Add newly inserted input supplies to the totals; each row is (household_id, season,
    charge, unrecovered, amount_fen), ``charge`` and ``unrecovered`` as stored (only
    ``advance`` supplies count; ``unrecovered`` is the contract's ``carry`` or ``waive``)."""
    _supplies(conn, rows, 1)


def remove_supplies(conn: sqlite3.Connection, rows: Iterable[Sequence[object]]) -> None:
    """Take voided input supplies out of the totals; rows as for ``add_supplies``."""
    _supplies(conn, rows, -1)


def _payments(conn: sqlite3.Connection, rows: Iterable[Sequence[int]], sign: int) -> None:
    seasons: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for household_id, season, amount_fen in rows:
        s = seasons[(household_id, season)]
        s[0] += amount_fen
        s[1] += 1
    if seasons:
        conn.executemany(
            _UPSERT_SEASON,
            [
                (hh, season, 0, 0, 0, sign * fen, sign * n)
                for (hh, season), (fen, n) in seasons.items()
            ],
        )


def add_payments(conn: sqlite3.Connection, rows: Iterable[Sequence[int]]) -> None:
    """Add newly inserted payments to the totals; each row is
    (household_id, season, amount_fen)."""
    _payments(conn, rows, 1)


def remove_payments(conn: sqlite3.Connection, rows: Iterable[Sequence[int]]) -> None:
    """Take voided payments out of the totals; rows as for ``add_payments``."""
    _payments(conn, rows, -1)


def rebuild(conn: sqlite3.Connection) -> None:
    """Recompute both tables from the money tables (a repair, after ``differences`` found
    some); call it inside a write transaction."""
    conn.execute("DELETE FROM season_totals")
    conn.execute("DELETE FROM contract_totals")
    conn.execute(
        "INSERT INTO season_totals (household_id, season, proceeds_fen, carry_fen, waive_fen, "
        "paid_fen, records) " + SEASON_TOTALS_SQL
    )
    conn.execute(
        "INSERT INTO contract_totals (contract_id, net_g, amount_fen, slips) " + CONTRACT_TOTALS_SQL
    )


_SEASON_COLUMNS: Final = ("proceeds_fen", "carry_fen", "waive_fen", "paid_fen", "records")
_CONTRACT_COLUMNS: Final = ("net_g", "amount_fen", "slips")


def differences(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Where the totals tables differ from the sums of the money tables, one row each: the
    table, the row's key (``32/2018``) and what differs (``paid_fen 489000 (records say
    589000)``); empty when they agree. A row of zeros and a missing row are the same."""
    found: list[tuple[str, str, str]] = []
    checks = (
        (
            "season_totals",
            "SELECT household_id, season, proceeds_fen, carry_fen, waive_fen, paid_fen, "
            "records FROM season_totals",
            SEASON_TOTALS_SQL,
            2,
            _SEASON_COLUMNS,
        ),
        (
            "contract_totals",
            "SELECT contract_id, net_g, amount_fen, slips FROM contract_totals",
            CONTRACT_TOTALS_SQL,
            1,
            _CONTRACT_COLUMNS,
        ),
    )
    for table, stored_sql, expected_sql, width, columns in checks:
        stored = {tuple(r[:width]): tuple(r[width:]) for r in conn.execute(stored_sql)}
        expected = {tuple(r[:width]): tuple(r[width:]) for r in conn.execute(expected_sql)}
        zero = (0,) * len(columns)
        for key in sorted(stored.keys() | expected.keys()):
            have = stored.get(key, zero)
            want = expected.get(key, zero)
            if have != want:
                shown = ", ".join(
                    f"{name} {h} (records say {w})"
                    for name, h, w in zip(columns, have, want, strict=True)
                    if h != w
                )
                found.append((table, "/".join(map(str, key)), shown))
    return found
