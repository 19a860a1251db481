"""收购 Weighing: pick the contract by household, type the slip, see its price, save it once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import streamlit as st

from orderfarm.contracts import PriceTerms
from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.messages import render
from orderfarm.money import ZERO, format_rate
from orderfarm.pricing import Quote, Weighing, slip_doubts
from orderfarm.store import ConflictError
from orderfarm.units import china_today
from orderfarm.web import app, helpers

_WEIGHTS = ("w_gross", "w_tare", "w_moisture", "w_impurity")
#: The form's widgets, kept for the session: Streamlit forgets the widgets of a page that was
#: left, and the clerk back from 付款 would find the first household of the list picked and
#: the purchase point, grade and receipt typed gone. The contract's day is kept too (its
#: widget's key is kept as ``w_day_key``).
_KEPT = (
    "w_season",
    "w_household_search",
    "w_household",
    "w_contract",
    "w_grade",
    "w_point",
    "w_receipt",
    *_WEIGHTS,
)
#: a moisture below this, under a moisture standard, is more likely a fraction typed for a
#: percentage (0.18 for 18%)
_ONE_PERCENT = Decimal("0.01")


def _next_slip() -> None:
    """A fresh form for the next lot (a callback: runs before the widgets are drawn)."""
    for key in _WEIGHTS:
        st.session_state[key] = ""
    st.session_state.pop("w_receipt", None)
    st.session_state.get("w_kept", {}).pop("w_receipt", None)  # not put back (``_restore``)


def _kept(key: str) -> bool:
    return key in _KEPT or key == st.session_state.get("w_day_key")


def _restore() -> None:
    """Put back what the form held when the clerk left the page (``_keep``)."""
    state = st.session_state
    for key, value in state.get("w_kept", {}).items():
        if key not in state:
            state[key] = value


def _keep() -> None:
    """Keep what the form holds now for when the clerk comes back from another page."""
    state = st.session_state
    state["w_kept"] = {key: state[key] for key in list(state.keys()) if _kept(str(key))}


def _working_day(day_key: str) -> None:
    """The day the clerk set: the working day, which the next contract's form starts on too
    (a callback)."""
    day = st.session_state.get(day_key)
    if isinstance(day, dt.date):
        st.session_state["w_work_day"] = day


def _weighing(grade: str, lang: str) -> tuple[Weighing | None, list[Problem]]:
    values, problems = helpers.collect(
        ("gross_kg", st.session_state.get("w_gross", ""), True),
        ("tare_kg", st.session_state.get("w_tare", "") or "0", True),
    )
    rates: dict[str, Decimal] = {}
    for field, key in (("moisture", "w_moisture"), ("impurity", "w_impurity")):
        try:
            rates[field] = helpers.parse_percent(st.session_state.get(key, ""), field)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        return None, problems
    try:
        weighing = Weighing(
            gross_kg=values["gross_kg"] or Decimal(0),
            tare_kg=values["tare_kg"] or Decimal(0),
            grade=grade,
            moisture=rates["moisture"],
            impurity=rates["impurity"],
        )
    except ValidationError as exc:
        return None, list(exc.problems)
    return weighing, []


def _doubts(
    ctx: app.Ctx, terms: PriceTerms, quote: Quote, harvest: tuple[Decimal, Decimal] | None
) -> list[str]:
    """What on the slip deserves a second look before it is saved (``slip_doubts``), a dried
    lot's missing moisture worded by what was typed, and a moisture typed in this percent
    field as a fraction (0.18 for 18%)."""
    typed = str(st.session_state.get("w_moisture", "")).strip()
    said = []
    for doubt in slip_doubts(terms, quote, harvest):
        if doubt.code == "dried_lot_no_moisture":  # the page knows blank from a typed 0
            standard = format_rate(terms.moisture_standard or ZERO)
            said.append(
                ctx.t("moisture_blank", standard=standard) if not typed else ctx.t("moisture_zero")
            )
        else:
            said.append(render(doubt.code, doubt.params, ctx.lang))
    if terms.moisture_standard is not None and ZERO < quote.moisture < _ONE_PERCENT:
        said.append(ctx.t("moisture_tiny", typed=typed, moisture=format_rate(quote.moisture)))
    return said


def _show_quote(
    ctx: app.Ctx, quote: Quote, doubts: list[str], *, saved: bool, place: Any = None
) -> Any:
    """The slip's price: the preview before it is saved, its record's once it is (priced
    again, a saved slip would count itself, and the slips saved after it, as delivered before
    it). Drawn in ``place`` (a new one by default), which is returned: the record saved in
    this run takes the preview's place, as another clerk's slip saved since may change it."""
    place = place if place is not None else st.empty()
    with place.container():
        st.subheader(ctx.t("slip_price_saved" if saved else "preview"))
        cols = st.columns(3)
        cols[0].metric(ctx.t("net_kg"), helpers.kg(quote.net_kg))
        cols[1].metric(ctx.t("amount"), helpers.yuan(quote.amount))
        prices = " / ".join(helpers.price(p.unit_price) for p in quote.portions) or "—"
        cols[2].metric(ctx.t("unit_price"), prices)
        if not quote.accepted:
            st.warning(ctx.t("lot_rejected", reason=quote.rejection(ctx.lang) or ""))
        for doubt in doubts:  # a second look asked for; confirmed, the slip can be saved
            st.warning(doubt)
        st.info(quote.explain(ctx.lang).replace("\n", "  \n"))  # one line per step
    return place


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_weighing"))
    _restore()
    try:
        _form(ctx)
    finally:
        _keep()


def _slips_table(ctx: app.Ctx, contract_no: str) -> None:
    """The contract's slips, each void with its reason and day."""
    s = ctx.session
    slips = s.deliveries(contract_no=contract_no)
    voids = s.voids("delivery", [d.id for d in slips if d.voided])
    rows: list[dict[str, Any]] = [
        {
            ctx.t("record_id"): d.id,  # what a void (on the 付款 page) asks for
            ctx.t("receipt_no"): d.receipt_no,
            ctx.t("day"): helpers.day(d.day),
            ctx.t("grade"): d.weighing.grade,
            ctx.t("net_kg"): helpers.kg(d.quote.net_kg),
            ctx.t("amount"): helpers.yuan(d.amount),
            ctx.t("rejected"): "" if d.quote.accepted else "✓",  # a lot refused: nothing paid
            ctx.t("voided"): "✓" if d.voided else "",
            ctx.t("void_reason"): app.void_said(ctx, voids.get(d.id)),
        }
        for d in slips
    ]
    app.records_table(ctx, rows)


