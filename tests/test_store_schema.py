"""Schema versions and transactions: newer files refused, old files migrated, failures leave nothing."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderfarm import D, SchemaVersionError, Slip, Store, Weighing
from orderfarm.serial import to_json, unstructure
from orderfarm.store import SCHEMA_VERSION, StoreError, audit
from orderfarm.store.db import MIGRATIONS, Database
from tests.test_store_support import (
    ENTERPRISE,
    chilli_contract,
    fixed_clock,
    household,
    open_store,
    seeded,
    signed,
)

SEP = dt.date(2018, 9, 1)


def lot(net: str) -> Weighing:
    return Weighing(gross_kg=D(net) + 1, tare_kg=D("1"), grade="一级")


def test_a_file_from_a_newer_orderfarm_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x INTEGER)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["future"]
    conn.close()


def _version_1_file(path: Path) -> tuple[str, str]:
    """A file as orderfarm with schema 1 wrote it: a signed contract and one payment."""
    db = Database(path)
    db.migrate(target=1)
    db.close()
    h = household(1)
    contract = chilli_contract("C-1", h).sign(dt.date(2018, 5, 1))
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO enterprises (id, uscc, name) VALUES (1, ?, ?)",
        (ENTERPRISE.uscc, ENTERPRISE.name),
    )
    conn.execute(
        "INSERT INTO households (id, resident_id, head_name, township, village, grp, phone, "
        "members, poverty_status, account) VALUES (1, ?, ?, ?, ?, '', '', 1, ?, '')",
        (h.resident_id, h.head_name, h.township, h.village, h.poverty_status.value),
    )
    conn.execute(
        "INSERT INTO contracts (id, contract_no, enterprise_id, household_id, crop, form, season, "
        "area_mu, area_mu4, unrecovered, status, delivery_start, delivery_end, data) VALUES "
        "(1, 'C-1', 1, 1, 'chilli', 'fresh', 2018, '2', 20000, 'carry', 'signed', '2018-08-01', "
        "'2018-10-31', ?)",
        (to_json(contract),),
    )
    delivery = {
        "id": 1, "contract_id": 1, "enterprise_id": 1, "household_id": 1, "season": 2018,
        "receipt_no": "R-1", "revision": 0, "day": "2018-09-01", "purchase_point": "",
        "gross_kg": "101", "tare_kg": "1", "grade": "一级", "moisture": "0", "impurity": "0",
        "market_price": None, "delivered_before_g": 0, "net_g": 100000, "accepted": 1,
        "rejection_reason": None, "protected_g": 100000, "protected_price": "2.00",
        "protected_basis": "fixed", "protected_fen": 20000, "market_g": 0, "market_fen": 0,
        "amount_fen": 20000, "actor": "script", "recorded_at": "2018-09-01T08:00:00+00:00",
        "audit_seq": 4,
    }  # fmt: skip
    conn.execute(
        "INSERT INTO deliveries VALUES (" + ", ".join("?" * len(delivery)) + ")",
        tuple(delivery.values()),
    )
    payment = {
        "id": 1, "household_id": 1, "season": 2018, "reference": "P-1", "day": "2018-09-02",
        "amount_fen": 5000, "actor": "script", "recorded_at": "2018-09-02T08:00:00+00:00",
        "audit_seq": 5,
    }  # fmt: skip
    conn.execute("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", tuple(payment.values()))
    at = dt.datetime(2018, 9, 2, tzinfo=dt.UTC)
    # the registers as every version has audited them: the whole record
    for action, entity, ref, record in (
        ("add_enterprise", "enterprise", ENTERPRISE.uscc, ENTERPRISE),
        ("add_household", "household", h.resident_id, h),
        ("add_contract", "contract", "C-1", contract),
    ):
        payload = {"record": unstructure(record)}
        audit.append(
            conn, at=at, actor="script", action=action, entity=entity, ref=ref, payload=payload
        )
    for table, row in (("deliveries", delivery), ("payments", payment)):
        columns = list(row)  # the columns schema 1 had
        count, digest = audit.rows_digest([row], columns)
        payload = {"table": table, "columns": columns, "count": count, "sha256": digest}
        audit.append(
            conn,
            at=at,
            actor="script",
            action=f"v1 {table}",
            entity=table,
            ref="1",
            payload=payload,
        )
    conn.execute("COMMIT")
    conn.close()
    return h.resident_id, "C-1"


def test_a_version_1_file_is_migrated_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    resident, contract_no = _version_1_file(path)
    with Store.open(path, clock=fixed_clock()) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.verify().ok
        assert store.payments()[0].note == ""
        statement = store.statement(resident, 2018)
        assert (statement.proceeds, statement.paid, statement.balance) == (
            D("200.00"),
            D("50.00"),
            D("150.00"),
        )
        store.record_delivery(contract_no.lower(), lot("50"), SEP, "R-2")  # c-1 is C-1
        plan = store._db.connection().execute(
            "EXPLAIN QUERY PLAN SELECT id FROM contracts WHERE contract_no = ? COLLATE NOCASE",
            ("c-1",),
        )
        assert "contracts_no_nocase" in str([tuple(r) for r in plan])  # by index, not a scan
        store.record_payment(resident, 2018, D("100.00"), SEP, "P-2", note="现金")
        assert store.totals(resident, 2018).balance == D("150.00")
        assert store.verify().ok
    with Store.open(path) as again:  # opening a current file changes nothing
        assert again.schema_version == SCHEMA_VERSION


def test_migrations_are_ordered_and_each_step_runs_once(tmp_path: Path) -> None:
    assert len(MIGRATIONS) == SCHEMA_VERSION >= 2
    db = Database(tmp_path / "steps.db")
    assert db.migrate(target=1) == 0
    assert db.migrate() == 1
    assert db.migrate() == SCHEMA_VERSION
    db.close()


class Boom(RuntimeError):
    pass


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "season.db") as s:
        (h,) = seeded(s)
        signed(s, chilli_contract("C-1", h))
        s.record_delivery("C-1", lot("100"), SEP, "R-1")
        yield s


@pytest.mark.parametrize("where", ["clock", "audit"])
def test_an_exception_in_the_middle_of_a_write_leaves_nothing(
    store: Store, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write fails when it reads the clock, or after its rows are in, as its audit entry
    is being appended."""
    before = store.counts()
    head = store.audit_head()
    resident = household(1).resident_id
    writes = [
        lambda: store.record_payment(resident, 2018, D("10.00"), SEP, "P-1"),
        lambda: store.record_deliveries(
            [Slip("C-1", lot(str(i + 1)), SEP, f"B-{i}") for i in range(50)]
        ),
        lambda: store.record_delivery("C-1", lot("7"), SEP, "R-7"),
        lambda: store.void_delivery(1, "test"),
        lambda: store.close_contract("C-1"),
    ]
    clock = store.clock

    def fail(*args: object, **kwargs: object) -> None:
        raise Boom("the power went off")

    if where == "clock":
        store.clock = fail  # type: ignore[assignment]
    else:
        monkeypatch.setattr(audit, "append", fail)
    for write in writes:
        with pytest.raises(Boom):
            write()
    monkeypatch.undo()
    store.clock = clock
    assert store.counts() == before
    assert store.audit_head() == head
    store.record_payment(resident, 2018, D("10.00"), SEP, "P-1")  # the connection is usable
    assert store.verify().ok


