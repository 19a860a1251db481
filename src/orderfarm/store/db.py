"""The one place for connections, transactions, the schema and its migrations (stdlib sqlite3).

Every connection: WAL journal, ``synchronous=FULL``, ``foreign_keys=ON``, a busy timeout, and
autocommit mode (``isolation_level=None``) so that transactions are explicit: writes run in
``BEGIN IMMEDIATE`` (the write lock is taken first, so a read-then-write never fails half-way),
reads in a plain ``BEGIN`` for a consistent snapshot. A busy or locked database is retried
with back-off, so "database is locked" never reaches the caller; after ``patience`` seconds a
``StoreBusyError`` does.

Connections are per thread (Streamlit runs each script run in its own thread) and per
process (a forked child opens its own); no connection is ever used by two threads.

The schema version lives in ``PRAGMA user_version``; ``MIGRATIONS[i]`` takes a file from
version ``i`` to ``i + 1``. A file newer than ``SCHEMA_VERSION`` is refused.

The SQL is plain: tables, indexes, triggers and queries that PostgreSQL also understands,
except the marked SQLite-only parts (``STRICT``, ``RAISE`` in triggers, PRAGMAs), which a
PostgreSQL backend would replace here, in this module only.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from orderfarm.messages import render
from orderfarm.store.errors import (
    SchemaVersionError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
)
from orderfarm.store.totals import CONTRACT_TOTALS_SQL, SEASON_TOTALS_SQL

T = TypeVar("T")
E = TypeVar("E", bound=StoreError)

#: Append-only tables: money and its corrections, and the audit trail.
APPEND_ONLY = (
    "deliveries",
    "input_supplies",
    "payments",
    "delivery_voids",
    "supply_voids",
    "payment_voids",
    "audit",
)


def _append_only_triggers(table: str) -> tuple[str, str]:
    # Identifiers come from the constant APPEND_ONLY above, never from data.
    message = f"{table} is append-only: record a void (correction) instead"
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    )


_V1: tuple[str, ...] = (
    """CREATE TABLE enterprises (
        id INTEGER PRIMARY KEY,
        uscc TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL
    ) STRICT""",
    """CREATE TABLE households (
        id INTEGER PRIMARY KEY,
        resident_id TEXT NOT NULL UNIQUE,
        head_name TEXT NOT NULL,
        township TEXT NOT NULL,
        village TEXT NOT NULL,
        grp TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        members INTEGER NOT NULL DEFAULT 1,
        poverty_status TEXT NOT NULL,
        account TEXT NOT NULL DEFAULT ''
    ) STRICT""",
    """CREATE TABLE contracts (
        id INTEGER PRIMARY KEY,
        contract_no TEXT NOT NULL UNIQUE,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
        household_id INTEGER NOT NULL REFERENCES households (id),
        crop TEXT NOT NULL,
        form TEXT NOT NULL,
        season INTEGER NOT NULL,
        area_mu TEXT NOT NULL,
        area_mu4 INTEGER NOT NULL,
        unrecovered TEXT NOT NULL CHECK (unrecovered IN ('carry', 'waive')),
        status TEXT NOT NULL,
        delivery_start TEXT,
        delivery_end TEXT,
        data TEXT NOT NULL
    ) STRICT""",
    "CREATE INDEX contracts_household ON contracts (household_id, season)",
    "CREATE INDEX contracts_season ON contracts (season)",
    """CREATE TABLE market_prices (
        crop TEXT NOT NULL,
        form TEXT NOT NULL,
        grade TEXT NOT NULL,
        day TEXT NOT NULL,
        price TEXT NOT NULL,
        PRIMARY KEY (crop, form, grade, day)
    ) STRICT""",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        ref TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    ) STRICT""",
    """CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        contract_id INTEGER NOT NULL REFERENCES contracts (id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
        household_id INTEGER NOT NULL REFERENCES households (id),
        season INTEGER NOT NULL,
        receipt_no TEXT NOT NULL,
        revision INTEGER NOT NULL,
        day TEXT NOT NULL,
        purchase_point TEXT NOT NULL,
        gross_kg TEXT NOT NULL,
        tare_kg TEXT NOT NULL,
        grade TEXT NOT NULL,
        moisture TEXT NOT NULL,
        impurity TEXT NOT NULL,
        market_price TEXT,
        delivered_before_g INTEGER NOT NULL,
        net_g INTEGER NOT NULL,
        accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
        rejection_reason TEXT,
        protected_g INTEGER NOT NULL,
        protected_price TEXT,
        protected_basis TEXT,
        protected_fen INTEGER NOT NULL,
        market_g INTEGER NOT NULL,
        market_fen INTEGER NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED,
        UNIQUE (enterprise_id, season, receipt_no, revision)
    ) STRICT""",
    "CREATE INDEX deliveries_contract ON deliveries (contract_id)",
    "CREATE INDEX deliveries_household ON deliveries (household_id, season)",
    """CREATE TABLE input_supplies (
        id INTEGER PRIMARY KEY,
        contract_id INTEGER NOT NULL REFERENCES contracts (id),
        household_id INTEGER NOT NULL REFERENCES households (id),
        season INTEGER NOT NULL,
        reference TEXT NOT NULL,
        day TEXT NOT NULL,
        item TEXT NOT NULL,
        quantity TEXT NOT NULL,
        unit TEXT NOT NULL,
        unit_cost TEXT NOT NULL,
        charge TEXT NOT NULL CHECK (charge IN ('free', 'advance', 'paid')),
        amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED,
        UNIQUE (contract_id, reference)
    ) STRICT""",
    "CREATE INDEX input_supplies_household ON input_supplies (household_id, season)",
    """CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        household_id INTEGER NOT NULL REFERENCES households (id),
        season INTEGER NOT NULL,
        reference TEXT NOT NULL UNIQUE,
        day TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
    ) STRICT""",
    "CREATE INDEX payments_household ON payments (household_id, season)",
    """CREATE TABLE delivery_voids (
        delivery_id INTEGER PRIMARY KEY REFERENCES deliveries (id),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
    ) STRICT""",
    """CREATE TABLE supply_voids (
        supply_id INTEGER PRIMARY KEY REFERENCES input_supplies (id),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
    ) STRICT""",
    """CREATE TABLE payment_voids (
        payment_id INTEGER PRIMARY KEY REFERENCES payments (id),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
    ) STRICT""",
    *(sql for table in APPEND_ONLY for sql in _append_only_triggers(table)),
)

