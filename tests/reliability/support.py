"""Shared by the reliability suite: a small signed season, a slips file, a zygote process
that forks importers to kill, work run as an unprivileged user, and the heavy switch
(``ORDERFARM_HEAVY=1``)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from orderfarm import D, Household, OrderfarmError, Store
from orderfarm.io import RECORD_TYPES
from tests.test_store_support import chilli_contract, seeded, signed

#: Heavier counts for a once-off run: ``ORDERFARM_HEAVY=1 python -m pytest tests/reliability``.
HEAVY: Final = os.environ.get("ORDERFARM_HEAVY", "") not in ("", "0")
TODAY: Final = dt.date(2019, 6, 1)
DAY: Final = dt.date(2018, 9, 1)
SEASON: Final = 2018


def scaled(light: int, heavy: int) -> int:
    """``light`` in CI, ``heavy`` under ``ORDERFARM_HEAVY=1``."""
    return heavy if HEAVY else light


def build_season(path: Path, households: int = 4) -> list[Household]:
    """A store with two enterprises, ``households`` households and one signed fresh-chilli
    contract each (``C-0`` …), fixed prices 一级 2.00 yuan/kg, no quota."""
    with Store.open(path) as store:
        homes = seeded(store, households)
        for i, h in enumerate(homes):
            signed(store, chilli_contract(f"C-{i}", h))
    return homes


def slip_gross(i: int) -> Decimal:
    """Gross kg of slip ``i`` (tare is 1 kg, so the net is ``gross - 1``)."""
    return D(11 + i % 40)


def slip_amount(i: int) -> Decimal:
    """What slip ``i`` is paid: net kg × 2.00 yuan (一级, fixed price)."""
    return (slip_gross(i) - 1) * 2


def write_slips(path: Path, count: int, contracts: int, *, prefix: str = "R") -> Decimal:
    """A CSV of ``count`` slips (English headers, UTF-8) over contracts ``C-0``…; returns the
    total they are worth."""
    rt = RECORD_TYPES["slips"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(rt.headers("en")[:6])
        for i in range(count):
            writer.writerow(
                [
                    f"{prefix}-{i:05d}",
                    f"C-{i % contracts}",
                    DAY.isoformat(),
                    slip_gross(i),
                    "1",
                    "一级",
                ]
            )
    return sum((slip_amount(i) for i in range(count)), Decimal(0))


#: A single-threaded process with orderfarm imported, that forks a writer on request: each
#: kill costs a fork, not a Python start-up. Commands on stdin, one per line:
#: ``run MODE DB CSV BATCH`` → prints the child's pid; ``wait PID`` → prints its exit status.
#: MODE ``import``: ``import_file(..., commit=True)`` (all or nothing); MODE ``batches``: the
#: file's slips through ``Store.record_deliveries(..., batch_size=BATCH)``.
ZYGOTE: Final = textwrap.dedent(
    """
    import csv, os, sys
    import datetime as dt
    from orderfarm import D, Slip, Store, Weighing
    from orderfarm.io.loading import import_file

    def batches(store, source, size):
        with open(source, encoding="utf-8") as f:
            rows = list(csv.reader(f))[1:]
        slips = [Slip(r[1], Weighing(gross_kg=D(r[3]), tare_kg=D(r[4]), grade=r[5]),
                      dt.date.fromisoformat(r[2]), r[0]) for r in rows]
        store.record_deliveries(slips, batch_size=size)
        return True

    print("ready", flush=True)
    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "run":
            mode, db, source, batch = args
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    with Store.open(db) as store:
                        if mode == "import":
                            done = import_file(store, source, "slips", commit=True,
                                               today=dt.date(2019, 6, 1)).committed
                        else:
                            done = batches(store, source, int(batch))
                    code = 0 if done else 3
                finally:
                    os._exit(code)
            print(pid, flush=True)
        elif cmd == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            print(status, flush=True)
    """
)


class Zygote:
    """The forking importer (see ``ZYGOTE``); a context manager that stops it at the end."""

    def __enter__(self) -> Zygote:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"
        return self

    def _ask(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, "the zygote died"
        return answer.strip()

    def start(self, mode: str, db: Path, source: Path, batch: int = 0) -> int:
        """Fork a writer of ``source``'s slips into ``db`` (see ``ZYGOTE``); its pid."""
        return int(self._ask(f"run {mode} {db} {source} {batch}"))

    def wait(self, pid: int) -> int:
        """The raw wait status of a forked importer."""
        return int(self._ask(f"wait {pid}"))

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()


def as_nobody(work: Callable[[], Any]) -> dict[str, Any]:
    """Run ``work`` in a forked child as an unprivileged user (root ignores file modes)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            try:
                work()
                result: dict[str, Any] = {"error": None}
            except BaseException as exc:
                result = {
                    "error": type(exc).__name__,
                    "orderfarm": isinstance(exc, OrderfarmError),
                    "message": str(exc),
                }
            os.write(write, json.dumps(result).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return dict(json.loads(data))