def _form(ctx: app.Ctx) -> None:
    s = ctx.session
    picked = app.signed_contract_picker(ctx, prefix="w", preselect=False)
    if picked is None:
        return
    season, _home, contract = picked
    grades = contract.priced_terms(s.catalog).grades

    def default_day() -> dict[str, dt.date]:
        days = helpers.price_days(s.market_prices(season), contract.crop, contract.form, grades[0])
        if st.session_state.get("w_receipt") in st.session_state.get("w_saved", {}):
            _next_slip()  # the slip on the form was saved: this contract's starts empty
        else:
            st.session_state.pop("w_receipt", None)  # numbered for this contract's day
        today = china_today()
        working = st.session_state.get("w_work_day")
        if isinstance(working, dt.date) and working <= today and contract.in_window(working):
            return {"w_day": working}  # the day the clerk is entering, for every household
        return {"w_day": helpers.default_slip_day(contract, days, today)}

    day_key = app.prefill("w_day_for", contract.contract_no, ["w_day"], default_day)["w_day"]
    st.session_state["w_day_key"] = day_key
    for key in _WEIGHTS:
        st.session_state.setdefault(key, "")

    slots = app.Slots()
    left, right = st.columns(2)
    with left:
        grade = str(st.selectbox(ctx.t("grade"), list(grades), key="w_grade"))
        slots.add("grade")
        st.text_input(ctx.t("gross_kg"), key="w_gross", placeholder="0.00")
        slots.add("gross_kg")
        st.text_input(ctx.t("tare_kg"), key="w_tare", placeholder="0.00")
        slots.add("tare_kg")
        st.text_input(ctx.t("moisture_pct"), key="w_moisture", placeholder="0")
        slots.add("moisture")
        st.text_input(ctx.t("impurity_pct"), key="w_impurity", placeholder="0")
        slots.add("impurity")
    with right:
        day = st.date_input(
            ctx.t("day"),
            key=day_key,
            format="YYYY-MM-DD",
            on_change=_working_day,
            args=(day_key,),
        )
        slots.add("day")
        point = st.text_input(ctx.t("purchase_point"), key="w_point")
        slots.add("purchase_point")
        numbered = st.session_state.get("w_receipt")
        on = day if isinstance(day, dt.date) else china_today()
        if not numbered or numbered == st.session_state.get("w_receipt_auto"):
            # the page's number (not the clerk's, nor a saved slip's): the next free one of
            # the day and point, read on every run, so that it is still free at the click
            stem = helpers.receipt_stem(on, point)
            st.session_state["w_receipt"] = s.next_receipt_no(contract.contract_no, stem)
            st.session_state["w_receipt_auto"] = st.session_state["w_receipt"]
        receipt = st.text_input(ctx.t("receipt_no"), key="w_receipt")
        slots.add("receipt_no")
        renumbered = st.session_state.pop("w_renumbered", None)
        if renumbered is not None:
            taken, other = renumbered
            st.error(ctx.t("receipt_renumbered", taken=taken, id=other, receipt=receipt))

    quote: Quote | None = None
    weighing: Weighing | None = None
    problems: list[Problem] = []
    typed = bool(str(st.session_state.get("w_gross", "")).strip())
    if typed:
        weighing, problems = _weighing(grade, ctx.lang)

    # A slip saved in this session shows as saved (and is not saved twice on a second click)
    # while the form still holds it and its record stands: voided, it is saved again as the
    # receipt's next revision; priced again after another slip's void, its current record is
    # the one shown and printed. The same receipt number on other data is the store's to
    # refuse, not a slip to show as saved.
    saved: dict[str, tuple[int, tuple[object, ...]]] = st.session_state.setdefault("w_saved", {})
    receipt_no = receipt.strip()
    slip = (contract.contract_no, weighing, day, point.strip())
    found = saved.get(receipt_no)
    done = None
    if found is not None and found[1] == slip:
        done = s.current_delivery(found[0])
        if done is None:
            del saved[receipt_no]

    if not typed:
        st.info(ctx.t("enter_weights"))
    elif done is not None:
        quote = done.quote  # as saved: priced again now, it would count itself as delivered
    elif weighing is not None and isinstance(day, dt.date):
        try:
            quote = s.quote_slip(contract.contract_no, weighing, day, receipt_no)
        except ValidationError as exc:
            problems = list(exc.problems)
    app.show_problems(slots.show(problems, ctx.lang), ctx.lang)
    confirmed = True
    shown = None
    doubts: list[str] = []
    if quote is not None:
        doubts = _doubts(ctx, contract.terms, quote, contract.harvest(s.catalog))
        shown = _show_quote(ctx, quote, doubts, saved=done is not None)
        if doubts:  # asked again for another contract, day or figures: the box is keyed by them
            key = app.owned_key("w_checked", (contract.contract_no, day, weighing))
            confirmed = st.checkbox(ctx.t("checked_save_anyway"), key=key)
    if found is not None and done is not None and done.id != found[0]:
        st.info(ctx.t("slip_priced_again", receipt=done.receipt_no, old=found[0], id=done.id))
    clicked = st.button(
        ctx.t("save_slip"),
        key="w_save",
        type="primary",
        disabled=quote is None or done is not None or not confirmed,
    )
    if clicked and weighing is not None and isinstance(day, dt.date):
        try:
            recorded = s.record_delivery(
                contract.contract_no,
                weighing,
                day,
                receipt_no,
                purchase_point=point.strip(),
                anew=True,  # typed again after its record was voided: recorded again
                # the page's number: a record of it is another scale's slip, not this one
                new_receipt=receipt_no == st.session_state.get("w_receipt_auto"),
            )
        except ConflictError as exc:
            if exc.code != "receipt_in_use":
                slots.refuse(exc, ctx.lang)  # the clerk's number is another slip's
            else:  # drawn by another scale at once: the next free number, the figures kept
                st.session_state["w_renumbered"] = (receipt_no, exc.params.get("id"))
                st.rerun()
        except ValidationError as exc:
            slots.refuse(exc, ctx.lang)
        else:
            saved[receipt_no] = (recorded.id, slip)
            st.session_state["w_receipt_auto"] = None  # the slip's number now, kept
            done = recorded
            _show_quote(ctx, recorded.quote, doubts, saved=True, place=shown)
            st.session_state.pop("w_fix_done", None)  # the slip put right is saved
            # the later slips priced again behind it, their receipts on one page to print
            ids = recorded.repriced
            st.session_state["w_repriced"] = (
                recorded.id,
                ids,
                [s.delivery(i).receipt_no for i in ids],
                s.receipts_html(ids, lang=ctx.lang).encode() if ids else b"",
            )
    if done is not None:
        st.success(ctx.t("slip_saved", receipt=done.receipt_no, amount=helpers.yuan(done.amount)))
        cols = st.columns(2)
        cols[0].download_button(
            ctx.t("print_receipt"),
            data=s.receipt_html(done.id, lang=ctx.lang).encode(),
            file_name=f"receipt-{done.receipt_no}.html",
            mime="text/html",
            key="w_print",
        )
        cols[1].button(ctx.t("next_slip"), key="w_next", on_click=_next_slip)
        of, repriced, receipts, page = st.session_state.get("w_repriced", (0, (), [], b""))
        if repriced and of == done.id:  # shown with the slip whose saving priced them
            said = ctx.t("repriced_in_place", ids="、".join(receipts))  # the numbers on the paper
            app.offer_reprints(ctx, said, receipts, page, "w_print_repriced")

    st.subheader(ctx.t("slips_of_contract"))
    _slips_table(ctx, contract.contract_no)
    _correct(ctx, contract.contract_no, day_key)


