"""总览 Dashboard: the season's KPIs, charts by township, village and crop, estimate vs actual."""

from __future__ import annotations

from typing import Any

import streamlit as st

from orderfarm.web import app, helpers


def _chart(rows: list[dict[str, Any]], index: str, value: str) -> None:
    if rows:
        st.bar_chart(rows, x=index, y=value, horizontal=True)


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_dashboard"))
    season = app.season_picker(ctx, key="d_season")
    if season is None:
        return
    # by township, each household counted once: the table below shows the same rows at first
    k = helpers.kpis(s.report(season, by=("township",)))
    first = st.columns(4)
    first[0].metric(ctx.t("households_contracted"), f"{k.households:,}")
    first[1].metric(ctx.t("of_which_poor"), f"{k.poor_households:,}")
    first[2].metric(ctx.t("area_mu"), helpers.mu(k.area_mu))
    first[3].metric(ctx.t("delivered"), helpers.kg(k.delivered_kg))
    # outstanding = proceeds − advances recovered from them − paid: all four shown
    second = st.columns(4)
    second[0].metric(ctx.t("proceeds"), helpers.yuan(k.proceeds))
    second[1].metric(ctx.t("recovered"), helpers.yuan(k.recovered))
    second[2].metric(ctx.t("paid"), helpers.yuan(k.paid))
    second[3].metric(ctx.t("outstanding"), helpers.yuan(k.balance))

    proceeds = ctx.t("proceeds")
    by = st.radio(
        ctx.t("group_by"),
        ["township", "village", "crop"],
        key="d_by",
        horizontal=True,
        format_func=lambda key: ctx.t(f"by_{key}"),
    )
    rows = s.report(season, by=(str(by),) if by != "village" else ("township", "village"))
    table: list[dict[str, Any]] = []
    chart: list[dict[str, Any]] = []
    for r in rows:
        if by == "crop":
            name = helpers.crop_name(s.catalog, r.crop, ctx.lang)
        elif by == "village":
            name = f"{r.township} {r.village}"
        else:
            name = r.township or ""
        chart.append({ctx.t("report_group"): name, proceeds: float(r.proceeds)})  # for drawing only
        table.append(
            {
                ctx.t("report_group"): name,
                ctx.t("households_contracted"): r.households,
                ctx.t("of_which_poor"): r.poor_households,
                ctx.t("area_mu"): helpers.mu(r.area_mu),
                ctx.t("delivered"): helpers.kg(r.delivered_kg),
                proceeds: helpers.yuan(r.proceeds),
                ctx.t("recovered"): helpers.yuan(r.recovered),
                ctx.t("paid"): helpers.yuan(r.paid),
                ctx.t("outstanding"): helpers.yuan(r.balance),
            }
        )
    _chart(chart, ctx.t("report_group"), proceeds)
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(ctx.t("outstanding_is"))
    if by == "crop":
        st.caption(ctx.t("shared_by_crop"))

    st.subheader(ctx.t("estimate_vs_actual"))
    compared = s.actuals(season, "crop")
    est_label, act_label = ctx.t("estimated_increase"), ctx.t("actual_increase")
    st.dataframe(
        [
            {
                ctx.t("by_crop"): helpers.crop_name(s.catalog, a.key, ctx.lang),
                ctx.t("households_contracted"): a.households,
                ctx.t("expected_kg"): helpers.kg(a.expected_kg),
                ctx.t("delivered"): helpers.kg(a.delivered_kg),
                ctx.t("fulfilment"): helpers.percent(a.fulfilment),
                est_label: helpers.yuan(a.estimated_increase),
                act_label: helpers.yuan(a.actual_increase),
                ctx.t("flagged"): a.flagged_contracts,
            }
            for a in compared
        ],
        hide_index=True,
        width="stretch",
    )
    long = [
        {ctx.t("by_crop"): helpers.crop_name(s.catalog, a.key, ctx.lang), "": label, "¥": float(v)}
        for a in compared
        for label, v in ((est_label, a.estimated_increase), (act_label, a.actual_increase))
    ]
    if long:
        st.bar_chart(long, x=ctx.t("by_crop"), y="¥", color="", stack=False)
    st.caption(ctx.t("flagged_note"))


app.run(body)
