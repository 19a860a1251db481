"""对账结算 — settling a household's season (DESIGN §5): proceeds, advance recovery, carry-over.

Pure: values in, values out. The store gathers a household's records and calls these.

Per household and season, over records that are not voided:

- ``proceeds`` = Σ delivery amounts (all the household's contracts that season);
- ``charges`` = ``carried_in`` (unrecovered advances carried from earlier seasons)
  + ``advances`` (this season's inputs charged as ``advance``);
- ``recovered`` = min(charges, proceeds);
- ``payable`` = proceeds − recovered (never negative); ``balance`` = payable − Σ payments;
  a payment that would make the balance negative is refused (``OverpaymentError``).

Who refuses it: ``check_payment`` says whether a payment fits the balance, and the store calls
it (and refuses a void that would leave a season overpaid) before anything is written, so no
stored season has a negative balance. ``settle_amounts`` and ``settle_fen`` only compute: given
payments above what is payable, they report the balance as it is, negative, as the store's
checks need to see it.

**How the unrecovered rest splits** (carried to the next season or waived, as each contract
says): proceeds recover the oldest debt first — the charges carried in from earlier seasons —
and then this season's advances. What is left of the carried-in charges is carried again (they
were carried under a ``carry`` contract). What is left of this season's advances is shared
between the household's contracts in proportion to each one's advances, so every advance is
recovered in the same proportion whatever the order it was recorded in:
``carried = round_half_up(unrecovered × advances_carry / advances)`` and
``waived = unrecovered − carried``. Hence ``recovered + carried_out + waived = charges`` exactly,
``carried`` never exceeds the advances of ``carry`` contracts and ``waived`` never exceeds those
of ``waive`` contracts.

What is carried goes to the household's next season that has records (a season without any
carries it through unchanged), and is recovered there from all of that season's proceeds,
whichever enterprise pays them: DESIGN §5 settles per household, not per enterprise.

>>> t = settle_amounts(proceeds=D("800.00"), advances_carry=D("1000.00"))
>>> t.recovered, t.payable, t.carried_out, t.waived
(Decimal('800.00'), Decimal('0.00'), Decimal('200.00'), Decimal('0.00'))
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from orderfarm.checks import Checks, require_decimal
from orderfarm.contracts import CarryPolicy
from orderfarm.errors import OrderfarmError, Problem
from orderfarm.messages import Lang
from orderfarm.money import ZERO, D, from_fen, round_yuan, to_fen

__all__ = [
    "LineKind",
    "OverpaymentError",
    "Statement",
    "StatementLine",
    "Totals",
    "build_statement",
    "check_payment",
    "fold_fen",
    "settle_amounts",
    "settle_fen",
    "settle_ints",
    "totals_of_fen",
]

_CENT = Decimal("0.00")


def overpayment(amount: Decimal, balance: Decimal, season: int) -> Problem:
    """The problem of paying ``amount`` against ``balance``: the amounts grouped by
    thousands, as the figures beside it are."""
    params = {"amount": f"{amount:,.2f}", "balance": f"{balance:,.2f}", "season": season}
    return Problem("amount", "overpayment", params)


class OverpaymentError(OrderfarmError, ValueError):
    """A payment (or a correction) that would make a household's balance negative."""

    def problem(self) -> Problem:
        """The refusal as a problem of the amount, for a form or a file report."""
        return overpayment(self.amount, self.balance, self.season)

    def message(self, lang: Lang = "en") -> str:
        """The refusal in ``lang``."""
        return self.problem().message(lang)

    def __init__(self, household_id: str, season: int, balance: Decimal, amount: Decimal) -> None:
        self.household_id = household_id
        self.season = season
        self.balance = balance
        self.amount = amount
        super().__init__(
            f"household {household_id}, season {season}: paying {amount} would exceed the "
            f"balance of {balance} (超出应付余额 {balance} 元)"
        )


@attrs.frozen
class Totals:
    """The figures of DESIGN §5 for one household and season, in yuan with two decimals."""

    proceeds: Decimal = _CENT
    carried_in: Decimal = _CENT
    advances_carry: Decimal = _CENT
    advances_waive: Decimal = _CENT
    recovered: Decimal = _CENT
    carried_out: Decimal = _CENT
    waived: Decimal = _CENT
    payable: Decimal = _CENT
    paid: Decimal = _CENT
    balance: Decimal = _CENT

    @property
    def advances(self) -> Decimal:
        """This season's advance charges (both policies)."""
        return self.advances_carry + self.advances_waive

    @property
    def charges(self) -> Decimal:
        """Charges to recover: carried in plus this season's advances."""
        return self.carried_in + self.advances


