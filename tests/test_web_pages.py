"""Each page's forms: the happy path writes, bad input shows under its field and writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import websupport
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from websupport import form_key, goto, login, ok, open_slip, start, texts

from orderfarm import CarryPolicy, D, Household, Weighing
from orderfarm.auth import Permission
from orderfarm.io import RECORD_TYPES
from orderfarm.io.exporting import records_table
from orderfarm.io.writers import csv_rows
from orderfarm.session import Session
from orderfarm.store import Store
from orderfarm.units import china_today
from orderfarm.web import app, helpers
from tests.test_store_support import advance_above_proceeds, chilli_contract, fixed_terms, signed

demo_template, demo_db = websupport.demo_template, websupport.demo_db

NEW_ID = "11010519491231002X"


def _counts(db: Path) -> dict[str, int]:
    with Store.open(db) as store:
        return store.counts()


def _page(db: Path, monkeypatch: pytest.MonkeyPatch, role: str, page: str) -> AppTest:
    return ok(goto(login(start(db, monkeypatch), role), page))


def _errors(at: AppTest) -> str:
    return " | ".join(texts(at.error))


# -- households --------------------------------------------------------------------------------


def test_a_clerk_adds_a_household_checked_as_typed(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "households")
    before = _counts(demo_db)
    at.text_input(key=form_key(at, "hh_head_name")).input("张三").run()
    at.text_input(key=form_key(at, "hh_resident_id")).input("110105194912310021").run()
    assert "身份证号: 校验码错误（应为 X）" in _errors(at)  # live, before saving
    assert at.button(key="hh_save").disabled
    at.text_input(key=form_key(at, "hh_resident_id")).input(NEW_ID)
    at.text_input(key=form_key(at, "hh_township")).input("大荆镇")
    at.text_input(key=form_key(at, "hh_village")).input("东沟村")
    at.text_input(key=form_key(at, "hh_phone")).input("138-0000-0000").run()
    assert not at.error
    at.button(key="hh_save").click().run()
    ok(at)
    assert any("张三" in s for s in texts(at.success))
    assert _counts(demo_db)["households"] == before["households"] + 1
    total = before["households"] + 1
    assert f"找到 {total} 户（共 {total} 户）" in texts(at.caption)  # listed at once
    # the new household is found by its pinyin initials
    at.text_input(key="hh_search").input("zs").run()
    table = at.dataframe[0].value
    assert NEW_ID in set(table["身份证号"])


def test_a_bad_household_writes_nothing(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "households")
    before = _counts(demo_db)
    at.text_input(key=form_key(at, "hh_head_name")).input("李四")
    at.text_input(key=form_key(at, "hh_resident_id")).input("12345").run()
    assert "身份证号: 应为 18 位，实为 5 位" in _errors(at)
    assert "村: 不能为空" in _errors(at) or "村: 不能为空白" in _errors(at)
    assert at.button(key="hh_save").disabled
    assert _counts(demo_db) == before


def test_a_viewer_sees_masked_ids_and_no_editor(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "viewer", "households")
    ids = list(at.dataframe[0].value["身份证号"])
    assert ids and all(rid[6:14] == "********" for rid in ids)
    assert not [w for w in at.text_input if str(w.key).startswith("hh_head_name")]


# -- contracts ---------------------------------------------------------------------------------


def _new_household(db: Path) -> None:
    with Store.open(db) as store:
        store.add_household(Household("张三", NEW_ID, "大荆镇", "新建村"))


def test_a_contract_is_created_from_a_template_and_signed_with_its_village(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _new_household(demo_db)
    at = _page(demo_db, monkeypatch, "clerk", "contracts")
    at.text_input(key="c_household_search").input("zs").run()
    picker = at.selectbox(key="c_household")
    assert picker.value is None  # not the first of the list for the clerk: picked by hand
    (new,) = [i for i, o in enumerate(picker.options) if "张三" in o and "新建村" in o]
    picker.select_index(new).run()
    at.text_input(key="c_area").input("abc").run()
    assert "面积（亩）: 不是有效数字" in _errors(at)
    assert at.button(key="c_create").disabled
    at.text_input(key="c_area").input("1.5")
    at.text_input(key="c_number").input("SZ2018-T-0001").run()
    assert not at.error
    assert "¥1.20" in set(at.dataframe[1].value["保护价"])  # the template's floors
    at.button(key="c_create").click().run()
    ok(at)
    with Store.open(demo_db) as store:
        contract = store.contract("SZ2018-T-0001")
        assert contract.status.value == "draft" and contract.crop == "jerusalem_artichoke"
    at.run()  # the sign tab now lists the new draft under its village
    assert at.multiselect(key="c_sign_numbers").value == ["SZ2018-T-0001"]
    at.date_input(key="c_sign_day").set_value(dt.date(2018, 3, 1)).run()
    assert not at.warning and not at.button(key="c_sign").disabled  # a day of its season
    tomorrow = china_today() + dt.timedelta(days=1)
    at.date_input(key="c_sign_day").set_value(tomorrow).run()
    at.checkbox(key=_owned(at, "checkbox", "c_sign_checked")).check().run()
    at.button(key="c_sign").click().run()
    assert f"签约日期: 日期 {tomorrow.isoformat()} 晚于今天" in _errors(at)  # a typo
    with Store.open(demo_db) as store:
        assert store.contract("SZ2018-T-0001").status.value == "draft"
    at.date_input(key="c_sign_day").set_value(china_today()).run()
    # today is after the 2018 season's deliveries ended: asked before it is taken
    assert "晚于这些合同的交售期" in " ".join(texts(at.warning))
    assert at.button(key="c_sign").disabled
    at.checkbox(key=_owned(at, "checkbox", "c_sign_checked")).check().run()
    at.button(key="c_sign").click().run()
    ok(at)
    assert "已签约 1 份合同" in texts(at.success)
    with Store.open(demo_db) as store:
        assert store.contract("SZ2018-T-0001").status.value == "signed"
        assert store.audit_log()[-1].actor == "clerk"
    at.text_input(key="c_number").input("sz2018-t-0001").run()  # the number in small letters
    at.button(key="c_create").click().run()
    assert "合同编号: SZ2018-T-0001 已被另一份合同使用（2018 年度）" in _errors(at)


def _owned(at: AppTest, kind: str, key: str) -> str:
    (found,) = {str(w.key) for w in at.get(kind) if str(w.key).startswith(f"{key}@")}
    return found


def test_a_clerk_ends_a_contract_from_the_list_with_its_reason(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(demo_db) as store:
        signed = next(c for c in store.contracts(season=2018) if c.status.value == "signed")
        name = store.household(signed.household_id).head_name
    at = _page(demo_db, monkeypatch, "clerk", "contracts")
    at.text_input(key="c_filter_search").input(name).run()
    at.selectbox(key="c_print_pick").select(signed.contract_no).run()
    assert at.radio(key=_owned(at, "radio", "c_end_step")).options == ["提前终止", "到期结清关闭"]
    assert at.button(key="c_end").disabled  # not before the clerk says it is meant
    at.checkbox(key=_owned(at, "checkbox", "c_end_sure_terminate")).check().run()
    at.button(key="c_end").click().run()
    assert "终止原因: 终止合同必须填写原因" in _errors(at)
    with Store.open(demo_db) as store:
        assert store.contract(signed.contract_no).status.value == "signed"
    at.text_input(key=_owned(at, "text_input", "c_end_reason")).input("农户外出务工，弃种").run()
    at.button(key="c_end").click().run()
    ok(at)
    assert f"合同 {signed.contract_no} 已提前终止" in texts(at.success)
    with Store.open(demo_db) as store:
        ended = store.contract(signed.contract_no)
        assert (ended.status.value, ended.end_reason) == ("terminated", "农户外出务工，弃种")
        assert store.audit_log()[-1].actor == "clerk"
    assert "合同已终止，不能再变更" in texts(at.caption)


def test_the_contract_list_searches_the_store_and_filters_by_status(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _new_household(demo_db)
    with Store.open(demo_db) as store:
        signed = store.contracts(season=2018)[0]
        draft = attrs.evolve(
            signed, contract_no="SZ2018-T-0002", household_id=NEW_ID, status="draft", signed_on=None
        )
        store.add_contract(draft)
        contracts = store.contracts(season=2018)
        homes = {h.resident_id: h for h in store.households()}
    at = _page(demo_db, monkeypatch, "clerk", "contracts")
    assert int(at.selectbox(key="c_list_season").value) == 2018
    numbers = lambda: list(at.dataframe[0].value["合同编号"])  # noqa: E731
    # the first PICKER_LIMIT households with a contract, and how many there are
    with_contract = {c.household_id for c in contracts}
    if len(with_contract) > app.PICKER_LIMIT:
        assert f"共 {len(with_contract)} 户符合" in " ".join(texts(at.info))
    one = contracts[0]
    name = homes[one.household_id].head_name
    at.text_input(key="c_filter_search").input(name).run()
    ok(at)
    same_name = {rid for rid, h in homes.items() if h.head_name == name}
    assert set(numbers()) == {c.contract_no for c in contracts if c.household_id in same_name}
    at.text_input(key="c_filter_search").input("").run()
    at.multiselect(key="c_filter_status").select("draft").run()
    ok(at)
    assert numbers() == ["SZ2018-T-0002"]
    assert f"共 {len(numbers())} 份合同" in texts(at.caption)


# -- inputs and payments -----------------------------------------------------------------------


def _pick(at: AppTest, prefix: str, name: str) -> AppTest:
    return at.text_input(key=f"{prefix}_household_search").input(name).run()


def _a_name(db: Path) -> str:
    with Store.open(db) as store:
        settled = [s for s in store.settle(2018) if s.totals.balance > 0]
        return settled[0].head_name


def test_inputs_are_recorded_and_bad_quantities_refused(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "inputs")
    _pick(at, "i", _a_name(demo_db))
    # the 2018 season typed in later: the day offered is its contract's signing, not today
    with Store.open(demo_db) as store:
        number = at.selectbox(key="i_contract").value
        signed_on = store.contract(str(number)).signed_on
    assert signed_on is not None and at.date_input(key="i_day").value == signed_on
    before = _counts(demo_db)
    at.text_input(key=form_key(at, "i_quantity")).input("-3")
    at.text_input(key="i_reference").input("PF-0001").run()
    at.button(key="i_save").click().run()
    assert "数量: 必须大于 0" in _errors(at)
    assert _counts(demo_db) == before
    at.text_input(key=form_key(at, "i_quantity")).input("200").run()
    at.date_input(key="i_day").set_value(dt.date(2018, 9, 1)).run()
    at.text_input(key="i_reference").input("  ").run()
    at.button(key="i_save").click().run()
    assert "配发单号: 不能为空白" in _errors(at)  # the store's check, under its field
    assert _counts(demo_db) == before
    at.text_input(key="i_reference").input("PF-0001").run()
    at.button(key="i_save").click().run()
    ok(at)
    assert texts(at.success), _errors(at)
    assert _counts(demo_db)["input_supplies"] == before["input_supplies"] + 1


def test_a_payment_is_recorded_and_an_overpayment_refused(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "payments")
    _pick(at, "p", _a_name(demo_db))
    before = _counts(demo_db)
    at.text_input(key=form_key(at, "p_amount")).input("1.00").run()
    at.text_input(key=form_key(at, "p_reference")).input("   ").run()
    at.button(key="p_save").click().run()
    assert "凭证号: 不能为空白" in _errors(at)  # the store's check, under its field
    assert _counts(demo_db) == before
    at.text_input(key=form_key(at, "p_amount")).input("99999999").run()
    at.text_input(key=form_key(at, "p_reference")).input("BANK-T-1").run()
    at.button(key="p_save").click().run()
    assert "金额: 付款 99,999,999.00 元超过" in _errors(at)  # grouped, as the figures above
    at.text_input(key=form_key(at, "p_amount")).input("1.005").run()
    at.button(key="p_save").click().run()
    assert "金额: 金额须精确到分" in _errors(at)
    assert _counts(demo_db) == before
    tomorrow = china_today() + dt.timedelta(days=1)
    at.text_input(key=form_key(at, "p_amount")).input("1.00").run()
    at.date_input(key="p_day").set_value(tomorrow).run()
    at.button(key="p_save").click().run()
    assert f"日期: 日期 {tomorrow.isoformat()} 晚于今天" in _errors(at)  # a typo
    assert _counts(demo_db) == before
    at.date_input(key="p_day").set_value(china_today()).run()
    at.text_input(key=form_key(at, "p_amount")).input("1.00").run()
    at.button(key="p_save").click().run()
    ok(at)
    assert texts(at.success) == ["已登记付款 ¥1.00"]
    assert _counts(demo_db)["payments"] == before["payments"] + 1
    # the page is drawn again: the totals and the list show the payment, the form is empty
    assert "BANK-T-1" in list(at.dataframe[0].value["付款凭证号"])
    assert at.text_input(key=form_key(at, "p_amount")).value == ""
    assert at.text_input(key=form_key(at, "p_reference")).value == ""
    # the same reference with another amount: refused, in Chinese, nothing written
    at.text_input(key=form_key(at, "p_amount")).input("2.00")
    at.text_input(key=form_key(at, "p_reference")).input("BANK-T-1").run()
    at.button(key="p_save").click().run()
    assert "凭证号: BANK-T-1 已登记为第" in _errors(at), _errors(at)
    assert "already" not in _errors(at)
    assert _counts(demo_db)["payments"] == before["payments"] + 1
    # a void shows whose record it is before it is voided, and needs a reason
    at.selectbox(key="v_kind").set_value("payment")
    at.number_input(key="v_id").set_value(before["payments"] + 1).run()
    name = _a_name(demo_db)
    assert any(
        t.startswith(f"付款 {before['payments'] + 1}：{name}，BANK-T-1，") and t.endswith("¥1.00")
        for t in texts(at.info)
    ), texts(at.info)
    at.button(key="v_save").click().run()
    assert "原因: 不能为空白" in _errors(at)
    assert _counts(demo_db)["payment_voids"] == 0
    at.text_input(key="v_reason").input("录错金额").run()
    at.button(key="v_save").click().run()
    ok(at)
    assert f"记录 {before['payments'] + 1} 已作废" in texts(at.success)
    assert _counts(demo_db)["payment_voids"] == 1
    assert "✓" in list(at.dataframe[0].value["已作废"])  # the list above shows it at once
    # a record voided already, or none at all, cannot be voided
    at.number_input(key="v_id").set_value(before["payments"] + 1).run()
    assert any(w.startswith("已作废：付款") for w in texts(at.warning))
    assert at.button(key="v_save").disabled
    at.number_input(key="v_id").set_value(99999).run()
    assert "没有编号为 99999 的付款记录" in texts(at.warning)
    assert at.button(key="v_save").disabled


def test_a_payment_refused_as_another_clerk_paid_meanwhile_shows_the_balance_it_names(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clerks pay one household 60 % of its balance at the same moment: the one refused
    sees above the refusal the balance it names, with the other's payment, not the totals
    read before that payment landed."""
    with Store.open(demo_db) as store:
        found = next(s for s in store.settle(2018) if s.totals.balance > 0)
        home, balance = found.household_id, found.totals.balance
    share = (balance * D("0.6")).quantize(D("0.01"))
    before = _counts(demo_db)["payments"]
    at = _page(demo_db, monkeypatch, "clerk", "payments")
    _pick(at, "p", found.head_name)
    at.text_input(key=form_key(at, "p_amount")).input(str(share))
    at.text_input(key=form_key(at, "p_reference")).input("BANK-RACE-1").run()
    assert texts(at.metric)[3] == helpers.yuan(balance)
    holding, paying = threading.Event(), threading.Event()

    def other_clerk() -> None:  # holds the write lock from before the click to the payment
        with Store.open(demo_db) as store, store.transaction():
            store.record_payment(home, 2018, share, china_today(), "BANK-RACE-2", actor="clerk")
            holding.set()
            paying.wait(30)

    def record_payment(self: Session, *args: Any, **kwargs: Any) -> object:
        paying.set()  # the page read the totals; the other payment commits now
        return paid(self, *args, **kwargs)

    paid = Session.record_payment
    monkeypatch.setattr(Session, "record_payment", record_payment)
    other = threading.Thread(target=other_clerk)
    other.start()
    assert holding.wait(30)
    at.button(key="p_save").click().run()
    other.join()
    ok(at)
    left = helpers.yuan(balance - share)
    assert f"应付余额 {left[1:]} 元" in _errors(at), _errors(at)
    assert texts(at.metric)[2:] == [helpers.yuan(share), left], texts(at.metric)
    assert _counts(demo_db)["payments"] == before + 1  # the other clerk's


