"""The examples a clerk or analyst copies run as shipped (on a demo season)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_day_slips_prints_receipts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = _load("import_day_slips")
    monkeypatch.setattr(
        module, "tempfile", SimpleNamespace(mkdtemp=lambda prefix="": str(tmp_path))
    )
    assert module.main([]) == 0
    out = capsys.readouterr().out
    assert "receipts for 80 mm paper" in out
    page = (tmp_path / "receipts.html").read_text(encoding="utf-8")
    assert page.count('<div class="receipt">') >= 1 and "计价说明" in page


def test_settle_season_writes_the_bank_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = _load("settle_season")
    monkeypatch.setattr(
        module, "tempfile", SimpleNamespace(mkdtemp=lambda prefix="": str(tmp_path))
    )
    assert module.main([]) == 0
    assert "still to pay" in capsys.readouterr().out
    assert (tmp_path / "银行代发清单2018.xlsx").exists()
    assert (tmp_path / "年度结算2018.xlsx").exists()