def _correct(ctx: app.Ctx, contract_no: str, day_key: str) -> None:
    """Void a slip of the contract with its reason and put its figures back on the form, to be
    put right and saved again: in its place in the quota's order, as the weighing page saves a
    voided slip typed again."""
    s = ctx.session
    live = [d for d in s.deliveries(contract_no=contract_no) if not d.voided]
    done = st.session_state.get("w_fix_done")
    if done is not None and done[0] == contract_no:
        st.info(ctx.t("corrected_ready", receipt=done[1]))
        if done[2]:
            said = ctx.t("repriced", ids="、".join(done[2]))
            app.offer_reprints(ctx, said, done[2], done[3], "w_fix_print")
    if not live:
        return
    labels = {
        d.id: f"{d.receipt_no} · {helpers.day(d.day)} · {d.weighing.grade} · "
        f"{helpers.kg(d.quote.net_kg)} · {helpers.yuan(d.amount)}"
        for d in live
    }
    with st.expander(ctx.t("correct_slip")):
        st.caption(ctx.t("correct_note"))
        picked = st.selectbox(
            ctx.t("slip_to_correct"),
            list(labels),
            index=None,
            key=app.owned_key("w_fix_id", contract_no),
            format_func=lambda i: labels[i],
        )
        reason_key = app.owned_key("w_fix_reason", contract_no)
        st.text_input(ctx.t("reason"), key=reason_key)
        st.button(
            ctx.t("void_and_correct"),
            key="w_fix",
            disabled=picked is None,
            on_click=_void_to_correct,
            args=(ctx, contract_no, picked, reason_key, day_key),
        )
        refused = st.session_state.pop("w_fix_refused", None)
        if refused:
            st.error(refused)


