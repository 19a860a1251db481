"""Exports from a store: every record type (in the importers' columns), statements, season
settlement, the bank payment list, reports and the audit log — as ``Table`` values to write
with ``write_table`` (CSV with BOM or XLSX), in Chinese or in English: headers, sheet names
and the words in cells all in the file's language.

Resident IDs, accounts and phones are masked (first 6 + last 4 of an ID, last 4 of an account
or a phone), in their columns and in free text, unless ``full=True``; a full export is written
to the store's audit log (who, what, when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Final

from orderfarm.crops import Catalog
from orderfarm.errors import ValidationError
from orderfarm.ids import mask_account, mask_resident_id
from orderfarm.io.columns import Column, Kind, RecordType, record_type
from orderfarm.io.exporting import mask_text, records_table
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord
from orderfarm.io.rows import Record
from orderfarm.io.writers import Bilingual, Cell, Table
from orderfarm.messages import LINE_NAMES
from orderfarm.money import D
from orderfarm.settlement import LineKind, StatementLine
from orderfarm.store import DEFAULT_ACTOR, ReportRow, Store

#: What ``export_table`` can export, with the Chinese name.
EXPORTS: Final = {
    "households": "农户",
    "enterprises": "订单企业",
    "contracts": "订单收购合同",
    "market_prices": "市场价",
    "slips": "收购小票",
    "supplies": "投入品配发",
    "payments": "付款",
    "statements": "对账单明细",
    "settlement": "年度结算",
    "bank": "银行代发清单",
    "report": "收购统计",
    "audit": "审计日志",
}


def _c(key: str, zh: str, kind: Kind = Kind.TEXT, personal: str = "") -> Column:
    return Column(key, zh, kind, False, (), personal)


def sheet_name(what: str, season: int | None = None) -> Bilingual:
    """The sheet of the export ``what``, named as the files page names it (年度结算2018,
    ``settlement 2018``)."""
    zh, en = EXPORTS.get(what, what), what
    return Bilingual(zh, en) if season is None else Bilingual(f"{zh}{season}", f"{en} {season}")


STATEMENT_COLUMNS: Final = (
    _c("head_name", "户主姓名"),
    _c("resident_id", "身份证号", Kind.ID, "id"),
    _c("township", "镇/街道办"),
    _c("village", "村"),
    _c("season", "年度", Kind.INT),
    _c("line", "类别"),
    _c("record_id", "记录号", Kind.INT),
    _c("reference", "单号", Kind.ID),
    _c("contract_no", "合同编号", Kind.ID),
    _c("day", "日期", Kind.DATE),
    _c("description", "摘要"),
    _c("amount", "金额（元）", Kind.MONEY),
)
SETTLEMENT_COLUMNS: Final = (
    _c("head_name", "户主姓名"),
    _c("resident_id", "身份证号", Kind.ID, "id"),
    _c("township", "镇/街道办"),
    _c("village", "村"),
    _c("season", "年度", Kind.INT),
    _c("proceeds", "收购款（元）", Kind.MONEY),
    _c("carried_in", "上季结转（元）", Kind.MONEY),
    _c("advances", "本季垫付（元）", Kind.MONEY),
    _c("recovered", "扣回（元）", Kind.MONEY),
    _c("carried_out", "结转下季（元）", Kind.MONEY),
    _c("waived", "核销（元）", Kind.MONEY),
    _c("payable", "应付（元）", Kind.MONEY),
    _c("paid", "已付（元）", Kind.MONEY),
    _c("balance", "余额（元）", Kind.MONEY),
)
BANK_COLUMNS: Final = (
    _c("no", "序号", Kind.INT),
    _c("head_name", "户主姓名"),
    _c("resident_id", "身份证号", Kind.ID, "id"),
    _c("account", "一卡通账号", Kind.ID, "account"),
    _c("amount", "金额（元）", Kind.MONEY),
    _c("township", "镇/街道办"),
    _c("village", "村"),
    _c("note", "备注"),
)
#: What a report may be grouped by, each with its column's name in the report
REPORT_KEYS: Final = {
    "township": "镇/街道办",
    "village": "村",
    "crop": "作物",
    "enterprise": "订单企业",
}
_REPORT_VALUES: Final = (
    _c("households", "签约户数", Kind.INT),
    _c("poor_households", "其中建档立卡户", Kind.INT),
    _c("area_mu", "面积（亩）", Kind.DECIMAL),
    _c("delivered_kg", "交售量（公斤）", Kind.KG),
    _c("proceeds", "收购款（元）", Kind.MONEY),
    _c("recovered", "扣回（元）", Kind.MONEY),
    _c("paid", "已付（元）", Kind.MONEY),
    _c("balance", "未付余额（元）", Kind.MONEY),
)
#: 督察抽查核对表: a sampled household's slips, with columns left empty for the inspector
INSPECTION_COLUMNS: Final = (
    _c("head_name", "户主姓名"),
    _c("place", "镇村"),
    _c("resident_id", "身份证号", Kind.ID),
    _c("receipt_no", "小票号", Kind.ID),
    _c("day", "日期", Kind.DATE),
    _c("purchase_point", "收购点"),
    _c("grade", "等级"),
    _c("gross_kg", "毛重（公斤）", Kind.DECIMAL),
    _c("tare_kg", "皮重（公斤）", Kind.DECIMAL),
    _c("moisture", "水分", Kind.RATE),
    _c("impurity", "杂质", Kind.RATE),
    _c("net_kg", "净重（公斤）", Kind.KG),
    _c("amount", "金额（元）", Kind.MONEY),
    _c("rejected", "拒收", Kind.BOOL),
    _c("voided", "已作废", Kind.BOOL),
    _c("void_reason", "作废原因"),
    _c("checked", "核对结果"),
    _c("remark", "备注"),
)
AUDIT_COLUMNS: Final = (
    _c("seq", "序号", Kind.INT),
    _c("at", "时间", Kind.ID),
    _c("actor", "操作人"),
    _c("action", "操作"),
    _c("entity", "对象"),
    _c("ref", "编号", Kind.ID),
    _c("payload", "内容"),
    _c("prev_hash", "前一条哈希", Kind.ID),
    _c("hash", "哈希", Kind.ID),
)


def store_records(store: Store, kind: RecordType | str, season: int | None = None) -> list[Record]:
    """The records of one type in the store, as the importers produce them (voided money
    records left out), in the order they were recorded."""
    rt = kind if isinstance(kind, RecordType) else record_type(kind)
    name = rt.name
    if name == "households":
        return list(store.households())
    if name == "enterprises":
        return list(store.enterprises())
    if name == "contracts":
        return list(store.contracts(season=season))
    if name == "market_prices":
        return list(market_prices(store, season))
    if name == "slips":
        return [
            SlipRecord(d.receipt_no, d.contract_no, d.day, d.weighing, d.purchase_point)
            for d in store.deliveries(season=season, include_voided=False)
        ]
    if name == "supplies":
        return [
            SupplyRecord(r.reference, r.contract_no, r.day, r.supply)
            for r in store.input_records(season=season)
            if not r.voided
        ]
    if name == "payments":
        return [
            PaymentRecord(p.reference, p.household_id, p.season, p.day, p.amount, p.note)
            for p in store.payments(season=season)
            if not p.voided
        ]
    raise KeyError(name)  # pragma: no cover


def market_prices(store: Store, season: int | None = None) -> Iterator[MarketPriceRecord]:
    """Every market price in force, from the audit entries that set them (the store has no
    listing of prices yet), by crop, form, grade and day. ``season`` keeps the days of that
    year and the next (delivery windows run into the next year)."""
    latest: dict[tuple[str, str, str, str], str] = {}
    for entry in store.audit_log():
        if entry.action != "set_market_price":
            continue
        record = entry.data().get("record", {})
        key = (record["crop"], record["form"], record["grade"], record["day"])
        latest[key] = record["price"]
    for (crop, form, grade, day), price in sorted(latest.items()):
        year = int(day[:4])
        if season is not None and year not in (season, season + 1):
            continue
        yield MarketPriceRecord(crop, form, grade, dt.date.fromisoformat(day), D(price))


def statements_table(store: Store, season: int, *, full: bool = False) -> Table:
    """Every line of every household's statement for ``season`` (对账单明细); its 类别 and
    摘要 are written in the file's language."""
    kinds = {kind: Bilingual(LINE_NAMES[kind.value]["zh"], LINE_NAMES[kind.value]["en"])
             for kind in LineKind}  # fmt: skip

    def described(line: StatementLine) -> Bilingual:
        zh, en = line.description_in("zh"), line.description_in("en")
        return Bilingual(zh, en) if full else Bilingual(mask_text(zh), mask_text(en))

    def rows() -> Iterator[list[Cell]]:
        for settled in store.settle(season):
            statement = store.statement(settled.household_id, season)
            rid = settled.household_id if full else mask_resident_id(settled.household_id)
            for line in statement.lines:
                yield [
                    settled.head_name,
                    rid,
                    settled.township,
                    settled.village,
                    season,
                    kinds[line.kind],
                    line.record_id,
                    line.reference,
                    line.contract_no,
                    line.day,
                    described(line),
                    line.amount,
                ]

    return Table(sheet_name("statements", season), STATEMENT_COLUMNS, rows())


