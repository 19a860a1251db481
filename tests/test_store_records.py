"""The store's records on real files: parties, contracts, slips, inputs, payments and voids."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import attrs
import pytest

from orderfarm import (
    CarryPolicy,
    ChargeMode,
    ConflictError,
    ContractStateError,
    ContractStatus,
    D,
    Household,
    InputSupply,
    NotFoundError,
    OverpaymentError,
    PriceTerms,
    PricingError,
    RefusedError,
    Slip,
    Store,
    ValidationError,
    VoidError,
    Weighing,
)
from orderfarm.ids import mask_resident_id
from orderfarm.store import SCHEMA_VERSION
from tests.test_store_support import (
    ENTERPRISE,
    chilli_contract,
    household,
    open_store,
    seeded,
    signed,
)

SEP1 = dt.date(2018, 9, 1)


def slip(gross: str = "102.00", tare: str = "2.00", grade: str = "一级", **kw: str) -> Weighing:
    return Weighing(
        gross_kg=D(gross),
        tare_kg=D(tare),
        grade=grade,
        moisture=D(kw.get("moisture", "0")),
        impurity=D(kw.get("impurity", "0")),
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "season.db") as s:
        yield s


@pytest.fixture
def hh(store: Store):  # type: ignore[no-untyped-def]
    (h,) = seeded(store)
    signed(store, chilli_contract("C1", h))
    return h


def test_a_new_file_gets_the_current_schema_and_pragmas(tmp_path: Path) -> None:
    with open_store(tmp_path / "new.db") as s:
        assert s.schema_version == SCHEMA_VERSION
        conn = s._db.connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert s.verify().ok


def test_parties_round_trip_and_are_idempotent(store: Store) -> None:
    (h,) = seeded(store)
    assert store.household(h.resident_id) == h
    assert store.add_household(h) == h
    assert store.enterprise(ENTERPRISE.uscc) == ENTERPRISE
    assert store.counts()["households"] == 1
    other = household(1, village="另一个村")
    with pytest.raises(ConflictError):
        store.add_household(other)
    store.update_household(other)
    assert store.household(h.resident_id).village == "另一个村"
    assert store.audit_log()[-1].action == "update_household"


def test_a_household_changed_by_another_user_since_it_was_read_is_not_written_over(
    store: Store,
) -> None:
    """Two users open one household; one saves a new phone, then the other a new account
    from what they read: the second is refused, naming the record as it is now, and the phone
    stays. Made from the record as it is now, the change is written."""
    (h,) = seeded(store)
    read_by_clerk = read_by_staff = store.household(h.resident_id)
    store.update_household(attrs.evolve(read_by_clerk, phone="13900000000"), expected=h)
    account = attrs.evolve(read_by_staff, account="6217000000000000001")
    with pytest.raises(ConflictError) as refused:
        store.update_household(account, expected=read_by_staff)
    assert refused.value.code == "household_changed"
    assert refused.value.message("zh") == (
        f"{h.masked_id}（{h.head_name}）在您打开后已被他人修改，未保存"
    )
    now = store.household(h.resident_id)
    assert refused.value.existing == now and now.phone == "13900000000" and not now.account
    both = attrs.evolve(now, account="6217000000000000001")
    assert store.update_household(both, expected=now) == store.household(h.resident_id)
    assert store.household(h.resident_id).phone == "13900000000"


def test_a_contract_number_is_found_whatever_the_case_or_width_it_is_typed_in(
    store: Store,
) -> None:
    (h,) = seeded(store)
    signed(store, chilli_contract("SZ-JY-01", h))
    assert store.contract("sz-jy-01").contract_no == "SZ-JY-01"
    assert store.contract("ＳＺ－ＪＹ－０１").contract_no == "SZ-JY-01"
    slip_ = store.record_delivery("sz-Jy-01", slip(), SEP1, "R-1")
    assert slip_.contract_no == "SZ-JY-01"
    assert [d.receipt_no for d in store.deliveries(contract_no="SZ-JY-01")] == ["R-1"]
    assert [d.receipt_no for d in store.deliveries(contract_no="sz-jy-01")] == ["R-1"]
    assert store.delivered_kg(["SZ-JY-01", "sz-jy-01"]) == {
        "SZ-JY-01": D("100.00"),
        "sz-jy-01": D("100.00"),
    }
    with pytest.raises(ConflictError) as caught:  # nor may another contract take the number
        store.add_contract(chilli_contract("sz-jy-01", h, area="3"))
    assert (caught.value.code, caught.value.params["contract_no"]) == (
        "contract_no_taken",
        "SZ-JY-01",
    )
    with pytest.raises(NotFoundError):
        store.contract("SZ-JY-1")
    assert store.verify().ok


def test_a_grade_the_crop_knows_without_a_floor_in_hand_written_terms_is_paid_the_market(
    store: Store,
) -> None:
    """DESIGN §4: a grade with no floor is not protected; only a grade the crop does not know
    is an error — also when the terms were written with one floor and no list of grades."""
    (h,) = seeded(store)
    terms = PriceTerms(floors={"一级": D("2.00")}, market_linked=False)
    assert terms.grades == ("一级",)
    signed(store, chilli_contract("C-G", h, terms=terms))
    store.set_market_price("chilli", "fresh", "等外", SEP1, D("1.00"))
    lot = store.record_delivery("C-G", slip("11", "1", "等外"), SEP1, "R-1")
    assert (lot.quote.protected_kg, lot.quote.amount) == (D("0"), D("10.00"))
    with pytest.raises(PricingError):  # no market price for 二级 that day
        store.record_delivery("C-G", slip("11", "1", "二级"), SEP1, "R-2")
    with pytest.raises((PricingError, ValidationError)):  # a grade chilli does not have
        store.record_delivery("C-G", slip("11", "1", "特级"), SEP1, "R-3")
    assert store.verify().ok


def test_a_household_born_after_today_is_not_registered(store: Store, tmp_path: Path) -> None:
    from orderfarm.ids import resident_id_check_character
    from orderfarm.io.loading import import_file

    tomorrow = store.today() + dt.timedelta(days=1)
    body = f"611002{tomorrow:%Y%m%d}002"
    later = attrs.evolve(household(1), resident_id=body + resident_id_check_character(body))
    with pytest.raises(ValidationError) as caught:
        store.add_household(later)
    assert caught.value.fields == ("resident_id",)
    assert "晚于今天" in caught.value.messages("zh")[0]
    source = tmp_path / "homes.csv"
    source.write_text(
        f"户主姓名,身份证号,镇/街道办,村\n{later.head_name},{later.resident_id},大荆镇,东沟村\n",
        encoding="utf-8",
    )
    report = import_file(store, source, "households", commit=True, today=store.today())
    assert not report.committed and [p.column for p in report.problems] == ["resident_id"]
    assert store.households() == []


def test_contract_lifecycle_is_audited(store: Store) -> None:
    (h,) = seeded(store)
    c = chilli_contract("C1", h)
    store.add_contract(c)
    assert store.add_contract(c) == c
    with pytest.raises(ConflictError):
        store.add_contract(chilli_contract("C1", h, area="3"))
    with pytest.raises(ContractStateError):
        store.close_contract("C1")
    store.sign_contract("C1", dt.date(2018, 5, 1))
    assert store.contract("C1").status is ContractStatus.SIGNED
    store.terminate_contract("C1", "病虫害绝收")
    after = store.contract("C1")
    assert after.status is ContractStatus.TERMINATED and after.end_reason == "病虫害绝收"
    actions = [(e.action, e.data().get("from"), e.data().get("to")) for e in store.audit_log()]
    assert ("sign_contract", "draft", "signed") in actions
    assert ("terminate_contract", "signed", "terminated") in actions
    assert store.verify().ok


def test_contract_needs_registered_parties(store: Store) -> None:
    store.add_enterprise(ENTERPRISE)
    with pytest.raises(NotFoundError):
        store.add_contract(chilli_contract("C1", household(1)))
    assert store.counts()["contracts"] == 0


def test_delivery_is_priced_and_stored_with_its_portions(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    d = store.record_delivery("C1", slip("102.00", "2.00"), SEP1, "R-0001", purchase_point="板桥")
    assert d.amount == D("200.00")
    assert d.quote.net_kg == D("100.00")
    assert [(p.kg, p.unit_price, p.amount) for p in d.quote.portions] == [
        (D("100.00"), D("2.00"), D("200.00"))
    ]
    assert d.purchase_point == "板桥" and d.household_id == hh.resident_id
    assert store.delivery(d.id) == d
    assert "2.00" in d.quote.explain("zh")
    typed = store._db.connection().execute(
        "SELECT typeof(amount_fen), typeof(net_g), typeof(gross_kg), typeof(protected_price) "
        "FROM deliveries"
    )
    assert tuple(typed.fetchone()) == ("integer", "integer", "text", "text")


def test_re_recording_a_slip_returns_it_and_writes_nothing(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    first = store.record_delivery("C1", slip(), SEP1, "R-0001")
    before = store.counts()
    again = store.record_delivery("C1", slip("102.000", "2.0"), SEP1, "R-0001")
    assert again == first
    assert store.counts() == before


def test_same_receipt_with_other_data_is_refused_naming_both(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    first = store.record_delivery("C1", slip(), SEP1, "R-0001")
    with pytest.raises(ConflictError) as caught:
        store.record_delivery("C1", slip("150.00"), SEP1, "R-0001")
    message = str(caught.value)
    assert f"delivery {first.id}" in message and "102.00" in message and "150.00" in message
    assert store.counts()["deliveries"] == 1


def test_receipt_numbers_are_per_enterprise_and_season(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    signed(store, chilli_contract("C2019", hh, season=2019))
    store.record_delivery("C1", slip(), SEP1, "R-0001")
    store.record_delivery("C2019", slip("50.00"), dt.date(2019, 9, 1), "R-0001")
    assert store.counts()["deliveries"] == 2


def test_the_next_receipt_number_is_past_every_one_recorded_or_voided_under_its_stem(
    store: Store, hh: Household
) -> None:
    stem = "W20180901-"
    assert store.next_receipt_no("C1", stem) == "W20180901-0001"
    store.record_delivery("C1", slip(), SEP1, stem + "0001")
    voided = store.record_delivery("C1", slip("60.00"), SEP1, stem + "0002")
    store.void_delivery(voided.id, "毛重录错")
    store.record_delivery("C1", slip("70.00"), SEP1, stem + "PAPER")  # a clerk's own number
    store.record_delivery("C1", slip("80.00"), SEP1, "W20180902-0009")  # another day's book
    signed(store, chilli_contract("C2019", hh, season=2019))  # another season's
    store.record_delivery("C2019", slip(), dt.date(2019, 9, 1), stem + "0007")
    assert store.next_receipt_no("C1", stem) == "W20180901-0003"
    store.record_delivery("C1", slip("90.00"), SEP1, stem + "12")  # typed without its zeros
    assert store.next_receipt_no("C1", stem) == "W20180901-0013"
    assert store.next_receipt_no("C2019", stem) == "W20180901-0008"


def test_an_issued_receipt_number_already_recorded_is_another_lot_not_that_record(
    store: Store, hh: Household
) -> None:
    """Two scales drew one number: the second lot, even of the same figures, or of another
    household on a number voided since, is refused and nothing is written."""
    store.add_household(household(2))
    signed(store, chilli_contract("C2", household(2)))
    first = store.record_delivery("C1", slip(), SEP1, "W20180901-0001", anew=True)
    voided = store.record_delivery("C1", slip("60.00"), SEP1, "W20180901-0002", anew=True)
    store.void_delivery(voided.id, "毛重录错")
    before = store.counts()
    for contract_no, receipt, other in (
        ("C1", "W20180901-0001", first),  # the same household's next lot, the same figures
        ("C2", "W20180901-0002", voided),  # another household's, on a voided number
    ):
        with pytest.raises(ConflictError) as caught:
            store.record_delivery(contract_no, slip(), SEP1, receipt, anew=True, new_receipt=True)
        assert caught.value.code == "receipt_in_use" and caught.value.field == "receipt_no"
        said = f"小票号: {receipt} 已被第 {other.id} 号收购小票（2018-09-01）使用，未保存"
        assert caught.value.message("zh") == said
    assert store.counts() == before


def test_delivery_on_unsigned_contract_or_outside_window_is_refused(store: Store) -> None:
    (h,) = seeded(store)
    store.add_contract(chilli_contract("C1", h))
    with pytest.raises(RefusedError) as caught:
        store.record_delivery("C1", slip(), dt.date(2018, 12, 1), "R-1")
    assert [p.code for p in caught.value.problems] == ["contract_not_signed", "outside_window"]
    assert "只有已签约的合同" in caught.value.messages("zh")[0]
    store.sign_contract("C1", dt.date(2018, 5, 1))
    with pytest.raises(RefusedError, match="outside the contract's delivery window"):
        store.record_delivery("C1", slip(), dt.date(2018, 7, 31), "R-1")
    assert store.counts()["deliveries"] == 0


def test_a_wet_lot_is_recorded_as_rejected_with_amount_zero(store: Store) -> None:
    (h,) = seeded(store)
    from orderfarm import Contract

    dried = Contract.from_template(
        "chilli",
        "dried",
        contract_no="D1",
        enterprise=ENTERPRISE,
        household=h,
        season=2018,
        area_mu="1",
    )
    signed(store, dried)
    store.set_market_price("chilli", "dried", "一等", SEP1, D("11.00"))
    d = store.record_delivery("D1", slip("50.00", "1.00", "一等", moisture="0.30"), SEP1, "W-1")
    assert not d.accepted and d.amount == D("0.00")
    assert d.quote.rejection_reason and "moisture" in d.quote.rejection_reason
    ok = store.record_delivery("D1", slip("50.00", "1.00", "一等"), SEP1, "W-2")
    assert ok.quote.delivered_before_kg == D("0")  # the rejected lot used none of the quota
    statement = store.statement(h.resident_id, 2018)
    assert [line.reference for line in statement.lines] == ["W-1", "W-2"]
    assert statement.proceeds == ok.amount
    assert store.verify().ok


def test_missing_market_price_for_a_market_linked_contract_is_an_error(store: Store) -> None:
    (h,) = seeded(store)
    from orderfarm import Contract

    signed(
        store,
        Contract.from_template(
            "chilli", "dried", contract_no="D1", enterprise=ENTERPRISE, household=h,
            season=2018, area_mu="1",
        ),
    )  # fmt: skip
    with pytest.raises(PricingError):
        store.record_delivery("D1", slip("50.00", "1.00", "一等"), SEP1, "W-1")
    assert store.counts()["deliveries"] == 0


def test_quota_uses_accepted_kg_already_delivered(store: Store) -> None:
    from tests.test_store_support import fixed_terms

    (h,) = seeded(store)
    signed(store, chilli_contract("Q1", h, terms=fixed_terms(quota_kg=D("150"))))
    store.set_market_price("chilli", "fresh", "一级", SEP1, D("1.20"))
    first = store.record_delivery("Q1", slip("102.00", "2.00"), SEP1, "R-1")
    second = store.record_delivery("Q1", slip("102.00", "2.00"), SEP1, "R-2")
    assert first.amount == D("200.00")
    assert second.quote.delivered_before_kg == D("100.00")
    assert [(p.kg, p.unit_price) for p in second.quote.portions] == [
        (D("50.00"), D("2.00")),
        (D("50.00"), D("1.20")),
    ]
    assert second.amount == D("160.00")
    assert store.verify().ok


def test_money_tables_refuse_update_and_delete(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    store.supply_input(
        "C1", InputSupply("辣椒苗", D("100"), "株", D("0.03")), dt.date(2018, 5, 2), "S-1"
    )
    d = store.record_delivery("C1", slip(), SEP1, "R-1")
    store.record_payment(hh.resident_id, 2018, D("50.00"), SEP1, "P-1")
    assert d.id == 1
    conn = sqlite3.connect(store.path)
    statements = [
        "UPDATE deliveries SET amount_fen = 1",
        "DELETE FROM deliveries",
        "UPDATE input_supplies SET amount_fen = 1",
        "DELETE FROM input_supplies",
        "UPDATE payments SET amount_fen = 1",
        "DELETE FROM payments",
        "UPDATE audit SET actor = 'x'",
        "DELETE FROM audit",
    ]
    for sql in statements:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()
    assert store.verify().ok


def test_void_drops_a_record_out_and_cannot_be_repeated(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    d = store.record_delivery("C1", slip(), SEP1, "R-1")
    store.record_delivery("C1", slip("52.00"), SEP1, "R-2")
    v = store.void_delivery(d.id, "磅秤读数录错", actor="clerk-li")
    assert v.record_id == d.id and v.actor == "clerk-li"
    assert store.delivery(d.id).voided
    assert store.statement(hh.resident_id, 2018).proceeds == D("100.00")
    with pytest.raises(VoidError):
        store.void_delivery(d.id, "again")
    with pytest.raises(ValidationError):
        store.void_delivery(d.id + 1, "   ")
    with pytest.raises(NotFoundError):
        store.void_delivery(999, "no such")
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM delivery_voids")
    conn.close()
    assert store.verify().ok


def test_a_voided_receipt_can_be_recorded_again_with_corrected_data(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    wrong = store.record_delivery("C1", slip("1002.00"), SEP1, "R-1")
    store.void_delivery(wrong.id, "多打了一个0")
    # re-sending the voided slip (a re-import) writes nothing
    assert store.record_delivery("C1", slip("1002.00"), SEP1, "R-1") == store.delivery(wrong.id)
    right = store.record_delivery("C1", slip("102.00"), SEP1, "R-1")
    assert right.revision == 1 and right.amount == D("200.00")
    with pytest.raises(ConflictError):
        store.record_delivery("C1", slip("103.00"), SEP1, "R-1")
    assert store.find_delivery(ENTERPRISE.uscc, 2018, "R-1") == right
    assert store.verify().ok


def test_payments_are_idempotent_by_reference_and_never_overpay(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    store.record_delivery("C1", slip(), SEP1, "R-1")  # 200.00
    p = store.record_payment(hh.resident_id, 2018, D("150.00"), SEP1, "BANK-1", note="一卡通")
    assert (
        store.record_payment(hh.resident_id, 2018, D("150.00"), SEP1, "BANK-1", note="一卡通") == p
    )
    with pytest.raises(ConflictError, match="BANK-1"):
        store.record_payment(hh.resident_id, 2018, D("10.00"), SEP1, "BANK-1")
    with pytest.raises(OverpaymentError):
        store.record_payment(hh.resident_id, 2018, D("50.01"), SEP1, "BANK-2")
    with pytest.raises(TypeError):
        store.record_payment(hh.resident_id, 2018, 50.0, SEP1, "BANK-2")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        store.record_payment(hh.resident_id, 2018, D("0.001"), SEP1, "BANK-2")
    store.record_payment(hh.resident_id, 2018, D("50.00"), SEP1, "BANK-2")
    assert store.totals(hh.resident_id, 2018).balance == D("0.00")
    assert store.counts()["payments"] == 2


def test_voiding_a_paid_delivery_is_refused_until_the_payment_is_voided(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    d = store.record_delivery("C1", slip(), SEP1, "R-1")
    p = store.record_payment(hh.resident_id, 2018, D("200.00"), SEP1, "BANK-1")
    with pytest.raises(RefusedError) as refused:
        store.void_delivery(d.id, "wrong household")
    said = refused.value.message("zh")
    assert f"{hh.head_name}（{mask_resident_id(hh.resident_id)}）2018 年度已付 200.00 元" in said
    assert "超过应付 0.00 元" in said and hh.resident_id not in said
    assert "paid 200.00 yuan" in refused.value.message("en")
    store.void_payment(p.id, "退回")
    store.void_delivery(d.id, "wrong household")
    assert store.totals(hh.resident_id, 2018).balance == D("0.00")
    assert store.verify().ok


def test_a_voided_payments_reference_says_so_when_other_figures_come_under_it(
    store: Store, hh
) -> None:  # type: ignore[no-untyped-def]
    store.record_delivery("C1", slip(), SEP1, "R-1")
    p = store.record_payment(hh.resident_id, 2018, D("150.00"), SEP1, "BANK-1")
    store.void_payment(p.id, "金额录错")
    with pytest.raises(ConflictError) as caught:
        store.record_payment(hh.resident_id, 2018, D("105.00"), SEP1, "BANK-1")
    assert caught.value.code == "payment_reference_voided"
    assert f"BANK-1 已用于第 {p.id} 号付款（2018-09-01），该付款已作废" in caught.value.message(
        "zh"
    )
    # the same payment again (its file imported twice) is still the one recorded
    again = store.record_payment(hh.resident_id, 2018, D("150.00"), SEP1, "BANK-1")
    assert again.id == p.id and store.totals(hh.resident_id, 2018).paid == D("0.00")


def test_inputs_on_an_unsigned_contract_are_refused_for_that_reason_only(store: Store) -> None:
    (h,) = seeded(store)
    store.add_contract(chilli_contract("C1", h))
    with pytest.raises(RefusedError) as caught:
        store.supply_input(
            "C1", InputSupply("辣椒苗", D("100"), "株", D("0.03")), dt.date(2018, 5, 2), "S-1"
        )
    assert [p.code for p in caught.value.problems] == ["contract_not_signed"]
    assert store.counts()["input_supplies"] == 0


def test_inputs_count_as_charges_only_when_advanced(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    day = dt.date(2018, 5, 2)
    store.supply_input("C1", InputSupply("辣椒苗", D("10000"), "株", D("0.03")), day, "S-1")
    store.supply_input(
        "C1", InputSupply("地膜", D("2"), "卷", D("40"), ChargeMode.FREE), day, "S-2"
    )
    again = store.supply_input("C1", InputSupply("辣椒苗", D("10000"), "株", D("0.03")), day, "S-1")
    assert again.id == 1 and store.counts()["input_supplies"] == 2
    with pytest.raises(ConflictError):
        store.supply_input("C1", InputSupply("辣椒苗", D("9000"), "株", D("0.03")), day, "S-1")
    totals = store.totals(hh.resident_id, 2018)
    assert totals.advances == D("300.00") and totals.payable == D("0.00")
    assert [r.amount for r in store.input_records(household_id=hh.resident_id)] == [
        D("300.00"),
        D("80.00"),
    ]


def test_batch_records_many_slips_with_one_audit_entry_per_batch(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    slips = [Slip("C1", slip(f"{10 + i}.00", "1.00"), SEP1, f"B-{i:04d}") for i in range(25)]
    result = store.record_deliveries(slips, batch_size=10)
    assert (result.recorded, result.existing) == (25, 0)
    entries = [e for e in store.audit_log() if e.action == "record_deliveries"]
    assert [e.data()["count"] for e in entries] == [10, 10, 5]
    assert "record" not in entries[0].data()
    again = store.record_deliveries([*slips, Slip("C1", slip(), SEP1, "B-9999")])
    assert (again.recorded, again.existing) == (1, 25)
    assert store.counts()["deliveries"] == 26
    assert store.verify().ok


def test_a_refused_slip_fails_its_batch_only(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    good = [Slip("C1", slip(), SEP1, f"G-{i}") for i in range(4)]
    bad = Slip("C1", slip(), dt.date(2018, 12, 1), "BAD")
    with pytest.raises(RefusedError) as caught:
        store.record_deliveries([*good, bad, Slip("C1", slip(), SEP1, "G-9")], batch_size=2)
    assert any("slip 1 of the batch" in note for note in caught.value.__notes__)
    assert store.counts()["deliveries"] == 4  # the first two batches, none of the third


def test_duplicate_receipt_inside_one_batch(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    same = Slip("C1", slip(), SEP1, "D-1")
    assert store.record_deliveries([same, same]).recorded == 1
    with pytest.raises(ConflictError):
        store.record_deliveries(
            [Slip("C1", slip(), SEP1, "D-2"), Slip("C1", slip("9.00"), SEP1, "D-2")]
        )
    assert store.counts()["deliveries"] == 1


def test_every_write_names_its_actor_and_the_clock_time(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    store.record_delivery("C1", slip(), SEP1, "R-1", actor="收购员王")
    entries = store.audit_log()
    assert entries[0].actor == "script" and entries[-1].actor == "收购员王"
    assert entries[0].at == "2018-11-01T08:00:00+00:00"
    assert entries[-1].data()["record"]["receipt_no"] == "R-1"
    with pytest.raises(ValidationError):
        store.record_delivery("C1", slip(), SEP1, "R-2", actor=" ")


def test_store_is_usable_from_the_same_object_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as s:
        (h,) = seeded(s)
        signed(s, chilli_contract("C1", h, policy=CarryPolicy.WAIVE))
        s.record_delivery("C1", slip(), SEP1, "R-1")
    with Store.open(path) as s:
        assert s.statement(h.resident_id, 2018).proceeds == D("200.00")
        assert s.verify().ok


def test_a_statement_line_reads_in_either_language_with_its_correction(store: Store, hh) -> None:  # type: ignore[no-untyped-def]
    wrong = store.record_delivery("C1", slip("1002.00"), SEP1, "R-1")
    store.void_delivery(wrong.id, "多打了一个0")
    store.record_delivery("C1", slip("102.00"), SEP1, "R-1")
    (line,) = [x for x in store.statement(hh.resident_id, 2018).lines if x.reference == "R-1"]
    assert line.description_in("zh") == "一级 净重 100.00 kg（更正后第 2 次记录）"
    assert line.description_in("en") == "一级 net 100.00 kg (corrected: record 2 of this receipt)"


def test_a_store_opened_with_a_catalog_without_the_crop_still_reads_and_verifies(
    tmp_path: Path,
) -> None:
    from orderfarm.crops import Catalog, default_catalog

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        (h,) = seeded(store)
        signed(store, chilli_contract("C1", h))
        store.record_delivery("C1", slip("10", "1"), SEP1, "R1")
    other = Catalog(tuple(c for c in default_catalog().crops if c.code != "chilli"))
    with Store.open(path, catalog=other) as store:
        assert store.contract("C1").contract_no == "C1"
        assert len(store.deliveries()) == 1
        assert store.verify().ok


def test_a_market_price_grade_typed_with_blanks_is_the_grade(store: Store) -> None:
    """「 一级 」 is 一级 for a market price, as for a weighing."""
    day = dt.date(2018, 9, 1)
    store.set_market_price("朝天椒", "fresh", " 一级 ", day, D("2.40"))
    assert store.market_price("朝天椒", "fresh", "一级", day) == D("2.40")
    assert store.market_price("朝天椒", "fresh", "一级　", day) == D("2.40")
