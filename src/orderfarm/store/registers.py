"""What ``verify()`` checks of the registers — enterprises, households, contracts and market
prices: each row is what the last audit entry that wrote it recorded (who is paid, to which
account, under which terms, at which price), and a contract's columns say what its record says.

Every write of a register audits the whole record (``{"record": …}``), so the chain holds each
one's last state. ``Audited`` keeps, while verify walks the chain, a digest of the last record
of each key; ``problems`` then reads each table once. A row whose canonical JSON differs from
its record's is compared as a model too (a migration may have put a stored value right, such as
a name kept without blanks), and only a difference that remains is reported, naming the fields.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from orderfarm.auth import password_seal
from orderfarm.contracts import Contract
from orderfarm.crops import Catalog
from orderfarm.errors import OrderfarmError
from orderfarm.ids import mask_resident_id
from orderfarm.messages import Fields, Named, render
from orderfarm.parties import Enterprise, Household
from orderfarm.serial import structure, unstructure
from orderfarm.store.audit import canonical
from orderfarm.store.records import VerifyProblem

__all__ = ["Audited", "problems"]

#: the actions by which the store writes each register: only their entries are its records
#: (an event a script audits, ``Store.record_event``, is not one, whatever it holds)
WRITERS: Final[Mapping[str, frozenset[str]]] = {
    "enterprise": frozenset({"add_enterprise"}),
    "household": frozenset({"add_household", "update_household"}),
    "contract": frozenset(
        {"add_contract", "sign_contract", "close_contract", "cancel_contract", "terminate_contract"}
    ),
    "market_price": frozenset({"set_market_price"}),
    "user": frozenset({"add_user", "change_user", "set_password"}),
}
#: what the entries of a user say of it, and the field each is named as when it differs
_USER_FIELDS: Final = {"role": "role", "active": "active", "password_seal": "password"}
#: what names a record of each audited register (the table's unique key)
_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "enterprise": ("uscc",),
    "household": ("resident_id",),
    "contract": ("contract_no",),
    "market_price": ("crop", "form", "grade", "day"),
}
#: a contract's columns beside its record, and the field of the record each one copies
_CONTRACT_COLUMNS: Final = (
    ("contract_no", "contract_no"),
    ("uscc", "enterprise_uscc"),
    ("resident_id", "household_id"),
    ("crop", "crop"),
    ("form", "form"),
    ("season", "season"),
    ("area_mu", "area_mu"),
    ("unrecovered", "unrecovered"),
    ("status", "status"),
    ("delivery_start", "delivery_start"),
    ("delivery_end", "delivery_end"),
)
_CONTRACTS: Final = (
    "SELECT c.contract_no, e.uscc, h.resident_id, c.crop, c.form, c.season, c.area_mu, "
    "c.unrecovered, c.status, c.delivery_start, c.delivery_end, c.area_mu4, c.data "
    "FROM contracts c LEFT JOIN enterprises e ON e.id = c.enterprise_id "
    "LEFT JOIN households h ON h.id = c.household_id ORDER BY c.id"
)
_HOUSEHOLDS: Final = (
    "SELECT head_name, resident_id, township, village, grp, phone, members, poverty_status, "
    "account FROM households ORDER BY id"
)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _key(entity: str, record: Mapping[str, Any]) -> str | None:
    parts = [record.get(name) for name in _KEYS[entity]]
    if not all(isinstance(p, str) for p in parts):
        return None
    return "/".join(str(p) for p in parts)


class Audited:
    """The last audited record of each register key, by (entity, key): its entry's ``seq``
    and the digest of its canonical JSON. Fed each entry of the chain in order (``note``)."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], tuple[int, bytes]] = {}
        #: each user's role, whether active and its password's seal, each with the last entry
        #: that said it (an entry written before seals were recorded names no seal, and the
        #: hash is then not compared)
        self.users: dict[str, dict[str, tuple[int, Any]]] = {}

    def note(self, action: str, entity: str, seq: int, payload: object) -> None:
        """Keep the record of entry ``seq`` if it writes a register."""
        if action not in WRITERS.get(entity, ()):
            return
        record = payload.get("record") if isinstance(payload, dict) else None
        if not isinstance(record, dict):
            return
        if entity == "user" and isinstance(record.get("name"), str):
            said = {k: (seq, record[k]) for k in _USER_FIELDS if k in record}
            if said:
                self.users.setdefault(record["name"], {}).update(said)
            return
        if entity not in _KEYS:
            return
        key = _key(entity, record)
        if key is not None:
            self.last[(entity, key)] = (seq, _digest(canonical(record)))