_V2: tuple[str, ...] = (
    # A note on each payment (bank batch, cash at the township office…).
    "ALTER TABLE payments ADD COLUMN note TEXT NOT NULL DEFAULT ''",
    # The season reports group deliveries and supplies by season first.
    "CREATE INDEX deliveries_season ON deliveries (season, household_id)",
    "CREATE INDEX input_supplies_season ON input_supplies (season, household_id)",
)

_V3: tuple[str, ...] = (
    # People who log in to the page (orderfarm.store.users): a scrypt hash, never a password.
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'viewer')),
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created TEXT NOT NULL
    ) STRICT""",
    # Failed logins, for the rate limit (auth.LoginThrottle); cleared by a successful login.
    """CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        at TEXT NOT NULL
    ) STRICT""",
    "CREATE INDEX login_failures_name ON login_failures (name, at)",
)

_V4: tuple[str, ...] = tuple(
    # Money rows point to their audit entry with a deferred foreign key, so each new entry
    # looks for the rows it resolves: without an index that read every row of every money
    # table, once per payment, input or void (minutes per thousand on a county's season).
    f"CREATE INDEX {table}_audit ON {table} (audit_seq)"
    for table in APPEND_ONLY
    if table != "audit"
)

_V5: tuple[str, ...] = (
    # Running sums of the money tables (orderfarm.store.totals), kept by every write in its
    # transaction, so that settling or reporting a season need not scan its deliveries.
    # Caches, not money records: verify() recomputes them.
    """CREATE TABLE season_totals (
        household_id INTEGER NOT NULL REFERENCES households (id),
        season INTEGER NOT NULL,
        proceeds_fen INTEGER NOT NULL DEFAULT 0,
        carry_fen INTEGER NOT NULL DEFAULT 0,
        waive_fen INTEGER NOT NULL DEFAULT 0,
        paid_fen INTEGER NOT NULL DEFAULT 0,
        records INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (household_id, season)
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE contract_totals (
        contract_id INTEGER PRIMARY KEY REFERENCES contracts (id),
        net_g INTEGER NOT NULL DEFAULT 0,
        amount_fen INTEGER NOT NULL DEFAULT 0,
        slips INTEGER NOT NULL DEFAULT 0
    ) STRICT""",
    "INSERT INTO season_totals (household_id, season, proceeds_fen, carry_fen, waive_fen, "
    "paid_fen, records) " + SEASON_TOTALS_SQL,
    "INSERT INTO contract_totals (contract_id, net_g, amount_fen, slips) " + CONTRACT_TOTALS_SQL,
)

_V6: tuple[str, ...] = (
    # What these indexes served (kg delivered under a contract, a season's sums) is read from
    # the totals now; a county's import of slips in contract order all over kept them thrashing
    # the page cache (a million slips: 27 s of inserts with them, 15 s without). (IF EXISTS:
    # for a while version 5 dropped them itself.)
    "DROP INDEX IF EXISTS deliveries_contract",
    "DROP INDEX IF EXISTS deliveries_season",
)

_V7: tuple[str, ...] = (
    # Household search (Store.search_households) reads only the households that match: the
    # keys each is found by (orderfarm.store.store.household_search_keys), kept with the
    # columns the list is sorted by, and that order for the list itself. (IF NOT EXISTS, OR
    # IGNORE: a file taken back to an older version and migrated again keeps them.)
    "CREATE INDEX IF NOT EXISTS households_place_name ON households (township, village, head_name)",
    """CREATE TABLE IF NOT EXISTS household_search (
        key TEXT NOT NULL,
        township TEXT NOT NULL,
        village TEXT NOT NULL,
        head_name TEXT NOT NULL,
        household_id INTEGER NOT NULL REFERENCES households (id),
        PRIMARY KEY (key, township, village, head_name, household_id)
    ) STRICT, WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS household_search_household ON household_search (household_id)",
    # orderfarm_search_keys: a Python function (migrate() registers it), SQLite-only
    "INSERT OR IGNORE INTO household_search (key, township, village, head_name, household_id) "
    "SELECT j.value, h.township, h.village, h.head_name, h.id FROM households h, "
    "json_each(orderfarm_search_keys(h.head_name, h.resident_id)) j",
)

