"""Promise 3 — disk and I/O faults: a full disk and a read-only file give a clear
``StoreError`` and commit nothing; a backup taken while others write opens and verifies
(``Store.backup``, ``orderfarm backup``)."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderfarm import D, OrderfarmError, Slip, Store, Weighing
from orderfarm.cli import main
from orderfarm.io import RECORD_TYPES
from orderfarm.io.loading import import_file
from orderfarm.store import StoreError, StoreFullError, StoreReadOnlyError
from tests.reliability.support import DAY, SEASON, TODAY, as_nobody, build_season, write_slips
from tests.test_store_support import resident_id


def _slips(count: int, prefix: str = "F") -> list[Slip]:
    return [
        Slip(
            "C-0",
            Weighing(gross_kg=D(11 + i % 40), tare_kg=D(1), grade="一级"),
            DAY,
            f"{prefix}-{i:05d}",
            purchase_point="商州区大荆镇收购点" * 3,
        )
        for i in range(count)
    ]


def _snapshot(store: Store) -> tuple[dict[str, int], tuple[int, str]]:
    return store.counts(), store.audit_head()


def _fill_up(store: Store, spare_pages: int = 2) -> None:
    """Let this thread's connection grow the file by ``spare_pages`` pages at most."""
    conn = store._db.connection()
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    conn.execute(f"PRAGMA max_page_count = {pages + spare_pages}")


def _assert_clear(exc: BaseException, kind: type[StoreError]) -> None:
    assert isinstance(exc, kind) and isinstance(exc, OrderfarmError)
    assert str(exc).strip() and "nothing was written" in str(exc)


def test_a_full_disk_refuses_a_batch_with_a_clear_error_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "full.db"
    build_season(db, 1)
    with Store.open(db) as store:
        before = _snapshot(store)
        _fill_up(store)
        with pytest.raises(StoreFullError) as caught:
            store.record_deliveries(_slips(3000))
        _assert_clear(caught.value, StoreFullError)
        assert _snapshot(store) == before
        assert store.verify().ok


def test_a_full_disk_during_an_import_reports_it_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    build_season(db, 4)
    source = tmp_path / "slips.csv"
    write_slips(source, 3000, 4)
    with Store.open(db) as store:
        before = _snapshot(store)
        _fill_up(store)
        report = import_file(store, source, "slips", commit=True, today=TODAY)
        assert not report.committed and not report.ok
        assert any("full" in m for m in report.messages("en")), report.messages("en")
        assert any("磁盘已满" in m for m in report.messages("zh"))
        assert _snapshot(store) == before
        assert store.verify().ok


def test_a_full_disk_during_a_households_import_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    build_season(db, 1)
    source = tmp_path / "households.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RECORD_TYPES["households"].headers("en")[:4])
        for n in range(100, 700):
            writer.writerow([f"农户{n}" * 8, resident_id(n), "北宽坪镇", "广东坪村"])
    with Store.open(db) as store:
        before = _snapshot(store)
        _fill_up(store, spare_pages=8)
        report = import_file(store, source, "households", commit=True, today=TODAY)
        assert not report.committed
        assert any("full" in m for m in report.messages("en")), report.messages("en")
        assert _snapshot(store) == before
        assert store.verify().ok


#: Run in a forked child with a small file-size limit (a disk that fills up under the
#: writer): the write fails with a StoreError, the parent then checks the file.
FSIZE = textwrap.dedent(
    """
    import json, resource, signal, sys, datetime as dt
    from orderfarm import D, Slip, Store, Weighing, OrderfarmError
    db, limit = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    store = Store.open(db)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    slips = [Slip("C-0", Weighing(gross_kg=D(11 + i % 40), tare_kg=D(1), grade="一级"),
                  dt.date(2018, 9, 1), f"Z-{i:05d}", "收购点" * 20) for i in range(4000)]
    try:
        store.record_deliveries(slips)
        print(json.dumps({"error": None}))
    except OrderfarmError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    """
)