def problems(conn: sqlite3.Connection, audited: Audited, catalog: Catalog) -> list[VerifyProblem]:
    """Every register row that differs from its last audited record, that no entry recorded,
    or whose record has no row any more; and every contract whose columns disagree with its
    record."""
    found: list[VerifyProblem] = []
    seen: set[tuple[str, str]] = set()
    for entity, key, text, model in _rows(conn, found, catalog):
        seen.add((entity, key))
        last = audited.last.get((entity, key))
        if last is None:
            found.append(_problem("verify_register_unrecorded", None, entity, key, catalog))
            continue
        seq, digest = last
        if digest == _digest(text):
            continue
        changed = _changed(conn, entity, seq, model)
        if changed:
            shown = Fields(changed)
            found.append(_problem("verify_register_changed", seq, entity, key, catalog, shown))
    found.extend(_user_problems(conn, audited, catalog))
    for (entity, key), (seq, _) in sorted(audited.last.items(), key=lambda item: item[1][0]):
        if (entity, key) not in seen:
            found.append(_problem("verify_register_gone", seq, entity, key, catalog))
    return found


def _rows(
    conn: sqlite3.Connection, found: list[VerifyProblem], catalog: Catalog
) -> Iterator[tuple[str, str, str, Callable[[], dict[str, Any]]]]:
    """Each register row as (entity, key, canonical JSON of its record, the record as a
    model's plain data, when asked for)."""
    for uscc, name in conn.execute("SELECT uscc, name FROM enterprises ORDER BY id"):
        record = {"name": name, "uscc": uscc}
        yield "enterprise", uscc, canonical(record), _plain(Enterprise, record)
    for values in conn.execute(_HOUSEHOLDS):
        name, rid, township, village, group, phone, members, status, account = values
        record = {
            "account": account,
            "group": group,
            "head_name": name,
            "members": members,
            "phone": phone,
            "poverty_status": status,
            "resident_id": rid,
            "township": township,
            "village": village,
        }
        yield "household", rid, canonical(record), _plain(Household, record)
    for crop, form, grade, day, price in conn.execute(
        "SELECT crop, form, grade, day, price FROM market_prices ORDER BY crop, form, grade, day"
    ):
        record = {"crop": crop, "day": day, "form": form, "grade": grade, "price": price}
        yield "market_price", f"{crop}/{form}/{grade}/{day}", canonical(record), _same(record)
    for row in conn.execute(_CONTRACTS):
        contract_no, data = row[0], row[-1]
        odd = _contract_columns(row, catalog)
        if odd:
            found.append(
                _problem(
                    "verify_contract_columns", None, "contract", contract_no, catalog, Fields(odd)
                )
            )
        yield "contract", contract_no, data, _plain(Contract, data)


def _user_problems(
    conn: sqlite3.Connection, audited: Audited, catalog: Catalog
) -> Iterator[VerifyProblem]:
    """Each user whose role, standing or password hash differs from what its entries said, or
    that none recorded (who may write money is a register too)."""
    users = dict(audited.users)
    rows = conn.execute("SELECT name, role, active, password_hash FROM users ORDER BY id")
    for name, role, active, stored in rows:
        said = users.pop(name, None)
        if said is None:
            yield _problem("verify_register_unrecorded", None, "user", name, catalog)
            continue
        now = {"role": role, "active": bool(active), "password_seal": password_seal(stored)}
        changed = [k for k in _USER_FIELDS if k in said and said[k][1] != now[k]]
        if changed:
            seq = max(said[k][0] for k in changed)
            shown = Fields([_USER_FIELDS[k] for k in changed])
            yield _problem("verify_register_changed", seq, "user", name, catalog, shown)
    for name, said in users.items():
        seq = max(seq for seq, _ in said.values())
        yield _problem("verify_register_gone", seq, "user", name, catalog)