_V8: tuple[str, ...] = (
    # A contract number is found whatever the case of its letters (Store._contract_row): a
    # clerk's sz-jy-0001 is the contract SZ-JY-0001, and a new contract may not take it.
    "CREATE INDEX IF NOT EXISTS contracts_no_nocase ON contracts (contract_no COLLATE NOCASE)",
)

_V9: tuple[str, ...] = (
    # A head's name is kept without blanks between Chinese characters (parties.person_name:
    # 李　四 is 李四), so search and the bank list find and carry it as typed elsewhere; names
    # stored before are put so, and their search keys made again. (orderfarm_person_name:
    # a Python function migrate() registers.)
    "UPDATE households SET head_name = orderfarm_person_name(head_name) "
    "WHERE head_name <> orderfarm_person_name(head_name)",
    "DELETE FROM household_search WHERE EXISTS (SELECT 1 FROM households h "
    "WHERE h.id = household_search.household_id AND h.head_name <> household_search.head_name)",
    "INSERT OR IGNORE INTO household_search (key, township, village, head_name, household_id) "
    "SELECT j.value, h.township, h.village, h.head_name, h.id FROM households h, "
    "json_each(orderfarm_search_keys(h.head_name, h.resident_id)) j "
    "WHERE NOT EXISTS (SELECT 1 FROM household_search s WHERE s.household_id = h.id)",
)

#: Each connection's page cache, in KiB.
CACHE_KIB = 65536

