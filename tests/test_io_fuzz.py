"""Hostile input: whatever the bytes or cells, reading a file gives a report, never a crash."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderfarm.cli import build_demo_file
from orderfarm.io import RECORD_TYPES, validate_file
from orderfarm.io.loading import import_file
from orderfarm.store import Store

TODAY = dt.date(2019, 6, 1)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("fuzz") / "demo.db"
    build_demo_file(path, seed=3, households=8)
    with Store.open(path) as store:
        yield store


KINDS = sorted(RECORD_TYPES)

nasty_cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "-1",
            "1e309",
            "NaN",
            "Infinity",
            "１２３.５",
            "43405",
            "=1+2",
            "x'); DROP TABLE households;--",
            "2018-02-30",
            "0.99999999999999999",
            "一级:abc",
            "辣椒苗:1株×(垫付)",
            "99999999999999999999999",
            "\x00",
            "'",
            "%",
            "100%",
        ]
    ),
)


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(KINDS))
def test_random_bytes_give_a_report(data: bytes, kind: str) -> None:
    report = validate_file(data, kind, today=TODAY)
    for line in report.messages("zh") + report.messages("en"):
        assert line


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(KINDS), st.lists(st.lists(nasty_cells, max_size=25), max_size=5), st.booleans()
)
def test_random_cells_under_a_real_header(kind: str, rows: list[list[str]], english: bool) -> None:
    rt = RECORD_TYPES[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rt.headers("en" if english else "zh"))
    writer.writerows(rows)
    for encoding in ("utf-8", "gb18030"):
        try:
            data = out.getvalue().encode(encoding)
        except UnicodeEncodeError:
            continue
        report = validate_file(data, kind, today=TODAY)
        assert report.rows <= len(rows)
        for problem in report.problems:
            assert problem.message("zh") and problem.message("en")


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["slips", "payments", "households", "contracts", "supplies"]),
    rows=st.lists(st.lists(nasty_cells, min_size=5, max_size=9), min_size=1, max_size=3),
)
def test_hostile_files_into_a_store_write_nothing_or_everything(
    demo_store: Store, kind: str, rows: list[list[str]]
) -> None:
    rt = RECORD_TYPES[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rt.headers("zh"))
    writer.writerows(rows)
    before = demo_store.counts(), demo_store.audit_head()
    report = import_file(demo_store, out.getvalue().encode(), kind, commit=True, today=TODAY)
    if not report.ok:
        assert (demo_store.counts(), demo_store.audit_head()) == before
        assert all(m for m in report.messages("en"))
