"""Users, roles and permissions; passwords hashed with scrypt; failed logins rate-limited.

Roles: ``admin`` (users, prices, terms, audit), ``clerk`` (households, contracts, weighing,
inputs, payments), ``viewer`` (dashboards, estimates, statements, the inspection sample; no
personal numbers). An inspector is a viewer: checking slips against paper needs no write.
The store checks these permissions on every write, so a page cannot bypass them.

>>> stored = hash_password("correct horse", salt=bytes(16))
>>> verify_password("correct horse", stored), verify_password("wrong", stored)
(True, False)
>>> Role.VIEWER.may(Permission.RECORD_DELIVERY)
False
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import os
import secrets
from typing import Final

import attrs

from orderfarm.errors import OrderfarmError
from orderfarm.messages import Lang

#: scrypt cost: n=2**14, r=8, p=1 uses 16 MiB and ~50 ms per hash — memory-hard, yet quick
#: enough for a clerk's laptop.
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
MIN_PASSWORD_LENGTH: Final = 8


class Permission(enum.Enum):
    """Something a user may do."""

    MANAGE_USERS = "manage_users"
    SET_PRICES = "set_prices"  # market prices and price terms
    VIEW_AUDIT = "view_audit"  # the audit log, verify
    INSPECT = "inspect"  # 督察抽查: the inspection sample and its checklist (read only)
    WRITE_PARTIES = "write_parties"  # enterprises and households
    WRITE_CONTRACTS = "write_contracts"
    RECORD_DELIVERY = "record_delivery"
    RECORD_INPUT = "record_input"
    RECORD_PAYMENT = "record_payment"
    VOID_RECORD = "void_record"  # reversals of money records
    IMPORT = "import"
    VIEW_PERSONAL = "view_personal"  # full resident IDs and accounts
    VIEW_REPORTS = "view_reports"

    @property
    def zh(self) -> str:
        """What the permission allows, in Chinese."""
        return _PERMISSIONS_ZH[self.value]


_PERMISSIONS_ZH: Final = {
    "manage_users": "管理用户",
    "set_prices": "设定价格",
    "view_audit": "查看审计",
    "inspect": "督察抽查",
    "write_parties": "登记农户和企业",
    "write_contracts": "管理合同",
    "record_delivery": "录入收购小票",
    "record_input": "录入投入品配发",
    "record_payment": "录入付款",
    "void_record": "作废记录",
    "import": "导入文件",
    "view_personal": "查看完整身份证号和账号",
    "view_reports": "查看报表",
}


_CLERK: Final = frozenset(
    {
        Permission.WRITE_PARTIES,
        Permission.WRITE_CONTRACTS,
        Permission.RECORD_DELIVERY,
        Permission.RECORD_INPUT,
        Permission.RECORD_PAYMENT,
        Permission.VOID_RECORD,
        Permission.IMPORT,
        Permission.VIEW_PERSONAL,
        Permission.VIEW_REPORTS,
    }
)


class Role(enum.Enum):
    """What a user is allowed to do, as a set of permissions."""

    ADMIN = "admin"  # everything
    CLERK = "clerk"  # a season's day-to-day records
    VIEWER = "viewer"  # reads reports, inspects; no writes, no personal numbers

    @property
    def permissions(self) -> frozenset[Permission]:
        """The permissions this role grants."""
        if self is Role.ADMIN:
            return frozenset(Permission)
        if self is Role.CLERK:
            return _CLERK
        return frozenset({Permission.VIEW_REPORTS, Permission.INSPECT})

    def may(self, permission: Permission) -> bool:
        """Whether this role grants ``permission``."""
        return permission in self.permissions

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return {"admin": "管理员", "clerk": "业务员", "viewer": "查看者"}[self.value]


class PermissionDenied(OrderfarmError):
    """The actor's role does not allow the action."""

    def __init__(self, actor: str, role: Role | None, permission: Permission) -> None:
        self.actor, self.role, self.permission = actor, role, permission
        who = f"{actor} ({role.value})" if role else f"{actor} (not a user)"
        super().__init__(f"{who} may not {permission.value}")

    def message(self, lang: Lang = "en") -> str:
        if lang != "zh":
            return str(self)
        who = f"{self.actor}（{self.role.zh}）" if self.role else f"{self.actor}（不是本库的用户）"
        return f"{who}无权{self.permission.zh}"


class LoginFailed(OrderfarmError):
    """Wrong user name or password, or too many attempts."""

    def __init__(self, reason: str, retry_after: dt.timedelta | None = None) -> None:
        self.reason, self.retry_after = reason, retry_after
        super().__init__(reason)


@attrs.frozen
class User:
    """A person who logs in to the page: name and role (the hash stays in the store)."""

    name: str
    role: Role
    active: bool = True


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) for ``password``; a fresh random salt by default."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def password_seal(stored: str) -> str:
    """What the audit keeps of a stored password hash: a digest of it (the hash is salted, so
    the seal tells nothing of the password), which ``verify`` compares with the hash."""
    return hashlib.blake2b(stored.encode(), digest_size=16).hexdigest()


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


#: what a generated password is made of: letters and digits, none read as another (0/O, 1/l/I)
_PASSWORD_CHARACTERS: Final = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def generate_password() -> str:
    """A random password of 16 letters and digits (about 93 bits), for a new user: none that
    a command line would take for an option (``-1nRe…``), or one read as another when copied
    from the screen onto paper."""
    return "".join(secrets.choice(_PASSWORD_CHARACTERS) for _ in range(16))


@attrs.frozen
class LoginThrottle:
    """Failed-login limit: after ``max_failures`` within ``window``, wait ``lockout``."""

    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)

    def retry_after(self, failures: list[dt.datetime], now: dt.datetime) -> dt.timedelta | None:
        """How long to wait before the next attempt, or ``None`` if one may be made now."""
        recent = sorted(t for t in failures if now - t <= self.window)
        if len(recent) < self.max_failures:
            return None
        wait = recent[-1] + self.lockout - now
        return wait if wait > dt.timedelta(0) else None
