"""A real Streamlit server for the end-to-end tests: started, awaited, and stopped."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    """Whether a Streamlit server at ``url`` passes its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def serving(
    command: Sequence[str], url: str, log_path: Path, *, cwd: Path, env: dict[str, str]
) -> Iterator[None]:
    """Run ``command`` (a server at ``url``) with its output in ``log_path`` until the block
    ends; the server must answer its health check within a minute, and log no traceback."""
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while not answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start (see {log_path})")
                time.sleep(0.3)
            yield
            log.flush()
            text = log_path.read_text(encoding="utf-8", errors="replace")
            assert "Traceback" not in text, text[-3000:]  # nothing went wrong on the server
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
