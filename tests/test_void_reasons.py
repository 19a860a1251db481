"""The reason of a void the store makes itself (a later slip priced again after a void or a
correction) is kept in both languages; the paper and the page say it in theirs alone."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from websupport import PASSWORDS, goto, login, ok, start

from orderfarm import D, Weighing, cli
from orderfarm.auth import Role
from orderfarm.store import Store
from orderfarm.store.users import add_user
from orderfarm.voids import reason_in
from tests.test_store_support import chilli_contract, fixed_terms, open_store, seeded, signed

SEP1 = dt.date(2018, 9, 1)


def _lot(gross: str) -> Weighing:
    return Weighing(gross_kg=D(gross), tare_kg=D("2.00"), grade="一级")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A quota of 150 kg, three lots (R-1 of 100 kg, R-2 of 100, R-3 of 30): R-1 voided, so
    R-2 and R-3 are priced again; R-2 then corrected (voided and typed again), so R-3 is
    recorded again behind it."""
    path = tmp_path / "season.db"
    with open_store(path) as store:
        (home,) = seeded(store)
        signed(store, chilli_contract("Q1", home, terms=fixed_terms(quota_kg=D("150"))))
        store.set_market_price("chilli", "fresh", "一级", SEP1, D("1.20"))
        first = store.record_delivery("Q1", _lot("102.00"), SEP1, "R-1")
        store.record_delivery("Q1", _lot("102.00"), SEP1, "R-2")
        store.record_delivery("Q1", _lot("32.00"), SEP1, "R-3")
        store.void_delivery(first.id, "磅秤读数录错")
        second = _live(store, "R-2")
        store.void_delivery(second, "皮重录错")
        store.record_delivery("Q1", _lot("101.00"), SEP1, "R-2", anew=True)
    return path


def _live(store: Store, receipt: str) -> int:
    (found,) = [
        d.id for d in store.deliveries(contract_no="Q1") if d.receipt_no == receipt and not d.voided
    ]
    return found


def _receipt(db: Path, receipt: str, lang: str, tmp_path: Path) -> str:
    out = tmp_path / f"{receipt}-{lang}.html"
    code = cli.main(
        ["print", "receipt", receipt, str(out), "--db", str(db), "--lang", lang],
        out=io.StringIO(),
    )
    assert code == 0
    return out.read_text(encoding="utf-8")


def test_a_receipt_priced_again_says_why_in_its_language_alone(db: Path, tmp_path: Path) -> None:
    with Store.open(db) as store:
        reasons = [
            v.reason
            for v in store.voids(
                "delivery", [d.id for d in store.deliveries(contract_no="Q1")]
            ).values()
        ]
    assert any("re-priced" in r for r in reasons)  # the record keeps both, as it was audited
    assert any("recorded again in order" in r for r in reasons)
    # R-3: priced again after R-1's void (revision 1), then recorded again behind R-2
    zh = _receipt(db, "R-3", "zh", tmp_path)
    assert "按原顺序重新记录：小票 R-2 更正后在其原位置重新录入" in zh
    assert "recorded again" not in zh and "re-priced" not in zh
    en = _receipt(db, "R-3", "en", tmp_path)
    assert "recorded again in order: receipt R-2" in en
    assert "按原顺序" not in en and "重新计价" not in en
    # R-2's record replaced by the correction was itself priced again after R-1's void
    zh = _receipt(db, "R-2", "zh", tmp_path)
    assert "皮重录错" in zh and "re-priced" not in zh


@pytest.mark.parametrize(
    ("reason", "zh", "en"),
    [
        (
            "重新计价：记录 7 作废后保护收购量变化 / re-priced: delivery 7 was voided, which "
            "changes the protected quantity",
            "重新计价：记录 7 作废后保护收购量变化",
            "re-priced: delivery 7 was voided, which changes the protected quantity",
        ),
        (
            "按原顺序重新记录：小票 A/1 更正后在其原位置重新录入，其后的小票依次重新记录（金额可能不变）"
            "/ recorded again in order: receipt A/1 was recorded again in its place, and the "
            "slips after it are recorded again after it (their amounts may be unchanged)",
            "按原顺序重新记录：小票 A/1 更正后在其原位置重新录入，其后的小票依次重新记录（金额可能不变）",
            "recorded again in order: receipt A/1 was recorded again in its place, and the slips "
            "after it are recorded again after it (their amounts may be unchanged)",
        ),
        (
            "磅秤读数录错 / scale misread",
            "磅秤读数录错 / scale misread",
            "磅秤读数录错 / scale misread",
        ),
    ],
)
def test_reason_in(reason: str, zh: str, en: str) -> None:
    assert (reason_in(reason, "zh"), reason_in(reason, "en")) == (zh, en)


def test_the_weighing_page_says_why_in_chinese_alone(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(db) as store:
        add_user(store, "clerk", Role.CLERK, PASSWORDS["clerk"], actor="test")
    at = goto(login(start(db, monkeypatch), "clerk"), "weighing")
    at.text_input(key="w_household_search").input("农户1").run()
    at.selectbox(key="w_contract").set_value("Q1").run()
    ok(at)
    (table,) = [t.value for t in at.dataframe if "作废原因" in t.value.columns]
    said = [str(r) for r in table["作废原因"] if r]
    assert len(said) == 5  # once each, R-2 and R-3 again
    assert sum("重新计价：记录" in r for r in said) == 2
    assert sum("按原顺序重新记录：小票 R-2" in r for r in said) == 1
    assert not [r for r in said if "re-priced" in r or "recorded again" in r], said


def test_the_inspection_sample_says_why_in_chinese_alone(db: Path) -> None:
    out = io.StringIO()
    argv = ["inspect", "--db", str(db), "--season", "2018", "--size", "1", "--lang", "zh"]
    assert cli.main(argv, out=out) == 0
    said = out.getvalue()
    assert "已作废（重新计价：记录" in said and "已作废（按原顺序重新记录：小票 R-2" in said
    assert "re-priced" not in said and "recorded again" not in said


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_inspection_checklist_file_says_why_in_its_language_alone(
    db: Path, tmp_path: Path, lang: str
) -> None:
    path = tmp_path / f"checklist-{lang}.xlsx"
    argv = ["inspect", "--db", str(db), "--season", "2018", "--size", "1", "--lang", lang]
    assert cli.main([*argv, "--output", str(path)], out=io.StringIO()) == 0
    cells = [
        str(c)
        for row in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
        for c in row
        if c
    ]
    store_made = [c for c in cells if "re-priced" in c or "重新计价" in c or "重新记录" in c]
    assert len(store_made) >= 2, cells  # R-2's replaced record and R-3's, each with its reason
    other = ("重新计价", "重新记录") if lang == "en" else ("re-priced", "recorded again")
    assert not [c for c in store_made if any(word in c for word in other)], store_made
