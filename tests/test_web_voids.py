"""Voids on the pages: each says why the record was voided; a payment or a supply saved twice
is said to be recorded already, not recorded again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import websupport
from streamlit.testing.v1 import AppTest
from websupport import form_key, goto, login, ok, start, texts

from orderfarm.auth import Role, User
from orderfarm.session import Session
from orderfarm.store import Store
from orderfarm.units import china_today

demo_template, demo_db = websupport.demo_template, websupport.demo_db


def _counts(db: Path) -> dict[str, int]:
    with Store.open(db) as store:
        return store.counts()


def _a_name(db: Path) -> str:
    """A household with a balance to pay in 2018."""
    with Store.open(db) as store:
        return next(s.head_name for s in store.settle(2018) if s.totals.balance > 0)


def _void(at: AppTest, kind: str, record_id: int, reason: str) -> None:
    """Void a record on the 付款 page (the page shown)."""
    at.selectbox(key="v_kind").set_value(kind)
    at.number_input(key="v_id").set_value(record_id).run()
    at.text_input(key="v_reason").input(reason).run()
    at.button(key="v_save").click().run()
    assert f"记录 {record_id} 已作废" in texts(at.success), texts(at.success)


def _pay(at: AppTest, amount: str, reference: str) -> AppTest:
    at.text_input(key=form_key(at, "p_amount")).input(amount)
    at.text_input(key=form_key(at, "p_reference")).input(reference)
    at.date_input(key="p_day").set_value(china_today()).run()
    return ok(at.button(key="p_save").click().run())


def test_a_payment_saved_twice_is_said_to_be_recorded_and_a_void_says_why(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ok(goto(login(start(demo_db, monkeypatch), "clerk"), "payments"))
    at.text_input(key="p_household_search").input(_a_name(demo_db)).run()
    before = _counts(demo_db)["payments"]
    _pay(at, "3.00", "BANK-TWICE")
    assert texts(at.success) == ["已登记付款 ¥3.00"]
    record = before + 1
    _pay(at, "3.00", "BANK-TWICE")  # the same payment typed again
    assert not texts(at.success)
    assert f"凭证号 BANK-TWICE 的付款 ¥3.00 已登记为记录 {record}，未重复登记" in texts(at.info)
    assert _counts(demo_db)["payments"] == before + 1
    _void(at, "payment", record, "银行退回")
    table = at.dataframe[0].value
    (row,) = table[table["记录编号"] == record].to_dict("records")
    assert row["已作废"] == "✓" and row["作废原因"] == f"银行退回（{china_today()} 作废）"
    at.number_input(key="v_id").set_value(record).run()
    (said,) = [w for w in texts(at.warning) if w.startswith("已作废：付款")]
    assert said.endswith(f"作废原因：银行退回（{china_today()} 作废）")
    # the voided payment typed again: it is not recorded, and the page says why
    _pay(at, "3.00", "BANK-TWICE")
    assert not texts(at.success)
    assert any(
        f"已登记为记录 {record}，但该记录已作废：银行退回" in w and "新的凭证号" in w
        for w in texts(at.warning)
    ), texts(at.warning)
    assert _counts(demo_db)["payments"] == before + 1


def test_a_supply_saved_twice_is_said_to_be_recorded_and_its_void_says_why(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ok(goto(login(start(demo_db, monkeypatch), "clerk"), "inputs"))
    at.text_input(key="i_household_search").input(_a_name(demo_db)).run()
    at.text_input(key=form_key(at, "i_quantity")).input("20")
    at.date_input(key="i_day").set_value(dt.date(2018, 9, 1))
    at.text_input(key="i_reference").input("PF-TWICE").run()
    before = _counts(demo_db)["input_supplies"]
    at.button(key="i_save").click().run()
    ok(at)
    assert len(texts(at.success)) == 1 and texts(at.success)[0].startswith("已登记 ")
    at.button(key="i_save").click().run()  # a second click
    ok(at)
    record = before + 1
    assert not texts(at.success)
    assert any(
        t.startswith(f"配发单 PF-TWICE 已登记为记录 {record}（") and t.endswith("未重复登记")
        for t in texts(at.info)
    ), texts(at.info)
    assert _counts(demo_db)["input_supplies"] == before + 1
    goto(at, "payments")
    _void(at, "supply", record, "数量录错")
    goto(at, "inputs")
    at.text_input(key="i_household_search").input(_a_name(demo_db)).run()
    table = at.dataframe[0].value
    (row,) = table[table["记录编号"] == record].to_dict("records")
    assert row["作废原因"] == f"数量录错（{china_today()} 作废）"


def test_the_audit_log_and_the_inspection_sample_give_each_voids_reason(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(demo_db) as store:
        # a slip of a household the page's sample draws (10 of 2018, seed 2018), of one not
        # paid so much that the void is refused
        sample = Session(store, User("admin", Role.ADMIN)).inspection_sample(2018, 10, 2018)
        slip = next(
            d
            for item in sample
            for d in item.deliveries
            if not d.voided and d.amount <= store.totals(d.household_id, 2018).balance
        )
        store.void_delivery(slip.id, "毛重录错：应为 230", actor="clerk")
    at = ok(goto(login(start(demo_db, monkeypatch), "viewer"), "inspection"))
    sampled = [t.value for t in at.dataframe if "小票号" in t.value.columns]
    rows = [r for t in sampled for r in t.to_dict("records") if r["小票号"] == slip.receipt_no]
    assert [r["作废原因"] for r in rows] == [f"毛重录错：应为 230（{china_today()} 作废）"]
    at = ok(goto(login(start(demo_db, monkeypatch), "admin"), "audit"))
    log = at.dataframe[-1].value
    (row,) = log[log["记录"] == f"收购小票 {slip.id}"].to_dict("records")
    assert row["操作"] == "作废收购小票" and row["原因"] == "毛重录错：应为 230"
    assert set(log[~log["操作"].str.startswith("作废")]["原因"]) == {""}