def settle_amounts(
    *,
    proceeds: Decimal = ZERO,
    carried_in: Decimal = ZERO,
    advances_carry: Decimal = ZERO,
    advances_waive: Decimal = ZERO,
    paid: Decimal = ZERO,
) -> Totals:
    """The season's totals from its sums (see the module docstring for the rule); a ``paid``
    above what is payable gives a negative ``balance``, for ``check_payment`` to refuse.

    Every input is a non-negative amount in whole fen (at most two decimal places): another
    is a ``ValidationError`` naming it; ``TypeError`` for a float.
    """
    require_decimal(
        "settle_amounts",
        proceeds=proceeds,
        carried_in=carried_in,
        advances_carry=advances_carry,
        advances_waive=advances_waive,
        paid=paid,
    )
    checks = Checks()
    amounts = {
        "proceeds": proceeds,
        "carried_in": carried_in,
        "advances_carry": advances_carry,
        "advances_waive": advances_waive,
        "paid": paid,
    }
    for name, value in amounts.items():
        if value < ZERO:
            checks.add(name, "non_negative")
        elif round_yuan(value) != value:
            checks.add(name, "not_whole_fen", value=value)
    checks.done()
    return settle_fen(**{name: to_fen(value) for name, value in amounts.items()})


def settle_fen(
    *,
    proceeds: int = 0,
    carried_in: int = 0,
    advances_carry: int = 0,
    advances_waive: int = 0,
    paid: int = 0,
) -> Totals:
    """``settle_amounts`` on whole fen, as the store sums them: the same rule in integers,
    exactly (``round_half_up(a / b)`` is ``(2a + b) // 2b``), with Decimals only in the totals."""
    given = (proceeds, carried_in, advances_carry, advances_waive, paid)
    if not all(type(v) is int and v >= 0 for v in given):  # bool is not int here
        for name, value in zip(
            ("proceeds", "carried_in", "advances_carry", "advances_waive", "paid"),
            given,
            strict=True,
        ):
            if type(value) is not int:
                raise TypeError(f"settle_fen: {name} must be whole fen (int), got {value!r}")
            if value < 0:
                raise ValueError(f"settle_fen: {name} must not be negative, got {value}")
    charges = carried_in + advances_carry + advances_waive
    recovered = min(charges, proceeds)
    recovered_old = min(carried_in, proceeds)
    advances = advances_carry + advances_waive
    unrecovered_new = advances - min(advances, proceeds - recovered_old)
    carried_new = (
        (2 * unrecovered_new * advances_carry + advances) // (2 * advances) if advances else 0
    )
    payable = proceeds - recovered
    return Totals(
        proceeds=from_fen(proceeds),
        carried_in=from_fen(carried_in),
        advances_carry=from_fen(advances_carry),
        advances_waive=from_fen(advances_waive),
        recovered=from_fen(recovered),
        carried_out=from_fen(carried_in - recovered_old + carried_new),
        waived=from_fen(unrecovered_new - carried_new),
        payable=from_fen(payable),
        paid=from_fen(paid),
        balance=from_fen(payable - paid),
    )


#: A season's totals in whole fen, in the order of ``Totals``' fields: proceeds, carried_in,
#: advances_carry, advances_waive, recovered, carried_out, waived, payable, paid, balance.
FenTotals = tuple[int, int, int, int, int, int, int, int, int, int]

#: The totals of a household with nothing in a season.
NO_FEN_TOTALS: FenTotals = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def settle_ints(
    proceeds: int, carried_in: int, advances_carry: int, advances_waive: int, paid: int
) -> FenTotals:
    """The rule of ``settle_fen`` on whole fen, unchecked and without Decimals, for settling
    a county's households at once: every argument must be a non-negative int (the store's
    sums are). All ten figures, in ``Totals``' field order; property-tested against
    ``settle_fen``."""
    recovered_old = carried_in if carried_in < proceeds else proceeds
    left = proceeds - recovered_old
    advances = advances_carry + advances_waive
    if advances:
        unrecovered_new = advances - left if left < advances else 0
        # round_half_up(unrecovered × carry / advances), exactly: (2a + b) // 2b
        carried_new = (2 * unrecovered_new * advances_carry + advances) // (2 * advances)
        recovered = recovered_old + advances - unrecovered_new
    else:
        unrecovered_new = carried_new = 0
        recovered = recovered_old
    payable = proceeds - recovered
    return (
        proceeds,
        carried_in,
        advances_carry,
        advances_waive,
        recovered,
        carried_in - recovered_old + carried_new,
        unrecovered_new - carried_new,
        payable,
        paid,
        payable - paid,
    )


