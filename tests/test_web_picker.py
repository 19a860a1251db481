"""The household picker searches the store and lists at most ``PICKER_LIMIT`` households: when
more match, it says how many and asks for more of the name or ID."""

from __future__ import annotations

from pathlib import Path

import pytest
import websupport
from websupport import goto, login, ok, start, texts

from orderfarm import Household
from orderfarm.auth import Role, User
from orderfarm.contracts import ContractStatus
from orderfarm.ids import resident_id_check_character
from orderfarm.session import Session
from orderfarm.store import Store
from orderfarm.web import app, helpers

demo_template, demo_db = websupport.demo_template, websupport.demo_db

EXTRA = app.PICKER_LIMIT + 10
DIGITS = "一二三四五六七八九十"


def _extra_households(db: Path) -> list[Household]:
    """``EXTRA`` more households, in one village of their own: 许一一, 许一二, …"""
    added = []
    with Store.open(db) as store:
        for n in range(EXTRA):
            body = f"11010519500101{n:03d}"
            name = "许" + DIGITS[n // 10] + DIGITS[n % 10]
            home = Household(name, body + resident_id_check_character(body), "大荆镇", "新建村")
            added.append(store.add_household(home))
    return added


def test_the_picker_lists_the_limit_asks_for_more_and_finds_one_precisely(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = _extra_households(demo_db)
    total = websupport.HOUSEHOLDS + EXTRA
    at = ok(goto(login(start(demo_db, monkeypatch), "clerk"), "contracts"))
    assert len(at.selectbox(key="c_household").options) == app.PICKER_LIMIT
    assert f"共 {total} 户符合，只列出前 {app.PICKER_LIMIT} 户" in " ".join(texts(at.info))
    at.text_input(key="c_household_search").input("新建村").run()
    ok(at)
    assert len(at.selectbox(key="c_household").options) == app.PICKER_LIMIT
    assert f"共 {EXTRA} 户符合" in " ".join(texts(at.info))
    wanted = added[-3]
    at.text_input(key="c_household_search").input(wanted.head_name).run()
    ok(at)
    picker = at.selectbox(key="c_household")
    assert picker.options == [f"{wanted.head_name} · 大荆镇新建村 · {wanted.resident_id}"]
    assert not any("符合" in text for text in texts(at.info))
    at.text_input(key="c_household_search").input(wanted.resident_id[-6:]).run()
    assert at.selectbox(key="c_household").options == picker.options


def test_the_type_more_line_reads_in_english(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _extra_households(demo_db)
    at = ok(goto(login(start(demo_db, monkeypatch), "clerk"), "settlement"))
    at.sidebar.radio(key="lang").set_value("en").run()
    ok(at)
    assert len(at.selectbox(key="s_household").options) == app.PICKER_LIMIT
    line = f"{websupport.HOUSEHOLDS + EXTRA} households match and the first {app.PICKER_LIMIT}"
    assert line in " ".join(texts(at.info))


@pytest.mark.parametrize("role", [Role.CLERK, Role.VIEWER])
def test_a_picker_within_a_season_lists_the_households_under_contract_in_order(
    demo_db: Path, role: Role
) -> None:
    """The weighing, inputs and settlement pickers list the households with a signed contract
    that season, the payments picker those with any contract: as the Python search over those
    households finds them, the first ``PICKER_LIMIT``, and how many."""
    extra = _extra_households(demo_db)  # no contract: never listed
    with Store.open(demo_db) as store:
        session = Session(store, User("someone", role))
        season = session.seasons()[0]
        contracts = session.contracts(season=season)
        everyone = session.households()
        for signed in (False, True):
            ids = {
                c.household_id for c in contracts if not signed or c.status is ContractStatus.SIGNED
            }
            within = [h for h in everyone if h.resident_id in ids]
            assert 0 < len(within) < len(everyone)
            for query in ("", within[3].head_name, within[-1].village, "许", "zs"):
                want = helpers.search(within, query)
                statuses = {ContractStatus.SIGNED} if signed else None
                found, matched = app.household_matches(session, query, season, statuses)
                assert found == want[: app.PICKER_LIMIT], query
                assert matched == len(want), query
        found, matched = app.household_matches(session, "新建村", None)
        assert matched == EXTRA and len(found) == app.PICKER_LIMIT
        assert {h.head_name for h in found} <= {h.head_name for h in extra}
        assert app.household_matches(session, "新建村", season) == ([], 0)
