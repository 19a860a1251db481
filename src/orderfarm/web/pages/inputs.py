"""投入 Inputs: seed tubers, seedlings, film or fertiliser handed out under a contract."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from orderfarm.errors import ValidationError
from orderfarm.store import ConflictError, InputRecord
from orderfarm.supplies import ChargeMode, InputSupply
from orderfarm.units import china_today, format_quantity
from orderfarm.web import app, helpers


def _say_saved(ctx: app.Ctx, record: InputRecord, *, again: bool) -> None:
    """Say the supply was recorded, or, saved ``again`` (a second click, or typed twice), under
    which record it was recorded already, and why that one is voided if it is."""
    amount = helpers.yuan(record.amount)
    if not again:
        st.success(ctx.t("input_saved", item=record.supply.item, amount=amount))
    elif record.voided:
        void = ctx.session.voids("supply", [record.id]).get(record.id)
        why = app.void_said(ctx, void)
        st.warning(
            ctx.t("input_recorded_voided", id=record.id, reference=record.reference, why=why)
        )
    else:
        st.info(
            ctx.t(
                "input_recorded",
                id=record.id,
                reference=record.reference,
                item=record.supply.item,
                amount=amount,
            )
        )


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_inputs"))
    picked = app.signed_contract_picker(ctx, prefix="i", preselect=False)
    if picked is None:
        return
    season, home, contract = picked

    def defaults() -> dict[str, str]:
        first = contract.inputs[0] if contract.inputs else None
        return {
            "i_item": first.item if first else "",
            "i_unit": first.unit if first else "",
            "i_quantity": str(first.quantity) if first else "",
            "i_unit_cost": str(first.unit_cost) if first else "",
            "i_charge": (first.charge if first else ChargeMode.ADVANCE).value,
        }

    keys = ("i_item", "i_unit", "i_quantity", "i_unit_cost", "i_charge")
    k = app.prefill("i_for", contract.contract_no, keys, defaults)
    slots = app.Slots()
    left, right = st.columns(2)
    with left:
        item = st.text_input(ctx.t("item"), key=k["i_item"])
        slots.add("item")
        quantity = st.text_input(ctx.t("quantity"), key=k["i_quantity"])
        slots.add("quantity")
        unit = st.text_input(ctx.t("unit"), key=k["i_unit"])
        slots.add("unit")
        unit_cost = st.text_input(ctx.t("unit_cost"), key=k["i_unit_cost"])
        slots.add("unit_cost")
    with right:
        charge = st.selectbox(
            ctx.t("charge"),
            [m.value for m in ChargeMode],
            key=k["i_charge"],
            format_func=lambda v: ctx.t(f"charge_{v}"),
        )
        if st.session_state.get("i_day_for") != contract.contract_no:  # a day of its season
            st.session_state["i_day"] = helpers.default_supply_day(contract, china_today())
            st.session_state["i_day_for"] = contract.contract_no
        day = st.date_input(ctx.t("day"), key="i_day", format="YYYY-MM-DD")
        slots.add("day")
        reference = st.text_input(ctx.t("supply_reference"), key="i_reference")
        slots.add("supply_no")
    if st.button(ctx.t("save"), key="i_save", type="primary"):
        values, problems = helpers.collect(
            ("quantity", quantity, True), ("unit_cost", unit_cost, True)
        )
        supply: InputSupply | None = None
        if not problems:
            try:
                supply = InputSupply(
                    item,
                    helpers.required(values, "quantity"),
                    unit,
                    helpers.required(values, "unit_cost"),
                    ChargeMode(str(charge)),
                )
            except ValidationError as exc:
                problems = list(exc.problems)
        if problems or supply is None:
            app.show_problems(slots.show(problems, ctx.lang), ctx.lang)
        else:
            # the store answers the same supply again with the one recorded
            recorded = {r.id for r in s.input_records(household=home.ref, season=season)}
            try:
                record = s.supply_input(
                    contract.contract_no,
                    supply,
                    day if isinstance(day, dt.date) else china_today(),
                    str(reference),
                )
            except (ValidationError, ConflictError) as exc:
                slots.refuse(exc, ctx.lang)  # or the reference is taken
            else:
                _say_saved(ctx, record, again=record.id in recorded)
    st.subheader(ctx.t("inputs_of_household"))
    records = s.input_records(household=home.ref, season=season)
    voids = s.voids("supply", [r.id for r in records if r.voided])
    rows = [
        {
            ctx.t("record_id"): r.id,  # what a void (on the 付款 page) asks for
            ctx.t("supply_reference"): r.reference,
            ctx.t("contract"): r.contract_no,
            ctx.t("day"): helpers.day(r.day),
            ctx.t("item"): r.supply.item,
            ctx.t("quantity"): f"{format_quantity(r.supply.quantity)} {r.supply.unit}",
            ctx.t("unit_cost"): str(r.supply.unit_cost),
            ctx.t("charge"): ctx.t(f"charge_{r.supply.charge.value}"),
            ctx.t("amount"): helpers.yuan(r.amount),
            ctx.t("voided"): "✓" if r.voided else "",
            ctx.t("void_reason"): app.void_said(ctx, voids.get(r.id)),
        }
        for r in records
    ]
    app.records_table(ctx, rows)


app.run(body)
