"""Promise 1 — crash safety: a writer killed (SIGKILL) at any moment leaves a file that
verifies; an all-or-nothing import leaves all of the file or none of it, batched writes
whole batches only; the same import run again records every slip exactly once."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from orderfarm.store import Store
from tests.reliability.support import SEASON, Zygote, build_season, scaled, write_slips

SLIPS = 120
BATCH = 10
CONTRACTS = 4
KILLS = {"import": scaled(52, 400), "batches": scaled(20, 200)}
CLI_KILLS = scaled(3, 50)


def _check_after_kill(db: Path, receipts: list[str], mode: str) -> int:
    """The file verifies and holds what a whole number of transactions wrote."""
    with Store.open(db) as store:
        report = store.verify()
        assert report.ok, report.problems[:3]
        stored = sorted(d.receipt_no for d in store.deliveries())
        entries = [e for e in store.audit_log() if e.action == "record_deliveries"]
    if mode == "import":
        assert stored in ([], receipts), len(stored)
    else:
        assert len(stored) % BATCH == 0, len(stored)
        assert stored == receipts[: len(stored)]
        assert all(e.data()["count"] == BATCH for e in entries)
    return len(stored)


def _check_exactly_once(db: Path, receipts: list[str], worth: Decimal) -> None:
    with Store.open(db) as store:
        assert sorted(d.receipt_no for d in store.deliveries()) == receipts
        proceeds = sum((s.totals.proceeds for s in store.settle(SEASON)), Decimal(0))
        assert proceeds == worth
        assert store.verify().ok


@pytest.fixture
def season(tmp_path: Path) -> tuple[Path, Path, list[str], Decimal]:
    template = tmp_path / "template.db"
    build_season(template, CONTRACTS)
    source = tmp_path / "slips.csv"
    worth = write_slips(source, SLIPS, CONTRACTS)
    return template, source, [f"R-{i:05d}" for i in range(SLIPS)], worth


@pytest.mark.parametrize("mode", ["import", "batches"])
def test_a_writer_killed_at_random_points_leaves_whole_transactions_and_resumes_exactly_once(
    season: tuple[Path, Path, list[str], Decimal], tmp_path: Path, mode: str
) -> None:
    template, source, receipts, worth = season
    rng = random.Random(2018)
    seen: set[int] = set()
    with Zygote() as zygote:
        # How long a write of the file takes here, so the kills spread over all of it.
        db = tmp_path / "timing.db"
        shutil.copyfile(template, db)
        started = time.monotonic()
        pid = zygote.start(mode, db, source, BATCH)
        assert os.waitstatus_to_exitcode(zygote.wait(pid)) == 0
        duration = time.monotonic() - started
        _check_exactly_once(db, receipts, worth)
        for round_no in range(KILLS[mode]):
            db = tmp_path / f"kill-{round_no}.db"
            shutil.copyfile(template, db)
            pid = zygote.start(mode, db, source, BATCH)
            time.sleep(rng.uniform(0, duration * 1.2))
            os.kill(pid, signal.SIGKILL)
            zygote.wait(pid)
            seen.add(_check_after_kill(db, receipts, mode))
            # The same write again: it finishes, and every slip is there once.
            pid = zygote.start(mode, db, source, BATCH)
            assert os.waitstatus_to_exitcode(zygote.wait(pid)) == 0
            _check_exactly_once(db, receipts, worth)
            for leftover in tmp_path.glob(f"kill-{round_no}.db*"):
                leftover.unlink()
    # The kills landed before, during and after the writes, not all at one point.
    assert len(seen) >= 2, seen
    print(f"{mode}: {KILLS[mode]} kills over {duration:.2f} s writes; found {sorted(seen)}")


def test_orderfarm_import_command_killed_then_rerun_records_each_slip_once(
    season: tuple[Path, Path, list[str], Decimal], tmp_path: Path
) -> None:
    template, source, receipts, worth = season
    rng = random.Random(11)
    command = [sys.executable, "-m", "orderfarm.cli", "import", "slips", str(source)]
    for round_no in range(CLI_KILLS):
        db = tmp_path / f"cli-{round_no}.db"
        shutil.copyfile(template, db)
        args = [*command, "--db", str(db), "--today", "2019-06-01"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Python and orderfarm take about a second to start; the import itself is short.
        time.sleep(rng.uniform(0.5, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        _check_after_kill(db, receipts, "import")
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        _check_exactly_once(db, receipts, worth)