def fold_fen(seasons: Sequence[Sequence[int]], upto: int) -> FenTotals:
    """Season ``upto`` of one household, settled in fen: ``seasons`` are its rows
    (season, proceeds, advances_carry, advances_waive, paid) in ascending season order (a
    season without records may be left out); each earlier season's unrecovered carry-over is
    carried into the next, and rows after ``upto`` are ignored. As ``settle_ints``."""
    carried = 0
    for season, proceeds, carry, waive, paid in seasons:
        if season > upto:
            break
        if season == upto:
            return settle_ints(proceeds, carried, carry, waive, paid)
        carried = settle_ints(proceeds, carried, carry, waive, paid)[5]
    return settle_ints(0, carried, 0, 0, 0)


def totals_of_fen(fen: Sequence[int]) -> Totals:
    """``Totals`` from the ten figures of ``settle_ints``, as yuan with two decimals."""
    return Totals(*[from_fen(v) if v else _CENT for v in fen])


def check_payment(household_id: str, season: int, totals: Totals, amount: Decimal) -> None:
    """Raise ``OverpaymentError`` when paying ``amount`` would make the balance negative."""
    require_decimal("check_payment", amount=amount)
    if amount > totals.balance:
        raise OverpaymentError(household_id, season, totals.balance, amount)


class LineKind(enum.Enum):
    """What a statement line comes from."""

    DELIVERY = "delivery"  # a weighing slip (收购小票); record id and receipt number
    INPUT = "input"  # an input supplied on advance (垫付投入品); recovered from proceeds
    CARRIED = "carried"  # advances carried in from an earlier season (上季结转)
    PAYMENT = "payment"  # a payment to the household (付款); record id and payment reference


@attrs.frozen
class StatementLine:
    """One line of a statement, traceable to its record (``kind`` + ``record_id``).

    ``reference`` is the receipt number, the supply reference, the payment reference or, for a
    carried line, the season it comes from. ``unrecovered`` is the contract's carry policy
    (input lines only).
    """

    kind: LineKind
    record_id: int | None
    reference: str
    day: dt.date | None
    description: str
    amount: Decimal = attrs.field(converter=D)
    contract_no: str = ""
    unrecovered: CarryPolicy | None = None

    def description_in(self, lang: Lang) -> str:
        """The description in one language (the store writes its lines ``中文 / English``)."""
        if " / " not in self.description:
            return self.description
        zh, _, en = self.description.partition(" / ")
        return zh if lang == "zh" else en


@attrs.frozen
class Statement:
    """对账单 — a household's season: its lines and the totals of DESIGN §5."""

    household_id: str
    season: int
    lines: tuple[StatementLine, ...]
    totals: Totals

    def of_kind(self, kind: LineKind) -> tuple[StatementLine, ...]:
        """The lines of one kind, in statement order."""
        return tuple(line for line in self.lines if line.kind is kind)

    @property
    def proceeds(self) -> Decimal:
        """Σ delivery amounts."""
        return self.totals.proceeds

    @property
    def recovered(self) -> Decimal:
        """Advances recovered from the proceeds."""
        return self.totals.recovered

    @property
    def payable(self) -> Decimal:
        """Proceeds less recovered advances."""
        return self.totals.payable

    @property
    def paid(self) -> Decimal:
        """Σ payments."""
        return self.totals.paid

    @property
    def balance(self) -> Decimal:
        """Still to pay: payable less payments."""
        return self.totals.balance


_ORDER = {LineKind.CARRIED: 0, LineKind.INPUT: 1, LineKind.DELIVERY: 2, LineKind.PAYMENT: 3}


def build_statement(household_id: str, season: int, lines: Iterable[StatementLine]) -> Statement:
    """A statement from its lines: the totals are the sums of the lines, settled by the rule.

    Lines are ordered carried, inputs, deliveries, payments; within a kind by day and record id.
    An ``INPUT`` line must name its contract's carry policy.
    """
    ordered = sorted(
        lines,
        key=lambda line: (
            _ORDER[line.kind],
            line.day or dt.date.min,
            line.record_id or 0,
            line.reference,
        ),
    )
    sums = {kind: ZERO for kind in LineKind}
    carry = waive = ZERO
    for line in ordered:
        sums[line.kind] += line.amount
        if line.kind is LineKind.INPUT:
            if line.unrecovered is CarryPolicy.WAIVE:
                waive += line.amount
            elif line.unrecovered is CarryPolicy.CARRY:
                carry += line.amount
            else:
                raise ValueError(f"input line {line.reference!r} needs the contract's policy")
    totals = settle_amounts(
        proceeds=sums[LineKind.DELIVERY],
        carried_in=sums[LineKind.CARRIED],
        advances_carry=carry,
        advances_waive=waive,
        paid=sums[LineKind.PAYMENT],
    )
    return Statement(household_id, season, tuple(ordered), totals)
