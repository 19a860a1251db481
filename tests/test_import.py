"""The library imports light (no Streamlit, numpy or pandas) and its doctests hold."""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import orderfarm

HEAVY = ("streamlit", "numpy", "pandas")


def test_importing_orderfarm_loads_no_streamlit_numpy_or_pandas() -> None:
    # A script on a clerk's laptop imports the library; the page's stack must not come along.
    code = (
        "import json, sys, orderfarm; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


def test_everything_in_all_is_importable_from_the_package() -> None:
    for name in orderfarm.__all__:
        assert getattr(orderfarm, name) is not None, name


def _modules() -> list[str]:
    # Streamlit pages run on import; they are tested with AppTest, not here.
    return sorted(
        info.name
        for info in pkgutil.walk_packages(orderfarm.__path__, "orderfarm.")
        if not info.name.startswith("orderfarm.web") and info.name != "orderfarm.__main__"
    )


@pytest.mark.parametrize("name", _modules())
def test_doctests_of_each_module_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