def test_a_file_size_limit_hit_mid_write_gives_a_store_error_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "limited.db"
    build_season(db, 1)
    with Store.open(db) as store:
        before = _snapshot(store)
    limit = db.stat().st_size + 64 * 1024
    done = subprocess.run(
        [sys.executable, "-c", FSIZE, str(db), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["error"] in ("StoreFullError", "StoreIOError"), outcome
    assert outcome["message"].strip()
    with Store.open(db) as store:
        assert _snapshot(store) == before
        assert store.verify().ok


@pytest.fixture
def shared_dir() -> Any:
    """A folder an unprivileged child can reach (pytest's tmp folders are private)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        os.chmod(folder, 0o755)
        yield Path(folder)


@pytest.mark.parametrize("folder_writable", [True, False])
def test_a_read_only_file_gives_a_clear_error_and_keeps_nothing(
    shared_dir: Path, folder_writable: bool
) -> None:
    db = shared_dir / "season.db"
    build_season(db, 1)
    with Store.open(db) as store:
        before = _snapshot(store)
    os.chmod(db, 0o444)
    os.chmod(shared_dir, 0o777 if folder_writable else 0o555)

    def write() -> None:
        with Store.open(db) as store:
            store.record_deliveries(_slips(5))

    outcome = as_nobody(write)
    os.chmod(shared_dir, 0o755)
    assert outcome["error"] in ("StoreReadOnlyError", "StoreIOError"), outcome
    assert outcome["orderfarm"] and outcome["message"].strip()
    if folder_writable:
        assert outcome["error"] == StoreReadOnlyError.__name__
        assert "read-only" in outcome["message"]
    with Store.open(db) as store:
        assert _snapshot(store) == before
        assert store.verify().ok


def test_an_evidence_copy_where_nothing_can_be_written_is_verified_as_it_is(
    shared_dir: Path,
) -> None:
    """A copy kept as evidence in a folder that cannot be written (SQLite could keep no
    write-ahead log there): the command line verifies it as it is, and nothing is written."""
    db = shared_dir / "season.db"
    build_season(db, 1)
    with Store.open(db) as store:
        _, digest = store.audit_head()
    os.chmod(db, 0o444)
    os.chmod(shared_dir, 0o555)

    def inspect() -> None:
        said = io.StringIO()
        code = main(["verify", "--db", str(db)], out=said)
        assert code == 0 and f"哈希 {digest}" in said.getvalue(), said.getvalue()
        with Store.open(db, read_only=True) as store:
            assert store.verify().ok
            with pytest.raises(StoreReadOnlyError):
                store.record_deliveries(_slips(1))

    outcome = as_nobody(inspect)
    os.chmod(shared_dir, 0o755)
    assert outcome["error"] is None, outcome
    assert sorted(p.name for p in shared_dir.iterdir()) == ["season.db"]


#: Keeps writing slips until killed, printing "started" once under way.
WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from orderfarm import D, Slip, Store, Weighing
    store = Store.open(sys.argv[1])
    i = 0
    while True:
        slips = [Slip(f"C-{(i + k) % 4}", Weighing(gross_kg=D(11 + k), tare_kg=D(1),
                      grade="一级"), dt.date(2018, 9, 1), f"W-{i + k:06d}") for k in range(20)]
        store.record_deliveries(slips)
        store.record_payment(store.contract("C-0").household_id, 2018, D("0.01"),
                             dt.date(2018, 9, 2), f"PAY-{i}")
        if i == 0:
            print("started", flush=True)
        i += 20
    """
)


def test_a_backup_taken_while_another_process_writes_opens_and_verifies(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    build_season(db, 4)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "started"
        copies = []
        with Store.open(db) as store:
            for n in range(5):
                copies.append(Path(store.backup(tmp_path / f"copy-{n}.db")))
                time.sleep(0.05)
        assert main(["backup", str(db), str(tmp_path / "cli.db")]) == 0
        copies.append(tmp_path / "cli.db")
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    sizes = []
    for copy in copies:
        assert not list(tmp_path.glob(f".{copy.name}*.part"))
        with Store.open(copy) as store:
            report = store.verify()
            assert report.ok, report.problems[:3]
            sizes.append(store.counts()["deliveries"])
            paid = sum((p.amount for p in store.payments()), Decimal(0))
            assert paid == D("0.01") * len(store.payments())
            assert len(store.deliveries()) % 20 == 0
    assert sizes == sorted(sizes) and sizes[-1] > 0
    with Store.open(db) as store:
        assert store.verify().ok


def test_a_backup_never_overwrites_its_database_or_a_live_one(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    build_season(db, 1)
    with Store.open(db) as store:
        with pytest.raises(StoreError, match="itself"):
            store.backup(db)
        store._db.connection()  # the live file has its -wal beside it now
        with Store.open(tmp_path / "other.db") as other:
            other.add_enterprise(store.enterprises()[0])
            with pytest.raises(StoreError, match="in use"):
                store.backup(tmp_path / "other.db")
    assert main(["backup", str(tmp_path / "missing.db"), str(tmp_path / "x.db")]) == 2
    assert resource.RLIMIT_FSIZE and SEASON == 2018


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed_page"])
def test_a_damaged_file_gives_a_store_error_or_a_failed_verify_never_a_raw_sqlite_error(
    tmp_path: Path, damage: str
) -> None:
    db = tmp_path / "season.db"
    build_season(db, 4)
    with Store.open(db) as store:
        store.record_deliveries(_slips(400))
    data = bytearray(db.read_bytes())
    if damage == "garbage":
        data = bytearray(b"not a database, just a spreadsheet someone renamed" * 100)
    elif damage == "truncated":
        data = data[: len(data) // 2]
    else:
        page = 4096
        data[2 * page : 3 * page] = bytes(page)
    db.write_bytes(bytes(data))
    try:
        with Store.open(db) as store:
            report = store.verify()
            assert not report.ok
            assert all(p.message.strip() for p in report.problems)
    except StoreError as exc:
        assert str(exc).strip()
