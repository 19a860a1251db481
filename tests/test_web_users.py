"""The 用户 page with two administrators at work: what a page drawn before another's change does."""

from __future__ import annotations

from pathlib import Path

import pytest
import websupport
from websupport import goto, login, ok, start

from orderfarm.store import Store
from orderfarm.store import users as store_users

demo_template, demo_db = websupport.demo_template, websupport.demo_db


def _active(db: Path, name: str) -> bool:
    with Store.open(db) as store:
        return store_users.get_user(store, name).active


@pytest.mark.parametrize("first", [True, False])
def test_the_enable_or_disable_button_does_what_it_said_when_another_admin_did_it_first(
    first: bool, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin's page shows 停用 for a clerk; another admin disables the clerk meanwhile; the
    click on 停用 leaves the clerk disabled (it used to enable them again), and likewise 启用."""
    with Store.open(demo_db) as store:
        store_users.set_active(store, "clerk", first, actor="script")
    at = ok(goto(login(start(demo_db, monkeypatch), "admin"), "users"))
    at.selectbox(key="u_who").set_value("clerk").run()
    assert at.button(key="u_toggle").label == ("停用" if first else "启用")
    with Store.open(demo_db) as store:  # the other admin
        store_users.set_active(store, "clerk", not first, actor="script")
    at.button(key="u_toggle").click().run()
    ok(at)
    assert _active(demo_db, "clerk") is (not first)
    assert at.button(key="u_toggle").label == ("启用" if first else "停用")
