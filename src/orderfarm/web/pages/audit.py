"""审计 Audit: the verify result and the audit log (admin); the inspection sample (督察抽查) has
its own page, which a viewer sees too."""

from __future__ import annotations

import streamlit as st

from orderfarm.messages import record_name
from orderfarm.store import AuditEntry
from orderfarm.web import app, helpers
from orderfarm.web.i18n import named


def _verify(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("verify"))
    seq, head = s.audit_head()
    st.caption(ctx.t("audit_head", seq=seq, hash=head))
    if st.button(ctx.t("run_verify"), key="a_verify", type="primary"):
        with st.spinner(ctx.t("verifying")):
            report = s.verify()
        if report.ok:
            st.success(ctx.t("verify_ok", entries=report.entries, rows=report.rows))
        else:
            count, first = len(report.problems), report.first_bad_seq
            if first is None:  # the running totals' problems are of no audit entry
                st.error(ctx.t("verify_bad_no_entry", count=count))
            else:
                st.error(ctx.t("verify_bad", count=count, seq=first))
            st.dataframe(
                [
                    {
                        ctx.t("check"): named("verify_check", p.check, ctx.lang),
                        ctx.t("audit_entry"): "" if p.seq is None else f"#{p.seq}",
                        ctx.t("problem"): p.text(ctx.lang),
                    }
                    for p in report.problems
                ],
                hide_index=True,
                width="stretch",
            )


def _ref(ctx: app.Ctx, entity: str, ref: str) -> str:
    """An entry's record as a person names it: a market price's crop and form by their names
    (``杭白菊 干花 一级 2018-11-05``), not the catalogue's codes."""
    parts = ref.split("/")
    if entity == "market_price" and len(parts) == 4:
        crop, form, grade, day = parts
        return f"{helpers.crop_label(ctx.session.catalog, crop, form, ctx.lang)} {grade} {day}"
    return ref


def _reason(entry: AuditEntry) -> str:
    """A void's reason, as its entry recorded it (blank for other entries)."""
    if not entry.action.startswith("void_"):
        return ""
    record = entry.data().get("record")
    return str(record.get("reason", "")) if isinstance(record, dict) else ""


def _log(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("audit_log"))
    seq, _ = s.audit_head()
    shown = int(
        st.number_input(
            ctx.t("last_entries"), min_value=10, max_value=5000, value=100, step=10, key="a_n"
        )
    )
    entries = s.audit_log(since=max(0, seq - shown))
    st.dataframe(
        [
            {
                "#": e.seq,
                ctx.t("time"): e.at[:19].replace("T", " "),
                ctx.t("actor"): e.actor,
                ctx.t("action"): named("audit_action", e.action, ctx.lang),
                ctx.t("record"): f"{record_name(e.entity, ctx.lang)} {_ref(ctx, e.entity, e.ref)}",
                ctx.t("reason"): _reason(e),
                ctx.t("hash"): e.hash[:12],
            }
            for e in reversed(entries)
        ],
        hide_index=True,
        width="stretch",
        height=320,
    )


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_audit"))
    _verify(ctx)
    _log(ctx)


app.run(body)
