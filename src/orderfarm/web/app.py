"""The Streamlit shell: the store, login, language, navigation, and the guard around each page.

``main()`` is what ``app_streamlit.py`` runs. Each page file under ``pages/`` calls
``run(body)``: ``body(ctx)`` gets a ``Ctx`` with the logged-in user's ``Session`` (every number
and every write goes through it, permission-checked) and the language; a ``ValidationError``
becomes messages in that language, a refusal a short message, anything unexpected a short
message and a log entry — never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import logging
import os
import secrets
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import streamlit as st

from orderfarm.auth import PermissionDenied, User
from orderfarm.contracts import Contract, ContractStatus
from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.io.writers import Table, write_csv, write_xlsx
from orderfarm.messages import Lang
from orderfarm.session import HouseholdView, Session, void_day
from orderfarm.settlement import OverpaymentError
from orderfarm.store import ConflictError, NotFoundError, Store, Void
from orderfarm.store import users as store_users
from orderfarm.voids import reason_in
from orderfarm.web import helpers
from orderfarm.web.i18n import t

PAGES_DIR: Final = Path(__file__).resolve().parent / "pages"
log = logging.getLogger("orderfarm.web")


def db_path(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The database: ``--db PATH`` after ``--`` on the ``streamlit run`` line, else
    ``$ORDERFARM_DB``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(list(argv))
    found: str | None = args.db or environ.get("ORDERFARM_DB") or None
    return found


@st.cache_resource(show_spinner=False)
def open_store(path: str) -> Store:
    """One ``Store`` per database file for the server: it opens a connection per thread (each
    script run is a thread) and closes those of ended threads itself. A file that cannot be
    written (a copy kept as evidence) is served read-only, as the command line reads it."""
    return Store.open_existing(path)


def current_lang() -> Lang:
    """The language chosen in the sidebar (Chinese by default)."""
    lang = st.session_state.get("lang", "zh")
    return "en" if lang == "en" else "zh"


@attrs.frozen
class Ctx:
    """What a page body gets: the user's session and the language."""

    session: Session
    lang: Lang

    def t(self, key: str, **params: object) -> str:
        """The catalogue's text for ``key`` in the page's language."""
        return t(key, self.lang, **params)


def current_store() -> Store:
    """The store of this server (set up by ``main``)."""
    path = st.session_state.get("_db_path")
    if not path:
        st.error(t("no_db", current_lang()))
        st.stop()
        raise RuntimeError("no database")  # st.stop() returns when there is no script run
    return open_store(str(path))


def context() -> Ctx:
    """The logged-in user's context; stops the page when nobody is logged in."""
    user = st.session_state.get("user")
    if not isinstance(user, User):
        st.stop()
    key = st.session_state.setdefault("ref_key", secrets.token_bytes(16))
    return Ctx(Session(current_store(), user, ref_key=key), current_lang())


def read_only_said(store: Store, lang: Lang) -> str | None:
    """What the page says at its top when the store was opened read-only; else ``None``."""
    return t("read_only_store", lang, path=Path(store.path).name) if store.read_only else None


def run(body: Callable[[Ctx], None]) -> None:
    """Run a page body with the guard: messages for the user, a log entry for the unexpected."""
    ctx = context()
    try:
        body(ctx)
    except PermissionDenied as exc:
        st.error(ctx.t("denied", permission=ctx.t(f"perm_{exc.permission.value}")))
    except ValidationError as exc:
        for message in exc.messages(ctx.lang):
            st.error(message)
    except OrderfarmError as exc:  # a refusal the library says in the user's language
        st.error(ctx.t("refused", reason=exc.message(ctx.lang)))
    except Exception:
        log.exception("a page failed")
        st.error(ctx.t("unexpected"))


# -- forms -------------------------------------------------------------------------------------


