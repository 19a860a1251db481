"""Users of the page, kept in the store: name, role, scrypt hash, active flag; logins throttled.

A password is never stored, logged or audited: the ``users`` table holds its scrypt hash
(``orderfarm.auth.hash_password``) and the audit entries of user writes name the user, the
role, the active flag and the hash's seal (``password_seal``: a digest of the salted hash,
which tells nothing of the password), so ``verify`` sees a hash replaced by hand. Failed logins are kept in ``login_failures`` and limited by
``auth.LoginThrottle`` (five within 15 minutes lock the name for 15 minutes); a successful
login clears them.

>>> import tempfile, pathlib
>>> from orderfarm.store import Store
>>> with tempfile.TemporaryDirectory() as tmp, Store.open(pathlib.Path(tmp) / "s.db") as store:
...     _ = add_user(store, "wang", Role.CLERK, "菊芋保护价2018", actor="admin")
...     authenticate(store, "wang", "菊芋保护价2018").role
<Role.CLERK: 'clerk'>
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Final

from orderfarm.auth import (
    MIN_PASSWORD_LENGTH,
    LoginFailed,
    LoginThrottle,
    Permission,
    Role,
    User,
    generate_password,
    hash_password,
    password_seal,
    verify_password,
)
from orderfarm.errors import ValidationError
from orderfarm.store.errors import ConflictError, NotFoundError
from orderfarm.store.store import DEFAULT_ACTOR, Store

#: Compared against when the name is unknown, so that a wrong name costs as long as a wrong
#: password (the salt is fixed; the hash protects nothing).
_DUMMY_HASH: Final = hash_password("not-a-password", salt=bytes(16))
DEFAULT_THROTTLE: Final = LoginThrottle()
NAME_LIMIT: Final = 40


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a user name is text, got {type(name).__name__}")
    text = name.strip()
    if not text:
        raise ValidationError.one("user_name", "blank")
    if len(text) > NAME_LIMIT or any(c.isspace() for c in text):
        raise ValidationError.one("user_name", "bad_user_name", limit=NAME_LIMIT)
    if text == DEFAULT_ACTOR:
        # Scripts write as "script" with the file owner's rights (Store._authorize).
        raise ValidationError.one("user_name", "reserved_user_name", name=DEFAULT_ACTOR)
    return text


def _check_password(password: object) -> str:
    if not isinstance(password, str):
        raise TypeError("a password is text")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.one("password", "password_short", length=MIN_PASSWORD_LENGTH)
    return password


def _role(role: Role | str) -> Role:
    if isinstance(role, Role):
        return role
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        choices = "、".join(r.value for r in Role)
        raise ValidationError.one("role", "bad_choice", choices=choices, value=role) from None


def _user_of(row: sqlite3.Row) -> User:
    return User(row["name"], Role(row["role"]), bool(row["active"]))


def _user_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The user named ``name``, in any case of its letters (Clerk for clerk): the one of
    that exact name, else the only one of it in another case."""
    row: sqlite3.Row | None = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        rows = conn.execute(
            "SELECT * FROM users WHERE name = ? COLLATE NOCASE LIMIT 2", (name,)
        ).fetchall()
        row = rows[0] if len(rows) == 1 else None
    return row


def _no_user(name: str) -> NotFoundError:
    return NotFoundError(f"no user {name} (用户不存在)", code="no_user", params={"name": name})


def add_user(store: Store, name: str, role: Role | str, password: str, *, actor: str) -> User:
    """Add a user with ``password`` (hashed with scrypt; at least 8 characters).

    A name already taken is a ``ConflictError``. The audit entry names the user and the role.
    """
    name = _check_name(name)
    user_role = _role(role)
    stored = hash_password(_check_password(password))
    created = store.clock().isoformat()

    def work(conn: sqlite3.Connection) -> User:
        store._authorize(conn, actor, Permission.MANAGE_USERS)
        # (Clerk and clerk are one name: whoever logs in as either is that user)
        taken = conn.execute(
            "SELECT name FROM users WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
        if taken:
            raise ConflictError(
                f"the user name {taken[0]} is taken (用户名已存在)",
                code="user_name_taken",
                field="user_name",
                params={"name": taken[0]},
            )
        conn.execute(
            "INSERT INTO users (name, role, password_hash, active, created) VALUES (?, ?, ?, 1, ?)",
            (name, user_role.value, stored, created),
        )
        record = {
            "name": name,
            "role": user_role.value,
            "active": True,
            "password_seal": password_seal(stored),
        }
        store._audit(conn, actor, "add_user", "user", name, {"record": record})
        return User(name, user_role)

    result: User = store._write(work)
    return result


def set_password(store: Store, name: str, password: str, *, actor: str) -> None:
    """Replace a user's password (audited without it); clears the user's failed logins."""
    name = _check_name(name)
    stored = hash_password(_check_password(password))

    def work(conn: sqlite3.Connection) -> None:
        row = _user_row(conn, name)
        if row is None:
            if actor != name:  # who may not manage users learns nothing of who exists
                store._authorize(conn, actor, Permission.MANAGE_USERS)
            raise _no_user(name)
        user = str(row["name"])
        if actor != user:  # anyone may set their own password
            store._authorize(conn, actor, Permission.MANAGE_USERS)
        conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (stored, user))
        conn.execute("DELETE FROM login_failures WHERE name = ? COLLATE NOCASE", (user,))
        record = {"name": user, "password_seal": password_seal(stored)}
        store._audit(conn, actor, "set_password", "user", user, {"record": record})

    store._write(work)


