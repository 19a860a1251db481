"""orderfarm benchmarks: what the library costs over the fastest thing doing the same job.

    python bench/run.py [--scale tiny|small|full] [--only NAME ...] [--repeat N] [--work DIR]

``full`` is a county season: 100,000 households, 1,000,000 weighing slips. ``small`` is a tenth
of it, ``tiny`` a smoke test. Baseline and library run alternately ``--repeat`` times; the
medians, their ratio and the target are printed, and the exit status is 1 when a target is
missed (at ``tiny`` scale the figures are printed but no target is checked). Data is generated
deterministically (``bench/county.py``); the stores it starts from are kept in ``--work``
(``bench/.work`` by default) and rebuilt only when missing.

Benchmarks: import, floor (the part of the import no implementation can leave out: writing the
finished rows with their audit digests, copied inside SQLite and bound from Python), settle,
report, verify (every slip priced again, against reading and digesting the rows), peer
(import + settle against pandas), memory and growth (the import in child processes, peak RSS
measured by the kernel), page (AppTest on a big store against a store 100× smaller), simulate
(``simulate_income`` against hand-written numpy).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

HERE = Path(__file__).resolve().parent
# Measure this checkout's library, whatever copy of orderfarm is installed.
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

import county as data  # noqa: E402  (bench/county.py, beside this file)

from orderfarm.io.loading import import_file  # noqa: E402
from orderfarm.store import Store, audit  # noqa: E402
from orderfarm.store.db import CACHE_KIB  # noqa: E402

SCALES: dict[str, dict[str, int]] = {
    "tiny": {"households": 10, "slips": 60, "page_small": 4, "contracts": 20, "draws": 100},
    "small": {
        "households": 10_000,
        "slips": 100_000,
        "page_small": 100,
        "contracts": 2_000,
        "draws": 10_000,
    },
    "full": {
        "households": 100_000,
        "slips": 1_000_000,
        "page_small": 1_000,
        "contracts": 10_000,
        "draws": 10_000,
    },
}
BENCHES = (
    "import",
    "floor",
    "settle",
    "report",
    "verify",
    "peer",
    "memory",
    "growth",
    "page",
    "simulate",
)


@dataclass
class Figure:
    """One row of the results: the library's time (or size) against its baseline."""

    bench: str
    what: str
    library: float
    baseline: float
    unit: str
    target: float | None
    limit: float | None = None  # an absolute bound on ``library`` (memory: MB)
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.library / self.baseline if self.baseline else float("inf")

    @property
    def ok(self) -> bool:
        if self.target is not None and self.ratio > self.target:
            return False
        return self.limit is None or self.library <= self.limit

    def line(self, checked: bool) -> str:
        target = f"≤{self.target:g}×" if self.target is not None else "report"
        if self.limit is not None:
            target += f", ≤{self.limit:g} {self.unit}"
        verdict = ("ok" if self.ok else "MISSED") if checked else "-"
        return (
            f"{self.bench:<9} {self.library:>9.3f} {self.baseline:>9.3f} {self.unit:<3} "
            f"{self.ratio:>7.2f}×  {target:<16} {verdict:<6} {self.what}"
            + (f" ({self.note})" if self.note else "")
        )