def _void_to_correct(
    ctx: app.Ctx, contract_no: str, delivery_id: int | None, reason_key: str, day_key: str
) -> None:
    """Void the slip and fill the form with its figures (a callback: before the widgets are
    drawn); a refusal is kept to be shown, and nothing is changed."""
    if delivery_id is None:
        return
    s, state = ctx.session, st.session_state
    try:
        void = s.void("delivery", delivery_id, str(state.get(reason_key, "")))
    except ValidationError as exc:
        state["w_fix_refused"] = "；".join(p.message(ctx.lang) for p in exc.problems)
        return
    except OrderfarmError as exc:
        state["w_fix_refused"] = exc.message(ctx.lang)
        return
    d = s.delivery(delivery_id)
    w = d.weighing
    state["w_grade"] = w.grade
    state["w_gross"] = format(w.gross_kg, "f")
    state["w_tare"] = format(w.tare_kg, "f")
    state["w_moisture"] = format_rate(w.moisture, sign="") if w.moisture else ""
    state["w_impurity"] = format_rate(w.impurity, sign="") if w.impurity else ""
    state["w_point"] = d.purchase_point
    state["w_receipt"] = d.receipt_no
    state["w_receipt_auto"] = None  # the clerk's number now: kept whatever the day
    state[day_key] = d.day
    state.pop(reason_key, None)
    state.pop(app.owned_key("w_fix_id", contract_no), None)
    ids = void.repriced
    receipts = [s.delivery(i).receipt_no for i in ids]
    page = s.receipts_html(ids, lang=ctx.lang).encode() if ids else b""
    state["w_fix_done"] = (contract_no, d.receipt_no, receipts, page)


app.run(body)
