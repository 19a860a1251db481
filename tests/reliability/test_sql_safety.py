"""Promise 4 (SQL) — no SQL in the package is built by formatting values into it: every
``execute``/``executemany``/``executescript`` gets constant SQL with ``?``/``:name``
parameters. The only formatted parts allowed are listed in ``ALLOWED`` with the reason."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import orderfarm

PACKAGE = Path(orderfarm.__file__).resolve().parent
EXECUTE = {"execute", "executemany", "executescript"}

#: Expressions that may be formatted into SQL, each an integer or placeholders made by the
#: code itself, never text from a caller or a file.
ALLOWED = {
    # PRAGMAs take no parameters: an int computed from the store's own settings.
    "int(self.busy_timeout * 1000)",
    "int(patience * 1000)",  # a write's shorter wait (``Database.write``), whole ms
    "int(version + 1)",
    "-CACHE_KIB",  # db.py's constant page-cache size in KiB
    # "?, ?, ?" — one placeholder per value of an IN (...) list; the values are parameters.
    "marks",
    # the condition "has a contract in :season (a signed one when :signed)", constant SQL
    # written once in store.py (``_under_contract``) and put into each household search
    "_HS",
    "_H",
}


def _formatted_parts(
    node: ast.expr, assigned: dict[str, list[ast.expr]], depth: int = 0
) -> Iterator[ast.AST]:
    """The non-constant pieces formatted into the SQL text ``node``."""
    if depth > 5:
        return
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                yield value.value
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        yield node  # "..." % values
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for side in (node.left, node.right):
            if isinstance(side, ast.Name) and side.id not in assigned:
                yield side  # a parameter or a name from elsewhere glued onto SQL
            else:
                yield from _formatted_parts(side, assigned, depth + 1)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        # "... IN ({marks})".format(marks=marks): each value formatted in is checked
        yield from node.args
        yield from (keyword.value for keyword in node.keywords)
    elif isinstance(node, ast.Name):
        for value in assigned.get(node.id, []):
            yield from _formatted_parts(value, assigned, depth + 1)


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
        ):
            found.setdefault(node.target.id, []).append(node.value)
    return found


def sql_built_by_formatting(source: str) -> list[tuple[int, str]]:
    """(line, expression) of each value formatted into SQL passed to execute*()."""
    tree = ast.parse(source)
    module_names = _assignments(tree)
    problems: list[tuple[int, str]] = []
    scopes: list[ast.AST] = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for scope in scopes:
        assigned = {**module_names, **_assignments(scope)}
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in EXECUTE
                and node.args
            ):
                for part in _formatted_parts(node.args[0], assigned):
                    text = ast.unparse(part)
                    if text not in ALLOWED:
                        problems.append((node.lineno, text))
    return sorted(set(problems))


def test_no_sql_in_the_package_is_built_by_formatting_values() -> None:
    found = {
        f"{path.relative_to(PACKAGE)}:{line}: {text}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in sql_built_by_formatting(path.read_text(encoding="utf-8"))
    }
    assert not found, "SQL built by formatting values:\n" + "\n".join(sorted(found))


def test_the_scanner_finds_formatted_sql() -> None:
    """The check itself: each way of formatting a value into SQL is caught."""
    bad = """
def f(conn, name, table):
    conn.execute(f"SELECT * FROM households WHERE head_name = '{name}'")
    conn.execute("SELECT * FROM %s" % table)
    conn.execute("SELECT * FROM {}".format(table))
    sql = "DELETE FROM " + table
    conn.execute(sql)
    query = f"SELECT {name}"
    conn.executemany(query, [])
def g(conn, n):
    marks = ", ".join("?" * n)
    conn.execute(f"SELECT 1 WHERE x IN ({marks})", [1] * n)
    conn.execute("SELECT ? ", (n,))
"""
    lines = [line for line, _ in sql_built_by_formatting(bad)]
    assert lines == [3, 4, 5, 7, 9], lines
