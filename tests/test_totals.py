"""The running totals (season_totals, contract_totals): kept by every write, backfilled by the
migration, checked by verify(), and what settle and report read gives the same figures as
summing the money tables."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderfarm import (
    CarryPolicy,
    ChargeMode,
    D,
    InputSupply,
    PovertyStatus,
    Slip,
    Store,
    Weighing,
)
from orderfarm.money import from_fen, to_fen
from orderfarm.settlement import OverpaymentError, settle_fen
from orderfarm.store import SCHEMA_VERSION, totals
from orderfarm.store.errors import ConflictError, RefusedError
from orderfarm.store.records import HouseholdSettlement
from orderfarm.store.store import SettledSeason, _allocate
from tests.test_store_support import (
    ENTERPRISE,
    SECOND_ENTERPRISE,
    chilli_contract,
    fixed_terms,
    household,
    open_store,
    seeded,
    signed,
)

MAY = dt.date(2018, 5, 2)
SEP = dt.date(2018, 9, 1)
MAY19 = dt.date(2019, 5, 2)
SEP19 = dt.date(2019, 9, 1)


def kg(net: str, grade: str = "一级", moisture: str = "0") -> Weighing:
    return Weighing(gross_kg=D(net) + 1, tare_kg=D("1"), grade=grade, moisture=D(moisture))


def seedlings(plants: str, charge: ChargeMode = ChargeMode.ADVANCE) -> InputSupply:
    return InputSupply("辣椒苗", D(plants), "株", D("0.03"), charge)


def table(store: Store, name: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(store.path)
    try:
        return [tuple(r) for r in conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2")]
    finally:
        conn.close()


def tamper(store: Store, *statements: str) -> None:
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def populate(store: Store) -> None:
    """Two seasons of five households: several contracts and enterprises, carry and waive,
    a rejected lot, free and paid inputs, voids of every kind, a household with nothing."""
    seeded(store, 0)
    homes = [
        store.add_household(
            household(
                i + 1,
                township="北宽坪镇" if i % 2 else "杨峪河镇",
                village=f"村{i % 3}",
                status=PovertyStatus.REGISTERED_POOR if i % 2 else PovertyStatus.GENERAL,
            )
        )
        for i in range(5)
    ]
    strict = fixed_terms(moisture_max=D("0.20"))
    h1, h2, h3, h4, h5 = homes
    signed(store, chilli_contract("A-1", h1, terms=strict))
    signed(store, chilli_contract("A-2", h1, enterprise=SECOND_ENTERPRISE, area="1.5"))
    signed(store, chilli_contract("B-1", h2, policy=CarryPolicy.WAIVE))
    signed(store, chilli_contract("B-2", h2))
    signed(store, chilli_contract("C-1", h3))
    signed(store, chilli_contract("D-1", h4))  # no records in 2018
    signed(store, chilli_contract("E-1", h5, season=2019))
    signed(store, chilli_contract("A-9", h1, season=2019))
    signed(store, chilli_contract("C-9", h3, season=2019))

    store.supply_input("A-1", seedlings("30000"), MAY, "S-1")  # 900.00
    store.supply_input("A-2", seedlings("1000", ChargeMode.FREE), MAY, "S-2")
    store.supply_input("B-1", seedlings("20000"), MAY, "S-3")  # 600.00 waive
    store.supply_input("B-2", seedlings("10001"), MAY, "S-4")  # 300.03 carry
    store.supply_input("B-2", seedlings("500", ChargeMode.PAID), MAY, "S-5")
    store.supply_input("C-1", seedlings("40000"), MAY, "S-6")  # 1200.00
    voided_supply = store.supply_input("C-1", seedlings("100"), MAY, "S-7")
    store.void_supply(voided_supply.id, "recorded twice")

    store.record_delivery("A-1", kg("100"), SEP, "R-1")
    store.record_delivery("A-1", kg("50", moisture="0.30"), SEP, "R-2")  # rejected, 0.00
    store.record_deliveries(
        [
            Slip("A-2", kg("60.5"), SEP, "Q-1"),
            Slip("B-1", kg("300", "二级"), SEP, "R-3"),
            Slip("B-2", kg("80.25"), SEP, "R-4"),
            Slip("C-1", kg("200"), SEP, "R-5"),
            Slip("C-1", kg("10"), SEP, "R-6"),
        ]
    )
    wrong = store.find_delivery(SECOND_ENTERPRISE.uscc, 2018, "Q-1")
    assert wrong is not None
    store.void_delivery(wrong.id, "wrong weight")
    store.record_delivery("A-2", kg("70.5"), SEP, "Q-1")

    # 2019: carried charges are recovered from the next season's proceeds.
    store.supply_input("A-9", seedlings("1000"), MAY19, "S-9")
    store.record_delivery("A-9", kg("300"), SEP19, "R-9")
    store.record_delivery("C-9", kg("100"), SEP19, "R-10")
    store.record_delivery("E-1", kg("50"), SEP19, "R-11")
    store.record_payment(h5.resident_id, 2019, D("10.00"), SEP19, "P-1")
    bounced = store.record_payment(h5.resident_id, 2019, D("5.00"), SEP19, "P-2")
    store.void_payment(bounced.id, "bounced")
    store.record_payment(h1.resident_id, 2019, D("10.00"), SEP19, "P-3")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "season.db") as s:
        populate(s)
        yield s


# -- the old way: sums over the money tables -------------------------------------------------

_OLD_PROCEEDS = (
    "SELECT d.household_id, d.season, SUM(d.amount_fen) FROM deliveries d WHERE d.season <= ? "
    "AND NOT EXISTS (SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id) "
    "GROUP BY d.household_id, d.season"
)
_OLD_ADVANCES = (
    "SELECT s.household_id, s.season, c.unrecovered, SUM(s.amount_fen) FROM input_supplies s "
    "JOIN contracts c ON c.id = s.contract_id WHERE s.season <= ? AND s.charge = 'advance' "
    "AND NOT EXISTS (SELECT 1 FROM supply_voids v WHERE v.supply_id = s.id) "
    "GROUP BY s.household_id, s.season, c.unrecovered"
)
_OLD_PAID = (
    "SELECT p.household_id, p.season, SUM(p.amount_fen) FROM payments p WHERE p.season <= ? "
    "AND NOT EXISTS (SELECT 1 FROM payment_voids v WHERE v.payment_id = p.id) "
    "GROUP BY p.household_id, p.season"
)


def old_totals(conn: sqlite3.Connection, season: int) -> dict[int, Any]:
    """household pk → the season's Totals, folded from the money tables as before v5."""
    sums: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for hh, year, fen in conn.execute(_OLD_PROCEEDS, (season,)):
        sums[hh].setdefault(year, [0, 0, 0, 0])[0] = fen
    for hh, year, policy, fen in conn.execute(_OLD_ADVANCES, (season,)):
        sums[hh].setdefault(year, [0, 0, 0, 0])[2 if policy == "waive" else 1] += fen
    for hh, year, fen in conn.execute(_OLD_PAID, (season,)):
        sums[hh].setdefault(year, [0, 0, 0, 0])[3] = fen
    result = {}
    for hh, seasons in sums.items():
        carried = 0
        for year in sorted({*seasons, season}):
            if year > season:
                break
            proceeds, carry, waive, paid = seasons.get(year, [0, 0, 0, 0])
            t = settle_fen(
                proceeds=proceeds,
                carried_in=carried,
                advances_carry=carry,
                advances_waive=waive,
                paid=paid,
            )
            carried = to_fen(t.carried_out)
        result[hh] = t
    return result