def settlement_table(store: Store, season: int, *, full: bool = False) -> Table:
    """Each household's settled season: proceeds, advances, recovered, payable, paid, balance."""

    def rows() -> Iterator[list[Cell]]:
        for s in store.settle(season):
            t = s.totals
            yield [
                s.head_name,
                s.household_id if full else mask_resident_id(s.household_id),
                s.township,
                s.village,
                season,
                t.proceeds,
                t.carried_in,
                t.advances,
                t.recovered,
                t.carried_out,
                t.waived,
                t.payable,
                t.paid,
                t.balance,
            ]

    return Table(sheet_name("settlement", season), SETTLEMENT_COLUMNS, rows())


#: the bank list's note of a household without an account
_CASH: Final = Bilingual("无一卡通账号，现金支付", "no account: paid in cash")


def bank_table(store: Store, season: int, *, full: bool = False) -> Table:
    """The bank payment list (银行代发清单): each household with a balance to pay, its ID and
    account (masked unless ``full``) and the amount. A household without an account is listed
    with a note, to be paid in cash."""
    homes = {h.resident_id: h for h in store.households()}

    def rows() -> Iterator[list[Cell]]:
        number = 0
        for s in store.settle(season):
            if s.totals.balance <= 0:
                continue
            number += 1
            home = homes.get(s.household_id)
            account = home.account if home is not None else ""
            yield [
                number,
                s.head_name,
                s.household_id if full else mask_resident_id(s.household_id),
                account if full or not account else mask_account(account),
                s.totals.balance,
                s.township,
                s.village,
                "" if account else _CASH,
            ]

    return Table(sheet_name("bank", season), BANK_COLUMNS, rows())


