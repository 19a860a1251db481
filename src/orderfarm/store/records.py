"""What the store hands back: stored records with their ids, batch results, reports, checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs

from orderfarm.messages import Lang, render
from orderfarm.pricing import Quote, Weighing
from orderfarm.settlement import Totals
from orderfarm.supplies import InputSupply


@attrs.frozen
class Slip:
    """收购小票 — one weighing slip to record: contract, weighing, day and receipt number."""

    contract_no: str
    weighing: Weighing
    day: dt.date
    receipt_no: str
    purchase_point: str = ""


@attrs.frozen
class Delivery:
    """A recorded delivery (交售): the slip, its quote with portions, and whether it is voided.

    ``revision`` counts re-recordings of a receipt number after its earlier record was voided.
    """

    id: int
    contract_no: str
    household_id: str
    enterprise_uscc: str
    season: int
    receipt_no: str
    revision: int
    day: dt.date
    purchase_point: str
    weighing: Weighing
    quote: Quote
    actor: str
    recorded_at: str
    voided: bool = False
    #: recording it (a slip typed again in its voided record's place) priced these later
    #: slips of its contract again: their new records, whose receipts are to be printed again
    repriced: tuple[int, ...] = attrs.field(default=(), eq=False)

    @property
    def amount(self) -> Decimal:
        """The amount paid for the lot (0 for a rejected lot)."""
        return self.quote.amount

    @property
    def accepted(self) -> bool:
        """False for a lot rejected at the scale (over the maximum moisture)."""
        return self.quote.accepted


@attrs.frozen
class InputRecord:
    """An input supplied under a contract (统一配发), with how it is charged."""

    id: int
    contract_no: str
    household_id: str
    season: int
    reference: str
    day: dt.date
    supply: InputSupply
    actor: str
    recorded_at: str
    voided: bool = False

    @property
    def amount(self) -> Decimal:
        """Quantity × unit cost, to the fen."""
        return self.supply.amount


@attrs.frozen
class Payment:
    """A payment to a household for a season, with its payment reference (bank or cash slip)."""

    id: int
    household_id: str
    season: int
    reference: str
    day: dt.date
    amount: Decimal
    note: str
    actor: str
    recorded_at: str
    voided: bool = False


@attrs.frozen
class Void:
    """A correction: the record it voids (``kind`` and ``record_id``) and the reason.

    ``repriced`` lists the deliveries recorded again because voiding this one changed the
    protected quantity left for later slips of its contract (their old records are voided,
    naming this one): their receipts are to be printed again."""

    kind: str
    record_id: int
    reason: str
    actor: str
    recorded_at: str
    repriced: tuple[int, ...] = ()


@attrs.frozen
class BatchResult:
    """What a batch write did: rows recorded, and slips already recorded (written again: none)."""

    recorded: int = 0
    existing: int = 0

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(self.recorded + other.recorded, self.existing + other.existing)


@attrs.frozen
class HouseholdSettlement:
    """One household's settled season."""

    household_id: str
    head_name: str
    township: str
    village: str
    totals: Totals


@attrs.frozen
class ReportRow:
    """One group of a season report. Keys not grouped by are ``None``.

    Household amounts (recovered, paid, balance) of a household with contracts in several
    groups are shared between them in proportion to its proceeds in each (exactly, to the fen).
    """

    township: str | None
    village: str | None
    crop: str | None
    enterprise: str | None
    households: int
    poor_households: int
    area_mu: Decimal
    delivered_kg: Decimal
    proceeds: Decimal
    recovered: Decimal
    paid: Decimal
    balance: Decimal


def _frozen(params: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(params))


@attrs.frozen
class VerifyProblem:
    """One thing ``verify()`` found wrong; ``seq`` is the audit entry concerned, if any.

    ``message`` is the English detail; with a catalogue ``code`` (and its ``params``),
    ``text(lang)`` says it in the inspector's language.
    """

    check: str
    message: str
    seq: int | None = None
    code: str = ""
    params: Mapping[str, object] = attrs.field(factory=dict, converter=_frozen, eq=False)

    def text(self, lang: Lang = "en") -> str:
        """The problem in ``lang`` (the English detail when it has no catalogue code)."""
        return render(self.code, self.params, lang) if self.code else self.message


@attrs.frozen
class VerifyReport:
    """The result of ``Store.verify()``: clean when ``problems`` is empty."""

    problems: tuple[VerifyProblem, ...]
    entries: int
    rows: int
    #: the chain's last entry as verified, its number and hash: what to publish to anchor it
    head: tuple[int, str] = (0, "")

    @property
    def ok(self) -> bool:
        """Whether nothing was found wrong."""
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        """The first broken audit entry, if a problem names one."""
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def __bool__(self) -> bool:
        return self.ok
