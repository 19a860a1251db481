"""Promise 2 — concurrency: 8 processes × 4 threads record slips and payments on one file
while reports are read: no row lost or doubled, no "database is locked" reaches a caller,
totals equal what was sent; one receipt number or payment reference sent by 20 threads at
once is one row."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal
from pathlib import Path

from orderfarm import D, Store, Weighing
from orderfarm.store import ConflictError
from tests.reliability.support import DAY, SEASON, build_season, scaled, slip_amount

PROCESSES = 8
THREADS = 4
BATCHES = scaled(5, 25)
BATCH = 5
RACERS = 20

#: Forks PROCESSES children from one interpreter (cheap on 2 cores); each runs THREADS
#: threads on its own Store. Thread (p, t) owns contract C-{p*THREADS+t}: per round it records
#: a batch of slips, one slip alone, a payment of 1.00 yuan, and reads the season's report and
#: settlement; at the end it sends its first batch again (all already there). Every error is
#: reported, so a "database is locked" cannot hide.
LOAD = textwrap.dedent(
    """
    import datetime as dt, json, os, sys, threading, traceback
    from decimal import Decimal
    from orderfarm import D, Slip, Store, Weighing

    db, out, processes, threads, batches, batch = sys.argv[1:7]
    processes, threads, batches, batch = map(int, (processes, threads, batches, batch))
    day = dt.date(2018, 9, 1)

    def gross(i):
        return D(11 + i % 40)

    def child(p):
        store = Store.open(db)
        lock = threading.Lock()
        result = {"errors": [], "slips": [], "sent": "0", "paid": "0", "existing": 0}

        def run(t):
            n = p * threads + t
            contract = f"C-{n}"
            sent, paid, names, existing = Decimal(0), Decimal(0), [], 0
            try:
                household = store.contract(contract).household_id
                first = None
                for r in range(batches):
                    slips = []
                    for k in range(batch + 1):
                        i = r * (batch + 1) + k
                        slips.append(Slip(contract, Weighing(gross_kg=gross(i), tare_kg=D(1),
                                                             grade="一级"), day, f"P{n}-{i:04d}"))
                        sent += (gross(i) - 1) * 2
                        names.append(f"P{n}-{i:04d}")
                    first = first or slips[:batch]
                    store.record_deliveries(slips[:batch], actor=f"p{p}t{t}")
                    alone = slips[batch]
                    store.record_delivery(alone.contract_no, alone.weighing, alone.day,
                                          alone.receipt_no, actor=f"p{p}t{t}")
                    store.record_payment(household, 2018, D("1.00"), day, f"PAY-{n}-{r}",
                                         actor=f"p{p}t{t}")
                    paid += 1
                    store.report(2018)
                    store.settle(2018)
                existing += store.record_deliveries(first).existing
            except BaseException:
                with lock:
                    result["errors"].append(traceback.format_exc())
            with lock:
                result["slips"] += names
                result["sent"] = str(Decimal(result["sent"]) + sent)
                result["paid"] = str(Decimal(result["paid"]) + paid)
                result["existing"] += existing

        workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        store.close()
        with open(f"{out}.{p}", "w") as f:
            json.dump(result, f)

    pids = []
    for p in range(processes):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                child(p)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    failed = [pid for pid in pids if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0]
    sys.exit(1 if failed else 0)
    """
)


def test_eight_processes_of_four_threads_lose_nothing_double_nothing_and_never_see_a_lock(
    tmp_path: Path,
) -> None:
    db = tmp_path / "busy.db"
    build_season(db, PROCESSES * THREADS)
    out = tmp_path / "result"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD,
            str(db),
            str(out),
            str(PROCESSES),
            str(THREADS),
            str(BATCHES),
            str(BATCH),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "locked" not in done.stderr.lower(), done.stderr
    results = [json.loads(Path(f"{out}.{p}").read_text()) for p in range(PROCESSES)]
    errors = [e for r in results for e in r["errors"]]
    assert errors == [], errors[0]
    sent_slips = [s for r in results for s in r["slips"]]
    per_thread = BATCHES * (BATCH + 1)
    assert len(sent_slips) == len(set(sent_slips)) == PROCESSES * THREADS * per_thread
    assert sum(r["existing"] for r in results) == PROCESSES * THREADS * BATCH
    sent = sum((Decimal(r["sent"]) for r in results), Decimal(0))
    paid = sum((Decimal(r["paid"]) for r in results), Decimal(0))
    with Store.open(db) as store:
        stored = [d.receipt_no for d in store.deliveries()]
        assert sorted(stored) == sorted(sent_slips)  # none lost, none twice
        assert len(store.payments()) == PROCESSES * THREADS * BATCHES
        settled = store.settle(SEASON)
        assert sum((s.totals.proceeds for s in settled), Decimal(0)) == sent
        assert sum((s.totals.paid for s in settled), Decimal(0)) == paid
        report = store.report(SEASON, by=())
        assert sum((r.proceeds for r in report), Decimal(0)) == sent
        assert sum((r.paid for r in report), Decimal(0)) == paid
        assert store.verify().ok
    assert (
        sent == sum((slip_amount(i) for i in range(per_thread)), Decimal(0)) * PROCESSES * THREADS
    )


def _race(work: object, count: int) -> list[object]:
    """Run ``work()`` in ``count`` threads released at once; each one's result or error."""
    barrier = threading.Barrier(count)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            value = work()  # type: ignore[operator]
        except Exception as exc:  # every outcome is checked by the caller
            value = exc
        with lock:
            outcomes.append(value)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_one_receipt_sent_by_twenty_threads_at_once_is_one_row(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    build_season(db, 1)
    weighing = Weighing(gross_kg=D("51"), tare_kg=D("1"), grade="一级")
    with Store.open(db) as store:
        outcomes = _race(lambda: store.record_delivery("C-0", weighing, DAY, "SAME-1"), RACERS)
        assert len(outcomes) == RACERS
        assert all(not isinstance(o, BaseException) for o in outcomes), outcomes
        assert len({o.id for o in outcomes}) == 1  # type: ignore[attr-defined]
        assert len(store.deliveries()) == 1
        household = store.contract("C-0").household_id
        paid = _race(
            lambda: store.record_payment(household, SEASON, D("10.00"), DAY, "BANK-SAME"), RACERS
        )
        assert all(not isinstance(o, BaseException) for o in paid), paid
        assert len(store.payments()) == 1
        assert store.totals(household, SEASON).paid == D("10.00")
        # The same number with other data, from 20 threads: refused, still one row.
        other = Weighing(gross_kg=D("61"), tare_kg=D("1"), grade="一级")
        refused = _race(lambda: store.record_delivery("C-0", other, DAY, "SAME-1"), RACERS)
        assert all(isinstance(o, ConflictError) for o in refused), refused
        assert len(store.deliveries()) == 1
        assert store.verify().ok
    assert dt.date(SEASON, 9, 1) == DAY
