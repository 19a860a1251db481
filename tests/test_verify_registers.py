"""Tamper evidence of the registers: who is paid (a household's name, ID and account), under
which terms (a contract's record and columns), at which price (the market prices), found by
verify() against the last audit entry that wrote each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderfarm import D, Store
from tests.test_store_audit import lot, tamper
from tests.test_store_support import chilli_contract, open_store, seeded, signed

SEP = dt.date(2018, 9, 1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "season.db") as s:
        (h,) = seeded(s)
        signed(s, chilli_contract("C-1", h))
        s.set_market_price("朝天椒", "fresh", "一级", SEP, D("2.00"))
        s.record_delivery("C-1", lot("100"), SEP, "R-1")
        assert s.verify().ok
        yield s


def _entry(store: Store, action: str) -> int:
    """The first entry of ``action`` but for a contract's, whose last entry is its record."""
    seqs = [e.seq for e in store.audit_log() if e.action == action]
    return seqs[-1] if action.endswith("_contract") else seqs[0]


@pytest.mark.parametrize(
    ("statement", "action", "said"),
    [
        (
            "UPDATE households SET account = '6230281199870000000'",
            "add_household",
            "的一卡通账号与审计记录",
        ),
        ("UPDATE households SET head_name = '张冒名'", "add_household", "的户主姓名与审计记录"),
        (
            "UPDATE enterprises SET name = '假企业' WHERE id = 1",
            "add_enterprise",
            "的名称与审计记录",
        ),
        ("UPDATE market_prices SET price = '9.99'", "set_market_price", "的市场价与审计记录"),
        (
            "UPDATE contracts SET data = json_set(data, '$.terms.quota_kg', '9999')",
            "sign_contract",
            "的价格条款与审计记录",
        ),
        (
            "UPDATE contracts SET area_mu = '50', area_mu4 = 500000, "
            "data = json_set(data, '$.area_mu', '50')",
            "sign_contract",
            "的面积（亩）与审计记录",
        ),
    ],
    ids=["account", "name", "enterprise", "market price", "terms", "area"],
)
def test_a_register_changed_behind_the_store_is_named_with_its_entry_and_fields(
    store: Store, statement: str, action: str, said: str
) -> None:
    seq = _entry(store, action)
    tamper(store, statement)
    report = store.verify()
    found = [p for p in report.problems if p.check == "registers"]
    assert [p.params["seq"] for p in found] == [seq]
    assert said in found[0].text("zh")
    assert "{" not in found[0].text("en")


def test_a_contract_column_changed_apart_from_its_record_is_found(store: Store) -> None:
    """Settlement reads carry or waive from the column: a column that no longer says what the
    audited record says is named, field by field."""
    tamper(store, "UPDATE contracts SET unrecovered = 'waive', season = 2019")
    found = [p for p in store.verify().problems if p.check == "registers"]
    assert [p.code for p in found] == ["verify_contract_columns"]
    assert "年度、未扣回垫付款" in found[0].text("zh")


def test_a_household_slipped_in_or_taken_out_is_found(store: Store) -> None:
    tamper(
        store,
        "INSERT INTO households (resident_id, head_name, township, village, poverty_status) "
        "VALUES ('611002199001011237', '王五', '大荆镇', '东村', 'poor')",
        "DELETE FROM market_prices",
    )
    codes = {p.code: p.text("zh") for p in store.verify().problems if p.check == "registers"}
    assert "611002********1237" in codes["verify_register_unrecorded"]
    assert "市场价 朝天椒" in codes["verify_register_gone"]


def test_what_the_store_changes_itself_verifies(store: Store) -> None:
    """Each register is checked against its last entry: an update, a price set again and a
    contract ended through the store are no change."""
    h = store.households()[0]
    store.update_household(
        type(h)(h.head_name, h.resident_id, h.township, h.village, account="6217000010001234567")
    )
    store.set_market_price("朝天椒", "fresh", "一级", SEP, D("2.40"))
    store.terminate_contract("C-1", "农户外出务工")
    assert store.verify().ok