def old_settle(store: Store, season: int) -> list[HouseholdSettlement]:
    conn = sqlite3.connect(store.path)
    try:
        totals_of = old_totals(conn, season)
        result = []
        for hh, rid, name, township, village in conn.execute(
            "SELECT id, resident_id, head_name, township, village FROM households h "
            "WHERE EXISTS (SELECT 1 FROM contracts c WHERE c.household_id = h.id "
            "AND c.season <= ?) ORDER BY township, village, head_name, id",
            (season,),
        ):
            t = totals_of.get(hh, settle_fen())
            has = conn.execute(
                "SELECT 1 FROM contracts WHERE household_id = ? AND season = ?", (hh, season)
            ).fetchone()
            if t == settle_fen() and has is None:
                continue
            result.append(HouseholdSettlement(rid, name, township, village, t))
        return result
    finally:
        conn.close()


def old_report(store: Store, season: int, keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    groups_all = ("township", "village", "crop", "enterprise")
    conn = sqlite3.connect(store.path)
    try:
        totals_of = old_totals(conn, season)
        rows = conn.execute(
            "SELECT c.id, c.household_id, h.township, h.village, c.crop, e.name, "
            "h.poverty_status, c.area_mu4, "
            "(SELECT COALESCE(SUM(CASE WHEN accepted = 1 THEN net_g ELSE 0 END), 0) "
            "FROM deliveries d WHERE d.contract_id = c.id AND NOT EXISTS "
            "(SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id)), "
            "(SELECT COALESCE(SUM(amount_fen), 0) FROM deliveries d WHERE d.contract_id = c.id "
            "AND NOT EXISTS (SELECT 1 FROM delivery_voids v WHERE v.delivery_id = d.id)) "
            "FROM contracts c JOIN households h ON h.id = c.household_id "
            "JOIN enterprises e ON e.id = c.enterprise_id WHERE c.season = ? "
            "AND c.status IN ('signed', 'closed', 'terminated') ORDER BY c.household_id, c.id",
            (season,),
        ).fetchall()
    finally:
        conn.close()
    by_household: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_household[r[1]].append(r)
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for hh, mine in by_household.items():
        t = totals_of.get(hh, settle_fen())
        weights = [r[9] for r in mine] if any(r[9] for r in mine) else [r[7] for r in mine]
        shares = [
            _allocate(to_fen(getattr(t, name)), weights)
            for name in ("recovered", "paid", "balance")
        ]
        for i, r in enumerate(mine):
            fields = dict(zip(groups_all, r[2:6], strict=True))
            key = tuple(fields[k] if k in keys else None for k in groups_all)
            g = groups.setdefault(key, [set(), set(), 0, 0, 0, 0, 0, 0])
            g[0].add(hh)
            if r[6] == PovertyStatus.REGISTERED_POOR.value:
                g[1].add(hh)
            g[2] += r[7]
            g[3] += r[8]
            g[4] += r[9]
            for j in range(3):
                g[5 + j] += shares[j][i]
    return [
        (
            *key,
            len(g[0]),
            len(g[1]),
            Decimal(g[2]) / 10000,
            (Decimal(g[3]) / 1000).quantize(Decimal("0.01")),
            from_fen(g[4]),
            from_fen(g[5]),
            from_fen(g[6]),
            from_fen(g[7]),
        )
        for key, g in sorted(groups.items(), key=lambda kv: tuple(k or "" for k in kv[0]))
    ]


# -- tests ------------------------------------------------------------------------------------


def test_totals_agree_with_the_money_tables_after_every_kind_of_write(store: Store) -> None:
    report = store.verify()
    assert report.ok, report.problems
    conn = sqlite3.connect(store.path)
    try:
        assert totals.differences(conn) == []
    finally:
        conn.close()
    # A household whose only records were voided has a row of zeros, which counts as none.
    assert all(r[-1] >= 0 for r in table(store, "season_totals"))


@pytest.mark.parametrize("season", [2017, 2018, 2019, 2020])
def test_settle_equals_the_sums_of_the_money_tables(store: Store, season: int) -> None:
    settled = store.settle(season)
    assert list(settled) == old_settle(store, season)


@pytest.mark.parametrize("season", [2018, 2019])
@pytest.mark.parametrize(
    "by",
    [
        ("township", "village", "crop", "enterprise"),
        ("township", "crop"),
        ("enterprise",),
        ("village",),
        (),
    ],
)
def test_report_equals_the_sums_of_the_money_tables(
    store: Store, season: int, by: tuple[str, ...]
) -> None:
    got = [
        (
            r.township,
            r.village,
            r.crop,
            r.enterprise,
            r.households,
            r.poor_households,
            r.area_mu,
            r.delivered_kg,
            r.proceeds,
            r.recovered,
            r.paid,
            r.balance,
        )
        for r in store.report(season, by=by)
    ]
    assert got == old_report(store, season, by)


def test_statements_and_totals_read_the_season_totals(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    try:
        pks = dict(conn.execute("SELECT resident_id, id FROM households"))
        for season in (2018, 2019):
            expected = old_totals(conn, season)
            for rid, pk in pks.items():
                if pk not in expected:
                    continue
                assert store.totals(rid, season) == expected[pk]
                assert store.statement(rid, season).totals == expected[pk]
    finally:
        conn.close()


def test_delivered_kg_reads_the_contract_totals(store: Store) -> None:
    found = store.delivered_kg(["A-1", "A-2", "B-1", "D-1", "nope"])
    # 100 kg accepted, 50 kg rejected; A-2: the voided 60.5 kg left out.
    assert found == {
        "A-1": D("100.00"),
        "A-2": D("70.50"),
        "B-1": D("300.00"),
        "D-1": D("0.00"),
        "nope": D("0.00"),
    }


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE season_totals SET proceeds_fen = proceeds_fen + 1 "
        "WHERE household_id = (SELECT MIN(household_id) FROM season_totals)",
        "UPDATE season_totals SET carry_fen = carry_fen + 100 "
        "WHERE household_id = (SELECT MIN(household_id) FROM season_totals)",
        "UPDATE season_totals SET records = records + 1 "
        "WHERE household_id = (SELECT MAX(household_id) FROM season_totals)",
        "DELETE FROM season_totals WHERE season = 2019",
        "INSERT INTO season_totals (household_id, season, paid_fen, records) VALUES (1, 2030, 1, 1)",
        "UPDATE contract_totals SET net_g = net_g - 1000",
        "UPDATE contract_totals SET amount_fen = 0 WHERE contract_id = 1",
        "DELETE FROM contract_totals WHERE contract_id = 1",
    ],
)
def test_a_tampered_totals_row_is_found_by_verify(store: Store, statement: str) -> None:
    tamper(store, statement)
    report = store.verify()
    assert not report.ok
    assert {p.check for p in report.problems} == {"totals"}
    assert all(p.seq is None for p in report.problems)
    for problem in report.problems:  # an inspector reads it in Chinese
        assert "records say" in problem.text("en")
        assert "累计数" in problem.text("zh") and "与其记录之和不符" in problem.text("zh")
        assert not problem.text("zh").startswith(("season_totals", "contract_totals"))


