"""审计 Audit: the verify result, the audit log, and the inspection sample (督察抽查)."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from orderfarm.messages import record_name
from orderfarm.money import format_rate
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


def _sample(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("inspection"))
    st.caption(ctx.t("inspection_note"))
    season = app.season_picker(ctx, key="a_season")
    if season is None:
        return
    cols = st.columns(2)
    size = int(
        cols[0].number_input(
            ctx.t("sample_size"), min_value=1, max_value=500, value=10, step=1, key="a_size"
        )
    )
    seed = int(
        cols[1].number_input(ctx.t("sample_seed"), min_value=0, value=season, step=1, key="a_seed")
    )
    items = s.inspection_sample(season, size, seed)
    drawn = (season, size, seed)
    if st.button(ctx.t("prepare_checklist"), key="a_prepare"):
        table = s.inspection_table(season, size, seed, ctx.lang)
        name = f"{ctx.t('inspection_file')}-{season}-{seed}.xlsx"
        st.session_state["a_checklist"] = (drawn, app.table_bytes(table, "xlsx", ctx.lang), name)
    prepared = st.session_state.get("a_checklist")
    if prepared and prepared[0] == drawn:  # the checklist of the sample shown, not an earlier one
        st.download_button(
            ctx.t("download"), data=prepared[1], file_name=prepared[2], key="a_download"
        )
    voids = s.voids("delivery", [d.id for item in items for d in item.deliveries if d.voided])
    for item in items:
        h = item.household
        total = sum((d.amount for d in item.deliveries if not d.voided), start=Decimal(0))
        with st.expander(
            f"{h.head_name} · {h.place} · {h.resident_id} · {len(item.deliveries)} · {helpers.yuan(total)}"
        ):
            st.dataframe(
                [
                    {
                        ctx.t("receipt_no"): d.receipt_no,
                        ctx.t("day"): helpers.day(d.day),
                        ctx.t("purchase_point"): d.purchase_point,
                        ctx.t("grade"): d.weighing.grade,
                        ctx.t("gross_kg"): str(d.weighing.gross_kg),
                        ctx.t("tare_kg"): str(d.weighing.tare_kg),
                        ctx.t("moisture_pct"): format_rate(d.weighing.moisture, sign=""),
                        ctx.t("impurity_pct"): format_rate(d.weighing.impurity, sign=""),
                        ctx.t("net_kg"): helpers.kg(d.quote.net_kg),
                        ctx.t("amount"): helpers.yuan(d.amount),
                        ctx.t("rejected"): ""
                        if d.quote.accepted
                        else "✓",  # a lot refused: nothing paid
                        ctx.t("voided"): "✓" if d.voided else "",
                        ctx.t("void_reason"): app.void_said(ctx, voids.get(d.id)),
                    }
                    for d in item.deliveries
                ],
                hide_index=True,
                width="stretch",
            )


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_audit"))
    _verify(ctx)
    _sample(ctx)
    _log(ctx)


app.run(body)
