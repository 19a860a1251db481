"""收购 page: preview before saving, save once, refusals next to their fields."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
import websupport
from streamlit.testing.v1 import AppTest
from test_web_pages import _served, served
from websupport import goto, login, ok, open_slip, start, texts

from orderfarm import D, Household, Weighing
from orderfarm.io.exports import market_prices
from orderfarm.session import Session
from orderfarm.store import Delivery, Store
from orderfarm.units import china_today
from orderfarm.web import helpers
from orderfarm.web.app import owned_key
from orderfarm.web.helpers import default_slip_day, price_days
from tests.test_store_support import chilli_contract, fixed_terms, signed

demo_template, demo_db = websupport.demo_template, websupport.demo_db
__all__ = ["served"]  # the fixture: what each download button serves


def _weighing_page(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, *, dried: bool = False
) -> tuple[AppTest, str]:
    with Store.open(demo_db) as store:
        number, name, day, _ = open_slip(store, dried=dried)
    at = login(start(demo_db, monkeypatch), "clerk")
    goto(at, "weighing")
    at.text_input(key="w_household_search").input(name).run()
    at.selectbox(key="w_contract").set_value(number).run()
    at.date_input(key=owned_key("w_day", number)).set_value(day).run()
    at.text_input(key="w_moisture").input("12").run()  # dried lots are weighed with it
    return ok(at), number


def _deliveries(db: Path) -> int:
    with Store.open(db) as store:
        return store.counts()["deliveries"]


def test_the_price_shows_before_saving_and_a_double_click_records_one_slip(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    before = _deliveries(demo_db)
    at.text_input(key="w_gross").input("52.4").run()
    at.text_input(key="w_tare").input("2.4").run()
    at.text_input(key="w_moisture").input("15").run()
    ok(at)
    assert "49.42 kg" in texts(at.metric)
    assert any("净重 49.42 kg" in text for text in texts(at.info))
    assert _deliveries(demo_db) == before  # the preview wrote nothing
    assert at.subheader[0].value == "计价预览（尚未保存）"
    at.button(key="w_save").click().run()
    assert at.subheader[0].value == "计价（已保存）"  # at once, not a rerun later
    at.button(key="w_save").click().run()  # a double click, or a rerun
    ok(at)
    assert _deliveries(demo_db) == before + 1
    assert any("已保存" in text for text in texts(at.success))
    with Store.open(demo_db) as store:
        recorded = store.deliveries(contract_no=number)[-1]
    assert recorded.actor == "clerk"
    # the slip's record number, which a void asks for, is in the contract's table of slips
    assert recorded.id in list(at.dataframe[0].value["记录编号"])
    # the next slip gets a new receipt number
    at.button(key="w_next").click().run()
    assert at.text_input(key="w_receipt").value != recorded.receipt_no
    assert at.text_input(key="w_gross").value == ""


def test_bad_weights_show_next_to_their_fields_and_nothing_is_written(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    before = _deliveries(demo_db)
    at.text_input(key="w_gross").input("abc").run()
    assert any("毛重" in text and "不是有效数字" in text for text in texts(at.error))
    at.text_input(key="w_gross").input("10").run()
    at.text_input(key="w_tare").input("12").run()
    assert any("皮重（12 kg）必须小于毛重（10 kg）" in text for text in texts(at.error))
    assert at.button(key="w_save").disabled  # nothing to save while the slip is wrong
    # a day outside the delivery window is refused before saving
    at.text_input(key="w_tare").input("1").run()
    at.date_input(key=owned_key("w_day", number)).set_value(dt.date(2018, 1, 2)).run()
    assert any("不在合同交售期" in text for text in texts(at.error))
    tomorrow = china_today() + dt.timedelta(days=1)  # a slip is weighed today, not later
    at.date_input(key=owned_key("w_day", number)).set_value(tomorrow).run()
    assert f"日期: 日期 {tomorrow.isoformat()} 晚于今天（{china_today()}）" in texts(at.error)
    assert at.button(key="w_save").disabled
    ok(at)
    assert _deliveries(demo_db) == before


def test_problems_read_in_the_chosen_language(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch)
    at.radio(key="lang").set_value("en").run()
    at.text_input(key="w_gross").input("12,5kg").run()
    ok(at)
    assert any(text.startswith("gross weight: is not a number") for text in texts(at.error))
    assert texts(at.title) == ["Weighing"]


def test_a_lot_too_wet_shows_why_it_is_rejected_in_chinese(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch, dried=True)
    at.text_input(key="w_gross").input("30").run()
    at.text_input(key="w_tare").input("1").run()
    at.text_input(key="w_moisture").input("35").run()
    ok(at)
    assert "拒收：水分 35% 超过最高水分 22%" in texts(at.warning)
    assert not any("moisture" in text for text in texts(at.warning))
    at.button(key="w_save").click().run()  # recorded, paid nothing, and marked so
    table = at.dataframe[0].value
    (row,) = table[table["小票号"] == at.text_input(key="w_receipt").value].to_dict("records")
    assert row["拒收"] == "✓" and row["金额"] == "¥0.00"


def _another_household(store: Store, number: str) -> str:
    """The name (found once) of a household with a signed contract other than ``number``."""
    names = [h.head_name for h in store.households()]
    return next(
        name
        for c in store.contracts(season=2018)
        if c.status.value == "signed"
        and c.contract_no != number
        and names.count(name := store.household(c.household_id).head_name) == 1
    )


def _save_a_slip(at: AppTest) -> str:
    """Save a slip of 52.4 kg on the weighing page; its receipt number."""
    at.text_input(key="w_gross").input("52.4").run()
    at.button(key="w_save").click().run()
    return str(at.text_input(key="w_receipt").value)


def test_a_receipt_number_taken_by_another_slip_is_refused_under_its_field(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch)
    taken = _save_a_slip(at)
    before = _deliveries(demo_db)
    at, _ = _weighing_page(demo_db, monkeypatch)  # another clerk, the same receipt number
    at.text_input(key="w_receipt").input(taken).run()
    at.text_input(key="w_gross").input("60").run()
    at.button(key="w_save").click().run()
    assert any(f"小票号: {taken} 已登记为第" in t and "未保存" in t for t in texts(at.error))
    assert not any("already" in t for t in texts(at.error))
    assert _deliveries(demo_db) == before


def test_a_receipt_saved_earlier_in_the_session_is_not_shown_saved_for_other_weights(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch)
    taken = _save_a_slip(at)
    assert any(f"小票 {taken} 已保存" in t for t in texts(at.success)), texts(at.success)
    before = _deliveries(demo_db)
    at.button(key="w_next").click().run()
    at.text_input(key="w_moisture").input("12").run()
    # the clerk types the earlier slip's receipt number on the next lot by mistake
    at.text_input(key="w_receipt").input(taken).run()
    at.text_input(key="w_gross").input("60").run()
    assert not texts(at.success)  # the next lot is not shown as saved
    assert not at.button(key="w_save").disabled
    at.button(key="w_save").click().run()
    assert any(f"小票号: {taken} 已登记为第" in t and "未保存" in t for t in texts(at.error))
    assert _deliveries(demo_db) == before
    # typed back as it was saved, the slip shows as saved again and is not saved twice
    at.text_input(key="w_gross").input("52.4").run()
    assert any(f"小票 {taken} 已保存" in t for t in texts(at.success))
    assert at.button(key="w_save").disabled
    assert _deliveries(demo_db) == before


@pytest.mark.parametrize(
    ("gross", "said"),
    [
        ("0.001", "毛重减皮重为 0.001 kg，不足 0.01 kg：请核对毛重和皮重"),
        ("99999", "毛重减皮重为 99,999 kg，超过 5,000 kg：请核对毛重"),
    ],
)
def test_an_implausible_weight_is_questioned_before_saving(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, gross: str, said: str
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch)
    at.text_input(key="w_gross").input("52.4").run()
    assert not texts(at.warning)  # an ordinary lot
    assert not at.checkbox
    at.text_input(key="w_gross").input(gross).run()
    assert any(said in w for w in texts(at.warning)), texts(at.warning)
    # saved only once the clerk says the figures were checked
    before = _deliveries(demo_db)
    assert at.button(key="w_save").disabled
    at.checkbox[0].check().run()
    assert not at.button(key="w_save").disabled
    at.text_input(key="w_gross").input(gross + "1").run()  # other figures: asked again
    assert not at.checkbox[0].value and at.button(key="w_save").disabled
    at.text_input(key="w_gross").input(gross).run()
    at.checkbox[0].check().run()
    at.text_input(key="w_impurity").input("1").run()  # another figure of the slip: asked again
    assert not at.checkbox[0].value and at.button(key="w_save").disabled
    at.checkbox[0].check().run()
    at.button(key="w_save").click().run()
    assert _deliveries(demo_db) == before + 1


def test_a_checked_box_does_not_follow_the_clerk_to_another_household(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    at.text_input(key="w_gross").input("9999").run()
    at.checkbox[0].check().run()
    assert not at.button(key="w_save").disabled
    with Store.open(demo_db) as store:
        other = _another_household(store, number)
    at.text_input(key="w_household_search").input(other).run()
    ok(at)
    assert at.selectbox(key="w_contract").value != number
    # the weights typed for a household picked by mistake stay, the check is asked again
    assert at.text_input(key="w_gross").value == "9999"
    assert not at.checkbox[0].value and at.button(key="w_save").disabled


@pytest.mark.parametrize(
    ("impurity", "moisture", "said"),
    [
        ("99.99", "12", "扣除杂质和水分后净重为 0.00 kg：请核对杂质和水分"),
        ("0", "0", "水分为 0%：干货不会不含水，请填实测水分"),
    ],
)
def test_a_lot_left_with_no_net_weight_or_a_dried_lot_of_no_moisture_is_questioned(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, impurity: str, moisture: str, said: str
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch, dried=True)
    at.text_input(key="w_gross").input("10").run()
    at.text_input(key="w_impurity").input(impurity).run()
    at.text_input(key="w_moisture").input(moisture).run()
    assert said in texts(at.warning), texts(at.warning)
    assert at.button(key="w_save").disabled


@pytest.mark.parametrize(
    ("moisture", "said"),
    [("", "未填水分：按 0% 计，不扣水（合同水分标准 14%）"), ("0.18", "水分「0.18」按 0.18% 计")],
)
def test_a_dried_lots_moisture_left_blank_or_typed_as_a_fraction_is_questioned(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, moisture: str, said: str
) -> None:
    at, _ = _weighing_page(demo_db, monkeypatch, dried=True)
    at.text_input(key="w_gross").input("30").run()
    at.text_input(key="w_moisture").input("18").run()
    assert not texts(at.warning)  # a measured moisture, as a percentage
    at.text_input(key="w_moisture").input(moisture).run()
    assert any(w.startswith(said) for w in texts(at.warning)), texts(at.warning)
    assert at.button(key="w_save").disabled


def test_a_slip_saved_then_another_household_picked_starts_a_new_slip(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    taken = _save_a_slip(at)
    before = _deliveries(demo_db)
    with Store.open(demo_db) as store:  # another household's contract, without 下一张
        other = _another_household(store, number)
    at.text_input(key="w_household_search").input(other).run()
    ok(at)
    assert at.selectbox(key="w_contract").value != number
    assert at.text_input(key="w_gross").value == ""  # not the saved slip's weights
    assert at.text_input(key="w_receipt").value != taken  # nor its receipt number
    assert not texts(at.success)
    assert at.button(key="w_save").disabled
    assert _deliveries(demo_db) == before


def test_the_receipt_number_the_page_gave_follows_the_day_until_the_clerk_types_one(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    day_key = owned_key("w_day", number)
    day = at.date_input(key=day_key).value
    assert str(at.text_input(key="w_receipt").value).startswith(f"W{day:%Y%m%d}-")
    earlier = day - dt.timedelta(days=1)
    at.date_input(key=day_key).set_value(earlier).run()
    assert str(at.text_input(key="w_receipt").value).startswith(f"W{earlier:%Y%m%d}-")
    at.text_input(key="w_receipt").input("PAPER-0042").run()  # the paper slip's own number
    at.date_input(key=day_key).set_value(day).run()
    assert at.text_input(key="w_receipt").value == "PAPER-0042"


def _void_on_the_payments_page(at: AppTest, record_id: int, reason: str) -> None:
    goto(at, "payments")
    at.selectbox(key="v_kind").set_value("delivery")
    at.number_input(key="v_id").set_value(record_id).run()
    at.text_input(key="v_reason").input(reason).run()
    at.button(key="v_save").click().run()
    assert f"记录 {record_id} 已作废" in texts(at.success), texts(at.success)


def test_a_slip_voided_then_typed_again_is_not_shown_saved_and_saving_records_it_again(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    at.text_input(key="w_receipt").input("A-0008").run()
    taken = _save_a_slip(at)
    with Store.open(demo_db) as store:
        (first,) = [d for d in store.deliveries(contract_no=number) if d.receipt_no == taken]
    _void_on_the_payments_page(at, first.id, "毛重录错")
    goto(at, "weighing")
    ok(at)
    # the same household, contract, figures and receipt on the form (as the clerk left it,
    # or typed again): its record is voided, so the slip is not saved
    at.text_input(key="w_household_search").input(_name_of(demo_db, number)).run()
    at.selectbox(key="w_contract").set_value(number).run()
    at.text_input(key="w_receipt").input(taken).run()
    at.text_input(key="w_gross").input("52.4").run()
    ok(at)
    assert not any("已保存" in t for t in texts(at.success)), texts(at.success)
    assert not at.button(key="w_save").disabled
    before = _deliveries(demo_db)
    at.button(key="w_save").click().run()
    ok(at)
    assert _deliveries(demo_db) == before + 1
    with Store.open(demo_db) as store:
        again = store.deliveries(contract_no=number)[-1]
    assert (again.receipt_no, again.revision, again.voided) == (taken, 1, False)
    assert f"小票 {taken} 已保存，金额 {helpers.yuan(again.amount)}" in texts(at.success)
    name, page = served_receipt(at, served)
    assert name == f"receipt-{taken}.html"
    assert "更正后第 2 次记录" in page and "已作废" not in page
    # which record it replaces, and that record's void: why and when
    assert f"取代记录 {first.id}（金额 {helpers.yuan(first.amount)}）" in page
    assert f"原记录作废</th><td>{china_today()} 作废，原因：毛重录错</td>" in page
    # the table says why the first record was voided
    table = at.dataframe[0].value
    (row,) = table[table["记录编号"] == first.id].to_dict("records")
    assert row["已作废"] == "✓" and row["作废原因"].startswith("毛重录错（")
    at.button(key="w_save").click().run()  # a second click: still one slip
    assert _deliveries(demo_db) == before + 1


def test_a_saved_slip_priced_again_after_another_void_shows_and_prints_its_current_record(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    day = dt.date(2018, 9, 1)
    with Store.open(demo_db) as store:
        home = _a_lone_household(store)
        signed(
            store,
            chilli_contract(
                "Q-W", home, enterprise=store.enterprises()[0], terms=fixed_terms(quota_kg=D("150"))
            ),
        )
        store.set_market_price("chilli", "fresh", "一级", day, D("1.20"))
        lot = Weighing(gross_kg=D("102.00"), tare_kg=D("2.00"), grade="一级")
        first = store.record_delivery("Q-W", lot, day, "Q-W-1")  # 100 kg of the 150 protected
    at = login(start(demo_db, monkeypatch), "clerk")
    goto(at, "weighing")
    at.text_input(key="w_household_search").input(home.head_name).run()
    at.selectbox(key="w_contract").set_value("Q-W").run()
    at.date_input(key=owned_key("w_day", "Q-W")).set_value(day).run()
    at.text_input(key="w_receipt").input("Q-W-2").run()
    at.text_input(key="w_gross").input("102").run()
    at.text_input(key="w_tare").input("2").run()
    at.button(key="w_save").click().run()
    ok(at)
    assert "小票 Q-W-2 已保存，金额 ¥160.00" in texts(at.success)  # 50 kg at 2.00, 50 at 1.20
    with Store.open(demo_db) as store:  # another clerk voids the first slip meanwhile
        store.void_delivery(first.id, "重复录入", actor="clerk")
        current = store.find_delivery(first.enterprise_uscc, 2018, "Q-W-2")
    assert current is not None and current.amount == D("200.00")  # all 100 kg protected now
    at.text_input(key="w_point").input("城关").run()  # any rerun of the page
    at.text_input(key="w_point").input("").run()
    ok(at)
    assert "小票 Q-W-2 已保存，金额 ¥200.00" in texts(at.success), texts(at.success)
    assert any(f"现为记录 {current.id}" in t for t in texts(at.info)), texts(at.info)
    assert at.button(key="w_save").disabled  # the slip stands: not saved a third time
    _, page = served_receipt(at, served)
    assert "200.00" in page and "已作废" not in page and "更正后第 2 次记录" in page
    with Store.open(demo_db) as store:
        (priced,) = [
            d for d in store.deliveries(contract_no="Q-W") if d.receipt_no == "Q-W-2" and d.voided
        ]
    # the record it replaces (the ¥160.00 one), voided to be priced again after the first's void
    assert f"取代记录 {priced.id}（金额 ¥160.00）" in page
    assert f"{china_today()} 作废，原因：重新计价：记录 {first.id} 作废后" in page


def test_a_slip_saved_while_another_clerk_saves_one_shows_the_price_it_was_saved_at(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another clerk's slip of the contract is written between this page's preview and its
    save, taking 100 kg of the 150 kg quota: the page shows the slip as it was saved (50 kg
    protected), then and on every run after, never the preview nor the slip priced after
    itself."""
    day = dt.date(2018, 9, 1)
    with Store.open(demo_db) as store:
        home = _a_lone_household(store)
        terms = fixed_terms(quota_kg=D("150"))
        signed(store, chilli_contract("Q-R", home, enterprise=store.enterprises()[0], terms=terms))
        store.set_market_price("chilli", "fresh", "一级", day, D("1.20"))
    at = login(start(demo_db, monkeypatch), "clerk")
    goto(at, "weighing")
    at.text_input(key="w_household_search").input(home.head_name).run()
    at.selectbox(key="w_contract").set_value("Q-R").run()
    at.date_input(key=owned_key("w_day", "Q-R")).set_value(day).run()
    at.text_input(key="w_receipt").input("Q-R-1").run()
    at.text_input(key="w_gross").input("102").run()
    at.text_input(key="w_tare").input("2").run()
    assert "¥200.00" in texts(at.metric)  # the preview: all 100 kg protected

    holding, saving = threading.Event(), threading.Event()

    def other_clerk() -> None:  # holds the write lock from before the click to the save
        with Store.open(demo_db) as store, store.transaction():
            lot = Weighing(gross_kg=D("101.00"), tare_kg=D("1.00"), grade="一级")
            store.record_delivery("Q-R", lot, day, "Q-R-2", actor="clerk")
            holding.set()
            saving.wait(30)

    def record_delivery(self: Session, *args: Any, **kwargs: Any) -> Delivery:
        saving.set()  # the page priced its preview; the other slip commits now
        return recording(self, *args, **kwargs)

    recording = Session.record_delivery
    monkeypatch.setattr(Session, "record_delivery", record_delivery)
    other = threading.Thread(target=other_clerk)
    other.start()
    assert holding.wait(30)
    at.button(key="w_save").click().run()
    other.join()
    ok(at)
    with Store.open(demo_db) as store:
        mine = store.find_delivery(store.enterprises()[0].uscc, 2018, "Q-R-1")
    assert mine is not None and mine.amount == D("160.00")  # 50 kg at 2.00, 50 kg at 1.20
    for _ in range(2):  # the run that saved it, and any run after (another click)
        assert "小票 Q-R-1 已保存，金额 ¥160.00" in texts(at.success), texts(at.success)
        assert at.subheader[0].value == "计价（已保存）"
        assert texts(at.metric)[1:] == ["¥160.00", "¥2.00 / ¥1.20"], texts(at.metric)
        assert any("此前已交售 100.00 kg" in t for t in texts(at.info)), texts(at.info)
        at.run()


