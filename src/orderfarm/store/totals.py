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

from orderfarm.ids import mask_resident_id
from orderfarm.messages import Lang, Said
from orderfarm.money import format_weight, from_fen, from_grams

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


#: What each column of the totals counts, said in each language: (zh, en, unit).
_COLUMN_NAMES: Final = {
    "proceeds_fen": ("收购款", "proceeds", "fen"),
    "carry_fen": ("垫付款（结转）", "advances carried over", "fen"),
    "waive_fen": ("垫付款（核销）", "advances waived", "fen"),
    "paid_fen": ("已付", "paid", "fen"),
    "records": ("记录数", "records", "count"),
    "net_g": ("净重", "net weight", "g"),
    "amount_fen": ("收购款", "proceeds", "fen"),
    "slips": ("小票数", "slips", "count"),
}
_SEASON_COLUMNS: Final = ("proceeds_fen", "carry_fen", "waive_fen", "paid_fen", "records")
_CONTRACT_COLUMNS: Final = ("net_g", "amount_fen", "slips")


def _amount(value: int, unit: str, lang: Lang) -> str:
    """A total as a person reads it: yuan, kg or a count."""
    if unit == "fen":
        return f"{from_fen(value):,.2f} " + ("元" if lang == "zh" else "yuan")
    if unit == "g":
        return f"{format_weight(from_grams(value))} kg"
    return str(value)


def _shown(columns: Sequence[str], have: Sequence[int], want: Sequence[int]) -> Said:
    """What differs, column by column: the total kept and the sum of the records."""
    parts = [
        (_COLUMN_NAMES[name], h, w)
        for name, h, w in zip(columns, have, want, strict=True)
        if h != w
    ]
    return Said(
        "；".join(
            f"{zh}累计 {_amount(h, unit, 'zh')}，按记录应为 {_amount(w, unit, 'zh')}"
            for (zh, _, unit), h, w in parts
        ),
        "; ".join(
            f"{en} {_amount(h, unit, 'en')} where the records say {_amount(w, unit, 'en')}"
            for (_, en, unit), h, w in parts
        ),
    )


def _season_key(conn: sqlite3.Connection, household: int, season: int) -> Said:
    """A household's season by the household's name and masked ID, as an inspector knows it."""
    row = conn.execute(
        "SELECT head_name, resident_id FROM households WHERE id = ?", (household,)
    ).fetchone()
    if row is None:
        return Said(
            f"农户（编号 {household}）{season} 年度", f"household #{household} for {season}"
        )
    masked = mask_resident_id(row[1])
    return Said(f"{row[0]}（{masked}）{season} 年度", f"{row[0]} ({masked}) for {season}")


def _contract_key(conn: sqlite3.Connection, contract: int) -> Said:
    """A contract by its number."""
    row = conn.execute("SELECT contract_no FROM contracts WHERE id = ?", (contract,)).fetchone()
    if row is None:
        return Said(f"（编号 {contract}）", f"#{contract}")
    return Said(row[0], row[0])


def differences(conn: sqlite3.Connection) -> list[tuple[str, Said, Said]]:
    """Where the totals tables differ from the sums of the money tables, one row each: the
    table, the row's key (a household by its name and masked ID with the season, a contract by
    its number) and what differs (``paid 4,890.00 yuan where the records say 5,890.00 yuan``), said in
    either language (``messages.Said``); empty when they agree. A row of zeros and a missing
    row are the same."""
    found: list[tuple[str, Said, Said]] = []
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
                said = _season_key(conn, *key) if width == 2 else _contract_key(conn, *key)
                found.append((table, said, _shown(columns, have, want)))
    return found
