"""Users of the page, kept in the store: name, role, scrypt hash, active flag; logins throttled.

A password is never stored, logged or audited: the ``users`` table holds its scrypt hash
(``orderfarm.auth.hash_password``) and the audit entries of user writes name the user, the
role, the active flag and the hash's seal (``password_seal``: a digest of the salted hash,
which tells nothing of the password), so ``verify`` sees a hash replaced by hand. Failed logins are kept in ``login_failures`` and limited by
``auth.LoginThrottle`` (five within 15 minutes lock the name for 15 minutes); a successful
login clears them. Each attempt is counted there before its password is checked, in a short
write transaction, so attempts made in parallel get no more passwords checked than the limit.

>>> import tempfile, pathlib
>>> from orderfarm.store import Store
>>> with tempfile.TemporaryDirectory() as tmp, Store.open(pathlib.Path(tmp) / "s.db") as store:
...     _ = add_user(store, "wang", Role.CLERK, "菊芋保护价2018", actor="admin")
...     authenticate(store, "wang", "菊芋保护价2018").role
<Role.CLERK: 'clerk'>
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import sqlite3
import threading
import unicodedata
from collections.abc import Callable
from typing import Final

import attrs

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
from orderfarm.store.errors import (
    ConflictError,
    NotFoundError,
    StoreBusyError,
    StoreError,
    StoreReadOnlyError,
)
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
    if _folded(text) == DEFAULT_ACTOR:  # nor SCRIPT, nor ｓｃｒｉｐｔ: read as a script's
        # Scripts write as "script" with the file owner's rights (Store._authorize).
        raise ValidationError.one("user_name", "reserved_user_name", name=DEFAULT_ACTOR)
    return text


def _folded(name: str) -> str:
    """A name as it reads: full-width letters as their ASCII, in any case (ＬＩ, Li, li)."""
    return unicodedata.normalize("NFKC", name).casefold()


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
        # nor ＬＩ beside li: a name that reads as another's would pass for it in the audit
        taken = next(
            (
                row
                for row in conn.execute("SELECT name FROM users")
                if _folded(str(row[0])) == _folded(name)
            ),
            None,
        )
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
    """Change a user's role (audited). The last active administrator keeps the role
    (``StoreError`` ``last_admin``)."""
    return _change(store, name, actor, role=_role(role))


def set_active(store: Store, name: str, active: bool, *, actor: str) -> User:
    """Enable or disable a user (a disabled user cannot log in; audited). The last active
    administrator cannot be disabled (``StoreError`` ``last_admin``)."""
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
        if _in_charge(before) and not _in_charge(after):
            # in this write's transaction: two admins demoting each other at once cannot
            # both pass, and nobody is left who could manage users on the page
            others = conn.execute(
                "SELECT COUNT(*) FROM users WHERE role = ? AND active = 1 AND name != ?",
                (Role.ADMIN.value, before.name),
            ).fetchone()[0]
            if not others:
                raise StoreError(
                    f"{before.name} is the last active administrator (最后一位启用的管理员)",
                    code="last_admin",
                    params={"name": before.name},
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


def _in_charge(user: User) -> bool:
    """Whether ``user`` is an active administrator."""
    return user.active and user.role is Role.ADMIN


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


def password_stamp(store: Store, name: str) -> str | None:
    """What a login keeps of the password it was made with (the seal of the stored hash), so
    that a password set since — reset by an admin, or changed in another browser — ends it;
    ``None`` when there is no such user."""
    row = store._read(lambda conn: _user_row(conn, name.strip()))
    return None if row is None else password_seal(str(row["password_hash"]))


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


@attrs.frozen
class _Attempt:
    """A login attempt, counted as a failure before its password is checked."""

    #: the name's failures before it, within the throttle's window
    failures: list[dt.datetime]
    #: the user the name names, if any
    row: sqlite3.Row | None
    #: how long to wait, when the name was locked (the attempt was not counted)
    wait: dt.timedelta | None
    #: the ``login_failures`` row counting it, or the token in ``_IN_PROCESS``
    seat: int


def _reserve(
    conn: sqlite3.Connection,
    key: str,
    when: dt.datetime,
    throttle: LoginThrottle,
    counted: list[dt.datetime],
) -> _Attempt:
    """Count an attempt at ``key`` as a failure, unless the name is locked (by the failures
    the file holds and those ``counted`` in this process): in the write transaction, so
    parallel attempts see each other's and no more than the limit get a password checked."""
    # Keep the table small: failures older than the window no longer count.
    horizon = (when - throttle.window).isoformat()
    conn.execute(
        "DELETE FROM login_failures WHERE name = ? COLLATE NOCASE AND at < ?", (key, horizon)
    )
    failures = [
        dt.datetime.fromisoformat(r[0])
        for r in conn.execute("SELECT at FROM login_failures WHERE name = ? COLLATE NOCASE", (key,))
    ] + counted
    row = _user_row(conn, key)
    wait = throttle.retry_after(failures, when)
    if wait is not None:
        return _Attempt(failures, row, wait, 0)
    cursor = conn.execute(
        "INSERT INTO login_failures (name, at) VALUES (?, ?)", (key, when.isoformat())
    )
    return _Attempt(failures, row, None, int(cursor.lastrowid or 0))


