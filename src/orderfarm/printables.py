"""Printable pages: the contract (订单收购合同), the weighing receipt (收购小票, with the reason
for its price) and the household statement (对账单), as self-contained HTML.

Each page carries its own CSS (A4 for contracts and statements, 80 mm receipt paper for slips),
needs no file or network, and escapes every piece of text. Chinese by default, ``lang="en"`` for
English. Resident IDs and accounts are masked unless ``full_ids=True``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final

import attrs

from orderfarm.contracts import Contract
from orderfarm.crops import Catalog, default_catalog
from orderfarm.errors import ValidationError
from orderfarm.ids import mask_account, mask_resident_id
from orderfarm.messages import Lang
from orderfarm.money import format_price, format_rate, format_weight, format_yuan
from orderfarm.parties import Enterprise, Household
from orderfarm.pricing import Quote
from orderfarm.settlement import LineKind, Statement, StatementLine, Totals
from orderfarm.supplies import ChargeMode
from orderfarm.units import format_quantity
from orderfarm.voids import reason_in

_FONTS: Final = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"WenQuanYi Micro Hei", "SimSun", sans-serif'
)
_A4_CSS: Final = f"""
@page {{ size: A4; margin: 18mm 16mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {_FONTS}; font-size: 11pt; color: #000; margin: 0 auto; max-width: 178mm;
  line-height: 1.5; }}