def test_a_name_read_the_same_is_no_change(store: Store) -> None:
    """A name stored with a blank (as an earlier version kept it) reads as the one recorded."""
    name = store.households()[0].head_name
    tamper(store, f"UPDATE households SET head_name = '{name[0]} {name[1:]}'")
    assert store.verify().ok


def test_a_user_made_admin_behind_the_store_is_found_and_one_changed_through_it_is_not(
    store: Store,
) -> None:
    """Who may write money is a register too: a clerk's role raised by hand is named; a
    password set and a role changed through the store are no change."""
    from orderfarm.store.users import add_user, set_password, set_role

    add_user(store, "wang", "clerk", "correct horse 1", actor="script")
    set_role(store, "wang", "viewer", actor="script")
    set_password(store, "wang", "correct horse 2", actor="script")
    assert store.verify().ok
    tamper(store, "UPDATE users SET role = 'admin' WHERE name = 'wang'")
    (found,) = [p for p in store.verify().problems if p.check == "registers"]
    assert found.params["seq"] == _entry(store, "change_user")
    assert found.text("zh").startswith("用户 wang 的角色与审计记录")


def test_a_password_hash_replaced_behind_the_store_is_found(store: Store) -> None:
    """Whoever can write the file could put in a hash of a password they know and log in as
    an admin: verify names the user's password against the entry that set it last; a
    password set through the store is no change."""
    from orderfarm.auth import hash_password
    from orderfarm.store.users import add_user, authenticate, set_password

    add_user(store, "boss", "admin", "correct horse 1", actor="script")
    add_user(store, "wang", "clerk", "correct horse 2", actor="script")
    set_password(store, "boss", "correct horse 3", actor="boss")
    assert store.verify().ok
    known = hash_password("intruder-1234")
    tamper(store, f"UPDATE users SET password_hash = '{known}' WHERE name = 'boss'")
    assert authenticate(store, "boss", "intruder-1234").name == "boss"  # the danger is real
    (found,) = [p for p in store.verify().problems if p.check == "registers"]
    assert found.params["seq"] == _entry(store, "set_password")
    assert found.text("zh").startswith("用户 boss 的密码与审计记录")
    assert found.text("en").startswith("user boss")


def test_an_event_cannot_pass_for_a_record(store: Store) -> None:
    """A clerk may audit an event (a reveal, an export), never one that reads as a record:
    else a forged household record, then the account changed by hand, would verify."""
    from orderfarm import ValidationError

    h = store.households()[0]
    forged = {"record": {"resident_id": h.resident_id, "account": "6230281199870000000"}}
    for action, payload in (
        ("update_household", {"fields": []}),
        ("reveal", forged),
        ("reveal", {"table": "payments", "count": 1}),
    ):
        with pytest.raises(ValidationError):
            store.record_event(action, "household", h.resident_id, payload)
    store.record_event("reveal", "household", h.resident_id, {"fields": ["account"]})
    tamper(store, "UPDATE households SET account = '6230281199870000000'")
    assert any(p.check == "registers" for p in store.verify().problems)


def test_each_register_row_is_read_as_its_record_was_written(store: Store) -> None:
    """verify reads a household's, enterprise's and market price's columns into the record's
    canonical form by hand (10^5 households: no model built for each): the same text the store
    audited, so that no row of a store written through it needs a second look."""
    import sqlite3

    from orderfarm.store import registers

    audited = registers.Audited()
    for e in store.audit_log():
        audited.note(e.action, e.entity, e.seq, e.data())
    conn = sqlite3.connect(store.path)
    rows = list(registers._rows(conn, [], store.catalog))
    conn.close()
    assert {entity for entity, *_ in rows} == {
        "enterprise",
        "household",
        "market_price",
        "contract",
    }
    for entity, key, text, _ in rows:
        _, digest = audited.last[(entity, key)]
        assert registers._digest(text) == digest, (entity, key, text)
