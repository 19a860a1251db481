"""Promise 4 — hostile input: whatever a file or a caller hands in, only an ``OrderfarmError``
with a message comes out (or ``TypeError`` for a float or a value of the wrong type, per the
money rules), nothing partial is written, and names are stored exactly as given."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from orderfarm import (
    Assumptions,
    Contract,
    Enterprise,
    Household,
    InputSupply,
    OrderfarmError,
    PriceScenario,
    PriceTerms,
    Store,
    Weighing,
)
from orderfarm.crops import default_catalog
from orderfarm.io import RECORD_TYPES, validate_file
from orderfarm.io.loading import import_file
from orderfarm.io.writers import write_xlsx
from orderfarm.parties import person_name
from tests.reliability.support import HEAVY, TODAY, build_season, scaled
from tests.test_store_support import (
    ENTERPRISE,
    chilli_contract,
    fixed_terms,
    household,
    resident_id,
)

KINDS = sorted(RECORD_TYPES)
SQL_NAME = "x'); DROP TABLE households;--"

#: Cells people and attackers put in spreadsheets.
HOSTILE_CELLS = [
    "",
    " ",
    "-1",
    "0",
    "1e309",
    "-1e309",
    "9" * 400,
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "１２３.５",
    "１２",
    "43405",
    "43405.5",
    "=1+2",
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A9)",
    "@A1",
    "-2+3",
    "\t=1",
    SQL_NAME,
    "Robert'); DELETE FROM payments;--",
    "2018-02-30",
    "2018/9/1",
    "9/1/2018",
    "0.99999999999999999",
    "1,234.50",
    "¥12.50",
    "一级:abc",
    "辣椒苗:1株×(垫付)",
    "\x00",
    "'",
    '"',
    "%",
    "100%",
    "\u202e",
    "𠀀𠀁",
]
cells = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=20))


def _snapshot(store: Store) -> tuple[dict[str, int], tuple[int, str]]:
    return store.counts(), store.audit_head()


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    """One season for the whole module (Hypothesis runs many examples against it)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.db"
        build_season(path, 2)
        with Store.open(path) as opened:
            yield opened


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _import_writes_all_or_nothing(store: Store, source: bytes, kind: str, **kw: Any) -> None:
    """Import with commit: a report comes back, and unless it committed nothing changed."""
    before = _snapshot(store)
    try:
        report = import_file(store, source, kind, commit=True, today=TODAY, **kw)
    except OrderfarmError as exc:  # a file that cannot be read at all
        assert str(exc).strip()
        assert _snapshot(store) == before
        return
    for line in report.messages("zh") + report.messages("en"):
        assert line.strip()
    if not report.committed:
        assert _snapshot(store) == before


