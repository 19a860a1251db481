"""Printable pages: self-contained HTML, escaped, Chinese by default, IDs masked."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import attrs

from orderfarm.demo import generate
from orderfarm.money import D, format_price
from orderfarm.pricing import Quote, Weighing, price_delivery
from orderfarm.printables import Replaced, contract_html, receipt_html, statement_html
from orderfarm.settlement import LineKind, StatementLine, build_statement

SEASON = generate(seed=3, households=5)
CONTRACT = (
    next(c for c in SEASON.contracts if c.form == "dried" and c.crop == "chilli")
    if any(c.form == "dried" and c.crop == "chilli" for c in SEASON.contracts)
    else SEASON.contracts[0]
)
HOME = next(h for h in SEASON.households if h.resident_id == CONTRACT.household_id)
FIRM = next(e for e in SEASON.enterprises if e.uscc == CONTRACT.enterprise_uscc)


def _self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "<style>" in page and "@page" in page
    assert not re.search(r"<(link|script|img)\b", page)
    assert "http://" not in page and "https://" not in page


def test_contract_page() -> None:
    page = contract_html(CONTRACT, FIRM, HOME)
    _self_contained(page)
    assert 'lang="zh-CN"' in page and "size: A4" in page
    assert "订单收购合同" in page and CONTRACT.contract_no in page and FIRM.name in page
    assert HOME.resident_id not in page and HOME.resident_id[:6] + "********" in page
    assert HOME.resident_id in contract_html(CONTRACT, FIRM, HOME, full_ids=True)
    english = contract_html(CONTRACT, FIRM, HOME, lang="en")
    assert "Contract farming purchase agreement" in english and 'lang="en"' in english


def _receipt(gross: str, tare: str) -> tuple[Quote, str]:
    """A slip of ``CONTRACT`` priced at market 1.00, and its receipt."""
    weighing = Weighing(gross_kg=D(gross), tare_kg=D(tare), grade=CONTRACT.terms.grades[0])
    quote = price_delivery(CONTRACT.terms, weighing, market_price=D("1.00"))
    page = receipt_html(
        quote,
        receipt_no="LST2018-000001",
        day=dt.date(2018, 10, 1),
        household=HOME,
        enterprise=FIRM,
        contract=CONTRACT,
        purchase_point="大荆镇收购点",
    )
    return quote, page


def test_receipt_carries_the_price_explanation() -> None:
    quote, page = _receipt("128.40", "3.40")
    _self_contained(page)
    assert "size: 80mm auto" in page and "收购小票" in page
    for line in quote.explain("zh").splitlines():
        assert line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in page
    assert f"{quote.amount:,.2f}" in page


def test_a_receipt_shows_the_weights_as_weighed() -> None:
    _, page = _receipt("1128.456", "2.2")
    assert "1,128.456 kg" in page and "2.20 kg" in page  # as on the paper slip
    assert "1,128.46 kg" not in page


def test_all_text_is_escaped() -> None:
    evil = attrs.evolve(HOME, head_name="<script>alert('x')</script>", village="A&B村")
    page = contract_html(CONTRACT, FIRM, evil)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "A&amp;B村" in page


def test_statement_page() -> None:
    lines = [
        StatementLine(
            LineKind.DELIVERY, 1, "R1", dt.date(2018, 10, 1), "一级 100 kg", D("160.00"), "C1"
        ),
        StatementLine(
            LineKind.INPUT,
            2,
            "PF1",
            dt.date(2018, 5, 1),
            "辣椒苗",
            D("90.00"),
            "C1",
            unrecovered=CONTRACT.unrecovered,
        ),
        StatementLine(LineKind.PAYMENT, 3, "FK1", dt.date(2019, 1, 5), "一卡通 <代发>", D("50.00")),
    ]
    statement = build_statement(HOME.resident_id, 2018, lines)
    page = statement_html(statement, HOME, printed_on=dt.date(2019, 1, 6))
    _self_contained(page)
    assert "农户对账单" in page and "一卡通 &lt;代发&gt;" in page
    assert "¥160.00" in page and "¥20.00" in page  # balance 160 − 90 − 50
    assert statement.balance == Decimal("20.00")
    assert HOME.resident_id not in page


def test_a_rejected_lot_prints_as_rejected_in_either_language() -> None:
    dried = next(
        (c for c in SEASON.contracts if c.terms.moisture_max is not None), None
    ) or __import__("orderfarm").Contract.from_template(
        "朝天椒",
        "dried",
        contract_no="X1",
        enterprise=FIRM,
        household=HOME,
        season=2018,
        area_mu="1",
    )
    maximum = dried.terms.moisture_max
    assert maximum is not None
    wet = Weighing(
        gross_kg=D("50"), tare_kg=D("1"), grade=dried.terms.grades[0], moisture=maximum + D("0.05")
    )
    quote = price_delivery(dried.terms, wet, market_price=D("14.00"))
    assert not quote.accepted
    zh = receipt_html(quote, receipt_no="R9", day=dt.date(2018, 10, 1))
    en = receipt_html(quote, receipt_no="R9", day=dt.date(2018, 10, 1), lang="en")
    assert "拒收 ¥0.00" in zh and "REJECTED ¥0.00" in en
    assert "Weighing receipt" in en and "rejected: moisture" in en


def test_a_voided_records_receipt_is_marked_with_the_reason_and_day() -> None:
    quote, live = _receipt("128.40", "3.40")
    assert "已作废" not in live and "更正后" not in live
    args = {"receipt_no": "A-0008", "day": dt.date(2018, 10, 30), "enterprise": FIRM}
    voided = receipt_html(
        quote, **args, void_reason="毛重录错 <320>", voided_on=dt.date(2018, 10, 31)
    )
    _self_contained(voided)
    assert '<div class="void">已作废</div>' in voided
    assert "作废原因：毛重录错 &lt;320&gt;（2018-10-31 作废）。本小票不作付款凭证。" in voided
    assert f"金额 ¥{quote.amount:,.2f}（已作废）" in voided
    assert "<title>收购小票 A-0008 已作废</title>" in voided
    english = receipt_html(
        quote, **args, void_reason="gross typed wrong", voided_on=dt.date(2018, 10, 31), lang="en"
    )
    assert "Voided on 2018-10-31: gross typed wrong. This receipt is not to be paid." in english
    assert '<div class="void">VOID</div>' in english and "(VOID)" in english


def test_a_corrected_record_says_it_replaces_the_earlier_one() -> None:
    quote, _ = _receipt("128.40", "3.40")
    args = {"receipt_no": "A-0008", "day": dt.date(2018, 10, 30)}
    assert "更正后第 2 次记录，取代此前的记录" in receipt_html(quote, **args, revision=1)
    assert "record 3 of this receipt, replacing the earlier one" in receipt_html(
        quote, **args, revision=2, lang="en"
    )
    assert "更正后" not in receipt_html(quote, **args)
    # named: the record replaced, its amount, and its void's day and reason
    earlier = Replaced(41, D("1391.88"), "毛重录错 <320>", dt.date(2018, 10, 31))
    zh = receipt_html(quote, **args, revision=1, replaces=earlier)
    assert "更正后第 2 次记录，取代记录 41（金额 ¥1,391.88）" in zh
    assert "<th>原记录作废</th><td>2018-10-31 作废，原因：毛重录错 &lt;320&gt;</td>" in zh
    en = receipt_html(quote, **args, revision=1, replaces=earlier, lang="en")
    assert "replacing record 41 (¥1,391.88)" in en and "on 2018-10-31: 毛重录错" in en


def test_a_dried_lot_with_moisture_left_blank_prints_its_moisture_as_recorded() -> None:
    from orderfarm import Contract

    dried = Contract.from_template(
        "朝天椒",
        "dried",
        contract_no="X2",
        enterprise=FIRM,
        household=HOME,
        season=2018,
        area_mu="1",
    )
    assert dried.terms.moisture_standard is not None
    lot = Weighing(gross_kg=D("50"), tare_kg=D("1"), grade=dried.terms.grades[0])
    quote = price_delivery(dried.terms, lot, market_price=D("14.00"))
    args = {"receipt_no": "R10", "day": dt.date(2018, 10, 1)}
    # the paper slip's blank 水分 box and the receipt's line can be compared
    assert "<th>水分</th><td>0%（未测）</td>" in receipt_html(quote, **args)
    assert "<th>Moisture</th><td>0% (not measured)</td>" in receipt_html(quote, **args, lang="en")
    wet = attrs.evolve(lot, moisture=D("0.12"))
    measured = price_delivery(dried.terms, wet, market_price=D("14.00"))
    assert "<th>水分</th><td>12%</td>" in receipt_html(measured, **args)
    # a fresh lot under terms without a moisture standard: no line, as before
    fresh = attrs.evolve(dried.terms, moisture_standard=None, moisture_max=None)
    plain = price_delivery(fresh, lot, market_price=D("14.00"))
    assert "水分" not in receipt_html(plain, **args)


def test_each_portion_on_a_receipt_has_its_unit_price_unit() -> None:
    quote, page = _receipt("128.40", "3.40")
    for portion in quote.portions:
        assert f"{portion.kg:,.2f} kg × {format_price(portion.unit_price)} 元/kg" in page
    english = receipt_html(quote, receipt_no="R1", day=dt.date(2018, 10, 1), lang="en")
    assert f"× {format_price(quote.portions[0].unit_price)} yuan/kg" in english
