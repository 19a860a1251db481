"""Several processes and threads writing one file: nothing lost, nothing twice, never "locked"."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from orderfarm import D, OverpaymentError, Store, Weighing
from tests.test_store_support import (
    ENTERPRISE,
    chilli_contract,
    household,
    open_store,
    seeded,
    signed,
)

PROCESSES = 2
THREADS = 4  # per process: eight threads in all
SLIPS = 500
BATCH = 25
SHARED = 20  # receipt numbers every writer sends too: each must be recorded once
CONTRACTS = 4

#: One writing process: THREADS threads, each recording SLIPS slips in batches of BATCH
#: (plus the SHARED receipts one by one, and a household's totals read after each batch).
WRITER = """
import datetime as dt, json, sys, threading, traceback
from decimal import Decimal
from orderfarm import D, Slip, Store, Weighing

path, proc, threads, slips, batch, shared, contracts, households = sys.argv[1:9]
proc, threads, slips, batch, shared, contracts = map(int, (proc, threads, slips, batch, shared, contracts))
households = households.split(",")
day = dt.date(2018, 9, 1)
errors, recorded, existing, sent = [], 0, 0, Decimal(0)
lock = threading.Lock()
store = Store.open(path)

def lot(i):
    return Weighing(gross_kg=D(1 + i % 40) + 1, tare_kg=D(1), grade="一级")

def run(t):
    global recorded, existing, sent
    try:
        mine = [Slip(f"C-{(t + i) % contracts}", lot(i), day, f"P{proc}-T{t}-{i:04d}")
                for i in range(slips)]
        for start in range(0, slips, batch):
            result = store.record_deliveries(mine[start:start + batch], actor=f"p{proc}t{t}")
            with lock:
                recorded += result.recorded
                existing += result.existing
            if start // batch < shared:
                s = Slip("C-0", lot(start // batch), day, f"SHARED-{start // batch}")
                store.record_delivery(s.contract_no, s.weighing, s.day, s.receipt_no)
            store.totals(households[t % len(households)], 2018)
        with lock:
            sent += sum((D(1 + i % 40) * 2 for i in range(slips)), Decimal(0))
    except BaseException:
        with lock:
            errors.append(traceback.format_exc())

workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
store.close()
print(json.dumps({"errors": errors, "recorded": recorded, "existing": existing, "sent": str(sent)}))
"""


def test_two_processes_with_eight_threads_in_all_lose_nothing_and_never_see_a_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.db"
    with open_store(path) as store:
        households = seeded(store, CONTRACTS)
        for i, h in enumerate(households):
            signed(store, chilli_contract(f"C-{i}", h))
    ids = ",".join(h.resident_id for h in households)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(path),
                str(p),
                str(THREADS),
                str(SLIPS),
                str(BATCH),
                str(SHARED),
                str(CONTRACTS),
                ids,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    elapsed = time.perf_counter() - started
    results = []
    for (out, err), proc in zip(outputs, procs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower(), err
        results.append(json.loads(out))
    for r in results:
        assert r["errors"] == [], r["errors"][0]
    writers = PROCESSES * THREADS
    assert sum(r["recorded"] for r in results) == writers * SLIPS
    assert sum(r["existing"] for r in results) == 0
    with Store.open(path) as store:
        counts = store.counts()
        assert counts["deliveries"] == writers * SLIPS + SHARED
        for i in range(SHARED):
            assert store.find_delivery(ENTERPRISE.uscc, 2018, f"SHARED-{i}") is not None
        proceeds = sum((s.totals.proceeds for s in store.settle(2018)), Decimal(0))
        shared_amount = sum((D(1 + i % 40) * 2 for i in range(SHARED)), Decimal(0))
        assert proceeds == sum(Decimal(r["sent"]) for r in results) + shared_amount
        assert store.verify().ok
    print(f"{writers} writers × {SLIPS} slips (+{SHARED} shared) in {elapsed:.1f} s")


def test_racing_payments_never_overpay(tmp_path: Path) -> None:
    """Eight threads each try to pay 60 % of the balance at once: exactly one succeeds."""
    with open_store(tmp_path / "pay.db") as store:
        (h,) = seeded(store)
        signed(store, chilli_contract("C-1", h))
        weighing = Weighing(gross_kg=D("501"), tare_kg=D("1"), grade="一级")
        store.record_delivery("C-1", weighing, dt.date(2018, 9, 1), "R-1")  # 1000.00
        outcomes: list[str] = []
        barrier = threading.Barrier(8)

        def pay(i: int) -> None:
            barrier.wait()
            try:
                store.record_payment(
                    h.resident_id, 2018, D("600.00"), dt.date(2018, 9, 2), f"BANK-{i}"
                )
                outcomes.append("paid")
            except OverpaymentError:
                outcomes.append("refused")

        threads = [threading.Thread(target=pay, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["paid"] + ["refused"] * 7
        assert store.totals(h.resident_id, 2018).balance == D("400.00")
        assert store.verify().ok


def test_connections_of_ended_threads_are_closed(tmp_path: Path) -> None:
    """Streamlit runs each script run in a new thread: the store must not keep one open
    connection per run that ever happened."""
    with open_store(tmp_path / "page.db") as store:
        seeded(store)
        for _ in range(30):
            t = threading.Thread(target=store.counts)
            t.start()
            t.join()
        store.counts()  # a new thread's connection prunes the ended ones
        assert len(store._db._opened) <= 2


def test_a_store_opens_verifies_and_backs_up_while_a_long_write_holds_the_lock(
    tmp_path: Path,
) -> None:
    """`orderfarm verify` or `orderfarm backup` run while the files page imports a county's
    slips: opening the store takes no write lock when its schema is current, so neither
    waits for the import (nor gives up on it after the store's patience)."""
    path = tmp_path / "held.db"
    with open_store(path) as store:
        seeded(store)
    holding, finished = threading.Event(), threading.Event()

    def importing() -> None:
        with Store.open(path) as store, store.transaction():
            store.add_household(household(2))
            holding.set()
            finished.wait(30)

    writer = threading.Thread(target=importing)
    writer.start()
    try:
        assert holding.wait(30)
        with Store.open(path, busy_timeout=0.05, patience=0.5) as store:
            assert store.verify().ok
            copy = store.backup(tmp_path / "copy.db")
    finally:
        finished.set()
        writer.join()
    with Store.open(copy) as store:  # the snapshot before the import's transaction
        assert [h.head_name for h in store.households()] == ["农户1"]
