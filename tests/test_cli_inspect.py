"""``orderfarm inspect``: the page's 督察抽查 sample and checklist on the command line, IDs
masked as a viewer sees them, from a store that may be read only."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from orderfarm import cli
from orderfarm.auth import Role, User
from orderfarm.ids import mask_resident_id
from orderfarm.io.writers import csv_rows
from orderfarm.session import InspectionItem, Session
from orderfarm.store import RefusedError, Store
from orderfarm.web.app import table_bytes
from tests.reliability.support import as_nobody

SEASON = 2018


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspect") / "demo.db"
    code, text = run("demo", "--db", str(path), "--households", "30", "--seed", "5")
    assert code == 0, text
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "season.db"
    shutil.copy(demo_db, copy)
    return copy


def _viewer_sample(db: Path, size: int, seed: int) -> list[InspectionItem]:
    """The sample the page draws for an inspector (a viewer)."""
    with Store.open(db) as store:
        return Session(store, User("inspector", Role.VIEWER)).inspection_sample(SEASON, size, seed)


def _printed(text: str) -> list[tuple[str, str, list[str]]]:
    """The households the command printed, each with its (masked) ID and receipt numbers."""
    found: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        if line[:1].isdigit() and ". " in line:
            name, _place, rid, *_ = line.split(". ", 1)[1].split("  ")
            found.append((name, rid, []))
        elif line.startswith("   ") and found and not line.strip().startswith("（"):
            found[-1][2].append(line.split()[0])
    return found


def _expected(items: list[InspectionItem]) -> list[tuple[str, str, list[str]]]:
    return [
        (i.household.head_name, i.household.resident_id, [d.receipt_no for d in i.deliveries])
        for i in items
    ]


def _sheet(path: Path | io.BytesIO) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_the_sample_printed_is_the_pages_for_the_same_seed(demo_db: Path) -> None:
    code, text = run("inspect", "--db", str(demo_db), "--season", "2018", "--seed", "7")
    assert code == 0, text
    expected = _expected(_viewer_sample(demo_db, 10, 7))
    assert _printed(text) == expected
    assert len(expected) == 10 and any(receipts for _, _, receipts in expected)
    assert text.splitlines()[0] == "2018 年度督察抽查：10 户，随机种子 7"
    # without --seed, the season: as the page's seed starts
    code, text = run("inspect", "--db", str(demo_db), "--season", "2018", "--size", "4")
    assert code == 0 and _printed(text) == _expected(_viewer_sample(demo_db, 4, SEASON))


def test_ids_are_masked_as_a_viewer_sees_them(demo_db: Path) -> None:
    with Store.open(demo_db) as store:
        full = Session(store, User("admin", Role.ADMIN)).inspection_sample(SEASON, 10, 3)
    code, text = run("inspect", "--db", str(demo_db), "--season", "2018", "--seed", "3")
    assert code == 0
    assert [rid for _, rid, _ in _printed(text)] == [
        mask_resident_id(i.household.resident_id) for i in full
    ]
    assert not any(i.household.resident_id in text for i in full)


def test_other_seeds_draw_other_households(demo_db: Path) -> None:
    def drawn(seed: str) -> list[str]:
        code, text = run("inspect", "--db", str(demo_db), "--season", "2018", "--seed", seed)
        assert code == 0
        return [name for name, _, _ in _printed(text)]

    samples = {tuple(drawn(seed)) for seed in ("1", "2", "3")}
    assert len(samples) == 3
    assert drawn("2") == drawn("2")


def test_the_checklist_written_is_the_pages_download(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "抽查.xlsx"
    code, text = run("inspect", "--db", str(demo_db), "--season", "2018", "--out", str(path))
    assert code == 0 and str(path) in text
    with Store.open(demo_db) as store:
        viewer = Session(store, User("inspector", Role.VIEWER))
        download = table_bytes(viewer.inspection_table(SEASON, 10, SEASON, "zh"), "xlsx", "zh")
    rows = _sheet(path)
    assert rows == _sheet(io.BytesIO(download))
    assert rows[0][0] == "2018 年度督察抽查：10 户，随机种子 2018"
    header = list(rows[1])
    assert header[:4] == ["户主姓名", "镇村", "身份证号", "小票号"]
    assert header[-2:] == ["核对结果", "备注"]
    items = _viewer_sample(demo_db, 10, SEASON)
    slips = [d for item in items for d in item.deliveries]
    body = rows[2:]
    assert len(body) == len(slips) + sum(1 for i in items if not i.deliveries)
    assert [r[3] for r in body if r[3]] == [d.receipt_no for d in slips]
    assert {r[2] for r in body} == {i.household.resident_id for i in items}
    assert all("*" in str(r[2]) for r in body)


def test_a_csv_checklist_in_english_reads_back(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "checklist.csv"
    argv = ["--db", str(demo_db), "--season", "2018", "--size", "5", "--seed", "9"]
    code, text = run("inspect", *argv, "--output", str(path), "--lang", "en")
    assert code == 0 and "checklist written" in text
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    with Store.open(demo_db) as store:
        table = Session(store, User("x", Role.VIEWER)).inspection_table(SEASON, 5, 9, "en")
    assert rows == list(csv_rows(table, "en"))
    assert rows[0][:4] == ["head_name", "place", "resident_id", "receipt_no"]
    assert rows[0][-2:] == ["checked", "remark"]
    assert [r[3] for r in rows[1:] if r[3]] == [
        d.receipt_no for i in _viewer_sample(demo_db, 5, 9) for d in i.deliveries
    ]


def test_a_voided_slip_says_why_with_its_ids_masked(db: Path) -> None:
    with Store.open(db) as store:
        everyone = len({c.household_id for c in store.contracts(season=SEASON)})
        for d in store.deliveries(season=SEASON):
            try:
                store.void_delivery(d.id, f"磅秤读数录错，户主 {d.household_id}")
            except RefusedError:  # its household was paid beyond what would be left
                continue
            voided = d
            break
    code, text = run("inspect", "--db", str(db), "--season", "2018", "--size", str(everyone))
    assert code == 0
    (line,) = [line for line in text.splitlines() if voided.receipt_no in line]
    assert f"已作废（磅秤读数录错，户主 {mask_resident_id(voided.household_id)}）" in line
    assert voided.household_id not in text


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged child can reach (pytest's tmp folders are private)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        os.chmod(folder, 0o755)
        yield Path(folder)


def test_an_inspectors_read_only_copy_is_sampled_as_it_is(demo_db: Path, shared_dir: Path) -> None:
    """The evidence copy on a medium nothing can be written to (file and folder read only):
    the same sample and checklist, and the copy left as it was, no journal beside it."""
    evidence, desk = shared_dir / "evidence", shared_dir / "desk"
    evidence.mkdir()
    desk.mkdir(mode=0o777)
    os.chmod(desk, 0o777)
    db = evidence / "season.db"
    shutil.copy(demo_db, db)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    code, expected = run("inspect", "--db", str(demo_db), "--season", "2018", "--seed", "4")
    assert code == 0
    os.chmod(db, 0o444)
    os.chmod(evidence, 0o555)

    def inspect() -> None:
        with pytest.raises(OSError):  # this child cannot write there: the test means something
            (evidence / "probe").touch()
        said = io.StringIO()
        argv = ["inspect", "--db", str(db), "--season", "2018", "--seed", "4"]
        assert cli.main(argv, out=said) == 0, said.getvalue()
        assert said.getvalue() == expected
        code = cli.main([*argv, "--output", str(desk / "抽查.xlsx")], out=io.StringIO())
        assert code == 0

    outcome = as_nobody(inspect)
    os.chmod(evidence, 0o755)
    assert outcome["error"] is None, outcome
    assert sorted(p.name for p in evidence.iterdir()) == ["season.db"]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert _printed(expected) == _expected(_viewer_sample(demo_db, 10, 4))
    assert len(_sheet(desk / "抽查.xlsx")) >= 12  # title, header and a row per slip at least


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--size", "0"], "--size takes 1 to 500 households, not 0"),
        (["--size", "501"], "--size takes 1 to 500 households, not 501"),
        (["--seed", "-1"], "--seed is 0 or more, not -1"),
        (["--season", "2017"], "no contracts in season 2017: nothing to sample (the database"),
    ],
)
def test_refusals_write_nothing(
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    out = tmp_path / "抽查.xlsx"
    args = ["inspect", "--db", str(demo_db), "--season", "2018", *argv, "--lang", "en"]
    assert cli.main([*args, "--output", str(out)]) == 2
    assert said in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_database_or_an_odd_file_name_is_refused(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing, out = tmp_path / "nowhere.db", tmp_path / "抽查.xlsx"
    assert (
        cli.main(["inspect", "--db", str(missing), "--season", "2018", "--output", str(out)]) == 2
    )
    assert f"没有数据库文件 {missing}" in capsys.readouterr().err
    assert not missing.exists() and not out.exists()
    odd = tmp_path / "抽查.pdf"
    assert (
        cli.main(["inspect", "--db", str(demo_db), "--season", "2018", "--output", str(odd)]) == 2
    )
    assert "核对表写成 .csv 或 .xlsx 文件" in capsys.readouterr().err
    assert not odd.exists()
    assert cli.main(["inspect", "--db", str(demo_db)]) == 2  # --season is required


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["inspect", "--help"]) == 0
    assert "--seed" in capsys.readouterr().out