@dataclass
class Bench:
    """What the benchmarks share: the scale, the work folder, the cached inputs."""

    scale: str
    work: Path
    repeat: int
    figures: list[Figure] = field(default_factory=list)
    #: what each child import measured, by number of slips
    children: dict[int, list[dict[str, float]]] = field(default_factory=dict)
    log: Callable[[str], None] = print

    @property
    def size(self) -> dict[str, int]:
        return SCALES[self.scale]

    def path(self, name: str) -> Path:
        return self.work / f"{self.scale}-{name}"

    def cached(self, name: str, build: Callable[[Path], object]) -> Path:
        """``work/<scale>-<name>``, built by ``build(path)`` when missing (atomically)."""
        target = self.path(name)
        if not target.exists():
            self.log(f"  building {target.name} …")
            start = time.perf_counter()
            scratch = target.with_name(target.name + ".part")
            for leftover in (scratch, *scratch.parent.glob(scratch.name + "-*")):
                leftover.unlink(missing_ok=True)
            build(scratch)
            with contextlib.suppress(FileNotFoundError):
                Path(f"{scratch}-wal").unlink()
                Path(f"{scratch}-shm").unlink()
            scratch.rename(target)
            self.log(f"  built {target.name} in {time.perf_counter() - start:.1f} s")
        return target

    def base_store(self, households: int | None = None) -> Path:
        count = households or self.size["households"]
        path = self.cached(
            f"base-{count}.db", lambda p: _checkpointed(data.build_parties, p, count)
        )
        # brought to this version's schema once here, not in every timed child's copy
        Store.open(path).close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path

    def slips_csv(self, slips: int | None = None, households: int | None = None) -> Path:
        count = slips or self.size["slips"]
        homes = households or self.size["households"]
        return self.cached(
            f"slips-{count}-{homes}.csv", lambda p: data.write_slips(p, count, homes)
        )

    def settled_store(self) -> Path:
        """The base store with every slip imported and one payment per household."""

        def build(path: Path) -> None:
            shutil.copyfile(self.base_store(), path)
            with Store.open(path) as store:
                data.fast_store(store)
                report = import_file(
                    store, self.slips_csv(), "slips", commit=True, today=data.TODAY
                )
                assert report.committed, report.messages("en")[:5]
            _checkpointed(data.pay, path, self.size["households"])

        return self.cached("settled.db", build)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        self.log(figure.line(self.scale != "tiny"))


def _checkpointed(build: Callable[[Path, int], None], path: Path, count: int) -> None:
    build(path, count)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def alternate(
    baseline: Callable[[], float], library: Callable[[], float], repeat: int
) -> tuple[float, float]:
    """Run ``baseline`` and ``library`` alternately ``repeat`` times; their median times.
    Each callable returns the seconds it measured (so it can leave its set-up out)."""
    base: list[float] = []
    lib: list[float] = []
    for _ in range(repeat):
        gc.collect()
        base.append(baseline())
        gc.collect()
        lib.append(library())
    return statistics.median(lib), statistics.median(base)


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


# -- import, settle, report, peer ---------------------------------------------------------------


def bare_import(csv_path: Path, db_path: Path) -> int:
    """The baseline: ``csv.reader`` + ``executemany`` into a table of the file's columns."""
    with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE slips (receipt_no TEXT, contract_no TEXT, day TEXT, gross_kg TEXT, "
            "tare_kg TEXT, grade TEXT, moisture TEXT, impurity TEXT, purchase_point TEXT)"
        )
        with open(csv_path, encoding="utf-8", newline="") as stream:
            rows = csv.reader(stream)
            next(rows)
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO slips VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        return int(conn.execute("SELECT COUNT(*) FROM slips").fetchone()[0])


def library_import(csv_path: Path, db_path: Path) -> dict[str, float]:
    """``import_file`` of the slips into the store at ``db_path`` (all or nothing), then
    ``settle``: their times, and this process's peak RSS when the import was done."""
    with Store.open(db_path) as store:
        with timer() as took:
            report = import_file(store, csv_path, "slips", commit=True, today=data.TODAY)
        if not report.committed:
            raise RuntimeError(f"the import failed: {report.messages('en')[:5]}")
        peak = peak_rss_mb()  # the import's, before settle builds every household's totals
        with timer() as settle_took:
            store.settle(data.SEASON)
    return {"import": took[0], "settle": settle_took[0], "peak_mb": peak}


def bench_import(b: Bench) -> None:
    """The library side runs in a child process (``run_child``), so each run also gives the
    settle time after it and the peak RSS, which ``memory``, ``growth`` and ``peer`` use."""
    n = b.size["slips"]
    scratch = Path(tempfile.mkdtemp(dir=b.work))

    def library() -> float:
        return run_child(b, n)["import"]

    lib, bare = alternate(bare_timer(b.slips_csv(), scratch), library, b.repeat)
    b.add(Figure("import", f"{n:,} slips from CSV into the store", lib, bare, "s", 3.0))
    shutil.rmtree(scratch, ignore_errors=True)


