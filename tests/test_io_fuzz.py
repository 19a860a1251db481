"""Hostile input: whatever the bytes or cells, reading a file gives a report, never a crash."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from orderfarm.io import RECORD_TYPES, validate_file

TODAY = dt.date(2019, 6, 1)
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