def report_table(
    store: Store,
    season: int,
    by: Sequence[str] = ("township", "crop"),
    *,
    catalog: Catalog | None = None,
) -> Table:
    """The season report grouped ``by`` township, village, crop and/or enterprise."""
    catalog = catalog or store.catalog
    keys = tuple(by)
    columns = tuple(_c(k, REPORT_KEYS[k]) for k in keys) + _REPORT_VALUES

    def crop_name(code: str | None) -> Cell:
        if code is None:
            return ""
        try:
            crop = catalog.crop(code)
        except ValidationError:
            return code
        return Bilingual(crop.name_zh, crop.name_en)

    def values(r: ReportRow) -> list[Cell]:
        return [
            r.households,
            r.poor_households,
            r.area_mu,
            r.delivered_kg,
            r.proceeds,
            r.recovered,
            r.paid,
            r.balance,
        ]

    def rows() -> Iterator[list[Cell]]:
        for r in store.report(season, by=keys):
            named: dict[str, Any] = {
                "township": r.township,
                "village": r.village,
                "crop": crop_name(r.crop),
                "enterprise": r.enterprise,
            }
            yield [*(named[k] for k in keys), *values(r)]
        if keys:  # the season as one row: a household of two crops counted once
            for r in store.report(season, by=()):
                yield [Bilingual("合计", "Total"), *("" for _ in keys[1:]), *values(r)]

    return Table(sheet_name("report", season), columns, rows())


def audit_table(store: Store, *, full: bool = False) -> Table:
    """The audit log, oldest first; personal numbers inside entries masked unless ``full``."""

    def rows() -> Iterator[list[Cell]]:
        for e in store.audit_log():
            yield [
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.entity,
                e.ref if full else mask_text(e.ref),
                e.payload if full else mask_text(e.payload),
                e.prev_hash,
                e.hash,
            ]

    return Table(sheet_name("audit"), AUDIT_COLUMNS, rows())


def export_table(
    store: Store,
    what: str,
    *,
    season: int | None = None,
    full: bool = False,
    by: Sequence[str] = ("township", "crop"),
    actor: str = DEFAULT_ACTOR,
) -> Table:
    """The table for ``what`` (a key of ``EXPORTS``). A ``full`` export is audited first."""
    if what not in EXPORTS:
        raise ValidationError.one("what", "bad_choice", choices="、".join(EXPORTS), value=what)
    needs_season = what in ("statements", "settlement", "bank", "report")
    if needs_season and season is None:
        raise ValidationError.one("season", "required")
    if full:
        audit_full_export(store, what, season=season, actor=actor)
    if what in ("statements", "settlement", "bank", "report"):
        assert season is not None
        if what == "statements":
            return statements_table(store, season, full=full)
        if what == "settlement":
            return settlement_table(store, season, full=full)
        if what == "bank":
            return bank_table(store, season, full=full)
        return report_table(store, season, by)
    if what == "audit":
        return audit_table(store, full=full)
    return records_table(what, store_records(store, what, season), full=full, catalog=store.catalog)


def audit_full_export(
    store: Store, what: str, *, season: int | None = None, actor: str = DEFAULT_ACTOR
) -> None:
    """Write to the audit log that ``actor`` exported ``what`` with full IDs and accounts.

    The store refuses (``PermissionDenied``) an actor whose role may not see personal
    numbers, so nothing is exported in full without leaving its trace.
    """
    payload: dict[str, Any] = {"export": what, "season": season, "full": True}
    store.record_event("export_full", "export", what, payload, actor=actor)


__all__ = [
    "EXPORTS",
    "audit_full_export",
    "audit_table",
    "bank_table",
    "export_table",
    "market_prices",
    "mask_text",
    "report_table",
    "settlement_table",
    "sheet_name",
    "statements_table",
    "store_records",
]
