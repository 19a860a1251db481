"""Login, logout, wrong passwords, the throttle, roles' navigation, the language switch."""

from __future__ import annotations

from pathlib import Path

import pytest
import websupport
from websupport import goto, login, ok, start, texts

from orderfarm.auth import Role
from orderfarm.web.helpers import PAGES, pages_for

demo_template, demo_db = websupport.demo_template, websupport.demo_db


def test_the_login_page_shows_first_and_a_wrong_password_is_refused(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ok(start(demo_db, monkeypatch))
    assert texts(at.title) == ["订单农业保护价收购 · 登录"]
    login(at, "clerk", "not-the-password")
    assert texts(at.error) == ["用户名或密码错误"]
    assert "user" not in at.session_state
    login(at, "nobody", "not-the-password")  # an unknown name reads the same
    assert texts(at.error) == ["用户名或密码错误"]
    login(at, "clerk")
    ok(at)
    assert at.session_state["user"].role is Role.CLERK
    assert texts(at.title) == ["总览"]
    at.button(key="logout").click().run()
    ok(at)
    assert "user" not in at.session_state
    assert texts(at.title) == ["订单农业保护价收购 · 登录"]


def test_five_wrong_passwords_lock_the_name(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_db, monkeypatch)
    for _ in range(5):
        login(at, "viewer", "guess-guess")
    assert "分钟后再试" in texts(at.error)[0]
    login(at, "viewer")  # even the right password waits
    assert "分钟后再试" in texts(at.error)[0]
    assert "user" not in at.session_state


@pytest.mark.parametrize("role", ["admin", "clerk", "viewer"])
def test_each_role_sees_and_opens_only_its_pages(
    role: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = login(start(demo_db, monkeypatch), role)
    allowed = pages_for(Role(role))
    for spec in allowed:
        goto(at, spec.name)
        ok(at)
        assert texts(at.title)[0] == websupport.TITLES[spec.name]
    for spec in set(PAGES) - set(allowed):
        with pytest.raises(ValueError, match="navigation page"):
            goto(at, spec.name)


def test_the_language_switch_changes_every_label(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = login(start(demo_db, monkeypatch), "admin")
    at.radio(key="lang").set_value("en").run()
    ok(at)
    assert texts(at.title) == ["Dashboard"]
    for spec in PAGES:
        goto(at, spec.name)
        ok(at)
        assert all(
            not any("\u4e00" <= ch <= "\u9fff" for ch in label)
            for label in [w.label for w in at.button] + [w.label for w in at.text_input]
        ), spec.name
    at.radio(key="lang").set_value("zh").run()
    assert texts(at.title)[0] == "用户"


def test_a_user_changes_their_own_password(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = login(start(demo_db, monkeypatch), "viewer")
    at.text_input(key="pw_new").input("short")
    at.text_input(key="pw_again").input("short").run()
    at.button(key="pw_save").click().run()
    assert "密码: 至少需要 8 个字符" in texts(at.error)
    at.text_input(key="pw_new").input("viewer-new-password")
    at.text_input(key="pw_again").input("viewer-new-passwort").run()
    at.button(key="pw_save").click().run()
    assert "两次输入的密码不一致" in texts(at.error)
    at.text_input(key="pw_again").input("viewer-new-password").run()
    at.button(key="pw_save").click().run()
    assert "密码已修改" in texts(at.success)
    again = ok(login(start(demo_db, monkeypatch), "viewer", "viewer-new-password"))
    assert texts(again.title) == ["总览"]
