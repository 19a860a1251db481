"""农户 Households: search (name, pinyin initials, ID tail, village); add and edit, checked as
you type; IDs masked for roles that may not see them."""

from __future__ import annotations

from typing import Any

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.errors import ValidationError
from orderfarm.parties import Household, PovertyStatus
from orderfarm.session import HouseholdView
from orderfarm.store import ConflictError
from orderfarm.web import app

_FIELDS = (
    "head_name",
    "resident_id",
    "township",
    "village",
    "group",
    "phone",
    "members",
    "poverty_status",
    "account",
)
NEW = "__new__"
#: Households listed (and offered to edit) at once; a county has ~10^5, found by searching.
SHOWN = 200


def _values(record: Household | None) -> dict[str, Any]:
    """The form's values for ``record`` (empty for a new household)."""
    values: dict[str, Any] = {
        "head_name": "",
        "resident_id": "",
        "township": "",
        "village": "",
        "group": "",
        "phone": "",
        "members": 1,
        "poverty_status": PovertyStatus.REGISTERED_POOR.value,
        "account": "",
    }
    if record is not None:
        values.update(
            {f: getattr(record, f) for f in _FIELDS if f != "poverty_status"},
            poverty_status=record.poverty_status.value,
        )
    return {f"hh_{field}": value for field, value in values.items()}


def _changed_by_another(ctx: app.Ctx, loaded: object, stored: Household) -> None:
    """What another user changed in the household since its form was filled: each field as it
    is stored now."""
    if not isinstance(loaded, Household):
        return
    was, now = _values(loaded), _values(stored)
    changed = [field for field in _FIELDS if was[f"hh_{field}"] != now[f"hh_{field}"]]
    if ctx.lang == "en":
        now["hh_poverty_status"] = stored.poverty_status.en
    sep = "，" if ctx.lang == "zh" else ", "
    changes = sep.join(f"{ctx.t(field)} {now[f'hh_{field}']}" for field in changed)
    st.warning(ctx.t("household_changed_by", changes=changes))


def _table(ctx: app.Ctx, found: list[HouseholdView]) -> None:
    st.dataframe(
        [
            {
                ctx.t("head_name"): h.head_name,
                ctx.t("resident_id"): h.resident_id,
                ctx.t("township"): h.township,
                ctx.t("village"): h.village,
                ctx.t("group"): h.group,
                ctx.t("phone"): h.phone,
                ctx.t("members"): h.members,
                ctx.t("poverty_status"): h.poverty_status.value
                if ctx.lang == "zh"
                else h.poverty_status.en,
                ctx.t("account"): h.account,
            }
            for h in found
        ],
        hide_index=True,
        width="stretch",
    )


def _editor(ctx: app.Ctx, views: list[HouseholdView]) -> bool:
    """The add-or-edit form; whether it saved a household."""
    s = ctx.session
    st.subheader(ctx.t("add_or_edit"))
    by_ref = {h.ref: h for h in views}
    choice = st.selectbox(
        ctx.t("edit_which"),
        [NEW, *by_ref],
        key="hh_pick",
        format_func=lambda r: (
            ctx.t("new_household")
            if r == NEW
            else f"{by_ref[r].head_name} · {by_ref[r].place} · {by_ref[r].resident_id}"
        ),
    )

    def loaded() -> dict[str, Any]:
        record = None if choice == NEW else s.household_record(str(choice))
        st.session_state["hh_record"] = record  # what a change is made from
        return _values(record)

    k = app.prefill("hh_loaded", choice, [f"hh_{field}" for field in _FIELDS], loaded)
    editing = choice != NEW
    slots = app.Slots()
    left, right = st.columns(2)
    with left:
        st.text_input(ctx.t("head_name"), key=k["hh_head_name"])
        slots.add("head_name")
        st.text_input(ctx.t("resident_id"), key=k["hh_resident_id"], disabled=editing)
        slots.add("resident_id")
        st.text_input(ctx.t("township"), key=k["hh_township"])
        slots.add("township")
        st.text_input(ctx.t("village"), key=k["hh_village"])
        slots.add("village")
        st.text_input(ctx.t("group"), key=k["hh_group"])
        slots.add("group")
    with right:
        st.text_input(ctx.t("phone"), key=k["hh_phone"])
        slots.add("phone")
        st.number_input(ctx.t("members"), min_value=1, max_value=30, step=1, key=k["hh_members"])
        slots.add("members")
        st.selectbox(
            ctx.t("poverty_status"),
            [p.value for p in PovertyStatus],
            key=k["hh_poverty_status"],
            format_func=lambda v: v if ctx.lang == "zh" else PovertyStatus(v).en,
        )
        slots.add("poverty_status")
        st.text_input(ctx.t("account"), key=k["hh_account"])
        slots.add("account")

    state = st.session_state
    touched = editing or any(
        str(state.get(k[f"hh_{f}"], "")).strip() for f in ("head_name", "resident_id", "village")
    )
    household: Household | None = None
    if touched:
        try:
            household = Household(
                head_name=str(state[k["hh_head_name"]]),
                resident_id=str(state[k["hh_resident_id"]]),
                township=str(state[k["hh_township"]]),
                village=str(state[k["hh_village"]]),
                group=str(state[k["hh_group"]]),
                phone=str(state[k["hh_phone"]]).strip(),
                members=int(state[k["hh_members"]]),
                poverty_status=str(state[k["hh_poverty_status"]]),
                account=str(state[k["hh_account"]]),
            )
        except ValidationError as exc:
            slots.refuse(exc, ctx.lang)
    if st.button(ctx.t("save"), key="hh_save", type="primary", disabled=household is None):
        assert household is not None
        try:
            if editing:
                # refused if another user changed the household since the form was filled
                state["hh_record"] = s.update_household(household, expected=state.get("hh_record"))
            else:
                s.add_household(household)
        except ConflictError as exc:  # the resident ID is registered to another household
            slots.refuse(exc, ctx.lang)
            if editing and isinstance(exc.existing, Household):  # changed meanwhile
                _changed_by_another(ctx, state.get("hh_record"), exc.existing)
                state["hh_record"] = exc.existing  # saved again, the form's values stand
        else:
            if not editing:
                state["hh_loaded"] = None
            st.success(ctx.t("household_saved", name=household.head_name))
            return True
    return False


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_households"))
    query = st.text_input(ctx.t("search"), key="hh_search", placeholder=ctx.t("search_hint"))
    listing = st.container()  # filled after the editor, so that it shows what was just saved
    search = s.search_households(query, limit=SHOWN)
    if s.may_write(Permission.WRITE_PARTIES) and _editor(ctx, list(search.found)):
        search = s.search_households(query, limit=SHOWN)
    with listing:
        st.caption(ctx.t("found_households", count=search.matched, total=search.total))
        if search.matched > SHOWN:
            st.caption(ctx.t("showing_first", shown=SHOWN))
        _table(ctx, list(search.found))
        if search.total and not s.personal:
            st.caption(ctx.t("ids_masked"))


app.run(body)
