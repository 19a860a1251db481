"""Recording a file's worth of plain slips: the checks, prices and rows of
``Store.record_deliveries``, worked in whole grams and fen, one audit entry per batch.

A *plain* slip is one a county's weighing file is made of: a signed contract, a day in its
window, a grade of its terms, a market price when the terms need one, a receipt number not
recorded before. Anything else — an unknown contract, a receipt recorded before with other
data, a receipt twice in the file, a slip that cannot be priced — raises ``NotPlain`` naming
the slip's row, and the caller takes the general path (``Store.record_deliveries`` through
the full checks of ``orderfarm.io.loading``), which explains the problem in the user's words.
(A receipt twice in the file under an enterprise and season with nothing recorded before is
left to the table's unique key: the store refuses the batch, and the caller does the same.)
A receipt recorded before with the same data is counted as ``existing`` and not written again.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from contextlib import ExitStack
from decimal import Decimal
from types import TracebackType
from typing import Final, NamedTuple, Self

from orderfarm.auth import Permission
from orderfarm.bulkpricing import GradeRule, IntTerms
from orderfarm.contracts import ContractStatus, PriceTerms, harvest_of, terms_in
from orderfarm.errors import PricingError
from orderfarm.ids import receipt_key
from orderfarm.money import D
from orderfarm.pricing import UNUSUAL_LOT_KG
from orderfarm.serial import structure
from orderfarm.store import audit, totals
from orderfarm.store.store import (
    Store,
    _check_actor,
    contract_any_case,
    has_zero_led,
    receipt_spellings,
    same_delivery,
)

__all__ = ["NotPlain", "PlainSlip", "PlainSlipWriter"]


class PlainSlip(NamedTuple):
    """One slip as a file gives it, parsed: weights in grams with their text, rates as exact
    fractions with their text (``"0"`` when blank), the day in ISO form."""

    row: int
    receipt_no: str
    contract_no: str
    day: str
    gross_g: int
    gross_text: str
    tare_g: int
    tare_text: str
    grade: str
    moisture_n: int
    moisture_d: int
    moisture_text: str
    impurity_n: int
    impurity_d: int
    impurity_text: str
    purchase_point: str


class NotPlain(Exception):
    """A slip the plain path does not take; the general path will say why."""

    def __init__(self, row: int, why: str) -> None:
        super().__init__(f"row {row}: {why}")
        self.row = row
        self.why = why


class _Contract(NamedTuple):
    id: int
    enterprise_id: int
    household_id: int
    crop: str
    form: str
    season: int
    signed: bool
    start: str | None
    end: str | None
    terms: IntTerms
    #: grams a lot may weigh (gross − tare) before it is more than the contract's whole
    #: expected harvest (``pricing.harvest_doubt``); ``None`` when the crop form is unknown
    harvest_g: int | None
    #: its area and its crop form's highest yield per mu, for the warning's words
    harvest: tuple[Decimal, Decimal] | None

    @property
    def receipts_key(self) -> tuple[int, int]:
        """The enterprise and season its slips' receipt numbers are unique under."""
        return self.enterprise_id, self.season


class _PricedGrade(NamedTuple):
    """A grade's ``GradeRule`` with the text its prices are stored as."""

    rule: GradeRule
    market: str | None
    protected_price: str | None
    protected_basis: str | None

    @classmethod
    def of(cls, rule: GradeRule) -> _PricedGrade:
        protected = rule.protected
        return cls(
            rule,
            str(rule.market) if rule.market is not None else None,
            str(protected[0]) if protected is not None else None,
            protected[1].value if protected is not None else None,
        )


