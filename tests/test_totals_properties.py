"""Properties: the integer settlement (``settle_ints``, ``fold_fen``) is ``settle_fen`` and the
store's season fold exactly, and the totals functions sum any batches as row by row."""

from __future__ import annotations

import sqlite3
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from orderfarm.money import D, to_fen
from orderfarm.settlement import (
    NO_FEN_TOTALS,
    Totals,
    fold_fen,
    settle_amounts,
    settle_fen,
    settle_ints,
    totals_of_fen,
)
from orderfarm.store import totals
from orderfarm.store.db import MIGRATIONS
from orderfarm.store.store import _fold, _Sums

FIELDS = (
    "proceeds",
    "carried_in",
    "advances_carry",
    "advances_waive",
    "recovered",
    "carried_out",
    "waived",
    "payable",
    "paid",
    "balance",
)

# Small amounts make ties and exact recoveries likely; large ones check nothing overflows.
fen = st.one_of(st.integers(0, 300), st.integers(0, 10**7), st.integers(0, 10**30))


def in_fen(t: Totals) -> tuple[int, ...]:
    return tuple(to_fen(getattr(t, name)) for name in FIELDS)


@given(fen, fen, fen, fen, fen)
def test_settle_ints_is_settle_fen(
    proceeds: int, carried_in: int, carry: int, waive: int, paid: int
) -> None:
    expected = settle_fen(
        proceeds=proceeds,
        carried_in=carried_in,
        advances_carry=carry,
        advances_waive=waive,
        paid=paid,
    )
    got = settle_ints(proceeds, carried_in, carry, waive, paid)
    assert got == in_fen(expected)
    assert totals_of_fen(got) == expected


@given(fen, fen, fen, fen, fen)
def test_settle_ints_keeps_the_rule(
    proceeds: int, carried_in: int, carry: int, waive: int, paid: int
) -> None:
    """DESIGN §5 directly: recovered = min(charges, proceeds), the rest carried or waived
    (each never more than its policy's share), payable = proceeds − recovered."""
    t = settle_ints(proceeds, carried_in, carry, waive, paid)
    _, _, _, _, recovered, carried_out, waived, payable, _, balance = t
    charges = carried_in + carry + waive
    assert recovered == min(charges, proceeds)
    assert recovered + carried_out + waived == charges
    assert payable == proceeds - recovered >= 0
    assert balance == payable - paid
    assert 0 <= waived <= waive
    assert carried_out <= carried_in + carry
    assert (t == NO_FEN_TOTALS) == (proceeds == carried_in == carry == waive == paid == 0)


def test_settle_ints_agrees_with_settle_amounts_on_a_worked_case() -> None:
    expected = settle_amounts(
        proceeds=D("610.50"), advances_carry=D("300.03"), advances_waive=D("600.00")
    )
    assert totals_of_fen(settle_ints(61050, 0, 30003, 60000, 0)) == expected
    # 289.53 unrecovered, shared 300.03 : 600.00 → 96.52 carried (rounded half up), 193.01 waived
    assert (expected.carried_out, expected.waived) == (D("96.52"), D("193.01"))


seasons = st.dictionaries(st.integers(2015, 2024), st.tuples(fen, fen, fen, fen), max_size=6).map(
    lambda d: {k: _Sums(*v) for k, v in d.items()}
)


@given(seasons, st.integers(2014, 2025))
def test_fold_fen_is_the_stores_fold(by_season: dict[int, _Sums], upto: int) -> None:
    expected = _fold(dict(by_season), upto)[upto]
    rows = [
        (season, s.proceeds, s.carry, s.waive, s.paid) for season, s in sorted(by_season.items())
    ]
    assert fold_fen(rows, upto) == in_fen(expected)


# -- the totals functions -----------------------------------------------------------------------


#: The two tables of schema v5, without its backfill.
SCHEMA = tuple(sql for sql in MIGRATIONS[4] if sql.startswith("CREATE TABLE"))


def memory() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for sql in SCHEMA:
        conn.execute(sql)
    return conn


