"""Users as admins manage them: someone stays who can, and no name passes for another's."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderfarm.auth import Role, User
from orderfarm.errors import ValidationError
from orderfarm.session import Session
from orderfarm.store import ConflictError, Store, StoreError
from orderfarm.store.users import add_user, get_user, list_users, set_active, set_role

PASSWORD = "菊芋保护价2018"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "users.db")


@pytest.mark.parametrize("change", ["disable", "demote"])
@pytest.mark.parametrize("actor", ["boss", "script"])
def test_the_last_active_admin_is_not_disabled_or_demoted_and_nothing_is_written(
    store: Store, change: str, actor: str
) -> None:
    add_user(store, "boss", Role.ADMIN, PASSWORD, actor="script")
    add_user(store, "wang", Role.CLERK, PASSWORD, actor="script")
    head = store.audit_head()
    with pytest.raises(StoreError) as caught:
        if change == "disable":
            set_active(store, "boss", False, actor=actor)
        else:
            set_role(store, "BOSS", Role.CLERK, actor=actor)
    assert caught.value.message("zh") == (
        "boss 是最后一位启用的管理员，请先把另一位用户设为管理员；未作更改"
    )
    assert store.audit_head() == head
    assert get_user(store, "boss") == User("boss", Role.ADMIN)
    assert store.verify().ok


def test_an_admin_may_step_down_once_another_admin_is_active(store: Store) -> None:
    add_user(store, "boss", Role.ADMIN, PASSWORD, actor="script")
    add_user(store, "deputy", Role.ADMIN, PASSWORD, actor="script")
    set_active(store, "deputy", False, actor="boss")
    boss = Session(store, User("boss", Role.ADMIN))
    with pytest.raises(StoreError, match="last active administrator"):
        boss.set_role("boss", Role.VIEWER)  # the disabled one does not count
    set_active(store, "deputy", True, actor="boss")
    assert boss.set_role("boss", Role.VIEWER).role is Role.VIEWER
    assert [(u.name, u.role) for u in list_users(store)] == [
        ("boss", Role.VIEWER),
        ("deputy", Role.ADMIN),
    ]
    assert store.verify().ok


@pytest.mark.parametrize("name", ["ＬＩ", "Ｌｉ", "LI"])
def test_a_name_that_reads_as_another_users_is_taken(store: Store, name: str) -> None:
    """Full-width letters (a Chinese input method's) read as their ASCII: ＬＩ would pass for
    li in the audit."""
    add_user(store, "li", Role.CLERK, PASSWORD, actor="script")
    head = store.audit_head()
    with pytest.raises(ConflictError) as caught:
        add_user(store, name, Role.ADMIN, PASSWORD, actor="script")
    assert caught.value.message("zh") == "用户名: li 已存在"
    assert store.audit_head() == head


@pytest.mark.parametrize("name", ["SCRIPT", "Script", "ｓｃｒｉｐｔ"])
def test_the_scripts_name_is_kept_in_any_case_or_width(store: Store, name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        add_user(store, name, Role.CLERK, PASSWORD, actor="script")
    assert [p.message("zh") for p in caught.value.problems] == [
        "用户名: 「script」留给脚本使用，请换一个用户名"
    ]
    assert list_users(store) == []
