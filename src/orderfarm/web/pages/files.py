"""导入导出 Import / export: check a file (dry run) with every problem in a table, then commit
it all or nothing; download any record type, the settlement, the report or the audit log."""

from __future__ import annotations

import hashlib
from typing import Final

import streamlit as st

from orderfarm.auth import Permission
from orderfarm.io.columns import RECORD_TYPES
from orderfarm.io.errors import RowProblem
from orderfarm.io.exporting import template_table
from orderfarm.io.exports import EXPORTS
from orderfarm.io.importing import ImportReport, fitting_sheet, sheet_names
from orderfarm.session import IMPORT_PERMISSIONS
from orderfarm.web import app

#: Exports of the whole store, whatever the season chosen.
_EVERY_SEASON: Final = ("households", "enterprises", "audit")


def _import(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("import"))
    kinds = [k for k, needs in IMPORT_PERMISSIONS.items() if s.may(needs)]
    kind = str(
        st.selectbox(
            ctx.t("record_type"),
            kinds,
            key="f_kind",
            format_func=lambda k: RECORD_TYPES[k].zh if ctx.lang == "zh" else k,
        )
    )
    headers = ("，" if ctx.lang == "zh" else ", ").join(RECORD_TYPES[kind].headers(ctx.lang))
    st.caption(ctx.t("columns_are", columns=headers))
    st.download_button(  # headers only: a few hundred bytes, made on each run
        ctx.t("download_template"),
        data=app.table_bytes(template_table(kind), "xlsx", ctx.lang),
        file_name=f"{RECORD_TYPES[kind].zh if ctx.lang == 'zh' else kind}.xlsx",
        key="f_template",
    )
    upload = st.file_uploader(ctx.t("upload"), type=["csv", "xlsx", "txt"], key="f_upload")
    pasted = st.text_area(ctx.t("or_paste"), key="f_paste", height=120)
    data: bytes | None = None
    fmt: str | None = None
    name = ""
    if upload is not None:
        data, name = upload.getvalue(), upload.name
        fmt = "xlsx" if name.lower().endswith(".xlsx") else "csv"
    elif str(pasted).strip():
        data, fmt, name = str(pasted).encode("utf-8"), "csv", ctx.t("pasted")
    if data is None:
        return
    sheet = _sheet(ctx, data, kind) if fmt == "xlsx" else None
    digest = hashlib.sha256(f"{kind}\0{sheet}\0".encode() + data).hexdigest()
    if st.button(ctx.t("check_file"), key="f_check"):
        with st.spinner(ctx.t("checking_file")):
            report = s.import_file(data, kind, commit=False, format=fmt, lang=ctx.lang, sheet=sheet)
        st.session_state["f_checked"] = (digest, report.ok)
        st.info(report.summary(ctx.lang).replace("<data>", name))
        if report.problems:
            _rows(ctx, report.problems)
        elif report.ok and report.rows and report.existing == report.rows:
            st.info(ctx.t("file_all_recorded"))  # importing it again writes nothing
        elif report.ok:
            st.success(ctx.t("file_ok"))
        _to_check(ctx, report)
    checked = st.session_state.get("f_checked")
    ready = checked is not None and checked == (digest, True)
    if st.button(ctx.t("commit_file"), key="f_commit", type="primary", disabled=not ready):
        with st.spinner(ctx.t("writing_file")):
            report = s.import_file(data, kind, commit=True, format=fmt, lang=ctx.lang, sheet=sheet)
        st.session_state.pop("f_checked", None)
        if report.committed:
            st.success(ctx.t("file_committed", added=report.added, existing=report.existing))
            _to_check(ctx, report)
        else:
            for message in report.messages(ctx.lang):
                st.error(message)
    if not ready:
        st.caption(ctx.t("check_first"))


def _sheet(ctx: app.Ctx, data: bytes, kind: str) -> str | None:
    """The sheet of a workbook to read: the clerk's choice when it has several, first offered
    the one whose header has the record type's columns (``io.importing.fitting_sheet``)."""
    names = sheet_names(data)
    if len(names) < 2:
        return None
    fitting = fitting_sheet(data, kind)
    return str(
        st.selectbox(
            ctx.t("sheet"),
            names,
            index=names.index(fitting) if fitting is not None else 0,
            key=app.owned_key("f_sheet", (kind, hashlib.sha256(data).hexdigest())),
        )
    )


def _rows(ctx: app.Ctx, problems: list[RowProblem]) -> None:
    """A table of the rows ``problems`` are about: row, column, value and why."""
    st.dataframe(
        [
            {
                ctx.t("row"): str(p.row) if p.row else ctx.t("whole_file"),  # 0: the file
                ctx.t("column"): p.column_zh or p.column if ctx.lang == "zh" else p.column,
                ctx.t("value"): p.value,
                ctx.t("problem"): p.reason(ctx.lang),
            }
            for p in problems
        ],
        hide_index=True,
        width="stretch",
    )


def _to_check(ctx: app.Ctx, report: ImportReport) -> None:
    """The values a file's rows are written with but deserve a second look against the paper
    (a lot of no weight, or of more than 5 t); apart from them, as the summary counts them, the
    parts of the file not read (a column of no use, a title, a 合计 row)."""
    if report.doubts_count:
        st.warning(ctx.t("values_to_check", count=report.doubts_count))
        _rows(ctx, report.doubts)
    if report.passed_over:
        st.info(ctx.t("parts_not_read", count=len(report.passed_over)))
        _rows(ctx, report.passed_over)


def _export(ctx: app.Ctx) -> None:
    s = ctx.session
    st.subheader(ctx.t("export"))
    allowed = [
        w
        for w in EXPORTS
        if (w != "audit" or s.may(Permission.VIEW_AUDIT))
        and (w != "bank" or s.may(Permission.RECORD_PAYMENT))
    ]
    what = str(
        st.selectbox(
            ctx.t("download_what"),
            allowed,
            key="f_what",
            format_func=lambda w: EXPORTS[w] if ctx.lang == "zh" else w,
        )
    )
    seasons = s.seasons()
    season = st.selectbox(ctx.t("season"), seasons, key="f_season") if seasons else None
    fmt = str(st.radio(ctx.t("file_format"), ["xlsx", "csv"], key="f_format", horizontal=True))
    full = app.full_ids_choice(ctx, key="f_full")
    app.export_download(
        ctx,
        key="f",
        what=what,
        season=None if what in _EVERY_SEASON else season,
        fmt=fmt,
        full=bool(full),
        by=("township", "crop"),
    )


def body(ctx: app.Ctx) -> None:
    st.title(ctx.t("nav_files"))
    if ctx.session.read_only:  # nothing can be imported: the exports alone
        _export(ctx)
        return
    tabs = st.tabs([ctx.t("import"), ctx.t("export")])
    with tabs[0]:
        _import(ctx)
    with tabs[1]:
        _export(ctx)


app.run(body)
