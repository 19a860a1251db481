"""Promise 5 — access: every store write checks its actor's role; a viewer or a logged-out
session cannot write through the page or the library; full resident IDs and accounts go
only to roles allowed them, each reveal audited; passwords never appear in clear in the
database, the logs or the audit; logins are rate-limited; XSRF protection stays on."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from streamlit.testing.v1 import AppTest

from orderfarm import D, Enterprise, InputSupply, Slip, Store, Weighing
from orderfarm.auth import LoginFailed, LoginThrottle, Permission, PermissionDenied, Role, User
from orderfarm.errors import ValidationError
from orderfarm.ids import uscc_check_character
from orderfarm.io.exports import export_table
from orderfarm.session import Session
from orderfarm.store import users
from orderfarm.supplies import ChargeMode
from orderfarm.web.settings import PAGE_SETTINGS
from tests.reliability.support import DAY, SEASON, build_season
from tests.test_store_support import chilli_contract, household
from tests.websupport import demo_db, demo_template, goto, login, start  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "src" / "orderfarm" / "web" / "pages"
PASSWORDS = {
    "admin1": "Adm!n-秘密-2018",
    "clerk1": "Clerk-口令-9931",
    "viewer1": "View-密码-5577",
    "gone1": "Gone-暗号-4242",
}
NEW_USCC = "91611002MA6YQKC11" + uscc_check_character("91611002MA6YQKC11")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed season with slips, an advance and a payment, and one user per role (plus a
    disabled clerk); each test works on a copy."""
    db = tmp_path_factory.mktemp("access") / "template.db"
    build_season(db, 2)
    with Store.open(db) as opened:
        weighing = Weighing(gross_kg=D("101"), tare_kg=D("1"), grade="一级")
        opened.record_delivery("C-0", weighing, DAY, "R-1")
        opened.record_delivery("C-1", weighing, DAY, "R-1B")
        seedlings = InputSupply("辣椒苗", D("100"), "株", D("0.03"), ChargeMode.ADVANCE)
        opened.supply_input("C-0", seedlings, DAY, "S-1")
        home = opened.contract("C-0").household_id
        opened.record_payment(home, SEASON, D("10.00"), DAY, "P-1")
        users.add_user(opened, "admin1", Role.ADMIN, PASSWORDS["admin1"], actor="setup")
        users.add_user(opened, "clerk1", Role.CLERK, PASSWORDS["clerk1"], actor="admin1")
        users.add_user(opened, "viewer1", Role.VIEWER, PASSWORDS["viewer1"], actor="admin1")
        users.add_user(opened, "gone1", Role.CLERK, PASSWORDS["gone1"], actor="admin1")
        users.set_active(opened, "gone1", False, actor="admin1")
    return db


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    db = tmp_path / "access.db"
    shutil.copyfile(template, db)
    with Store.open(db) as opened:
        yield opened


Write = Callable[[Store, str], object]


def _update_household(s: Store, a: str) -> object:
    home = s.household(s.contract("C-1").household_id)
    return s.update_household(attrs.evolve(home, phone="13900000000"), actor=a)


_LOT = Weighing(gross_kg=D("21"), tare_kg=D("1"), grade="一级")

