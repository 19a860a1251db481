"""登录 Login: user name and password, rate-limited by the store."""

from __future__ import annotations

import logging
import secrets

import streamlit as st

from orderfarm.auth import LoginFailed
from orderfarm.store import users as store_users
from orderfarm.web.app import current_lang, current_store
from orderfarm.web.i18n import t

log = logging.getLogger("orderfarm.web")
lang = current_lang()
st.title(t("login_title", lang))
with st.form("login_form"):
    name = st.text_input(t("user_name", lang), key="login_name")
    password = st.text_input(t("password", lang), type="password", key="login_password")
    submitted = st.form_submit_button(t("login", lang), key="login_submit")
why = st.session_state.pop("logged_out_why", None)
if why:
    st.info(t(why, lang))
if submitted:
    try:
        # read before the password is checked: a password set in between ends this login
        stamp = store_users.password_stamp(current_store(), name)
        user = store_users.authenticate(current_store(), name, password)
    except LoginFailed as exc:
        log.warning("failed login for %r (%s)", name, exc.reason)
        if exc.reason == "locked" and exc.retry_after is not None:
            minutes = max(1, int(exc.retry_after.total_seconds() // 60) + 1)
            st.error(t("login_locked", lang, minutes=minutes))
        elif exc.reason == "disabled":
            st.error(t("login_disabled", lang))
        else:
            st.error(t("login_wrong", lang))
    except Exception:
        log.exception("login failed unexpectedly")
        st.error(t("unexpected", lang))
    else:
        st.session_state["user"] = user
        st.session_state["user_stamp"] = stamp
        st.session_state["ref_key"] = secrets.token_bytes(16)
        st.rerun()
