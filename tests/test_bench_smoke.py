"""The benchmarks (bench/run.py) at a tiny size: each produces its figures. Whether the
targets are met is for ``python bench/run.py --scale full``, not for the suite."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("orderfarm_bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _figures(bench: ModuleType, tmp_path: Path, *only: str) -> list[object]:
    lines: list[str] = []
    result = bench.run("tiny", list(only), repeat=1, work=tmp_path, log=lines.append)
    assert lines[0].startswith("orderfarm benchmarks, scale tiny")
    for figure in result.figures:
        assert figure.library > 0 and figure.baseline > 0, figure
        assert math.isfinite(figure.ratio), figure
        assert figure.line(checked=False) in lines
    return list(result.figures)


def test_store_benchmarks_give_figures(bench: ModuleType, tmp_path: Path) -> None:
    names = ["import", "floor", "settle", "report", "verify", "peer", "simulate"]
    figures = _figures(bench, tmp_path, *names)
    assert [f.bench for f in figures] == ["import", "floor", "floor", "floor", *names[2:]]
    floors = figures[1:4]
    assert [f.what.split(" rows ")[1].split(" and ")[0] for f in floors] == [
        "copied in SQLite",
        "bound from Python",
        "(17 columns) bound from Python",
    ]
    assert all(f.target is None and f.ok for f in floors)  # reported, never a missed target


def test_memory_and_growth_measure_child_imports(bench: ModuleType, tmp_path: Path) -> None:
    figures = _figures(bench, tmp_path, "memory", "growth")
    assert [f.bench for f in figures] == ["memory", "growth", "growth"]
    assert figures[0].unit == "MB" and 10 < figures[0].library < 1000


def test_page_benchmark_times_each_page(bench: ModuleType, tmp_path: Path) -> None:
    figures = _figures(bench, tmp_path, "page")
    names = [f.what.split(":")[0] for f in figures]
    assert names[1:] == ["dashboard", "households", "search"]
    assert names[0] == "login + dashboard, first view after a write"


def test_the_generated_ids_are_valid(bench: ModuleType) -> None:
    from orderfarm.ids import is_valid_resident_id, is_valid_uscc

    county = sys.modules["county"]
    assert all(is_valid_resident_id(county.resident_id(i)) for i in (0, 12999, 13000, 99999))
    assert all(is_valid_uscc(county.uscc(i)) for i in range(3))
    assert len({county.resident_id(i) for i in range(20000)}) == 20000