def test_voiding_a_slip_says_which_later_slips_were_priced_again(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2018, 9, 1)
    with Store.open(demo_db) as store:
        contract = chilli_contract(
            "Q-PAGE",
            store.households()[0],
            enterprise=store.enterprises()[0],
            terms=fixed_terms(quota_kg=D("150")),
        )
        signed(store, contract)
        store.set_market_price("chilli", "fresh", "一级", day, D("1.20"))
        lot = Weighing(gross_kg=D("102.00"), tare_kg=D("2.00"), grade="一级")
        first = store.record_delivery("Q-PAGE", lot, day, "Q-R-1")
        store.record_delivery("Q-PAGE", lot, day, "Q-R-2")
    at = _page(demo_db, monkeypatch, "clerk", "payments")
    at.selectbox(key="v_kind").set_value("delivery")
    at.number_input(key="v_id").set_value(first.id).run()
    at.text_input(key="v_reason").input("磅秤读数录错").run()
    at.button(key="v_save").click().run()
    ok(at)
    assert f"记录 {first.id} 已作废" in texts(at.success)
    (warning,) = texts(at.warning)
    assert "新记录：Q-R-2。" in warning and "请重新打印" in warning  # its receipt, not a record id
    # the new receipt, ready to print, also after the page runs again
    at.run()
    assert [b.label for b in at.get("download_button")] == ["打印小票 Q-R-2"]