class Slots:
    """Places under a form's fields where their problems are shown."""

    def __init__(self) -> None:
        self._slots: dict[str, Any] = {}

    def add(self, field: str) -> None:
        """A place for ``field``'s problems, right under the widget just drawn."""
        self._slots[field] = st.empty()

    def refuse(self, exc: ValidationError | ConflictError | OverpaymentError, lang: Lang) -> None:
        """Show why the library refused a form's values: each problem under its field (a key
        already used under that key's field), the rest under the form."""
        problems = exc.problems if isinstance(exc, ValidationError) else [exc.problem()]
        show_problems(self.show(problems, lang), lang)

    def show(self, problems: Iterable[Problem], lang: Lang) -> list[Problem]:
        """Show each problem under its field; returns those that belong to no field."""
        placed, other = helpers.problems_by_field(problems, self._slots)
        for field, found in placed.items():
            self._slots[field].error("  \n".join(p.message(lang) for p in found))
        return other


def owned_key(key: str, owner: object) -> str:
    """The key of form widget ``key`` when the form is for ``owner`` (a contract, household or
    crop): one widget per owner, so a value the browser still holds for the owner shown before
    (typed into before the page redrew) cannot replace the new owner's prefilled value. The
    owner is hashed: widget keys reach the browser, and an owner may be a resident ID."""
    return f"{key}@{hashlib.sha256(repr(owner).encode()).hexdigest()[:16]}"


def prefill(
    owner_key: str, owner: object, keys: Iterable[str], values: Callable[[], Mapping[str, Any]]
) -> dict[str, str]:
    """Fill a form's widgets from ``values()`` (by ``keys``) when the form is for a new
    ``owner``, or when Streamlit dropped their state (it forgets the widgets of a page that was
    left); otherwise leave what the user typed. Returns each key's widget key for ``owner``
    (``owned_key``), which the form's widgets must use."""
    state = st.session_state
    widgets = {key: owned_key(key, owner) for key in keys}
    if state.get(owner_key) == owner and all(w in state for w in widgets.values()):
        return widgets
    for key, value in values().items():
        state[widgets[key]] = value
    state[owner_key] = owner
    return widgets


def records_table(ctx: Ctx, rows: Sequence[Mapping[str, object]]) -> None:
    """A contract's or household's records (slips, inputs, payments), or a word that there
    are none yet."""
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption(ctx.t("none_yet"))


def offer_reprints(ctx: Ctx, said: str, receipts: Sequence[str], page: bytes, key: str) -> None:
    """What priced slips again (``said``), and their receipts on one page to print."""
    st.warning(said)
    shown = "、".join(receipts[:3])
    if len(receipts) > 3:
        shown += ctx.t("and_more", count=len(receipts))
    st.download_button(
        f"{ctx.t('print_receipt')} {shown}",
        data=page,
        file_name=f"receipts-{receipts[0]}.html",
        mime="text/html",
        key=key,
    )


def void_said(ctx: Ctx, void: Void | None) -> str:
    """Why and when a record was voided, for its row in a table (blank when it stands)."""
    if void is None:
        return ""
    return ctx.t(
        "void_said", reason=reason_in(void.reason, ctx.lang), day=helpers.day(void_day(void))
    )


def show_problems(problems: Iterable[Problem], lang: Lang) -> None:
    """Problems that belong to no field of the form, under it."""
    for problem in problems:
        st.error(problem.message(lang))


#: How many households a picker lists; when more match, the user is asked to type more.
PICKER_LIMIT: Final = 50


def household_matches(
    session: Session,
    query: str,
    season: int | None = None,
    statuses: Collection[ContractStatus] | None = None,
) -> tuple[list[HouseholdView], int]:
    """The first ``PICKER_LIMIT`` households matching ``query`` (with a contract in
    ``season``, in one of ``statuses``, when given), and how many match in all."""
    search = session.search_households(query, limit=PICKER_LIMIT, season=season, statuses=statuses)
    return list(search.found), search.matched


