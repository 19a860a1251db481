"""Records → table rows in the same columns the importers read, so an export imports back
unchanged, written in Chinese or in English (its words: statuses, charges, crops as codes);
personal numbers masked unless ``full=True``.

The store-backed exports (statements, settlement, bank list, reports, audit log) are in
``orderfarm.io.exports``; this module holds what needs no store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Final, TypeVar

from orderfarm.contracts import Contract
from orderfarm.crops import Catalog, default_catalog
from orderfarm.errors import ValidationError
from orderfarm.ids import is_valid_resident_id, mask_account, mask_resident_id
from orderfarm.io.columns import Kind, RecordType, record_type
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.io.rows import CARRY_ZH, CHARGE_SHORT_ZH, Record, format_floors, format_inputs
from orderfarm.io.writers import Bilingual, Cell, Table
from orderfarm.parties import Enterprise, Household

#: a number standing alone in free text, its groups of 3 or more digits maybe apart by a
#: space or a dash (611002 19610315 557X, 183-9502-8326, 6217 0000 1234 5678), with a
#: resident ID's check character: not part of a word, a decimal or a longer number
_NUMBER_IN_TEXT: Final = re.compile(
    r"(?<![0-9A-Za-z.])\d{3,}(?:[ \u3000-]\d{3,})*[Xx]?(?![0-9A-Za-z]|\.\d)"
)
#: what ``_NUMBER_IN_TEXT`` may hold between its groups
_GROUPING: Final = str.maketrans("", "", " \u3000-")
#: a mainland mobile number (11 digits, 13… to 19…)
_MOBILE: Final = re.compile(r"1[3-9]\d{9}")
#: a telephone number with its area code (0914 2345678, 029-88881234)
_LANDLINE: Final = re.compile(r"0\d{9,11}")
#: a bank account (一卡通, bank card): 12 to 19 digits
_ACCOUNT: Final = re.compile(r"\d{12,19}X?")
#: the value of a JSON ``account`` or ``phone`` (an audit entry's record of a household)
_PERSONAL_IN_JSON: Final = re.compile(r'("(?:account|phone)":")([^"]*)(")')


def mask(value: str, personal: str) -> str:
    """``value`` masked as a resident ID (first 6 + last 4), or as an account or a phone (last
    4, as the page shows them to a role that may not see personal numbers)."""
    if not value or not personal:
        return value
    return mask_resident_id(value) if personal == "id" else mask_account(value)


def mask_text(text: str) -> str:
    """Free text with the resident IDs, account numbers and phone numbers in it masked, typed
    whole or in groups (``611002 19610315 557X``, ``183-9502-8326``), and the values of JSON
    ``account`` and ``phone`` keys."""
    text = _PERSONAL_IN_JSON.sub(lambda m: m[1] + mask_account(m[2]) + m[3], text)
    return _NUMBER_IN_TEXT.sub(_mask_number, text)


def _mask_number(found: re.Match[str]) -> str:
    """A number found in free text masked as what it is: a resident ID (first 6 + last 4),
    an account or a phone (last 4); another number (a date, an amount) as it is."""
    text = found[0]
    if len(text) < 10:  # most numbers of a text (amounts, days, years) are shorter than any
        return text
    number = unicodedata.normalize("NFKC", text).translate(_GROUPING).upper()
    if len(number) == 18 and is_valid_resident_id(number):
        return mask_resident_id(number)
    if any(kind.fullmatch(number) for kind in (_MOBILE, _LANDLINE, _ACCOUNT)):
        return mask_account(number)
    return text


T = TypeVar("T")


#: a rule the terms do not have (read back as none, where a blank cell would take the crop
#: form's default)
_NONE: Final = Bilingual("无", "none")


def _or_none(value: T) -> T | Bilingual:
    """``value``, or ``无`` (``none``) for a rule the terms do not have."""
    return _NONE if value is None else value


def _names(catalog: Catalog, crop: str, form: str) -> tuple[Cell, Cell]:
    """A crop and its form by their Chinese names, or their codes in English (what an import
    reads back: an English name of a form is not one)."""
    try:
        entry = catalog.crop(crop)
        product = entry.form(form)
    except ValidationError:
        return crop, form
    return Bilingual(entry.name_zh, entry.code), Bilingual(product.name_zh, product.code)


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
            "poverty_status": Bilingual(record.poverty_status.value, record.poverty_status.en),
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
            "floors": format_floors(terms.floors, terms.grades),
            "market_linked": terms.market_linked,
            "premium": terms.premium,
            "ceiling": terms.ceiling,
            # none written as 无: a blank cell is read back as the crop form's default
            "moisture_standard": _or_none(terms.moisture_standard),
            "moisture_max": _or_none(terms.moisture_max),
            "quota_kg": terms.quota_kg,
            "grades": Bilingual("、".join(terms.grades), ", ".join(terms.grades)),
            "delivery_start": _or_none(record.delivery_start),
            "delivery_end": _or_none(record.delivery_end),
            "unrecovered": Bilingual(CARRY_ZH[record.unrecovered], record.unrecovered.value),
            "status": Bilingual(record.status.zh, record.status.value),
            "signed_on": record.signed_on,
            "end_reason": record.end_reason,
            "inputs": Bilingual(format_inputs(record.inputs), format_inputs(record.inputs, "en")),
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
            "charge": Bilingual(CHARGE_SHORT_ZH[supply.charge], supply.charge.value),
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
    """A table of ``records`` under the record type's columns; IDs, accounts and phones masked
    unless ``full``, and the IDs and mobile numbers written in free text (a payment's note)
    (a masked export is for reading: it cannot be imported back)."""
    rt = kind if isinstance(kind, RecordType) else record_type(kind)
    catalog = catalog or default_catalog()

    def rows() -> Iterator[list[Cell]]:
        for record in records:
            cells = record_cells(record, catalog)
            row: list[Cell] = []
            for column in rt.columns:
                value = cells.get(column.key)
                if not full and isinstance(value, str):
                    if column.personal:
                        value = mask(value, column.personal)
                    elif column.kind is Kind.TEXT:
                        value = mask_text(value)
                row.append(value)
            yield row

    return Table(Bilingual(rt.zh, rt.name), rt.columns, rows())


def template_table(kind: RecordType | str) -> Table:
    """An empty file of ``kind``'s columns (headers only), for staff to fill in and import;
    its sheet named, as its headers are, in the file's language."""
    return records_table(kind, ())