#: Every write of the store and of its users, as a call naming the actor, with the
#: permission it needs.
WRITES: dict[str, tuple[Permission, Write]] = {
    "add_enterprise": (
        Permission.WRITE_PARTIES,
        lambda s, a: s.add_enterprise(Enterprise("商州区新农业有限公司", NEW_USCC), actor=a),
    ),
    "add_household": (
        Permission.WRITE_PARTIES,
        lambda s, a: s.add_household(household(9), actor=a),
    ),
    "update_household": (Permission.WRITE_PARTIES, _update_household),
    "add_contract": (
        Permission.WRITE_CONTRACTS,
        lambda s, a: s.add_contract(
            chilli_contract("C-9", s.household(s.contract("C-1").household_id)), actor=a
        ),
    ),
    "sign_contract": (
        Permission.WRITE_CONTRACTS,
        lambda s, a: (
            s.add_contract(chilli_contract("C-8", s.household(s.contract("C-1").household_id)))
            and s.sign_contract("C-8", dt.date(2018, 5, 2), actor=a)
        ),
    ),
    "close_contract": (Permission.WRITE_CONTRACTS, lambda s, a: s.close_contract("C-0", actor=a)),
    "cancel_contract": (
        Permission.WRITE_CONTRACTS,
        lambda s, a: (
            s.add_contract(chilli_contract("C-7", s.household(s.contract("C-1").household_id)))
            and s.cancel_contract("C-7", "mistake", actor=a)
        ),
    ),
    "terminate_contract": (
        Permission.WRITE_CONTRACTS,
        lambda s, a: s.terminate_contract("C-1", "moved away", actor=a),
    ),
    "set_market_price": (
        Permission.SET_PRICES,
        lambda s, a: s.set_market_price("chilli", "fresh", "一级", DAY, D("3.00"), actor=a),
    ),
    "record_delivery": (
        Permission.RECORD_DELIVERY,
        lambda s, a: s.record_delivery("C-0", _LOT, DAY, "R-2", actor=a),
    ),
    "record_deliveries": (
        Permission.RECORD_DELIVERY,
        lambda s, a: s.record_deliveries([Slip("C-0", _LOT, DAY, "R-3")], actor=a),
    ),
    "supply_input": (
        Permission.RECORD_INPUT,
        lambda s, a: s.supply_input(
            "C-0",
            InputSupply("地膜", D("2"), "kg", D("10"), ChargeMode.ADVANCE),
            DAY,
            "S-2",
            actor=a,
        ),
    ),
    "record_payment": (
        Permission.RECORD_PAYMENT,
        lambda s, a: s.record_payment(
            s.contract("C-0").household_id, SEASON, D("1.00"), DAY, "P-2", actor=a
        ),
    ),
    "void_delivery": (Permission.VOID_RECORD, lambda s, a: s.void_delivery(2, "scale", actor=a)),
    "void_supply": (Permission.VOID_RECORD, lambda s, a: s.void_supply(1, "unused", actor=a)),
    "void_payment": (Permission.VOID_RECORD, lambda s, a: s.void_payment(1, "bounced", actor=a)),
    "record_event": (
        Permission.VIEW_PERSONAL,
        lambda s, a: s.record_event("reveal", "household", "x", {}, actor=a),
    ),
    "add_user": (
        Permission.MANAGE_USERS,
        lambda s, a: users.add_user(s, "new1", Role.ADMIN, "long-enough-1", actor=a),
    ),
    "set_role": (
        Permission.MANAGE_USERS,
        lambda s, a: users.set_role(s, "viewer1", Role.ADMIN, actor=a),
    ),
    "set_active": (
        Permission.MANAGE_USERS,
        lambda s, a: users.set_active(s, "clerk1", False, actor=a),
    ),
    "set_password": (
        Permission.MANAGE_USERS,
        lambda s, a: users.set_password(s, "admin1", "taken-over-1", actor=a),
    ),
}

#: Public Store methods that only read (everything else must be in WRITES).
READS = {
    "audit_head",
    "audit_log",
    "authorize",
    "backup",
    "close",
    "contract",
    "contract_places",
    "contracts",
    "counts",
    "delivered_before",
    "delivered_kg",
    "deliveries",
    "delivery",
    "enterprise",
    "enterprises",
    "find_deliveries",
    "voids",
    "find_delivery",
    "household",
    "households",
    "input_record",
    "input_records",
    "market_price",
    "next_receipt_no",
    "open",
    "open_existing",
    "payment",
    "payments",
    "report",
    "unsupplied",
    "search_households",
    "settle",
    "statement",
    "totals",
    "transaction",
    "verify",
    "path",
    "read_only",
    "schema_version",
    "catalog",
    "clock",
    "today",
}