def test_a_failing_slip_source_leaves_its_batch_out(store: Store) -> None:
    def slips() -> Iterator[Slip]:
        for i in range(7):
            yield Slip("C-1", lot(str(i + 1)), SEP, f"G-{i}")
        raise Boom("the spreadsheet reader failed")

    with pytest.raises(Boom):
        store.record_deliveries(slips(), batch_size=5)
    assert store.counts()["deliveries"] == 1 + 5
    assert store.verify().ok


def test_a_file_opened_read_only_is_read_as_it_is_or_refused(tmp_path: Path) -> None:
    """Read-only, a store is read as its file holds it: refused when its write-ahead log holds
    transactions (it was not closed; they would not be seen) or when it is at another schema
    version (it cannot be migrated)."""
    path = tmp_path / "season.db"
    with Store.open(path) as store:
        store.record_event("open", "test", "1", {"n": 1})
        copy = tmp_path / "copy.db"
        for suffix in ("", "-wal"):  # copied while open: the log still holds the event
            shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
    with pytest.raises(StoreError, match="write-ahead log"):
        Store.open(copy, read_only=True)
    with Store.open(path, read_only=True) as store:
        assert [e.action for e in store.audit_log()] == ["open"]
    old = tmp_path / "old.db"
    _version_1_file(old)
    with pytest.raises(SchemaVersionError, match="read-only"):
        Store.open(old, read_only=True)