def household_picker(
    ctx: Ctx,
    *,
    key: str,
    label_key: str = "household",
    season: int | None = None,
    statuses: Collection[ContractStatus] | None = None,
    preselect: bool = True,
) -> HouseholdView | None:
    """A search box (name, pinyin initials, ID tail, village) and a choice of the first
    ``PICKER_LIMIT`` matches, searched in the store; ``season`` limits the choice to the
    households with a contract that season (in one of ``statuses``, when given).

    Without ``preselect`` no household is chosen until the user picks one, or a search finds
    one alone: a form that writes for the household chosen never falls to the first of the
    list by default."""
    query = st.text_input(ctx.t("search"), key=f"{key}_search", placeholder=ctx.t("search_hint"))
    found, matched = household_matches(ctx.session, query, season, statuses)
    if not found:
        st.info(ctx.t("no_match"))
        return None
    if matched > len(found):
        st.info(ctx.t("picker_more", count=matched, shown=len(found)))
    by_ref = {h.ref: h for h in found}
    if not preselect and len(found) == 1 and st.session_state.get(key) not in by_ref:
        st.session_state[key] = found[0].ref  # the search named one household: it is picked
    ref = st.selectbox(
        ctx.t(label_key),
        list(by_ref),
        index=0 if preselect else None,
        key=key,
        format_func=lambda r: (
            f"{by_ref[r].head_name} · {by_ref[r].place} · {by_ref[r].resident_id}"
        ),
        placeholder=ctx.t("pick_household"),
    )
    if ref is None or ref not in by_ref:
        if not preselect:
            st.info(ctx.t("pick_household_first"))
        return None
    return by_ref[ref]


def season_picker(ctx: Ctx, *, key: str) -> int | None:
    """The season to work on (latest first)."""
    seasons = ctx.session.seasons()
    if not seasons:
        st.info(ctx.t("no_seasons"))
        return None
    chosen = st.selectbox(ctx.t("season"), seasons, key=key)
    return int(chosen) if chosen is not None else None


def signed_contract_picker(
    ctx: Ctx, *, prefix: str, preselect: bool = True
) -> tuple[int, HouseholdView, Contract] | None:
    """Season, then a household with a signed contract that season (the first of the list
    unless not ``preselect``: ``household_picker``), then that contract.

    Widget keys are ``{prefix}_season``, ``{prefix}_household`` and ``{prefix}_contract``.
    """
    s = ctx.session
    season = season_picker(ctx, key=f"{prefix}_season")
    if season is None:
        return None
    signed = {ContractStatus.SIGNED}
    home = household_picker(
        ctx, key=f"{prefix}_household", season=season, statuses=signed, preselect=preselect
    )
    if home is None:
        return None
    mine = {
        c.contract_no: c for c in s.contracts(season=season, household=home.ref, statuses=signed)
    }
    number = st.selectbox(
        ctx.t("contract"),
        list(mine),
        key=f"{prefix}_contract",
        format_func=lambda n: (
            f"{n} · "
            f"{helpers.crop_label(s.catalog, mine[n].crop, mine[n].form, ctx.lang)} · "
            f"{mine[n].area_mu} {ctx.t('mu')}"
        ),
    )
    if number is None:
        return None
    return season, home, mine[str(number)]


