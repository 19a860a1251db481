"""Price terms, input supplies and contracts: validation, lifecycle and templates."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from strategies import contracts, price_terms

from orderfarm import (
    CarryPolicy,
    ChargeMode,
    Contract,
    ContractStateError,
    ContractStatus,
    D,
    Enterprise,
    Household,
    InputSupply,
    PriceTerms,
    ValidationError,
    default_catalog,
)

USCC = "91611002MA6YQKCR9U"
ID_1965 = "61100219650301002X"
SIGNED_ON = dt.date(2018, 4, 2)


def contract(**changes: object) -> Contract:
    values: dict[str, object] = {
        "contract_no": "SZ-2018-LJ-0001",
        "enterprise_uscc": USCC,
        "household_id": ID_1965,
        "crop": "chilli",
        "form": "fresh",
        "season": 2018,
        "area_mu": D("2.5"),
        "terms": PriceTerms(floors={"一级": D("1.60")}),
    }
    values.update(changes)
    return Contract(**values)  # type: ignore[arg-type]


# --- price terms -------------------------------------------------------------------------


def test_terms_report_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        PriceTerms(
            floors={"一级": D("1.60"), "二级": D("0")},
            premium=D("1.2"),
            ceiling=D("1.50"),
            moisture_standard=D("0.14"),
            moisture_max=D("0.10"),
            quota_kg=D("600.125"),
        )
    assert set(caught.value.fields) == {
        "floors.二级",
        "ceiling",
        "premium",
        "moisture_max",
        "quota_kg",
    }


def test_terms_need_a_floor_and_know_their_grades() -> None:
    with pytest.raises(ValidationError) as empty:
        PriceTerms(floors={})
    assert empty.value.fields == ("floors",)
    with pytest.raises(ValidationError) as stray:
        PriceTerms(floors={"特级": D("2")}, grades=("一级", "二级"))
    assert stray.value.fields == ("floors",)
    terms = PriceTerms(floors={"一级": "1.60", "二级": 1})
    assert terms.grades == ("一级", "二级")
    assert terms.floors == {"一级": D("1.60"), "二级": D(1)}
    assert terms.floor("等外") is None


def test_a_ceiling_equal_to_the_highest_floor_is_allowed() -> None:
    terms = PriceTerms(floors={"一级": D("1.60"), "二级": D("1.40")}, ceiling=D("1.60"))
    assert terms.ceiling == D("1.60")


def test_terms_cannot_be_changed_in_place() -> None:
    # A signed contract's floors are what the household was promised; no silent edits.
    terms = PriceTerms(floors={"一级": D("1.60")})
    with pytest.raises(TypeError):
        terms.floors["一级"] = D("0.80")  # type: ignore[index]
    with pytest.raises(TypeError):
        terms.floors.update({"一级": D("0.80")})  # type: ignore[attr-defined]
    assert terms.floor("一级") == D("1.60")
    lower = attrs.evolve(terms, floors={"一级": D("1.50")})  # changing means new terms
    assert lower.floor("一级") == D("1.50")


@given(price_terms())
def test_terms_are_hashable_values(terms: PriceTerms) -> None:
    same = PriceTerms(**{a.name: getattr(terms, a.name) for a in attrs.fields(PriceTerms)})
    assert same == terms
    assert hash(same) == hash(terms)


def test_terms_from_a_form_take_its_defaults_and_overrides() -> None:
    dried = default_catalog().form("朝天椒", "dried")
    terms = PriceTerms.from_form(dried, premium=D("0.05"))
    assert terms.floors == dried.floors
    assert terms.grades == dried.grades
    assert (terms.moisture_standard, terms.moisture_max) == (D("0.14"), D("0.22"))
    assert terms.premium == D("0.05")
    assert terms.market_linked


# --- input supplies ----------------------------------------------------------------------


def test_input_amount_is_quantity_times_cost_rounded_half_up() -> None:
    # 12 345 seedlings × 0.035 yuan = 432.075 → 432.08
    seedlings = InputSupply("辣椒苗", D("12345"), "株", D("0.035"))
    assert seedlings.amount == D("432.08")
    assert seedlings.charge is ChargeMode.ADVANCE


def test_input_supply_reports_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        InputSupply(" ", D("0"), "", D("-1"))
    assert set(caught.value.fields) == {"item", "quantity", "unit", "unit_cost"}
    with pytest.raises(TypeError):
        InputSupply("地膜", 2.5, "卷", D("30"))  # type: ignore[arg-type]


# --- contracts ---------------------------------------------------------------------------


def test_contract_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        contract(
            contract_no="",
            area_mu=D("0"),
            season=1999,
            delivery_start=dt.date(2018, 10, 31),
            delivery_end=dt.date(2018, 8, 1),
        )
    assert set(caught.value.fields) == {"contract_no", "area_mu", "season", "delivery_end"}


def test_contract_area_is_decimal_mu() -> None:
    with pytest.raises(TypeError):
        contract(area_mu=2.5)
    with pytest.raises(ValidationError) as caught:
        contract(area_mu=D("1.00001"))  # finer than 0.0001 mu is a typing mistake
    assert caught.value.fields == ("area_mu",)


def test_delivery_window_admits_days_within_it() -> None:
    deal = contract(delivery_start=dt.date(2018, 8, 1), delivery_end=dt.date(2018, 10, 31))
    assert deal.in_window(dt.date(2018, 8, 1))
    assert deal.in_window(dt.date(2018, 10, 31))
    assert not deal.in_window(dt.date(2018, 11, 1))
    assert contract().in_window(dt.date(2030, 1, 1))  # an open window


def test_lifecycle_draft_signed_closed() -> None:
    draft = contract()
    assert draft.status is ContractStatus.DRAFT
    signed = draft.sign(SIGNED_ON)
    assert (signed.status, signed.signed_on) == (ContractStatus.SIGNED, SIGNED_ON)
    closed = signed.close()
    assert closed.status is ContractStatus.CLOSED
    assert draft.status is ContractStatus.DRAFT  # each step returns a new contract


def test_lifecycle_draft_cancelled() -> None:
    cancelled = contract().cancel("农户改种玉米")
    assert cancelled.status is ContractStatus.CANCELLED
    assert cancelled.end_reason == "农户改种玉米"


def test_termination_needs_a_reason() -> None:
    signed = contract().sign(SIGNED_ON)
    with pytest.raises(ValidationError) as caught:
        signed.terminate("  ")
    assert caught.value.fields == ("end_reason",)
    ended = signed.terminate("企业停产")
    assert (ended.status, ended.end_reason) == (ContractStatus.TERMINATED, "企业停产")
    with pytest.raises(ValidationError):
        contract(status=ContractStatus.TERMINATED)  # nor can one be built without a reason


STEPS = {
    "sign": lambda c: c.sign(SIGNED_ON),
    "cancel": lambda c: c.cancel(),
    "close": lambda c: c.close(),
    "terminate": lambda c: c.terminate("灾害绝收"),
}
ALLOWED = {
    (ContractStatus.DRAFT, "sign"): ContractStatus.SIGNED,
    (ContractStatus.DRAFT, "cancel"): ContractStatus.CANCELLED,
    (ContractStatus.SIGNED, "close"): ContractStatus.CLOSED,
    (ContractStatus.SIGNED, "terminate"): ContractStatus.TERMINATED,
}


@pytest.mark.parametrize("status", list(ContractStatus))
@pytest.mark.parametrize("step", list(STEPS))
def test_each_lifecycle_step_is_allowed_only_from_its_status(
    status: ContractStatus, step: str
) -> None:
    start = contract(status=status, end_reason="原因" if status.value == "terminated" else "")
    target = ALLOWED.get((status, step))
    if target is None:
        with pytest.raises(ContractStateError, match=status.value):
            STEPS[step](start)
    else:
        assert STEPS[step](start).status is target


def test_a_step_refused_by_the_status_is_said_in_either_language() -> None:
    signed = contract(status=ContractStatus.SIGNED)
    with pytest.raises(ContractStateError) as caught:
        signed.sign(dt.date(2018, 3, 1))
    number = signed.contract_no
    assert str(caught.value) == f"contract {number}: a signed contract cannot be signed"
    assert caught.value.message("zh") == f"合同 {number} 状态为「已签约」，不能签约"
    with pytest.raises(ContractStateError) as caught:
        contract(status=ContractStatus.DRAFT).close()
    assert caught.value.message("zh").endswith("状态为「草稿」，不能结束")


@given(contracts(), st.sampled_from(list(STEPS)))
def test_any_contract_steps_by_the_table_or_raises(deal: Contract, step: str) -> None:
    target = ALLOWED.get((deal.status, step))
    if target is None:
        with pytest.raises(ContractStateError):
            STEPS[step](deal)
    else:
        after = STEPS[step](deal)
        assert after.status is target
        assert attrs.evolve(after, status=deal.status, signed_on=deal.signed_on,
                            end_reason=deal.end_reason) == deal  # fmt: skip


FORMS = [(crop.code, form.code) for crop in default_catalog().crops for form in crop.forms]


@pytest.mark.parametrize(("crop", "form"), FORMS)
def test_from_template_uses_the_catalog_defaults(crop: str, form: str) -> None:
    product = default_catalog().form(crop, form)
    firm = Enterprise("商洛某农业科技有限公司", USCC)
    home = Household("王秀兰", ID_1965, "大荆镇", "南村")
    deal = Contract.from_template(
        default_catalog().crop(crop).name_zh,  # found by its Chinese name
        product.name_zh,
        contract_no="SZ-2018-0001",
        enterprise=firm,
        household=home,
        season=2018,
        area_mu="2.5",
    )
    assert (deal.crop, deal.form) == (crop, form)
    assert (deal.enterprise_uscc, deal.household_id) == (USCC, ID_1965)
    assert deal.status is ContractStatus.DRAFT
    assert deal.area_mu == D("2.5")
    assert deal.terms.floors == product.floors
    assert deal.terms.grades == product.grades
    assert deal.terms.market_linked
    assert (deal.terms.moisture_standard, deal.terms.moisture_max) == (
        product.moisture_standard,
        product.moisture_max,
    )
    assert (deal.delivery_start, deal.delivery_end) == product.delivery_window(2018)
    assert [(i.item, i.quantity, i.unit_cost, i.charge) for i in deal.inputs] == [
        (d.item, d.quantity_per_mu * D("2.5"), d.unit_cost, d.charge) for d in product.inputs
    ]
    assert deal.unrecovered is CarryPolicy.CARRY


def test_from_template_overrides_single_terms_or_fields() -> None:
    deal = Contract.from_template(
        "朝天椒",
        "dried",
        contract_no="SZ-2018-LJ-0001",
        enterprise=USCC,
        household=ID_1965,
        season=2018,
        area_mu="2.5",
        terms_overrides={"premium": D("0.05"), "quota_kg": D("600")},
        unrecovered=CarryPolicy.WAIVE,
    )
    assert (deal.terms.premium, deal.terms.quota_kg) == (D("0.05"), D("600"))
    assert deal.terms.floors["一等"] == D("12.00")
    assert deal.unrecovered is CarryPolicy.WAIVE
    # seedlings: 12 000 per mu × 2.5 mu = 30 000, advanced and recovered at settlement
    (seedlings,) = deal.inputs
    assert (seedlings.quantity, seedlings.amount) == (D("30000"), D("900.00"))


def test_from_template_refuses_grades_unknown_to_the_crop() -> None:
    with pytest.raises(ValidationError) as caught:
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no="X-1",
            enterprise=USCC,
            household=ID_1965,
            season=2018,
            area_mu="1",
            terms=PriceTerms(floors={"特级": D("2.00")}),
        )
    assert caught.value.fields == ("terms.grades",)


def test_from_template_reports_an_impossible_season_on_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no="X-1",
            enterprise=USCC,
            household=ID_1965,
            season=0,
            area_mu="1",
        )
    assert caught.value.fields == ("season",)


@pytest.mark.parametrize(
    ("season", "reason"),
    [
        ("2018", "a whole number (a year, such as 2018), not text: '2018'"),
        (D("2018.5"), "a whole number (a year, such as 2018), got Decimal('2018.5')"),
        (True, "a whole number (a year, such as 2018), got True"),
        (1999, "a year between 2000 and 2100, got 1999"),
    ],
)
def test_a_season_that_is_not_a_year_says_why(season: object, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no="X-1",
            enterprise=USCC,
            household=ID_1965,
            season=season,  # type: ignore[arg-type]  # what a script may pass
            area_mu="1",
        )
    assert caught.value.fields == ("season",)
    assert str(caught.value) == f"season: season must be {reason}"
    assert "年度须" in caught.value.message("zh")


def test_from_template_refuses_a_float_area() -> None:
    with pytest.raises(TypeError):
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no="X-1",
            enterprise=USCC,
            household=ID_1965,
            season=2018,
            area_mu=2.5,  # type: ignore[arg-type]
        )


def test_charge_mode_given_as_text_is_the_mode() -> None:
    # Settlement recovers inputs whose charge *is* ChargeMode.ADVANCE; text must not slip by.
    film = InputSupply("地膜", D("2"), "卷", D("30"), "advance")  # type: ignore[arg-type]
    assert film.charge is ChargeMode.ADVANCE
    with pytest.raises(ValidationError) as caught:
        InputSupply("地膜", D("2"), "卷", D("30"), "credit")  # type: ignore[arg-type]
    assert caught.value.fields == ("charge",)


def test_contract_holds_its_inputs_as_a_tuple_of_supplies() -> None:
    film = InputSupply("地膜", D("2"), "卷", D("30"))
    deal = contract(inputs=[film])
    assert deal.inputs == (film,)
    assert hash(deal) == hash(contract(inputs=(film,)))
    with pytest.raises(TypeError):
        contract(inputs=[{"item": "地膜"}])
    with pytest.raises(TypeError):
        contract(terms={"一级": D("1.60")})


def test_signing_needs_a_day() -> None:
    with pytest.raises(TypeError):
        contract().sign("2018-04-02")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        contract().sign(dt.datetime(2018, 4, 2, 9, 30))


class ContractLifecycle(RuleBasedStateMachine):
    """Any sequence of steps a clerk might try: the contract follows the table or refuses."""

    def __init__(self) -> None:
        super().__init__()
        self.deal = contract()
        self.history = [ContractStatus.DRAFT]

    @rule(step=st.sampled_from(list(STEPS)))
    def try_step(self, step: str) -> None:
        target = ALLOWED.get((self.deal.status, step))
        if target is None:
            with pytest.raises(ContractStateError):
                STEPS[step](self.deal)
        else:
            self.deal = STEPS[step](self.deal)
            self.history.append(target)

    @invariant()
    def status_only_moves_forward(self) -> None:
        assert self.deal.status is self.history[-1]
        assert len(self.history) <= 3  # draft → signed → closed/terminated at most
        if self.deal.status in (ContractStatus.SIGNED, ContractStatus.CLOSED):
            assert self.deal.signed_on == SIGNED_ON
        if self.deal.status is ContractStatus.TERMINATED:
            assert self.deal.end_reason


TestContractLifecycle = ContractLifecycle.TestCase


@pytest.mark.parametrize("area", ["0", "-1"])
def test_a_template_contract_of_no_area_is_refused_for_its_area(area: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Contract.from_template(
            "菊芋",
            "fresh",
            contract_no="C-0",
            enterprise=USCC,
            household=ID_1965,
            season=2018,
            area_mu=area,
        )
    assert [p.field for p in caught.value.problems] == ["area_mu"]
    assert caught.value.message("zh") == "面积（亩）: 必须大于 0"