def test_back_from_another_page_the_form_is_as_the_clerk_left_it(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, number = _weighing_page(demo_db, monkeypatch)
    day_key = owned_key("w_day", number)
    day = at.date_input(key=day_key).value - dt.timedelta(days=1)
    at.date_input(key=day_key).set_value(day).run()
    at.text_input(key="w_point").input("城关收购点").run()
    grade = at.selectbox(key="w_grade").options[1]
    at.selectbox(key="w_grade").set_value(grade).run()
    at.text_input(key="w_receipt").input("PAPER-0042").run()
    at.text_input(key="w_gross").input("40").run()
    before = _deliveries(demo_db)
    goto(at, "payments")
    goto(at, "weighing")
    ok(at)
    assert at.selectbox(key="w_contract").value == number
    assert at.date_input(key=day_key).value == day
    assert at.text_input(key="w_point").value == "城关收购点"
    assert at.selectbox(key="w_grade").value == grade
    assert at.text_input(key="w_receipt").value == "PAPER-0042"
    assert at.text_input(key="w_gross").value == "40"
    assert _deliveries(demo_db) == before


def test_no_household_is_picked_for_the_clerk_and_the_working_day_carries_over(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = login(start(demo_db, monkeypatch), "clerk")
    goto(at, "weighing")
    ok(at)
    # a list of households, none picked: no form to type a slip into for the first of them
    assert len(at.selectbox(key="w_household").options) > 1
    assert at.selectbox(key="w_household").value is None
    assert not [w for w in at.text_input if w.key == "w_gross"]
    assert any("请先查找并选择农户" in t for t in texts(at.info))
    goto(at, "payments")
    goto(at, "weighing")
    assert at.selectbox(key="w_household").value is None  # nor when the clerk comes back
    # a day set for one household's slip is the day the next household's form starts on
    with Store.open(demo_db) as store:
        number, name, day, _ = open_slip(store)
        working = day - dt.timedelta(days=3)
        other, other_name = _open_on(store, number, working)
        days = price_days(market_prices(store), "chilli", store.contract(other).form, "一级")
        assert default_slip_day(store.contract(other), days, china_today()) != working
    at.text_input(key="w_household_search").input(name).run()
    at.selectbox(key="w_contract").set_value(number).run()
    at.date_input(key=owned_key("w_day", number)).set_value(working).run()
    at.text_input(key="w_point").input("城关收购点").run()
    at.text_input(key="w_household_search").input(other_name).run()
    at.selectbox(key="w_contract").set_value(other).run()
    ok(at)
    assert at.date_input(key=owned_key("w_day", other)).value == working
    assert at.text_input(key="w_point").value == "城关收购点"


def _name_of(db: Path, number: str) -> str:
    with Store.open(db) as store:
        return store.household(store.contract(number).household_id).head_name


def _a_lone_household(store: Store) -> Household:
    """A household whose head's name no other household has."""
    homes = store.households()
    names = [h.head_name for h in homes]
    return next(h for h in homes if names.count(h.head_name) == 1)


def _open_on(store: Store, number: str, day: dt.date) -> tuple[str, str]:
    """Another signed contract than ``number`` taking slips on ``day``, of a household whose
    name no other has: its number and the head's name."""
    this = store.contract(number)
    names = [h.head_name for h in store.households()]
    for c in store.contracts(season=this.season):
        name = store.household(c.household_id).head_name
        if (
            c.status.value == "signed"
            and c.household_id != this.household_id
            and c.in_window(day)
            and names.count(name) == 1
        ):
            return c.contract_no, name
    raise LookupError(f"no other contract open on {day}")  # pragma: no cover


def served_receipt(at: AppTest, served: dict[str, tuple[str, bytes]]) -> tuple[str, str]:
    """The receipt the page's 打印小票 button serves: its file name and page."""
    found = _served(at, served, "w_print")
    assert found is not None, "no receipt to print"
    return found[0], found[1].decode()


def test_a_lot_heavier_than_the_contracts_whole_harvest_is_questioned(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,284 kg typed for 128.4 on a few mu of dried chilli: below 5 t, but more than the whole
    contract can give at the crop's highest yield per mu, so saved only once checked."""
    at, number = _weighing_page(demo_db, monkeypatch, dried=True)
    with Store.open(demo_db) as store:
        harvest = store.contract(number).harvest(store.catalog)
    assert harvest is not None
    whole = harvest[0] * harvest[1]
    at.text_input(key="w_gross").input(str(whole)).run()  # the whole harvest in one lot: fine
    assert not any("预计产量" in w for w in texts(at.warning))
    at.text_input(key="w_gross").input(str(whole + 2)).run()  # tare 1 or so: 1 kg above it
    assert any("超过该合同全部预计产量" in w for w in texts(at.warning)), texts(at.warning)
    assert at.button(key="w_save").disabled


def _two_lots_under_a_quota(demo_db: Path, number: str) -> tuple[Household, Delivery]:
    """A lone household's fixed-price contract ``number`` with a quota of 100 kg, the market
    at 1.20 on 1 September, and two lots of 100 kg that day: ``-1`` (from 城关) at the floor
    of 2.00, ``-2`` at the market. The household, and the first lot's record."""
    day = dt.date(2018, 9, 1)
    with Store.open(demo_db) as store:
        home = _a_lone_household(store)
        terms = fixed_terms(quota_kg=D("100"))
        signed(store, chilli_contract(number, home, enterprise=store.enterprises()[0], terms=terms))
        store.set_market_price("chilli", "fresh", "一级", day, D("1.20"))
        lot = Weighing(gross_kg=D("102.00"), tare_kg=D("2.00"), grade="一级")
        first = store.record_delivery(number, lot, day, f"{number}-1", purchase_point="城关")
        store.record_delivery(number, lot, day, f"{number}-2")
    return home, first


def test_a_slip_corrected_on_the_page_is_previewed_and_saved_in_its_place(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    """Voided for its tare and typed again, the first lot under a quota is previewed and saved
    at the floor it was first paid, in its place; the later slip priced again behind it is
    offered for printing again."""
    day = dt.date(2018, 9, 1)
    home, first = _two_lots_under_a_quota(demo_db, "Q-P")
    with Store.open(demo_db) as store:
        store.void_delivery(first.id, "皮重录错")  # Q-P-2 takes the quota: 200.00
    at = login(start(demo_db, monkeypatch), "clerk")
    goto(at, "weighing")
    at.text_input(key="w_household_search").input(home.head_name).run()
    at.selectbox(key="w_contract").set_value("Q-P").run()
    at.date_input(key=owned_key("w_day", "Q-P")).set_value(day).run()
    at.text_input(key="w_receipt").input("Q-P-1").run()
    at.text_input(key="w_gross").input("102").run()
    at.text_input(key="w_tare").input("3").run()  # the tare put right: 99 kg
    ok(at)
    assert any(m.value == "¥198.00" for m in at.metric)  # 99 kg at the floor, as in its place
    at.button(key="w_save").click().run()
    ok(at)
    assert "小票 Q-P-1 已保存，金额 ¥198.00" in texts(at.success), texts(at.success)
    (warning,) = [w for w in texts(at.warning) if "按原顺序重新录入" in w]
    assert "新记录：Q-P-2。" in warning  # its receipt number, not a record id
    found = _served(at, served, "w_print_repriced")
    assert found is not None and "Q-P-2" in found[1].decode()
    with Store.open(demo_db) as store:
        live = [d for d in store.deliveries(contract_no="Q-P") if not d.voided]
    assert [(d.receipt_no, d.amount) for d in live] == [
        ("Q-P-1", D("198.00")),
        ("Q-P-2", D("120.80")),
    ]  # 1 kg at 2.00, 99 at 1.20


def test_a_slip_is_corrected_from_the_weighing_page(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, tuple[str, bytes]]
) -> None:
    """更正一张小票: the slip picked is voided with its reason and its figures come back on the
    form; put right and saved, it is priced in its place. A void with no reason is refused,
    and nothing is voided."""
    home, first = _two_lots_under_a_quota(demo_db, "Q-C")
    at = login(start(demo_db, monkeypatch), "clerk")
    goto(at, "weighing")
    at.text_input(key="w_household_search").input(home.head_name).run()
    at.selectbox(key="w_contract").set_value("Q-C").run()
    at.selectbox(key=owned_key("w_fix_id", "Q-C")).set_value(first.id).run()
    at.button(key="w_fix").click().run()
    assert any("原因" in e for e in texts(at.error)), texts(at.error)  # no reason: refused
    with Store.open(demo_db) as store:
        assert not store.delivery(first.id).voided
    at.text_input(key=owned_key("w_fix_reason", "Q-C")).input("皮重录错").run()
    at.button(key="w_fix").click().run()
    ok(at)
    with Store.open(demo_db) as store:
        assert store.delivery(first.id).voided
    assert any("小票 Q-C-1 已作废，数字已填回表单" in t for t in texts(at.info)), texts(at.info)
    found = _served(at, served, "w_fix_print")  # Q-C-2 took the quota: its receipt again
    assert found is not None and "Q-C-2" in found[1].decode()
    assert at.text_input(key="w_receipt").value == "Q-C-1"
    assert (at.text_input(key="w_gross").value, at.text_input(key="w_tare").value) == (
        "102.00",
        "2.00",
    )
    assert at.text_input(key="w_point").value == "城关"
    at.text_input(key="w_tare").input("3").run()  # put right: 99 kg
    at.button(key="w_save").click().run()
    ok(at)
    assert "小票 Q-C-1 已保存，金额 ¥198.00" in texts(at.success), texts(at.success)
    with Store.open(demo_db) as store:
        live = [d for d in store.deliveries(contract_no="Q-C") if not d.voided]
    assert [(d.receipt_no, d.amount) for d in live] == [
        ("Q-C-1", D("198.00")),
        ("Q-C-2", D("120.80")),
    ]


def test_the_page_numbers_slips_in_sequence_past_every_number_recorded_or_voided(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like a receipt book (W20181030-0001, -0002…), and read from the store on every run: a
    number another scale saved or voided since the form opened is not given again."""
    at, number = _weighing_page(demo_db, monkeypatch)
    with Store.open(demo_db) as store:
        _, _, day, grade = open_slip(store)
    stem = f"W{day:%Y%m%d}-"
    assert at.text_input(key="w_receipt").value == stem + "0001"
    with Store.open(demo_db) as store:  # the other scale saves two slips, one voided since
        lot = Weighing(gross_kg=D("30"), tare_kg=D("1"), grade=grade, moisture=D("0.12"))
        store.record_delivery(number, lot, day, stem + "0001", actor="clerk")
        wrong = store.record_delivery(number, lot, day, stem + "0002", actor="clerk")
        store.void_delivery(wrong.id, "重复录入", actor="clerk")
    before = _deliveries(demo_db)
    at.text_input(key="w_gross").input("52.4").run()
    assert at.text_input(key="w_receipt").value == stem + "0003"
    at.button(key="w_save").click().run()
    ok(at)
    assert any(f"小票 {stem}0003 已保存" in t for t in texts(at.success)), texts(at.success)
    assert _deliveries(demo_db) == before + 1
    at.button(key="w_next").click().run()
    assert at.text_input(key="w_receipt").value == stem + "0004"


@pytest.mark.parametrize("lot", ["the same household's lot of the same figures", "another's"])
def test_two_scales_saving_one_number_at_once_record_both_lots(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, lot: str
) -> None:
    """The other scale saves the number this form shows between this page's run and its
    save: this lot is neither taken for that record nor lost, but renumbered, its figures
    kept, and saved on the next click."""
    at, number = _weighing_page(demo_db, monkeypatch)
    with Store.open(demo_db) as store:
        _, _, day, grade = open_slip(store)
        this = store.contract(number)
        if lot == "another's":
            (enterprise,) = [e for e in store.enterprises() if e.uscc == this.enterprise_uscc]
            home = _a_lone_household(store)
            signed(store, chilli_contract("Q-S", home, enterprise=enterprise))
    at.text_input(key="w_gross").input("52.4").run()
    stem = f"W{day:%Y%m%d}-"
    taken = str(at.text_input(key="w_receipt").value)
    before = _deliveries(demo_db)

    def other_scale() -> Delivery:
        with Store.open(demo_db) as store:
            if lot == "another's":
                other = Weighing(gross_kg=D("80"), tare_kg=D("2"), grade="一级")
                return store.record_delivery("Q-S", other, dt.date(2018, 9, 1), taken)
            same = Weighing(gross_kg=D("52.4"), tare_kg=D(0), grade=grade, moisture=D("0.12"))
            return store.record_delivery(number, same, day, taken, actor="clerk")

    raced: list[Delivery] = []

    def record_delivery(self: Session, *args: Any, **kwargs: Any) -> Delivery:
        if not raced:  # the other scale's slip commits first
            raced.append(other_scale())
        return recording(self, *args, **kwargs)

    recording = Session.record_delivery
    monkeypatch.setattr(Session, "record_delivery", record_delivery)
    at.button(key="w_save").click().run()
    ok(at)
    assert not any("已保存" in t for t in texts(at.success)), texts(at.success)
    assert _deliveries(demo_db) == before + 1  # the other scale's slip only
    fresh = stem + "0002"
    assert at.text_input(key="w_receipt").value == fresh
    said = f"小票号 {taken} 刚被另一张小票（第 {raced[0].id} 号记录）使用，本单未保存。"
    assert f"{said}已换用新号 {fresh}，所填数据不变：请核对后再点「保存小票」。" in texts(at.error)
    assert at.text_input(key="w_gross").value == "52.4"
    at.button(key="w_save").click().run()
    ok(at)
    assert f"小票 {fresh} 已保存" in " ".join(texts(at.success))
    at.button(key="w_save").click().run()  # a second click: still one slip
    assert _deliveries(demo_db) == before + 2
    with Store.open(demo_db) as store:
        mine = store.deliveries(contract_no=number)[-1]
        assert store.delivery(raced[0].id).receipt_no == taken
    assert (mine.receipt_no, mine.weighing.gross_kg, mine.voided) == (fresh, D("52.4"), False)