#: ``MIGRATIONS[i]`` takes a file from schema version ``i`` to ``i + 1``.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9)
SCHEMA_VERSION = len(MIGRATIONS)


def _is_busy(exc: sqlite3.Error) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """The ``StoreError`` to raise for an SQLite error on ``path``: a full disk, a read-only
    file, an I/O fault and a damaged file each get their own class and a message a person can
    act on, in either language. The transaction was rolled back, so nothing of the failed
    write is kept."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    lower = text.lower()
    kind: type[StoreError] = StoreError
    code = "store_sql_refused"
    if name.startswith("SQLITE_FULL") or "full" in lower:
        kind, code = StoreFullError, "store_full"
    elif name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")) or "readonly" in lower:
        kind, code = StoreReadOnlyError, "store_read_only"
    elif (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or "malformed" in lower
        or ("not a database" in lower)
    ):
        kind, code = StoreCorruptError, "store_corrupt"
    elif (
        name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN"))
        or "i/o" in lower
        or ("unable to open" in lower)
    ):
        kind, code = StoreIOError, "store_io"
    return _coded(kind, code, path=str(path), detail=text)


def _coded(kind: type[E], code: str, **params: object) -> E:
    """A ``kind`` of store error said by the catalogue's ``code`` (its English the detail)."""
    return kind(render(code, params, "en"), code=code, params=params)


def check_backup_target(source: Path, target: Path) -> None:
    """Refuse a backup of ``source`` to ``target`` that would overwrite the database itself
    or a file in use as a database (a ``-wal`` or ``-shm`` beside it), or whose folder does
    not exist: ``StoreError``, said in either language."""
    if target.exists() and target.resolve() == source.resolve():
        raise _coded(StoreError, "backup_onto_itself", path=str(source))
    if not target.parent.is_dir():  # else a temporary file beside it "cannot be written"
        raise _coded(StoreError, "backup_no_folder", path=str(target), folder=str(target.parent))
    for suffix in ("-wal", "-shm"):
        if Path(f"{target}{suffix}").exists():
            raise _coded(StoreError, "backup_onto_live", path=str(target), suffix=suffix)


