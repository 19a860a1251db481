"""Importing a file into a store: dry run, all-or-nothing commit, or commit of the good rows
with the rejected ones written to a file to fix and import again.

Every row is checked twice before anything is written: as a row (``rows``) and against the
store (``StoreChecks``: the contract exists and is signed, the day is in its window, a market
price is known when the terms need one, a payment does not exceed the balance, a receipt
number or ID already stored holds the same data). Re-importing a file already imported adds
nothing: receipts, contract numbers, resident IDs, credit codes, supply and payment
references identify the records.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from orderfarm.contracts import Contract, ContractStatus
from orderfarm.crops import Catalog
from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.ids import account_doubt, mask_resident_id
from orderfarm.io.cells import neutralise, unneutralise
from orderfarm.io.columns import RecordType, record_type
from orderfarm.io.errors import FileError, RowProblem
from orderfarm.io.importing import ImportReport, RowResult, RowStream, note_file_error
from orderfarm.io.plain import import_plain_slips
from orderfarm.io.readers import Source
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.io.rows import Record
from orderfarm.messages import Lang
from orderfarm.parties import Enterprise, Household
from orderfarm.pricing import harvest_doubt, moisture_doubt, price_delivery
from orderfarm.settlement import overpayment
from orderfarm.store import DEFAULT_ACTOR, Delivery, NotFoundError, Slip, Store, StoreError
from orderfarm.units import china_day

#: The store table that grows when records of each type are added.
_TABLES: Final = {
    "households": "households",
    "enterprises": "enterprises",
    "contracts": "contracts",
    "market_prices": "market_prices",
    "slips": "deliveries",
    "supplies": "input_supplies",
    "payments": "payments",
}
#: Rows read ahead to look up their slips' receipts and contracts together.
_PREFETCH: Final = 1000
#: Rejected rows carry their reasons in this last column.
ERROR_HEADER: Final = {"zh": "错误", "en": "error"}


class Pending:
    """Records of files checked earlier in the same dry run (households, enterprises,
    contracts, market prices), so that checking ``contracts.csv`` after ``households.csv``
    finds the households the first file would add. Give the same ``Pending`` to each
    ``import_file(..., commit=False)`` call, in the order the files would be imported."""

    def __init__(self) -> None:
        self.households: set[str] = set()
        self.enterprises: set[str] = set()
        self.contracts: dict[str, Contract] = {}
        self.prices: dict[tuple[str, str, str, dt.date], Decimal] = {}

    def add(self, record: Record) -> None:
        """Remember ``record`` if later files may refer to it."""
        if isinstance(record, Household):
            self.households.add(record.resident_id)
        elif isinstance(record, Enterprise):
            self.enterprises.add(record.uscc)
        elif isinstance(record, Contract):
            self.contracts[record.contract_no] = record
        elif isinstance(record, MarketPriceRecord):
            key = (record.crop, record.form, record.grade, record.day)
            self.prices[key] = record.price


class StoreLookup:
    """What row conversion may ask of the store (and of ``pending`` records of files checked
    before in the same dry run), cached for the length of one import."""

    def __init__(self, store: Store, pending: Pending | None = None) -> None:
        self.store = store
        self.pending = pending
        self._contracts: dict[str, Contract | None] = {}
        self._households: dict[str, bool] = {}
        self._enterprises: dict[str, bool] = {}

    def contract(self, contract_no: str) -> Contract | None:
        if contract_no not in self._contracts:
            try:
                self._contracts[contract_no] = self.store.contract(contract_no)
            except NotFoundError:
                pending = self.pending.contracts if self.pending is not None else {}
                self._contracts[contract_no] = pending.get(contract_no)
        return self._contracts[contract_no]

    def has_household(self, resident_id: str) -> bool | None:
        if resident_id not in self._households:
            try:
                self.store.household(resident_id)
                self._households[resident_id] = True
            except NotFoundError:
                pending = self.pending.households if self.pending is not None else set()
                self._households[resident_id] = resident_id in pending
            except ValidationError:
                return None
        return self._households[resident_id]

    def has_enterprise(self, uscc: str) -> bool | None:
        if uscc not in self._enterprises:
            try:
                self.store.enterprise(uscc)
                self._enterprises[uscc] = True
            except NotFoundError:
                pending = self.pending.enterprises if self.pending is not None else set()
                self._enterprises[uscc] = uscc in pending
        return self._enterprises[uscc]

    def market_price(self, key: tuple[str, str, str, dt.date]) -> Decimal | None:
        """The stored market price, else one a file checked before would set."""
        price = self.store.market_price(*key)
        if price is None and self.pending is not None:
            return self.pending.prices.get(key)
        return price


def _p(field: str, code: str, **params: object) -> list[Problem]:
    return [Problem(field, code, params)]


class StoreChecks:
    """Checks of records against the store, in file order (a file's earlier rows count: the
    kg they deliver use up the quota, the payments they make use up the balance).

    ``existing`` counts the records found recorded already with the same data, which an
    import will not write again (a dry run says so)."""

    def __init__(self, store: Store, lookup: StoreLookup) -> None:
        self.store = store
        self.lookup = lookup
        self.existing = 0
        self._prices: dict[tuple[str, str, str, dt.date], Decimal | None] = {}
        self._delivered: dict[str, Decimal] = {}
        #: receipts looked up ahead (``prefetch``): the stored record, or None
        self._stored: dict[tuple[str, int, str], Delivery | None] = {}
        self._supplies: dict[tuple[str, int], dict[tuple[str, str], Any]] = {}
        self._payments: dict[int, dict[str, Any]] = {}
        self._balances: dict[tuple[str, int], Decimal] = {}
        #: what the last record checked leaves to say though it has no problem: a row that
        #: is a voided record again (not written again, and not standing either)
        self.notes: list[Problem] = []

    def prefetch(self, records: Sequence[Record | None]) -> None:
        """Look up what the next ``records`` will ask of the store (stored receipts, kg
        delivered under their contracts) in a few queries instead of one or two per slip."""
        receipts: list[tuple[str, int, str]] = []
        contract_nos: set[str] = set()
        for record in records:
            if not isinstance(record, SlipRecord):
                continue
            contract = self.lookup.contract(record.contract_no)
            if contract is None:
                continue
            receipts.append((contract.enterprise_uscc, contract.season, record.receipt_no))
            if contract.contract_no not in self._delivered:  # as stored, however typed
                contract_nos.add(contract.contract_no)
        if receipts:
            found = self.store.find_deliveries(receipts)
            self._stored.update((key, found.get(key)) for key in receipts)
        if contract_nos:
            self._delivered.update(self.store.delivered_kg(contract_nos))

    def check(self, record: Record) -> list[Problem]:
        """The problems of writing ``record`` now (empty when it can be written, or is there);
        ``notes`` then says what to look at again."""
        self.notes = []
        if isinstance(record, Household):
            return self._household(record)
        if isinstance(record, Enterprise):
            return self._enterprise(record)
        if isinstance(record, Contract):
            return self._contract(record)
        if isinstance(record, MarketPriceRecord):
            key = (record.crop, record.form, record.grade, record.day)
            if self.lookup.market_price(key) == record.price:
                self.existing += 1
            return []
        if isinstance(record, SlipRecord):
            return self._slip(record)
        if isinstance(record, SupplyRecord):
            return self._supply(record)
        if isinstance(record, PaymentRecord):
            return self._payment(record)
        raise TypeError(type(record).__name__)  # pragma: no cover

    def _household(self, household: Household) -> list[Problem]:
        try:
            existing = self.store.household(household.resident_id)
        except NotFoundError:
            return []
        if existing == household:
            self.existing += 1
            return []
        return _p(
            "resident_id",
            "already_recorded",
            value=household.masked_id,
            existing=f"{existing.head_name}，{existing.township}{existing.village}",
        )

    def _enterprise(self, enterprise: Enterprise) -> list[Problem]:
        try:
            existing = self.store.enterprise(enterprise.uscc)
        except NotFoundError:
            return []
        if existing == enterprise:
            self.existing += 1
            return []
        return _p("uscc", "already_recorded", value=enterprise.uscc, existing=existing.name)

    def _contract(self, contract: Contract) -> list[Problem]:
        existing = self.lookup.contract(contract.contract_no)
        if existing is None:
            return []
        if existing == contract:
            self.existing += 1
            return []
        return _p(
            "contract_no",
            "already_recorded",
            value=contract.contract_no,
            existing=(
                f"{mask_resident_id(existing.household_id)} {existing.crop} "
                f"{existing.season} {existing.status.value}"
            ),
        )

    def _deliverable(self, contract: Contract, day: dt.date, window: bool) -> list[Problem]:
        problems: list[Problem] = []
        if contract.status is not ContractStatus.SIGNED:
            problems += _p(
                "contract_no",
                "contract_not_signed",
                contract_no=contract.contract_no,
                status=contract.status.value,
                status_zh=contract.status.zh,
            )
        if window and not contract.in_window(day):
            problems += _p(
                "day",
                "outside_window",
                day=day.isoformat(),
                start=contract.delivery_start or "…",
                end=contract.delivery_end or "…",
            )
        return problems

    def _slip(self, slip: SlipRecord) -> list[Problem]:
        contract = self.lookup.contract(slip.contract_no)
        if contract is None:
            return _p("contract_no", "unknown_contract", value=slip.contract_no)
        # a receipt number twice in one file is found by the reader (duplicate rows); here,
        # only what is stored already counts
        key = (contract.enterprise_uscc, contract.season, slip.receipt_no)
        found = self._stored.pop(key) if key in self._stored else self.store.find_delivery(*key)
        if found is not None and not found.voided:
            same = (
                found.contract_no == contract.contract_no  # as stored, however typed
                and found.day == slip.day
                and found.weighing == slip.weighing
                and found.purchase_point == slip.purchase_point
            )
            if same:
                self.existing += 1
                return []
            return _p(
                "receipt_no",
                "already_recorded",
                value=slip.receipt_no,
                existing=(
                    # the receipt as recorded, when its zeros differ (0001 for a 1)
                    (f"{found.receipt_no} " if found.receipt_no != slip.receipt_no else "")
                    + f"{found.contract_no} {found.day} {found.weighing.gross_kg}/"
                    f"{found.weighing.tare_kg} kg {found.weighing.grade}"
                ),
            )
        problems = self._deliverable(contract, slip.day, window=True)
        if problems:
            return problems
        price_key = (contract.crop, contract.form, slip.weighing.grade, slip.day)
        if price_key not in self._prices:
            self._prices[price_key] = self.lookup.market_price(price_key)
        if contract.terms.quota_kg is None and self._prices[price_key] is not None:
            # a slip with a known market price and no quota can always be priced: the grade
            # is one of the contract's (checked with the row); the store prices it when it
            # writes it
            return []
        number = contract.contract_no  # as stored: sz-01 and SZ-01 share one quota
        if number not in self._delivered:
            self._delivered.update(self.store.delivered_kg([number]))
        try:
            quote = price_delivery(
                contract.priced_terms(self.store.catalog),
                slip.weighing,
                market_price=self._prices[price_key],
                delivered_before_kg=self._delivered[number],
            )
        except ValidationError as exc:
            return [
                p if p.field != "market_price" else Problem("grade", p.code, p.params)
                for p in exc.problems
            ]
        if quote.accepted:
            self._delivered[number] += quote.net_kg
        return []

    def _supply(self, record: SupplyRecord) -> list[Problem]:
        contract = self.lookup.contract(record.contract_no)
        if contract is None:
            return _p("contract_no", "unknown_contract", value=record.contract_no)
        key = (contract.household_id, contract.season)
        if key not in self._supplies:
            try:
                stored = self.store.input_records(household_id=key[0], season=key[1])
            except NotFoundError:  # a household a file checked before in this dry run adds
                stored = []
            self._supplies[key] = {(r.contract_no, r.reference): r for r in stored}
        existing = self._supplies[key].get((record.contract_no, record.supply_no))
        if existing is not None:
            if existing.supply == record.supply and existing.day == record.day:
                self.existing += 1
                if getattr(existing, "voided", False):
                    self._voided("supply", "supply_no", existing.id, record.supply_no)
                return []
            return _p(
                "supply_no",
                "already_recorded",
                value=record.supply_no,
                existing=f"{existing.supply.item} {existing.supply.quantity} {existing.day}",
            )
        problems = self._deliverable(contract, record.day, window=False)
        if not problems:
            self._supplies[key][(record.contract_no, record.supply_no)] = record
        return problems

    def _payment(self, record: PaymentRecord) -> list[Problem]:
        if record.season not in self._payments:
            self._payments[record.season] = {
                p.reference: p for p in self.store.payments(season=record.season)
            }
        existing = self._payments[record.season].get(record.reference)
        if existing is not None:
            same = (
                getattr(existing, "household_id", None) == record.household_id
                and existing.amount == record.amount
                and existing.day == record.day
                and getattr(existing, "note", "") == record.note
            )
            if same:
                self.existing += 1
                if getattr(existing, "voided", False):
                    self._voided("payment", "reference", existing.id, record.reference)
                return []
            return _p(
                "reference",
                "already_recorded",
                value=record.reference,
                existing=f"{existing.amount} {existing.day}",
            )
        key = (record.household_id, record.season)
        if key not in self._balances:
            try:
                self._balances[key] = self.store.totals(*key).balance
            except NotFoundError:
                return _p("household_id", "unknown_household", value=record.household_id)
        if record.amount > self._balances[key]:
            return [overpayment(record.amount, self._balances[key], record.season)]
        self._balances[key] -= record.amount
        self._payments[record.season][record.reference] = record
        return []

    def _voided(self, kind: str, field: str, record_id: int, value: str) -> None:
        """Note that the row is record ``record_id``, voided: an import does not record it
        again, and it stands nowhere (a bank's transfer returned and voided is still owed)."""
        void = self.store.voids(kind, [record_id]).get(record_id)
        reason = void.reason if void is not None else ""
        day = (
            china_day(dt.datetime.fromisoformat(void.recorded_at)).isoformat()
            if void is not None
            else ""
        )
        self.notes.append(
            Problem(
                field,
                "recorded_voided",
                {"value": value, "id": record_id, "reason": reason, "day": day},
            )
        )


class _Rejects:
    """The rejected rows, written as they come, in the source's format with an error column."""

    def __init__(
        self, path: Path | IO[bytes], header: tuple[str, ...], fmt: str, lang: Lang
    ) -> None:
        self.path = path
        self.count = 0
        self._fmt = fmt
        self._header = [*header, ERROR_HEADER[lang]]
        self._lang = lang
        self._stream: IO[str] | None = None
        self._writer: Any = None
        self._book: Any = None
        self._sheet: Any = None

    def _open(self) -> None:
        if self._fmt == "xlsx":
            from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs in the deps

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("问题行" if self._lang == "zh" else "rejected")
            self._append(self._header)
        else:
            import csv

            if isinstance(self.path, Path):
                self._stream = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            else:
                self._stream = io.TextIOWrapper(self.path, encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._stream, lineterminator="\r\n")
            self._writer.writerow(self._header)

    def _append(self, cells: list[str]) -> None:
        if self._sheet is not None:
            from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

            row = []
            for text in cells:
                cell = WriteOnlyCell(self._sheet, value=text)
                cell.data_type = "s"
                row.append(cell)
            self._sheet.append(row)
        else:
            self._writer.writerow(cells)

    def add(self, row: RowResult, problems: list[RowProblem], width: int) -> None:
        if self.count == 0:
            self._open()
        self.count += 1
        cells = [neutralise(unneutralise(c)) for c in row.raw.cells]
        cells = (cells + [""] * width)[:width]
        reason = "；".join(p.message(self._lang) for p in problems)
        self._append([*cells, neutralise(reason)])

    def close(self) -> None:
        if self._book is not None:
            from openpyxl.utils.exceptions import IllegalCharacterError  # type: ignore[import-untyped]

            try:
                self._book.save(str(self.path) if isinstance(self.path, Path) else self.path)
            except IllegalCharacterError:  # pragma: no cover - cells come from a parsed file
                raise
            self._book = None
        if self._stream is not None:
            if isinstance(self.path, Path):
                self._stream.close()
            elif isinstance(self._stream, io.TextIOWrapper):
                self._stream.flush()
                self._stream.detach()  # the caller's stream stays open
            self._stream = None


def _default_rejects(source: Source, fmt: str) -> Path | None:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.with_name(f"{path.stem}.rejected.{fmt}")
    return None


def _row_problems(row: RowResult, problems: list[Problem], rt: RecordType) -> list[RowProblem]:
    columns = {c.key: c for c in rt.columns}
    out: list[RowProblem] = []
    for problem in problems:
        column = columns.get(problem.field)
        out.append(
            RowProblem(
                row.raw.number,
                problem.field if column else "",
                row.cells.get(problem.field, "") if column else "",
                problem,
                column.zh if column else "",
            )
        )
    return out


def _left_draft(row: RowResult) -> bool:
    """A contract whose 状态 and 签约日期 were left blank: a draft, which nothing can be
    delivered or supplied under (named: the file may have meant it signed)."""
    record = row.record
    return (
        isinstance(record, Contract)
        and record.status is ContractStatus.DRAFT
        and not row.cells.get("status", "").strip()
    )


def _look_at_lot(rows: RowStream, row: RowResult, slip: SlipRecord) -> None:
    """Warn of a lot heavier than its contract's whole expected harvest and of a dried lot
    with no moisture (written all the same), as the quick path does."""
    contract = rows.context.lookup.contract(slip.contract_no)
    if contract is None:
        return
    weighing = slip.weighing
    harvest = contract.harvest(rows.context.catalog)
    if harvest is not None and weighing.doubt() is None:  # the reader named one above 5 t
        doubt = harvest_doubt(weighing.gross_kg - weighing.tare_kg, *harvest)
        if doubt is not None:
            rows.warn(row.raw.number, doubt, row.cells.get("gross_kg", ""))
    doubt = moisture_doubt(contract.terms, weighing.moisture)
    if doubt is not None:
        rows.warn(row.raw.number, doubt)


def _refusal(exc: OrderfarmError) -> list[Problem]:
    if isinstance(exc, ValidationError):
        return list(exc.problems)
    if isinstance(exc, StoreError) and exc.code:  # said in the report's language
        return [exc.problem() if exc.field else Problem("row", exc.code, exc.params)]
    return [Problem("row", "store_refused", {"reason": str(exc)[:300]})]


class _Writer:
    """Writes records of one type to the store: slips in batches, the rest one by one."""

    def __init__(self, store: Store, actor: str, batch_size: int, *, isolate: bool) -> None:
        self.store = store
        self.actor = actor
        self.batch_size = batch_size
        #: on a refused batch, write its other slips one by one (skip-invalid mode)
        self.isolate = isolate
        self.batch: list[tuple[RowResult, Slip]] = []

    def write(self, row: RowResult, record: Record) -> list[tuple[RowResult, list[Problem]]]:
        """Write or queue ``record``; returns the rows the store refused (row, problems)."""
        if isinstance(record, SlipRecord):
            self.batch.append(
                (
                    row,
                    Slip(
                        record.contract_no,
                        record.weighing,
                        record.day,
                        record.receipt_no,
                        record.purchase_point,
                    ),
                )
            )
            return self.flush() if len(self.batch) >= self.batch_size else []
        try:
            self._write_one(record)
        except OrderfarmError as exc:
            return [(row, _refusal(exc))]
        return []

    def _write_one(self, record: Record) -> None:
        store, actor = self.store, self.actor
        if isinstance(record, Household):
            store.add_household(record, actor=actor)
        elif isinstance(record, Enterprise):
            store.add_enterprise(record, actor=actor)
        elif isinstance(record, Contract):
            store.add_contract(record, actor=actor)
        elif isinstance(record, MarketPriceRecord):
            store.set_market_price(
                record.crop, record.form, record.grade, record.day, record.price, actor=actor
            )
        elif isinstance(record, SupplyRecord):
            store.supply_input(
                record.contract_no, record.supply, record.day, record.supply_no, actor=actor
            )
        elif isinstance(record, PaymentRecord):
            store.record_payment(
                record.household_id,
                record.season,
                record.amount,
                record.day,
                record.reference,
                note=record.note,
                actor=actor,
            )
        else:  # pragma: no cover
            raise TypeError(type(record).__name__)

    def flush(self) -> list[tuple[RowResult, list[Problem]]]:
        """Write the queued slips in one transaction; if the store refuses one, write them one
        by one to find it (the others are written)."""
        if not self.batch:
            return []
        batch, self.batch = self.batch, []
        try:
            self.store.record_deliveries(
                [slip for _, slip in batch], actor=self.actor, batch_size=len(batch)
            )
            return []
        except OrderfarmError as exc:
            if not self.isolate:
                return [(_culprit(batch, exc), _refusal(exc))]
        refused: list[tuple[RowResult, list[Problem]]] = []
        for row, slip in batch:
            try:
                self.store.record_deliveries([slip], actor=self.actor)
            except OrderfarmError as exc:
                refused.append((row, _refusal(exc)))
        return refused


class _RollBack(Exception):
    """Raised inside an all-or-nothing import's transaction to undo it."""


def _prefetched(rows: Iterable[RowResult], checks: StoreChecks) -> Iterator[RowResult]:
    """``rows``, read ahead in chunks whose store lookups ``checks`` makes together."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, _PREFETCH)):
        checks.prefetch([row.record for row in chunk])
        yield from chunk


def _culprit(batch: list[tuple[RowResult, Slip]], exc: BaseException) -> RowResult:
    """The row of the slip a refused batch names in its note (``slip 7 of the batch …``)."""
    for note in getattr(exc, "__notes__", []):
        match = re.search(r"slip (\d+) of the batch", str(note))
        if match and 0 < int(match[1]) <= len(batch):
            return batch[int(match[1]) - 1][0]
    return batch[0][0]


def import_file(
    store: Store,
    source: Source,
    kind: RecordType | str,
    *,
    commit: bool = False,
    skip_invalid: bool = False,
    today: dt.date | None = None,
    actor: str = DEFAULT_ACTOR,
    rejects: str | os.PathLike[str] | IO[bytes] | None = None,
    catalog: Catalog | None = None,
    format: str | None = None,
    sheet: str | None = None,
    lang: Lang = "zh",
    batch_size: int = 5000,
    pending: Pending | None = None,
) -> ImportReport:
    """Check every row of ``source`` against the rules and the store; write if asked.

    - ``commit=False`` (dry run): nothing is written; the report lists every problem.
    - ``commit=True``: all or nothing — if any row has a problem nothing is written.
    - ``commit=True, skip_invalid=True``: the good rows are written; the bad ones go to
      ``rejects`` (a path or a binary stream; default ``<name>.rejected.csv|xlsx`` beside the
      source) with an error column, ready to fix and import again.

    Rows already in the store (same receipt number, contract number, resident ID, credit
    code, supply or payment reference with the same data) are counted as ``existing`` and
    not written again. For a dry run of several files, pass one ``Pending`` to every call so
    that later files may refer to what earlier ones would add.
    """
    rt = kind if isinstance(kind, RecordType) else record_type(kind)
    catalog = catalog or store.catalog
    table = _TABLES[rt.name]

    # One lookup for both passes: the second converts the rows the first checked, and a
    # county's file names ~10^5 contracts (the store checks each slip again when it writes).
    lookup = StoreLookup(store, pending if not commit else None)
    if rt.name == "slips" and pending is None:
        # a file of plain slips is checked (and written) in one pass; any row with a problem
        # sends the whole file through the general checks below, which name every problem
        plain = import_plain_slips(
            store,
            source,
            rt,
            today=today,
            catalog=catalog,
            lookup=lookup,
            actor=actor,
            batch_size=batch_size,
            format=format,
            sheet=sheet,
            commit=commit,
        )
        if plain is not None:
            return plain

    def stream() -> RowStream:
        return RowStream(
            source,
            rt,
            today=today,
            catalog=catalog,
            lookup=lookup,
            format=format,
            sheet=sheet,
        )

    def checked(rows: RowStream) -> Iterator[tuple[RowResult, Record | None, list[Problem]]]:
        assert isinstance(rows.context.lookup, StoreLookup)
        checks = StoreChecks(store, rows.context.lookup)
        for row in _prefetched(rows, checks):
            if row.record is None:
                yield row, None, []
                continue
            problems = checks.check(row.record)
            if problems:
                rows.report.valid -= 1
                rows.report.invalid += 1
                for problem in _row_problems(row, problems, rt):
                    rows.report.note(problem)
                yield row, None, problems
            else:
                if pending is not None and not commit:
                    pending.add(row.record)
                if isinstance(row.record, SlipRecord):
                    _look_at_lot(rows, row, row.record)
                elif _left_draft(row):
                    rows.warn(row.raw.number, Problem("status", "contract_left_draft"))
                elif isinstance(row.record, Household):
                    doubt = account_doubt(row.record.account)
                    if doubt is not None:  # an account Excel cut: the bank list would pay it
                        rows.warn(row.raw.number, doubt, row.cells.get("account", ""))
                for note in checks.notes:  # a voided record again: said, not written
                    rows.warn(row.raw.number, note, row.cells.get(note.field, ""))
                yield row, row.record, []
        # what a dry run says; a commit counts what it found written already instead
        rows.report.existing = checks.existing

    first = stream()
    first.report.dry_run = not commit
    try:
        with first:
            if not commit or not skip_invalid:
                for _ in checked(first):
                    pass
                if not commit or not first.report.ok:
                    return first.report
            else:
                return _commit_good_rows(
                    store, first, checked(first), rt, table, actor, rejects, lang, batch_size
                )
    except FileError as exc:
        note_file_error(first.report, exc, rt)
        return first.report

    # all or nothing: every row passed; write them in one transaction, so that a row the
    # store refuses at the last moment, a full disk or a crash leaves nothing behind
    report = first.report
    writer = _Writer(store, actor, batch_size, isolate=False)
    written = added = 0
    refused: list[tuple[RowResult, list[Problem]]] = []
    try:
        with store.transaction(), stream() as second:
            # counted in the transaction: what other users write meanwhile is not this file's
            before = store.counts()[table]
            for row in second:
                if row.record is None:  # pragma: no cover - the file changed between passes
                    refused = [(row, [Problem("row", "store_refused", {"reason": "file changed"})])]
                else:
                    refused = writer.write(row, row.record)
                    written += 1
                if refused:
                    break
            else:
                refused = writer.flush()
            if refused:
                raise _RollBack
            added = store.counts()[table] - before
    except _RollBack:
        written = 0
    if refused:
        for bad_row, problems in refused:
            report.invalid += 1
            for problem in _row_problems(bad_row, problems, rt):
                report.note(problem)
    report.added = added
    report.existing = max(0, written - len(refused) - report.added)
    report.committed = not refused
    return report


def _commit_good_rows(
    store: Store,
    rows: RowStream,
    results: Iterator[tuple[RowResult, Record | None, list[Problem]]],
    rt: RecordType,
    table: str,
    actor: str,
    rejects: str | os.PathLike[str] | IO[bytes] | None,
    lang: Lang,
    batch_size: int,
) -> ImportReport:
    report = rows.report
    fmt = rows._reader.format
    target: Path | IO[bytes] | None
    if rejects is None:
        target = _default_rejects(rows.source, fmt)
    elif isinstance(rejects, str | os.PathLike):
        target = Path(rejects)
    else:
        target = rejects
    out = _Rejects(target, rows.header, fmt, lang) if target is not None else None
    writer = _Writer(store, actor, batch_size, isolate=True)
    before = store.counts()[table]
    written = 0
    refused_rows = 0

    def reject(row: RowResult, problems: list[RowProblem]) -> None:
        if out is not None:
            out.add(row, problems, len(rows.header))

    try:
        for row, record, problems in results:
            if record is None:
                found = list(row.problems) or _row_problems(row, problems, rt)
                reject(row, found)
                continue
            written += 1
            for bad_row, bad in writer.write(row, record):
                refused_rows += 1
                listed = _row_problems(bad_row, bad, rt)
                for problem in listed:
                    report.note(problem)
                reject(bad_row, listed)
        for bad_row, bad in writer.flush():
            refused_rows += 1
            listed = _row_problems(bad_row, bad, rt)
            for problem in listed:
                report.note(problem)
            reject(bad_row, listed)
    finally:
        if out is not None:
            out.close()
    report.valid -= refused_rows
    report.invalid += refused_rows
    report.added = store.counts()[table] - before
    report.existing = max(0, written - refused_rows - report.added)
    report.committed = True
    if out is not None and out.count and isinstance(out.path, Path):
        report.rejects = out.path
    return report