def test_rebuild_repairs_tampered_totals(store: Store) -> None:
    before = (table(store, "season_totals"), table(store, "contract_totals"))
    tamper(store, "UPDATE contract_totals SET net_g = 0", "DELETE FROM season_totals")
    assert not store.verify().ok
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        totals.rebuild(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()
    assert store.verify().ok
    assert (table(store, "season_totals"), table(store, "contract_totals")) == before


def test_a_row_of_zeros_is_the_same_as_no_row(store: Store) -> None:
    tamper(
        store,
        "INSERT INTO contract_totals (contract_id, net_g, amount_fen, slips) "
        "SELECT id, 0, 0, 0 FROM contracts WHERE contract_no = 'D-1'",
    )
    assert store.verify().ok


def test_the_migration_backfills_the_totals_of_an_older_file(store: Store) -> None:
    before = (table(store, "season_totals"), table(store, "contract_totals"))
    settled = list(store.settle(2019))
    report = store.report(2018)
    path = Path(store.path)
    store.close()
    tamper_path = sqlite3.connect(path, isolation_level=None)
    tamper_path.execute("DROP TABLE season_totals")
    tamper_path.execute("DROP TABLE contract_totals")
    tamper_path.execute("PRAGMA user_version = 4")
    tamper_path.close()
    with Store.open(path) as again:
        assert again.schema_version == SCHEMA_VERSION
        assert (table(again, "season_totals"), table(again, "contract_totals")) == before
        assert again.verify().ok
        assert list(again.settle(2019)) == settled
        assert again.report(2018) == report


def test_add_deliveries_sums_a_batch_as_row_by_row(tmp_path: Path) -> None:
    rows = [
        (1, 10, 2018, 1, 1500, 300),
        (1, 10, 2018, 0, 900, 0),
        (2, 10, 2018, 1, 250, 55),
        (3, 11, 2019, 1, 1000, 200),
        (1, 10, 2018, 1, 5, 1),
    ]
    one, batch = tmp_path / "one.db", tmp_path / "batch.db"
    for path in (one, batch):
        Store.open(path).close()
    conns = [sqlite3.connect(p, isolation_level=None) for p in (one, batch)]
    try:
        for r in rows:
            totals.add_deliveries(conns[0], [r])
        totals.add_deliveries(conns[1], iter(rows))
        totals.add_deliveries(conns[1], [])
        seen = [
            (
                list(c.execute("SELECT * FROM season_totals ORDER BY 1, 2")),
                list(c.execute("SELECT * FROM contract_totals ORDER BY 1")),
            )
            for c in conns
        ]
        assert seen[0] == seen[1]
        assert seen[0] == (
            [(10, 2018, 356, 0, 0, 0, 4), (11, 2019, 200, 0, 0, 0, 1)],
            [(1, 1505, 301, 3), (2, 250, 55, 1), (3, 1000, 200, 1)],
        )
        totals.remove_deliveries(conns[1], rows[:2])
        assert list(conns[1].execute("SELECT * FROM contract_totals WHERE contract_id = 1")) == [
            (1, 5, 1, 1)
        ]
    finally:
        for c in conns:
            c.close()


def test_a_failed_write_leaves_the_totals_alone(store: Store) -> None:
    before = (table(store, "season_totals"), table(store, "contract_totals"))
    # The batch's second slip conflicts with a stored receipt: nothing of the batch is kept.
    with pytest.raises(ConflictError, match="R-5"):
        store.record_deliveries(
            [Slip("C-1", kg("10"), SEP, "R-77"), Slip("C-1", kg("11"), SEP, "R-5")]
        )
    # Voiding the delivery a household was already paid from is refused.
    paid_from = store.find_delivery(ENTERPRISE.uscc, 2019, "R-11")
    assert paid_from is not None
    with pytest.raises(RefusedError):
        store.void_delivery(paid_from.id, "wrong household")
    # So is a payment beyond the balance, and an advance the proceeds paid out cannot cover.
    with pytest.raises(OverpaymentError):
        store.record_payment(household(5).resident_id, 2019, D("1000.00"), SEP19, "P-9")
    assert (table(store, "season_totals"), table(store, "contract_totals")) == before
    assert store.verify().ok


# -- SettledSeason --------------------------------------------------------------------------


def test_settled_season_builds_each_household_when_it_is_read(store: Store) -> None:
    settled = store.settle(2018)
    assert isinstance(settled, SettledSeason)
    expected = old_settle(store, 2018)
    assert len(settled) == len(expected) == 4
    assert settled._built == [None] * 4  # nothing built yet
    assert settled.fen(0)[0] == to_fen(expected[0].totals.proceeds)
    assert bool(settled)
    assert settled[0] == expected[0]
    assert settled._built[1:] == [None] * 3  # only what was read
    assert settled == expected and expected == settled
    assert settled[1:3] == expected[1:3]
    assert settled[-1] == expected[-1]
    assert list(reversed(settled)) == expected[::-1]
    assert expected[2] in settled
    assert settled.index(expected[3]) == 3
    assert settled != expected[:3]
    assert repr(settled) == f"SettledSeason({expected!r})"


@pytest.mark.parametrize(
    "use",
    [
        lambda s: list(s),
        lambda s: [x for x in s],
        lambda s: s[0:2] + s[2:],
        lambda s: sorted(s, key=lambda x: x.household_id),
        lambda s: (*s,),
        lambda s: copy.copy(list(s)),
        lambda s: pickle.loads(pickle.dumps(list(s))),
    ],
)
def test_settled_season_reads_like_a_sequence(store: Store, use: Any) -> None:
    expected = old_settle(store, 2018)
    got = use(store.settle(2018))
    assert sorted(got, key=lambda x: x.household_id) == sorted(
        expected, key=lambda x: x.household_id
    )


def test_settle_of_a_season_without_records(store: Store) -> None:
    # 2017: nobody had a contract yet.
    assert store.settle(2017) == [] and len(store.settle(2017)) == 0
    # 2020: no contracts that season; only the charges still carried are there.
    settled = store.settle(2020)
    assert [s.head_name for s in settled] == ["农户2", "农户3"]
    assert all(s.totals.carried_in == s.totals.carried_out > 0 for s in settled)


@pytest.mark.parametrize("had_indexes", [True, False])
def test_version_6_drops_the_deliveries_indexes_the_totals_replace(
    tmp_path: Path, had_indexes: bool
) -> None:
    from orderfarm.store.db import Database

    path = tmp_path / "v5.db"
    db = Database(path)
    db.migrate(target=5)
    db.close()
    conn = sqlite3.connect(path, isolation_level=None)
    if not had_indexes:  # as version 5 left a file for a while
        conn.execute("DROP INDEX deliveries_contract")
        conn.execute("DROP INDEX deliveries_season")
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert "deliveries_household" in names
    assert not names & {"deliveries_contract", "deliveries_season"}
