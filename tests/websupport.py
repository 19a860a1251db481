"""Shared by the page, session and user tests: a small demo database with one user per role."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from streamlit.testing.v1 import AppTest

from orderfarm.auth import Role
from orderfarm.demo import build_demo
from orderfarm.store import Store
from orderfarm.store.users import add_user

#: One user per role; the demo's own admin password is generated, these are for tests only.
PASSWORDS = {"admin": "admin-pass-2018", "clerk": "clerk-pass-2018", "viewer": "viewer-pass-2018"}
HOUSEHOLDS = 24


def build_template(path: Path) -> Path:
    """A demo season of ``HOUSEHOLDS`` households with the users of ``PASSWORDS``."""
    with Store.open(path) as store:
        build_demo(store, households=HOUSEHOLDS)
        for name, password in PASSWORDS.items():
            add_user(store, name, Role(name), password, actor="test")
    return path


def memory_dir() -> Iterator[Path]:
    """A scratch directory in memory when the machine has one (every store write syncs to
    disk; tests need not wait for that), else on disk."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="orderfarm-web-", dir=base) as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def demo_template() -> Iterator[Path]:
    for scratch in memory_dir():
        yield build_template(scratch / "template.db")


@pytest.fixture
def demo_db(demo_template: Path) -> Iterator[Path]:
    """A fresh copy of the demo database for one test."""
    for scratch in memory_dir():
        target = scratch / "demo.db"
        shutil.copyfile(demo_template, target)
        yield target


@pytest.fixture
def demo_store(demo_db: Path) -> Iterator[Store]:
    with Store.open(demo_db) as store:
        yield store


def open_slip(store: Store, *, dried: bool = False) -> tuple[str, str, dt.date, str]:
    """A signed contract that can take a slip: (contract number, head's name, day, grade), the
    day being in its window with a market price posted for that grade; with ``dried``, one of
    dried chilli, whose terms have a maximum moisture."""
    from orderfarm.io.exports import market_prices

    prices = {(p.crop, p.form, p.grade, p.day) for p in market_prices(store)}
    homes = {h.resident_id: h for h in store.households()}
    for contract in store.contracts(season=2018):
        if contract.status.value != "signed" or contract.crop != "chilli":
            continue
        if dried and contract.terms.moisture_max is None:
            continue
        grade = contract.terms.grades[0]
        days = sorted(
            day
            for crop, form, g, day in prices
            if (crop, form, g) == (contract.crop, contract.form, grade) and contract.in_window(day)
        )
        if days:
            return contract.contract_no, homes[contract.household_id].head_name, days[-1], grade
    raise LookupError("the demo has no open chilli contract")  # pragma: no cover


#: Each page's title in Chinese (the heading the page shows).
TITLES: Final = {
    "dashboard": "总览",
    "households": "农户",
    "contracts": "合同",
    "weighing": "收购",
    "inputs": "投入",
    "payments": "付款",
    "settlement": "结算",
    "estimate": "增收测算",
    "market": "市场价",
    "files": "导入导出",
    "inspection": "督察抽查",
    "audit": "审计",
    "users": "用户",
}
APP: Final = Path(__file__).resolve().parent.parent / "app_streamlit.py"


def start(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on ``db``, run once (the login page)."""
    monkeypatch.setenv("ORDERFARM_DB", str(db))
    return AppTest.from_file(str(APP), default_timeout=60).run()


def login(at: AppTest, name: str, password: str | None = None) -> AppTest:
    """Log in as one of ``PASSWORDS``' users (or with another password)."""
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(
        PASSWORDS.get(name, "") if password is None else password
    )
    return at.button(key="login_submit").click().run()


def goto(at: AppTest, page: str) -> AppTest:
    """Switch to ``src/orderfarm/web/pages/<page>.py``."""
    return at.switch_page(f"src/orderfarm/web/pages/{page}.py").run()


def texts(elements: object) -> list[str]:
    """The values of a list of AppTest elements, as text."""
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


def ok(at: AppTest) -> AppTest:
    """``at`` after checking that nothing blew up and no unexpected-error message shows."""
    assert not at.exception, [e.value for e in at.exception]
    assert not any("意外错误" in str(e.value) or "went wrong" in str(e.value) for e in at.error)
    return at


def form_key(at: AppTest, key: str) -> str:
    """The widget key of prefilled form field ``key`` for the owner its form shows now (the
    page keys such widgets by owner: ``app.owned_key``)."""
    kinds = ("text_input", "number_input", "selectbox", "date_input")
    keys = {w.key for kind in kinds for w in at.get(kind) if str(w.key).startswith(f"{key}@")}
    assert len(keys) == 1, (key, keys)
    return str(keys.pop())
