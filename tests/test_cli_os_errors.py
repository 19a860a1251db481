"""A file the system will not open, read or write is said in the chosen language, with its
name and the reason: not Python's English (``[Errno 2] No such file or directory``)."""

from __future__ import annotations

import errno
import io
import subprocess
import sys
from pathlib import Path

import pytest

from orderfarm import cli
from orderfarm.io.failures import os_error_said


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue() + capsys.readouterr().err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "season.db"
    assert cli.main(["init", "--db", str(path)], out=io.StringIO()) == 0
    return path


def test_importing_a_folder_says_so_in_chinese(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "slips"
    folder.mkdir()
    code, said = _run(capsys, "import", "slips", str(folder), "--db", str(db), "--lang", "zh")
    assert code == 1
    assert f"文件 {folder}：这是一个文件夹，不是文件" in said
    assert "Is a directory" not in said
    code, said = _run(capsys, "import", "slips", str(folder), "--db", str(db), "--lang", "en")
    assert f"{folder}: it is a folder, not a file" in said


def test_os_error_said() -> None:
    gone = FileNotFoundError(errno.ENOENT, "No such file or directory", "x/a.xlsx")
    assert os_error_said(gone, "zh") == "文件 x/a.xlsx：文件或所在文件夹不存在"
    assert os_error_said(gone, "en") == "x/a.xlsx: no such file or folder"
    odd = OSError(errno.EIO, "Input/output error", "a.csv")
    assert os_error_said(odd, "zh") == f"文件 a.csv：系统错误（错误号 {errno.EIO}）"
    assert os_error_said(odd, "en") == "a.csv: Input/output error"
    assert os_error_said(OSError("no errno"), "zh") == "文件读写失败：系统错误"


def test_writing_into_a_missing_folder_says_so_in_chinese(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "slips.csv"
    code, said = _run(capsys, "export", "slips", str(target), "--db", str(db), "--lang", "zh")
    assert code == 2
    assert f"文件 {target}：文件或所在文件夹不存在" in said
    assert "Errno" not in said and "No such file" not in said
    assert not target.parent.exists()


def test_an_xlsx_into_a_missing_folder_says_so_and_nothing_else(db: Path, tmp_path: Path) -> None:
    """The workbook is not begun when its file cannot be opened: no traceback of a half-built
    sheet follows the message (run as a user runs it, in a process of its own)."""
    target = tmp_path / "no-such-folder" / "settlement.xlsx"
    argv = ["settle", "--season", "2018", "--output", str(target), "--db", str(db)]
    done = subprocess.run(
        [sys.executable, "-m", "orderfarm.cli", *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"orderfarm: 文件 {target}：文件或所在文件夹不存在", done.stderr
