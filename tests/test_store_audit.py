"""Tamper evidence: verify() finds a hand-edited audit row or amount at the right entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from orderfarm import D, InputSupply, Slip, Store, Weighing
from orderfarm.store import audit
from orderfarm.store.audit import GENESIS, entry_hash
from tests.test_store_support import chilli_contract, open_store, seeded, signed

SEP = dt.date(2018, 9, 1)


def lot(net: str) -> Weighing:
    return Weighing(gross_kg=D(net) + 1, tare_kg=D("1"), grade="一级")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "season.db") as s:
        (h,) = seeded(s)
        signed(s, chilli_contract("C-1", h))
        s.supply_input("C-1", InputSupply("辣椒苗", D("1000"), "株", D("0.03")), SEP, "S-1")
        s.record_delivery("C-1", lot("100"), SEP, "R-1")
        s.record_deliveries([Slip("C-1", lot(str(10 + i)), SEP, f"B-{i}") for i in range(5)])
        s.record_payment(h.resident_id, 2018, D("100.00"), SEP, "P-1")
        assert s.verify().ok
        yield s


def tamper(store: Store, *statements: str) -> None:
    """Edit the file behind the store's back, as someone with sqlite3 and the file could."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    for sql in statements:
        conn.execute(sql)
    conn.close()


def entry_of(store: Store, action: str) -> int:
    return next(e.seq for e in store.audit_log() if e.action == action)


def test_the_chain_links_every_entry_to_the_one_before(store: Store) -> None:
    entries = store.audit_log()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    prev = GENESIS
    for e in entries:
        assert e.prev_hash == prev
        assert e.hash == entry_hash(
            prev, e.seq, e.at, e.actor, e.action, e.entity, e.ref, e.payload
        )
        prev = e.hash
    assert store.audit_head() == (entries[-1].seq, entries[-1].hash)
    assert store.verify().head == store.audit_head()  # the head of the chain verified


def test_an_edited_audit_row_is_found_at_that_entry(store: Store) -> None:
    seq = entry_of(store, "sign_contract")
    tamper(
        store,
        "DROP TRIGGER audit_no_update",
        f"UPDATE audit SET actor = 'someone else' WHERE seq = {seq}",
    )
    report = store.verify()
    assert not report.ok
    assert report.first_bad_seq == seq
    assert f"entry {seq} was changed" in report.problems[0].message


def test_an_edited_audit_hash_is_found_at_that_entry(store: Store) -> None:
    tamper(
        store,
        "DROP TRIGGER audit_no_update",
        "UPDATE audit SET hash = '" + "0" * 64 + "' WHERE seq = 3",
    )
    assert store.verify().first_bad_seq == 3


def test_a_deleted_audit_row_is_found(store: Store) -> None:
    tamper(store, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 4")
    assert store.verify().first_bad_seq == 4


def test_an_edited_amount_is_found_at_the_entry_that_recorded_it(store: Store) -> None:
    seq = entry_of(store, "record_delivery")
    tamper(
        store,
        "DROP TRIGGER deliveries_no_update",
        "UPDATE deliveries SET amount_fen = amount_fen + 10000, protected_fen = protected_fen "
        "+ 10000 WHERE receipt_no = 'R-1'",
    )
    report = store.verify()
    assert report.first_bad_seq == seq
    checks = {p.check for p in report.problems}
    # The season and contract totals (caches of the money rows) no longer agree either.
    assert checks == {"audit_rows", "repricing", "totals"}
    assert any(
        "stored as 300.00 but its slip prices at 200.00" in p.message for p in report.problems
    )


def test_an_edited_row_of_a_batch_is_found_at_the_batch_entry(store: Store) -> None:
    seq = entry_of(store, "record_deliveries")
    tamper(
        store,
        "DROP TRIGGER deliveries_no_update",
        "UPDATE deliveries SET gross_kg = '14.5' WHERE receipt_no = 'B-3'",
    )
    report = store.verify()
    assert report.first_bad_seq == seq
    assert {p.seq for p in report.problems} == {seq}
    # the inspector is told which rows, by record numbers and receipts (B-0 … B-4), not which
    # one: the entry digests the five together
    (said,) = [p.text("zh") for p in report.problems if p.code == "verify_batch_changed_refs"]
    assert (
        said.startswith(f"审计记录 #{seq} 登记的 5 条收购小票（记录 ") and "单号 B-0 … B-4" in said
    )


def test_an_edited_payment_or_supply_is_found(store: Store) -> None:
    pay = entry_of(store, "record_payment")
    supply = entry_of(store, "supply_input")
    tamper(
        store,
        "DROP TRIGGER payments_no_update",
        "UPDATE payments SET amount_fen = 1",
        "DROP TRIGGER input_supplies_no_update",
        "UPDATE input_supplies SET amount_fen = 0",
    )
    report = store.verify()
    assert {p.seq for p in report.problems if p.check != "totals"} == {pay, supply}
    assert report.first_bad_seq == supply


def test_a_deleted_money_row_is_found(store: Store) -> None:
    seq = entry_of(store, "record_payment")
    tamper(store, "DROP TRIGGER payments_no_delete", "DELETE FROM payments")
    report = store.verify()
    assert report.first_bad_seq == seq
    assert "gone" in report.problems[0].message


def test_a_row_slipped_in_without_an_entry_is_found(store: Store) -> None:
    tamper(
        store,
        "INSERT INTO payments (id, household_id, season, reference, day, amount_fen, actor, "
        "recorded_at, audit_seq, note) VALUES (99, 1, 2018, 'X', '2018-09-01', 100, 'x', 'x', "
        "1, '')",
    )
    report = store.verify()
    assert report.first_bad_seq == 1
    assert "did not record them" in report.problems[0].message


def test_a_broken_foreign_key_is_found(store: Store) -> None:
    tamper(store, "PRAGMA foreign_keys = OFF", "UPDATE contracts SET household_id = 77")
    report = store.verify()
    assert any(p.check == "foreign_key_check" for p in report.problems)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("'{not json'", "its record is not JSON"),
        ("json_set(data, '$.terms.floors', json('{\"一级\": 1.5}'))", "float"),
    ],
)
def test_a_contract_whose_terms_cannot_be_read_is_named_and_its_slips_left_out(
    store: Store, data: str, why: str
) -> None:
    tamper(store, f"UPDATE contracts SET data = {data}")
    report = store.verify()
    (problem,) = [p for p in report.problems if p.check == "repricing"]
    assert problem.message.startswith("contract C-1's price terms cannot be read: ")
    assert why in problem.message
    changed = [p.message for p in report.problems if p.check == "registers"]  # nor its record
    assert any(m.startswith("contract C-1 differs from what audit entry") for m in changed)