def _snapshot(store: Store) -> tuple[dict[str, int], tuple[int, str], list[User]]:
    return store.counts(), store.audit_head(), users.list_users(store)


def test_every_public_store_method_is_known_as_a_read_or_a_checked_write() -> None:
    public = {name for name in dir(Store) if not name.startswith("_")}
    unknown = public - READS - set(WRITES)
    assert not unknown, f"new Store methods: add each to WRITES (checked) or READS: {unknown}"


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("actor", ["viewer1", "gone1", "clerk1", "admin1", "script"])
def test_every_store_write_checks_the_actor_role(store: Store, write: str, actor: str) -> None:
    permission, call = WRITES[write]
    role = {"viewer1": Role.VIEWER, "gone1": None, "clerk1": Role.CLERK, "admin1": Role.ADMIN}
    allowed = actor == "script" or (
        role.get(actor) is not None and role[actor].may(permission)  # type: ignore[union-attr]
    )
    before = _snapshot(store)
    if allowed:
        call(store, actor)
        return
    with pytest.raises(PermissionDenied) as denied:
        call(store, actor)
    assert actor in str(denied.value) and permission.value in str(denied.value)
    after = _snapshot(store)
    # A denied write leaves nothing (the contracts the call set up first may be there).
    assert after[1:] == before[1:] or write in ("sign_contract", "cancel_contract")
    assert {k: v for k, v in after[0].items() if k not in ("contracts", "audit")} == {
        k: v for k, v in before[0].items() if k not in ("contracts", "audit")
    }


def test_script_is_not_a_user_name(store: Store) -> None:
    with pytest.raises(ValidationError):
        users.add_user(store, "script", Role.VIEWER, "long-enough-1", actor="admin1")


