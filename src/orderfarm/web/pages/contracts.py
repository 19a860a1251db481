"""合同 Contracts: create from a crop template, sign a village's contracts at once, list and
filter, print a contract, end one (cancel a draft; terminate or close a signed one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.contracts import Contract, ContractStatus
from orderfarm.errors import ContractStateError, ValidationError
from orderfarm.money import format_rate
from orderfarm.units import china_today, format_quantity
from orderfarm.web import app, helpers


def _status(ctx: app.Ctx, status: ContractStatus) -> str:
    return status.zh if ctx.lang == "zh" else status.value


def _create(ctx: app.Ctx, season: int) -> None:
    s = ctx.session
    st.subheader(ctx.t("create_contract"))
    enterprises = {e.uscc: e for e in s.enterprises()}
    if not enterprises:
        st.info(ctx.t("no_enterprises"))
        return
    forms = helpers.crop_forms(s.catalog)
    slots = app.Slots()
    left, right = st.columns(2)
    with left:
        uscc = st.selectbox(
            ctx.t("enterprise"),
            list(enterprises),
            key="c_enterprise",
            format_func=lambda u: enterprises[u].name,
        )
        crop_form = st.selectbox(
            ctx.t("crop_template"),
            forms,
            key="c_form",
            format_func=lambda cf: helpers.crop_label(s.catalog, cf[0], cf[1], ctx.lang),
        )
        new_season = st.number_input(
            ctx.t("season"), min_value=2000, max_value=2100, value=season, step=1, key="c_season"
        )
        slots.add("season")
        area = st.text_input(ctx.t("area_mu"), key="c_area", placeholder="1.5")
        slots.add("area_mu")
    with right:
        home = app.household_picker(ctx, key="c_household", preselect=False)
        number = st.text_input(ctx.t("contract_no"), key="c_number")
        slots.add("contract_no")
    if home is None or uscc is None or crop_form is None:
        return
    contract: Contract | None = None
    if str(area).strip() or str(number).strip():
        try:
            contract = Contract.from_template(
                crop_form[0],
                crop_form[1],
                contract_no=str(number).strip(),
                enterprise=str(uscc),
                household=home.ref,
                season=int(new_season),
                area_mu=str(area),
                catalog=s.catalog,
            )
        except ValidationError as exc:
            slots.refuse(exc, ctx.lang)
    if contract is not None:
        terms = contract.terms
        st.caption(ctx.t("template_defaults"))
        st.dataframe(
            [
                {
                    ctx.t("grade"): grade,
                    ctx.t("floor_price"): helpers.price(terms.floors[grade])
                    if grade in terms.floors
                    else "—",
                }
                for grade in terms.grades
            ],
            hide_index=True,
        )
        st.write(
            ctx.t(
                "template_terms",
                window=f"{helpers.day(contract.delivery_start)} – {helpers.day(contract.delivery_end)}",
                moisture=(
                    format_rate(terms.moisture_standard)
                    if terms.moisture_standard is not None
                    else "—"
                ),
                linked=ctx.t("yes") if terms.market_linked else ctx.t("no"),
                inputs="、".join(
                    f"{i.item} {format_quantity(i.quantity)} {i.unit}" for i in contract.inputs
                )
                or "—",
            )
        )
    if st.button(ctx.t("create"), key="c_create", type="primary", disabled=contract is None):
        assert contract is not None
        s.add_contract(contract)
        st.success(ctx.t("contract_created", number=contract.contract_no))


def _sign(ctx: app.Ctx, season: int) -> None:
    s = ctx.session
    st.subheader(ctx.t("sign_village"))
    drafts_only = {ContractStatus.DRAFT}
    places = s.contract_places(season, statuses=drafts_only)
    if not places:
        st.caption(ctx.t("no_drafts"))
        return
    place = st.selectbox(
        ctx.t("village"), places, key="c_sign_village", format_func=lambda p: f"{p[0]} {p[1]}"
    )
    if place is None:
        return
    drafts = s.contracts(season=season, statuses=drafts_only, place=(place[0], place[1]))
    chosen = [c.contract_no for c in drafts]
    numbers = st.multiselect(
        ctx.t("contracts_to_sign"), chosen, default=chosen, key="c_sign_numbers"
    )
    on = st.date_input(
        ctx.t("signed_on"), value=china_today(), key="c_sign_day", format="YYYY-MM-DD"
    )
    slots = app.Slots()
    slots.add("signed_on")
    day = on if isinstance(on, dt.date) else china_today()
    late = [c for c in drafts if c.contract_no in numbers and c.signed_after_deliveries(day)]
    checked = True
    if late:
        end = min(c.delivery_end for c in late if c.delivery_end is not None)
        st.warning(ctx.t("signed_after_window", day=day.isoformat(), end=end.isoformat()))
        checked = st.checkbox(
            ctx.t("checked_sign_anyway"),
            key=app.owned_key("c_sign_checked", (season, place, day, tuple(numbers))),
        )
    if st.button(ctx.t("sign"), key="c_sign", type="primary", disabled=not numbers or not checked):
        try:
            results = s.sign_contracts(numbers, day)
        except ValidationError as exc:  # a signing day after today
            slots.refuse(exc, ctx.lang)
            return
        signed = sum(r.ok for r in results)
        st.success(ctx.t("signed_count", count=signed))
        for r in results:
            if r.error is not None:
                st.error(r.error.message(ctx.lang))


def _list(ctx: app.Ctx, season: int) -> None:
    """The contracts of the first ``PICKER_LIMIT`` households the search finds (those with a
    contract of the chosen statuses this season), searched in the store."""
    s = ctx.session
    st.subheader(ctx.t("contract_list"))
    picked = st.multiselect(
        ctx.t("status"),
        [x.value for x in ContractStatus],
        key="c_filter_status",
        format_func=lambda v: _status(ctx, ContractStatus(v)),
    )
    statuses = {ContractStatus(v) for v in picked} or None
    query = st.text_input(ctx.t("search"), key="c_filter_search", placeholder=ctx.t("search_hint"))
    homes, matched = app.household_matches(s, query, season, statuses)
    if matched > len(homes):
        st.info(ctx.t("picker_more", count=matched, shown=len(homes)))
    shown = [
        (home, c)
        for home in homes
        for c in s.contracts(season=season, household=home.ref, statuses=statuses)
    ]
    rows: list[dict[str, Any]] = [
        {
            ctx.t("contract_no"): c.contract_no,
            ctx.t("household"): home.head_name,
            ctx.t("village"): f"{home.township} {home.village}",
            ctx.t("crop_template"): helpers.crop_label(s.catalog, c.crop, c.form, ctx.lang),
            ctx.t("area_mu"): str(c.area_mu),
            ctx.t("status"): _status(ctx, c.status),
        }
        for home, c in shown
    ]
    st.caption(ctx.t("found_contracts", count=len(shown)))
    st.dataframe(rows, hide_index=True, width="stretch")
    done = st.session_state.pop("c_end_done", None)
    if done:
        st.success(done)
    if shown:
        number = st.selectbox(
            ctx.t("print_which"), [c.contract_no for _, c in shown], key="c_print_pick"
        )
        if number:
            st.download_button(
                ctx.t("print_contract"),
                data=s.contract_html(str(number), lang=ctx.lang).encode(),
                file_name=f"contract-{number}.html",
                mime="text/html",
                key="c_print",
            )
            home, contract = next((h, c) for h, c in shown if c.contract_no == number)
            _end(ctx, contract, home.head_name)


#: How a contract of each status may end, and the step's name in the catalogue
_ENDINGS: dict[ContractStatus, tuple[str, ...]] = {
    ContractStatus.DRAFT: ("cancel",),
    ContractStatus.SIGNED: ("terminate", "close"),
}


def _end(ctx: app.Ctx, contract: Contract, head_name: str) -> None:
    """End the picked contract: cancel a draft (a reason may be given), terminate a signed one
    early (with its reason) or close it at the end of its season. Its own step's widgets are
    keyed by the contract, so nothing typed for one follows the clerk to another."""
    s = ctx.session
    if not s.may_write(Permission.WRITE_CONTRACTS):
        return
    steps = _ENDINGS.get(contract.status, ())
    with st.expander(ctx.t("end_contract")):
        if not steps:
            st.caption(ctx.t("contract_ended", status=_status(ctx, contract.status)))
            return
        owner = contract.contract_no
        step = st.radio(
            ctx.t("end_how"),
            steps,
            key=app.owned_key("c_end_step", owner),
            format_func=lambda k: ctx.t(f"end_{k}"),
            horizontal=True,
        )
        slots = app.Slots()
        reason = ""
        if step != "close":
            reason = st.text_input(ctx.t("end_reason"), key=app.owned_key("c_end_reason", owner))
            slots.add("end_reason")
        sure = st.checkbox(
            ctx.t(
                "end_confirm",
                number=contract.contract_no,
                name=head_name,
                step=ctx.t(f"end_{step}"),
            ),
            key=app.owned_key(f"c_end_sure_{step}", owner),
        )
        if st.button(ctx.t("end_do"), key="c_end", type="primary", disabled=not sure):
            try:
                if step == "cancel":
                    s.cancel_contract(contract.contract_no, reason.strip())
                elif step == "terminate":
                    s.terminate_contract(contract.contract_no, reason.strip())
                else:
                    s.close_contract(contract.contract_no)
            except ValidationError as exc:  # a termination without its reason
                slots.refuse(exc, ctx.lang)
                return
            except ContractStateError as exc:  # changed meanwhile, by someone else
                st.error(exc.message(ctx.lang))
                return
            st.session_state["c_end_done"] = ctx.t(
                "contract_ended_now", number=contract.contract_no, step=ctx.t(f"end_{step}")
            )
            st.rerun()


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_contracts"))
    seasons = ctx.session.seasons() or [china_today().year]
    season = int(st.selectbox(ctx.t("season"), seasons, key="c_list_season") or seasons[0])
    if ctx.session.read_only:  # nothing can be created or signed: the list alone
        _list(ctx, season)
        return
    tabs = st.tabs([ctx.t("contract_list"), ctx.t("create_contract"), ctx.t("sign_village")])
    with tabs[0]:
        _list(ctx, season)
    with tabs[1]:
        _create(ctx, season)
    with tabs[2]:
        _sign(ctx, season)


app.run(body)