class _InProcess:
    """Failed logins to a store that cannot record them now (opened read-only: a copy kept as
    evidence; or its write lock held by a long write, such as an import, which a login does
    not wait behind), counted in this process on top of those the file holds: a lock here
    does what the write transaction does for a store that can be written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        #: (file, name case-folded) → (token, time) of each failure counted
        self._failures: dict[tuple[str, str], list[tuple[int, dt.datetime]]] = {}

    @staticmethod
    def _name(store: Store, key: str) -> tuple[str, str]:
        return os.path.realpath(store.path), key.casefold()

    def _keep(self, name: tuple[str, str], keep: Callable[[int, dt.datetime], bool]) -> None:
        kept = [(t, at) for t, at in self._failures.get(name, []) if keep(t, at)]
        if kept:
            self._failures[name] = kept
        else:
            self._failures.pop(name, None)

    def reserve(
        self, store: Store, key: str, when: dt.datetime, throttle: LoginThrottle
    ) -> _Attempt:
        """As ``_reserve``, with the file's failures read and this process's counted."""

        def look(conn: sqlite3.Connection) -> tuple[list[dt.datetime], sqlite3.Row | None]:
            stored = [
                dt.datetime.fromisoformat(r[0])
                for r in conn.execute(
                    "SELECT at FROM login_failures WHERE name = ? COLLATE NOCASE", (key,)
                )
            ]
            return stored, _user_row(conn, key)

        stored, row = store._read(look)
        name = self._name(store, key)

        def recent(_: int, at: dt.datetime) -> bool:
            return when - at <= throttle.window

        with self._lock:
            # failures older than the window no longer count (every name's, now and then)
            for old in list(self._failures) if len(self._failures) > _IN_PROCESS_NAMES else []:
                self._keep(old, recent)
            self._keep(name, recent)
            mine = self._failures.get(name, [])
            failures = stored + [at for _, at in mine]
            wait = throttle.retry_after(failures, when)
            if wait is not None:
                return _Attempt(failures, row, wait, 0)
            token = next(self._tokens)
            self._failures[name] = [*mine, (token, when)]
        return _Attempt(failures, row, None, token)

    def counted(
        self, store: Store, key: str, when: dt.datetime, throttle: LoginThrottle
    ) -> list[dt.datetime]:
        """The name's failures counted in this process within the window before ``when``."""
        with self._lock:
            found = self._failures.get(self._name(store, key), [])
            return [at for _, at in found if when - at <= throttle.window]

    def clear(self, store: Store, key: str) -> None:
        """Uncount every failure of the name counted in this process (a right password)."""
        with self._lock:
            self._failures.pop(self._name(store, key), None)

    def forget(self, store: Store, key: str, token: int, *, earlier: bool) -> None:
        """Uncount the attempt ``token`` (and, ``earlier``, the name's failures before it)."""
        with self._lock:
            self._keep(
                self._name(store, key), lambda t, _: t > token or (t < token and not earlier)
            )


#: seconds a login waits for the store's write lock before it counts its attempt in this
#: process instead: a login does not wait behind an import
LOGIN_PATIENCE: Final = 1.0
#: names kept by ``_IN_PROCESS`` before it sweeps every name's old failures
_IN_PROCESS_NAMES: Final = 1000
_IN_PROCESS: Final = _InProcess()


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

    Each attempt is counted as a failure before its password is checked (scrypt is slow)
    and uncounted when the password is right, so attempts made in parallel get no more
    passwords checked than the throttle allows. A store that cannot be written (opened
    read-only), or whose write lock stays held for ``LOGIN_PATIENCE`` seconds (an import),
    has them counted in this process: a login does not wait behind an import.
    """
    key = name.strip() if isinstance(name, str) else ""
    when = now or store.clock()

    # A name is typed in any case of its letters (Clerk for clerk): the user it names, and
    # the failures counted against it, are found that way too.
    in_store = True
    counted = _IN_PROCESS.counted(store, key, when, throttle)
    try:
        attempt: _Attempt = store._write(
            lambda conn: _reserve(conn, key, when, throttle, counted), patience=LOGIN_PATIENCE
        )
    except (StoreReadOnlyError, StoreBusyError):
        in_store = False
        attempt = _IN_PROCESS.reserve(store, key, when, throttle)
    if attempt.wait is not None:
        raise LoginFailed("locked", attempt.wait)
    row = attempt.row
    stored = row["password_hash"] if row is not None else _DUMMY_HASH
    good = verify_password(password if isinstance(password, str) else "", stored)
    if good and row is not None:
        # The right password: a disabled user may learn why, and whom to ask, and counts
        # no failure; an active one clears the name's failures up to this attempt (those
        # made since are still being checked, and count if wrong).
        earlier = bool(row["active"])

        def uncount(conn: sqlite3.Connection) -> None:
            if earlier:
                conn.execute(
                    "DELETE FROM login_failures WHERE name = ? COLLATE NOCASE AND id <= ?",
                    (key, attempt.seat),
                )
            else:
                conn.execute("DELETE FROM login_failures WHERE id = ?", (attempt.seat,))

        if in_store:
            # behind a long write, the count stays: one failure too many, not a login refused
            with contextlib.suppress(StoreBusyError):
                store._write(uncount, patience=LOGIN_PATIENCE)
            if earlier:
                _IN_PROCESS.clear(store, key)
        else:
            _IN_PROCESS.forget(store, key, attempt.seat, earlier=earlier)
        if not earlier:
            raise LoginFailed("disabled")
        return _user_of(row)
    wait = throttle.retry_after([*attempt.failures, when], when)
    raise LoginFailed("locked" if wait is not None else "wrong", wait)


__all__ = [
    "add_user",
    "authenticate",
    "ensure_admin",
    "get_user",
    "has_users",
    "list_users",
    "password_stamp",
    "set_active",
    "set_password",
    "set_role",
]