def _plain(cls: type[Any], record: Mapping[str, Any] | str) -> Callable[[], dict[str, Any]]:
    """The record read as a ``cls`` and made plain again (a stored value a migration put
    right reads as its record did); the record itself when it cannot be read."""

    def read() -> dict[str, Any]:
        try:
            data = json.loads(record) if isinstance(record, str) else dict(record)
        except ValueError:
            return {"data": record}
        try:
            plain: dict[str, Any] = unstructure(structure(data, cls))
        except (OrderfarmError, ValueError, TypeError, KeyError):
            return dict(data) if isinstance(data, dict) else {"": data}
        return plain

    return read


def _same(record: Mapping[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: dict(record)


def _changed(
    conn: sqlite3.Connection, entity: str, seq: int, model: Callable[[], dict[str, Any]]
) -> list[str]:
    """The fields in which the row differs from the record of entry ``seq``, read as models."""
    (payload,) = conn.execute("SELECT payload FROM audit WHERE seq = ?", (seq,)).fetchone()
    record = json.loads(payload)["record"]
    cls = {"enterprise": Enterprise, "household": Household, "contract": Contract}.get(entity)
    was = _plain(cls, record)() if cls is not None else dict(record)
    now = model()
    if entity == "market_price":  # the price as a number: 12.0 was written 12.0
        return [] if _number(was.get("price")) == _number(now.get("price")) else ["price"]
    return sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))


def _number(text: object) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _contract_columns(row: tuple[Any, ...], catalog: Catalog) -> list[str]:
    """The fields of a contract row's record that its own columns (or its enterprise's and
    household's keys) do not copy faithfully; the columns hold the catalog's codes of a crop
    and form its record may name (朝天椒 for chilli)."""
    try:
        data = json.loads(row[-1])
    except ValueError:
        return ["data"]
    if not isinstance(data, dict):
        return ["data"]
    try:
        crop = catalog.crop(str(data.get("crop")))
        data = dict(data, crop=crop.code, form=crop.form(str(data.get("form"))).code)
    except OrderfarmError:
        pass  # a crop the catalog does not know: compared as written
    odd = [field for at, (_, field) in enumerate(_CONTRACT_COLUMNS) if row[at] != data.get(field)]
    try:
        tenths = Decimal(str(data.get("area_mu"))) * 10000
    except InvalidOperation:
        tenths = None
    if "area_mu" not in odd and (tenths is None or row[11] != tenths):
        odd.append("area_mu")
    return odd


def _shown(entity: str, key: str, catalog: Catalog) -> str:
    if entity == "household":
        return mask_resident_id(key)
    if entity == "market_price":
        crop_code, form_code, grade, day = key.split("/", 3)
        try:
            crop = catalog.crop(crop_code)
            form = crop.form(form_code).name_zh
            return f"{crop.name_zh} {form} {grade} {day}"
        except OrderfarmError:
            return key
    return key


def _problem(
    code: str,
    seq: int | None,
    entity: str,
    key: str,
    catalog: Catalog,
    fields: Fields | None = None,
) -> VerifyProblem:
    """A problem of the register ``entity``'s record ``key`` (a resident ID masked, a market
    price's crop and form by their names)."""
    shown = _shown(entity, key, catalog)
    params: dict[str, object] = {"kind": Named(entity), "key": shown}
    if seq is not None:
        params["seq"] = seq
    if fields is not None:
        params["fields"] = fields
    # (the entry is sound — the chain check says so of each — the row is not: the problem
    # names the entry but is not one of the chain's, which ``first_bad_seq`` points at)
    return VerifyProblem("registers", render(code, params, "en"), None, code, params)
