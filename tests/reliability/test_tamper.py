"""Promise 6 — tamper evidence: changing any byte of any money row or audit row through
raw SQL is found by ``verify()``, which names the first bad audit entry."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderfarm import D, InputSupply, Slip, Store, Weighing
from orderfarm.supplies import ChargeMode
from tests.reliability.support import DAY, SEASON, build_season, scaled

#: The tables whose rows hold money or its corrections, and the audit trail; (table, key).
TABLES = {
    "deliveries": "id",
    "input_supplies": "id",
    "payments": "id",
    "delivery_voids": "delivery_id",
    "supply_voids": "supply_id",
    "payment_voids": "payment_id",
    "audit": "seq",
}


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """A season with batched and single slips, advances (charged and free), payments with
    notes and a void of each kind."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "season.db"
        build_season(db, 3)
        with Store.open(db) as store:
            lot = Weighing(gross_kg=D("101.5"), tare_kg=D("1.5"), grade="二级", moisture=D("0.1"))
            store.record_deliveries(
                [Slip(f"C-{i % 3}", lot, DAY, f"B-{i}", "大荆镇") for i in range(6)]
            )
            store.record_delivery(
                "C-0", Weighing(gross_kg=D("51"), tare_kg=D("1"), grade="一级"), DAY, "R-1"
            )
            for n, charge in enumerate((ChargeMode.ADVANCE, ChargeMode.FREE)):
                supply = InputSupply("辣椒苗", D("1000"), "株", D("0.03"), charge)
                store.supply_input("C-0", supply, DAY, f"S-{n}")
            home = store.contract("C-0").household_id
            for n in range(3):
                store.record_payment(home, SEASON, D("5.00"), DAY, f"P-{n}", note="现金")
            store.void_delivery(2, "秤错")
            store.void_supply(2, "未发放")
            store.void_payment(3, "退回")
            assert store.verify().ok
        yield db


def _rows(db: Path) -> dict[str, list[dict[str, Any]]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {key}")]
            for table, key in TABLES.items()
        }
    finally:
        conn.close()


def _changed(value: object, draw: st.DrawFn) -> object:
    """``value`` with one byte changed: a character replaced, a number moved, a NULL filled."""
    if value is None:
        return draw(st.sampled_from(["0", "x", "一级"]))
    if isinstance(value, int):
        return value + draw(st.sampled_from([1, -1, 7, 100, 10**6]))
    text = str(value)
    at = draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))
    old = text[at : at + 1]
    new = draw(st.sampled_from("0123456789abcdef.-:一x ").filter(lambda c: c != old))
    return text[:at] + new + text[at + 1 :]


@st.composite
def tamperings(draw: st.DrawFn, rows: dict[str, list[dict[str, Any]]]) -> tuple[str, Any, str, Any]:
    table = draw(st.sampled_from(sorted(t for t in TABLES if rows[t])))
    row = draw(st.sampled_from(rows[table]))
    column = draw(st.sampled_from(sorted(row)))
    return table, row, column, _changed(row[column], draw)


def _tamper(db: Path, table: str, row: dict[str, Any], column: str, value: Any) -> None:
    """What an insider with the file does: drop the guard, change the row with raw SQL."""
    key = TABLES[table]
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (value, row[key]))
    finally:
        conn.close()


def _expected_first_bad(table: str, row: dict[str, Any], column: str, value: Any) -> int:
    seq = int(row["seq"] if table == "audit" else row["audit_seq"])
    if column == "audit_seq" and isinstance(value, int) and value >= 1:
        return min(seq, value)  # the row now also claims another entry
    if table == "audit" and column == "seq" and isinstance(value, int):
        return min(seq, value)  # the changed entry now sits at its new number
    return seq


def test_every_money_and_audit_column_is_covered(template: Path) -> None:
    """Tampering any column is only found if the column is recorded: every column of every
    money table is in the audit's canonical row."""
    from orderfarm.store.audit import MONEY_COLUMNS

    conn = sqlite3.connect(template)
    try:
        for table in TABLES:
            if table == "audit":
                continue
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            assert columns == set(MONEY_COLUMNS[table]), table
    finally:
        conn.close()


@settings(
    max_examples=scaled(120, 3000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_changed_byte_is_found_at_its_first_bad_entry(
    template: Path, data: st.DataObject
) -> None:
    rows = _rows(template)
    table, row, column, value = data.draw(tamperings(rows))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tampered.db"
        shutil.copyfile(template, db)
        try:
            _tamper(db, table, row, column, value)
        except sqlite3.IntegrityError:
            return  # the schema itself refused the change (a key already taken, a CHECK)
        with Store.open(db) as store:
            report = store.verify()
    assert not report.ok, (table, column, row[column], value)
    assert report.first_bad_seq == _expected_first_bad(table, row, column, value), (
        table,
        column,
        row[column],
        value,
        report.problems,
    )
