"""用户 Users: who may log in, with which role; add users, reset passwords, disable."""

from __future__ import annotations

from typing import Any

import streamlit as st

from orderfarm.auth import Role, generate_password
from orderfarm.errors import ValidationError
from orderfarm.store import ConflictError
from orderfarm.web import app


def body(ctx: app.Ctx) -> None:
    s = ctx.session
    st.title(ctx.t("nav_users"))
    flash = st.session_state.pop("u_flash", None)
    if flash:
        st.success(flash)
    added = st.session_state.pop("u_added", None)  # a user just added: shown once, form empty
    table = st.empty()  # drawn last, so that it shows what the actions below changed
    users = s.users()
    st.subheader(ctx.t("add_user"))
    slots = app.Slots()
    name = st.text_input(ctx.t("user_name"), key="u_name")
    slots.add("user_name")
    role = st.selectbox(
        ctx.t("role"),
        [r.value for r in Role],
        index=1,
        key="u_role",
        format_func=lambda r: ctx.t(f"role_{r}"),
    )
    slots.add("role")
    if st.button(ctx.t("add_user"), key="u_add", type="primary"):
        password = generate_password()
        try:
            user = s.add_user(str(name), str(role), password)
        except (ValidationError, ConflictError) as exc:  # the name is taken
            slots.refuse(exc, ctx.lang)
        else:  # drawn again: the user in the lists below, the form empty for the next one
            st.session_state["u_added"] = (user.name, user.role.value, password)
            st.session_state.pop("u_name", None)
            st.rerun()
    if added is not None:
        who_added, role_added, password = added
        st.success(ctx.t("user_added", name=who_added, role=ctx.t(f"role_{role_added}")))
        st.code(password, language=None)
        st.caption(ctx.t("password_once"))
    if not users:
        _table(ctx, table)
        return
    st.subheader(ctx.t("change_user"))
    names = [u.name for u in users]
    who = str(st.selectbox(ctx.t("user_name"), names, key="u_who"))
    cols = st.columns(2)
    if cols[0].button(ctx.t("reset_password"), key="u_reset"):
        password = generate_password()
        s.set_password(who, password)
        st.success(ctx.t("password_reset", name=who))
        st.code(password, language=None)
        st.caption(ctx.t("password_once"))
    current = next(u for u in users if u.name == who)
    label = ctx.t("disable") if current.active else ctx.t("enable")
    yourself = who == s.user.name  # an admin cannot lock themselves out
    # The click does what its label said when it was drawn (kept by the callback), not the
    # opposite of the user's state now: another admin may have changed it since, and 停用
    # clicked on this page must not enable a user that admin disabled.
    if cols[1].button(
        label,
        key="u_toggle",
        disabled=yourself,
        on_click=_intend,
        args=(current.name, not current.active),
    ):
        target, active = st.session_state.pop("u_toggle_to", (current.name, not current.active))
        s.set_active(target, active)
        st.session_state["u_flash"] = ctx.t("saved")
        st.rerun()  # the button's label follows the new state
    roles = [r.value for r in Role]
    new_role = st.selectbox(
        ctx.t("role"),
        roles,
        index=roles.index(current.role.value),
        key=app.owned_key("u_new_role", who),  # each user's own role shown first
        format_func=lambda r: ctx.t(f"role_{r}"),
        disabled=yourself,
    )
    if st.button(
        ctx.t("change_role"), key="u_set_role", disabled=yourself or new_role == current.role.value
    ):
        s.set_role(who, str(new_role))
        st.session_state["u_flash"] = ctx.t(
            "role_changed", name=who, role=ctx.t(f"role_{new_role}")
        )
        st.rerun()
    _table(ctx, table)


def _intend(name: str, active: bool) -> None:
    """Keep what the enable/disable button said when it was clicked."""
    st.session_state["u_toggle_to"] = (name, active)


def _table(ctx: app.Ctx, slot: Any) -> None:
    slot.dataframe(
        [
            {
                ctx.t("user_name"): u.name,
                ctx.t("role"): ctx.t(f"role_{u.role.value}"),
                ctx.t("active"): "✓" if u.active else "",
            }
            for u in ctx.session.users()
        ],
        hide_index=True,
        width="stretch",
    )


app.run(body)