# -- settlement, estimate, market, files, audit, users ------------------------------------------


def test_the_statement_and_the_settlement_file(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    at = _page(demo_db, monkeypatch, "viewer", "settlement")
    name = _a_name(demo_db)
    _pick(at, "s", name)
    ok(at)
    assert any(m.label == "余额（未付）" for m in at.metric)
    with Store.open(demo_db) as store:  # the demo records each advance its contracts agree to
        home = next(h for h in store.households() if h.head_name == name)
        assert store.unsupplied(home.resident_id, 2018) == []
    assert not any("尚未登记配发" in w.value for w in at.warning)
    with Store.open(demo_db) as store:  # its seedlings' supply voided: agreed, not recorded
        advance = next(
            r
            for r in store.input_records(household_id=home.resident_id, season=2018)
            if r.supply.charge.value == "advance"
        )
        store.void_supply(advance.id, "配发单录错")
    _pick(at, "s", name)
    said = [w.value for w in at.warning if "尚未登记配发" in w.value]
    assert said and said[0].startswith(
        f"合同 {advance.contract_no} 约定垫付的 {advance.supply.item}"
    )
    assert "bank" not in at.selectbox(key="s_what").options  # a viewer gets no bank list
    at.button(key="s_prepare").click().run()
    ok(at)
    assert _served(at, served, "s_download")[0] == "settlement-2018.xlsx"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, bytes]]:
    """What each download button serves, by its URL: (file name, content)."""
    files: dict[str, tuple[str, bytes]] = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def spy(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: Any,
        filename: str | None = None,
    ) -> str:
        file_id = load(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            files[self.get_url(file_id)] = (filename or "", path_or_data)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


def _served(
    at: AppTest, served: dict[str, tuple[str, bytes]], key: str
) -> tuple[str, bytes] | None:
    """The file the download button ``key`` serves (None: no such button)."""
    urls = [b.proto.url for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    return served[urls[0]] if urls else None


def _bank_amounts(data: bytes) -> dict[str, Decimal]:
    """A bank list in CSV: each resident ID's amount."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return {r["身份证号"]: Decimal(r["金额（元）"].replace(",", "")) for r in rows}


def test_a_prepared_bank_list_is_dropped_once_a_payment_is_recorded(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "settlement")
    at.radio(key="s_format").set_value("csv")
    at.selectbox(key="s_what").set_value("bank")
    at.checkbox(key="s_full").check().run()
    at.button(key="s_prepare").click().run()
    ok(at)
    found = _served(at, served, "s_download")
    assert found is not None and found[0] == "bank-2018.csv"
    owed = _bank_amounts(found[1])
    rid, amount = next(iter(owed.items()))
    with Store.open(demo_db) as store:  # paid on the payments page, by this clerk or another
        store.record_payment(rid, 2018, D("1.00"), dt.date(2018, 12, 1), "BANK-STALE-1")
    at.run()
    assert _served(at, served, "s_download") is None  # the old list is not offered
    at.button(key="s_prepare").click().run()
    found = _served(at, served, "s_download")
    assert found is not None and _bank_amounts(found[1])[rid] == amount - D("1.00")
    # another choice than the file was made for drops it too
    at.checkbox(key="s_full").uncheck().run()
    assert _served(at, served, "s_download") is None


def test_the_files_page_offers_the_file_of_the_kind_and_season_chosen(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    with Store.open(demo_db) as store:
        home = store.households()[0]
        signed(
            store, chilli_contract("Q-2019", home, season=2019, enterprise=store.enterprises()[0])
        )
    at = _page(demo_db, monkeypatch, "clerk", "files")
    at.selectbox(key="f_what").set_value("settlement")
    at.selectbox(key="f_season").set_value(2019).run()
    at.button(key="f_prepare").click().run()
    ok(at)
    found = _served(at, served, "f_download")
    assert found is not None and found[0] == "settlement-2019.xlsx"
    at.selectbox(key="f_what").set_value("bank")
    at.selectbox(key="f_season").set_value(2018).run()
    assert _served(at, served, "f_download") is None  # not the 2019 settlement
    at.radio(key="f_format").set_value("csv").run()
    at.button(key="f_prepare").click().run()
    found = _served(at, served, "f_download")
    assert found is not None and found[0] == "bank-2018.csv" and "金额（元）" in found[1].decode()
    # a list of the whole store is named without a season, and kept whatever the season
    at.selectbox(key="f_what").set_value("households").run()
    at.button(key="f_prepare").click().run()
    found = _served(at, served, "f_download")
    assert found is not None and found[0] == "households.csv"
    at.selectbox(key="f_season").set_value(2019).run()
    assert _served(at, served, "f_download") == found


@pytest.mark.parametrize(
    ("policy", "carried", "waived"), [("carry", "200.00", "0.00"), ("waive", "0.00", "200.00")]
)
def test_the_settlement_page_shows_what_is_carried_over_or_waived(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, policy: str, carried: str, waived: str
) -> None:
    with Store.open(demo_db) as store:
        home = store.add_household(Household("结转户", NEW_ID, "大荆镇", "新建村"))
        advance_above_proceeds(store, home, CarryPolicy(policy))
    at = _page(demo_db, monkeypatch, "viewer", "settlement")
    _pick(at, "s", "结转户")
    ok(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown["收购款"] == "¥800.00" and shown["扣回垫付款"] == "¥800.00"
    assert (shown["结转下季"], shown["核销"]) == (f"¥{carried}", f"¥{waived}")
    # three totals to a row, not six: each read whole at 1366 px (tests/e2e measures it)
    holding = [c for c in at.columns if c.metric]
    assert len(holding) == 6 and all(c.weight >= 1 / 3 - 1e-9 for c in holding)
    (season,) = [d.value for d in at.dataframe if "结转下季" in d.value.columns]
    row = season[season["户主姓名"] == "结转户"].iloc[0]
    assert (row["结转下季"], row["核销"], row["余额（未付）"]) == (
        f"¥{carried}",
        f"¥{waived}",
        "¥0.00",
    )


def test_the_estimate_shows_what_the_floor_secures(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "viewer", "estimate")
    labels = [m.label for m in at.metric]
    assert "保护价价值" in labels and "增收" in labels
    assert any("保护价保住的收入" in str(m.value) for m in at.markdown)
    at.text_input(key=form_key(at, "e_yield")).input("lots").run()
    assert "不是有效数字" in _errors(at)
    at.text_input(key=form_key(at, "e_yield")).input("1700").run()
    # each refusal names its field in Chinese, with no code names or English
    for key, text, said in [
        ("e_yield", "0", "亩产（公斤）: "),
        ("e_area", "-2", "面积（亩）: 必须大于 0"),
        ("e_floor", "-1", "保护价"),
        ("e_baseline", "", "玉米亩纯收入: 不能为空"),
    ]:
        before = at.text_input(key=form_key(at, key)).value
        at.text_input(key=form_key(at, key)).input(text).run()
        errors = _errors(at)
        assert said in errors, errors
        assert not re.search(r"[a-z]{4,}", errors), errors
        at.text_input(key=form_key(at, key)).input(str(before)).run()
    at.text_input(key=form_key(at, "e_yield")).input("1700").run()
    ok(at)
    assert not at.error


def test_an_admin_enters_a_market_price(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(demo_db, monkeypatch, "admin", "market")
    at.date_input(key="m_day").set_value(dt.date(2018, 11, 5))
    at.text_input(key="m_price").input("-1").run()
    at.button(key="m_save").click().run()
    assert "市场价: 必须大于 0" in _errors(at)
    at.text_input(key="m_price").input("1.3525").run()
    at.button(key="m_save").click().run()
    ok(at)
    assert texts(at.success) == ["市场价 ¥1.3525 已保存"]  # a unit price shown as it is
    # the page is drawn again after the save: it knows the day has that price now, and
    # warns only when another price would replace it
    assert "该日市场价为 ¥1.3525" in texts(at.caption) and not at.warning
    at.text_input(key="m_price").input("1.40").run()
    assert any("该日已有市场价 ¥1.3525，保存将替换它" in w for w in texts(at.warning))
    with Store.open(demo_db) as store:
        assert str(store.market_price("菊芋", "fresh", "一级", dt.date(2018, 11, 5))) == "1.3525"
    # a day to come: a typo, refused under the day
    at.date_input(key="m_day").set_value(china_today() + dt.timedelta(days=30)).run()
    at.text_input(key="m_price").input("1.25").run()
    at.button(key="m_save").click().run()
    assert "晚于今天" in _errors(at)
    at.date_input(key="m_day").set_value(dt.date(2018, 11, 5)).run()
    # 120 for a floor of 1.20 (yuan per tonne? a point missed?): saved only once checked
    at.text_input(key="m_price").input("120").run()
    assert any("市场价 ¥120.00 与模板保护价 ¥1.20 相差三倍以上" in w for w in texts(at.warning))
    assert at.button(key="m_save").disabled

    def box() -> Any:
        (checked,) = [c for c in at.checkbox if str(c.key).startswith("m_checked@")]
        return checked

    box().check().run()
    assert not at.button(key="m_save").disabled
    at.selectbox(key="m_grade").set_value("二级").run()  # checked for another grade: asked again
    assert not box().value and at.button(key="m_save").disabled
    at.selectbox(key="m_grade").set_value("一级").run()
    box().check().run()
    at.button(key="m_save").click().run()
    ok(at)
    assert texts(at.success) == ["市场价 ¥120.00 已保存"]
    clerk = _page(demo_db, monkeypatch, "clerk", "market")
    assert not [w for w in clerk.button if w.key == "m_save"]  # the clerk only reads prices


def _households_csv(*homes: Household) -> str:
    out = io.StringIO()
    for row in csv_rows(records_table("households", homes, full=True)):
        out.write(",".join(row) + "\n")
    return out.getvalue()


def test_a_file_is_checked_then_imported(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "files")
    labels = [b.label for b in at.get("download_button")]
    assert "下载空白模板（XLSX，只有表头）" in labels  # the columns to fill in, as a file
    before = _counts(demo_db)
    bad = _households_csv(Household("张三", NEW_ID, "大荆镇", "东沟村")).replace(
        NEW_ID, "110105194912310021"
    )
    at.text_area(key="f_paste").input(bad).run()
    at.button(key="f_check").click().run()
    problems = at.dataframe[0].value
    assert list(problems["行"]) == ["2"] and "校验码错误" in problems["问题"][0]
    assert at.button(key="f_commit").disabled
    good = _households_csv(Household("张三", NEW_ID, "大荆镇", "东沟村"))
    at.text_area(key="f_paste").input(good).run()
    assert at.button(key="f_commit").disabled  # a changed file must be checked again
    at.button(key="f_check").click().run()
    assert "全部行都正确，可以导入" in texts(at.success)
    at.button(key="f_commit").click().run()
    ok(at)
    assert "已写入 1 条，已存在 0 条" in texts(at.success)
    assert _counts(demo_db)["households"] == before["households"] + 1
    # checked again, the file is all recorded: said so, not "ready to import"
    at.button(key="f_check").click().run()
    assert "每一行都已登记且内容相同：导入不会写入新数据" in texts(at.info)
    assert "全部行都正确，可以导入" not in texts(at.success)
    # a file without the columns it needs: the problem is of the file, and said so
    at.text_area(key="f_paste").input("姓名,电话\n张三,13800000000\n").run()
    at.button(key="f_check").click().run()
    whole = at.dataframe[0].value
    assert set(whole["行"]) == {"文件"} and "身份证号" in set(whole["列"])


def test_a_slip_file_with_a_lot_above_5_t_names_it_to_check_and_may_be_imported(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(demo_db) as store:
        number, _, day, grade = open_slip(store)
    header = ",".join(RECORD_TYPES["slips"].headers("zh"))
    text = f"{header}\nR-HEAVY-1,{number},{day},12500,2.5,{grade},0.12,,\n"
    at = _page(demo_db, monkeypatch, "clerk", "files")
    at.selectbox(key="f_kind").set_value("slips").run()
    at.text_area(key="f_paste").input(text).run()
    at.button(key="f_check").click().run()
    ok(at)
    assert "1 处数值较少见，请与纸质单据核对（不妨碍导入）：" in texts(at.warning)
    assert "超过 5,000 kg" in at.dataframe[0].value["问题"][0]
    at.button(key="f_commit").click().run()
    ok(at)
    assert "已写入 1 条，已存在 0 条" in texts(at.success)
    assert "1 处数值较少见，请与纸质单据核对（不妨碍导入）：" in texts(at.warning)


def test_the_parts_of_a_file_not_read_are_not_values_to_check_against_paper(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(demo_db) as store:
        number, _, day, grade = open_slip(store)
    header = ",".join(RECORD_TYPES["slips"].headers("zh"))
    text = (
        f"2018年收购小票\n序号,户主姓名,{header},备注\n"
        f"1,张三,R-HEAVY-2,{number},{day},12500,2.5,{grade},0.12,,,\n"
        "合计,,,,,12500,,,,,,\n"
    )
    at = _page(demo_db, monkeypatch, "clerk", "files")
    at.selectbox(key="f_kind").set_value("slips").run()
    at.text_area(key="f_paste").input(text).run()
    at.button(key="f_check").click().run()
    ok(at)
    summary = " ".join(texts(at.info))
    assert "1 处数值请核对，5 处未读取" in summary
    # the box of values to check against paper says 1, as the summary does: the heavy lot
    assert texts(at.warning) == ["1 处数值较少见，请与纸质单据核对（不妨碍导入）："]
    doubts, unread = (t.value for t in at.dataframe)
    assert list(doubts["行"]) == ["3"] and "超过 5,000 kg" in doubts["问题"][0]
    # the columns, the title and the 合计 row, named apart as not read
    assert "5 处未读取（列、标题或合计行），不是数据，无需核对：" in texts(at.info)
    assert list(unread["行"]) == ["文件", "文件", "文件", "1", "4"]
    said = [str(r) for r in unread["问题"]]
    assert all("未读取" in r for r in said)
    assert all(f"「{c}」" in " ".join(said) for c in ("序号", "户主姓名", "备注"))


def test_the_audit_page_verifies_and_shows_the_log(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "admin", "audit")
    at.button(key="a_verify").click().run()
    ok(at)
    assert any("校验通过" in s for s in texts(at.success))
    # the log says each action and record in Chinese, not by its code
    log = at.dataframe[-1].value
    assert "登记付款" in set(log["操作"]) and not set(log["操作"]) & {"record_payment", "add_user"}
    assert any(str(r).startswith("付款 ") for r in log["记录"])
    prices = [str(r) for r in log["记录"] if str(r).startswith("市场价 ")]
    assert prices and not any("jerusalem_artichoke" in r or "chrysanthemum" in r for r in prices)


def test_an_inspector_logged_in_as_a_viewer_samples_and_takes_the_checklist(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(demo_db) as store:
        before = store.counts(), store.audit_head()
    at = _page(demo_db, monkeypatch, "viewer", "inspection")
    assert texts(at.title) == ["督察抽查"]

    def sampled() -> list[str]:  # one expander per sampled household (the sidebar has one)
        return [e.label for e in at.expander if " · " in e.label]

    first = sampled()
    assert len(first) == 10
    assert all("*" in label.split(" · ")[2] for label in first)  # IDs masked, as viewers see them
    at.number_input(key="i_seed").set_value(7).run()
    other = sampled()
    at.number_input(key="i_seed").set_value(2018).run()
    assert sampled() == first != other
    # each slip with the figures that make its net weight, and a lot refused marked as such
    columns = list(at.dataframe[0].value.columns)
    assert {"水分（%）", "杂质（%）", "拒收", "已作废"} <= set(columns)
    # the checklist of the sample shown, to take to the villages; gone when the sample changes
    at.button(key="i_prepare").click().run()
    ok(at)
    assert [b.label for b in at.get("download_button")] == ["下载"]
    at.number_input(key="i_seed").set_value(7).run()
    assert not at.get("download_button")
    with Store.open(demo_db) as store:  # read only: nothing written, not even an audit entry
        assert (store.counts(), store.audit_head()) == before


def test_a_changed_record_is_shown_by_the_audit_page_in_chinese(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = sqlite3.connect(demo_db, isolation_level=None)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'payments'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")  # what someone editing the file by hand could do
    conn.execute("UPDATE payments SET note = '改过' WHERE id = 1")
    conn.close()
    at = _page(demo_db, monkeypatch, "admin", "audit")
    at.button(key="a_verify").click().run()
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["检查项", "审计记录", "问题"]
    assert "金额记录与审计" in set(problems["检查项"])
    assert all(str(seq).startswith("#") or seq == "" for seq in problems["审计记录"])
    said = [str(m) for m in problems["问题"]]
    assert any(m.startswith("付款记录 1（单号 ") and "与审计记录 #" in m for m in said), said


def test_an_admin_adds_a_user_who_can_log_in(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "admin", "users")
    at.text_input(key="u_name").input("two words").run()
    at.button(key="u_add").click().run()
    assert "用户名: 最多 40 个字符，不能含空格" in _errors(at)
    at.text_input(key="u_name").input("wang").run()
    at.button(key="u_add").click().run()
    ok(at)
    password = at.code[0].value

    def listed() -> dict[str, str]:
        table = at.dataframe[0].value
        return dict(zip(table["用户名"], table["启用"], strict=True))

    assert listed()["wang"] == "✓"  # listed at once, not on the next rerun
    # and to change, the form empty for the next user, the role it was given said
    assert "wang" in at.selectbox(key="u_who").options and at.text_input(key="u_name").value == ""
    assert "用户 wang（业务员）已添加，初始密码如下" in texts(at.success)
    at.text_input(key="u_name").input("clerk").run()
    at.button(key="u_add").click().run()
    assert "用户名: clerk 已存在" in _errors(at)
    at.selectbox(key="u_who").set_value("wang").run()
    assert at.button(key="u_toggle").label == "停用"
    at.button(key="u_toggle").click().run()
    assert texts(at.success) == ["已保存"]
    assert listed()["wang"] == "" and at.button(key="u_toggle").label == "启用"
    refused = start(demo_db, monkeypatch)
    refused.text_input(key="login_name").input("wang")
    refused.text_input(key="login_password").input(password)
    refused.button(key="login_submit").click().run()
    assert texts(refused.error) == ["此账户已停用，请联系管理员"]
    at.button(key="u_toggle").click().run()
    # the role: a clerk made a viewer, listed so at once; the admin's own role cannot change
    role = form_key(at, "u_new_role")
    assert at.selectbox(key=role).value == "clerk" and at.button(key="u_set_role").disabled
    at.selectbox(key=role).set_value("viewer").run()
    at.button(key="u_set_role").click().run()
    ok(at)
    assert texts(at.success) == ["wang 的角色已改为查看者"]
    table = at.dataframe[0].value
    assert dict(zip(table["用户名"], table["角色"], strict=True))["wang"] == "查看者"
    at.selectbox(key="u_who").set_value("admin").run()
    assert at.button(key="u_set_role").disabled and at.button(key="u_toggle").disabled
    again = login(start(demo_db, monkeypatch), "wang", password)
    ok(again)
    assert texts(again.title) == ["总览"]
    assert not again.session_state["user"].role.may(Permission.RECORD_DELIVERY)


def test_an_unexpected_error_is_logged_and_shown_as_one_short_line(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from orderfarm.session import Session

    def broken(self: Session, *_: object, **__: object) -> list[object]:
        raise RuntimeError("secret detail: /srv/data/season.db")

    at = login(start(demo_db, monkeypatch), "clerk")
    monkeypatch.setattr(Session, "search_households", broken)  # what the page reads first
    goto(at, "households")
    assert not at.exception  # no traceback reaches the user
    assert texts(at.error) == ["出现意外错误，已记录日志。请重试或联系管理员。"]
    assert "secret detail" not in " ".join(texts(at.markdown) + texts(at.error))
    assert any("a page failed" in r.message and r.exc_info for r in caplog.records)


def test_a_clerk_edits_a_household_and_the_reveal_is_audited(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "households")
    at.selectbox(key="hh_pick").select_index(1).run()  # the first household (0 is "new")
    rid = str(at.text_input(key=form_key(at, "hh_resident_id")).value)
    assert at.text_input(key=form_key(at, "hh_resident_id")).disabled  # the ID names the household
    at.text_input(key=form_key(at, "hh_phone")).input("13900000000").run()
    at.button(key="hh_save").click().run()
    ok(at)
    with Store.open(demo_db) as store:
        assert store.household(rid).phone == "13900000000"
        actions = [(e.actor, e.action) for e in store.audit_log()[-2:]]
    assert actions == [("clerk", "reveal"), ("clerk", "update_household")]


def test_a_household_another_user_changed_since_it_was_opened_is_not_saved_over(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk and an administrator open one household; the administrator saves a new
    phone, then the clerk a new account: the clerk's save is refused and says what was
    changed; the phone stays. Saved again, with that seen, the clerk's form is written."""
    clerk = _page(demo_db, monkeypatch, "clerk", "households")
    admin = _page(demo_db, monkeypatch, "admin", "households")
    for at in (clerk, admin):
        at.selectbox(key="hh_pick").select_index(1).run()
    rid = str(clerk.text_input(key=form_key(clerk, "hh_resident_id")).value)
    admin.text_input(key=form_key(admin, "hh_phone")).input("13900000000").run()
    admin.button(key="hh_save").click().run()
    ok(admin)
    clerk.text_input(key=form_key(clerk, "hh_account")).input("6217000000000000001").run()
    clerk.button(key="hh_save").click().run()
    ok(clerk)
    assert "在您打开后已被他人修改，未保存" in _errors(clerk), _errors(clerk)
    assert any("电话 13900000000" in w for w in texts(clerk.warning)), texts(clerk.warning)
    assert not texts(clerk.success)
    with Store.open(demo_db) as store:
        now = store.household(rid)
    assert now.phone == "13900000000" and now.account != "6217000000000000001"
    clerk.text_input(key=form_key(clerk, "hh_phone")).input("13900000000").run()
    clerk.button(key="hh_save").click().run()
    ok(clerk)
    assert texts(clerk.success), _errors(clerk)
    with Store.open(demo_db) as store:
        now = store.household(rid)
    assert (now.phone, now.account) == ("13900000000", "6217000000000000001")


def test_leaving_a_page_and_coming_back_refills_its_forms(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", "estimate")
    goto(at, "dashboard")
    goto(at, "estimate")  # Streamlit forgot the estimate's widgets while away
    ok(at)
    assert not at.error
    assert at.text_input(key=form_key(at, "e_area")).value == "2"
    goto(at, "households")
    at.selectbox(key="hh_pick").select_index(1).run()
    name = at.text_input(key=form_key(at, "hh_head_name")).value
    goto(at, "dashboard")
    goto(at, "households")
    at.selectbox(key="hh_pick").select_index(1).run()
    assert at.text_input(key=form_key(at, "hh_head_name")).value == name


def test_the_dashboard_figures_count_each_household_once(demo_db: Path) -> None:
    """The dashboard's KPIs come from the report by township (the table it shows first): the
    same figures as the ungrouped report, and as by village; by crop would count twice a
    household growing two crops."""
    with Store.open(demo_db) as store:
        whole = helpers.kpis(store.report(2018, by=()))
        assert whole.households > 0
        assert helpers.kpis(store.report(2018, by=("township",))) == whole
        assert helpers.kpis(store.report(2018, by=("township", "village"))) == whole


def test_the_dashboard_shows_what_makes_the_outstanding_amount(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_db, monkeypatch, "viewer", "dashboard")
    ok(at)

    def yuan(label: str) -> Decimal:
        (value,) = [m.value for m in at.metric if m.label == label]
        return Decimal(str(value).lstrip("¥").replace(",", ""))

    recovered = yuan("扣回垫付款")
    assert recovered > 0  # the demo season advances inputs
    assert yuan("收购款") - recovered - yuan("已付") == yuan("未付余额")
    assert "未付余额 = 收购款 − 扣回（从收购款中扣回的垫付投入品）− 已付" in texts(at.caption)
    at.radio(key="d_by").set_value("crop").run()
    assert any(c.startswith("按作物分组时") for c in texts(at.caption))
    assert "扣回垫付款" in at.dataframe[0].value.columns


@pytest.mark.parametrize(("page", "key"), [("payments", "p_household"), ("inputs", "i_household")])
def test_a_page_that_writes_money_picks_no_household_for_the_clerk(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str, key: str
) -> None:
    at = _page(demo_db, monkeypatch, "clerk", page)
    assert at.selectbox(key=key).value is None
    assert "请先查找并选择农户" in " ".join(texts(at.info))
    assert not [b for b in at.button if b.key in ("p_save", "i_save")]  # no form to save


def test_the_audit_page_names_no_audit_entry_when_only_the_running_totals_are_off(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = sqlite3.connect(demo_db, isolation_level=None)
    conn.execute("UPDATE contract_totals SET net_g = net_g - 1500 WHERE contract_id = 1")
    conn.close()
    at = _page(demo_db, monkeypatch, "admin", "audit")
    at.button(key="a_verify").click().run()
    ok(at)
    said = texts(at.error)
    assert any("发现 1 个问题" in s for s in said) and not any("None" in s for s in said)
    problem = str(at.dataframe[0].value["问题"][0])
    assert "kg" in problem and "net_g" not in problem and "records say" not in problem
