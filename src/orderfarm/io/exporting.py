"""Records → table rows in the same columns the importers read, so an export imports back
unchanged; personal numbers masked unless ``full=True``.

The store-backed exports (statements, settlement, bank list, reports, audit log) are in
``orderfarm.io.exports``; this module holds what needs no store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from orderfarm.contracts import Contract
from orderfarm.crops import Catalog, default_catalog
from orderfarm.errors import ValidationError
from orderfarm.ids import mask_account, mask_resident_id
from orderfarm.io.columns import RecordType, record_type
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.io.rows import CARRY_ZH, CHARGE_SHORT_ZH, Record, format_floors, format_inputs
from orderfarm.io.writers import Cell, Table
from orderfarm.parties import Enterprise, Household


def mask(value: str, personal: str) -> str:
    """``value`` masked as a resident ID (first 6 + last 4) or an account (last 4)."""
    if not value or not personal:
        return value
    return mask_resident_id(value) if personal == "id" else mask_account(value)


def _names(catalog: Catalog, crop: str, form: str) -> tuple[str, str]:
    try:
        entry = catalog.crop(crop)
        return entry.name_zh, entry.form(form).name_zh
    except ValidationError:
        return crop, form


def record_cells(record: Record, catalog: Catalog) -> dict[str, Cell]:
    """A record's cells by column key, unmasked."""
    if isinstance(record, Household):
        return {
            "head_name": record.head_name,
            "resident_id": record.resident_id,
            "township": record.township,
            "village": record.village,
            "group": record.group,
            "phone": record.phone,
            "members": record.members,
            "poverty_status": record.poverty_status.value,
            "account": record.account,
        }
    if isinstance(record, Enterprise):
        return {"name": record.name, "uscc": record.uscc}
    if isinstance(record, Contract):
        terms = record.terms
        crop, form = _names(catalog, record.crop, record.form)
        return {
            "contract_no": record.contract_no,
            "enterprise_uscc": record.enterprise_uscc,
            "household_id": record.household_id,
            "crop": crop,
            "form": form,
            "season": record.season,
            "area_mu": record.area_mu,
            "floors": format_floors(terms.floors),
            "market_linked": terms.market_linked,
            "premium": terms.premium,
            "ceiling": terms.ceiling,
            "moisture_standard": terms.moisture_standard,
            "moisture_max": terms.moisture_max,
            "quota_kg": terms.quota_kg,
            "grades": "、".join(terms.grades),
            "delivery_start": record.delivery_start,
            "delivery_end": record.delivery_end,
            "unrecovered": CARRY_ZH[record.unrecovered],
            "status": record.status.zh,
            "signed_on": record.signed_on,
            "end_reason": record.end_reason,
            "inputs": format_inputs(record.inputs),
        }
    if isinstance(record, MarketPriceRecord):
        crop, form = _names(catalog, record.crop, record.form)
        return {
            "crop": crop,
            "form": form,
            "grade": record.grade,
            "day": record.day,
            "price": record.price,
        }
    if isinstance(record, SlipRecord):
        weighing = record.weighing
        return {
            "receipt_no": record.receipt_no,
            "contract_no": record.contract_no,
            "day": record.day,
            "gross_kg": weighing.gross_kg,
            "tare_kg": weighing.tare_kg,
            "grade": weighing.grade,
            "moisture": weighing.moisture,
            "impurity": weighing.impurity,
            "purchase_point": record.purchase_point,
        }
    if isinstance(record, SupplyRecord):
        supply = record.supply
        return {
            "supply_no": record.supply_no,
            "contract_no": record.contract_no,
            "day": record.day,
            "item": supply.item,
            "quantity": supply.quantity,
            "unit": supply.unit,
            "unit_cost": supply.unit_cost,
            "charge": CHARGE_SHORT_ZH[supply.charge],
        }
    if isinstance(record, PaymentRecord):
        return {
            "reference": record.reference,
            "household_id": record.household_id,
            "season": record.season,
            "day": record.day,
            "amount": record.amount,
            "note": record.note,
        }
    raise TypeError(type(record).__name__)  # pragma: no cover


def records_table(
    kind: RecordType | str,
    records: Iterable[Record],
    *,
    full: bool = False,
    catalog: Catalog | None = None,
) -> Table:
    """A table of ``records`` under the record type's columns; IDs and accounts masked unless
    ``full`` (a masked export is for reading: it cannot be imported back)."""
    rt = kind if isinstance(kind, RecordType) else record_type(kind)
    catalog = catalog or default_catalog()

    def rows() -> Iterator[list[Cell]]:
        for record in records:
            cells = record_cells(record, catalog)
            row: list[Cell] = []
            for column in rt.columns:
                value = cells.get(column.key)
                if column.personal and not full and isinstance(value, str):
                    value = mask(value, column.personal)
                row.append(value)
            yield row

    return Table(rt.zh, rt.columns, rows())


def template_table(kind: RecordType | str) -> Table:
    """An empty file of ``kind``'s columns (headers only), for staff to fill in and import."""
    return records_table(kind, ())