def table_bytes(table: Table, fmt: str, lang: Lang) -> bytes:
    """A table written as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(table, buffer, lang)
    else:
        write_csv(table, buffer, lang)
    return buffer.getvalue()


def full_ids_choice(ctx: Ctx, *, key: str) -> bool:
    """The choice of an export with full resident IDs and accounts, for a role that sees them.
    A full export is a reveal the audit records, so a store opened read-only, which can
    record nothing, does not offer it."""
    s = ctx.session
    return s.personal and not s.read_only and bool(st.checkbox(ctx.t("full_ids"), key=key))


def export_download(
    ctx: Ctx,
    *,
    key: str,
    what: str,
    season: int | None,
    fmt: str,
    full: bool,
    by: Sequence[str] = (),
) -> None:
    """生成文件, then 下载: the export ``what`` (of ``season``, when it is kept by season) as
    ``fmt``, named for both (``bank-2018.csv``, ``households.xlsx``).

    The file is kept for the choices it was made for and the store as it was then
    (``Session.revision``): another kind, season, format, language or full/masked choice, or
    any write since (a payment on the payments page), drops it, so the button never serves
    figures the page no longer shows. Widgets ``{key}_prepare`` and ``{key}_download``.
    """
    s = ctx.session
    slot = f"{key}_file"
    made_for = (what, season, fmt, full, tuple(by), ctx.lang)
    if st.button(ctx.t("prepare_file"), key=f"{key}_prepare"):
        before = s.revision()
        data = table_bytes(s.export(what, season=season, full=full, by=by), fmt, ctx.lang)
        after = s.revision()
        # a full export writes its own audit entry before it reads; another entry since may be
        # a write the file missed, so the file is then taken as made before it (and dropped)
        made_on = after if after == before + int(full) else before
        name = f"{what}.{fmt}" if season is None else f"{what}-{season}.{fmt}"
        st.session_state[slot] = (made_for, made_on, data, name)
    prepared = st.session_state.get(slot)
    if prepared is None:
        return
    if prepared[:2] != (made_for, s.revision()):
        del st.session_state[slot]
        return
    st.download_button(
        ctx.t("download"), data=prepared[2], file_name=prepared[3], key=f"{key}_download"
    )


# -- the shell ---------------------------------------------------------------------------------


def _refresh_user(store: Store) -> User | None:
    user = st.session_state.get("user")
    if not isinstance(user, User):
        return None
    try:
        fresh = store_users.get_user(store, user.name)
    except NotFoundError:
        fresh = None
    if fresh is None or not fresh.active:
        logout()
        return None
    if store_users.password_stamp(store, user.name) != st.session_state.get("user_stamp"):
        # the password was set since this login (reset by an admin: it may have leaked)
        logout()
        st.session_state["logged_out_why"] = "login_again_password"
        return None
    if fresh != user:
        st.session_state["user"] = fresh
    return fresh


def _own_password(store: Store, user: User, lang: Lang) -> None:
    """Any user may change their own password (typed twice)."""
    first = st.text_input(t("new_password", lang), type="password", key="pw_new")
    second = st.text_input(t("repeat_password", lang), type="password", key="pw_again")
    if st.button(t("save", lang), key="pw_save"):
        if first != second:
            st.error(t("passwords_differ", lang))
            return
        try:
            Session(store, user).set_password(user.name, first)
        except ValidationError as exc:
            for message in exc.messages(lang):
                st.error(message)
        else:
            # this login goes on with the new password; others of the user's end
            st.session_state["user_stamp"] = store_users.password_stamp(store, user.name)
            st.success(t("password_changed", lang))


def logout() -> None:
    """Forget the logged-in user and everything the pages kept for them."""
    lang = st.session_state.get("lang", "zh")
    path = st.session_state.get("_db_path")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state["lang"] = lang
    if path:
        st.session_state["_db_path"] = path


def main() -> None:
    """The page: language, login, and the navigation of the pages the user's role may use."""
    st.set_page_config(page_title="orderfarm 订单农业", page_icon="🌾", layout="wide")
    with contextlib.suppress(Exception):  # also set in .streamlit/config.toml
        st.set_option("client.showErrorDetails", "none")
    st.session_state.setdefault("lang", "zh")
    lang = current_lang()
    st.sidebar.radio(
        t("language", lang),
        ["zh", "en"],
        key="lang",
        format_func=lambda code: "中文" if code == "zh" else "English",
        horizontal=True,
    )
    lang = current_lang()
    path = db_path(sys.argv[1:], os.environ)
    if path is None:
        st.error(t("no_db", lang))
        return
    try:
        store = open_store(path)
    except Exception:
        log.exception("cannot open the database %s", path)
        st.error(t("db_failed", lang))
        return
    st.session_state["_db_path"] = path
    read_only = read_only_said(store, lang)
    if read_only:
        st.warning(read_only, icon="🔒")
    try:
        user = _refresh_user(store)
        if user is None:
            pages = [st.Page(PAGES_DIR / "login.py", title=t("login", lang), url_path="login")]
        else:
            st.sidebar.markdown(f"**{user.name}** · {t(f'role_{user.role.value}', lang)}")
            if st.sidebar.button(t("logout", lang), key="logout"):
                logout()
                st.rerun()
            if not store.read_only:
                with st.sidebar.expander(t("change_password", lang)):
                    _own_password(store, user, lang)
            pages = [
                st.Page(
                    PAGES_DIR / f"{spec.name}.py", title=t(spec.title_key, lang), url_path=spec.name
                )
                for spec in helpers.pages_for(user.role, read_only=store.read_only)
            ]
        st.navigation(pages, expanded=True).run()  # every page named: none behind "View more"
    except Exception:  # the pages guard their own bodies; this is the shell failing
        log.exception("the page shell failed")
        st.error(t("unexpected", lang))
