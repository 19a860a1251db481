"""Promise 5 — access: the login throttle holds under parallel attempts. Twenty wrong guesses
made at once (browser tabs, a script posting from many threads, several processes) get no
more passwords checked than the throttle's limit, for a user's name, an unknown name and a
disabled user alike; a store opened read-only (a copy kept as evidence) logs in and holds
the limit too."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from orderfarm.auth import LoginFailed, LoginThrottle, Role
from orderfarm.store import Store, users

PASSWORD: Final = "辣椒保护价-2018"
GUESSES: Final = 20
LIMIT: Final = LoginThrottle().max_failures


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "logins.db"
    with Store.open(path) as store:
        users.add_user(store, "wang", Role.CLERK, PASSWORD, actor="setup")
        users.add_user(store, "gone", Role.CLERK, PASSWORD, actor="setup")
        users.set_active(store, "gone", False, actor="setup")
    return path


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], int]]:
    """How many scrypt hashes were computed since: each is one password checked."""
    real = hashlib.scrypt
    lock = threading.Lock()
    count = [0]

    def counting(*args: Any, **kwargs: Any) -> bytes:
        with lock:
            count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    yield lambda: count[0]


def _at_once(store: Store, names: list[str], password: str) -> list[str]:
    """Log in as each of ``names`` with ``password``, every attempt in its own thread and
    all started together; each attempt's answer (``"ok"`` or ``LoginFailed.reason``)."""
    start = threading.Barrier(len(names))
    answers: list[str] = [""] * len(names)

    def attempt(i: int) -> None:
        start.wait()
        try:
            users.authenticate(store, names[i], password)
            answers[i] = "ok"
        except LoginFailed as exc:
            answers[i] = exc.reason
        except Exception as exc:  # the test's assertion names it
            answers[i] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(names))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _failures(path: Path) -> int:
    with Store.open(path) as store:
        count: int = store._read(
            lambda conn: conn.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0]
        )
    return count


@pytest.mark.parametrize("name", ["wang", "WANG", "nobody", "gone"])
def test_parallel_wrong_guesses_check_no_more_passwords_than_the_limit(
    db: Path, checked: Callable[[], int], name: str
) -> None:
    with Store.open(db) as store:
        answers = _at_once(store, [name] * GUESSES, "not-the-password")
        # a user's name, an unknown name and a disabled user read alike: wrong, then locked
        assert sorted(set(answers)) == ["locked", "wrong"], answers
        assert answers.count("wrong") == LIMIT - 1
        assert checked() == LIMIT  # not one password more than the limit
        assert _failures(db) == LIMIT
        with pytest.raises(LoginFailed) as locked:  # the right password waits too
            users.authenticate(store, name, PASSWORD)
        assert locked.value.reason == "locked" and locked.value.retry_after is not None
        assert checked() == LIMIT


#: One process of parallel guesses: opens the store, counts the scrypt hashes it computes,
#: says "ready", waits for "go" on stdin, makes THREADS wrong guesses at once, prints the
#: count and the answers as JSON.
GUESSER: Final = textwrap.dedent(
    """
    import hashlib, json, sys, threading
    from orderfarm.auth import LoginFailed
    from orderfarm.store import Store, users

    db, name, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    real, lock, count = hashlib.scrypt, threading.Lock(), [0]

    def counting(*args, **kwargs):
        with lock:
            count[0] += 1
        return real(*args, **kwargs)

    hashlib.scrypt = counting
    answers = []
    with Store.open(db) as store:
        start = threading.Barrier(threads)

        def attempt():
            start.wait()
            try:
                users.authenticate(store, name, "not-the-password")
                answers.append("ok")
            except LoginFailed as exc:
                answers.append(exc.reason)
            except Exception as exc:
                answers.append(f"{type(exc).__name__}: {exc}")

        store.counts()  # connected before the race
        print("ready", flush=True)
        sys.stdin.readline()
        workers = [threading.Thread(target=attempt) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    print(json.dumps({"checked": count[0], "answers": answers}), flush=True)
    """
)


def test_parallel_wrong_guesses_from_several_processes_check_no_more_than_the_limit(
    db: Path,
) -> None:
    processes, threads = 4, GUESSES // 4
    guessers = [
        subprocess.Popen(
            [sys.executable, "-c", GUESSER, str(db), "wang", str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    try:
        for guesser in guessers:
            assert guesser.stdout is not None
            assert guesser.stdout.readline().strip() == "ready"
        for guesser in guessers:
            assert guesser.stdin is not None
            guesser.stdin.write("go\n")
            guesser.stdin.flush()
        for guesser in guessers:
            out, _ = guesser.communicate(timeout=120)
            results.append(json.loads(out))
    finally:
        for guesser in guessers:
            if guesser.poll() is None:  # pragma: no cover - a failed run
                guesser.kill()
                guesser.wait()
    answers = [a for result in results for a in result["answers"]]
    assert sorted(set(answers)) == ["locked", "wrong"], answers
    assert answers.count("wrong") == LIMIT - 1
    assert sum(result["checked"] for result in results) == LIMIT
    assert _failures(db) == LIMIT


def test_a_store_opened_read_only_logs_in_and_holds_the_limit(
    db: Path, checked: Callable[[], int]
) -> None:
    now = dt.datetime.now(dt.UTC)
    with Store.open(db, read_only=True) as store:
        assert users.authenticate(store, "Wang", PASSWORD).name == "wang"
        with pytest.raises(LoginFailed) as disabled:
            users.authenticate(store, "gone", PASSWORD)
        assert disabled.value.reason == "disabled"
        with pytest.raises(LoginFailed) as wrong:
            users.authenticate(store, "nobody", "not-the-password")
        assert wrong.value.reason == "wrong"
        assert checked() == 3
        answers = _at_once(store, ["wang"] * GUESSES, "not-the-password")
        assert sorted(set(answers)) == ["locked", "wrong"], answers
        assert checked() == 3 + LIMIT
        with pytest.raises(LoginFailed) as locked:
            users.authenticate(store, "wang", PASSWORD)
        assert locked.value.reason == "locked"
        # the wait is over: the right password lets the user in, and clears the failures
        later = now + LoginThrottle().lockout + dt.timedelta(minutes=1)
        assert users.authenticate(store, "wang", PASSWORD, now=later).name == "wang"
        assert users.authenticate(store, "wang", PASSWORD).name == "wang"
    assert _failures(db) == 0  # nothing written to the file


def test_a_login_does_not_wait_behind_a_long_write_and_the_limit_holds(
    db: Path, checked: Callable[[], int]
) -> None:
    """An import holds the store's write lock for as long as it runs: a clerk logs in all the
    same, and guesses made meanwhile are counted (in this process) and still count after."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as an import's one transaction holds it
    try:
        with Store.open(db) as store:  # its patience for writes: two minutes
            names: list[str] = []
            login = threading.Thread(
                target=lambda: names.append(users.authenticate(store, "wang", PASSWORD).name)
            )
            login.start()
            login.join(timeout=60)
            assert names == ["wang"]  # in, without waiting for the import to end
            answers = _at_once(store, ["wang"] * GUESSES, "not-the-password")
            assert sorted(set(answers)) == ["locked", "wrong"], answers
            assert checked() == 1 + LIMIT
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _failures(db) == 0  # the lock was held: nothing could be written
    with Store.open(db) as store, pytest.raises(LoginFailed) as locked:
        users.authenticate(store, "wang", PASSWORD)  # the import over: the guesses still count
    assert locked.value.reason == "locked" and checked() == 1 + LIMIT
