"""The store's refusals (a key already used, a record that is not there, a void repeated) are
said in the user's language: Chinese on the page and in import reports, English in scripts."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from orderfarm import D, InputSupply, OverpaymentError, Store
from orderfarm.auth import Role
from orderfarm.store import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
)
from orderfarm.store.db import store_error
from orderfarm.store.users import add_user, set_active
from orderfarm.supplies import ChargeMode
from tests.test_store_records import SEP1, slip
from tests.test_store_support import (
    ENTERPRISE,
    chilli_contract,
    household,
    open_store,
    seeded,
    signed,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "season.db") as s:
        (h,) = seeded(s)
        signed(s, chilli_contract("C1", h))
        d = s.record_delivery("C1", slip("102.00"), SEP1, "R-1")
        s.void_delivery(d.id, "磅秤读数录错")
        s.record_delivery("C1", slip("52.00"), SEP1, "R-2")
        s.record_payment(h.resident_id, 2018, D("50.00"), SEP1, "BANK-1")
        seedlings = InputSupply("种苗", D("10"), "株", D("1.00"), ChargeMode.ADVANCE)
        s.supply_input("C1", seedlings, SEP1, "S-1")
        add_user(s, "clerk", Role.CLERK, "clerk-password-1", actor="admin")
        yield s


def _home(store: Store) -> str:
    return store.households()[0].resident_id


REFUSALS: dict[str, tuple[Callable[[Store], object], str]] = {
    "receipt taken": (
        lambda s: s.record_delivery("C1", slip("60.00"), SEP1, "R-2"),
        "小票号: R-2 已登记为第",
    ),
    "payment reference taken": (
        lambda s: s.record_payment(_home(s), 2018, D("10.00"), SEP1, "BANK-1"),
        "凭证号: BANK-1 已登记为第",
    ),
    "supply reference taken": (
        lambda s: s.supply_input(
            "C1", InputSupply("化肥", D("1"), "袋", D("90.00"), ChargeMode.ADVANCE), SEP1, "S-1"
        ),
        "配发单号: S-1 已登记（种苗，2018-09-01）",
    ),
    "resident ID taken": (
        lambda s: s.add_household(attrs.evolve(s.households()[0], head_name="王小明")),
        "已登记为",
    ),
    "contract number taken": (
        lambda s: s.add_contract(chilli_contract("C1", household(1))),
        "合同编号: C1 已被另一份合同使用（2018 年度）",
    ),
    "user name taken": (
        lambda s: add_user(s, "clerk", Role.CLERK, "another-password", actor="admin"),
        "用户名: clerk 已存在",
    ),
    "no such slip to void": (lambda s: s.void_delivery(999, "录错"), "没有编号为 999 的收购小票"),
    "slip voided twice": (lambda s: s.void_delivery(1, "录错"), "收购小票 1 已作废"),
    "no such payment": (lambda s: s.payment(999), "没有编号为 999 的付款记录"),
    "no such contract": (lambda s: s.contract("C9"), "合同 C9 不存在"),
    "no such user": (lambda s: set_active(s, "nobody", False, actor="admin"), "用户 nobody 不存在"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refusal_is_said_in_chinese_and_in_english(store: Store, case: str) -> None:
    act, chinese = REFUSALS[case]
    with pytest.raises(StoreError) as caught:
        act(store)
    zh, en = caught.value.message("zh"), caught.value.message("en")
    assert chinese in zh
    assert "{" not in zh and "{" not in en  # every placeholder filled
    for english in ("already", "refusing", "recorded", "taken", "no "):
        assert english not in zh
    assert zh != en and en  # scripts get English
    assert ENTERPRISE.uscc not in zh  # nor the enterprise's code, where it is not the point


def test_an_overpayment_is_said_in_chinese_with_its_figures_grouped(store: Store) -> None:
    with pytest.raises(OverpaymentError) as caught:
        store.record_payment(_home(store), 2018, D("5000.00"), SEP1, "BANK-9")
    assert caught.value.message("zh") == "金额: 付款 5,000.00 元超过 2018 年度应付余额 40.00 元"
    assert "exceed" in caught.value.message("en")


@pytest.mark.parametrize(
    ("sqlite_says", "kind", "chinese"),
    [
        ("database or disk is full", StoreFullError, "磁盘已满（{path}），未写入任何数据"),
        ("attempt to write a readonly database", StoreReadOnlyError, "数据库文件只读（{path}"),
        ("database disk image is malformed", StoreCorruptError, "数据库文件损坏"),
        ("disk I/O error", StoreIOError, "数据库文件读写失败（{path}），未写入任何数据"),
        ("no such table: deliveries", StoreError, "数据库拒绝了此操作：no such table"),
    ],
)
def test_a_fault_of_the_file_is_said_in_chinese_and_in_english(
    tmp_path: Path, sqlite_says: str, kind: type[StoreError], chinese: str
) -> None:
    path = tmp_path / "season.db"
    error = store_error(sqlite3.OperationalError(sqlite_says), path)
    assert type(error) is kind
    assert chinese.format(path=path) in error.message("zh")
    assert sqlite_says in str(error) and str(error) == error.message("en")


def test_a_file_that_is_not_a_store_is_named_damaged_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("收购点 小票 " * 400, encoding="utf-8")
    with pytest.raises(StoreCorruptError) as caught:
        Store.open(path).close()
    assert "数据库文件损坏或不是 orderfarm 数据库" in caught.value.message("zh")
    assert "restore it from a backup" in str(caught.value)
