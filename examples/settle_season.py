"""Settle a season and write the bank payment list.

    python examples/settle_season.py SEASON.db 2018 [OUT_FOLDER] [--full]

Prints the season's totals by township, writes the settlement (年度结算.xlsx) and the bank list
(银行代发清单.xlsx: household, ID, account and amount to pay). IDs and accounts are masked unless
``--full`` is given; a full list is what the bank needs, and writing one is recorded in the
audit log under the name in ``$USER``. Run without arguments, it uses a demo season.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from orderfarm.cli import build_demo_file
from orderfarm.io.exports import export_table
from orderfarm.io.writers import write_table
from orderfarm.store import Store


def main(argv: list[str]) -> int:
    full = "--full" in argv
    args = [a for a in argv if a != "--full"]
    if len(args) >= 2:
        db, season = Path(args[0]), int(args[1])
    else:
        db, season = Path(tempfile.mkdtemp(prefix="orderfarm-")) / "season.db", 2018
        build_demo_file(db, seed=2018, households=60)
        print(f"demo season: {db}")
    out = Path(args[2]) if len(args) >= 3 else db.parent
    out.mkdir(parents=True, exist_ok=True)
    actor = os.environ.get("USER", "script")

    with Store.open(db) as store:
        settled = store.settle(season)
        by_town: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
        for s in settled:
            sums = by_town[s.township]
            for i, value in enumerate(
                (s.totals.proceeds, s.totals.recovered, s.totals.paid, s.totals.balance)
            ):
                sums[i] += value
        print(f"{'镇/街道办':<8}{'收购款':>14}{'扣回垫付':>12}{'已付':>14}{'待付':>14}")
        for town, (proceeds, recovered, paid, balance) in sorted(by_town.items()):
            print(f"{town:<8}{proceeds:>16,.2f}{recovered:>14,.2f}{paid:>16,.2f}{balance:>16,.2f}")
        total = sum((s.totals.balance for s in settled), Decimal(0))
        print(f"{len(settled)} households, {total:,.2f} yuan still to pay")

        settlement = write_table(
            export_table(store, "settlement", season=season), out / f"年度结算{season}.xlsx"
        )
        bank = write_table(
            export_table(store, "bank", season=season, full=full, actor=actor),
            out / f"银行代发清单{season}.xlsx",
        )
    print(f"settlement: {settlement}")
    print(f"bank list ({'full IDs, audited' if full else 'masked'}): {bank}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
