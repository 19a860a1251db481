"""市场价 Market prices: enter the day's price per crop, form and grade; see the season's series."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.errors import ValidationError
from orderfarm.messages import render
from orderfarm.pricing import market_price_doubt
from orderfarm.units import china_today
from orderfarm.web import app, helpers


def _plausible(ctx: app.Ctx, floor: Decimal | None, typed: str, of: tuple[object, ...]) -> bool:
    """Whether the typed price may be saved: at once unless the library questions it
    (``market_price_doubt``); then once the user ticks that it was checked (for that price
    ``of`` that crop, form, grade and day: any of them changed asks again)."""
    try:
        value = helpers.parse_decimal(typed, "market_price")
    except ValidationError:
        return True  # the save refuses it, under the field
    doubt = None if value is None else market_price_doubt(floor, value)
    if doubt is None:
        return True
    st.warning(render(doubt.code, doubt.params, ctx.lang))
    key = app.owned_key("m_checked", (*of, typed))
    return bool(st.checkbox(ctx.t("checked_save_anyway"), key=key))


def _typed(text: str) -> Decimal | None:
    """The price typed, or ``None`` when there is none or it is not a number."""
    try:
        return helpers.parse_decimal(text, "market_price", required=False)
    except ValidationError:
        return None


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_market"))
    done = st.session_state.pop("m_done", None)
    if done:
        st.success(done)
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
    if s.may_write(Permission.SET_PRICES):
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
            if existing is not None and existing == _typed(str(price)):  # saved just now
                st.caption(ctx.t("price_is", price=helpers.price(existing)))
            elif existing is not None:
                st.warning(ctx.t("price_exists", price=helpers.price(existing)))
        floor = product.floors.get(str(grade))
        confirmed = _plausible(ctx, floor, str(price), (crop, form, grade, day))
        if st.button(ctx.t("save"), key="m_save", type="primary", disabled=not confirmed):
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
            else:  # drawn again: the warning above and the series below show the new price
                st.session_state["m_done"] = ctx.t("price_saved", price=helpers.price(value))
                st.rerun()
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