def test_a_viewer_session_cannot_write_and_sees_no_personal_numbers(store: Store) -> None:
    viewer = Session(store, users.get_user(store, "viewer1"))
    before = _snapshot(store)
    ref = viewer.households()[0].ref
    attempts: list[Callable[[], object]] = [
        lambda: viewer.add_household(household(9)),
        lambda: viewer.record_delivery("C-0", _LOT, DAY, "R-9"),
        lambda: viewer.record_payment(ref, SEASON, D("1.00"), DAY, "P-9"),
        lambda: viewer.set_market_price("chilli", "fresh", "一级", DAY, D("3")),
        lambda: viewer.void("delivery", 1, "x"),
        lambda: viewer.sign_contract("C-1", DAY),
        lambda: viewer.add_user("x1", Role.ADMIN, "long-enough-1"),
        lambda: viewer.export("households", full=True),
        lambda: viewer.household_record(ref),
        lambda: viewer.import_file(b"head_name\n", "households", commit=True),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert _snapshot(store) == before
    for view in viewer.households():
        assert "*" in view.resident_id and view.masked
        assert view.resident_id != store.household(viewer.resident_id(view.ref)).resident_id
    rows = export_table(store, "households", full=False, actor="viewer1").rows
    ids = {h.resident_id for h in store.households()}
    assert not any(str(cell) in ids for row in rows for cell in row)
    # an inspector is a viewer: the inspection checklist with IDs masked, and nothing written
    checklist = viewer.inspection_table(SEASON, 5, 1).rows
    assert checklist and not any(str(cell) in ids for row in checklist for cell in row)
    assert _snapshot(store) == before


def test_a_full_export_needs_personal_rights_in_the_library_too(store: Store) -> None:
    before = _snapshot(store)
    with pytest.raises(PermissionDenied):
        export_table(store, "households", full=True, actor="viewer1")
    assert _snapshot(store) == before


def test_each_reveal_of_personal_numbers_is_audited(store: Store) -> None:
    clerk = Session(store, users.get_user(store, "clerk1"))
    rid = store.contract("C-0").household_id
    seq, _ = store.audit_head()
    assert clerk.household_record(rid).resident_id == rid
    table = clerk.export("bank", season=SEASON, full=True)
    assert table.rows
    entries = store.audit_log(since=seq)
    assert [(e.action, e.actor) for e in entries] == [
        ("reveal", "clerk1"),
        ("export_full", "clerk1"),
    ]
    assert entries[0].ref == rid


def _everything_written(store: Store, tmp_path: Path) -> bytes:
    """The database file and its WAL, after a checkpoint, plus a dump of every table."""
    dump = "\n".join(store._db.connection().iterdump())
    data = dump.encode()
    for path in tmp_path.glob("access.db*"):
        data += path.read_bytes()
    return data


def test_passwords_never_appear_in_clear(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = Session(store, users.get_user(store, "admin1"))
    admin.set_password("clerk1", "Clerk-新口令-0001")
    for name, password in PASSWORDS.items():
        with pytest.raises(LoginFailed):
            users.authenticate(store, name, password + "x")
    assert users.authenticate(store, "admin1", PASSWORDS["admin1"]).role is Role.ADMIN
    written = _everything_written(store, tmp_path)
    audit = "\n".join(e.payload + e.ref for e in store.audit_log())
    logs = caplog.text
    for password in [*PASSWORDS.values(), "Clerk-新口令-0001"]:
        for text in (password, password + "x"):
            assert text.encode() not in written
            assert text not in audit and text not in logs
    hashes = [r[0] for r in store._db.connection().execute("SELECT password_hash FROM users")]
    assert all(h.startswith("scrypt$") for h in hashes)


def test_logins_are_rate_limited(store: Store) -> None:
    now = dt.datetime(2018, 11, 1, 9, 0, tzinfo=dt.UTC)
    throttle = LoginThrottle()
    for i in range(throttle.max_failures):
        with pytest.raises(LoginFailed) as failed:
            users.authenticate(store, "clerk1", "wrong-pass", now=now + dt.timedelta(seconds=i))
    assert failed.value.reason == "locked"
    # Locked even with the right password, until the lockout ends.
    with pytest.raises(LoginFailed) as locked:
        users.authenticate(store, "clerk1", PASSWORDS["clerk1"], now=now + dt.timedelta(minutes=1))
    assert locked.value.reason == "locked" and locked.value.retry_after is not None
    later = now + throttle.lockout + dt.timedelta(minutes=1)
    assert users.authenticate(store, "clerk1", PASSWORDS["clerk1"], now=later).name == "clerk1"


def test_xsrf_protection_stays_on() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True
    # ``orderfarm app`` passes them on its command line: there too, and nowhere else
    assert PAGE_SETTINGS["server.enableXsrfProtection"] is True
    assert PAGE_SETTINGS["server.enableCORS"] is True
    settings = ROOT / "src" / "orderfarm" / "web" / "settings.py"
    for path in (ROOT / "src").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert path == settings or "enableXsrfProtection" not in text, path
    assert "enableXsrfProtection" not in (ROOT / "app_streamlit.py").read_text(encoding="utf-8")


def test_the_page_lets_no_logged_out_or_viewer_user_write(
    demo_db: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Store.open(demo_db) as store:
        before = store.counts(), store.audit_head()
    # Logged out: only the login page is registered, and a page run directly stops at once.
    at = start(demo_db, monkeypatch)
    with pytest.raises(ValueError, match="navigation page"):
        goto(at, "weighing")
    for page in ("weighing", "payments", "households", "users", "files"):
        direct = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=60).run()
        assert not direct.exception
        assert not direct.button and not direct.number_input and not direct.text_input
    # A viewer: clicking every button of every page it can open writes nothing.
    at = login(start(demo_db, monkeypatch), "viewer")
    pages = ("dashboard", "households", "settlement", "estimate", "inspection", "weighing")
    for page in (*pages, "payments"):
        try:
            at = goto(at, page)
        except ValueError:
            continue  # not in the viewer's navigation
        assert not at.exception
        for button in list(at.button):
            if button.key != "logout":
                at = button.click().run()
                assert not at.exception
    with Store.open(demo_db) as store:
        assert (store.counts(), store.audit_head()) == before
