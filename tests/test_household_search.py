"""Household search in SQL (``Store.search_households``, ``Session.search_households``) finds
the same households, in the same order, as the page's Python search (``helpers.search``)
over every household, on a real SQLite store."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

import attrs
import pytest

from orderfarm import Household
from orderfarm.auth import Role, User
from orderfarm.contracts import ContractStatus
from orderfarm.ids import resident_id_check_character
from orderfarm.session import Session
from orderfarm.store import Store
from orderfarm.store.db import SCHEMA_VERSION
from orderfarm.store.store import household_search_keys
from orderfarm.web import helpers
from tests.test_store_support import ENTERPRISE, chilli_contract

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗曾单解仇朴查乐区盖长重"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂广行华和都会传调石佳提艾力"
TOWNSHIPS = ["大荆镇", "黑山镇", "沙河子镇", "王家坪乡", "河口镇"]
VILLAGES = [
    "东沟村",
    "西岔村",
    "河口村",
    "王庄村",
    "张湾村",
    "百%村",
    "上_下村",
    "李家村",
    "X3组村",
]
#: Names whose initials have more spellings than the store keeps (checked one by one).
MANY_READINGS = ["广提广提广提", "提广曾单解长", "区盖查仇乐朴提广"]


def rid(index: int) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=index * 37 % 15000)
    body = f"6110{index % 90 + 10:02d}{born:%Y%m%d}{index % 1000:03d}"
    return body + resident_id_check_character(body)


def county(count: int, seed: int = 7) -> list[Household]:
    rng = random.Random(seed)
    homes = []
    for i in range(count):
        if i < len(MANY_READINGS):
            name = MANY_READINGS[i]
        else:
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 3)))
            )
        homes.append(Household(name, rid(i), rng.choice(TOWNSHIPS), rng.choice(VILLAGES)))
    return homes


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("search") / "county.db"
    opened = Store.open(path)
    for household in county(600):
        opened.add_household(household)
    return opened


def _queries(homes: list[Household]) -> list[str]:
    picked = homes[len(MANY_READINGS) :: 37]
    return [
        "",
        "   ",
        "王",
        "芳",
        "王伟",
        "李家",
        "镇",
        "大荆镇",
        "东沟",
        "zs",
        "ZS",
        "w",
        "wl",
        "cg",
        "zg",
        "tttt",
        "ttttt",
        "tttttt",
        "sdxzz",
        "acaca",
        "gtgtgt",
        "gtgtgtg",
        "tgzsjz",
        "dyzcxc",
        "oggcl",
        "x",
        "X",
        "x3",
        "X3",
        "3",
        "1",
        "002x",
        "%",
        "_",
        "百%",
        "上_",
        "%村",
        "a%",
        "w_",
        "z s",
        "提",
        "zzzzzzzz",
        *(h.head_name for h in picked),
        *(h.head_name[1:] for h in picked),
        *(h.resident_id[-4:] for h in picked),
        *(h.resident_id[-6:] for h in picked),
        *(h.resident_id[-6:].lower() for h in picked),
        *(h.resident_id[-4:].translate(_WIDE) for h in picked),  # full-width
        *(h.resident_id[-1] for h in picked),
        *(f"{h.township} {h.village}" for h in picked),  # a place as the pages print it
        *(f"{h.township}{h.village}" for h in picked),
        *(f" {h.township[:2]}  {h.village[:2]} " for h in picked),
        *(helpers.pinyin_initials(h.head_name).replace("|", "")[:2] for h in picked),
    ]


#: ASCII letters and digits to their full-width forms (２７１１, as an IME may type them)
_WIDE = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def test_a_place_as_a_page_prints_it_finds_its_households(store: Store) -> None:
    home = store.households()[5]
    here = [
        h for h in store.households() if (h.township, h.village) == (home.township, home.village)
    ]
    for query in (f"{home.township} {home.village}", f"{home.township}{home.village}"):
        found = store.search_households(query, limit=1000)
        assert set(found.households) == set(here), query
        assert found.matched == len(here)
    assert store.search_households(f"{home.township} 没有这个村", limit=10).matched == 0


def test_full_width_digits_find_what_the_ordinary_ones_find(store: Store) -> None:
    tail = store.households()[3].resident_id[-4:]
    wide = tail.translate(_WIDE)
    assert wide != tail
    found = store.search_households(wide, limit=50)
    assert found.households == store.search_households(tail, limit=50).households
    assert found.matched >= 1


def _expected(store: Store, query: str) -> list[Household]:
    return helpers.search(store.households(), query)


def test_the_generated_county_has_names_beyond_the_stored_spellings(store: Store) -> None:
    for name in MANY_READINGS:
        assert "x" in household_search_keys(name, rid(0))
    assert "x" not in household_search_keys("张三", rid(0))


def test_sql_search_finds_what_the_python_search_finds_in_its_order(store: Store) -> None:
    homes = store.households()
    for query in _queries(homes):
        want = _expected(store, query)
        found = store.search_households(query, limit=len(homes) + 1)
        assert list(found.households) == want, query
        assert (found.matched, found.total) == (len(want), len(homes)), query


@pytest.mark.parametrize("query", ["", "王", "镇", "w", "1", "上_", "%"])
@pytest.mark.parametrize("limit", [0, 1, 7, 200])
def test_the_limit_keeps_the_first_and_counts_them_all(
    store: Store, query: str, limit: int
) -> None:
    want = _expected(store, query)
    found = store.search_households(query, limit=limit)
    assert list(found.households) == want[:limit]
    assert found.matched == len(want)


@pytest.mark.parametrize("query", ["%", "_", "百%", "上_", "%村", "_下"])
def test_like_wildcards_in_a_query_are_literal(store: Store, query: str) -> None:
    homes = store.households()
    found = store.search_households(query, limit=len(homes))
    literal = [h for h in homes if query in h.head_name + h.township + h.village]
    assert list(found.households) == literal
    assert found.matched == len(literal) < len(homes)
    assert all("%" in h.village or "_" in h.village for h in literal)
    assert literal


@pytest.mark.parametrize("query", ["a%", "_村", "%%", "王%", "z_", "1%"])
def test_a_wildcard_matches_no_other_character(store: Store, query: str) -> None:
    assert store.search_households(query, limit=10).matched == 0


def test_an_id_tail_of_4_or_6_characters_finds_its_household(store: Store) -> None:
    home = store.households()[10]
    for tail in (home.resident_id[-4:], home.resident_id[-6:], home.resident_id[-6:].lower()):
        found = store.search_households(tail, limit=1000).households
        assert home in found
        assert all(h.resident_id.endswith(tail.upper()) for h in found)


def test_pinyin_initials_find_either_reading(store: Store) -> None:
    zeng = [h for h in store.households() if h.head_name.startswith("曾")]
    assert zeng
    for letter in ("z", "c"):
        found = store.search_households(letter, limit=1000).households
        assert set(zeng) <= set(found)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER])
def test_a_session_searches_the_ids_it_may_see(store: Store, role: Role) -> None:
    session = Session(store, User("li", role), ref_key=b"k" * 16)
    views = session.households()
    home = views[20]
    full = store.households()[20]
    queries = ["", "王", "zs", "1", full.resident_id[-4:], full.resident_id[-6:], "%"]
    for query in queries:
        want = helpers.search(views, query)
        found = session.search_households(query, limit=len(views))
        assert list(found.found) == want, query
        assert (found.matched, found.total) == (len(want), len(views))
    # a masked ID shows its last 4 characters: a 6-character tail finds nothing there
    six = session.search_households(full.resident_id[-6:], limit=10).found
    assert (home in six) == (role is Role.ADMIN)


def test_a_new_or_changed_household_is_found_by_its_new_name(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        store.add_household(Household("张三", rid(1), "大荆镇", "东沟村"))
        assert [h.head_name for h in store.search_households("zs", limit=5).households] == ["张三"]
        changed = attrs.evolve(store.household(rid(1)), head_name="李四", village="西岔村")
        store.update_household(changed)
        assert store.search_households("zs", limit=5).matched == 0
        assert store.search_households("东沟", limit=5).matched == 0
        assert store.search_households("ls", limit=5).households == (changed,)
        assert store.search_households("西岔", limit=5).households == (changed,)


def test_a_name_typed_with_blanks_is_found_by_the_name_and_its_initials(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        padded = store.add_household(Household("  李　四 ", rid(1), "大荆镇", "东沟村"))
        assert padded.head_name == "李四"
        for query in ("李四", "ls", "四"):
            assert store.search_households(query, limit=5).households == (padded,), query
        # the same household typed with other blanks is the same: added or updated again,
        # nothing is written
        before = store.counts()
        assert store.add_household(Household("李 四", rid(1), "大荆镇", "东沟村")) == padded
        assert store.update_household(attrs.evolve(padded, head_name=" 李四")) == padded
        assert store.counts() == before


def test_a_name_stored_with_blanks_by_an_older_version_reads_as_it_is_now(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.add_household(Household("李四", rid(1), "大荆镇", "东沟村"))
    with sqlite3.connect(path) as conn:  # as a version that kept the blanks typed wrote it
        conn.execute("UPDATE households SET head_name = '李 四'")
    conn.close()
    with Store.open(path) as store:
        (home,) = store.households()
        assert home.head_name == "李四"
        before = store.counts()
        assert store.add_household(Household("李　四", rid(1), "大荆镇", "东沟村")) == home
        assert store.counts() == before


def test_the_migration_backfills_the_search_keys_of_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    homes = county(120, seed=3)
    with Store.open(path) as store:
        for household in homes:
            store.add_household(household)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE household_search")
    conn.execute("DROP INDEX households_place_name")
    conn.execute("PRAGMA user_version = 6")  # before household search
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        for query in ["王", "zs", "w", "1", homes[5].resident_id[-4:], "%", ""]:
            want = _expected(store, query)
            found = store.search_households(query, limit=1000)
            assert (list(found.households), found.matched) == (want, len(want)), query


def test_a_negative_limit_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.search_households("王", limit=-1)


@pytest.fixture(scope="module")
def contracted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, set[str]]]:
    """The county of 600 with contracts: a third in 2018 (every other one signed), some in
    2019; the resident IDs with a contract (``"2018"``) and a signed one (``"2018 signed"``)."""
    path = tmp_path_factory.mktemp("contracted") / "county.db"
    opened = Store.open(path)
    opened.add_enterprise(ENTERPRISE)
    homes = [opened.add_household(h) for h in county(600)]
    ids: dict[str, set[str]] = {"2018": set(), "2018 signed": set()}
    for i, home in enumerate(homes):
        if i % 3 == 0:
            contract = chilli_contract(f"C18-{i}", home)
            opened.add_contract(contract)
            ids["2018"].add(home.resident_id)
            if i % 2 == 0:
                opened.sign_contract(contract.contract_no, dt.date(2018, 5, 1))
                ids["2018 signed"].add(home.resident_id)
        if i % 7 == 0:
            opened.add_contract(chilli_contract(f"C19-{i}", home, season=2019))
    return opened, ids


@pytest.mark.parametrize(
    "statuses", [None, {ContractStatus.SIGNED}, {ContractStatus.DRAFT, ContractStatus.CLOSED}]
)
def test_a_search_within_a_season_finds_only_households_under_contract(
    contracted: tuple[Store, dict[str, set[str]]], statuses: set[ContractStatus] | None
) -> None:
    """Each query finds, in order, what the Python search finds among the households with a
    contract that season (in one of the statuses), and counts them; the limit keeps the
    first."""
    store, ids = contracted
    if statuses is None:
        wanted = ids["2018"]
    elif statuses == {ContractStatus.SIGNED}:
        wanted = ids["2018 signed"]
    else:
        wanted = ids["2018"] - ids["2018 signed"]
    homes = store.households()
    within = [h for h in homes if h.resident_id in wanted]
    assert 0 < len(within) < len(homes)
    for query in _queries(homes):
        want = helpers.search(within, query)
        found = store.search_households(query, limit=len(homes), season=2018, statuses=statuses)
        assert list(found.households) == want, query
        assert (found.matched, found.total) == (len(want), len(homes)), query
        first = store.search_households(query, limit=3, season=2018, statuses=statuses)
        assert list(first.households) == want[:3], query
        assert first.matched == len(want), query
    assert store.search_households("", limit=5, season=2017).matched == 0


def test_contracts_are_found_by_status_and_place(
    contracted: tuple[Store, dict[str, set[str]]],
) -> None:
    """The contracts page lists a season's drafts village by village from the store."""
    store, ids = contracted
    homes = {h.resident_id: h for h in store.households()}
    drafts = store.contracts(season=2018, statuses={ContractStatus.DRAFT})
    assert {c.household_id for c in drafts} == ids["2018"] - ids["2018 signed"]
    places = store.contract_places(2018, statuses={ContractStatus.DRAFT})
    want = sorted({(homes[c.household_id].township, homes[c.household_id].village) for c in drafts})
    assert places == want
    for place in places:
        found = store.contracts(season=2018, statuses={ContractStatus.DRAFT}, place=place)
        assert found == [
            c
            for c in drafts
            if (homes[c.household_id].township, homes[c.household_id].village) == place
        ]
    every = store.contracts(season=2018)
    assert [c.contract_no for c in every] == sorted(c.contract_no for c in every)
    assert len(every) == len(ids["2018"])
    assert store.contract_places(2017) == []


def test_a_name_stored_with_blanks_by_an_earlier_version_is_put_right_and_found(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    homes = county(30, seed=5)
    with Store.open(path) as store:
        for household in homes:
            store.add_household(household)
    spaced = homes[4]
    name = spaced.head_name
    conn = sqlite3.connect(path, isolation_level=None)
    # as an earlier version kept a name typed with a full-width space, and its search keys
    padded = f"{name[0]}\u3000{name[1:]}"
    conn.execute(
        "UPDATE households SET head_name = ? WHERE resident_id = ?", (padded, spaced.resident_id)
    )
    conn.execute("UPDATE household_search SET head_name = ? WHERE head_name = ?", (padded, name))
    conn.execute("PRAGMA user_version = 8")
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        stored = (
            sqlite3.connect(path)
            .execute(
                "SELECT head_name FROM households WHERE resident_id = ?", (spaced.resident_id,)
            )
            .fetchone()[0]
        )
        assert stored == name
        assert spaced in store.search_households(name, limit=100).households
        for query in ["王", "zs", name[:1], ""]:
            want = _expected(store, query)
            found = store.search_households(query, limit=1000)
            assert (list(found.households), found.matched) == (want, len(want)), query