_THIS_VERSION = audit.values_payload


def _lines_payload(table: str, rows: Sequence[Sequence[Any]], **extra: Any) -> dict[str, Any]:
    """An entry's payload as the first version wrote it: one canonical JSON object per row,
    each ended by a newline, digested together."""
    columns = audit.MONEY_COLUMNS[table]
    objects = [dict(zip(columns, r, strict=True)) for r in rows]
    text = "".join(audit.canonical(o) + "\n" for o in objects)
    payload = {"table": table, "columns": list(columns), "count": len(rows), **extra}
    payload["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    if len(rows) == 1:
        payload["record"] = objects[0]
    return payload


def _utf8_payload(table: str, rows: Sequence[Sequence[Any]], **extra: Any) -> dict[str, Any]:
    """An entry's payload as a later version wrote it: one JSON array of the rows' values,
    characters beyond ASCII as themselves."""
    payload = _THIS_VERSION(table, rows, **extra)
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return {**payload, "sha256": hashlib.sha256(text.encode()).hexdigest()}


@pytest.mark.parametrize("earlier", [_lines_payload, _utf8_payload])
def test_a_store_written_by_an_earlier_version_verifies_and_still_shows_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, earlier: Any
) -> None:
    """Entries digested in an earlier version's form are not taken for edits; an edited row
    under such an entry is still found there."""
    monkeypatch.setattr(audit, "values_payload", earlier)
    with open_store(tmp_path / "earlier.db") as s:
        (h,) = seeded(s)
        signed(s, chilli_contract("C-1", h))
        s.supply_input("C-1", InputSupply("辣椒苗", D("1000"), "株", D("0.03")), SEP, "S-1")
        s.record_deliveries([Slip("C-1", lot(str(10 + i)), SEP, f"B-{i}") for i in range(3)])
        s.record_payment(h.resident_id, 2018, D("10.00"), SEP, "P-1")
    monkeypatch.setattr(audit, "values_payload", _THIS_VERSION)
    with open_store(tmp_path / "earlier.db") as s:
        assert s.verify().ok
        s.record_payment(h.resident_id, 2018, D("5.00"), SEP, "P-2")  # this version's form
        assert s.verify().ok
        seq = entry_of(s, "supply_input")
        tamper(
            s, "DROP TRIGGER input_supplies_no_update", "UPDATE input_supplies SET item = '地膜'"
        )
        report = s.verify()
        assert {p.seq for p in report.problems} == {seq}


@pytest.mark.parametrize(
    ("statements", "said"),
    [
        (
            ("DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'x' WHERE seq = 3"),
            "审计记录 #3 写入后被改动过",
        ),
        (("DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 4"), "审计记录 #4 缺失"),
        (("DROP TRIGGER payments_no_delete", "DELETE FROM payments"), "登记的付款记录已不在"),
        (
            (
                "DROP TRIGGER deliveries_no_update",
                "UPDATE deliveries SET amount_fen = amount_fen + 10000, protected_fen = "
                "protected_fen + 10000 WHERE receipt_no = 'R-1'",
            ),
            "存储金额 300.00 元，按小票重新计价为 200.00 元",
        ),
        (
            ("PRAGMA foreign_keys = OFF", "UPDATE contracts SET household_id = 77"),
            "引用的记录不存在",
        ),
    ],
    ids=["entry changed", "entry gone", "rows gone", "amount changed", "broken reference"],
)
def test_what_verify_finds_is_said_in_chinese_for_the_inspector(
    store: Store, statements: tuple[str, ...], said: str
) -> None:
    tamper(store, *statements)
    problems = [p for p in store.verify().problems if p.check not in ("totals", "integrity_check")]
    texts = [p.text("zh") for p in problems]
    assert any(said in t for t in texts), texts
    assert all(p.code and "{" not in p.text("zh") and "{" not in p.text("en") for p in problems)
