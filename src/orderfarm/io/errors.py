"""Problems found in a file: whole-file problems and problems of one cell of one row."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from orderfarm.errors import Problem, ValidationError
from orderfarm.messages import Lang, field_label, render


@attrs.frozen
class RowProblem:
    """One problem of one cell (or of the whole row when ``column`` is empty) of a file.

    ``row`` is the spreadsheet row number (the header is row 1); 0 means the whole file.
    """

    row: int
    column: str
    value: str
    problem: Problem
    #: the column's Chinese header, when known, for Chinese messages
    column_zh: str = ""

    @property
    def code(self) -> str:
        """The problem's code in the message catalogue."""
        return self.problem.code

    def reason(self, lang: Lang = "zh") -> str:
        """Why the cell is wrong, without its place."""
        return render(self.problem.code, self.problem.params, lang)

    def place(self, lang: Lang = "zh") -> str:
        """Where: ``第 3 行「毛重（公斤）」`` / ``row 3, gross_kg``."""
        if not self.row:
            return "文件" if lang == "zh" else "file"
        if lang == "zh":
            name = (self.column_zh or field_label(self.column, "zh")) if self.column else ""
            return f"第 {self.row} 行「{name}」" if name else f"第 {self.row} 行"
        return f"row {self.row}, {self.column}" if self.column else f"row {self.row}"

    def message(self, lang: Lang = "zh") -> str:
        """Place, value and reason in one sentence."""
        if not self.row:
            return self.reason(lang)
        shown = self.value if len(self.value) <= 40 else self.value[:37] + "…"
        if lang == "zh":
            value = f"（值「{shown}」）" if self.value else ""
            return f"{self.place('zh')}{value}：{self.reason('zh')}"
        value = f" ({shown!r})" if self.value else ""
        return f"{self.place('en')}{value}: {self.reason('en')}"

    def __str__(self) -> str:
        return self.message("en")


class FileError(ValidationError):
    """A file that cannot be imported as a whole (empty, garbled, truncated, a column missing).

    ``problems`` are ``Problem`` values with field ``file`` or the column concerned.
    """


def file_error(code: str, field: str = "file", **params: object) -> FileError:
    """A ``FileError`` with one problem."""
    return FileError([Problem(field, code, params)])


class ImportRefused(ValidationError):
    """A commit refused because rows are invalid; ``rows`` lists each problem with its place."""

    def __init__(self, rows: Iterable[RowProblem]) -> None:
        self.rows: tuple[RowProblem, ...] = tuple(rows)
        super().__init__(r.problem for r in self.rows)
