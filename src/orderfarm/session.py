"""A logged-in user's view of the store: every operation the page performs, permission-checked.

``Session(store, user)`` checks the user's role (``orderfarm.auth.Permission``) before each call
to the store and raises ``PermissionDenied`` when it does not allow it, so a page, a script or a
forged request cannot do more than the role may. Writes name the user as the audit's actor.
For a role without ``VIEW_PERSONAL`` resident IDs, phones and accounts come back masked, and
households are named by an opaque ``ref`` instead of their ID.

>>> import tempfile, pathlib
>>> from orderfarm.auth import Role, User
>>> from orderfarm.store import Store
>>> with tempfile.TemporaryDirectory() as tmp, Store.open(pathlib.Path(tmp) / "s.db") as store:
...     viewer = Session(store, User("zhao", Role.VIEWER))
...     viewer.may(Permission.RECORD_DELIVERY)
False
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import secrets
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any, Final, TypeVar, cast

import attrs

from orderfarm.actuals import ActualSummary, season_summary
from orderfarm.auth import Permission, PermissionDenied, Role, User
from orderfarm.contracts import Contract, ContractStatus
from orderfarm.crops import Catalog
from orderfarm.errors import OrderfarmError, ValidationError
from orderfarm.estimate import Estimate, GroupBy, GroupSummary, aggregate, estimate
from orderfarm.ids import mask_account, mask_resident_id
from orderfarm.io.exporting import mask_text
from orderfarm.io.exports import (
    INSPECTION_COLUMNS,
    audit_full_export,
    export_table,
    market_prices,
)
from orderfarm.io.importing import ImportReport
from orderfarm.io.loading import import_file
from orderfarm.io.records import MarketPriceRecord
from orderfarm.io.writers import Bilingual, Cell, Table
from orderfarm.messages import Lang
from orderfarm.parties import Enterprise, Household, PovertyStatus
from orderfarm.pricing import Quote, Weighing, price_delivery
from orderfarm.printables import (
    Replaced,
    contract_html,
    receipt_body,
    receipt_html,
    receipts_html,
    statement_html,
)
from orderfarm.settlement import Statement
from orderfarm.store import (
    AuditEntry,
    Delivery,
    HouseholdSettlement,
    InputRecord,
    NotFoundError,
    Payment,
    ReportRow,
    Store,
    VerifyReport,
    Void,
)
from orderfarm.store import users as store_users
from orderfarm.supplies import InputSupply
from orderfarm.units import china_day
from orderfarm.voids import reason_in

P = Permission
T = TypeVar("T")

#: The permission each import needs besides ``IMPORT``: an import may not write what the
#: role could not write by hand.
IMPORT_PERMISSIONS: Final = {
    "households": P.WRITE_PARTIES,
    "enterprises": P.WRITE_PARTIES,
    "contracts": P.WRITE_CONTRACTS,
    "market_prices": P.SET_PRICES,
    "slips": P.RECORD_DELIVERY,
    "supplies": P.RECORD_INPUT,
    "payments": P.RECORD_PAYMENT,
}
#: Statuses of contracts that count for a season (a draft or a cancelled one does not).
LIVE_STATUSES: Final = (ContractStatus.SIGNED, ContractStatus.CLOSED, ContractStatus.TERMINATED)


class _ByHead:
    """Values computed from a whole store (a season's report, the household list), kept per
    file and audit head: every write appends an audit entry, so a new head means the value is
    computed afresh, and a page shown again reads nothing that grows with the store."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[tuple[object, ...], object] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        full = (store.path, store.audit_head()[0], *key)
        with self._lock:
            if full in self._values:
                return cast(T, self._values[full])
        value = compute()
        with self._lock:
            if len(self._values) >= self.size:
                self._values.pop(next(iter(self._values)))  # the oldest
            self._values[full] = value
        return value


_REPORTS: Final = _ByHead(64)
#: A county's household list is ~10^5 views: keep a few.
_HOUSEHOLDS: Final = _ByHead(4)


@attrs.frozen
class HouseholdView:
    """A household as the user may see it: ``ref`` names it in later calls; personal numbers
    (resident ID, phone, account) are masked for a role without ``VIEW_PERSONAL``."""

    ref: str
    head_name: str
    resident_id: str
    township: str
    village: str
    group: str
    phone: str
    members: int
    poverty_status: PovertyStatus
    account: str
    masked: bool

    @property
    def is_poor(self) -> bool:
        """Whether the household is a registered poor household (建档立卡贫困户)."""
        return self.poverty_status is PovertyStatus.REGISTERED_POOR

    @property
    def place(self) -> str:
        """Township, village and group: ``大荆镇东沟村一组``."""
        return f"{self.township}{self.village}{self.group}"


@attrs.frozen
class HouseholdSearch:
    """What a household search found: the first households (as the user may see them), how
    many match in all, and how many there are."""

    found: tuple[HouseholdView, ...]
    matched: int
    total: int


#: The visible tail of a masked resident ID (``mask_resident_id`` shows the last 4 of an ID of
#: more than 10 characters, and every registered ID is longer): a longer tail cannot match it.
_MASKED_TAIL: Final = 4


@attrs.frozen
class SignResult:
    """One contract of a batch signing: its number and the error, if it could not be signed."""

    contract_no: str
    error: OrderfarmError | None = None

    @property
    def ok(self) -> bool:
        """Whether the contract is signed now."""
        return self.error is None


#: The most households one inspection sample takes (the page's 抽查户数 and the command line's
#: ``--size`` alike).
INSPECTION_MAX_SIZE: Final = 500


@attrs.frozen
class InspectionItem:
    """督察抽查 — one sampled household with its slips of the season, to compare with paper."""

    household: HouseholdView
    deliveries: tuple[Delivery, ...]


@attrs.frozen
class VoidTarget:
    """The record a void would cancel: whose it is, which slip, supply or payment, its day and
    amount, and whether it is voided already (``void``: why and when)."""

    kind: str
    record_id: int
    head_name: str
    label: str
    day: dt.date
    amount: Decimal
    voided: bool
    void: Void | None = None


def void_day(void: Void) -> dt.date:
    """The day, in China, a record was voided."""
    return china_day(dt.datetime.fromisoformat(void.recorded_at))


def receipt_parts(
    store: Store,
    delivery_id: int,
    parties: dict[str, dict[str, Any]] | None = None,
    revisions: _Revisions | None = None,
) -> tuple[Quote, dict[str, Any]]:
    """A slip's quote and what its receipt prints besides (``receipt_html``'s arguments: a
    correction's revision, a void's reason and day, the parties), for the page and the command
    line alike; ``parties`` keeps each contract's parties, read once for the slips of one
    contract, and ``revisions`` each household's slips of a season (``replaced_record``)."""
    parties = {} if parties is None else parties
    d = store.delivery(delivery_id)
    if d.contract_no not in parties:
        contract = store.contract(d.contract_no)
        parties[d.contract_no] = {
            "household": store.household(contract.household_id),
            "enterprise": store.enterprise(contract.enterprise_uscc),
            "contract": contract,
        }
    void = store.voids("delivery", [delivery_id]).get(delivery_id) if d.voided else None
    return d.quote, {
        "receipt_no": d.receipt_no,
        "day": d.day,
        "purchase_point": d.purchase_point,
        "revision": d.revision,
        # masked as the receipt masks the household's ID, whoever prints it
        "void_reason": mask_text(void.reason) if void is not None else None,
        "voided_on": void_day(void) if void is not None else None,
        "replaces": replaced_record(store, d, revisions),
        **parties[d.contract_no],
    }


#: a household's slips of a season by (enterprise, receipt, revision), read once for the
#: receipts of one page
_Revisions = dict[tuple[str, int], dict[tuple[str, str, int], Delivery]]


def replaced_record(
    store: Store, d: Delivery, revisions: _Revisions | None = None
) -> Replaced | None:
    """The record of ``d``'s receipt that ``d`` replaces (the revision before it, voided), with
    its void's reason (masked as the receipt masks IDs) and day; ``None`` for a first record,
    or when the earlier one is not among the household's slips of the season. ``revisions``
    keeps each household's season read once, for many receipts."""
    if d.revision <= 0:
        return None
    revisions = {} if revisions is None else revisions
    season = (d.household_id, d.season)
    if season not in revisions:
        revisions[season] = {
            (e.enterprise_uscc, e.receipt_no, e.revision): e
            for e in store.deliveries(household_id=d.household_id, season=d.season)
        }
    earlier = revisions[season].get((d.enterprise_uscc, d.receipt_no, d.revision - 1))
    if earlier is None:
        return None
    void = store.voids("delivery", [earlier.id]).get(earlier.id)
    if void is None:
        return None
    return Replaced(earlier.id, earlier.amount, mask_text(void.reason), void_day(void))


def sample_households(resident_ids: Iterable[str], size: int, seed: int) -> list[str]:
    """A reproducible random sample of ``size`` households (all of them if fewer): the same
    IDs and seed give the same sample, whatever order the IDs come in."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError.one("size", "positive")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError("the seed is an int")
    pool = sorted(set(resident_ids))
    if size >= len(pool):
        return pool
    return sorted(random.Random(seed).sample(pool, size))  # a spot check, not security


class Session:
    """What ``user`` may do with ``store``; see the module docstring.

    ``ref_key`` keys the opaque household references of a masked session; keep one per login
    so references stay valid across the page's reruns (a new random key by default).
    """

    def __init__(self, store: Store, user: User, *, ref_key: bytes | None = None) -> None:
        if not isinstance(user, User):
            raise TypeError("a Session needs an orderfarm.auth.User")
        self.store = store
        self.user = user
        self._ref_key = ref_key or secrets.token_bytes(16)
        self._refs: dict[str, str] | None = None

    # -- permissions ---------------------------------------------------------------------------

    @property
    def role(self) -> Role:
        """The user's role."""
        return self.user.role

    @property
    def catalog(self) -> Catalog:
        """The store's crop catalog."""
        return self.store.catalog

    def may(self, permission: Permission) -> bool:
        """Whether the user's role grants ``permission`` (and the user is active)."""
        return self.user.active and self.user.role.may(permission)

    @property
    def read_only(self) -> bool:
        """Whether the store was opened read-only (a copy kept as evidence): it writes
        nothing, so the page offers no form that would."""
        return self.store.read_only

    def may_write(self, permission: Permission) -> bool:
        """Whether the user may ``permission`` and the store can be written: what the page
        offers a form for."""
        return not self.read_only and self.may(permission)

    def need(self, permission: Permission) -> None:
        """Raise ``PermissionDenied`` unless the user may ``permission``."""
        if not self.may(permission):
            raise PermissionDenied(self.user.name, self.user.role, permission)

    def _not_future(self, field: str, day: dt.date) -> None:
        """Refuse a day after today (in China, by the store's clock): a slip, an input, a
        payment or a signing typed at a purchase point happened already; a later day is a typo."""
        today = self.store.today()
        if isinstance(day, dt.date) and day > today:
            raise ValidationError.one(
                field, "future_date", value=day.isoformat(), today=today.isoformat()
            )

    @property
    def personal(self) -> bool:
        """Whether the user sees full resident IDs and accounts."""
        return self.may(P.VIEW_PERSONAL)

    @property
    def actor(self) -> str:
        """The name written to the audit log."""
        return self.user.name

    # -- households ----------------------------------------------------------------------------

    def _ref(self, resident_id: str) -> str:
        if self.personal:
            return resident_id
        mac = hmac.new(self._ref_key, resident_id.encode(), hashlib.sha256).hexdigest()
        return "h" + mac[:16]

    def _view(self, h: Household) -> HouseholdView:
        masked = not self.personal
        return HouseholdView(
            ref=self._ref(h.resident_id),
            head_name=h.head_name,
            resident_id=mask_resident_id(h.resident_id) if masked else h.resident_id,
            township=h.township,
            village=h.village,
            group=h.group,
            phone=mask_account(h.phone) if masked and h.phone else h.phone,
            members=h.members,
            poverty_status=h.poverty_status,
            account=mask_account(h.account) if masked and h.account else h.account,
            masked=masked,
        )

    def resident_id(self, ref: str) -> str:
        """The resident ID behind a household reference (for the library's own calls)."""
        if self.personal:
            return self.store.household(ref).resident_id
        if self._refs is None:
            self._refs = {self._ref(h.resident_id): h.resident_id for h in self.store.households()}
        try:
            return self._refs[ref]
        except KeyError:
            raise NotFoundError(f"no household {ref} (农户不存在)") from None

    def mask_id(self, resident_id: str) -> str:
        """``resident_id`` as this user may see it."""
        return resident_id if self.personal else mask_resident_id(resident_id)

    def households(
        self, *, township: str | None = None, village: str | None = None
    ) -> list[HouseholdView]:
        """Households (optionally of a township and village), as the user may see them."""
        self.need(P.VIEW_REPORTS)
        # masked views carry references keyed by this session's key; full ones do not
        key = ("households", township, village, self.personal or self._ref_key)
        views = _HOUSEHOLDS.get(
            self.store,
            key,
            lambda: tuple(
                self._view(h) for h in self.store.households(township=township, village=village)
            ),
        )
        return list(views)

    def search_households(
        self,
        query: str,
        *,
        limit: int,
        season: int | None = None,
        statuses: Collection[ContractStatus] | None = None,
    ) -> HouseholdSearch:
        """The first ``limit`` households matching ``query`` (part of the head's name, pinyin
        initials, the tail of the resident ID as the user sees it, part of the township or
        village; see ``web.helpers.matches``), in the order of ``households()``, searched in
        the store (reading only the matches). With ``season``, only households with a
        contract that season (in one of ``statuses``, when given)."""
        self.need(P.VIEW_REPORTS)
        found = self.store.search_households(
            query,
            limit=limit,
            id_tail_max=None if self.personal else _MASKED_TAIL,
            season=season,
            statuses=statuses,
        )
        return HouseholdSearch(
            tuple(self._view(h) for h in found.households), found.matched, found.total
        )

    def household(self, ref: str) -> HouseholdView:
        """One household by reference."""
        self.need(P.VIEW_REPORTS)
        return self._view(self.store.household(self.resident_id(ref)))

    def household_record(self, ref: str) -> Household:
        """The full household record (to edit it): needs ``VIEW_PERSONAL``; each reveal of
        the full resident ID, phone and account is written to the audit log."""
        self.need(P.VIEW_PERSONAL)
        household = self.store.household(ref)
        self.store.record_event(
            "reveal",
            "household",
            household.resident_id,
            {"fields": ["resident_id", "phone", "account"]},
            actor=self.actor,
        )
        return household

    def add_household(self, household: Household) -> Household:
        """Register a household."""
        self.need(P.WRITE_PARTIES)
        return self.store.add_household(household, actor=self.actor)

    def update_household(
        self, household: Household, *, expected: Household | None = None
    ) -> Household:
        """Change a household's details (its resident ID names it); refused when the stored
        record is no longer ``expected``, the one the change was made from."""
        self.need(P.WRITE_PARTIES)
        return self.store.update_household(household, actor=self.actor, expected=expected)

    def enterprises(self) -> list[Enterprise]:
        """The enterprises (credit codes are public)."""
        self.need(P.VIEW_REPORTS)
        return self.store.enterprises()

    def add_enterprise(self, enterprise: Enterprise) -> Enterprise:
        """Register an enterprise."""
        self.need(P.WRITE_PARTIES)
        return self.store.add_enterprise(enterprise, actor=self.actor)

    # -- contracts -----------------------------------------------------------------------------

    def _masked_contract(self, contract: Contract) -> Contract:
        if self.personal:
            return contract
        return attrs.evolve(contract, household_id=mask_resident_id(contract.household_id))

    def seasons(self) -> list[int]:
        """The seasons that have contracts, latest first."""
        self.need(P.VIEW_REPORTS)
        rows = self.store._read(
            lambda conn: conn.execute(
                "SELECT DISTINCT season FROM contracts ORDER BY season DESC"
            ).fetchall()
        )
        return [int(r[0]) for r in rows]

    def contracts(
        self,
        *,
        season: int | None = None,
        household: str | None = None,
        statuses: Collection[ContractStatus] | None = None,
        place: tuple[str, str] | None = None,
    ) -> list[Contract]:
        """Contracts of a season, a household (by reference), any of ``statuses`` and the
        households of a place (township, village), as given."""
        self.need(P.VIEW_REPORTS)
        rid = self.resident_id(household) if household is not None else None
        found = self.store.contracts(
            season=season, household_id=rid, statuses=statuses, place=place
        )
        return [self._masked_contract(c) for c in found]

    def contract_places(
        self, season: int, *, statuses: Collection[ContractStatus] | None = None
    ) -> list[tuple[str, str]]:
        """The (township, village) of the households with a contract in ``season`` (in one
        of ``statuses``, when given), in order."""
        self.need(P.VIEW_REPORTS)
        return self.store.contract_places(season, statuses=statuses)

    def contract(self, contract_no: str) -> Contract:
        """One contract by number."""
        self.need(P.VIEW_REPORTS)
        return self._masked_contract(self.store.contract(contract_no))

    def add_contract(self, contract: Contract) -> Contract:
        """Store a new (draft) contract."""
        self.need(P.WRITE_CONTRACTS)
        return self.store.add_contract(contract, actor=self.actor)

    def sign_contract(self, contract_no: str, on: dt.date) -> Contract:
        """Sign a draft contract."""
        self.need(P.WRITE_CONTRACTS)
        return self.store.sign_contract(contract_no, on, actor=self.actor)

    def sign_contracts(self, contract_nos: Iterable[str], on: dt.date) -> list[SignResult]:
        """Sign many draft contracts (a village's at once); each one that cannot be signed is
        reported with its error, the others are signed."""
        self.need(P.WRITE_CONTRACTS)
        self._not_future("signed_on", on)
        results = []
        for number in contract_nos:
            try:
                self.store.sign_contract(number, on, actor=self.actor)
            except OrderfarmError as exc:
                results.append(SignResult(number, exc))
            else:
                results.append(SignResult(number))
        return results

    def cancel_contract(self, contract_no: str, reason: str = "") -> Contract:
        """Cancel a draft contract."""
        self.need(P.WRITE_CONTRACTS)
        return self.store.cancel_contract(contract_no, reason, actor=self.actor)

    def terminate_contract(self, contract_no: str, reason: str) -> Contract:
        """Terminate a signed contract, with a reason."""
        self.need(P.WRITE_CONTRACTS)
        return self.store.terminate_contract(contract_no, reason, actor=self.actor)

    def close_contract(self, contract_no: str) -> Contract:
        """Close a signed contract at the end of its season."""
        self.need(P.WRITE_CONTRACTS)
        return self.store.close_contract(contract_no, actor=self.actor)

    def contract_html(self, contract_no: str, *, lang: Lang = "zh") -> str:
        """The contract on A4 to print and sign (full IDs only for roles that may see them)."""
        self.need(P.VIEW_REPORTS)
        contract = self.store.contract(contract_no)
        return contract_html(
            contract,
            self.store.enterprise(contract.enterprise_uscc),
            self.store.household(contract.household_id),
            catalog=self.catalog,
            lang=lang,
            full_ids=self.personal,
        )

    # -- market prices -------------------------------------------------------------------------

    def set_market_price(
        self, crop: str, form: str, grade: str, day: dt.date, price: Decimal
    ) -> Decimal:
        """Record the day's market price (yuan/kg) of a day that has come (a later day is a
        typo: prices are posted as they are seen)."""
        self.need(P.SET_PRICES)
        self._not_future("day", day)
        return self.store.set_market_price(crop, form, grade, day, price, actor=self.actor)

    def market_price(self, crop: str, form: str, grade: str, day: dt.date) -> Decimal | None:
        """The day's market price, or ``None``."""
        self.need(P.VIEW_REPORTS)
        return self.store.market_price(crop, form, grade, day)

    def market_prices(self, season: int | None = None) -> list[MarketPriceRecord]:
        """Every market price in force (of ``season`` and the next year's days)."""
        self.need(P.VIEW_REPORTS)
        return list(market_prices(self.store, season))

    # -- deliveries ----------------------------------------------------------------------------

    def delivered_kg(self, contract_no: str) -> Decimal:
        """Accepted kg already delivered under a contract (voided slips left out)."""
        self.need(P.VIEW_REPORTS)
        return self.store.delivered_kg([contract_no])[contract_no]

    def quote_slip(
        self, contract_no: str, weighing: Weighing, day: dt.date, receipt_no: str | None = None
    ) -> Quote:
        """The price a slip would get if recorded now — the preview shown before saving.

        Raises the same refusals as recording would (contract not signed, day outside the
        window, no market price where one is needed), and writes nothing. With the slip's
        ``receipt_no``, a receipt whose record was voided is priced in that record's place,
        as the weighing page's Save records it.
        """
        self.need(P.RECORD_DELIVERY)
        self._not_future("day", day)
        contract = self.store.contract(contract_no)
        Store._check_deliverable(contract, day)
        market = self.store.market_price(contract.crop, contract.form, weighing.grade, day)
        return price_delivery(
            contract.priced_terms(self.catalog),
            weighing,
            market_price=market,
            delivered_before_kg=self.store.delivered_before(contract_no, receipt_no)
            if receipt_no
            else self.delivered_kg(contract_no),
        )

    def record_delivery(
        self,
        contract_no: str,
        weighing: Weighing,
        day: dt.date,
        receipt_no: str,
        *,
        purchase_point: str = "",
        anew: bool = False,
        new_receipt: bool = False,
    ) -> Delivery:
        """Record a weighing slip; the same slip again returns the stored record (one slip).

        The store answers a slip the same as a voided record of its receipt with that record
        (a file imported again adds nothing); with ``anew`` (the weighing page's Save, typed
        again after a void) such a slip is recorded as the receipt's next revision instead.
        With ``new_receipt`` (a number from ``next_receipt_no``) any record of the number is
        another slip's: refused (``ConflictError``)."""
        self.need(P.RECORD_DELIVERY)
        self._not_future("day", day)
        delivery = self.store.record_delivery(
            contract_no,
            weighing,
            day,
            receipt_no,
            purchase_point=purchase_point,
            actor=self.actor,
            anew=anew,
            new_receipt=new_receipt,
        )
        return self._masked_delivery(delivery)

    def next_receipt_no(self, contract_no: str, stem: str) -> str:
        """The next free receipt number after ``stem`` for the contract's enterprise and
        season (``Store.next_receipt_no``)."""
        self.need(P.RECORD_DELIVERY)
        return self.store.next_receipt_no(contract_no, stem)

    def _masked_delivery(self, d: Delivery) -> Delivery:
        return (
            d if self.personal else attrs.evolve(d, household_id=mask_resident_id(d.household_id))
        )

    def deliveries(
        self,
        *,
        contract_no: str | None = None,
        household: str | None = None,
        season: int | None = None,
        include_voided: bool = True,
    ) -> list[Delivery]:
        """Recorded slips matching every filter given."""
        self.need(P.VIEW_REPORTS)
        rid = self.resident_id(household) if household is not None else None
        found = self.store.deliveries(
            contract_no=contract_no, household_id=rid, season=season, include_voided=include_voided
        )
        return [self._masked_delivery(d) for d in found]

    def delivery(self, delivery_id: int) -> Delivery:
        """One recorded slip by its record id."""
        self.need(P.VIEW_REPORTS)
        return self._masked_delivery(self.store.delivery(delivery_id))

    def receipt_html(self, delivery_id: int, *, lang: Lang = "zh") -> str:
        """The printed receipt (小票) of a recorded slip, with the reason for its price."""
        self.need(P.VIEW_REPORTS)
        quote, parts = receipt_parts(self.store, delivery_id)
        return receipt_html(quote, **parts, catalog=self.catalog, lang=lang)

    def receipts_html(self, delivery_ids: Sequence[int], *, lang: Lang = "zh") -> str:
        """The receipts of several recorded slips on one page, one per slip of paper."""
        self.need(P.VIEW_REPORTS)
        parties: dict[str, dict[str, Any]] = {}
        revisions: _Revisions = {}
        bodies = []
        for delivery_id in delivery_ids:
            quote, parts = receipt_parts(self.store, delivery_id, parties, revisions)
            bodies.append(receipt_body(quote, **parts, catalog=self.catalog, lang=lang))
        return receipts_html(bodies, lang=lang)

    def current_delivery(self, delivery_id: int) -> Delivery | None:
        """The record that counts now for the slip recorded as ``delivery_id``: that record
        while it stands; once voided, the live later revision of its receipt holding the same
        slip (recorded again when a void before it re-priced it, DESIGN §4 step 6, or typed
        again); ``None`` when the slip stands in no record."""
        self.need(P.VIEW_REPORTS)
        d = self.store.delivery(delivery_id)
        if not d.voided:
            return self._masked_delivery(d)
        latest = self.store.find_delivery(d.enterprise_uscc, d.season, d.receipt_no)
        if latest is None or latest.voided or latest.revision <= d.revision:
            return None
        same = (latest.contract_no, latest.weighing, latest.day, latest.purchase_point)
        if same != (d.contract_no, d.weighing, d.day, d.purchase_point):
            return None  # another slip under the number: this one stands nowhere
        return self._masked_delivery(latest)

    # -- inputs and payments -------------------------------------------------------------------

    def supply_input(
        self, contract_no: str, supply: InputSupply, day: dt.date, reference: str
    ) -> InputRecord:
        """Record inputs handed out under a signed contract."""
        self.need(P.RECORD_INPUT)
        self._not_future("day", day)
        return self.store.supply_input(contract_no, supply, day, reference, actor=self.actor)

    def input_records(
        self, *, household: str | None = None, season: int | None = None
    ) -> list[InputRecord]:
        """Input supplies of a household and/or season."""
        self.need(P.VIEW_REPORTS)
        rid = self.resident_id(household) if household is not None else None
        found = self.store.input_records(household_id=rid, season=season)
        if self.personal:
            return found
        return [attrs.evolve(r, household_id=mask_resident_id(r.household_id)) for r in found]

    def record_payment(
        self,
        household: str,
        season: int,
        amount: Decimal,
        day: dt.date,
        reference: str,
        *,
        note: str = "",
    ) -> Payment:
        """Record a payment to a household (by reference) for a season."""
        self.need(P.RECORD_PAYMENT)
        self._not_future("day", day)
        return self.store.record_payment(
            self.resident_id(household), season, amount, day, reference, note=note, actor=self.actor
        )

    def payments(self, *, household: str | None = None, season: int | None = None) -> list[Payment]:
        """Payments of a household and/or season."""
        self.need(P.VIEW_REPORTS)
        rid = self.resident_id(household) if household is not None else None
        found = self.store.payments(household_id=rid, season=season)
        if self.personal:
            return found
        return [attrs.evolve(p, household_id=mask_resident_id(p.household_id)) for p in found]

    def void_target(self, kind: str, record_id: int) -> VoidTarget:
        """What voiding record ``record_id`` of ``kind`` would cancel, to show before it is
        confirmed (``NotFoundError`` when there is no such record)."""
        self.need(P.VOID_RECORD)
        record: Delivery | InputRecord | Payment
        if kind == "delivery":
            record = self.store.delivery(record_id)
            label = record.receipt_no
        elif kind == "supply":
            record = self.store.input_record(record_id)
            label = f"{record.reference} {record.supply.item}"
        elif kind == "payment":
            record = self.store.payment(record_id)
            label = record.reference
        else:
            raise ValueError(f"cannot void a {kind!r}")
        head = self.store.household(record.household_id).head_name
        void = self.voids(kind, [record_id]).get(record_id) if record.voided else None
        return VoidTarget(
            kind, record_id, head, label, record.day, record.amount, record.voided, void
        )

    def voids(self, kind: str, record_ids: Iterable[int]) -> dict[int, Void]:
        """The voids of those of ``record_ids`` (of ``kind``: delivery, supply or payment)
        that are voided, by record id: the reason, who voided it and when (``void_day``).
        Personal numbers in a reason are masked for a role that may not see them."""
        self.need(P.VIEW_REPORTS)
        found = self.store.voids(kind, record_ids)
        if self.personal:
            return found
        return {i: attrs.evolve(v, reason=mask_text(v.reason)) for i, v in found.items()}

    def void(self, kind: str, record_id: int, reason: str) -> Void:
        """Void a delivery, supply or payment record, with a reason."""
        self.need(P.VOID_RECORD)
        if kind == "delivery":
            return self.store.void_delivery(record_id, reason, actor=self.actor)
        if kind == "supply":
            return self.store.void_supply(record_id, reason, actor=self.actor)
        if kind == "payment":
            return self.store.void_payment(record_id, reason, actor=self.actor)
        raise ValueError(f"cannot void a {kind!r}")

    # -- statements, settlement, reports -------------------------------------------------------

    def statement(self, household: str, season: int) -> Statement:
        """A household's statement (对账单) for a season."""
        self.need(P.VIEW_REPORTS)
        statement = self.store.statement(self.resident_id(household), season)
        if self.personal:
            return statement
        return attrs.evolve(statement, household_id=mask_resident_id(statement.household_id))

    def unsupplied(self, household: str, season: int) -> list[tuple[str, InputSupply]]:
        """The advances a household's contracts agree to with no supply recorded yet
        (``Store.unsupplied``)."""
        self.need(P.VIEW_REPORTS)
        return self.store.unsupplied(self.resident_id(household), season)

    def statement_html(
        self, household: str, season: int, *, lang: Lang = "zh", printed_on: dt.date | None = None
    ) -> str:
        """The statement on A4, to print and sign."""
        self.need(P.VIEW_REPORTS)
        rid = self.resident_id(household)
        return statement_html(
            self.store.statement(rid, season),
            self.store.household(rid),
            lang=lang,
            full_ids=self.personal,
            printed_on=printed_on,
        )

    def settle(self, season: int) -> Sequence[HouseholdSettlement]:
        """Every household's settled season."""
        self.need(P.VIEW_REPORTS)
        found = self.store.settle(season)
        if self.personal:
            return found
        return [attrs.evolve(s, household_id=mask_resident_id(s.household_id)) for s in found]

    def report(self, season: int, by: Sequence[str] = ()) -> list[ReportRow]:
        """The season report grouped by township, village, crop and/or enterprise."""
        self.need(P.VIEW_REPORTS)
        key = ("report", season, tuple(by))
        return list(_REPORTS.get(self.store, key, lambda: tuple(self.store.report(season, by=by))))

    def revision(self) -> int:
        """The number of the store's last audit entry: every write appends one, so what a page
        made from the store (a file prepared to download) is current while this is unchanged."""
        self.need(P.VIEW_REPORTS)
        return self.store.audit_head()[0]

    def export(
        self, what: str, *, season: int | None = None, full: bool = False, by: Sequence[str] = ()
    ) -> Table:
        """A table to download (``orderfarm.io.exports.EXPORTS``); ``full`` (unmasked, audited)
        needs ``VIEW_PERSONAL``, the audit log ``VIEW_AUDIT``, the bank list ``RECORD_PAYMENT``."""
        self.need(P.VIEW_AUDIT if what == "audit" else P.VIEW_REPORTS)
        if what == "bank":
            self.need(P.RECORD_PAYMENT)
        if full:
            self.need(P.VIEW_PERSONAL)
        extra: dict[str, Any] = {"by": by} if by else {}
        return export_table(self.store, what, season=season, full=full, actor=self.actor, **extra)

    # -- imports -------------------------------------------------------------------------------

    def import_file(
        self,
        source: str | bytes,
        kind: str,
        *,
        commit: bool = False,
        format: str | None = None,
        lang: Lang = "zh",
        today: dt.date | None = None,
        sheet: str | None = None,
    ) -> ImportReport:
        """Check a file (dry run) or write it, all or nothing (an XLSX's ``sheet``, the first
        by default); the import needs both ``IMPORT`` and the permission to write that kind
        of record by hand."""
        self.need(P.IMPORT)
        self.need(IMPORT_PERMISSIONS.get(kind, P.MANAGE_USERS))
        return import_file(
            self.store,
            source,
            kind,
            commit=commit,
            actor=self.actor,
            format=format,
            lang=lang,
            today=today,
            sheet=sheet,
        )

    # -- estimates -----------------------------------------------------------------------------

    def estimate(self, crop: str, form: str, area_mu: Decimal | str, **kwargs: Any) -> Estimate:
        """增收测算 for one household's what-if (``orderfarm.estimate.estimate``)."""
        self.need(P.VIEW_REPORTS)
        return estimate(crop, form, area_mu, catalog=self.catalog, **kwargs)

    def estimate_groups(
        self, season: int, by: GroupBy, **overrides: Any
    ) -> tuple[GroupSummary, ...]:
        """The season's signed contracts estimated and summed per village, township, crop…
        (kept until the store is written: a county's season is 10^5 estimates, and the page
        is drawn again at each figure the clerk types in its what-if)."""
        self.need(P.VIEW_REPORTS)

        def compute() -> tuple[GroupSummary, ...]:
            homes = {h.resident_id: h for h in self.store.households()}
            pairs = [
                (homes[c.household_id], c)
                for c in self.store.contracts(season=season)
                if c.status in LIVE_STATUSES and c.household_id in homes
            ]
            return aggregate(pairs, by, catalog=self.catalog, **overrides)

        given = tuple(sorted((k, repr(v)) for k, v in overrides.items()))
        return _REPORTS.get(self.store, ("estimate", season, by, given), compute)

    def actuals(self, season: int, by: GroupBy) -> tuple[ActualSummary, ...]:
        """Estimate against actual per village, township, crop…, with side-selling flags,
        summed in SQL (``orderfarm.actuals.season_summary``; the top-up is left out)."""
        self.need(P.VIEW_REPORTS)
        key = ("actuals", season, by)
        return _REPORTS.get(self.store, key, lambda: season_summary(self.store, season, by))

    # -- audit ---------------------------------------------------------------------------------

    def audit_log(self, *, since: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """The audit entries after ``since``."""
        self.need(P.VIEW_AUDIT)
        return self.store.audit_log(since=since, limit=limit)

    def audit_head(self) -> tuple[int, str]:
        """The last audit entry's number and hash."""
        self.need(P.VIEW_AUDIT)
        return self.store.audit_head()

    def verify(self) -> VerifyReport:
        """Check the file, the audit chain and every stored amount."""
        self.need(P.VIEW_AUDIT)
        return self.store.verify()

    def inspection_sample(self, season: int, size: int, seed: int) -> list[InspectionItem]:
        """督察抽查: a reproducible sample of the season's contracted households, each with its
        slips, to compare against the paper receipts (``INSPECT``: a viewer's, IDs masked)."""
        self.need(P.INSPECT)
        contracted = {c.household_id for c in self.store.contracts(season=season)}
        chosen = sample_households(contracted, size, seed)
        return [
            InspectionItem(
                self._view(self.store.household(rid)),
                tuple(
                    self._masked_delivery(d)
                    for d in self.store.deliveries(household_id=rid, season=season)
                ),
            )
            for rid in chosen
        ]

    def inspection_table(self, season: int, size: int, seed: int, lang: Lang = "zh") -> Table:
        """The inspection sample as a checklist to take to the villages: a row per slip (a
        household with none gets a row of its own: a contract with nothing delivered is worth
        a visit too), 核对结果 and 备注 left empty; the title says how to draw it again."""
        rows: list[list[Cell]] = []
        items = self.inspection_sample(season, size, seed)
        if self.personal:  # full resident IDs leave the store in a file: audited, as exports are
            audit_full_export(self.store, "inspection", season=season, actor=self.actor)
        voids = self.voids("delivery", (d.id for item in items for d in item.deliveries))
        for item in items:
            h = item.household
            home: list[Cell] = [h.head_name, h.place, h.resident_id]
            rows.extend(
                [
                    *home,
                    d.receipt_no,
                    d.day,
                    d.purchase_point,
                    d.weighing.grade,
                    d.weighing.gross_kg,
                    d.weighing.tare_kg,
                    d.weighing.moisture,
                    d.weighing.impurity,
                    d.quote.net_kg,
                    d.amount,
                    not d.quote.accepted,
                    d.voided,
                    reason_in(voids[d.id].reason, lang) if d.id in voids else "",
                    "",
                    "",
                ]
                for d in item.deliveries
            )
            if not item.deliveries:
                rows.append(home + [None] * (len(INSPECTION_COLUMNS) - len(home)))
        title = (
            f"{season} 年度督察抽查：{len(items)} 户，随机种子 {seed}"
            if lang == "zh"
            else f"Inspection sample of season {season}: {len(items)} households, seed {seed}"
        )
        return Table(Bilingual("督察抽查", "inspection"), INSPECTION_COLUMNS, rows, title=title)

    # -- users ---------------------------------------------------------------------------------

    def users(self) -> list[User]:
        """Every user."""
        self.need(P.MANAGE_USERS)
        return store_users.list_users(self.store)

    def add_user(self, name: str, role: Role | str, password: str) -> User:
        """Add a user."""
        self.need(P.MANAGE_USERS)
        return store_users.add_user(self.store, name, role, password, actor=self.actor)

    def set_password(self, name: str, password: str) -> None:
        """Set a user's password; any user may set their own."""
        if name != self.user.name:
            self.need(P.MANAGE_USERS)
        store_users.set_password(self.store, name, password, actor=self.actor)

    def set_active(self, name: str, active: bool) -> User:
        """Enable or disable a user."""
        self.need(P.MANAGE_USERS)
        return store_users.set_active(self.store, name, active, actor=self.actor)

    def set_role(self, name: str, role: Role | str) -> User:
        """Change a user's role."""
        self.need(P.MANAGE_USERS)
        return store_users.set_role(self.store, name, role, actor=self.actor)


__all__ = [
    "IMPORT_PERMISSIONS",
    "INSPECTION_MAX_SIZE",
    "HouseholdView",
    "InspectionItem",
    "Session",
    "SignResult",
    "sample_households",
]
