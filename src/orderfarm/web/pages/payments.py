"""付款 Payments: pay a household its balance; void a slip, a supply or a payment with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.errors import ValidationError
from orderfarm.session import VoidTarget
from orderfarm.settlement import OverpaymentError, Statement
from orderfarm.store import ConflictError, NotFoundError, Payment
from orderfarm.units import china_today
from orderfarm.web import app, helpers


def _totals(ctx: app.Ctx, statement: Statement, place: Any = None) -> Any:
    """The household's totals, drawn in ``place`` (a new one by default), which is returned:
    a payment refused takes them afresh there (another clerk may have paid meanwhile)."""
    place = place if place is not None else st.empty()
    t = statement.totals
    cols = place.container().columns(4)
    cols[0].metric(ctx.t("proceeds"), helpers.yuan(t.proceeds))
    cols[1].metric(ctx.t("recovered"), helpers.yuan(t.recovered))
    cols[2].metric(ctx.t("paid"), helpers.yuan(t.paid))
    cols[3].metric(ctx.t("balance"), helpers.yuan(t.balance))
    return place


#: the payment form's fields, empty for each household (``app.prefill``)
_FORM = ("p_amount", "p_reference", "p_note")


def _done(message: str, level: str = "success") -> None:
    """Say ``message`` on the page drawn again (as a ``success``, ``info`` or ``warning``):
    the totals and tables above the form then show what was just written, and the form
    starts empty."""
    st.session_state["p_done"] = (level, message)
    st.session_state.pop("p_form_for", None)
    st.rerun()


def _recorded_before(ctx: app.Ctx, payment: Payment) -> tuple[str, str]:
    """What to say of a payment saved that was recorded already (the same payment again: a
    second click, or typed twice), and how: under which record, and why it is voided if it
    is (the payment then stands nowhere)."""
    if payment.voided:
        void = ctx.session.voids("payment", [payment.id]).get(payment.id)
        why = app.void_said(ctx, void)
        return (
            ctx.t("payment_recorded_voided", id=payment.id, reference=payment.reference, why=why),
            "warning",
        )
    amount = helpers.yuan(payment.amount)
    return (
        ctx.t("payment_recorded", id=payment.id, reference=payment.reference, amount=amount),
        "info",
    )


def _pay(ctx: app.Ctx, ref: str, season: int) -> None:
    s = ctx.session
    statement = s.statement(ref, season)
    totals = _totals(ctx, statement)
    # keyed by household: what was typed for one household never lands in the next one's form
    keys = app.prefill("p_form_for", (ref, season), _FORM, lambda: dict.fromkeys(_FORM, ""))
    slots = app.Slots()
    left, right = st.columns(2)
    with left:
        amount = st.text_input(
            ctx.t("amount_yuan"), key=keys["p_amount"], placeholder=str(statement.balance)
        )
        slots.add("amount")
        day = st.date_input(ctx.t("day"), value=china_today(), key="p_day", format="YYYY-MM-DD")
        slots.add("day")
    with right:
        reference = st.text_input(ctx.t("payment_reference"), key=keys["p_reference"])
        slots.add("reference")
        note = st.text_input(ctx.t("note"), key=keys["p_note"])
        slots.add("note")
    if st.button(ctx.t("record_payment"), key="p_save", type="primary"):
        # the store answers the same payment again with the one recorded
        recorded = {p.id for p in s.payments(household=ref, season=season)}
        try:
            value = helpers.parse_decimal(str(amount), "amount")
            assert value is not None
            payment = s.record_payment(
                ref,
                season,
                value,
                day if isinstance(day, dt.date) else china_today(),
                str(reference),
                note=str(note),
            )
        except (ValidationError, OverpaymentError, ConflictError) as exc:  # a reference taken
            slots.refuse(exc, ctx.lang)
            # the balance the refusal names, above it too: not as read before another
            # clerk's payment of the household landed
            _totals(ctx, s.statement(ref, season), totals)
        else:
            if payment.id in recorded:
                _done(*_recorded_before(ctx, payment))
            else:
                _done(ctx.t("payment_saved", amount=helpers.yuan(payment.amount)))
    payments = s.payments(household=ref, season=season)
    voids = s.voids("payment", [p.id for p in payments if p.voided])
    rows = [
        {
            ctx.t("record_id"): p.id,
            ctx.t("payment_reference"): p.reference,
            ctx.t("day"): helpers.day(p.day),
            ctx.t("amount"): helpers.yuan(p.amount),
            ctx.t("note"): p.note,
            ctx.t("voided"): "✓" if p.voided else "",
            ctx.t("void_reason"): app.void_said(ctx, voids.get(p.id)),
        }
        for p in payments
    ]
    st.subheader(ctx.t("payments_of_household"))
    app.records_table(ctx, rows)


def _target(ctx: app.Ctx, kind: str, record_id: int) -> VoidTarget | None:
    """Show whose record ``record_id`` is, which one and its amount, before it is voided; the
    record, or ``None`` when there is none to void."""
    if not record_id:
        return None
    try:
        target = ctx.session.void_target(kind, record_id)
    except NotFoundError as exc:
        st.warning(exc.message(ctx.lang))
        return None
    said = ctx.t(
        "void_target",
        kind=ctx.t(f"kind_{kind}"),
        id=record_id,
        name=target.head_name,
        label=target.label,
        day=helpers.day(target.day),
        amount=helpers.yuan(target.amount),
    )
    if target.voided:
        st.warning(ctx.t("already_voided", what=said, why=app.void_said(ctx, target.void)))
    else:
        st.info(said)
    return target


def _void(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("void_record"))
    st.caption(ctx.t("void_note"))
    slots = app.Slots()
    kind = st.selectbox(
        ctx.t("void_kind"),
        ["delivery", "supply", "payment"],
        key="v_kind",
        format_func=lambda k: ctx.t(f"kind_{k}"),
    )
    record_id = int(
        st.number_input(ctx.t("record_id"), min_value=1, value=None, step=1, key="v_id") or 0
    )
    target = _target(ctx, str(kind), record_id)
    reason = st.text_input(ctx.t("reason"), key="v_reason")
    slots.add("reason")
    if st.button(ctx.t("void"), key="v_save", disabled=target is None or target.voided):
        try:
            void = s.void(str(kind), record_id, str(reason))
        except ValidationError as exc:
            slots.refuse(exc, ctx.lang)
        else:
            # the slips priced again, their receipts on one page: made once, kept for the
            # reruns the download starts
            ids = void.repriced
            receipts = [s.delivery(i).receipt_no for i in ids]
            st.session_state["v_repriced"] = (
                ids,
                receipts,
                s.receipts_html(ids, lang=ctx.lang).encode() if ids else b"",
            )
            for key in ("v_id", "v_reason"):  # an empty form for the next void
                st.session_state.pop(key, None)
            _done(ctx.t("voided_ok", id=record_id))
    repriced, receipts, page = st.session_state.get("v_repriced", ((), [], b""))
    if repriced:
        said = ctx.t("repriced", ids="、".join(receipts))  # the numbers on the paper
        app.offer_reprints(ctx, said, receipts, page, "v_print")


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_payments"))
    done = st.session_state.pop("p_done", None)
    if done:
        level, message = done
        {"info": st.info, "warning": st.warning}.get(level, st.success)(message)
    season = app.season_picker(ctx, key="p_season")
    if season is None:
        return
    home = app.household_picker(ctx, key="p_household", season=season, preselect=False)
    if home is not None:
        _pay(ctx, home.ref, season)
    if s.may(Permission.VOID_RECORD):
        _void(ctx)


app.run(body)
