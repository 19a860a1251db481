"""增收测算 Income estimate: one household's what-if with the spread of its income and what the
floor secures; village and crop aggregates of the season's contracts."""

from __future__ import annotations

from typing import Any

import streamlit as st

from orderfarm.errors import ValidationError
from orderfarm.estimate import DEFAULT_BASELINE_NET_PER_MU
from orderfarm.web import app, helpers


def _what_if(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("what_if"))
    forms = helpers.crop_forms(s.catalog)
    crop_form = st.selectbox(
        ctx.t("crop_template"),
        forms,
        key="e_form",
        format_func=lambda cf: helpers.crop_label(s.catalog, cf[0], cf[1], ctx.lang),
    )
    if crop_form is None:
        return
    crop, form = crop_form
    product = s.catalog.form(crop, form)

    def defaults() -> dict[str, str]:
        protected = [g for g in product.grades if g in product.floors]
        grade = protected[0] if protected else product.grades[0]
        return {
            "e_grade": grade,
            "e_area": "2",
            "e_yield": str(product.yield_kg_per_mu),
            "e_price": str(product.market_price),
            "e_floor": str(product.floors.get(grade, "")),
            "e_baseline": str(DEFAULT_BASELINE_NET_PER_MU),
        }

    keys = ("e_grade", "e_area", "e_yield", "e_price", "e_floor", "e_baseline")
    k = app.prefill("e_for", crop_form, keys, defaults)
    slots = app.Slots()
    left, right = st.columns(2)
    with left:
        grade = str(st.selectbox(ctx.t("grade"), list(product.grades), key=k["e_grade"]))
        st.text_input(ctx.t("area_mu"), key=k["e_area"])
        slots.add("area_mu")
        st.text_input(ctx.t("yield_per_mu"), key=k["e_yield"])
        slots.add("yield_kg_per_mu")
    with right:
        st.text_input(ctx.t("expected_price"), key=k["e_price"])
        slots.add("market_price")
        st.text_input(ctx.t("floor_price_kg"), key=k["e_floor"], help=ctx.t("floor_blank"))
        slots.add("floor")
        st.text_input(ctx.t("baseline_per_mu"), key=k["e_baseline"])
        slots.add("baseline_net_per_mu")
    state = st.session_state
    values, problems = helpers.collect(
        ("area_mu", str(state[k["e_area"]]), True),
        ("yield_kg_per_mu", str(state[k["e_yield"]]), True),
        ("market_price", str(state[k["e_price"]]), True),
        ("floor", str(state[k["e_floor"]]), False),
        ("baseline_net_per_mu", str(state[k["e_baseline"]]), True),
    )
    if problems:
        app.show_problems(slots.show(problems, ctx.lang), ctx.lang)
        return
    try:
        result = helpers.what_if(
            s.catalog,
            crop,
            form,
            helpers.required(values, "area_mu"),
            grade=grade,
            yield_kg_per_mu=helpers.required(values, "yield_kg_per_mu"),
            market_price=helpers.required(values, "market_price"),
            floor=values["floor"],
            baseline_net_per_mu=helpers.required(values, "baseline_net_per_mu"),
        )
    except ValidationError as exc:
        slots.refuse(exc, ctx.lang)
        return
    e = result.protected
    cols = st.columns(4)
    cols[0].metric(ctx.t("expected_paid_price"), helpers.price(e.expected_paid_price, places=4))
    cols[1].metric(ctx.t("net_income"), helpers.yuan(e.net))
    cols[2].metric(ctx.t("increase"), helpers.yuan(e.increase))
    cols[3].metric(ctx.t("floor_value"), helpers.yuan(e.floor_value))
    st.markdown(
        ctx.t(
            "floor_secures",
            amount=helpers.yuan(result.floor_secures),
            p10=helpers.yuan(result.risk_protected.p10_net),
            p10_without=helpers.yuan(result.risk_unprotected.p10_net),
            binds=helpers.percent(result.risk_protected.prob_floor_binds),
        )
    )
    labels = {
        "with_floor": ctx.t("with_floor"),
        "without_floor": ctx.t("without_floor"),
        "mean": ctx.t("mean"),
    }
    rows = result.chart_rows(labels)
    st.bar_chart(
        [
            {
                ctx.t("statistic"): r["stat"],
                ctx.t("scenario"): r["scenario"],
                ctx.t("net_income"): r["net"],
            }
            for r in rows
        ],
        x=ctx.t("statistic"),
        y=ctx.t("net_income"),
        color=ctx.t("scenario"),
        stack=False,
    )
    st.caption(ctx.t("distribution_note", draws=result.risk_protected.draws))
    with st.expander(ctx.t("how_computed")):
        st.text(e.explain(ctx.lang))


def _aggregates(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("aggregates"))
    season = app.season_picker(ctx, key="e_season")
    if season is None:
        return
    by = st.radio(
        ctx.t("group_by"),
        ["village", "crop", "township"],
        key="e_by",
        horizontal=True,
        format_func=lambda k: ctx.t(f"by_{k}"),
    )
    groups = s.estimate_groups(season, by)  # type: ignore[arg-type]  # one of the radio's keys
    rows: list[dict[str, Any]] = []
    for g in groups:
        name = (
            helpers.crop_name(s.catalog, g.key, ctx.lang)
            if by == "crop"
            else helpers.group_label(g.key)
        )
        rows.append(
            {
                ctx.t("report_group"): name,
                ctx.t("households_contracted"): g.households,
                ctx.t("area_mu"): helpers.mu(g.area_mu),
                ctx.t("expected_kg"): helpers.kg(g.expected_kg),
                ctx.t("increase"): helpers.yuan(g.total_increase),
                ctx.t("average_increase"): helpers.yuan(g.average_increase),
                ctx.t("floor_value"): helpers.yuan(g.floor_value),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    chart = [
        {
            ctx.t("report_group"): r[ctx.t("report_group")],
            ctx.t("average_increase"): float(g.average_increase),
        }
        for r, g in zip(rows, groups, strict=True)
    ]
    if chart:
        st.bar_chart(chart, x=ctx.t("report_group"), y=ctx.t("average_increase"), horizontal=True)


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_estimate"))
    _what_if(ctx)
    _aggregates(ctx)


app.run(body)
