"""结算 Settlement: each household's statement, the season's settlement, the bank list."""

from __future__ import annotations

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.printables import unrecovered_said
from orderfarm.settlement import LineKind
from orderfarm.units import china_today, format_quantity
from orderfarm.web import app, helpers

#: Totals of a statement to a row: each read whole at 1366×768 (tests/e2e).
_PER_ROW = 3


def _statement(ctx: app.Ctx, season: int) -> None:
    s = ctx.session
    st.subheader(ctx.t("statement"))
    home = app.household_picker(ctx, key="s_household")
    if home is None:
        return
    statement = s.statement(home.ref, season)
    t = statement.totals
    # the advances proceeds did not recover are carried to the next season or waived, as each
    # contract says: shown beside what was recovered, so the advances add up. Three to a row:
    # six side by side are cut to 「¥8,326…」 on a 1366-px laptop
    totals = [
        ("proceeds", t.proceeds),
        ("recovered", t.recovered),
        ("carried_out", t.carried_out),
        ("waived", t.waived),
        ("paid", t.paid),
        ("balance", t.balance),
    ]
    for start in range(0, len(totals), _PER_ROW):
        for col, (key, value) in zip(
            st.columns(_PER_ROW), totals[start : start + _PER_ROW], strict=True
        ):
            col.metric(ctx.t(key), helpers.yuan(value))
    said = unrecovered_said(t, ctx.lang)  # how 结转下季 and 核销 come from the advances
    if said:
        st.caption(said)
    kinds = {
        LineKind.CARRIED: ctx.t("line_carried"),
        LineKind.INPUT: ctx.t("line_input"),
        LineKind.DELIVERY: ctx.t("line_delivery"),
        LineKind.PAYMENT: ctx.t("line_payment"),
    }
    rows = [
        {
            ctx.t("line_kind"): kinds[line.kind],
            ctx.t("reference"): line.reference,
            ctx.t("contract"): line.contract_no,
            ctx.t("day"): helpers.day(line.day),
            ctx.t("description"): line.description_in(ctx.lang),
            ctx.t("amount"): helpers.yuan(line.amount),
        }
        for line in statement.lines
    ]
    if rows:
        st.table(rows)  # a plain table: a statement is short, and reads (and prints) as text
    else:
        st.caption(ctx.t("none_yet"))
    for contract_no, agreed in s.unsupplied(home.ref, season):  # lest an advance go unrecovered
        st.warning(
            ctx.t(
                "advance_not_recorded",
                contract=contract_no,
                item=agreed.item,
                quantity=format_quantity(agreed.quantity),
                unit=agreed.unit,
                amount=helpers.yuan(agreed.amount),
            )
        )
    st.download_button(
        ctx.t("print_statement"),
        data=s.statement_html(home.ref, season, lang=ctx.lang, printed_on=china_today()).encode(),
        file_name=f"statement-{season}-{home.head_name}.html",
        mime="text/html",
        key="s_print",
    )


def _season(ctx: app.Ctx, season: int) -> None:
    s = ctx.session
    st.subheader(ctx.t("season_settlement"))
    settled = s.settle(season)
    rows = [
        {
            ctx.t("head_name"): x.head_name,
            ctx.t("resident_id"): x.household_id,
            ctx.t("village"): f"{x.township} {x.village}",
            ctx.t("proceeds"): helpers.yuan(x.totals.proceeds),
            ctx.t("recovered"): helpers.yuan(x.totals.recovered),
            ctx.t("carried_out"): helpers.yuan(x.totals.carried_out),
            ctx.t("waived"): helpers.yuan(x.totals.waived),
            ctx.t("payable"): helpers.yuan(x.totals.payable),
            ctx.t("paid"): helpers.yuan(x.totals.paid),
            ctx.t("balance"): helpers.yuan(x.totals.balance),
        }
        for x in settled
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    fmt = st.radio(ctx.t("file_format"), ["xlsx", "csv"], key="s_format", horizontal=True)
    exports = ["settlement", "statements"]
    if s.may(Permission.RECORD_PAYMENT):
        exports.append("bank")
    what = st.selectbox(
        ctx.t("download_what"), exports, key="s_what", format_func=lambda w: ctx.t(f"export_{w}")
    )
    full = app.full_ids_choice(ctx, key="s_full")
    app.export_download(ctx, key="s", what=str(what), season=season, fmt=str(fmt), full=full)


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_settlement"))
    season = app.season_picker(ctx, key="s_season")
    if season is None:
        return
    tabs = st.tabs([ctx.t("statement"), ctx.t("season_settlement")])
    with tabs[0]:
        _statement(ctx, season)
    with tabs[1]:
        _season(ctx, season)


app.run(body)