def set_role(store: Store, name: str, role: Role | str, *, actor: str) -> User:
    """Change a user's role (audited)."""
    return _change(store, name, actor, role=_role(role))


def set_active(store: Store, name: str, active: bool, *, actor: str) -> User:
    """Enable or disable a user (a disabled user cannot log in; audited)."""
    return _change(store, name, actor, active=bool(active))


def _change(
    store: Store, name: str, actor: str, *, role: Role | None = None, active: bool | None = None
) -> User:
    name = _check_name(name)

    def work(conn: sqlite3.Connection) -> User:
        store._authorize(conn, actor, Permission.MANAGE_USERS)
        row = _user_row(conn, name)
        if row is None:
            raise _no_user(name)
        before = _user_of(row)
        after = User(
            before.name,
            role if role is not None else before.role,
            active if active is not None else before.active,
        )
        conn.execute(
            "UPDATE users SET role = ?, active = ? WHERE name = ?",
            (after.role.value, int(after.active), before.name),
        )
        record = {"name": before.name, "role": after.role.value, "active": after.active}
        before_record = {"role": before.role.value, "active": before.active}
        store._audit(
            conn,
            actor,
            "change_user",
            "user",
            before.name,
            {"record": record, "before": before_record},
        )
        return after

    result: User = store._write(work)
    return result


def list_users(store: Store) -> list[User]:
    """Every user, by name."""
    rows = store._read(lambda conn: conn.execute("SELECT * FROM users ORDER BY name").fetchall())
    return [_user_of(r) for r in rows]


def get_user(store: Store, name: str) -> User:
    """The user with this name (``NotFoundError`` if none)."""
    row = store._read(lambda conn: _user_row(conn, name.strip()))
    if row is None:
        raise _no_user(name)
    return _user_of(row)


def has_users(store: Store) -> bool:
    """Whether any user exists (a new database has none until an admin is created)."""
    row = store._read(lambda conn: conn.execute("SELECT 1 FROM users LIMIT 1").fetchone())
    return row is not None


def ensure_admin(store: Store, *, name: str = "admin", actor: str = "orderfarm") -> str | None:
    """Create the first administrator of a store that has no user yet, with a generated
    password, and return that password (to show once); ``None`` when users exist.

    There is no default password: each database gets its own, shown only to whoever
    created it.
    """
    if has_users(store):
        return None
    password = generate_password()
    add_user(store, name, Role.ADMIN, password, actor=actor)
    return password


def authenticate(
    store: Store,
    name: str,
    password: str,
    *,
    throttle: LoginThrottle = DEFAULT_THROTTLE,
    now: dt.datetime | None = None,
) -> User:
    """The user, if ``password`` is right and the user is active; else ``LoginFailed``.

    ``LoginFailed.reason`` is ``"locked"`` (with ``retry_after``) after too many failures
    for the name, else ``"wrong"`` — the same for an unknown name, a wrong password or a
    disabled user, so the page does not tell which names exist.
    """
    key = name.strip() if isinstance(name, str) else ""
    when = now or store.clock()

    # A name is typed in any case of its letters (Clerk for clerk): the user it names, and
    # the failures counted against it, are found that way too.
    def failures(conn: sqlite3.Connection) -> tuple[list[dt.datetime], sqlite3.Row | None]:
        stamps = [
            dt.datetime.fromisoformat(r[0])
            for r in conn.execute(
                "SELECT at FROM login_failures WHERE name = ? COLLATE NOCASE", (key,)
            )
        ]
        return stamps, _user_row(conn, key)

    stamps, row = store._read(failures)
    wait = throttle.retry_after(stamps, when)
    if wait is not None:
        raise LoginFailed("locked", wait)
    stored = row["password_hash"] if row is not None else _DUMMY_HASH
    good = verify_password(password if isinstance(password, str) else "", stored)
    if good and row is not None and not row["active"]:
        # the right password: the user may learn why, and whom to ask (no failure counted)
        raise LoginFailed("disabled")
    if good and row is not None:

        def clear(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM login_failures WHERE name = ? COLLATE NOCASE", (key,))

        if stamps:
            store._write(clear)
        return _user_of(row)

    def note(conn: sqlite3.Connection) -> None:
        # Keep the table small: failures older than the window no longer count.
        horizon = (when - throttle.window).isoformat()
        conn.execute(
            "DELETE FROM login_failures WHERE name = ? COLLATE NOCASE AND at < ?", (key, horizon)
        )
        conn.execute("INSERT INTO login_failures (name, at) VALUES (?, ?)", (key, when.isoformat()))

    store._write(note)
    wait = throttle.retry_after([*stamps, when], when)
    raise LoginFailed("locked" if wait is not None else "wrong", wait)


__all__ = [
    "add_user",
    "authenticate",
    "ensure_admin",
    "get_user",
    "has_users",
    "list_users",
    "set_active",
    "set_password",
    "set_role",
]