ids = st.integers(1, 4)
money = st.integers(0, 10**6)
delivery = st.tuples(ids, ids, st.integers(2018, 2019), st.sampled_from([0, 1]), money, money)
supply = st.tuples(
    ids,
    st.integers(2018, 2019),
    st.sampled_from(["advance", "free", "paid"]),
    st.sampled_from(["carry", "waive"]),
    money,
)
payment = st.tuples(ids, st.integers(2018, 2019), st.integers(1, 10**6))


def _counted(conn: sqlite3.Connection) -> tuple[Counter[tuple[int, ...]], Counter[tuple[int, ...]]]:
    seasons: Counter[tuple[int, ...]] = Counter()
    for hh, season, *values in conn.execute("SELECT * FROM season_totals"):
        for i, v in enumerate(values):
            seasons[(hh, season, i)] += v
    contracts: Counter[tuple[int, ...]] = Counter()
    for cid, *values in conn.execute("SELECT * FROM contract_totals"):
        for i, v in enumerate(values):
            contracts[(cid, i)] += v
    return +seasons, +contracts


@settings(max_examples=60)
@given(
    st.lists(delivery, max_size=12),
    st.lists(supply, max_size=8),
    st.lists(payment, max_size=6),
    st.integers(0, 12),
)
def test_batches_sum_as_rows_and_voids_take_them_out(
    deliveries: list[tuple[int, ...]],
    supplies: list[tuple[object, ...]],
    payments: list[tuple[int, ...]],
    voided: int,
) -> None:
    conn = memory()
    # Expected, summed by hand.
    seasons: Counter[tuple[int, ...]] = Counter()
    contracts: Counter[tuple[int, ...]] = Counter()
    for cid, hh, season, accepted, net_g, amount in deliveries[voided:]:
        seasons[(hh, season, 0)] += amount
        seasons[(hh, season, 4)] += 1
        contracts[(cid, 0)] += net_g if accepted else 0
        contracts[(cid, 1)] += amount
        contracts[(cid, 2)] += 1
    for hh, season, charge, policy, amount in supplies:
        if charge == "advance":
            seasons[(hh, season, 2 if policy == "waive" else 1)] += amount  # type: ignore[index]
            seasons[(hh, season, 4)] += 1  # type: ignore[index]
    for hh, season, amount in payments:
        seasons[(hh, season, 3)] += amount
        seasons[(hh, season, 4)] += 1

    totals.add_deliveries(conn, deliveries)
    totals.remove_deliveries(conn, iter(deliveries[:voided]))
    for s in supplies:  # one at a time, and the whole batch in and out again
        totals.add_supplies(conn, [s])
    totals.add_supplies(conn, supplies)
    totals.remove_supplies(conn, supplies)
    totals.add_payments(conn, payments)
    assert _counted(conn) == (+seasons, +contracts)
    totals.remove_payments(conn, payments)
    totals.remove_supplies(conn, supplies)
    totals.add_deliveries(conn, deliveries[:voided])
    totals.remove_deliveries(conn, deliveries)
    assert _counted(conn) == (Counter(), Counter())
    conn.close()


@settings(max_examples=40)
@given(st.lists(delivery, max_size=15))
def test_contract_sums_add_as_their_deliveries(deliveries: list[tuple[int, ...]]) -> None:
    summed = memory()
    # Summed per contract, as a bulk writer does (a contract has one household and season).
    per_contract: dict[int, list[int]] = {}
    owner: dict[int, tuple[int, int]] = {}
    for cid, hh, season, accepted, net_g, amount in deliveries:
        hh, season = owner.setdefault(cid, (hh, season))
        s = per_contract.setdefault(cid, [0, 0, 0])
        s[0] += net_g if accepted else 0
        s[1] += amount
        s[2] += 1
    consistent = [
        (cid, *owner[cid], accepted, net_g, amount)
        for cid, _, _, accepted, net_g, amount in deliveries
    ]
    one = memory()
    totals.add_deliveries(one, consistent)
    totals.add_contract_sums(
        summed, [(cid, *owner[cid], *sums) for cid, sums in per_contract.items()]
    )
    assert _counted(one) == _counted(summed)
    one.close()
    summed.close()
