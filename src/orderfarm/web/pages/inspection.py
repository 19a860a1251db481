"""督察抽查 Inspection: a reproducible sample of a season's households with their slips, and its
checklist to take to the villages. Read only: an inspector is a viewer (IDs masked)."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from orderfarm.money import format_rate
from orderfarm.session import INSPECTION_MAX_SIZE
from orderfarm.web import app, helpers


def _sample(ctx: app.Ctx) -> None:
    s = ctx.session
    st.caption(ctx.t("inspection_note"))
    season = app.season_picker(ctx, key="i_season")
    if season is None:
        return
    cols = st.columns(2)
    size = int(
        cols[0].number_input(
            ctx.t("sample_size"),
            min_value=1,
            max_value=INSPECTION_MAX_SIZE,
            value=10,
            step=1,
            key="i_size",
        )
    )
    seed = int(
        cols[1].number_input(ctx.t("sample_seed"), min_value=0, value=season, step=1, key="i_seed")
    )
    items = s.inspection_sample(season, size, seed)
    drawn = (season, size, seed)
    if st.button(ctx.t("prepare_checklist"), key="i_prepare"):
        table = s.inspection_table(season, size, seed, ctx.lang)
        name = f"{ctx.t('inspection_file')}-{season}-{seed}.xlsx"
        st.session_state["i_checklist"] = (drawn, app.table_bytes(table, "xlsx", ctx.lang), name)
    prepared = st.session_state.get("i_checklist")
    if prepared and prepared[0] == drawn:  # the checklist of the sample shown, not an earlier one
        st.download_button(
            ctx.t("download"), data=prepared[1], file_name=prepared[2], key="i_download"
        )
    voids = s.voids("delivery", [d.id for item in items for d in item.deliveries if d.voided])
    for item in items:
        h = item.household
        total = sum((d.amount for d in item.deliveries if not d.voided), start=Decimal(0))
        with st.expander(
            f"{h.head_name} · {h.place} · {h.resident_id} · {len(item.deliveries)} · {helpers.yuan(total)}"
        ):
            st.dataframe(
                [
                    {
                        ctx.t("receipt_no"): d.receipt_no,
                        ctx.t("day"): helpers.day(d.day),
                        ctx.t("purchase_point"): d.purchase_point,
                        ctx.t("grade"): d.weighing.grade,
                        ctx.t("gross_kg"): str(d.weighing.gross_kg),
                        ctx.t("tare_kg"): str(d.weighing.tare_kg),
                        ctx.t("moisture_pct"): format_rate(d.weighing.moisture, sign=""),
                        ctx.t("impurity_pct"): format_rate(d.weighing.impurity, sign=""),
                        ctx.t("net_kg"): helpers.kg(d.quote.net_kg),
                        ctx.t("amount"): helpers.yuan(d.amount),
                        ctx.t("rejected"): ""
                        if d.quote.accepted
                        else "✓",  # a lot refused: nothing paid
                        ctx.t("voided"): "✓" if d.voided else "",
                        ctx.t("void_reason"): app.void_said(ctx, voids.get(d.id)),
                    }
                    for d in item.deliveries
                ],
                hide_index=True,
                width="stretch",
            )


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_inspection"))
    _sample(ctx)


app.run(body)
