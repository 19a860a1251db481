"""市场价 Market prices: enter the day's price per crop, form and grade; see the season's series."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.errors import ValidationError
from orderfarm.units import china_today
from orderfarm.web import app, helpers


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_market"))
    forms = helpers.crop_forms(s.catalog)
    crop_form = st.selectbox(
        ctx.t("crop_template"),
        forms,
        key="m_form",
        format_func=lambda cf: helpers.crop_label(s.catalog, cf[0], cf[1], ctx.lang),
    )
    if crop_form is None:
        return
    crop, form = crop_form
    product = s.catalog.form(crop, form)
    if s.may(Permission.SET_PRICES):
        st.subheader(ctx.t("enter_price"))
        slots = app.Slots()
        cols = st.columns(3)
        with cols[0]:
            grade = st.selectbox(ctx.t("grade"), list(product.grades), key="m_grade")
        with cols[1]:
            day = st.date_input(ctx.t("day"), value=china_today(), key="m_day", format="YYYY-MM-DD")
            slots.add("day")
        with cols[2]:
            price = st.text_input(ctx.t("price_per_kg"), key="m_price")
            slots.add("market_price")
        if isinstance(day, dt.date):
            existing = s.market_price(crop, form, str(grade), day)
            if existing is not None:
                st.warning(ctx.t("price_exists", price=helpers.price(existing)))
        if st.button(ctx.t("save"), key="m_save", type="primary"):
            try:
                value = helpers.parse_decimal(str(price), "market_price")
                assert value is not None
                s.set_market_price(
                    crop,
                    form,
                    str(grade),
                    day if isinstance(day, dt.date) else china_today(),
                    value,
                )
            except ValidationError as exc:
                slots.refuse(exc, ctx.lang)
            else:
                st.success(ctx.t("price_saved", price=helpers.price(value)))
    seasons = s.seasons()
    season = st.selectbox(ctx.t("season"), seasons, key="m_season") if seasons else None
    series = helpers.price_series(s.market_prices(season), crop, form)
    if not series:
        st.caption(ctx.t("no_prices"))
        return
    rows = [
        {ctx.t("day"): day.isoformat(), ctx.t("grade"): grade, ctx.t("price_per_kg"): float(p)}
        for grade, days in series.items()
        for day, p in days.items()
    ]
    st.line_chart(rows, x=ctx.t("day"), y=ctx.t("price_per_kg"), color=ctx.t("grade"))
    floors = ", ".join(f"{g} {helpers.price(f)}" for g, f in product.floors.items())
    st.caption(ctx.t("default_floors", floors=floors))
    st.dataframe(
        [
            {
                ctx.t("day"): day.isoformat(),
                ctx.t("grade"): grade,
                ctx.t("price_per_kg"): helpers.price(p),
            }
            for grade, days in series.items()
            for day, p in sorted(days.items(), reverse=True)
        ],
        hide_index=True,
        width="stretch",
        height=300,
    )


app.run(body)