def bare_timer(slips: Path, scratch: Path) -> Callable[[], float]:
    """The import baseline as a timed run: ``bare_import`` of ``slips`` into a new file."""

    def baseline() -> float:
        target = scratch / "bare.db"
        for p in scratch.glob("bare.db*"):
            p.unlink()
        with timer() as took:
            bare_import(slips, target)
        return took[0]

    return baseline


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the store at ``target`` with the store's settings for writing (WAL,
    ``synchronous=FULL``, its page cache), transactions left to the caller."""
    with contextlib.closing(sqlite3.connect(target, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA cache_size={-CACHE_KIB}")
        yield conn


def write_finished(settled: Path, target: Path, batch: int = 5000) -> int:
    """The least an import into the store does, whatever works out the rows: every delivery
    row of ``settled`` copied into ``target`` (a copy of the base store: the same table,
    indexes and settings), and digested for the audit a batch at a time, in one
    transaction. Nothing is parsed, checked or priced."""
    with _writing(target) as conn:
        conn.execute("ATTACH DATABASE ? AS done", (str(settled),))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO main.deliveries SELECT * FROM done.deliveries")
        columns = ", ".join(audit.DELIVERY_COLUMNS)
        rows = conn.execute(f"SELECT {columns} FROM main.deliveries ORDER BY id")  # noqa: S608 (constant columns)
        written = 0
        while chunk := rows.fetchmany(batch):
            written += audit.values_digest(chunk)[0]
        conn.execute("COMMIT")
    return written


#: A narrower delivery row, for comparison: the slip's own data and money, without the copies
#: of its contract's keys, the prices' text, what follows from the others (kg before, accepted,
#: market kg), the actor and the time (which the contract, its terms and the audit entry
#: hold), in a table with only its receipt key.
_LEFT_OUT: Final = frozenset(
    {
        "enterprise_id",
        "household_id",
        "season",
        "market_price",
        "delivered_before_g",
        "accepted",
        "rejection_reason",
        "protected_price",
        "protected_basis",
        "market_g",
        "actor",
        "recorded_at",
    }
)
_NARROW_COLUMNS: Final = tuple(c for c in audit.DELIVERY_COLUMNS if c not in _LEFT_OUT)
_NARROW_TABLE: Final = (
    "CREATE TABLE narrow_deliveries (id INTEGER PRIMARY KEY, contract_id INTEGER NOT NULL, "
    "receipt_no TEXT NOT NULL, revision INTEGER NOT NULL, day TEXT NOT NULL, "
    "purchase_point TEXT NOT NULL, gross_kg TEXT NOT NULL, tare_kg TEXT NOT NULL, "
    "grade TEXT NOT NULL, moisture TEXT NOT NULL, impurity TEXT NOT NULL, "
    "net_g INTEGER NOT NULL, protected_g INTEGER NOT NULL, protected_fen INTEGER NOT NULL, "
    "market_fen INTEGER NOT NULL, amount_fen INTEGER NOT NULL, audit_seq INTEGER NOT NULL, "
    "UNIQUE (receipt_no, revision)) STRICT"
)


def bind_finished(
    rows: list[tuple[Any, ...]],
    target: Path,
    batch: int = 5000,
    table: str = "deliveries",
    columns: tuple[str, ...] = audit.DELIVERY_COLUMNS,
    create: str | None = None,
) -> int:
    """``write_finished`` for rows made in Python, as an import that works them out in Python
    must write them: ``rows`` (in memory already) bound by ``executemany`` into ``table`` of
    ``target`` (made first by the statement ``create``, if given) and digested, a batch at a
    time, in one transaction."""
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constant)
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    with _writing(target) as conn:
        if create is not None:
            conn.execute(create)
        conn.execute("BEGIN IMMEDIATE")
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            conn.executemany(insert, chunk)
            audit.values_digest(chunk)
        conn.execute("COMMIT")
    return len(rows)


def bench_floor(b: Bench) -> None:
    """No target: how much of the import's ratio writing the store's rows takes alone, copied
    inside SQLite (the least of any import) and bound from Python (the least of an import
    that works out its rows in Python, as ``import_file`` does); and, for comparison, the
    least of a narrower stored row bound from Python."""
    settled = b.settled_store()
    n = b.size["slips"]
    scratch = Path(tempfile.mkdtemp(dir=b.work))
    with contextlib.closing(sqlite3.connect(settled)) as conn:
        columns = ", ".join(audit.DELIVERY_COLUMNS)
        rows = conn.execute(f"SELECT {columns} FROM deliveries ORDER BY id").fetchall()  # noqa: S608 (constant columns)
        columns = ", ".join(_NARROW_COLUMNS)
        narrow = conn.execute(f"SELECT {columns} FROM deliveries ORDER BY id").fetchall()  # noqa: S608 (constant columns)

    def floor(write: Callable[[Path], int]) -> Callable[[], float]:
        def library() -> float:
            target = scratch / "floor.db"
            for p in scratch.glob("floor.db*"):
                p.unlink()
            shutil.copyfile(b.base_store(), target)
            with timer() as took:
                written = write(target)
            assert written == n, written
            return took[0]

        return library

    baseline = bare_timer(b.slips_csv(), scratch)
    lib, bare = alternate(baseline, floor(lambda t: write_finished(settled, t)), b.repeat)
    what = f"{n:,} finished delivery rows copied in SQLite and digested, no checks"
    b.add(Figure("floor", what, lib, bare, "s", None, note="no target: any import's least"))
    lib, bare = alternate(baseline, floor(lambda t: bind_finished(rows, t)), b.repeat)
    what = f"{n:,} finished delivery rows bound from Python and digested, no checks"
    b.add(Figure("floor", what, lib, bare, "s", None, note="no target: a Python import's least"))
    write_narrow = floor(
        lambda t: bind_finished(
            narrow, t, 5000, "narrow_deliveries", _NARROW_COLUMNS, _NARROW_TABLE
        )
    )
    lib, bare = alternate(baseline, write_narrow, b.repeat)
    what = f"{n:,} narrower rows ({len(_NARROW_COLUMNS)} columns) bound from Python and digested"
    b.add(Figure("floor", what, lib, bare, "s", None, note="no target: a narrower format's least"))
    shutil.rmtree(scratch, ignore_errors=True)


#: The baselines of settle and report: one SQL ``GROUP BY`` each over the season's slips.
_SETTLE_BASELINE: Final = (
    "SELECT household_id, SUM(amount_fen) FROM deliveries WHERE season = ? GROUP BY household_id"
)
_REPORT_BASELINE: Final = (
    "SELECT h.township, c.crop, SUM(d.net_g), SUM(d.amount_fen) FROM deliveries d "
    "JOIN households h ON h.id = d.household_id "
    "JOIN contracts c ON c.id = d.contract_id "
    "WHERE d.season = ? GROUP BY h.township, c.crop"
)


def timed_query(path: Path, sql: str) -> float:
    """Seconds to run ``sql`` for the season on the store at ``path`` and fetch every row."""
    with contextlib.closing(sqlite3.connect(path)) as conn, timer() as took:
        conn.execute(sql, (data.SEASON,)).fetchall()
    return took[0]


def bench_settle(b: Bench) -> None:
    path = b.settled_store()

    def baseline() -> float:
        return timed_query(path, _SETTLE_BASELINE)

    def library() -> float:
        with Store.open(path) as store, timer() as took:
            result = store.settle(data.SEASON)
        assert len(result) == b.size["households"], len(result)
        return took[0]

    lib, bare = alternate(baseline, library, b.repeat)
    b.add(
        Figure(
            "settle",
            f"season totals of {b.size['households']:,} households, {b.size['slips']:,} slips",
            lib,
            bare,
            "s",
            1.5,
        )
    )


def bench_report(b: Bench) -> None:
    path = b.settled_store()

    def baseline() -> float:
        return timed_query(path, _REPORT_BASELINE)

    def library() -> float:
        with Store.open(path) as store, timer() as took:
            rows = store.report(data.SEASON, by=("township", "crop"))
        assert rows
        return took[0]

    lib, bare = alternate(baseline, library, b.repeat)
    b.add(Figure("report", "township × crop report", lib, bare, "s", 1.5))


def read_and_digest(path: Path, batch: int = 5000) -> int:
    """The least a check of the audit trail does: every audit entry and money row of the store
    at ``path`` read and digested (JSON, SHA-256) a batch at a time; nothing compared or
    priced again. How many rows."""
    read = 0
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for table in ("audit", *audit.MONEY_COLUMNS):
            rows = conn.execute(f"SELECT * FROM {table}")  # noqa: S608 (constant tables)
            while chunk := rows.fetchmany(batch):
                read += audit.values_digest(chunk)[0]
    return read


def bench_verify(b: Bench) -> None:
    """No target: ``verify()`` (SQLite's checks, the chain, every money row against its entry,
    every slip priced again by ``price_delivery``, the totals) against reading and digesting
    the same rows."""
    path = b.settled_store()

    def baseline() -> float:
        with timer() as took:
            assert read_and_digest(path) > b.size["slips"]
        return took[0]

    def library() -> float:
        with Store.open(path) as store, timer() as took:
            report = store.verify()
        assert report.ok, report.problems[:3]
        return took[0]

    lib, bare = alternate(baseline, library, b.repeat)
    what = f"verify: a store of {b.size['slips']:,} slips, each priced again"
    b.add(
        Figure("verify", what, lib, bare, "s", None, note="no target: the rows read and digested")
    )


def pandas_pipeline(csv_path: Path, households: int) -> float:
    """The peer: pandas ``read_csv``, the same pricing in float, settlement by ``groupby``."""
    import numpy as np
    import pandas as pd

    from orderfarm.crops import default_catalog

    with timer() as took:
        catalog = default_catalog()
        slips = pd.read_csv(
            csv_path,
            header=0,
            names=[
                "receipt",
                "contract",
                "day",
                "gross",
                "tare",
                "grade",
                "moisture",
                "impurity",
                "point",
            ],
            dtype={"moisture": "float64", "impurity": "float64"},
        )
        rows = []
        for i in range(households):
            crop, form, _ = data.form_of(i)
            product = catalog.crop(crop).form(form)
            rows.append(
                (
                    data.contract_no(i),
                    i,
                    crop,
                    form,
                    float(product.moisture_standard or 1.0),
                    float(product.moisture_max or 1.0),
                    0.05 if i % 5 == 0 else 0.0,
                )
            )
        contracts = pd.DataFrame(
            rows, columns=["contract", "household", "crop", "form", "std", "max", "premium"]
        )
        floors = pd.DataFrame(
            [
                (c, f, g, float(p))
                for c, f, _, _ in data.FORMS
                for g, p in catalog.crop(c).form(f).floors.items()
            ],
            columns=["crop", "form", "grade", "floor"],
        )
        prices = pd.DataFrame(
            [(c, f, g, d.isoformat(), float(p)) for c, f, g, d, p in data.market_prices()],
            columns=["crop", "form", "grade", "day", "market"],
        )
        df = slips.merge(contracts, on="contract").merge(
            prices, on=["crop", "form", "grade", "day"], how="left"
        )
        df = df.merge(floors, on=["crop", "form", "grade"], how="left")
        moisture = df["moisture"].fillna(0.0)
        clean = (df["gross"] - df["tare"]) * (1 - df["impurity"])
        wet = moisture > df["std"]
        net = np.where(wet, clean * (1 - moisture) / (1 - df["std"]), clean).round(2)
        price = np.fmax(df["floor"], df["market"] * (1 + df["premium"]))
        amount = np.where(moisture > df["max"], 0.0, (net * price).round(2))
        df["amount"] = amount
        proceeds = df.groupby("household")["amount"].sum()
        advances = pd.Series(float(data.ADVANCE.amount), index=proceeds.index)
        recovered = np.minimum(advances, proceeds)
        payable = proceeds - recovered
        balance = payable - float(data.PAYMENT)
        assert len(balance) == households
    return took[0]


def bench_peer(b: Bench) -> None:
    slips = b.slips_csv()
    end_to_end = child_figures(b, b.size["slips"])["import_settle"]
    runs = [pandas_pipeline(slips, b.size["households"]) for _ in range(b.repeat)]
    b.add(
        Figure(
            "peer",
            "import + settle against pandas read_csv + float + groupby",
            end_to_end,
            statistics.median(runs),
            "s",
            8.0,
        )
    )


# -- memory and growth: the import in child processes -----------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set (``VmHWM``: since its ``exec``, unlike ``ru_maxrss``,
    which on Linux keeps the high-water mark of the parent it was forked from)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(b: Bench, slips: int) -> dict[str, float]:
    """Import ``slips`` slips into a copy of the base store in a fresh process: its import
    and settle times and its peak RSS (kept in ``b.children``)."""
    csv_path = b.slips_csv(slips)
    base = b.base_store()
    scratch = Path(tempfile.mkdtemp(dir=b.work))
    target = scratch / "store.db"
    shutil.copyfile(base, target)
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__)), "--child", str(csv_path), str(target)],
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"the child import of {slips} slips failed ({proc.returncode})")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    shutil.rmtree(scratch, ignore_errors=True)
    b.children.setdefault(slips, []).append(result)
    return result


def child_figures(b: Bench, slips: int) -> dict[str, float]:
    """The median time and the largest peak RSS of the child imports of ``slips`` slips (one
    is run if there is none yet)."""
    if slips not in b.children:
        run_child(b, slips)
    runs = b.children[slips]
    return {
        "import": statistics.median(r["import"] for r in runs),
        "settle": statistics.median(r["settle"] for r in runs),
        "import_settle": statistics.median(r["import"] + r["settle"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def bench_memory(b: Bench) -> None:
    n = b.size["slips"]
    small, big = child_figures(b, n // 10), child_figures(b, n)
    b.add(
        Figure(
            "memory",
            f"peak RSS importing {n:,} slips against {n // 10:,}",
            big["peak_mb"],
            small["peak_mb"],
            "MB",
            1.3,
            300.0,
        )
    )


def bench_growth(b: Bench) -> None:
    n = b.size["slips"]
    half, full = child_figures(b, n // 2), child_figures(b, n)
    for what in ("import", "settle"):
        b.add(
            Figure(
                "growth",
                f"{what} of {n:,} slips against {n // 2:,} (2× the slips: ~2× the time)",
                full[what],
                half[what],
                "s",
                None,
                note="no target: ≈2 means linear",
            )
        )


# -- page -------------------------------------------------------------------------------------


def page_store(b: Bench, households: int) -> Path:
    """A store with ``households`` households and 10 slips each, and a user to log in."""
    if households == b.size["households"]:
        source = b.settled_store()
    else:

        def build(path: Path) -> None:
            shutil.copyfile(b.base_store(households), path)
            with Store.open(path) as store:
                data.fast_store(store)
                slips = b.slips_csv(households * 10, households)
                report = import_file(store, slips, "slips", commit=True, today=data.TODAY)
                assert report.committed
            _checkpointed(data.pay, path, households)

        source = b.cached(f"page-{households}.db", build)

    def with_user(path: Path) -> None:
        from orderfarm.auth import Role
        from orderfarm.store.users import add_user

        shutil.copyfile(source, path)
        with Store.open(path) as store:
            add_user(store, "bench", Role.ADMIN, "bench-pass-2018", actor="bench")

    return b.cached(f"page-user-{households}.db", with_user)


def page_times(db: Path, repeat: int) -> dict[str, float]:
    """Median server time of each page step (AppTest ``run``) on the store at ``db``."""
    app = HERE.parent / "app_streamlit.py"
    steps: dict[str, list[float]] = {"login": [], "dashboard": [], "households": [], "search": []}
    before = os.environ.get("ORDERFARM_DB")
    os.environ["ORDERFARM_DB"] = str(db)
    try:
        for _ in range(repeat):
            _page_run(app, steps)
    finally:
        if before is None:
            del os.environ["ORDERFARM_DB"]
        else:
            os.environ["ORDERFARM_DB"] = before
    return {name: statistics.median(times) for name, times in steps.items()}


def _page_run(app: Path, steps: dict[str, list[float]]) -> None:
    """Log in, then time the dashboard, the households page and a search on it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=600).run()
    at.text_input(key="login_name").input("bench")
    at.text_input(key="login_password").input("bench-pass-2018")
    with timer() as took:  # logging in shows the first page: the dashboard
        at.button(key="login_submit").click().run()
    steps["login"].append(took[0])
    with timer() as took:
        at.switch_page("src/orderfarm/web/pages/dashboard.py").run()
    steps["dashboard"].append(took[0])
    with timer() as took:
        at.switch_page("src/orderfarm/web/pages/households.py").run()
    steps["households"].append(took[0])
    with timer() as took:
        at.text_input(key="hh_search").input("王").run()
    steps["search"].append(took[0])
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])


