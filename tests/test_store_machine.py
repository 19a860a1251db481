"""A Hypothesis state machine drives the store against an in-memory model of the ledger.

Rules: sign, deliver, re-deliver the same slip, void, supply inputs, pay, over-pay. After
every step the balances, statement totals and row counts equal the model's and verify() is
clean.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)

from orderfarm import (
    CarryPolicy,
    ConflictError,
    Contract,
    ContractStateError,
    D,
    InputSupply,
    LineKind,
    OverpaymentError,
    RefusedError,
    Slip,
    Store,
    Totals,
    VoidError,
    Weighing,
    round_yuan,
    settle_amounts,
)
from tests.test_store_support import (
    ENTERPRISE,
    SECOND_ENTERPRISE,
    chilli_contract,
    fixed_clock,
    fixed_terms,
    household,
)

SEASONS = (2018, 2019)
FLOORS = {"一级": D("2.00"), "二级": D("1.50")}
MARKET = D("1.20")  # the market price of 一级 and 二级 every day (paid beyond the quota)
QUOTA = D("100")


@attrs.define
class ModelContract:
    contract: Contract
    signed: bool = False


@attrs.define(eq=False)
class ModelDelivery:
    id: int
    contract_no: str
    key: tuple[str, int, str]  # enterprise, season, receipt number
    net: Decimal
    grade: str
    amount: Decimal
    accepted_net: Decimal
    voided: bool = False


@attrs.define
class ModelPayment:
    id: int
    household: str
    season: int
    amount: Decimal
    voided: bool = False


def _contracts() -> list[Contract]:
    """Two households × two seasons; enterprise, policy and quota vary."""
    found = []
    for n in (1, 2):
        h = household(n)
        for season in SEASONS:
            quota = QUOTA if (n + season) % 2 == 0 else None
            found.append(
                chilli_contract(
                    f"H{n}-{season}",
                    h,
                    season=season,
                    enterprise=ENTERPRISE if n == 1 else SECOND_ENTERPRISE,
                    policy=CarryPolicy.CARRY if season == 2018 else CarryPolicy.WAIVE,
                    terms=fixed_terms(quota_kg=quota),
                )
            )
    # a second contract of household 1 in 2018, with the other enterprise and the other policy
    found.append(
        chilli_contract(
            "H1-2018-B",
            household(1),
            enterprise=SECOND_ENTERPRISE,
            policy=CarryPolicy.WAIVE,
        )
    )
    return found


CONTRACTS = _contracts()
UNSIGNED = "H2-2019"
HOUSEHOLDS = sorted({c.household_id for c in CONTRACTS})


_TEMPLATE: list[Path] = []
#: Runs write to memory when it can: the same SQLite, without waiting for the disk's fsync.
_FAST_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else None


def _template() -> Path:
    """The starting file, built once and copied for each run: enterprises, households,
    contracts (all signed but ``UNSIGNED``) and the market prices."""
    if not _TEMPLATE:
        folder = tempfile.mkdtemp(prefix="orderfarm-template-", dir=_FAST_DIR)
        atexit.register(shutil.rmtree, folder, True)
        path = Path(folder) / "template.db"
        with Store.open(path, clock=fixed_clock()) as store:
            store.add_enterprise(ENTERPRISE)
            store.add_enterprise(SECOND_ENTERPRISE)
            for n in (1, 2):
                store.add_household(household(n))
            for c in CONTRACTS:
                store.add_contract(c)
                if c.contract_no != UNSIGNED:  # one is left for the sign rule
                    store.sign_contract(c.contract_no, dt.date(c.season, 5, 1))
            for season in SEASONS:
                for grade in FLOORS:
                    store.set_market_price("chilli", "fresh", grade, dt.date(season, 9, 1), MARKET)
        assert not Path(f"{path}-wal").exists()  # closed cleanly: one self-contained file
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


class LedgerMachine(RuleBasedStateMachine):
    delivered = Bundle("delivered")
    paid = Bundle("paid")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="orderfarm-machine-", dir=_FAST_DIR))
        shutil.copyfile(_template(), self.dir / "ledger.db")
        self.store = Store.open(self.dir / "ledger.db", clock=fixed_clock())
        self.contracts = {
            c.contract_no: ModelContract(c, signed=c.contract_no != UNSIGNED) for c in CONTRACTS
        }
        self.deliveries: list[ModelDelivery] = []
        self.supplies: list[tuple[str, int, str, Decimal, CarryPolicy, bool]] = []
        self.payments: dict[str, ModelPayment] = {}
        self.references = 0

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def day(season: int) -> dt.date:
        return dt.date(season, 9, 1)

    # -- the model -------------------------------------------------------------------------------

    def model_totals(self, resident: str) -> dict[int, Totals]:
        result: dict[int, Totals] = {}
        carried = Decimal("0.00")
        for season in SEASONS:
            proceeds = sum(
                (
                    d.amount
                    for d in self.deliveries
                    if not d.voided
                    and self.contracts[d.contract_no].contract.household_id == resident
                    and d.key[1] == season
                ),
                Decimal(0),
            )
            advances = {CarryPolicy.CARRY: Decimal(0), CarryPolicy.WAIVE: Decimal(0)}
            for contract_no, s, _, amount, policy, voided in self.supplies:
                c = self.contracts[contract_no].contract
                if not voided and c.household_id == resident and s == season:
                    advances[policy] += amount
            paid = sum(
                (
                    p.amount
                    for p in self.payments.values()
                    if not p.voided and p.household == resident and p.season == season
                ),
                Decimal(0),
            )
            totals = settle_amounts(
                proceeds=proceeds,
                carried_in=carried,
                advances_carry=advances[CarryPolicy.CARRY],
                advances_waive=advances[CarryPolicy.WAIVE],
                paid=paid,
            )
            result[season] = totals
            carried = totals.carried_out
        return result

    @staticmethod
    def delivered_before(deliveries: list[ModelDelivery], contract_no: str) -> Decimal:
        return sum(
            (d.accepted_net for d in deliveries if d.contract_no == contract_no and not d.voided),
            Decimal(0),
        )

    def protected(
        self, deliveries: list[ModelDelivery], contract: Contract, net: Decimal
    ) -> Decimal:
        quota = contract.terms.quota_kg
        if quota is None:
            return net
        before = self.delivered_before(deliveries, contract.contract_no)
        return min(net, max(Decimal(0), quota - before))

    def price(
        self, deliveries: list[ModelDelivery], contract: Contract, net: Decimal, grade: str
    ) -> Decimal:
        floor = FLOORS[grade]
        protected = self.protected(deliveries, contract, net)
        rest = net - protected
        amount = Decimal(0)
        if protected:
            amount += round_yuan(protected * floor)
        if rest:
            amount += round_yuan(rest * MARKET)
        return round_yuan(amount)

    def balances_ok(self, resident: str) -> bool:
        return all(t.balance >= 0 for t in self.model_totals(resident).values())

    # -- rules -------------------------------------------------------------------------------------

    @initialize(
        target=delivered,
        lots=st.lists(
            st.tuples(st.integers(min_value=1, max_value=50000), st.sampled_from(sorted(FLOORS))),
            min_size=len(CONTRACTS),
            max_size=len(CONTRACTS),
        ),
    )
    def first_deliveries(self, lots: list[tuple[int, str]]) -> object:
        """Every signed contract starts with one delivery, so there is money to pay and void."""
        return multiple(
            *(
                self.deliver(c.contract_no, cents, grade, receipt=90 + i)
                for i, (c, (cents, grade)) in enumerate(zip(CONTRACTS, lots, strict=True))
                if c.contract_no != UNSIGNED
            )
        )

    @rule(contract_no=st.sampled_from([c.contract_no for c in CONTRACTS]))
    def sign(self, contract_no: str) -> None:
        m = self.contracts[contract_no]
        if m.signed:
            try:
                self.store.sign_contract(contract_no, dt.date(m.contract.season, 5, 1))
            except ContractStateError:
                return
            raise AssertionError("signed twice")
        self.store.sign_contract(contract_no, dt.date(m.contract.season, 5, 1))
        m.signed = True

    def plan(
        self,
        deliveries: list[ModelDelivery],
        contract_no: str,
        net: Decimal,
        grade: str,
        receipt: int,
    ) -> tuple[str, ModelDelivery | None]:
        """What recording this slip after ``deliveries`` must do: ``same`` (the slip is
        stored: nothing written), ``conflict`` (its receipt holds another live slip),
        ``refused`` (unsigned contract) or ``new`` (a delivery to record, id still 0)."""
        m = self.contracts[contract_no]
        c = m.contract
        key = (c.enterprise_uscc, c.season, f"R{receipt}")
        same_key = [d for d in deliveries if d.key == key]
        same = [d for d in same_key if d.contract_no == contract_no and d.net == net]
        same = [d for d in same if d.grade == grade]
        for d in sorted(same, key=lambda d: d.voided):  # the live record first
            return "same", d
        live = [d for d in same_key if not d.voided]
        if live:
            return "conflict", live[0]
        if not m.signed:
            return "refused", None
        amount = self.price(deliveries, c, net, grade)
        return "new", ModelDelivery(0, contract_no, key, net, grade, amount, net)

    @rule(
        target=delivered,
        contract_no=st.sampled_from([c.contract_no for c in CONTRACTS]),
        cents=st.integers(min_value=1, max_value=50000),
        grade=st.sampled_from(sorted(FLOORS)),
        receipt=st.integers(min_value=0, max_value=40),
    )
    def deliver(self, contract_no: str, cents: int, grade: str, receipt: int) -> object:
        c = self.contracts[contract_no].contract
        net = Decimal(cents) / 100
        weighing = Weighing(gross_kg=net + 1, tare_kg=D("1"), grade=grade)
        outcome, d = self.plan(self.deliveries, contract_no, net, grade, receipt)
        before = self.store.counts()
        record = (contract_no, weighing, self.day(c.season), f"R{receipt}")
        if outcome == "same":
            assert d is not None
            assert self.store.record_delivery(*record).id == d.id
            assert self.store.counts() == before
            event("same slip again")
            return d
        if outcome == "conflict":
            assert d is not None
            try:
                self.store.record_delivery(*record)
            except ConflictError as exc:
                assert f"delivery {d.id}" in str(exc)
                event("receipt conflict")
                return d
            raise AssertionError("a different slip under a used receipt number was recorded")
        if outcome == "refused":
            try:
                self.store.record_delivery(*record)
            except RefusedError as exc:
                assert [p.code for p in exc.problems] == ["contract_not_signed"]
                return None
            raise AssertionError("a delivery on an unsigned contract was recorded")
        assert d is not None
        got = self.store.record_delivery(*record)
        assert got.amount == d.amount, (got.quote.explain("en"), d.amount)
        d.id = got.id
        event("delivered")
        self.deliveries.append(d)
        return d

    @rule(
        target=delivered,
        lots=st.lists(
            st.tuples(
                st.sampled_from([c.contract_no for c in CONTRACTS]),
                st.integers(min_value=1, max_value=50000),
                st.sampled_from(sorted(FLOORS)),
                st.integers(min_value=0, max_value=40),
            ),
            min_size=1,
            max_size=8,
        ),
        batch_size=st.integers(min_value=1, max_value=4),
    )
    def deliver_batch(self, lots: list[tuple[str, int, str, int]], batch_size: int) -> object:
        """``record_deliveries``: batches before the first bad slip are kept, its batch and
        the rest are not; slips already stored are skipped."""
        shadow = list(self.deliveries)
        kept: list[ModelDelivery] = []
        expected_existing = 0
        failure: str | None = None
        pending: list[ModelDelivery] = []
        pending_existing = 0
        for i, (contract_no, cents, grade, receipt) in enumerate(lots):
            outcome, d = self.plan(shadow, contract_no, Decimal(cents) / 100, grade, receipt)
            if outcome in ("conflict", "refused"):
                failure = outcome
                break
            if outcome == "new":
                assert d is not None
                shadow.append(d)
                pending.append(d)
            else:
                pending_existing += 1
            if (i + 1) % batch_size == 0:  # the batch is complete: it commits
                kept += pending
                expected_existing += pending_existing
                pending, pending_existing = [], 0
        if failure is None:
            kept += pending
            expected_existing += pending_existing
        slips = [
            Slip(
                contract_no,
                Weighing(gross_kg=Decimal(cents) / 100 + 1, tare_kg=D("1"), grade=grade),
                self.day(self.contracts[contract_no].contract.season),
                f"R{receipt}",
            )
            for contract_no, cents, grade, receipt in lots
        ]
        before = self.store.counts()["deliveries"]
        if failure is None:
            result = self.store.record_deliveries(slips, batch_size=batch_size)
            assert (result.recorded, result.existing) == (len(kept), expected_existing)
        else:
            error = ConflictError if failure == "conflict" else RefusedError
            try:
                self.store.record_deliveries(slips, batch_size=batch_size)
            except error:
                event(f"batch {failure}")
            else:
                raise AssertionError(f"a batch with a {failure} slip was recorded")
        assert self.store.counts()["deliveries"] == before + len(kept)
        for d in kept:
            got = self.store.find_delivery(d.key[0], d.key[1], d.key[2])
            assert got is not None and got.amount == d.amount and not got.voided
            d.id = got.id
        self.deliveries += kept
        if kept:
            event("batch delivered")
        return multiple(*kept)

    @rule(d=delivered)
    def redeliver(self, d: ModelDelivery | None) -> None:
        if d is None:
            return
        c = self.contracts[d.contract_no].contract
        before = self.store.counts()
        weighing = Weighing(gross_kg=d.net + 1, tare_kg=D("1"), grade=d.grade)
        got = self.store.record_delivery(d.contract_no, weighing, self.day(c.season), d.key[2])
        # the slip's live record (a slip priced again has a new one), else its first record
        same = [
            x for x in self.deliveries if x.key == d.key and (x.net, x.grade) == (d.net, d.grade)
        ]
        expected = next((x for x in same if not x.voided), same[0])
        assert got.id == expected.id and got.voided == expected.voided
        assert self.store.counts() == before

    @rule(d=delivered)
    def void_delivery(self, d: ModelDelivery | None) -> None:
        if d is None:
            return
        if d.voided:
            try:
                self.store.void_delivery(d.id, "again")
            except VoidError:
                return
            raise AssertionError("voided twice")
        redo = self.later_priced_again(d)
        d.voided = True
        for old in redo:
            old.voided = True
        again: list[ModelDelivery] = []
        for old in redo:  # recorded again in their order, on the live slips before each
            c = self.contracts[old.contract_no].contract
            amount = self.price(self.deliveries + again, c, old.net, old.grade)
            again.append(attrs.evolve(old, id=0, amount=amount, voided=False))
        self.deliveries += again
        resident = self.contracts[d.contract_no].contract.household_id
        if not self.balances_ok(resident):
            d.voided = False
            for old in redo:
                old.voided = False
            del self.deliveries[len(self.deliveries) - len(again) :]
            try:
                self.store.void_delivery(d.id, "录错")
            except RefusedError:
                event("void refused")
                return
            raise AssertionError("a void made a balance negative")
        void = self.store.void_delivery(d.id, "录错")
        assert len(void.repriced) == len(again)
        for new, new_id in zip(again, void.repriced, strict=True):
            got = self.store.delivery(new_id)
            assert (got.amount, got.receipt_no) == (new.amount, new.key[2])
            new.id = new_id
        event("delivery voided")
        if again:
            event("later slips priced again")

    def later_priced_again(self, d: ModelDelivery) -> list[ModelDelivery]:
        """DESIGN §4 step 6 once ``d`` is voided: the later live slips of its contract, from
        the first whose protected kg change, which are voided and recorded again."""
        c = self.contracts[d.contract_no].contract
        later = [
            x
            for x in self.deliveries
            if x.contract_no == d.contract_no and x.id > d.id and not x.voided
        ]
        for index, x in enumerate(later):
            prior = [y for y in self.deliveries if y.id < x.id]
            without = [y for y in prior if y is not d]
            if self.protected(prior, c, x.net) != self.protected(without, c, x.net):
                return later[index:]
        return []
        event("delivery voided")

    @rule(
        contract_no=st.sampled_from([c.contract_no for c in CONTRACTS]),
        plants=st.integers(min_value=1, max_value=20000),
    )
    def supply_inputs(self, contract_no: str, plants: int) -> None:
        m = self.contracts[contract_no]
        c = m.contract
        supply = InputSupply("辣椒苗", D(plants), "株", D("0.03"))
        self.references += 1
        reference = f"S{self.references}"
        if not m.signed:
            try:
                self.store.supply_input(contract_no, supply, self.day(c.season), reference)
            except RefusedError:
                return
            raise AssertionError("inputs on an unsigned contract were recorded")
        row = (contract_no, c.season, reference, supply.amount, c.unrecovered, False)
        self.supplies.append(row)
        if not self.balances_ok(c.household_id):
            self.supplies.pop()
            try:
                self.store.supply_input(contract_no, supply, self.day(c.season), reference)
            except RefusedError:
                return
            raise AssertionError("an advance made a balance negative")
        self.store.supply_input(contract_no, supply, self.day(c.season), reference)

    @rule(
        target=paid,
        resident=st.sampled_from(HOUSEHOLDS),
        season=st.sampled_from(SEASONS),
        share=st.integers(min_value=1, max_value=100),
    )
    def pay(self, resident: str, season: int, share: int) -> object:
        balance = self.model_totals(resident)[season].balance
        amount = round_yuan(balance * share / 100)
        if amount <= 0:
            return None
        self.references += 1
        reference = f"BANK-{self.references}"
        got = self.store.record_payment(resident, season, amount, self.day(season), reference)
        p = ModelPayment(got.id, resident, season, amount)
        event("paid")
        self.payments[reference] = p
        assert (
            self.store.record_payment(resident, season, amount, self.day(season), reference) == got
        )
        return p

    @rule(resident=st.sampled_from(HOUSEHOLDS), season=st.sampled_from(SEASONS))
    def overpay(self, resident: str, season: int) -> None:
        balance = self.model_totals(resident)[season].balance
        try:
            self.store.record_payment(
                resident, season, balance + D("0.01"), self.day(season), "OVER"
            )
        except OverpaymentError:
            event("overpayment refused")
            return
        raise AssertionError("an overpayment was recorded")

    @rule(p=consumes(paid))
    def void_payment(self, p: ModelPayment | None) -> None:
        if p is None:
            return
        self.store.void_payment(p.id, "退票")
        p.voided = True
        event("payment voided")

    # -- invariants --------------------------------------------------------------------------------

    @invariant()
    def balances_and_statements_equal_the_model(self) -> None:
        for resident in HOUSEHOLDS:
            expected = self.model_totals(resident)
            for season in SEASONS:
                assert self.store.totals(resident, season) == expected[season]
                statement = self.store.statement(resident, season)
                assert statement.totals == expected[season]
                live = [
                    d
                    for d in self.deliveries
                    if not d.voided
                    and d.key[1] == season
                    and self.contracts[d.contract_no].contract.household_id == resident
                ]
                assert sorted(
                    line.record_id or 0 for line in statement.of_kind(LineKind.DELIVERY)
                ) == sorted(d.id for d in live)
        settled = {(s.household_id): s.totals for s in self.store.settle(2019)}
        for resident, totals in settled.items():
            assert totals == self.model_totals(resident)[2019]

    @invariant()
    def row_counts_equal_the_model(self) -> None:
        counts = self.store.counts()
        assert counts["deliveries"] == len(self.deliveries)
        assert counts["delivery_voids"] == sum(d.voided for d in self.deliveries)
        assert counts["input_supplies"] == len(self.supplies)
        assert counts["payments"] == len(self.payments)
        assert counts["payment_voids"] == sum(p.voided for p in self.payments.values())

    @invariant()
    def verify_is_clean(self) -> None:
        report = self.store.verify()
        assert report.ok, report.problems


LedgerMachine.TestCase.settings = settings(
    max_examples=max(20, settings.default.max_examples // 5),
    stateful_step_count=30,
    deadline=None,
)
test_ledger_matches_its_model = LedgerMachine.TestCase
