"""Users in the store: hashed passwords, audited writes without them, the login throttle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orderfarm.auth import LoginFailed, LoginThrottle, Role
from orderfarm.errors import ValidationError
from orderfarm.store import ConflictError, NotFoundError, Store
from orderfarm.store.users import (
    add_user,
    authenticate,
    ensure_admin,
    get_user,
    has_users,
    list_users,
    set_active,
    set_password,
    set_role,
)

PASSWORD = "菊芋保护价2018"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "users.db")


def test_a_new_store_has_no_users_and_no_default_password(store: Store) -> None:
    assert not has_users(store)
    with pytest.raises(LoginFailed):
        authenticate(store, "admin", "admin")
    with pytest.raises(LoginFailed):
        authenticate(store, "admin", "")


def test_the_password_is_stored_hashed_and_never_audited(store: Store) -> None:
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="boss")
    assert has_users(store)
    raw = Path(store.path).read_bytes()
    assert PASSWORD.encode() not in raw
    stored = store._read(lambda c: c.execute("SELECT password_hash FROM users").fetchone()[0])
    assert stored.startswith("scrypt$")
    set_password(store, "wang", "another-password", actor="boss")
    for entry in store.audit_log():
        assert PASSWORD not in entry.payload
        assert "another-password" not in entry.payload
        assert "scrypt$" not in entry.payload
    actions = [(e.actor, e.action, e.ref) for e in store.audit_log() if e.entity == "user"]
    assert actions == [("boss", "add_user", "wang"), ("boss", "set_password", "wang")]
    assert store.verify().ok


def test_login_returns_the_user_with_the_role(store: Store) -> None:
    add_user(store, "wang", "clerk", PASSWORD, actor="boss")
    user = authenticate(store, " wang ", PASSWORD)
    assert (user.name, user.role, user.active) == ("wang", Role.CLERK, True)
    with pytest.raises(LoginFailed) as wrong:
        authenticate(store, "wang", PASSWORD + "x")
    assert wrong.value.reason == "wrong"


def test_a_bad_user_is_refused_with_its_field(store: Store) -> None:
    with pytest.raises(ValidationError) as short:
        add_user(store, "wang", Role.CLERK, "short", actor="boss")
    assert short.value.fields == ("password",)
    assert "至少需要 8 个字符" in short.value.messages("zh")[0]
    with pytest.raises(ValidationError) as role:
        add_user(store, "wang", "farmer", PASSWORD, actor="boss")
    assert role.value.fields == ("role",)
    with pytest.raises(ValidationError):
        add_user(store, "two words", Role.CLERK, PASSWORD, actor="boss")
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="boss")
    with pytest.raises(ConflictError):
        add_user(store, "wang", Role.VIEWER, PASSWORD, actor="boss")
    assert [u.name for u in list_users(store)] == ["wang"]


def test_five_failures_lock_the_name_even_for_the_right_password(store: Store) -> None:
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="boss")
    start = dt.datetime(2018, 11, 5, 9, 0, tzinfo=dt.UTC)
    for i in range(4):
        with pytest.raises(LoginFailed) as exc:
            authenticate(store, "wang", "guess-" + str(i), now=start + dt.timedelta(seconds=i))
        assert exc.value.reason == "wrong"
    with pytest.raises(LoginFailed) as fifth:
        authenticate(store, "wang", "guess-5", now=start + dt.timedelta(seconds=5))
    assert fifth.value.reason == "locked" and fifth.value.retry_after is not None
    with pytest.raises(LoginFailed) as locked:
        authenticate(store, "wang", PASSWORD, now=start + dt.timedelta(minutes=1))
    assert locked.value.reason == "locked"
    # after the lockout the right password works, and clears the failures
    later = start + dt.timedelta(minutes=20)
    assert authenticate(store, "wang", PASSWORD, now=later).name == "wang"
    count = store._read(lambda c: c.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0])
    assert count == 0


def test_a_name_in_other_letters_case_is_the_same_user(store: Store) -> None:
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="boss")
    with pytest.raises(ConflictError) as taken:
        add_user(store, "Wang", Role.ADMIN, PASSWORD, actor="boss")
    assert taken.value.params["name"] == "wang"
    assert authenticate(store, "WANG", PASSWORD).name == "wang"  # the actor of its writes
    start = dt.datetime(2018, 11, 5, 9, 0, tzinfo=dt.UTC)
    for i, typed in enumerate(["wang", "Wang", "wAng", "waNg", "wanG"]):  # no way around the lock
        with pytest.raises(LoginFailed) as exc:
            authenticate(store, typed, "guess-" + str(i), now=start + dt.timedelta(seconds=i))
    assert exc.value.reason == "locked"
    with pytest.raises(LoginFailed) as locked:
        authenticate(store, "wang", PASSWORD, now=start + dt.timedelta(minutes=1))
    assert locked.value.reason == "locked"
    assert authenticate(store, "Wang", PASSWORD, now=start + dt.timedelta(minutes=20))
    count = store._read(lambda c: c.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0])
    assert count == 0
    # every step on the user finds it so, and a new password clears a lock gained so
    for i in range(5):
        with pytest.raises(LoginFailed):
            authenticate(store, "WANG", f"guess-{i}", now=start + dt.timedelta(minutes=30))
    set_password(store, "Wang", "another-password", actor="boss")
    later = start + dt.timedelta(minutes=31)
    assert authenticate(store, "wang", "another-password", now=later).name == "wang"
    assert get_user(store, "WANG").name == "wang"
    assert set_role(store, "Wang", Role.VIEWER, actor="boss").name == "wang"
    assert set_active(store, "wANG", False, actor="boss").active is False
    assert [u.name for u in list_users(store)] == ["wang"]


def test_a_short_throttle_can_be_configured(store: Store) -> None:
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="boss")
    throttle = LoginThrottle(max_failures=1)
    with pytest.raises(LoginFailed) as exc:
        authenticate(store, "wang", "nope-nope", throttle=throttle)
    assert exc.value.reason == "locked"


def test_a_disabled_user_cannot_log_in_and_roles_change(store: Store) -> None:
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="boss")
    assert set_role(store, "wang", Role.VIEWER, actor="boss").role is Role.VIEWER
    assert not set_active(store, "wang", False, actor="boss").active
    with pytest.raises(LoginFailed) as caught:
        authenticate(store, "wang", PASSWORD)
    assert caught.value.reason == "disabled"  # told why, once the password is right
    with pytest.raises(LoginFailed) as caught:
        authenticate(store, "wang", "not-the-password")
    assert caught.value.reason == "wrong"
    set_active(store, "wang", True, actor="boss")
    assert get_user(store, "wang").role is Role.VIEWER
    with pytest.raises(NotFoundError):
        get_user(store, "li")
    with pytest.raises(NotFoundError):
        set_password(store, "li", PASSWORD, actor="boss")


def test_the_first_admin_gets_a_generated_password_shown_once(store: Store) -> None:
    password = ensure_admin(store)
    assert password is not None and len(password) >= 16
    assert authenticate(store, "admin", password).role is Role.ADMIN
    assert ensure_admin(store) is None  # never again, and never a fixed default
    other = Store.open(Path(store.path).with_name("other.db"))
    assert ensure_admin(other) != password


def test_the_command_line_adds_users_and_shows_a_generated_password_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from orderfarm.cli import main

    db = str(tmp_path / "cli.db")
    assert main(["init", "--db", db], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["user", "add", "wang", "--role", "viewer", "--db", db], out=out) == 0
    added, shown = out.getvalue().splitlines()
    assert added.startswith("已添加用户 wang，角色：查看者")  # the role said, given or not
    password = shown.split("：")[1].split("（")[0]
    with Store.open(db) as store:
        assert authenticate(store, "wang", password).role is Role.VIEWER
    monkeypatch.setattr("sys.stdin", io.StringIO("chosen-password-1\n"))
    out = io.StringIO()
    assert main(["user", "password", "wang", "--password-stdin", "--db", db], out=out) == 0
    assert "chosen-password-1" not in out.getvalue()
    with Store.open(db) as store:
        assert authenticate(store, "wang", "chosen-password-1").name == "wang"
    assert main(["user", "add", "wang", "--db", db], out=io.StringIO()) == 1  # taken
    out = io.StringIO()
    assert main(["user", "add", "li", "--db", db], out=out) == 0
    assert "角色：业务员（--role 可指定" in out.getvalue()  # no --role: a clerk, and said so