class Database:
    """Connections (one per thread and process), transactions with retry, and migration."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        patience: float = 120.0,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.patience = patience
        #: opened as a file nothing changes (``immutable``): a copy kept as evidence, on a
        #: medium or in a folder that cannot be written, where SQLite could not keep its WAL
        self.read_only = read_only
        self._local = threading.local()
        self._lock = threading.Lock()
        #: (owner thread, process, connection) of every connection opened and not yet closed
        self._opened: list[tuple[weakref.ref[threading.Thread], int, sqlite3.Connection]] = []
        self._closed = False

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        where = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1" if self.read_only else None
        try:
            conn = sqlite3.connect(
                where or self.path,
                timeout=self.busy_timeout,
                isolation_level=None,
                # Only close() touches a connection from another thread, after use has stopped.
                check_same_thread=False,
                uri=where is not None,
            )
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc
        try:
            if not self.read_only:
                self._retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
                conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            # 64 MB of pages (SQLite's default is 2 MB): a season's import is one transaction,
            # and its slips land all over the deliveries' indexes; with a small cache every
            # slip sent index pages to the WAL and read them back, many times over.
            conn.execute(f"PRAGMA cache_size={-CACHE_KIB}")
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        except sqlite3.Error as exc:
            conn.close()
            raise store_error(exc, self.path) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use, again after a fork)."""
        if self._closed:
            raise StoreError(f"the store {self.path} is closed")
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None or getattr(local, "pid", None) != os.getpid():
            conn = self._connect()
            local.conn, local.pid = conn, os.getpid()
            owner = weakref.ref(threading.current_thread())
            with self._lock:
                # Streamlit runs every script run in a new thread: close the connections of
                # threads that have ended, or a long-running page would leak one per run.
                self._opened, ended = self._partition(self._opened)
                self._opened.append((owner, os.getpid(), conn))
            self._close_all(ended)
        return conn

    @staticmethod
    def _partition(
        opened: list[tuple[weakref.ref[threading.Thread], int, sqlite3.Connection]],
    ) -> tuple[
        list[tuple[weakref.ref[threading.Thread], int, sqlite3.Connection]],
        list[sqlite3.Connection],
    ]:
        """(connections still in use, connections of ended threads of this process).

        A connection inherited from a parent process is dropped without being touched:
        SQLite connections must not be used, nor closed, across a fork.
        """
        keep, ended = [], []
        pid = os.getpid()
        for entry in opened:
            owner, owner_pid, conn = entry
            thread = owner()
            if owner_pid != pid:
                continue
            if thread is None or not thread.is_alive():
                ended.append(conn)
            else:
                keep.append(entry)
        return keep, ended

    @staticmethod
    def _close_all(connections: list[sqlite3.Connection]) -> None:
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):  # closing is best effort
                conn.close()

    def close(self) -> None:
        """Close every connection this store opened in this process."""
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        pid = os.getpid()
        self._close_all([conn for _, owner_pid, conn in opened if owner_pid == pid])

    # -- transactions --------------------------------------------------------------------------

    def _retry(self, attempt: Callable[[], T], patience: float | None = None) -> T:
        patience = self.patience if patience is None else patience
        deadline = time.monotonic() + patience
        pause = 0.002
        while True:
            try:
                return attempt()
            except sqlite3.Error as exc:
                if not _is_busy(exc):
                    raise store_error(exc, self.path) from exc
                if time.monotonic() >= deadline:
                    raise _coded(
                        StoreBusyError,
                        "store_busy",
                        path=str(self.path),
                        seconds=f"{patience:.0f}",
                    ) from None
            time.sleep(pause * (0.5 + random.random()))  # jitter, not security
            pause = min(pause * 2, 0.1)

    def _transaction(
        self, begin: str, work: Callable[[sqlite3.Connection], T], patience: float | None = None
    ) -> T:
        conn = self.connection()
        if getattr(self._local, "outer", None) is conn:
            return self._joined(conn, work)

        def attempt() -> T:
            conn.execute(begin)
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    # A failed rollback (the disk is gone) must not hide why the write failed;
                    # SQLite rolls the transaction back itself when the connection closes.
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
            return result

        if patience is None or patience >= self.busy_timeout:
            return self._retry(attempt, patience)
        # SQLite's own wait for the lock, on each try, no longer than the whole write's
        conn.execute(f"PRAGMA busy_timeout={int(patience * 1000)}")
        try:
            return self._retry(attempt, patience)
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")

    def write(self, work: Callable[[sqlite3.Connection], T], *, patience: float | None = None) -> T:
        """Run ``work(conn)`` in a ``BEGIN IMMEDIATE`` transaction, retried when busy;
        ``StoreBusyError`` after ``patience`` seconds (the store's, unless given).

        ``work`` may run more than once (only when the database was busy before it could
        finish), so it must not have effects outside the transaction.
        """
        return self._transaction("BEGIN IMMEDIATE", work, patience)

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(conn)`` in a read transaction (one consistent snapshot)."""
        return self._transaction("BEGIN", work)

    def _joined(self, conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` inside this thread's ``transaction()``: under a savepoint, so a write that
        fails leaves nothing of itself behind while the writes before it stay pending."""
        if not conn.in_transaction:
            # SQLite rolled the whole transaction back (a full disk does): nothing may be
            # written outside it as if it were still open.
            raise StoreError("the transaction was rolled back after an error; start again")
        try:
            conn.execute("SAVEPOINT orderfarm_step")
            try:
                result = work(conn)
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK TO orderfarm_step")
                        conn.execute("RELEASE orderfarm_step")
                raise
            conn.execute("RELEASE orderfarm_step")
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc
        return result

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction around many writes of this thread: all of them or none.

        The write lock is taken at the start (waiting for other writers, as ``write`` does)
        and held to the end; each ``write`` and ``read`` of this thread inside joins it. An
        exception out of the block rolls every write back; so does a crash, at any point.
        """
        conn = self.connection()
        if getattr(self._local, "outer", None) is conn:
            raise StoreError("store transactions do not nest")
        self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        self._local.outer = conn
        try:
            yield
            self._local.outer = None
            self._retry(lambda: conn.execute("COMMIT"))
        except BaseException:
            self._local.outer = None
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    # -- schema --------------------------------------------------------------------------------

    def version(self) -> int:
        """The file's schema version (``PRAGMA user_version``)."""
        conn = self.connection()
        row = self._retry(lambda: conn.execute("PRAGMA user_version").fetchone())
        return int(row[0])

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the database to ``dest`` with SQLite's backup API: one consistent snapshot,
        taken while other connections keep writing. The copy is written beside ``dest`` and
        renamed into place only when complete, so a crash leaves no half copy at ``dest``."""
        target = Path(dest)
        check_backup_target(self.path, target)
        scratch = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
        source = self.connection()
        try:
            copy = sqlite3.connect(scratch, isolation_level=None)
            try:
                # pages=-1: the whole file in one step, so the copy is one snapshot.
                self._retry(lambda: source.backup(copy, pages=-1))
                # One self-contained file (the source's WAL header bytes are copied too).
                copy.execute("PRAGMA journal_mode=DELETE").fetchone()
            finally:
                copy.close()
            with open(scratch, "rb") as written:
                os.fsync(written.fileno())
            os.replace(scratch, target)
        except sqlite3.Error as exc:
            raise store_error(exc, target) from exc
        except OSError as exc:
            raise StoreIOError(
                f"the backup to {target} could not be written ({exc}) (备份写入失败)"
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                scratch.unlink()
        return target

    def check_readable(self) -> None:
        """Refuse to read a file as it is (``read_only``) while its write-ahead log holds
        transactions — they would not be seen (a store closed as it should be leaves no log
        behind) — or when it is not at this code's schema: opened so, it cannot be migrated."""
        log = self.path.with_name(self.path.name + "-wal")
        if log.exists() and log.stat().st_size > 0:
            raise StoreError(
                f"{self.path} has transactions in its write-ahead log {log.name}: it was not "
                "closed cleanly, so read as it is it would not show them; open a writable copy "
                f"of both files (数据库的预写日志 {log.name} 中还有未合并的记录，只读打开会看不到"
                "它们：请把两个文件一起复制到可写的位置再打开)"
            )
        found = self.version()
        if found != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {found}, not {SCHEMA_VERSION}: a file opened "
                "read-only cannot be brought to this version; open a writable copy "
                f"(数据库版本为 {found}，只读打开无法升级到 {SCHEMA_VERSION}，请复制一份可写的副本再打开)"
            )

    def migrate(self, target: int = SCHEMA_VERSION) -> int:
        """Bring the file to schema ``target``, in one transaction; returns the version it had.

        A file at a version newer than this code knows is refused with ``SchemaVersionError``.
        """
        if not 0 <= target <= SCHEMA_VERSION:
            raise ValueError(f"unknown schema version {target}")

        def work(conn: sqlite3.Connection) -> int:
            found = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.path} has schema version {found}, newer than {SCHEMA_VERSION} that "
                    "this orderfarm knows: upgrade orderfarm to open it "
                    f"(数据库版本 {found} 高于本程序支持的 {SCHEMA_VERSION}，请升级 orderfarm)"
                )
            if found < target:
                # the Python the migrations' SQL calls (imported here: store.py imports this)
                from orderfarm.parties import person_name
                from orderfarm.store.store import search_keys_json

                conn.create_function(
                    "orderfarm_search_keys", 2, search_keys_json, deterministic=True
                )
                conn.create_function("orderfarm_person_name", 1, person_name, deterministic=True)
            for version in range(found, target):
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                # PRAGMA takes no parameters; the value is an int from this module.
                conn.execute(f"PRAGMA user_version = {int(version + 1)}")
            return found

        found = self.version()
        if target <= found <= SCHEMA_VERSION:
            # nothing to change: no write lock waited for (an import elsewhere may hold it
            # for minutes, and opening a store to verify or back it up must not wait on it)
            return found
        return self.write(work)