h1 {{ font-size: 18pt; text-align: center; margin: 0 0 4mm; letter-spacing: 2pt; }}
h2 {{ font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 1px solid #000; }}
table {{ width: 100%; border-collapse: collapse; margin: 2mm 0; page-break-inside: auto; }}
tr {{ page-break-inside: avoid; }}
th, td {{ border: 1px solid #444; padding: 1.2mm 2mm; vertical-align: top; }}
th {{ background: #eee; font-weight: bold; text-align: center; }}
td.num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
td.nw {{ white-space: nowrap; font-size: 10pt; }}
.meta td {{ border: none; padding: 0.6mm 1mm; }}
.meta th {{ border: none; background: none; text-align: left; width: 24%; padding: 0.6mm 1mm; }}
.total td, .total th {{ font-weight: bold; }}
.sign {{ display: flex; justify-content: space-between; margin-top: 14mm; }}
.sign div {{ width: 45%; }}
.small {{ font-size: 9pt; color: #333; }}
@media screen {{ body {{ padding: 10mm; background: #fff; }} }}
"""
_RECEIPT_CSS: Final = f"""
@page {{ size: 80mm auto; margin: 3mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {_FONTS}; font-size: 9.5pt; width: 74mm; margin: 0 auto; color: #000;
  line-height: 1.35; }}
h1 {{ font-size: 13pt; text-align: center; margin: 0 0 1mm; }}
.sub {{ text-align: center; font-size: 8.5pt; margin-bottom: 2mm; }}
table {{ width: 100%; border-collapse: collapse; }}
th {{ text-align: left; font-weight: normal; white-space: nowrap; padding: 0.3mm 1mm 0.3mm 0;
  vertical-align: top; }}
td {{ text-align: right; padding: 0.3mm 0; }}
.rule {{ border-top: 1px dashed #000; margin: 1.5mm 0; }}
.amount {{ font-size: 14pt; font-weight: bold; text-align: center; margin: 1.5mm 0; }}
.explain {{ white-space: pre-wrap; font-size: 8.5pt; margin: 1mm 0; }}
.sign {{ margin-top: 5mm; font-size: 8.5pt; }}
.void {{ border: 2px solid #000; text-align: center; font-size: 13pt; font-weight: bold;
  letter-spacing: 2pt; margin: 1mm 0 0.5mm; padding: 0.5mm; }}
.void-why {{ text-align: center; font-size: 8.5pt; margin-bottom: 1.5mm; }}
.receipt {{ page-break-after: always; break-after: page; }}
.receipt:last-child {{ page-break-after: auto; break-after: auto; }}
"""

_LABELS: Final[dict[str, dict[str, str]]] = {
    "contract_title": {"zh": "订单收购合同", "en": "Contract farming purchase agreement"},
    "contract_no": {"zh": "合同编号", "en": "Contract no."},
    "party_a": {"zh": "甲方（订单企业）", "en": "Party A (enterprise)"},
    "party_b": {"zh": "乙方（农户）", "en": "Party B (household)"},
    "uscc": {"zh": "统一社会信用代码", "en": "Credit code"},
    "firm_name": {"zh": "企业名称", "en": "Name"},
    "head": {"zh": "户主", "en": "Head of household"},
    "resident_id": {"zh": "身份证号", "en": "Resident ID"},
    "address": {"zh": "住址", "en": "Address"},
    "phone": {"zh": "电话", "en": "Phone"},
    "status": {"zh": "户类型", "en": "Poverty status"},
    "account": {"zh": "一卡通账号", "en": "Payment account"},
    "crop": {"zh": "作物及产品形态", "en": "Crop and product form"},
    "season": {"zh": "年度", "en": "Season"},
    "area": {"zh": "种植面积", "en": "Contracted area"},
    "window": {"zh": "交售期", "en": "Delivery window"},
    "terms": {"zh": "保护价条款", "en": "Protective price terms"},
    "grade": {"zh": "等级", "en": "Grade"},
    "floor": {"zh": "保护价（元/公斤）", "en": "Floor (yuan/kg)"},
    "unprotected": {"zh": "不保护，按市场价", "en": "not protected: market price"},
    "linked": {
        "zh": "随行就市：市场价高于保护价时按市场价{premium}收购",
        "en": "follows the market: when the market price is above the floor, paid the market price{premium}",
    },
    "fixed": {"zh": "固定价格：按保护价收购", "en": "fixed price: paid the floor price"},
    "ceiling": {"zh": "最高限价 {value} 元/公斤", "en": "ceiling {value} yuan/kg"},
    "moisture": {
        "zh": "标准水分 {standard}，超过部分按干物质折重",
        "en": "moisture standard {standard}; water above it deducted",
    },
    "moisture_max": {
        "zh": "水分超过 {maximum} 拒收",
        "en": "lots above {maximum} moisture are rejected",
    },
    "quota": {
        "zh": "保护收购量 {quota} 公斤，超出部分按市场价",
        "en": "protected quantity {quota} kg; beyond it, the market price",
    },
    "inputs": {"zh": "统一配发投入品", "en": "Inputs supplied by the enterprise"},
    "item": {"zh": "名称", "en": "Item"},
    "quantity": {"zh": "数量", "en": "Quantity"},
    "unit_cost": {"zh": "单价（元）", "en": "Unit cost (yuan)"},
    "amount": {"zh": "金额（元）", "en": "Amount (yuan)"},
    "charge": {"zh": "结算方式", "en": "Charged as"},
    "unrecovered": {
        "zh": "当季收购款不足扣回垫付款的，未扣回部分{policy}。",
        "en": "Advances the season's proceeds do not cover are {policy}.",
    },
    "carry": {"zh": "结转下一年度", "en": "carried to the next season"},
    "waive": {"zh": "由甲方核销", "en": "waived by the enterprise"},
    "clauses": {
        "zh": (
            "甲方按上述条款收购乙方交售的合格产品，过磅后当场出具收购小票；"
            "乙方按甲方统一技术标准种植管理，产品优先交售甲方。"
        ),
        "en": (
            "Party A buys the produce Party B delivers under the terms above and issues a "
            "weighing receipt at the scale; Party B grows to Party A's standard and offers the "
            "harvest to Party A first."
        ),
    },
    "signature_a": {"zh": "甲方（盖章）：", "en": "Party A (seal):"},
    "signature_b": {"zh": "乙方（签字/手印）：", "en": "Party B (signature/thumbprint):"},
    "signed_on": {"zh": "签订日期", "en": "Signed on"},
    "receipt_title": {"zh": "收购小票", "en": "Weighing receipt"},
    "receipt_no": {"zh": "小票号", "en": "Receipt no."},
    "day": {"zh": "日期", "en": "Date"},
    "point": {"zh": "收购点", "en": "Purchase point"},
    "household": {"zh": "农户", "en": "Household"},
    "gross": {"zh": "毛重", "en": "Gross"},
    "tare": {"zh": "皮重", "en": "Tare"},
    "impurity": {"zh": "杂质", "en": "Impurity"},
    "moisture_short": {"zh": "水分", "en": "Moisture"},
    "not_measured": {"zh": "（未测）", "en": " (not measured)"},
    "net": {"zh": "净重", "en": "Net"},
    "total": {"zh": "金额", "en": "Amount"},
    "rejected": {"zh": "拒收", "en": "REJECTED"},
    "void_mark": {"zh": "已作废", "en": "VOID"},
    "void_why": {
        "zh": "作废原因：{reason}（{day} 作废）。本小票不作付款凭证。",
        "en": "Voided on {day}: {reason}. This receipt is not to be paid.",
    },
    "record": {"zh": "记录", "en": "Record"},
    "revision": {
        "zh": "更正后第 {count} 次记录，取代此前的记录",
        "en": "corrected: record {count} of this receipt, replacing the earlier one",
    },
    "revision_of": {
        "zh": "更正后第 {count} 次记录，取代记录 {record}（金额 {amount}）",
        "en": "corrected: record {count} of this receipt, replacing record {record} ({amount})",
    },
    "replaced_void": {"zh": "原记录作废", "en": "Earlier record voided"},
    "replaced_why": {"zh": "{day} 作废，原因：{reason}", "en": "on {day}: {reason}"},
    "why": {"zh": "计价说明", "en": "How the price was set"},
    "weigher": {
        "zh": "过磅员：________  交售人：________",
        "en": "Weigher: ______  Seller: ______",
    },
    "statement_title": {"zh": "农户对账单", "en": "Household statement"},
    "deliveries": {"zh": "交售明细", "en": "Deliveries"},
    "inputs_lines": {"zh": "垫付投入品（结算扣回）", "en": "Inputs on advance (recovered)"},
    "carried": {"zh": "上季结转", "en": "Carried from earlier seasons"},
    "payments": {"zh": "付款明细", "en": "Payments"},
    "reference": {"zh": "单号", "en": "Reference"},
    "description": {"zh": "摘要", "en": "Description"},
    "summary": {"zh": "结算汇总", "en": "Settlement"},
    "proceeds": {"zh": "收购款合计", "en": "Proceeds"},
    "charges": {"zh": "应扣回垫付款", "en": "Advances to recover"},
    "recovered": {"zh": "本季扣回", "en": "Recovered"},
    "carried_out": {"zh": "结转下季", "en": "Carried to next season"},
    "waived": {"zh": "核销", "en": "Waived"},
    "payable": {"zh": "应付农户", "en": "Payable to household"},
    "paid": {"zh": "已付", "en": "Paid"},
    "balance": {"zh": "余额（待付）", "en": "Balance (to pay)"},
    "none": {"zh": "无", "en": "none"},
    "policy_carry": {"zh": "未扣回部分结转下季", "en": "what is not recovered is carried"},
    "policy_waive": {"zh": "未扣回部分核销", "en": "what is not recovered is waived"},
    "unrecovered_sum": {
        "zh": "未扣回 {left} 元 = 应扣回 {charges} − 本季扣回 {recovered}",
        "en": "not recovered: {left} = {charges} to recover − {recovered} recovered",
    },
    "carried_again": {
        "zh": "上季结转未扣回的 {amount} 元继续结转下季",
        "en": "{amount} carried from earlier seasons and not recovered is carried again",
    },
    "advances_carried": {
        "zh": "本季垫付未扣回的 {left} 元按合同约定结转下季",
        "en": "{left} of this season's advances not recovered is carried, as the contracts say",
    },
    "advances_waived": {
        "zh": "本季垫付未扣回的 {left} 元按合同约定核销",
        "en": "{left} of this season's advances not recovered is waived, as the contracts say",
    },
    "advances_shared": {
        "zh": "本季垫付未扣回的 {left} 元按各合同垫付额分摊：约定结转的垫付共 {carry} 元，"
        "结转下季 {left} × {carry} ÷ {advances} ≈ {carried} 元（四舍五入到分）；"
        "约定核销的垫付共 {waive} 元，核销 {left} − {carried} = {waived} 元",
        "en": "{left} of this season's advances not recovered is shared by each contract's "
        "advances: {carry} advanced under contracts that carry, carried {left} × {carry} ÷ "
        "{advances} ≈ {carried} (to the fen); {waive} under contracts that waive, waived "
        "{left} − {carried} = {waived}",
    },
    "confirm": {
        "zh": "农户确认：以上明细无误。签字：____________  日期：__________",
        "en": "Household: the lines above are correct. Signature: __________  Date: ________",
    },
    "printed": {"zh": "打印日期", "en": "Printed"},
}


def _t(key: str, lang: Lang, **params: object) -> str:
    text = _LABELS[key][lang]
    return text.format(**params) if params else text


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _kg(value: Decimal) -> str:
    return f"{value:,.2f} kg"


def _page(title: str, css: str, body: str, lang: Lang) -> str:
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def _id(number: str, full: bool) -> str:
    return number if full else mask_resident_id(number)


def _crop_names(contract: Contract, catalog: Catalog, lang: Lang) -> str:
    try:
        crop = catalog.crop(contract.crop)
        form = crop.form(contract.form)
    except ValidationError:
        return f"{contract.crop} {contract.form}"
    if lang == "zh":
        return f"{crop.name_zh}（{form.name_zh}）"
    return f"{crop.name_en} ({form.name_en})"


def _charge(mode: ChargeMode, lang: Lang) -> str:
    return mode.zh if lang == "zh" else mode.value


def contract_html(
    contract: Contract,
    enterprise: Enterprise,
    household: Household,
    *,
    catalog: Catalog | None = None,
    lang: Lang = "zh",
    full_ids: bool = False,
) -> str:
    """订单收购合同 — the contract on A4, ready to sign."""
    catalog = catalog or default_catalog()
    terms = contract.terms
    rows = "".join(
        f"<tr><td>{_e(grade)}</td><td class='num'>"
        + (
            _e(format_price(terms.floors[grade]))
            if grade in terms.floors
            else _e(_t("unprotected", lang))
        )
        + "</td></tr>"
        for grade in terms.grades
    )
    rules: list[str] = []
    if terms.market_linked:
        premium = (
            (
                f"上浮 {format_rate(terms.premium)}"
                if lang == "zh"
                else f" plus {format_rate(terms.premium)}"
            )
            if terms.premium
            else ""
        )
        rules.append(_t("linked", lang, premium=premium))
    else:
        rules.append(_t("fixed", lang))
    if terms.ceiling is not None:
        rules.append(_t("ceiling", lang, value=format_price(terms.ceiling)))
    if terms.moisture_standard is not None:
        rules.append(_t("moisture", lang, standard=format_rate(terms.moisture_standard)))
    if terms.moisture_max is not None:
        rules.append(_t("moisture_max", lang, maximum=format_rate(terms.moisture_max)))
    if terms.quota_kg is not None:
        rules.append(_t("quota", lang, quota=f"{terms.quota_kg:,}"))
    inputs = "".join(
        f"<tr><td>{_e(s.item)}</td><td class='num'>{_e(format_quantity(s.quantity))} {_e(s.unit)}</td>"
        f"<td class='num'>{_e(format_price(s.unit_cost))}</td><td class='num'>{_e(f'{s.amount:,.2f}')}</td>"
        f"<td>{_e(_charge(s.charge, lang))}</td></tr>"
        for s in contract.inputs
    )
    window = "—"
    if contract.delivery_start or contract.delivery_end:
        start = contract.delivery_start.isoformat() if contract.delivery_start else "…"
        end = contract.delivery_end.isoformat() if contract.delivery_end else "…"
        window = f"{start} — {end}"
    policy = _t("carry" if contract.unrecovered.value == "carry" else "waive", lang)
    address = f"{household.township}{household.village}{household.group}"
    status = household.poverty_status.value if lang == "zh" else household.poverty_status.en
    body = f"""
<h1>{_e(_t("contract_title", lang))}</h1>
<p class="small" style="text-align:right">{_e(_t("contract_no", lang))}：{
        _e(contract.contract_no)
    }</p>
<h2>{_e(_t("party_a", lang))}</h2>
<table class="meta">
<tr><th>{_e(_t("firm_name", lang))}</th><td>{_e(enterprise.name)}</td></tr>
<tr><th>{_e(_t("uscc", lang))}</th><td>{_e(enterprise.uscc)}</td></tr>
</table>
<h2>{_e(_t("party_b", lang))}</h2>
<table class="meta">
<tr><th>{_e(_t("head", lang))}</th><td>{_e(household.head_name)}</td></tr>
<tr><th>{_e(_t("resident_id", lang))}</th><td>{_e(_id(household.resident_id, full_ids))}</td></tr>
<tr><th>{_e(_t("address", lang))}</th><td>{_e(address)}</td></tr>
<tr><th>{_e(_t("phone", lang))}</th><td>{_e(household.phone or "—")}</td></tr>
<tr><th>{_e(_t("status", lang))}</th><td>{_e(status)}</td></tr>
</table>
<h2>{_e(_t("terms", lang))}</h2>
<table class="meta">
<tr><th>{_e(_t("crop", lang))}</th><td>{_e(_crop_names(contract, catalog, lang))}</td></tr>
<tr><th>{_e(_t("season", lang))}</th><td>{_e(contract.season)}</td></tr>
<tr><th>{_e(_t("area", lang))}</th><td>{_e(f"{contract.area_mu:,}")} {
        "亩" if lang == "zh" else "mu"
    }</td></tr>
<tr><th>{_e(_t("window", lang))}</th><td>{_e(window)}</td></tr>
</table>
<table>
<tr><th>{_e(_t("grade", lang))}</th><th>{_e(_t("floor", lang))}</th></tr>
{rows}
</table>
<ul>{"".join(f"<li>{_e(rule)}</li>" for rule in rules)}</ul>
<h2>{_e(_t("inputs", lang))}</h2>
{
        (
            f"<table><tr><th>{_e(_t('item', lang))}</th><th>{_e(_t('quantity', lang))}</th>"
            f"<th>{_e(_t('unit_cost', lang))}</th><th>{_e(_t('amount', lang))}</th>"
            f"<th>{_e(_t('charge', lang))}</th></tr>{inputs}</table>"
        )
        if inputs
        else f"<p>{_e(_t('none', lang))}</p>"
    }
<p>{_e(_t("unrecovered", lang, policy=policy))}</p>
<p>{_e(_t("clauses", lang))}</p>
<div class="sign">
<div>{_e(_t("signature_a", lang))}<br><br>{_e(_t("signed_on", lang))}：{
        _e(contract.signed_on or "")
    }</div>
<div>{_e(_t("signature_b", lang))}<br><br>{_e(_t("signed_on", lang))}：{
        _e(contract.signed_on or "")
    }</div>
</div>
"""
    return _page(f"{_t('contract_title', lang)} {contract.contract_no}", _A4_CSS, body, lang)


@attrs.frozen
class Replaced:
    """The record of a receipt that a later record replaces (voided, then typed or priced
    again): its record id and amount, and its void's reason and day, for the new receipt to
    name, so that the paper of the earlier record can be matched to it."""

    record_id: int
    amount: Decimal
    reason: str
    voided_on: dt.date | None


def _receipt_body(
    quote: Quote,
    *,
    receipt_no: str,
    day: dt.date,
    household: Household | None,
    enterprise: Enterprise | None,
    contract: Contract | None,
    purchase_point: str,
    catalog: Catalog,
    lang: Lang,
    full_ids: bool,
    revision: int,
    void_reason: str | None,
    voided_on: dt.date | None,
    replaces: Replaced | None,
) -> str:
    rows: list[tuple[str, str]] = [
        (_t("receipt_no", lang), receipt_no),
        (_t("day", lang), day.isoformat()),
    ]
    if revision > 0 and replaces is not None:  # which paper no longer counts, and why
        said = _t(
            "revision_of",
            lang,
            count=revision + 1,
            record=replaces.record_id,
            amount=format_yuan(replaces.amount),
        )
        on = replaces.voided_on.isoformat() if replaces.voided_on is not None else "—"
        rows.append((_t("record", lang), said))
        rows.append(
            (
                _t("replaced_void", lang),
                _t("replaced_why", lang, day=on, reason=reason_in(replaces.reason, lang)),
            )
        )
    elif revision > 0:  # the paper of an earlier record of this receipt no longer counts
        rows.append((_t("record", lang), _t("revision", lang, count=revision + 1)))
    if purchase_point:
        rows.append((_t("point", lang), purchase_point))
    if contract is not None:
        rows.append((_t("contract_no", lang), contract.contract_no))
        rows.append((_t("crop", lang), _crop_names(contract, catalog, lang)))
    if household is not None:
        rows.append((_t("household", lang), household.head_name))
        rows.append((_t("resident_id", lang), _id(household.resident_id, full_ids)))
    head = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    weights = [
        (_t("gross", lang), f"{format_weight(quote.gross_kg)} kg"),  # as weighed
        (_t("tare", lang), f"{format_weight(quote.tare_kg)} kg"),
        (_t("grade", lang), quote.grade),
    ]
    if quote.impurity:
        weights.append((_t("impurity", lang), format_rate(quote.impurity)))
    if quote.moisture or quote.moisture_standard is not None:  # as recorded, to match the paper
        moisture = format_rate(quote.moisture)
        if not quote.moisture:  # under a moisture standard, 0 is a moisture left blank
            moisture += _t("not_measured", lang)
        weights.append((_t("moisture_short", lang), moisture))
    weights.append((_t("net", lang), _kg(quote.net_kg)))
    for portion in quote.portions:
        weights.append(
            (
                f"{format_weight(portion.kg)} kg × {format_price(portion.unit_price)} "
                + ("元/kg" if lang == "zh" else "yuan/kg"),
                f"{portion.amount:,.2f}",
            )
        )
    middle = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in weights)
    amount = format_yuan(quote.amount)
    if not quote.accepted:
        amount = f"{_t('rejected', lang)} {amount}"
    void = ""
    if void_reason is not None:  # so a voided record's paper cannot pass for the one that counts
        amount = f"{amount}（{_t('void_mark', lang)}）" if lang == "zh" else f"{amount} (VOID)"
        on = voided_on.isoformat() if voided_on is not None else "—"
        void = (
            f'<div class="void">{_e(_t("void_mark", lang))}</div>\n<div class="void-why">'
            f"{_e(_t('void_why', lang, reason=reason_in(void_reason, lang), day=on))}</div>\n"
        )
    title = enterprise.name if enterprise is not None else ""
    return f"""<div class="receipt">
<h1>{_e(_t("receipt_title", lang))}</h1>
{void}<div class="sub">{_e(title)}</div>
<table>{head}</table>
<div class="rule"></div>
<table>{middle}</table>
<div class="rule"></div>
<div class="amount">{_e(_t("total", lang))} {_e(amount)}</div>
<div class="rule"></div>
<div class="small"><b>{_e(_t("why", lang))}</b></div>
<div class="explain">{_e(quote.explain(lang))}</div>
<div class="sign">{_e(_t("weigher", lang))}</div>
</div>"""


def receipt_html(
    quote: Quote,
    *,
    receipt_no: str,
    day: dt.date,
    household: Household | None = None,
    enterprise: Enterprise | None = None,
    contract: Contract | None = None,
    purchase_point: str = "",
    catalog: Catalog | None = None,
    lang: Lang = "zh",
    full_ids: bool = False,
    revision: int = 0,
    void_reason: str | None = None,
    voided_on: dt.date | None = None,
    replaces: Replaced | None = None,
) -> str:
    """收购小票 — one weighing receipt for 80 mm paper, with the reason for its price.

    A record after the first of its receipt number (``revision`` > 0) says it replaces the
    earlier one (``replaces``: which record, of what amount, voided when and why); a voided
    record (``void_reason``, voided on ``voided_on``) is marked 已作废 with the reason and the
    day, so that of two papers of one receipt the one that counts is plain to see."""
    body = _receipt_body(
        quote,
        receipt_no=receipt_no,
        day=day,
        household=household,
        enterprise=enterprise,
        contract=contract,
        purchase_point=purchase_point,
        catalog=catalog or default_catalog(),
        lang=lang,
        full_ids=full_ids,
        revision=revision,
        void_reason=void_reason,
        voided_on=voided_on,
        replaces=replaces,
    )
    title = f"{_t('receipt_title', lang)} {receipt_no}"
    if void_reason is not None:
        title += f" {_t('void_mark', lang)}"
    return _page(title, _RECEIPT_CSS, body, lang)


def receipts_html(bodies: Iterable[str], *, lang: Lang = "zh") -> str:
    """Several receipts (from ``receipt_body``) on one page, one per slip of paper."""
    return _page(_t("receipt_title", lang), _RECEIPT_CSS, "\n".join(bodies), lang)


def receipt_body(
    quote: Quote,
    *,
    receipt_no: str,
    day: dt.date,
    household: Household | None = None,
    enterprise: Enterprise | None = None,
    contract: Contract | None = None,
    purchase_point: str = "",
    catalog: Catalog | None = None,
    lang: Lang = "zh",
    full_ids: bool = False,
    revision: int = 0,
    void_reason: str | None = None,
    voided_on: dt.date | None = None,
    replaces: Replaced | None = None,
) -> str:
    """One receipt as an HTML fragment, for ``receipts_html`` (as ``receipt_html`` marks it)."""
    return _receipt_body(
        quote,
        receipt_no=receipt_no,
        day=day,
        household=household,
        enterprise=enterprise,
        contract=contract,
        purchase_point=purchase_point,
        catalog=catalog or default_catalog(),
        lang=lang,
        full_ids=full_ids,
        revision=revision,
        void_reason=void_reason,
        voided_on=voided_on,
        replaces=replaces,
    )


def _described(line: StatementLine, lang: Lang, policies: bool) -> str:
    """A line's description; with ``policies``, an advance's says what its contract does
    with what is not recovered (the rest of a season's advances is shared by them)."""
    said = line.description_in(lang)
    if not policies or line.unrecovered is None:
        return said
    policy = _t(f"policy_{line.unrecovered.value}", lang)
    return f"{said}（{policy}）" if lang == "zh" else f"{said} ({policy})"


def _lines_table(statement: Statement, kind: LineKind, lang: Lang) -> str:
    lines = statement.of_kind(kind)
    if not lines:
        return f"<p>{_e(_t('none', lang))}</p>"
    totals = statement.totals
    policies = kind is LineKind.INPUT and _not_recovered(totals)[1] > 0
    rows = "".join(
        f"<tr><td class='nw'>{_e(line.day.isoformat() if line.day else '')}</td>"
        f"<td class='nw'>{_e(line.reference)}</td>"
        f"<td class='nw'>{_e(line.contract_no)}</td><td>{_e(_described(line, lang, policies))}</td>"
        f"<td class='num'>{_e(f'{line.amount:,.2f}')}</td></tr>"
        for line in lines
    )
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return (
        f"<table><tr><th>{_e(_t('day', lang))}</th><th>{_e(_t('reference', lang))}</th>"
        f"<th>{_e(_t('contract_no', lang))}</th><th>{_e(_t('description', lang))}</th>"
        f"<th>{_e(_t('amount', lang))}</th></tr>{rows}"
        f"<tr class='total'><td colspan='4'>∑</td><td class='num'>{_e(f'{total:,.2f}')}</td></tr>"
        "</table>"
    )


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _not_recovered(totals: Totals) -> tuple[Decimal, Decimal]:
    """What a season did not recover: of the charges carried in (recovered first), and of
    its own advances."""
    old_left = totals.carried_in - min(totals.carried_in, totals.proceeds)
    return old_left, totals.carried_out + totals.waived - old_left


def unrecovered_said(totals: Totals, lang: Lang = "zh") -> str:
    """How the advances a season could not recover split into 结转下季 and 核销 (settlement's
    rule), figures as on the statement, to be worked again by hand; ``""`` when all were
    recovered."""
    old_left, new_left = _not_recovered(totals)
    left = old_left + new_left
    if not left:
        return ""
    carried = totals.carried_out - old_left
    advances = totals.advances_carry + totals.advances_waive
    parts = [
        _t(
            "unrecovered_sum",
            lang,
            left=_amount(left),
            charges=_amount(totals.charges),
            recovered=_amount(totals.recovered),
        )
    ]
    if old_left:
        parts.append(_t("carried_again", lang, amount=_amount(old_left)))
    if new_left and totals.advances_carry and totals.advances_waive:
        parts.append(
            _t(
                "advances_shared",
                lang,
                left=_amount(new_left),
                carry=_amount(totals.advances_carry),
                waive=_amount(totals.advances_waive),
                advances=_amount(advances),
                carried=_amount(carried),
                waived=_amount(totals.waived),
            )
        )
    elif new_left:
        key = "advances_carried" if totals.advances_carry else "advances_waived"
        parts.append(_t(key, lang, left=_amount(new_left)))
    return ("；".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")


def statement_html(
    statement: Statement,
    household: Household,
    *,
    lang: Lang = "zh",
    full_ids: bool = False,
    printed_on: dt.date | None = None,
) -> str:
    """对账单 — a household's season on A4: every line and the settlement, to sign."""
    totals = statement.totals
    summary_rows: Sequence[tuple[str, Decimal]] = (
        ("proceeds", totals.proceeds),
        ("charges", totals.charges),
        ("recovered", totals.recovered),
        ("carried_out", totals.carried_out),
        ("waived", totals.waived),
        ("payable", totals.payable),
        ("paid", totals.paid),
        ("balance", totals.balance),
    )
    summary = "".join(
        f"<tr{' class=total' if key in ('payable', 'balance') else ''}><th>{_e(_t(key, lang))}</th>"
        f"<td class='num'>{_e(format_yuan(value))}</td></tr>"
        for key, value in summary_rows
    )
    account = mask_account(household.account) if household.account and not full_ids else ""
    if full_ids:
        account = household.account
    address = f"{household.township}{household.village}{household.group}"
    printed = (
        f"<p class='small'>{_e(_t('printed', lang))}：{_e(printed_on.isoformat())}</p>"
        if printed_on
        else ""
    )
    said = unrecovered_said(totals, lang)
    unrecovered = f"<p class='small'>{_e(said)}</p>\n" if said else ""
    body = f"""
<h1>{_e(_t("statement_title", lang))}</h1>
<table class="meta">
<tr><th>{_e(_t("head", lang))}</th><td>{_e(household.head_name)}</td>
<th>{_e(_t("season", lang))}</th><td>{_e(statement.season)}</td></tr>
<tr><th>{_e(_t("resident_id", lang))}</th><td>{_e(_id(household.resident_id, full_ids))}</td>
<th>{_e(_t("account", lang))}</th><td>{_e(account or "—")}</td></tr>
<tr><th>{_e(_t("address", lang))}</th><td colspan="3">{_e(address)}</td></tr>
</table>
<h2>{_e(_t("deliveries", lang))}</h2>
{_lines_table(statement, LineKind.DELIVERY, lang)}
<h2>{_e(_t("inputs_lines", lang))}</h2>
{_lines_table(statement, LineKind.INPUT, lang)}
{"<h2>" + _e(_t("carried", lang)) + "</h2>" + _lines_table(statement, LineKind.CARRIED, lang) if statement.of_kind(LineKind.CARRIED) else ""}
<h2>{_e(_t("payments", lang))}</h2>
{_lines_table(statement, LineKind.PAYMENT, lang)}
<h2>{_e(_t("summary", lang))}</h2>
<table style="width:60%;margin-left:auto">{summary}</table>
{unrecovered}<p style="margin-top:10mm">{_e(_t("confirm", lang))}</p>
{printed}
"""
    return _page(
        f"{_t('statement_title', lang)} {household.head_name} {statement.season}",
        _A4_CSS,
        body,
        lang,
    )
