"""Passwords, roles and the login throttle."""

from __future__ import annotations

import datetime as dt

import pytest

from orderfarm.auth import (
    LoginThrottle,
    Permission,
    Role,
    generate_password,
    hash_password,
    verify_password,
)


def test_a_password_is_stored_only_as_a_salted_scrypt_hash() -> None:
    stored = hash_password("菊芋保护价2018")
    assert "菊芋保护价2018" not in stored
    assert stored.startswith("scrypt$")
    assert verify_password("菊芋保护价2018", stored)
    assert not verify_password("菊芋保护价2019", stored)
    # the same password hashes differently each time (random salt)
    assert hash_password("菊芋保护价2018") != stored


def test_a_short_password_is_refused() -> None:
    with pytest.raises(ValueError, match="8 characters"):
        hash_password("short")


def test_a_malformed_stored_hash_never_verifies() -> None:
    assert not verify_password("anything", "plain-text-password")
    assert not verify_password("anything", "scrypt$x$y$z$!!$!!")


def test_generated_passwords_are_long_and_distinct() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(len(p) >= 16 and p.isalnum() for p in passwords)  # never -1nRe… (an option)
    assert not set("".join(passwords)) & set("0O1lI")  # none read as another off the screen


def test_each_role_may_do_its_own_work_and_no_more() -> None:
    assert Role.ADMIN.may(Permission.MANAGE_USERS)
    assert Role.CLERK.may(Permission.RECORD_DELIVERY)
    assert not Role.CLERK.may(Permission.MANAGE_USERS)
    assert not Role.CLERK.may(Permission.SET_PRICES)
    # a viewer reads reports and inspects (督察抽查 is read only); an inspector needs no admin
    reads = {Permission.VIEW_REPORTS, Permission.INSPECT}
    assert all(Role.VIEWER.may(p) for p in reads)
    assert not any(Role.VIEWER.may(p) for p in Permission if p not in reads)
    assert not Role.CLERK.may(Permission.INSPECT)  # the clerks' slips are what is inspected


def test_five_failures_lock_the_login_for_fifteen_minutes() -> None:
    throttle = LoginThrottle()
    start = dt.datetime(2018, 11, 5, 9, 0)
    failures = [start + dt.timedelta(seconds=i) for i in range(4)]
    assert throttle.retry_after(failures, start + dt.timedelta(seconds=5)) is None
    failures.append(start + dt.timedelta(seconds=4))
    wait = throttle.retry_after(failures, start + dt.timedelta(seconds=5))
    assert wait is not None and dt.timedelta(minutes=14) < wait <= dt.timedelta(minutes=15)
    # after the lockout, a new attempt is allowed
    assert throttle.retry_after(failures, start + dt.timedelta(minutes=16)) is None


def test_a_refusal_by_role_is_said_in_either_language() -> None:
    from orderfarm.auth import Permission, PermissionDenied

    denied = PermissionDenied("wang", Role.VIEWER, Permission.RECORD_PAYMENT)
    assert denied.message("zh") == "wang（查看者）无权录入付款"
    assert denied.message("en") == str(denied) == "wang (viewer) may not record_payment"
    assert (
        PermissionDenied("li", None, Permission.IMPORT).message("zh")
        == "li（不是本库的用户）无权导入文件"
    )
    assert all(p.zh for p in Permission)  # every permission has its Chinese name
