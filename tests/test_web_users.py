"""The 用户 page with two administrators at work: what a page drawn before another's change does."""

from __future__ import annotations

from pathlib import Path

import pytest
import websupport
from websupport import goto, login, ok, start, texts

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


def test_a_password_set_since_a_login_ends_it_and_ones_own_change_keeps_it(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk's password reset by an admin (it may have leaked) ends every login made with
    the old one, at its next click, saying why; a user's own change keeps their page open and
    ends their other logins."""
    clerk = ok(goto(login(start(demo_db, monkeypatch), "clerk"), "households"))
    other_tab = ok(login(start(demo_db, monkeypatch), "clerk"))
    admin = ok(goto(login(start(demo_db, monkeypatch), "admin"), "users"))
    admin.selectbox(key="u_who").set_value("clerk").run()
    admin.button(key="u_reset").click().run()
    ok(admin)
    new_password = admin.code[0].value
    clerk.run()
    ok(clerk)
    assert "user" not in clerk.session_state
    assert texts(clerk.title) == ["订单农业保护价收购 · 登录"]
    assert texts(clerk.info) == ["您的密码已被更改，请用新密码重新登录"]
    clerk = ok(login(start(demo_db, monkeypatch), "clerk", new_password))
    assert texts(clerk.title) == ["总览"]
    other_tab.run()
    assert "user" not in other_tab.session_state
    # one's own change: this page stays, the other browser's login ends
    other_tab = ok(login(start(demo_db, monkeypatch), "clerk", new_password))
    clerk.text_input(key="pw_new").input("clerk-own-password")
    clerk.text_input(key="pw_again").input("clerk-own-password").run()
    clerk.button(key="pw_save").click().run()
    assert "密码已修改" in texts(clerk.success)
    clerk.run()
    assert clerk.session_state["user"].name == "clerk"
    other_tab.run()
    assert "user" not in other_tab.session_state