_CONTRACT: Final = (
    "SELECT id, contract_no, enterprise_id, household_id, crop, form, season, status, "
    "delivery_start, delivery_end, json_extract(data, '$.terms'), area_mu FROM contracts "
)
_CONTRACTS: Final = _CONTRACT + "WHERE contract_no IN (SELECT value FROM json_each(?))"  # noqa: S608
_CONTRACT_ANY_CASE: Final = _CONTRACT + "WHERE contract_no = ? COLLATE NOCASE LIMIT 2"
_RECEIPTS: Final = (
    "SELECT d.id, d.receipt_no, d.contract_id, d.day, d.purchase_point, d.grade, d.gross_kg, "
    "d.tare_kg, d.moisture, d.impurity, (v.delivery_id IS NOT NULL) AS voided "
    "FROM deliveries d LEFT JOIN delivery_voids v ON v.delivery_id = d.id "
    "WHERE d.enterprise_id = ? AND d.season = ? "
    "AND d.receipt_no IN (SELECT value FROM json_each(?))"
)
_ANY_RECEIPT: Final = "SELECT 1 FROM deliveries WHERE enterprise_id = ? AND season = ? LIMIT 1"
_MARKET_PRICES: Final = "SELECT crop, form, grade, day, price FROM market_prices"
_NO_PRICE: Final[tuple[None, None]] = (None, None)
_SIGNED: Final = ContractStatus.SIGNED.value
_NEXT_ID: Final = "SELECT COALESCE(MAX(id), 0) + 1 FROM deliveries"
#: a delivery row as values in the order of its canonical columns (the audit digests them so)
_INSERT: Final = (
    "INSERT INTO deliveries ("  # noqa: S608  (the columns are the constant DELIVERY_COLUMNS)
    + ", ".join(audit.DELIVERY_COLUMNS)
    + ") VALUES ("
    + ", ".join("?" * len(audit.DELIVERY_COLUMNS))
    + ")"
)


_UNUSUAL_G: Final = int(UNUSUAL_LOT_KG * 1000)


