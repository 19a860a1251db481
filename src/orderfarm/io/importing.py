"""Importing a file: stream its rows, convert each to a record, report every problem.

``validate_file`` is the dry run: it reads the whole file, converts every row and returns an
``ImportReport`` listing each bad cell (row, column, value, reason in Chinese and English) —
nothing is written. ``iter_valid`` streams the records for a writer. Files are never loaded
whole: rows are read, checked and let go one at a time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
import re
import unicodedata
from array import array
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Final

import attrs

from orderfarm.contracts import Contract
from orderfarm.crops import Catalog, default_catalog
from orderfarm.errors import Problem, ValidationError
from orderfarm.ids import receipt_key
from orderfarm.io.columns import (
    ERROR_COLUMN,
    PERCENT,
    ROW_COLUMN,
    UNITS,
    RecordType,
    fold,
    record_type,
)
from orderfarm.io.errors import FileError, RowProblem
from orderfarm.io.readers import RawRow, Source, TableReader, source_name
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.io.rows import Context, Lookup, NoLookup, Record, RowInvalid, convert
from orderfarm.messages import Lang
from orderfarm.money import D
from orderfarm.parties import Enterprise, Household
from orderfarm.units import KG_PER_JIN, china_today

#: Warnings of parts of a file passed over (not values written to look at again)
_PASSED_OVER: Final = frozenset({"unused_column", "title_row", "total_row"})

#: Problems kept in a report; the rest are counted.
MAX_PROBLEMS: Final = 1000


@attrs.define
class ImportReport:
    """What an import found and did. ``ok`` when no row and no part of the file is wrong."""

    record_type: str
    source: str
    format: str = ""
    encoding: str = ""
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    problems: list[RowProblem] = attrs.field(factory=list)
    problems_not_listed: int = 0
    #: values to look at again (a lot of no weight, or of more than 5 t): written all the same
    warnings: list[RowProblem] = attrs.field(factory=list)
    warnings_not_listed: int = 0
    ignored_columns: list[str] = attrs.field(factory=list)
    dry_run: bool = True
    committed: bool = False
    added: int = 0
    #: rows recorded already with the same data: not written again (a dry run counts them too)
    existing: int = 0
    rejects: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether nothing was wrong."""
        return not self.problems and not self.problems_not_listed

    def note(self, problem: RowProblem) -> None:
        """Keep ``problem`` (up to ``MAX_PROBLEMS``; beyond, only counted)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_not_listed += 1

    def warn(self, warning: RowProblem) -> None:
        """Keep ``warning`` in the order of the rows (found as they are read or as they are
        priced, they are listed alike): the first ``MAX_PROBLEMS``, the rest only counted."""
        kept = self.warnings
        at = bisect.bisect_right(kept, warning.row, key=_row_of)
        if at >= MAX_PROBLEMS:
            self.warnings_not_listed += 1
            return
        kept.insert(at, warning)
        if len(kept) > MAX_PROBLEMS:
            kept.pop()
            self.warnings_not_listed += 1

    @property
    def passed_over(self) -> list[RowProblem]:
        """The warnings of parts of the file not read (a column of no use, a title above the
        header, a 合计 row): nothing to check against paper."""
        return [w for w in self.warnings if w.code in _PASSED_OVER]

    @property
    def doubts(self) -> list[RowProblem]:
        """The warnings of values written but worth a second look against the paper (a lot of
        no weight, or of more than 5 t), without the parts of the file not read."""
        return [w for w in self.warnings if w.code not in _PASSED_OVER]

    @property
    def doubts_count(self) -> int:
        """How many values to check, those beyond the listed ones included."""
        return len(self.doubts) + self.warnings_not_listed

    def warning_messages(self, lang: Lang = "zh") -> list[str]:
        """Every warning as a sentence, in order, in ``lang``."""
        return _sentences(self.warnings, self.warnings_not_listed, "too_many_warnings", lang)

    def messages(self, lang: Lang = "zh") -> list[str]:
        """Every problem as a sentence, in order, in ``lang``."""
        return _sentences(self.problems, self.problems_not_listed, "too_many_problems", lang)

    def summary(self, lang: Lang = "zh") -> str:
        """One line: what was read, what was wrong (with the file itself, and in its rows),
        what was written."""
        whole = sum(1 for p in self.problems if p.row == 0)
        unread, doubts = len(self.passed_over), self.doubts_count
        if lang == "zh":
            recorded = (
                f"；其中 {self.existing} 行已登记且内容相同，导入时不再写入"
                if self.existing
                else ""
            )
            action = (
                f"试运行，未写入{recorded}"
                if self.dry_run
                else (
                    f"已写入 {self.added} 条，已存在 {self.existing} 条"
                    if self.committed
                    else "未写入任何数据"
                )
            )
            to_check = f"，{doubts} 处数值请核对" if doubts else ""
            to_check += f"，{unread} 处未读取（列、标题或合计行）" if unread else ""
            if whole and not self.rows:  # refused before any row was read
                return f"{self.source}：文件本身有 {whole} 个问题，各行未检查；{action}"
            of_file = f"文件本身有 {whole} 个问题；" if whole else ""
            return (
                f"{self.source}：{of_file}共 {self.rows} 行，有效 {self.valid} 行，"
                f"有问题 {self.invalid} 行{to_check}；{action}"
            )
        recorded = (
            f"; {self.existing} already recorded with the same data, which an import will not "
            "write again"
            if self.existing
            else ""
        )
        action = (
            f"dry run, nothing written{recorded}"
            if self.dry_run
            else (
                f"{self.added} added, {self.existing} already present"
                if self.committed
                else "nothing written"
            )
        )
        to_check = f", {doubts} value(s) to check" if doubts else ""
        to_check += f", {unread} not read (columns, titles or sums)" if unread else ""
        if whole and not self.rows:  # refused before any row was read
            return f"{self.source}: {whole} problem(s) with the file itself, rows not checked; {action}"
        of_file = f"{whole} problem(s) with the file itself; " if whole else ""
        return (
            f"{self.source}: {of_file}{self.rows} rows, {self.valid} valid, "
            f"{self.invalid} with problems{to_check}; {action}"
        )


def _row_of(problem: RowProblem) -> int:
    return problem.row


def _sentences(found: list[RowProblem], not_listed: int, more: str, lang: Lang) -> list[str]:
    """``found`` as sentences in ``lang``, and a last one (the catalogue's ``more``) counting
    those not listed."""
    lines = [p.message(lang) for p in found]
    if not_listed:
        rest = Problem("file", more, {"count": not_listed})
        lines.append(RowProblem(0, "", "", rest).message(lang))
    return lines


@attrs.frozen
class RowResult:
    """One row read from a file: its raw cells, its record or its problems."""

    raw: RawRow
    cells: Mapping[str, str]
    record: Record | None
    problems: tuple[RowProblem, ...]


def record_key(record: Record, lookup: Lookup) -> tuple[object, ...]:
    """The identity of a record: a second one with the same key is the same record."""
    if isinstance(record, Household):
        return ("household", record.resident_id)
    if isinstance(record, Enterprise):
        return ("enterprise", record.uscc)
    if isinstance(record, Contract):
        return ("contract", record.contract_no)
    if isinstance(record, MarketPriceRecord):
        return ("price", record.crop, record.form, record.grade, record.day)
    if isinstance(record, SlipRecord):
        receipt = receipt_key(record.receipt_no)  # 0001 and 1 are one receipt
        contract = lookup.contract(record.contract_no)
        if contract is not None:
            return ("slip", contract.enterprise_uscc, contract.season, receipt)
        return ("slip", receipt)
    if isinstance(record, SupplyRecord):
        return ("supply", record.supply_no)
    if isinstance(record, PaymentRecord):
        return ("payment", record.reference)
    raise TypeError(type(record).__name__)  # pragma: no cover


class SeenKeys:
    """A compact map of 64-bit key hashes to 64-bit values (open addressing over two arrays):
    16 bytes a slot instead of ~110 for a dict of ints, so a million rows' keys take ~32 MB."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._keys = array("q", bytes(8 * capacity))
        self._values = array("q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._used = 0

    def setdefault(self, key: int, value: int) -> int | None:
        """The value stored for ``key``; if there is none, store ``value`` and return ``None``."""
        key = (key & 0x7FFFFFFFFFFFFFFF) or 1  # 0 marks an empty slot
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key:
                return self._values[slot]
            if not found:
                break
            slot = (slot + 1) & mask
        keys[slot] = key
        self._values[slot] = value
        self._used += 1
        if self._used * 10 > mask * 6:
            self._grow()
        return None

    def _insert(self, key: int, value: int) -> None:
        keys, mask = self._keys, self._mask
        slot = key & mask
        while keys[slot] not in (0, key):
            slot = (slot + 1) & mask
        keys[slot] = key
        self._values[slot] = value

    def _grow(self) -> None:
        old = zip(self._keys, self._values, strict=True)
        capacity = (self._mask + 1) * 2
        self._keys = array("q", bytes(8 * capacity))
        self._values = array("q", bytes(8 * capacity))
        self._mask = capacity - 1
        for key, value in old:
            if key:
                self._insert(key, value)


class RowStream:
    """The rows of one file as ``RowResult`` values, with duplicate rows within the file found.

    Open it as a context manager; ``report`` fills in as rows are read.
    """

    def __init__(
        self,
        source: Source,
        kind: RecordType | str,
        *,
        today: dt.date | None = None,
        catalog: Catalog | None = None,
        lookup: Lookup | None = None,
        format: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.rt = kind if isinstance(kind, RecordType) else record_type(kind)
        self.context = Context(
            today=today or china_today(),
            catalog=catalog or default_catalog(),
            lookup=lookup or NoLookup(),
        )
        self.source = source
        self.report = ImportReport(self.rt.name, source_name(source))
        self._reader = TableReader(source, format=format, sheet=sheet)
        self.positions: dict[str, int] = {}
        #: the columns whose header gives another unit than the library's, and its factor
        self.scales: dict[str, Decimal] = {}
        self.header: tuple[str, ...] = ()

    def __enter__(self) -> RowStream:
        reader = self._reader.__enter__()
        self.report.format = reader.format
        self.report.encoding = reader.encoding
        self.header = reader.header
        positions, unknown, repeated, scales, bad_units = self.rt.match_header(list(reader.header))
        problems: list[Problem] = []
        for header, key in bad_units:  # 保护价（元）: read in no unit rather than a wrong one
            known = "、".join(UNITS[self.rt.column(key).measure])
            problems.append(Problem(key, "unit_unknown", {"header": header, "known": known}))
        measured = any(c.measure for c in self.rt.columns) and "unit" not in self.rt.keys
        for header in unknown:  # a 单位 column of 斤 beside 毛重 would be read as kg
            if measured and fold(header) in _UNIT_HEADERS:
                problems.append(Problem("file", "unit_column", {"header": header}))
        titles = [(title.number, first_filled(title.cells)[:60]) for title in reader.titles]
        for _, text in titles:  # 收购台账（单位：斤）: the numbers below are not kg
            if measured and _UNIT_IN_TITLE.search(text):
                problems.append(Problem("file", "unit_title", {"title": text}))
        for key, first, second in repeated:
            column = self.rt.column(key)
            problems.append(
                Problem(
                    key,
                    "repeated_column",
                    {"column": column.label(), "first": first + 1, "second": second + 1},
                )
            )
        found = "、".join(cell for cell in reader.header if cell.strip()) or "—"
        for column in self.rt.columns:
            if column.required and column.key not in positions:
                problems.append(
                    Problem(
                        column.key,
                        "missing_column",
                        {"column": column.label(), "found": found[:200]},
                    )
                )
        if problems:
            reader.close()
            raise FileError(problems)
        self.positions = positions
        self.scales = scales
        self.context.in_jin = frozenset(k for k, f in scales.items() if f == KG_PER_JIN)
        self.report.ignored_columns = unknown
        for number, text in titles:
            passed = Problem("row", "title_row", {"title": text})
            self.report.warn(RowProblem(number, "", "", passed))
        for header in unknown:  # said, so a column with a name of its own is not lost unseen
            if fold(header) in _REJECTS_HEADERS:  # a rejects file's reasons, fixed and sent back
                continue
            unused = Problem("file", "unused_column", {"header": header})
            self.report.warn(RowProblem(0, "", header, unused))
        return self

    def __exit__(self, *exc: object) -> None:
        self._reader.close()

    def __iter__(self) -> Iterator[RowResult]:
        rt, context, positions, scales = self.rt, self.context, self.positions, self.scales
        width = len(self.header)
        seen = SeenKeys()
        report = self.report
        columns = {c.key: c for c in rt.columns}
        # a problem is named under the file's own header (毛重（斤）, not the template's
        # 毛重（公斤）), where the file has the column
        named = {
            key: (self.header[at].strip() if at < len(self.header) else "") or columns[key].zh
            for key, at in positions.items()
            if key in columns
        }
        # XLSX leaves out trailing empty cells; in a CSV a short row means a cut-off file
        short_rows_matter = self._reader.format == "csv"
        uncomputed = self._reader.uncomputed
        for raw in self._reader.rows():
            cells_list = raw.cells
            if is_total_row(cells_list):  # 合计 under a column of sums: not a record
                report.warn(RowProblem(raw.number, "", "", Problem("row", "total_row")))
                continue
            report.rows += 1
            row_problems: list[RowProblem] = []
            if (
                short_rows_matter
                and len(cells_list) < width
                and any(p >= len(cells_list) for p in positions.values())
            ):
                # only a problem when a column we read is missing (trailing blanks are trimmed
                # by many writers)
                row_problems.append(
                    RowProblem(
                        raw.number,
                        "",
                        "",
                        Problem("row", "short_row", {"got": len(cells_list), "expected": width}),
                    )
                )
            cells = {
                key: cells_list[index] if index < len(cells_list) else ""
                for key, index in positions.items()
            }
            record: Record | None = None
            # a formula saved without its value reads empty: say that, not "is required"
            formulas = uncomputed.get(raw.number) if uncomputed else None
            unread = [k for k, i in positions.items() if i in formulas] if formulas else []
            for name in unread:
                formula = Problem(name, "formula_not_computed")
                row_problems.append(RowProblem(raw.number, name, "", formula, named[name]))
            if not row_problems or unread:
                try:
                    in_units, unit_problems = in_library_units(cells, scales)
                    if unit_problems:
                        raise RowInvalid(unit_problems)
                    record = convert(rt, in_units, context)
                except RowInvalid as exc:
                    for problem in exc.problems:
                        if problem.field in unread:
                            continue
                        column = columns.get(problem.field)
                        row_problems.append(
                            RowProblem(
                                raw.number,
                                problem.field if column else "",
                                cells.get(problem.field, ""),
                                problem,
                                named.get(problem.field, column.zh) if column else "",
                            )
                        )
                if unread:
                    record = None
            if record is not None:
                key = record_key(record, context.lookup)
                key_hash = hash(key)
                content = hash(tuple(cells.values()))
                packed = (raw.number << 32) | (content & 0xFFFFFFFF)
                previous = seen.setdefault(key_hash, packed)
                if previous is not None:
                    first = previous >> 32
                    key_column = rt.key[0]
                    column = columns[key_column]
                    if previous & 0xFFFFFFFF == content & 0xFFFFFFFF:
                        problem = Problem("row", "duplicate_row", {"first": first})
                    else:
                        value = cells.get(key_column, "")
                        problem = Problem(
                            key_column, "duplicate_key", {"value": value, "first": first}
                        )
                    row_problems.append(
                        RowProblem(
                            raw.number, key_column, cells.get(key_column, ""), problem, column.zh
                        )
                    )
                    record = None
            if row_problems:
                report.invalid += 1
                for row_problem in row_problems:
                    report.note(row_problem)
                yield RowResult(raw, cells, None, tuple(row_problems))
            else:
                report.valid += 1
                if isinstance(record, SlipRecord):
                    doubt = record.weighing.doubt()
                    if doubt is not None:  # written all the same: a value to look at again
                        self.warn(raw.number, doubt, cells.get(doubt.field, ""))
                yield RowResult(raw, cells, record, ())

    def warn(self, row: int, doubt: Problem, value: str = "") -> None:
        """Name a value of row ``row`` to look again at (the row is written all the same),
        under its column."""
        column = self.rt.column(doubt.field)
        self.report.warn(RowProblem(row, doubt.field, value, doubt, column.zh))


def validate_file(
    source: Source,
    kind: RecordType | str,
    *,
    today: dt.date | None = None,
    catalog: Catalog | None = None,
    lookup: Lookup | None = None,
    format: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Dry run: read and check every row of ``source``; write nothing; return the report.

    A file that cannot be read at all (empty, garbled, truncated, a required column missing)
    gives a report with that problem as row 0.
    """
    stream = RowStream(
        source, kind, today=today, catalog=catalog, lookup=lookup, format=format, sheet=sheet
    )
    try:
        with stream:
            for _ in stream:
                pass
    except FileError as exc:
        note_file_error(stream.report, exc, stream.rt)
    return stream.report


def note_file_error(report: ImportReport, exc: FileError, rt: RecordType) -> None:
    """Add the problems of a file that cannot be read as a whole to ``report`` (row 0), each
    under its column (with its Chinese header) when it is about one."""
    for found in exc.problems:
        column = rt.column(found.field) if found.field in rt.keys else None
        if column is None:
            report.note(RowProblem(0, "", "", found))
        else:
            report.note(RowProblem(0, column.key, "", found, column.zh))


#: The columns a rejects file adds after the record's (``ERROR_COLUMN``, ``ROW_COLUMN``)
_REJECTS_HEADERS: Final = frozenset(
    fold(name) for c in (ERROR_COLUMN, ROW_COLUMN) for name in (c.key, c.zh)
)
#: A title that gives the numbers below it a unit other than kg and yuan/kg
_UNIT_IN_TITLE: Final = re.compile(r"(?<!公)斤|吨|单位")
#: Headers of a column that would give the unit of other columns' numbers
_UNIT_HEADERS: Final = frozenset({"单位", "计量单位", "unit", "units"})
_PRICE_IN_PAIR: Final = re.compile(r"(?<=[:：=\s])(\d+(?:\.\d+)?)")


def in_library_units(
    cells: Mapping[str, str], scales: Mapping[str, Decimal]
) -> tuple[Mapping[str, str], list[Problem]]:
    """``cells`` with the numbers of the columns in ``scales`` put in the library's unit
    (斤 → kg, 元/斤 → 元/kg, ``14`` under ``水分（%）`` → ``14%``), and the problems of the
    cells that cannot be: a number between 0 and 1 under a % header, which is 16% written as
    a fraction (0.16) or 0.16% — the file must say which (a cell formatted as a percentage
    comes as Excel shows it, ``16%``, and is read so). A cell that is not a number (``无``)
    is left as typed, for its converter to read or name."""
    if not scales:
        return cells, []
    out = dict(cells)
    problems: list[Problem] = []
    for key, factor in scales.items():
        text = unicodedata.normalize("NFKC", out.get(key, "")).strip()
        if not text:
            continue
        if key == "floors":  # 一级:0.90;二级:0.80 — each grade's price
            out[key] = _PRICE_IN_PAIR.sub(functools.partial(_times, factor), text)
            continue
        try:  # read as the column's converter reads it: 1 200 斤 is 600 kg, 6 1.5 is refused
            number = D(text, key)
        except ValidationError:
            continue
        if factor != PERCENT:
            out[key] = str(number * factor)
        elif 0 < number < 1:
            problems.append(Problem(key, "percent_below_one", {"value": text}))
        else:
            out[key] = f"{text}%"
    return out, problems


#: What the first cell of a row of sums says (合计, 总计：, 小计, Total)
_TOTAL_ROW: Final = re.compile(r"(合计|总计|小计|共计|total|sum)[:：]?", re.IGNORECASE)
#: The first characters such a cell can start with (full-width letters too)
_TOTAL_STARTS: Final = frozenset("合总小共TtSsＴｔＳｓ")


def first_filled(cells: Sequence[str]) -> str:
    """A row's first non-blank cell, stripped (``""`` when there is none)."""
    for cell in cells:
        if cell.strip():
            return cell.strip()
    return ""


def is_total_row(cells: Sequence[str]) -> bool:
    """Whether a row is a sheet's row of sums: its first non-blank cell says so."""
    first = first_filled(cells)
    if first[:1] not in _TOTAL_STARTS:  # most rows: a receipt number, a name
        return False
    return _TOTAL_ROW.fullmatch(unicodedata.normalize("NFKC", first)) is not None


def _times(factor: Decimal, number: re.Match[str]) -> str:
    return str(Decimal(number[1]) * factor)


def sheet_names(source: bytes | str | os.PathLike[str]) -> list[str]:
    """The names of an XLSX workbook's sheets, in order (none when it cannot be read)."""
    import io

    import openpyxl  # type: ignore[import-untyped]  # no stubs in the project's deps

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # not a workbook, or a damaged one: its import will say why
        return []
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def fitting_sheet(source: bytes | str | os.PathLike[str], kind: str | None) -> str | None:
    """The sheet of a workbook of several whose header has ``kind``'s columns (any record
    type's, when ``None``), the first such; ``None`` when the workbook has one sheet, or no
    sheet fits (the first is then read, and its header's problems named). A workbook may open
    on a 说明 sheet."""
    names = sheet_names(source)
    if len(names) < 2:
        return None
    for name in names:
        try:
            found = detect_kind(source, format="xlsx", sheet=name)
        except FileError:
            continue
        if kind is None or found == kind:
            return name
    return None


def detect_kind(source: Source, *, format: str | None = None, sheet: str | None = None) -> str:
    """The record type whose columns the file's header has: every required column, and the
    most columns of all the types that qualify. ``FileError`` if none (or two) fit."""
    from orderfarm.io.columns import RECORD_TYPES

    with TableReader(source, format=format, sheet=sheet) as reader:
        header = list(reader.header)
    fits: list[tuple[int, str]] = []
    for rt in RECORD_TYPES.values():
        positions = rt.match_header(header).positions
        if all(c.key in positions for c in rt.columns if c.required):
            fits.append((len(positions), rt.name))
    fits.sort(reverse=True)
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0]):
        found = "、".join(cell for cell in header if cell.strip()) or "—"
        raise FileError([Problem("file", "unknown_kind", {"found": found[:200]})])
    return fits[0][1]
