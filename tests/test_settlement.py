"""Settling a household's season (DESIGN §5): worked examples and the rule's properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orderfarm import (
    CarryPolicy,
    D,
    LineKind,
    OverpaymentError,
    StatementLine,
    ValidationError,
    build_statement,
    settle_amounts,
)
from orderfarm.settlement import check_payment

amounts = st.integers(min_value=0, max_value=10**9).map(lambda fen: Decimal(fen) / 100)


def test_proceeds_below_advances_are_recovered_up_to_the_proceeds_and_the_rest_carried() -> None:
    t = settle_amounts(proceeds=D("600.00"), advances_carry=D("900.00"))
    assert (t.charges, t.recovered, t.payable, t.carried_out, t.waived) == (
        D("900.00"),
        D("600.00"),
        D("0.00"),
        D("300.00"),
        D("0.00"),
    )
    following = settle_amounts(
        proceeds=D("1000.00"), carried_in=t.carried_out, advances_carry=D("500.00")
    )
    assert (following.recovered, following.payable, following.carried_out) == (
        D("800.00"),
        D("200.00"),
        D("0.00"),
    )


def test_a_waiving_contract_writes_the_rest_off() -> None:
    t = settle_amounts(proceeds=D("600.00"), advances_waive=D("900.00"))
    assert (t.recovered, t.payable, t.carried_out, t.waived) == (
        D("600.00"),
        D("0.00"),
        D("0.00"),
        D("300.00"),
    )


def test_mixed_policies_share_the_unrecovered_rest_in_proportion_to_advances() -> None:
    t = settle_amounts(proceeds=D("500.00"), advances_carry=D("600.00"), advances_waive=D("400.00"))
    assert (t.recovered, t.carried_out, t.waived) == (D("500.00"), D("300.00"), D("200.00"))


def test_carried_in_charges_are_recovered_first_and_carried_again() -> None:
    t = settle_amounts(
        proceeds=D("500.00"),
        carried_in=D("100.00"),
        advances_carry=D("600.00"),
        advances_waive=D("400.00"),
    )
    # 100 carried in recovered first; 400 left for 1000 of advances; 600 unrecovered: 60 % carried
    assert (t.recovered, t.carried_out, t.waived) == (D("500.00"), D("360.00"), D("240.00"))
    none_left = settle_amounts(carried_in=D("100.00"), advances_waive=D("50.00"))
    assert (none_left.carried_out, none_left.waived) == (D("100.00"), D("50.00"))


def test_a_share_that_is_not_a_whole_fen_is_rounded_once_half_up() -> None:
    t = settle_amounts(advances_carry=D("100.00"), advances_waive=D("200.00"))
    assert (t.carried_out, t.waived) == (D("100.00"), D("200.00"))
    t = settle_amounts(proceeds=D("200.00"), advances_carry=D("100.00"), advances_waive=D("200.00"))
    # 100.00 unrecovered × 1/3 = 33.333… → 33.33 carried, 66.67 waived
    assert (t.carried_out, t.waived) == (D("33.33"), D("66.67"))
    t = settle_amounts(proceeds=D("0.01"), advances_carry=D("0.01"), advances_waive=D("0.02"))
    # 0.02 × 1/3 = 0.00666… → 0.01 carried, 0.01 waived
    assert (t.carried_out, t.waived) == (D("0.01"), D("0.01"))


def test_payments_reduce_the_balance_and_an_overpayment_is_refused() -> None:
    t = settle_amounts(proceeds=D("1200.00"), advances_carry=D("200.00"), paid=D("700.00"))
    assert (t.payable, t.balance) == (D("1000.00"), D("300.00"))
    check_payment("x", 2018, t, D("300.00"))
    with pytest.raises(OverpaymentError, match=r"300\.00"):
        check_payment("x", 2018, t, D("300.01"))


def test_settle_amounts_reports_an_overpaid_balance_for_check_payment_to_refuse() -> None:
    t = settle_amounts(proceeds=D("300.00"), advances_carry=D("100.00"), paid=D("200.01"))
    assert (t.payable, t.balance) == (D("200.00"), D("-0.01"))
    paid_up = settle_amounts(proceeds=D("300.00"), advances_carry=D("100.00"), paid=D("200.00"))
    with pytest.raises(OverpaymentError):  # the payment that would lead there is refused
        check_payment("x", 2018, paid_up, D("0.01"))


@pytest.mark.parametrize(
    ("given", "field", "reason"),
    [
        ({"proceeds": D("1.005")}, "proceeds", "must be a whole number of fen"),
        ({"paid": D("-1")}, "paid", "must not be negative"),
        ({"carried_in": D("0.001")}, "carried_in", "must be a whole number of fen"),
    ],
)
def test_settle_amounts_names_an_amount_it_cannot_take_and_why(
    given: dict[str, Decimal], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        settle_amounts(**given)
    assert caught.value.fields == (field,)
    assert reason in str(caught.value)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        settle_amounts(proceeds=12.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        settle_amounts(proceeds=D("0.001"))
    with pytest.raises(ValueError):
        settle_amounts(paid=D("-1"))


def _line(kind: LineKind, n: int, amount: str, **kw: object) -> StatementLine:
    return StatementLine(kind, n, f"{kind.value}-{n}", dt.date(2018, 9, n), "", D(amount), **kw)  # type: ignore[arg-type]


def test_a_statement_sums_its_lines_and_orders_them() -> None:
    s = build_statement(
        "611002196503010011",
        2018,
        [
            _line(LineKind.PAYMENT, 3, "100.00"),
            _line(LineKind.DELIVERY, 2, "800.00", contract_no="A"),
            _line(LineKind.DELIVERY, 1, "400.00", contract_no="B"),
            _line(LineKind.INPUT, 1, "300.00", contract_no="A", unrecovered=CarryPolicy.CARRY),
            StatementLine(LineKind.CARRIED, None, "2017", None, "carried", D("50.00")),
        ],
    )
    assert [line.kind for line in s.lines] == [
        LineKind.CARRIED,
        LineKind.INPUT,
        LineKind.DELIVERY,
        LineKind.DELIVERY,
        LineKind.PAYMENT,
    ]
    assert [line.record_id for line in s.of_kind(LineKind.DELIVERY)] == [1, 2]
    assert (s.proceeds, s.recovered, s.payable, s.paid, s.balance) == (
        D("1200.00"),
        D("350.00"),
        D("850.00"),
        D("100.00"),
        D("750.00"),
    )


def test_an_input_line_needs_its_contract_policy() -> None:
    with pytest.raises(ValueError):
        build_statement("x", 2018, [_line(LineKind.INPUT, 1, "1.00")])


@given(proceeds=amounts, carried_in=amounts, carry=amounts, waive=amounts, paid=amounts)
@example(proceeds=D("0.01"), carried_in=D("0"), carry=D("0.01"), waive=D("0.02"), paid=D("0"))
def test_recovery_never_exceeds_charges_or_proceeds_and_every_fen_is_accounted_for(
    proceeds: Decimal, carried_in: Decimal, carry: Decimal, waive: Decimal, paid: Decimal
) -> None:
    t = settle_amounts(
        proceeds=proceeds,
        carried_in=carried_in,
        advances_carry=carry,
        advances_waive=waive,
        paid=paid,
    )
    assert t.recovered == min(t.charges, proceeds)
    assert t.recovered + t.carried_out + t.waived == t.charges
    assert t.payable == proceeds - t.recovered >= 0
    assert t.balance == t.payable - paid
    assert 0 <= t.waived <= waive
    assert carried_in - min(carried_in, proceeds) <= t.carried_out <= carried_in + carry
    for value in (t.recovered, t.carried_out, t.waived, t.payable, t.balance):
        assert value.as_tuple().exponent == -2


@given(proceeds=amounts, more=amounts, carried_in=amounts, carry=amounts, waive=amounts)
def test_more_proceeds_never_lower_the_payable_nor_raise_what_is_carried(
    proceeds: Decimal, more: Decimal, carried_in: Decimal, carry: Decimal, waive: Decimal
) -> None:
    def run(p: Decimal):  # type: ignore[no-untyped-def]
        return settle_amounts(
            proceeds=p, carried_in=carried_in, advances_carry=carry, advances_waive=waive
        )

    low, high = run(proceeds), run(proceeds + more)
    assert high.payable >= low.payable
    assert high.recovered >= low.recovered
    assert high.carried_out <= low.carried_out
    assert high.waived <= low.waived


@given(proceeds=amounts, carried_in=amounts, advances=amounts)
def test_one_policy_carries_or_waives_all_of_the_rest(
    proceeds: Decimal, carried_in: Decimal, advances: Decimal
) -> None:
    carry = settle_amounts(proceeds=proceeds, carried_in=carried_in, advances_carry=advances)
    waive = settle_amounts(proceeds=proceeds, carried_in=carried_in, advances_waive=advances)
    assert carry.waived == 0
    assert waive.carried_out == carried_in - min(carried_in, proceeds)
    assert carry.carried_out + 0 == waive.carried_out + waive.waived
    assert carry.payable == waive.payable


@given(
    lines=st.lists(
        st.tuples(st.sampled_from(list(LineKind)), amounts, st.sampled_from(list(CarryPolicy))),
        max_size=20,
    )
)
def test_statement_totals_equal_the_rule_applied_to_the_sums_of_its_lines(
    lines: list[tuple[LineKind, Decimal, CarryPolicy]],
) -> None:
    built = [
        StatementLine(
            kind,
            i,
            str(i),
            None,
            "",
            amount,
            unrecovered=policy if kind is LineKind.INPUT else None,
        )
        for i, (kind, amount, policy) in enumerate(lines)
    ]
    s = build_statement("x", 2018, built)

    def total(kind: LineKind, policy: CarryPolicy | None = None) -> Decimal:
        return sum(
            (a for k, a, p in lines if k is kind and (policy is None or p is policy)), Decimal(0)
        )

    assert s.totals == settle_amounts(
        proceeds=total(LineKind.DELIVERY),
        carried_in=total(LineKind.CARRIED),
        advances_carry=total(LineKind.INPUT, CarryPolicy.CARRY),
        advances_waive=total(LineKind.INPUT, CarryPolicy.WAIVE),
        paid=total(LineKind.PAYMENT),
    )
    assert len(s.lines) == len(lines)