settings_ = settings(
    max_examples=scaled(40, 1000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings_
@given(data=st.binary(max_size=600), kind=st.sampled_from(KINDS))
@example(data=b"\xef\xbb\xbf", kind="slips")
@example(data=b"\xff\xfe" + "小票号,合同编号\n".encode("utf-16-le"), kind="slips")
@example(data="户主姓名,身份证号\n张三,1\n".encode("gbk")[:-3], kind="households")
def test_random_bytes_into_every_importer_write_nothing(
    store: Store, data: bytes, kind: str
) -> None:
    _import_writes_all_or_nothing(store, data, kind)


@settings_
@given(
    kind=st.sampled_from(KINDS),
    rows=st.lists(st.lists(cells, max_size=12), max_size=4),
    english=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_hostile_cells_under_a_real_header_write_nothing_partial(
    store: Store, kind: str, rows: list[list[str]], english: bool, encoding: str
) -> None:
    header = RECORD_TYPES[kind].headers("en" if english else "zh")
    text = _csv([header, *rows]).decode("utf-8")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    _import_writes_all_or_nothing(store, data, kind)


xlsx_cells = st.one_of(
    cells,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.none(),
    st.booleans(),
)


@settings_
@given(kind=st.sampled_from(KINDS), rows=st.lists(st.lists(xlsx_cells, max_size=10), max_size=3))
def test_hostile_xlsx_cells_write_nothing_partial(
    store: Store, kind: str, rows: list[list[object]]
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as ILLEGAL

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(RECORD_TYPES[kind].headers("zh"))
    for row in rows:
        sheet.append([c if not isinstance(c, str) else ILLEGAL.sub("", c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    _import_writes_all_or_nothing(store, buffer.getvalue(), kind, format="xlsx")
    assert write_xlsx  # the export side is fuzzed by tests/test_io_write.py


@pytest.mark.parametrize("kind", KINDS if HEAVY else ["households", "slips", "payments"])
def test_a_ten_megabyte_cell_is_refused_quickly_with_a_message(store: Store, kind: str) -> None:
    header = RECORD_TYPES[kind].headers("en")
    row = ["1"] * len(header)
    row[-1] = "9" * (10 * 1024 * 1024)
    started = time.monotonic()
    # import_file checks the whole file first: its report lists the cell, nothing is written
    _import_writes_all_or_nothing(store, _csv([header, row]), kind)
    report = validate_file(_csv([header, ["x" * 100_000] * len(header)]), kind, today=TODAY)
    assert not report.ok and all(m.strip() for m in report.messages("en"))
    assert time.monotonic() - started < 30


# -- public constructors -----------------------------------------------------------------------

hostile_values = st.one_of(
    cells,
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            Decimal("-Infinity"),
            Decimal("1e999999"),
            Decimal("-0"),
            Decimal("1e-999999"),
        ]
    ),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(),
    st.none(),
    st.booleans(),
    st.dates(),
    st.binary(max_size=5),
    st.lists(cells, max_size=2),
    st.dictionaries(cells, st.one_of(cells, st.decimals()), max_size=2),
)


def _baselines() -> dict[type, Any]:
    product = default_catalog().form("chilli", "fresh")
    return {
        Household: household(1),
        Enterprise: ENTERPRISE,
        PriceTerms: fixed_terms(),
        Weighing: Weighing(gross_kg=Decimal("51"), tare_kg=Decimal("1"), grade="一级"),
        InputSupply: InputSupply("辣椒苗", Decimal("100"), "株", Decimal("0.03")),
        Contract: chilli_contract("C-1", household(1)),
        Assumptions: Assumptions.defaults("chilli", "fresh"),
        PriceScenario: PriceScenario(),
        type(product): product,
        type(product.inputs[0]): product.inputs[0],
        type(product.delivery_start): product.delivery_start,
    }


BASELINES = _baselines()


@st.composite
def hostile_calls(draw: st.DrawFn) -> tuple[type, dict[str, Any]]:
    """A public model's constructor, with one to three fields given hostile values."""
    cls = draw(st.sampled_from(sorted(BASELINES, key=lambda c: c.__name__)))
    values = attrs.asdict(BASELINES[cls], recurse=False)
    names = [f.name for f in attrs.fields(cls) if f.init]
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        values[name] = draw(hostile_values)
    return cls, values


@settings(max_examples=scaled(600, 20000), deadline=None)
@given(call=hostile_calls())
@example(call=(Household, {**attrs.asdict(household(1), recurse=False), "members": 10**400}))
@example(call=(Weighing, {"gross_kg": Decimal("NaN"), "tare_kg": Decimal(1), "grade": "一级"}))
@example(call=(Weighing, {"gross_kg": Decimal("1e999999"), "tare_kg": Decimal(1), "grade": "一级"}))
@example(call=(Weighing, {"gross_kg": 12.5, "tare_kg": Decimal(1), "grade": "一级"}))
@example(  # found by the heavy run: a window of non-dates raised decimal.InvalidOperation
    call=(
        Contract,
        {
            **attrs.asdict(chilli_contract("C-1", household(1)), recurse=False),
            "delivery_start": 0,
            "delivery_end": Decimal("NaN"),
        },
    )
)
def test_public_constructors_raise_only_orderfarm_errors_with_a_message(
    call: tuple[type, dict[str, Any]],
) -> None:
    cls, values = call
    try:
        cls(**values)
    except OrderfarmError as exc:
        assert str(exc).strip()
    except TypeError as exc:  # a float, or a value of the wrong type
        assert str(exc).strip()


# -- names are stored verbatim -----------------------------------------------------------------

names = st.one_of(
    st.sampled_from([SQL_NAME, "O'Brien", '张"三', "王 五", '=HYPERLINK("x")', "李\\四", "%_"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    ).filter(lambda s: s.strip() == s and s.strip()),
)


_IDS = itertools.count()


def _fresh_resident_id() -> str:
    """A valid resident ID not used before in this module's store."""
    k = next(_IDS)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=k // 999)
    return resident_id(1 + k % 999, birth.strftime("%Y%m%d"))


@settings(
    max_examples=scaled(60, 1000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=names)
def test_names_are_stored_verbatim_and_sql_in_them_does_nothing(store: Store, name: str) -> None:
    try:
        home = attrs.evolve(
            household(1), resident_id=_fresh_resident_id(), head_name=name, village=name
        )
    except OrderfarmError:
        return  # a name the model refuses (too long…) is refused with a message
    before = store.counts()
    assert store.add_household(home) == home
    assert store.household(home.resident_id) == home
    # a head's name loses only its blanks between Chinese characters (王 五 is 王五)
    assert store.household(home.resident_id).head_name == person_name(name)
    assert [h.head_name for h in store.households(village=name)][-1] == person_name(name)
    assert [h.village for h in store.households(village=name)][-1] == name
    after = store.counts()
    assert after["households"] == before["households"] + 1
    assert {k: v for k, v in after.items() if k not in ("households", "audit")} == {
        k: v for k, v in before.items() if k not in ("households", "audit")
    }


def test_an_imported_sql_looking_name_is_stored_verbatim(tmp_path: Path) -> None:
    db = tmp_path / "names.db"
    build_season(db, 1)
    header = RECORD_TYPES["households"].headers("zh")[:4]
    data = _csv([header, [SQL_NAME, household(321).resident_id, "北宽坪镇", SQL_NAME]])
    with Store.open(db) as store:
        report = import_file(store, data, "households", commit=True, today=TODAY)
        assert report.committed, report.messages("en")
        stored = store.household(household(321).resident_id)
        assert stored.head_name == SQL_NAME and stored.village == SQL_NAME
        assert store.counts()["households"] == 2
        assert store.verify().ok
