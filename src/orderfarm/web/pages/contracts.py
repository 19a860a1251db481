"""contracts."""

from __future__ import annotations

import streamlit as st

from orderfarm.web import app


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_contracts"))


app.run(body)
