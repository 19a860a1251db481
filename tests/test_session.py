"""The session enforces roles in the library: what the page does, a script cannot bypass."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import websupport
from websupport import open_slip

from orderfarm import Contract, D, Household, InputSupply, Weighing
from orderfarm.auth import Permission, PermissionDenied, Role, User
from orderfarm.errors import ValidationError
from orderfarm.ids import mask_resident_id
from orderfarm.session import Session, sample_households
from orderfarm.store import RefusedError, Store
from orderfarm.supplies import ChargeMode

demo_template, demo_db, demo_store = (
    websupport.demo_template,
    websupport.demo_db,
    websupport.demo_store,
)

ADMIN = User("admin", Role.ADMIN)
CLERK = User("clerk", Role.CLERK)
VIEWER = User("viewer", Role.VIEWER)


def _weighing(grade: str) -> Weighing:
    return Weighing(gross_kg=D("52.40"), tare_kg=D("2.40"), grade=grade, moisture=D("0.15"))


def test_a_viewer_is_denied_a_clerks_action_by_the_library(demo_store: Store) -> None:
    contract_no, _, day, grade = open_slip(demo_store)
    viewer = Session(demo_store, VIEWER)
    before = demo_store.counts()
    with pytest.raises(PermissionDenied) as denied:
        viewer.record_delivery(contract_no, _weighing(grade), day, "R-DENIED")
    assert denied.value.permission is Permission.RECORD_DELIVERY
    assert "viewer (viewer) may not record_delivery" in str(denied.value)
    with pytest.raises(PermissionDenied):
        viewer.quote_slip(contract_no, _weighing(grade), day)
    household = viewer.households()[0]
    with pytest.raises(PermissionDenied):
        viewer.record_payment(household.ref, 2018, D("1.00"), day, "PAY-DENIED")
    with pytest.raises(PermissionDenied):
        viewer.set_market_price("chilli", "dried", grade, day, D("13.00"))
    with pytest.raises(PermissionDenied):
        viewer.import_file(b"x", "households")
    with pytest.raises(PermissionDenied):
        viewer.verify()
    with pytest.raises(PermissionDenied):
        viewer.export("households", full=True)
    assert demo_store.counts() == before


def test_a_clerk_may_not_set_prices_manage_users_or_audit(demo_store: Store) -> None:
    clerk = Session(demo_store, CLERK)
    with pytest.raises(PermissionDenied):
        clerk.set_market_price("chilli", "dried", "一等", dt.date(2018, 9, 1), D("13.00"))
    with pytest.raises(PermissionDenied):
        clerk.add_user("li", Role.ADMIN, "long-enough-pw")
    with pytest.raises(PermissionDenied):
        clerk.audit_log()
    # an import may not write what the role could not write by hand
    with pytest.raises(PermissionDenied):
        clerk.import_file(b"x", "market_prices")
    disabled = Session(demo_store, User("gone", Role.ADMIN, active=False))
    assert not disabled.may(Permission.VIEW_REPORTS)


def test_a_viewer_sees_masked_numbers_and_refers_by_opaque_refs(demo_store: Store) -> None:
    viewer = Session(demo_store, VIEWER, ref_key=b"k" * 16)
    clerk = Session(demo_store, CLERK)
    seen = viewer.households()
    full = clerk.households()
    assert len(seen) == len(full) > 0
    for v, f in zip(seen, full, strict=True):
        assert v.masked and not f.masked
        assert v.resident_id == f.resident_id[:6] + "********" + f.resident_id[-4:]
        assert f.resident_id not in v.ref
        assert v.account == "" or v.account.startswith("*")
        assert v.phone.startswith("*")
    # the ref names the same household, and statements come back masked
    statement = viewer.statement(seen[0].ref, 2018)
    assert statement.household_id == seen[0].resident_id
    assert clerk.statement(full[0].ref, 2018).totals == statement.totals
    assert all("*" in s.household_id for s in viewer.settle(2018))
    assert all("*" in c.household_id for c in viewer.contracts(season=2018))
    html = viewer.statement_html(seen[0].ref, 2018)
    assert full[0].resident_id not in html
    with pytest.raises(PermissionDenied):
        viewer.household_record(seen[0].ref)


def test_the_preview_is_the_price_recorded_and_the_user_is_the_actor(demo_store: Store) -> None:
    contract_no, _, day, grade = open_slip(demo_store)
    clerk = Session(demo_store, CLERK)
    quote = clerk.quote_slip(contract_no, _weighing(grade), day)
    before = demo_store.counts()["deliveries"]
    delivery = clerk.record_delivery(contract_no, _weighing(grade), day, "R-0001")
    assert delivery.quote == quote
    assert delivery.actor == "clerk"
    again = clerk.record_delivery(contract_no, _weighing(grade), day, "R-0001")
    assert again.id == delivery.id
    assert demo_store.counts()["deliveries"] == before + 1
    assert demo_store.audit_log()[-1].actor == "clerk"
    assert "R-0001" in clerk.receipt_html(delivery.id)
    second = clerk.record_delivery(contract_no, _weighing(grade), day, "R-0002")
    page = clerk.receipts_html([delivery.id, second.id])
    # one page, a receipt for each slip, each as its own receipt prints it
    assert page.count("<html") == 1
    assert page.index("R-0001") < page.index("R-0002")
    for one in (delivery, second):
        body = clerk.receipt_html(one.id)
        receipt = body[body.index("<body>") + 6 : body.index("</body>")].strip()
        assert one.receipt_no in receipt and receipt in page


def test_the_preview_refuses_what_recording_would_refuse(demo_store: Store) -> None:
    contract_no, _, _, grade = open_slip(demo_store)
    clerk = Session(demo_store, CLERK)
    with pytest.raises(RefusedError) as refused:
        clerk.quote_slip(contract_no, _weighing(grade), dt.date(2018, 1, 1))
    assert refused.value.fields == ("day",)
    with pytest.raises(ValidationError):
        clerk.quote_slip(contract_no, _weighing("特级"), dt.date(2018, 9, 30))


SEED_BAG = InputSupply("种子", D("1"), "袋", D("10.00"), ChargeMode.ADVANCE)


def test_a_day_after_today_is_refused_as_a_typo_and_nothing_is_written(
    tmp_path: Path, demo_db: Path
) -> None:
    with Store.open(demo_db) as store:
        contract_no, _, day, grade = open_slip(store)
    # the store's clock says what today is: here the day of the slip
    with Store.open(demo_db, clock=lambda: dt.datetime.combine(day, dt.time(10))) as store:
        clerk = Session(store, CLERK)
        before = store.counts()
        later = day + dt.timedelta(days=1)
        home = clerk.households()[0].ref
        refusals = [
            lambda: clerk.quote_slip(contract_no, _weighing(grade), later),
            lambda: clerk.record_delivery(contract_no, _weighing(grade), later, "R-LATER"),
            lambda: clerk.record_payment(home, 2018, D("1.00"), later, "PAY-LATER"),
            lambda: clerk.supply_input(contract_no, SEED_BAG, later, "S-LATER"),
            lambda: clerk.sign_contracts([contract_no], later),
        ]
        for refuse in refusals:
            with pytest.raises(ValidationError) as caught:
                refuse()
            assert caught.value.problems[0].code == "future_date"
            assert f"晚于今天（{day.isoformat()}）" in caught.value.message("zh")
        assert store.counts() == before
        assert clerk.record_delivery(contract_no, _weighing(grade), day, "R-TODAY").receipt_no
    # 07:30 in Shangzhou is 23:30 of the day before on a UTC clock: the slip is today's
    morning = dt.datetime.combine(day, dt.time(23, 30), tzinfo=dt.UTC) - dt.timedelta(days=1)
    with Store.open(demo_db, clock=lambda: morning) as store:
        clerk = Session(store, CLERK)
        assert clerk.record_delivery(contract_no, _weighing(grade), day, "R-MORNING").receipt_no
        with pytest.raises(ValidationError):
            clerk.record_delivery(contract_no, _weighing(grade), later, "R-LATER")


def test_clerk_registers_signs_and_pays(demo_store: Store) -> None:
    clerk = Session(demo_store, CLERK)
    enterprise = demo_store.enterprises()[0]
    home = clerk.add_household(
        Household("张三", "11010519491231002X", "大荆镇", "东沟村", group="一组")
    )
    contracts = [
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no=f"T-{i}",
            enterprise=enterprise,
            household=home,
            season=2019,
            area_mu="1.5",
        )
        for i in range(2)
    ]
    for c in contracts:
        clerk.add_contract(c)
    results = clerk.sign_contracts(["T-0", "T-1", "T-0"], dt.date(2019, 3, 1))
    assert [r.ok for r in results] == [True, True, False]
    assert clerk.contract("T-0").status.value == "signed"
    signs = [e for e in demo_store.audit_log() if e.action == "sign_contract"]
    assert signs[-1].actor == "clerk"


def test_the_inspection_checklist_lists_every_sampled_slip_and_a_household_without_any(
    demo_store: Store, tmp_path: Path
) -> None:
    import openpyxl

    from orderfarm.io.writers import write_table

    admin = Session(demo_store, ADMIN)
    home = admin.add_household(Household("张三", "11010519491231002X", "大荆镇", "东沟村"))
    enterprise = demo_store.enterprises()[0]
    admin.add_contract(
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no="T-NONE",
            enterprise=enterprise,
            household=home,
            season=2018,
            area_mu="1.5",
        )
    )
    everyone = len({c.household_id for c in demo_store.contracts(season=2018)})
    items = admin.inspection_sample(2018, everyone, seed=3)
    slips = [d for item in items for d in item.deliveries]
    empty = [item for item in items if not item.deliveries]
    assert [item.household.head_name for item in empty] == ["张三"]
    before = demo_store.audit_head()[0]
    path = write_table(admin.inspection_table(2018, everyone, 3), tmp_path / "抽查.xlsx")
    (entry,) = demo_store.audit_log(since=before)  # full IDs left the store: audited
    assert (entry.action, entry.actor, entry.ref) == ("export_full", "admin", "inspection")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"2018 年度督察抽查：{everyone} 户，随机种子 3"
    assert rows[1][-2:] == ("核对结果", "备注")
    body = rows[2:]
    assert len(body) == len(slips) + len(empty)
    assert [r[3] for r in body if r[3]] == [d.receipt_no for d in slips]
    header = list(rows[1])
    amount, rejected = header.index("金额（元）"), header.index("拒收")
    assert {"水分", "杂质"} <= set(header)  # what makes a net weight, beside it
    assert sum(Decimal(str(r[amount])) for r in body if r[amount] is not None) == sum(
        (d.amount for d in slips), Decimal(0)
    )
    refused = [r[3] for r in body if r[rejected] == "是"]
    assert refused == [d.receipt_no for d in slips if not d.quote.accepted]
    assert body[[r[0] for r in body].index("张三")][:2] == ("张三", "大荆镇东沟村")
    assert all(r[-2] is None and r[-1] is None for r in body)  # for the inspector to fill
    # a voided slip says why, beside its 已作废 mark, as the paper in the village will not
    for voided in slips:  # one whose household is not paid beyond what would be left
        try:
            admin.void("delivery", voided.id, "磅秤读数录错")
        except RefusedError:
            continue
        break
    table = admin.inspection_table(2018, everyone, 3)
    reason = [c.key for c in table.columns].index("void_reason")
    (row,) = [r for r in table.rows if r[3] == voided.receipt_no and r[reason]]
    assert row[reason] == "磅秤读数录错"
    with pytest.raises(PermissionDenied):
        Session(demo_store, CLERK).inspection_table(2018, 5, 3)


def test_an_inspector_is_a_viewer_who_gets_the_sample_and_checklist_masked(
    demo_store: Store,
) -> None:
    viewer, admin = Session(demo_store, VIEWER), Session(demo_store, ADMIN)
    assert viewer.may(Permission.INSPECT) and not viewer.may(Permission.VIEW_AUDIT)
    seen = viewer.inspection_sample(2018, 5, seed=7)
    full = admin.inspection_sample(2018, 5, seed=7)
    assert [i.household.head_name for i in seen] == [i.household.head_name for i in full]
    assert [i.household.resident_id for i in seen] == [
        mask_resident_id(i.household.resident_id) for i in full
    ]
    before = demo_store.audit_head()
    table = viewer.inspection_table(2018, 5, 7)
    assert demo_store.audit_head() == before  # nothing full left the store: no entry
    ids = {row[2] for row in table.rows}
    assert ids == {i.household.resident_id for i in seen}
    with pytest.raises(PermissionDenied):  # the audit log stays the admin's
        viewer.audit_log()


def test_inspection_samples_are_reproducible(demo_store: Store) -> None:
    admin = Session(demo_store, ADMIN)
    first = admin.inspection_sample(2018, 5, seed=7)
    second = admin.inspection_sample(2018, 5, seed=7)
    other = admin.inspection_sample(2018, 5, seed=8)
    assert [i.household.ref for i in first] == [i.household.ref for i in second]
    assert [i.household.ref for i in first] != [i.household.ref for i in other]
    assert len(first) == 5
    assert any(item.deliveries for item in first)
    assert sample_households(["b", "a", "c"], 2, 1) == sample_households(["c", "b", "a"], 2, 1)
    assert sample_households(["a"], 3, 1) == ["a"]
    with pytest.raises(ValidationError):
        sample_households(["a"], 0, 1)


def test_estimates_and_reports_for_every_role(demo_store: Store) -> None:
    viewer = Session(demo_store, VIEWER)
    est = viewer.estimate("菊芋", "fresh", "2", price_volatility="0")
    assert est.gross > 0
    groups = viewer.estimate_groups(2018, "crop")
    assert {g.key for g in groups} == {"jerusalem_artichoke", "chilli", "chrysanthemum"}
    # the page drawn again reads the same groups, until the store is written
    assert viewer.estimate_groups(2018, "crop") is groups
    assert viewer.estimate_groups(2018, "crop", price_volatility="0") is not groups
    home = demo_store.households()[0]
    demo_store.update_household(attrs.evolve(home, phone="13800000000"))
    again = viewer.estimate_groups(2018, "crop")
    assert again is not groups and again == groups
    total = viewer.report(2018)
    assert len(total) == 1 and total[0].households > 0
    assert viewer.seasons() == [2018]
    assert viewer.market_prices(2018)
    assert viewer.delivered_kg(viewer.contracts(season=2018)[0].contract_no) >= Decimal(0)


def test_admin_manages_users_and_anyone_sets_their_own_password(demo_store: Store) -> None:
    admin = Session(demo_store, ADMIN)
    admin.add_user("li", "viewer", "li-password-1")
    assert "li" in [u.name for u in admin.users()]
    li = Session(demo_store, User("li", Role.VIEWER))
    li.set_password("li", "li-password-2")
    with pytest.raises(PermissionDenied):
        li.set_password("admin", "take-over-admin")
    assert admin.set_role("li", "clerk").role is Role.CLERK
    assert not admin.set_active("li", False).active


def test_a_voided_slip_typed_again_is_recorded_again_and_its_receipts_say_which_counts(
    demo_store: Store,
) -> None:
    contract_no, _, day, grade = open_slip(demo_store)
    clerk = Session(demo_store, CLERK)
    first = clerk.record_delivery(contract_no, _weighing(grade), day, "A-0008")
    assert clerk.current_delivery(first.id) == first
    clerk.void("delivery", first.id, "毛重录错")
    assert clerk.current_delivery(first.id) is None  # voided, and not recorded again
    # as a file imported again: the voided record, nothing written
    assert clerk.record_delivery(contract_no, _weighing(grade), day, "A-0008").id == first.id
    before = demo_store.counts()["deliveries"]
    again = clerk.record_delivery(contract_no, _weighing(grade), day, "A-0008", anew=True)
    assert (again.revision, again.voided, again.amount) == (1, False, first.amount)
    assert demo_store.counts()["deliveries"] == before + 1
    twice = clerk.record_delivery(contract_no, _weighing(grade), day, "A-0008", anew=True)
    assert twice.id == again.id  # the live record is the slip: one slip
    assert clerk.current_delivery(first.id) == again
    assert demo_store.audit_log()[-1].actor == "clerk" and demo_store.verify().ok
    # each paper says whether it counts
    (void,) = clerk.voids("delivery", [first.id, again.id]).values()
    assert (void.record_id, void.reason, void.actor) == (first.id, "毛重录错", "clerk")
    old = clerk.receipt_html(first.id)
    assert "已作废" in old and f"毛重录错（{demo_store.today().isoformat()} 作废）" in old
    new = clerk.receipt_html(again.id)
    assert "已作废" not in new and "更正后第 2 次记录" in new
    both = clerk.receipts_html([first.id, again.id])
    assert both.count('<div class="void">') == 1


def test_a_void_reason_reaches_a_viewer_with_personal_numbers_masked(demo_store: Store) -> None:
    contract_no, _, day, grade = open_slip(demo_store)
    clerk = Session(demo_store, CLERK)
    slip = clerk.record_delivery(contract_no, _weighing(grade), day, "A-0009")
    rid = demo_store.households()[0].resident_id
    clerk.void("delivery", slip.id, f"应记在 {rid} 名下")
    viewer = Session(demo_store, VIEWER)
    reason = viewer.voids("delivery", [slip.id])[slip.id].reason
    assert reason == f"应记在 {mask_resident_id(rid)} 名下"
    assert clerk.voids("delivery", [slip.id])[slip.id].reason == f"应记在 {rid} 名下"
    assert viewer.voids("payment", []) == {}
    with pytest.raises(ValueError, match="no voids"):
        viewer.voids("contract", [1])