def bench_page(b: Bench) -> None:
    big_n, small_n = b.size["households"], b.size["page_small"]
    big, small = page_store(b, big_n), page_store(b, small_n)
    # The first view after a write computes the season's figures (kept per audit head);
    # the views after it are what staff wait for page after page.
    small_first = page_times(small, 1)
    big_first = page_times(big, 1)
    small_t = page_times(small, b.repeat)
    big_t = page_times(big, b.repeat)
    b.add(
        Figure(
            "page",
            f"login + dashboard, first view after a write: {big_n:,} households against {small_n:,}",
            big_first["login"],
            small_first["login"],
            "s",
            None,
            note="computes the season's figures",
        )
    )
    for name in ("dashboard", "households", "search"):
        b.add(
            Figure(
                "page",
                f"{name}: {big_n:,} households against {small_n:,}",
                big_t[name],
                small_t[name],
                "s",
                2.0,
            )
        )


# -- simulate ---------------------------------------------------------------------------------


def risk_book(contracts: int) -> Any:
    import numpy as np

    from orderfarm.risk import RiskBook

    rng = np.random.default_rng(data.SEED)
    forms = rng.integers(0, 4, contracts)
    median = np.array([1.2, 2.0, 14.0, 25.0])[forms]
    floor = np.array([1.2, 1.6, 12.0, 22.0])[forms]
    mean = np.array([1700.0, 1500.0, 250.0, 175.0])[forms]
    return RiskBook.from_arrays(
        area_mu=rng.integers(1, 6, contracts).astype(np.float64),
        yield_mean=mean,
        yield_low=mean * 0.5,
        yield_high=mean * 1.5,
        yield_cv=np.full(contracts, 0.15),
        price_median=median,
        price_volatility=np.full(contracts, 0.25),
        floor=floor,
        premium=np.where(rng.random(contracts) < 0.2, 0.05, 0.0),
        quota_kg=np.where(rng.random(contracts) < 0.3, 1000.0, np.inf),
        cost=np.full(contracts, 800.0),
        baseline=np.full(contracts, 600.0),
        price_group=forms,
    )


