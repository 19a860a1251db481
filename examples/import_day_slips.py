"""Import a day's weighing slips from a purchase point's spreadsheet and print the receipts.

    python examples/import_day_slips.py SEASON.db SLIPS.xlsx|SLIPS.csv [RECEIPTS.html]

The file needs the columns 小票号, 合同编号, 日期, 毛重（公斤）, 皮重（公斤）, 等级 (and may have
水分, 杂质, 收购点), in Chinese or English (receipt_no, contract_no, day, gross_kg, tare_kg,
grade…), as CSV (UTF-8 or GBK, as Excel saves it) or XLSX. Every row is checked first; if one
is wrong nothing is written and each problem is printed with its row and column. Run without
arguments, it builds a small demo season and a sample spreadsheet to show the steps.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import attrs

from orderfarm.cli import build_demo_file
from orderfarm.io.exporting import records_table
from orderfarm.io.exports import store_records
from orderfarm.io.loading import import_file
from orderfarm.io.readers import open_table
from orderfarm.io.records import SlipRecord
from orderfarm.io.writers import write_xlsx
from orderfarm.printables import receipt_body, receipts_html
from orderfarm.store import Store


def sample(folder: Path) -> tuple[Path, Path]:
    """A demo season, and a spreadsheet of the slips of its busiest day, as new receipts."""
    db = folder / "season.db"
    build_demo_file(db, seed=2018, households=30)
    with Store.open(db) as store:
        slips = [s for s in store_records(store, "slips") if isinstance(s, SlipRecord)]
    days = [s.day for s in slips]
    busiest = max(set(days), key=days.count)
    day_slips = [
        attrs.evolve(s, receipt_no="NEW-" + s.receipt_no) for s in slips if s.day == busiest
    ]
    sheet = folder / f"slips-{busiest}.xlsx"
    write_xlsx(records_table("slips", day_slips), sheet)
    return db, sheet


def main(argv: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="orderfarm-"))
    if len(argv) >= 2:
        db, sheet = Path(argv[0]), Path(argv[1])
    else:
        db, sheet = sample(folder)
        print(f"demo season {db}, sample slips {sheet}")
    out = Path(argv[2]) if len(argv) >= 3 else folder / "receipts.html"

    with Store.open(db) as store:
        report = import_file(
            store, sheet, "slips", commit=True, today=dt.date.today(), actor="收购点"
        )
        print(report.summary("zh"))
        for line in report.messages("zh"):
            print("  " + line)
        if not report.ok:
            print("nothing was written: fix the rows above and run again")
            return 1

        # one receipt per slip of the file, in file order, with the reason for its price
        with open_table(sheet) as table:
            header = [h.strip() for h in table.header]
            receipt = next(i for i, h in enumerate(header) if h in ("小票号", "receipt_no"))
            number = next(i for i, h in enumerate(header) if h in ("合同编号", "contract_no"))
            keys = [(row.cells[receipt], row.cells[number]) for row in table.rows()]
        bodies = []
        for receipt_no, contract_no in keys:
            contract = store.contract(contract_no)
            delivery = store.find_delivery(contract.enterprise_uscc, contract.season, receipt_no)
            assert delivery is not None
            bodies.append(
                receipt_body(
                    delivery.quote,
                    receipt_no=delivery.receipt_no,
                    day=delivery.day,
                    household=store.household(delivery.household_id),
                    enterprise=store.enterprise(delivery.enterprise_uscc),
                    contract=contract,
                    purchase_point=delivery.purchase_point,
                )
            )
    out.write_text(receipts_html(bodies), encoding="utf-8")
    print(f"{len(bodies)} receipts for 80 mm paper: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
