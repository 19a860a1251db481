"""The Shangzhou 2018 example runs, and prints the report's counts and the 1,800+ yuan figure."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shangzhou_2018.py"


def test_example_prints_the_counts_and_the_artichoke_average() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True, timeout=120
    )
    out = done.stdout
    households = {
        crop: int(n.replace(",", ""))
        for crop, n in re.findall(r"^(\S+) [^:]*: ([\d,]+) households", out, re.MULTILINE)
    }
    assert households["菊芋"] == 3615
    assert households["朝天椒"] == 2671
    averages = re.findall(r"average increase per household: ([\d,]+\.\d\d) yuan", out)
    artichoke = Decimal(averages[0].replace(",", ""))  # artichoke is printed first
    assert Decimal(1800) <= artichoke <= Decimal(2000)
    # the assumptions are printed with the figures
    assert "maize baseline 350 yuan/mu" in out and "market 1.20 yuan/kg" in out
    assert "P10" in out and "光伏收益" in out