def numpy_simulation(book: Any, draws: int, seed: int, chunk: int) -> dict[str, Any]:
    """The hand-written numpy of the same model: the same streams (antithetic price draws per
    group, a scaled beta per contract), the same statistics, in the same chunks."""
    import numpy as np

    price_seq, yield_seq = np.random.SeedSequence(seed).spawn(2)
    price_rng = np.random.Generator(np.random.PCG64(price_seq))
    yield_rng = np.random.Generator(np.random.PCG64(yield_seq))
    groups = int(book.price_group.max()) + 1
    half = (draws + 1) // 2
    z = price_rng.standard_normal((groups, half))
    z = np.concatenate([z, -z], axis=1)[:, :draws]
    n = len(book)
    order = np.argsort(book.price_group, kind="stable")
    mean_net = np.empty(n)
    pct = np.empty((3, n))
    rows = max(1, chunk // draws)
    for start in range(0, n, rows):
        i = order[start : start + rows]
        market = book.price_median[i, None] * np.exp(
            book.price_volatility[i, None] * z[book.price_group[i]]
        )
        offer = market * (1 + book.premium[i, None])
        paid = np.minimum(np.maximum(offer, book.floor[i, None]), book.ceiling[i, None])
        low, high, mu = book.yield_low[i], book.yield_high[i], book.yield_mean[i]
        span = high - low
        m = (mu - low) / span
        var = (book.yield_cv[i] * mu / span) ** 2
        k = m * (1 - m) / var - 1
        share = yield_rng.beta((m * k)[:, None], ((1 - m) * k)[:, None], size=(i.size, draws))
        kg = (low[:, None] + share * span[:, None]) * book.area_mu[i, None]
        protected = np.minimum(kg, book.quota_kg[i, None])
        net = protected * paid + (kg - protected) * market - book.cost[i, None]
        mean_net[i] = net.mean(axis=1)
        pct[:, i] = np.percentile(net, [10.0, 50.0, 90.0], axis=1)
        np.mean(np.maximum(book.floor[i, None] - offer, 0) * protected, axis=1)
        np.mean(book.floor[i, None] > offer, axis=1)
    return {"mean_net": mean_net, "percentiles": pct}


def bench_simulate(b: Bench) -> None:
    from orderfarm.risk import DEFAULT_CHUNK_ELEMENTS, simulate_income

    contracts, draws = b.size["contracts"], b.size["draws"]
    book = risk_book(contracts)

    def baseline() -> float:
        with timer() as took:
            numpy_simulation(book, draws, 1, DEFAULT_CHUNK_ELEMENTS)
        return took[0]

    def library() -> float:
        with timer() as took:
            simulate_income(book, draws=draws, seed=1)
        return took[0]

    lib, bare = alternate(baseline, library, b.repeat)
    b.add(
        Figure(
            "simulate",
            f"simulate_income, {contracts:,} contracts × {draws:,} draws",
            lib,
            bare,
            "s",
            1.5,
        )
    )


RUNNERS: dict[str, Callable[[Bench], None]] = {
    "import": bench_import,
    "floor": bench_floor,
    "settle": bench_settle,
    "report": bench_report,
    "verify": bench_verify,
    "peer": bench_peer,
    "memory": bench_memory,
    "growth": bench_growth,
    "page": bench_page,
    "simulate": bench_simulate,
}


def machine() -> str:
    import platform

    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"{mem_kb / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, load {load:.2f}"
    )


def run(
    scale: str = "small",
    only: list[str] | None = None,
    repeat: int = 3,
    work: Path | None = None,
    log: Callable[[str], None] = print,
) -> Bench:
    """Run the benchmarks; returns their figures (``Bench.figures``)."""
    folder = work or HERE / ".work"
    folder.mkdir(parents=True, exist_ok=True)
    b = Bench(scale, folder, repeat, log=log)
    log(f"orderfarm benchmarks, scale {scale}: {machine()}")
    log(f"{'bench':<9} {'library':>9} {'baseline':>9}     {'ratio':>8}  {'target':<16} result")
    for name in only or BENCHES:
        RUNNERS[name](b)
    return b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", action="append", choices=BENCHES, help="run only this bench")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (median)")
    parser.add_argument("--work", type=Path, help="folder for the generated stores and files")
    parser.add_argument("--child", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        csv_path, db_path = map(Path, args.child)
        print(json.dumps(library_import(csv_path, db_path)))
        return 0
    b = run(args.scale, args.only, args.repeat, args.work)
    if args.scale == "tiny":
        return 0
    missed = [f for f in b.figures if not f.ok]
    if missed:
        print(f"{len(missed)} target(s) missed: {', '.join(f.bench for f in missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