class PlainSlipWriter:
    """Records ``PlainSlip`` values through ``store``, all or nothing: use it as a context
    manager (``with PlainSlipWriter(store, actor) as writer: writer.add(slip) …``); the slips
    are written in batches of ``batch_size`` inside one transaction, which commits when the
    block ends without an exception. ``added`` and ``existing`` count the slips written and
    those found recorded already with the same data.

    With ``write=False`` it checks and prices every slip the same way and writes nothing:
    each batch is read in its own read transaction, so other writers are not held up;
    ``added`` stays 0 and ``existing`` counts as when writing. A receipt twice in the file,
    which the table's unique key stops when writing, is looked for among the receipts seen
    so far (by hash: a match raises ``NotPlain``, and the general checks name the rows, or
    find nothing).
    """

    def __init__(
        self, store: Store, actor: str, batch_size: int = 5000, *, write: bool = True
    ) -> None:
        self.store = store
        self.actor = _check_actor(actor)
        self.batch_size = max(1, batch_size)
        self.write = write
        self.added = 0
        self.existing = 0
        #: without writing: the hashes of (enterprise, season, receipt) of the slips seen
        self._seen: set[int] | None = None if write else set()
        #: the hashes of (enterprise, season, receipt without its leading zeros) of the
        #: all-digit receipts seen (0001 and 1 are one receipt, whichever comes first)
        self._digits: set[int] = set()
        #: whether each (enterprise, season) has receipts starting with 0, read once a file
        self._zero_led: dict[tuple[int, int], bool] = {}
        self._batch: list[PlainSlip] = []
        #: the open transaction (with foreign key lookups off), while in the ``with`` block
        self._open: ExitStack | None = None
        self._contracts: dict[str, _Contract] = {}
        #: a contract's terms as its slips are priced, by their text and its crop and form
        self._terms: dict[tuple[str, str, str], IntTerms] = {}
        #: (area, highest yield per mu) by crop, form and area
        self._harvest: dict[tuple[str, str, str], tuple[Decimal, Decimal] | None] = {}
        self._delivered: dict[int, int] = {}
        self._prices: dict[tuple[str, str, str, str], tuple[Decimal, str]] | None = None
        #: a grade's prices under one set of terms on one market price, with their text
        self._rules: dict[tuple[int, str, str | None], _PricedGrade] = {}
        self._reasons: dict[tuple[int, str], str] = {}
        #: (enterprise, season) pairs with deliveries recorded before this file
        self._recorded: dict[tuple[int, int], bool] = {}
        self._first_id: int | None = None
        #: what the written slips add to the running totals, by contract: net g, fen, slips
        self._sums: dict[int, list[int]] = {}
        #: the rows of slips with no moisture under terms with a moisture standard, and the terms
        self.no_moisture: list[tuple[int, PriceTerms]] = []
        #: the rows of lots heavier than their contract's whole expected harvest (but within
        #: ``UNUSUAL_LOT_KG``, which the reader names): grams, area and highest yield, gross
        self.big_lots: list[tuple[int, int, tuple[Decimal, Decimal], str]] = []

    def __enter__(self) -> Self:
        if not self.write:
            self._open = ExitStack()  # no transaction: each batch is read on its own
            return self
        # Every id written comes from a row read inside this transaction (the contract, its
        # enterprise and household, the batch's audit entry), so SQLite's per-row foreign key
        # lookups are left out for its length; ``verify()`` checks the keys of the whole file.
        # The stack ends the transaction first, then turns the lookups back on.
        stack = ExitStack()
        connection = self.store._db.connection()
        connection.execute("PRAGMA foreign_keys=OFF")
        stack.callback(connection.execute, "PRAGMA foreign_keys=ON")
        try:
            stack.enter_context(self.store.transaction())
        except BaseException:
            stack.close()
            raise
        self._open = stack
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        stack, self._open = self._open, None
        assert stack is not None
        if exc is not None:
            return bool(stack.__exit__(kind, exc, tb))
        with stack:  # what is left of the file, then the running totals, in the transaction
            self.flush()
            if self.write:
                self.store._write(self._add_totals)
        return False

    def add(self, slip: PlainSlip) -> None:
        """Queue ``slip``; a full batch is written."""
        if self._open is None:
            raise RuntimeError("use PlainSlipWriter as a context manager")
        self._batch.append(slip)
        if len(self._batch) >= self.batch_size:
            self.flush()

    def add_all(self, slips: Iterable[PlainSlip]) -> None:
        """Write ``slips``, a batch at a time."""
        if self._open is None:
            raise RuntimeError("use PlainSlipWriter as a context manager")
        rest = iter(slips)
        while batch := list(itertools.islice(rest, self.batch_size - len(self._batch))):
            self._batch.extend(batch)
            if len(self._batch) >= self.batch_size:
                self.flush()

    def flush(self) -> None:
        """Write (or only check) the queued slips."""
        if self._batch:
            batch, self._batch = self._batch, []
            run = self.store._write if self.write else self.store._read
            run(lambda conn: self._write(conn, batch))

    def _add_totals(self, conn: sqlite3.Connection) -> None:
        """The written slips' sums into the running totals, once for the whole file."""
        by_contract = {c.id: c for c in self._contracts.values()}
        totals.add_contract_sums(
            conn,
            [
                (cid, by_contract[cid].household_id, by_contract[cid].season, net, fen, count)
                for cid, (net, fen, count) in self._sums.items()
            ],
        )

    # -- one batch ---------------------------------------------------------------------------

    def _write(self, conn: sqlite3.Connection, batch: list[PlainSlip]) -> None:
        store = self.store
        store._authorize(conn, self.actor, Permission.RECORD_DELIVERY)
        if self._prices is None:
            self._prices = {
                (crop, form, grade, day): (D(price), str(D(price)))
                for crop, form, grade, day, price in conn.execute(_MARKET_PRICES)
            }
        numbers = {s.contract_no for s in batch}
        self._load_contracts(conn, batch, numbers)
        skip = self._recorded_receipts(conn, batch, numbers)
        next_id = int(conn.execute(_NEXT_ID).fetchone()[0])
        if self._first_id is None:
            self._first_id = next_id
        seq, prev = audit.next_seq(conn)
        now = store._now().isoformat()
        actor = self.actor
        contracts, prices, delivered = self._contracts, self._prices, self._delivered
        rows: list[tuple[object, ...]] = []
        contract_sums = self._sums
        rules, seen, write, digits = self._rules, self._seen, self.write, self._digits
        no_moisture, big_lots = self.no_moisture, self.big_lots
        for slip in batch:
            (
                row_no,
                receipt_no,
                contract_no,
                day,
                gross_g,
                gross_text,
                tare_g,
                tare_text,
                grade,
                moisture_n,
                moisture_d,
                moisture_text,
                impurity_n,
                impurity_d,
                impurity_text,
                point,
            ) = slip
            c = contracts[contract_no]  # (a slip recorded before is named to look at, too)
            if c.harvest_g is not None and c.harvest_g < gross_g - tare_g <= _UNUSUAL_G:
                assert c.harvest is not None  # more than the contract's whole harvest
                big_lots.append((row_no, gross_g - tare_g, c.harvest, gross_text))
            if moisture_n == 0 and c.terms.standard is not None:  # a dried lot's left blank
                no_moisture.append((row_no, c.terms.terms))
            if receipt_no.isdigit() and receipt_no.isascii():  # 0001 and 1: one receipt
                mark = hash((c.receipts_key, receipt_key(receipt_no)))
                if mark in digits:
                    raise NotPlain(row_no, "receipt twice in the file, with other zeros")
                digits.add(mark)
            if seen is not None:
                mark = hash((c.receipts_key, receipt_no))
                if mark in seen:
                    raise NotPlain(row_no, "receipt twice in the file (or a hash alike)")
                seen.add(mark)
            if row_no in skip:
                continue
            if not 0 < len(receipt_no) <= 40 or len(point) > 60:
                raise NotPlain(row_no, "receipt number or purchase point too long or blank")
            if not c.signed:
                raise NotPlain(row_no, "contract not signed")
            if (c.start is not None and day < c.start) or (c.end is not None and day > c.end):
                raise NotPlain(row_no, "day outside the delivery window")
            terms = c.terms
            market, market_text = prices.get((c.crop, c.form, grade, day), _NO_PRICE)
            key = (id(terms), grade, market_text)
            found = rules.get(key)
            if found is None:
                if grade not in terms.terms.grades:
                    raise NotPlain(row_no, "grade not in the terms")
                found = rules[key] = _PricedGrade.of(terms.rule(grade, market))
            before = delivered[c.id]
            try:
                priced = terms.price(
                    found.rule,
                    gross_g,
                    tare_g,
                    moisture_n,
                    moisture_d,
                    impurity_n,
                    impurity_d,
                    before,
                )
            except PricingError:
                raise NotPlain(row_no, "no market price") from None
            if priced is None:  # rejected for its moisture: nothing paid, the reason kept
                net_g = terms.net_g(gross_g, tare_g, moisture_n, moisture_d, impurity_n, impurity_d)
                accepted, reason = 0, self._rejection(terms, moisture_text)
                protected_g = protected_fen = market_g = market_fen = amount_fen = 0
            else:
                net_g, protected_g, protected_fen, market_g, market_fen, amount_fen = priced
                accepted, reason = 1, None
                delivered[c.id] = before + net_g
            if not write:  # checked and priced: no row to write, no total to add to
                continue
            rows.append(
                (
                    next_id,
                    c.id,
                    c.enterprise_id,
                    c.household_id,
                    c.season,
                    receipt_no,
                    0,
                    day,
                    point,
                    gross_text,
                    tare_text,
                    grade,
                    moisture_text,
                    impurity_text,
                    found.market,
                    before,
                    net_g,
                    accepted,
                    reason,
                    protected_g,
                    found.protected_price if protected_g else None,
                    found.protected_basis if protected_g else None,
                    protected_fen,
                    market_g,
                    market_fen,
                    amount_fen,
                    actor,
                    now,
                    seq,
                )
            )
            sums = contract_sums.get(c.id)
            if sums is None:
                contract_sums[c.id] = [net_g if accepted else 0, amount_fen, 1]
            else:
                if accepted:
                    sums[0] += net_g
                sums[1] += amount_fen
                sums[2] += 1
            next_id += 1
        self.existing += len(skip)  # recorded before with the same data: a dry run says so too
        if not write:
            return  # nothing is written, nothing counted as written
        if not rows:
            return
        conn.executemany(_INSERT, rows)
        store._audit(
            conn,
            actor,
            "record_deliveries",
            "delivery",
            f"{rows[0][0]}-{rows[-1][0]}",
            audit.values_payload("deliveries", rows),
            seq_and_prev=(seq, prev),
        )
        self.added += len(rows)

    def _rejection(self, terms: IntTerms, moisture: str) -> str:
        key = (id(terms), moisture)
        text = self._reasons.get(key)
        if text is None:
            text = self._reasons[key] = terms.rejection(D(moisture))
        return text

    def _load_contracts(
        self, conn: sqlite3.Connection, batch: list[PlainSlip], numbers: set[str]
    ) -> None:
        """The contracts of the batch (their ``numbers``), each read once a file, and what was
        delivered under them."""
        known = self._contracts
        # (not ``numbers - known.keys()``: that walks every contract read so far, each batch)
        wanted = sorted(n for n in numbers if n not in known)
        if wanted:
            for row in conn.execute(_CONTRACTS, (json.dumps(wanted, ensure_ascii=False),)):
                self._contracts[row[1]] = self._contract(row)
            for number in wanted:  # sz-jy-0001 typed for SZ-JY-0001
                if number not in self._contracts:
                    row = contract_any_case(conn, number, _CONTRACT_ANY_CASE)
                    if row is not None:
                        self._contracts[number] = self._contract(row)
            missing = [n for n in wanted if n not in self._contracts]
            if missing:
                row_no = next(s.row for s in batch if s.contract_no == missing[0])
                raise NotPlain(row_no, "unknown contract")
            # (a contract typed in two ways is read twice: what this file delivered under it
            # so far is kept, not read again from totals the file has not added to yet)
            ids = [c.id for n in wanted if (c := self._contracts[n]).id not in self._delivered]
            self._delivered.update(self.store._delivered_grams(conn, ids))

    def _contract(self, row: sqlite3.Row) -> _Contract:
        """A contract of ``_CONTRACTS``' row, its terms read once a file."""
        key = (row[10], row[4], row[5])  # the terms' text, the crop and form
        terms = self._terms.get(key)
        if terms is None:
            written = structure(json.loads(key[0]), PriceTerms)
            priced = terms_in(self.store.catalog, key[1], key[2], written)
            terms = self._terms[key] = IntTerms(priced)
        place = (row[4], row[5], row[11])  # crop, form, area: a contract's harvest
        if place not in self._harvest:
            self._harvest[place] = harvest_of(self.store.catalog, row[4], row[5], D(row[11]))
        harvest = self._harvest[place]
        return _Contract(
            int(row[0]),
            int(row[2]),
            int(row[3]),
            row[4],
            row[5],
            int(row[6]),
            row[7] == _SIGNED,
            row[8],
            row[9],
            terms,
            None if harvest is None else int(harvest[0] * harvest[1] * 1000),
            harvest,
        )

    def _recorded_receipts(
        self, conn: sqlite3.Connection, batch: list[PlainSlip], numbers: set[str]
    ) -> set[int]:
        """The rows of slips recorded before with the same data (to skip); ``NotPlain`` for a
        receipt twice in the batch or the file, or recorded before with other data.
        ``numbers``: the batch's contract numbers."""
        contracts, recorded = self._contracts, self._recorded
        keys = {contracts[n].receipts_key for n in numbers}
        for key in keys:
            if key not in recorded:
                recorded[key] = conn.execute(_ANY_RECEIPT, key).fetchone() is not None
        # Under an enterprise and season with nothing recorded before this file, a receipt
        # twice in the file breaks the table's unique key, and the store's refusal sends the
        # file to the general path, which names the two rows: those slips are not looked up.
        if not any(recorded[key] for key in keys):
            return set()
        groups: dict[tuple[int, int], dict[str, PlainSlip]] = defaultdict(dict)
        for slip in batch:
            key = contracts[slip.contract_no].receipts_key
            if not recorded[key]:
                continue
            group = groups[key]
            if slip.receipt_no in group:
                raise NotPlain(slip.row, "receipt twice in the file")
            group[slip.receipt_no] = slip
        skip: set[int] = set()
        for key, slips in groups.items():
            receipts = json.dumps(sorted(slips), ensure_ascii=False)
            unfound = dict(slips)
            for found in conn.execute(_RECEIPTS, (*key, receipts)):
                slip = slips[found["receipt_no"]]
                unfound.pop(slip.receipt_no, None)
                if self._first_id is not None and found["id"] >= self._first_id:
                    raise NotPlain(slip.row, "receipt twice in the file")
                if found["voided"] or not self._same(found, slip):
                    raise NotPlain(slip.row, "receipt recorded before")
                skip.add(slip.row)
            skip.update(self._recorded_otherwise(conn, key, unfound))
        return skip

    def _recorded_otherwise(
        self, conn: sqlite3.Connection, key: tuple[int, int], unfound: dict[str, PlainSlip]
    ) -> set[int]:
        """The rows of slips whose all-digit receipt is recorded with other leading zeros
        (0001 for 1) with the same data, in one query for the batch; ``NotPlain`` for one
        recorded so with other data."""
        digits = {
            receipt_key(number): slip
            for number, slip in unfound.items()
            if number.isascii() and number.isdigit()
        }
        if not digits:
            return set()
        led = has_zero_led(conn, *key, self._zero_led)
        spellings = {s for n in unfound if n.isdigit() for s in receipt_spellings(n, led)}
        skip: set[int] = set()
        for found in conn.execute(_RECEIPTS, (*key, json.dumps(sorted(spellings)))):
            slip = digits.get(receipt_key(found["receipt_no"]))
            if slip is None or found["voided"] or found["receipt_no"] == slip.receipt_no:
                continue
            if not self._same(found, slip):
                raise NotPlain(slip.row, "receipt recorded before with other zeros")
            skip.add(slip.row)
        return skip

    def _same(self, found: sqlite3.Row, slip: PlainSlip) -> bool:
        texts = (slip.gross_text, slip.tare_text, slip.moisture_text, slip.impurity_text)
        weights = (D(texts[0]), D(texts[1]), D(texts[2]), D(texts[3]))
        c = self._contracts[slip.contract_no]
        return same_delivery(found, c.id, slip.day, slip.purchase_point, slip.grade, weights)
