"""The printed statement says how the advances a season could not recover split into 结转下季
and 核销, with the figures it prints: the household can work them again by hand."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from websupport import PASSWORDS, goto, login, ok, start

from orderfarm import CarryPolicy, D, InputSupply, Weighing, cli
from orderfarm.auth import Role
from orderfarm.store import Store
from orderfarm.store.users import add_user
from tests.test_store_support import chilli_contract, open_store, seeded, signed


def _lot(kg: str) -> Weighing:
    """``kg`` of 一级 with 1 kg of tare: 2.00 yuan/kg under the fixed terms."""
    return Weighing(gross_kg=D(kg) + 1, tare_kg=D("1.00"), grade="一级")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """2018: 1,000.00 advanced under a contract that carries, 300.00 under one that waives,
    800.00 of proceeds. 2019: 100.00 advanced (carry), 200.00 of proceeds."""
    path = tmp_path / "season.db"
    with open_store(path) as store:
        (home,) = seeded(store)
        signed(store, chilli_contract("C-1", home, policy=CarryPolicy.CARRY))
        signed(store, chilli_contract("W-1", home, policy=CarryPolicy.WAIVE))
        signed(store, chilli_contract("C-2", home, season=2019, policy=CarryPolicy.CARRY))
        for no, cost, day in (("C-1", "0.10", 2018), ("W-1", "0.03", 2018), ("C-2", "0.01", 2019)):
            seedlings = InputSupply("辣椒苗", D("10000"), "株", D(cost))
            store.supply_input(no, seedlings, dt.date(day, 5, 2), f"S-{no}")
        store.record_delivery("C-1", _lot("400"), dt.date(2018, 9, 1), "R-1")
        store.record_delivery("C-2", _lot("100"), dt.date(2019, 9, 1), "R-2")
    return path


def _statement(db: Path, season: int, lang: str, tmp_path: Path) -> str:
    out = tmp_path / f"statement-{season}-{lang}.html"
    argv = ["print", "statement", "611002196503010011", str(out), "--db", str(db)]
    code = cli.main([*argv, "--season", str(season), "--lang", lang], out=io.StringIO())
    assert code == 0
    return re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8"))


def test_the_split_of_what_was_not_recovered_is_worked_on_the_paper(
    db: Path, tmp_path: Path
) -> None:
    page = _statement(db, 2018, "zh", tmp_path)
    # 1,300.00 to recover, 800.00 recovered: 500.00 shared 1,000 : 300
    assert "¥384.62" in page and "¥115.38" in page
    assert "未扣回 500.00 元 = 应扣回 1,300.00 − 本季扣回 800.00" in page
    assert "结转下季 500.00 × 1,000.00 ÷ 1,300.00 ≈ 384.62 元" in page
    assert "核销 500.00 − 384.62 = 115.38 元" in page
    assert "辣椒苗 10,000 株 × 0.10（未扣回部分结转下季）" in page
    assert "辣椒苗 10,000 株 × 0.03（未扣回部分核销）" in page
    en = _statement(db, 2018, "en", tmp_path)
    assert "carried 500.00 × 1,000.00 ÷ 1,300.00 ≈ 384.62" in en
    assert "未扣回" not in en


def test_charges_carried_in_are_recovered_first(db: Path, tmp_path: Path) -> None:
    page = _statement(db, 2019, "zh", tmp_path)
    # 384.62 carried in + 100.00 advanced; 200.00 recovered, from what was carried in
    assert "未扣回 284.62 元 = 应扣回 484.62 − 本季扣回 200.00" in page
    assert "上季结转未扣回的 184.62 元继续结转下季" in page
    assert "本季垫付未扣回的 100.00 元按合同约定结转下季" in page
    assert "¥284.62" in page


def test_a_season_that_recovered_everything_says_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "season.db"
    with open_store(path) as store:
        (home,) = seeded(store)
        signed(store, chilli_contract("C-1", home))
        seedlings = InputSupply("辣椒苗", D("10000"), "株", D("0.01"))
        store.supply_input("C-1", seedlings, dt.date(2018, 5, 2), "S-1")
        store.record_delivery("C-1", _lot("400"), dt.date(2018, 9, 1), "R-1")
    page = _statement(path, 2018, "zh", tmp_path)
    assert "未扣回" not in page


def test_the_settlement_page_says_the_split_too(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(db) as store:
        add_user(store, "viewer", Role.VIEWER, PASSWORDS["viewer"], actor="test")
    at = goto(login(start(db, monkeypatch), "viewer"), "settlement")
    at.text_input(key="s_household_search").input("农户1").run()
    ok(at)
    said = [c.value for c in at.caption if "未扣回" in c.value]  # 2019, the latest season
    assert said and "上季结转未扣回的 184.62 元继续结转下季" in said[0], said
    at.selectbox(key="s_season").set_value(2018).run()
    said = [c.value for c in at.caption if "未扣回" in c.value]
    assert said and "结转下季 500.00 × 1,000.00 ÷ 1,300.00 ≈ 384.62 元" in said[0], said
