"""收购 page: preview before saving, save once, refusals next to their fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import websupport
from streamlit.testing.v1 import AppTest
from websupport import goto, login, ok, open_slip, start, texts

from orderfarm.store import Store
from orderfarm.units import china_today
from orderfarm.web.app import owned_key

demo_template, demo_db = websupport.demo_template, websupport.demo_db


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
    at.button(key="w_save").click().run()
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
