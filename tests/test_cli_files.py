"""Files the command line writes (settle, report, inspect, export) are in the ``--lang`` it is
given, Chinese by default: headers, sheet names and the words in cells, as the page's
downloads of the same tables are; an English export of records imports back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import IO

import openpyxl
import pytest

from orderfarm import D, Weighing, cli
from orderfarm.auth import Role, User
from orderfarm.contracts import CarryPolicy, ContractStatus
from orderfarm.crops import default_catalog
from orderfarm.io.columns import RECORD_TYPES
from orderfarm.io.exports import BANK_COLUMNS, SETTLEMENT_COLUMNS
from orderfarm.parties import PovertyStatus
from orderfarm.session import Session
from orderfarm.store import Store
from orderfarm.supplies import ChargeMode
from orderfarm.web.app import table_bytes
from tests.test_store_support import chilli_contract, household, signed

SEASON = 2018
#: what a Chinese file is written in, and an English one is not
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CROPS = default_catalog().crops
ORDER = ("enterprises", "households", "contracts", "market_prices", "supplies", "slips", "payments")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def lang_args(lang: str | None) -> list[str]:
    """``--lang LANG``, or nothing for the command line's default."""
    return [] if lang is None else ["--lang", lang]


def read_back(path: Path | IO[bytes]) -> tuple[str, list[list[str]]]:
    """The sheet's name (``""`` for a CSV) and its rows as text, as a person opening it sees."""
    if isinstance(path, Path) and path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return "", list(csv.reader(stream))
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    return sheet.title, rows


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo season with one household more, without an account: paid in cash."""
    path = tmp_path_factory.mktemp("files") / "demo.db"
    code, text = run("demo", "--db", str(path), "--households", "20", "--seed", "5")
    assert code == 0, text
    with Store.open(path) as store:
        home = store.add_household(household(901))
        contract = chilli_contract("Q-CASH", home, enterprise=store.enterprises()[0])
        signed(store, contract)
        lot = Weighing(gross_kg=D("101.00"), tare_kg=D("1.00"), grade="一级")
        store.record_delivery("Q-CASH", lot, dt.date(SEASON, 9, 1), "R-CASH")
    return path


#: each language a file is asked for in, the command line's default (Chinese) first
LANGS = (None, "zh", "en")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_settlement_and_bank_files_are_in_the_chosen_language(
    demo_db: Path, tmp_path: Path, fmt: str
) -> None:
    for lang in LANGS:
        chosen = lang or "zh"
        output, bank = tmp_path / f"结算-{lang}.{fmt}", tmp_path / f"代发-{lang}.{fmt}"
        argv = ["settle", "--db", str(demo_db), "--season", "2018", *lang_args(lang)]
        code, text = run(*argv, "--output", str(output), "--bank", str(bank))
        assert code == 0, text

        title, rows = read_back(output)
        assert rows[0] == [c.header(chosen) for c in SETTLEMENT_COLUMNS], lang
        assert len(rows) == 22  # the header, the demo's 20 households and the one paid in cash
        title_bank, rows_bank = read_back(bank)
        assert rows_bank[0] == [c.header(chosen) for c in BANK_COLUMNS], lang
        cash = [r for r in rows_bank if r[1] == "农户901"]
        assert len(cash) == 1 and cash[0][4] == ("200.00" if fmt == "csv" else "200")
        if chosen == "zh":
            assert cash[0][-1] == "无一卡通账号，现金支付"
            assert not any(re.search("[A-Za-z]", h) for h in rows[0] + rows_bank[0])
        else:
            assert cash[0][-1] == "no account: paid in cash"
            assert not any(CHINESE.search(h) for h in rows[0] + rows_bank[0])
        if fmt == "xlsx":
            names = {
                "zh": ("年度结算2018", "银行代发清单2018"),
                "en": ("settlement 2018", "bank 2018"),
            }
            assert (title, title_bank) == names[chosen]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_report_file_is_in_the_chosen_language_as_the_pages_download(
    demo_db: Path, tmp_path: Path, fmt: str
) -> None:
    for lang in LANGS:
        chosen = lang or "zh"
        output = tmp_path / f"统计-{lang}.{fmt}"
        argv = ["report", "--db", str(demo_db), "--season", "2018", *lang_args(lang)]
        code, text = run(*argv, "--by", "crop,enterprise", "--output", str(output))
        assert code == 0, text
        title, rows = read_back(output)
        header, *body, total = rows
        crops = {r[0] for r in body}
        if chosen == "zh":
            assert header[:3] == ["作物", "订单企业", "签约户数"]
            assert crops and crops <= {c.name_zh for c in CROPS} and total[0] == "合计"
            assert title in ("", "收购统计2018")
            assert not any(re.search("[A-Za-z]", cell) for cell in header + list(crops))
        else:
            assert header[:3] == ["crop", "enterprise", "households"]
            assert crops and crops <= {c.name_en for c in CROPS}
            assert total[0] == "Total" and title in ("", "report 2018")
            assert not any(CHINESE.search(cell) for cell in header + list(crops))
        if fmt == "xlsx":  # the same file as the page's download of the report in that language
            with Store.open(demo_db) as store:
                session = Session(store, User("admin", Role.ADMIN))
                table = session.export("report", season=SEASON, by=("crop", "enterprise"))
                assert read_back(io.BytesIO(table_bytes(table, "xlsx", chosen))) == (title, rows)


def test_the_inspection_checklist_is_named_in_the_chosen_language(
    demo_db: Path, tmp_path: Path
) -> None:
    for lang in (None, "en"):
        output = tmp_path / f"抽查-{lang}.xlsx"
        argv = ["inspect", "--db", str(demo_db), "--season", "2018", "--size", "3"]
        code, text = run(*argv, *lang_args(lang), "--output", str(output))
        assert code == 0, text
        title, rows = read_back(output)
        if lang is None:
            assert title == "督察抽查" and rows[1][:2] == ["户主姓名", "镇村"]
            assert {r[13] for r in rows[2:] if r[3]} == {"否"}  # 拒收: none
        else:
            assert title == "inspection" and rows[1][:2] == ["head_name", "place"]
            assert {r[13] for r in rows[2:] if r[3]} == {"no"}
            assert rows[0][0].startswith("Inspection sample of season 2018")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_records_exported_in_english_are_english_and_import_back_unchanged(
    demo_db: Path, tmp_path: Path, fmt: str
) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    first.mkdir()
    again.mkdir()
    for kind in ORDER:
        path = first / f"{kind}.{fmt}"
        code, text = run("export", kind, str(path), "--full", "--lang", "en", "--db", str(demo_db))
        assert code == 0, text

    files = {kind: read_back(first / f"{kind}.{fmt}") for kind in ORDER}
    for kind, (title, rows) in files.items():
        assert rows[0] == RECORD_TYPES[kind].headers("en")
        assert title == ("" if fmt == "csv" else kind)
    words = {
        ("contracts", "crop"): {c.code for c in CROPS},
        ("contracts", "form"): {f.code for c in CROPS for f in c.forms},
        ("contracts", "status"): {s.value for s in ContractStatus},
        ("contracts", "unrecovered"): {p.value for p in CarryPolicy},
        ("contracts", "market_linked"): {"yes", "no"},
        ("households", "poverty_status"): {s.en for s in PovertyStatus},
        ("supplies", "charge"): {m.value for m in ChargeMode},
        ("market_prices", "crop"): {c.code for c in CROPS},
        ("market_prices", "form"): {f.code for c in CROPS for f in c.forms},
    }
    for (kind, key), allowed in words.items():
        rows = files[kind][1]
        column = rows[0].index(key)
        found = {row[column] for row in rows[1:]}
        assert found and found <= allowed, (kind, key, found)
    contracts = files["contracts"][1]
    for key in ("moisture_standard", "inputs"):  # 无 is none, 垫付 advance
        cells = [row[contracts[0].index(key)] for row in contracts[1:]]
        assert not any("无" in cell or "垫付" in cell for cell in cells), cells

    fresh = tmp_path / "fresh.db"
    assert run("init", "--db", str(fresh))[0] == 0
    paths = [str(first / f"{kind}.{fmt}") for kind in ORDER]
    code, text = run("import", "auto", *paths, "--db", str(fresh), "--today", "2019-06-01")
    assert code == 0, text
    for kind in ORDER:
        path = again / f"{kind}.{fmt}"
        code, text = run("export", kind, str(path), "--full", "--lang", "en", "--db", str(fresh))
        assert code == 0, text
        if fmt == "csv":
            assert path.read_bytes() == (first / path.name).read_bytes(), kind
        else:
            assert read_back(path) == files[kind], kind
