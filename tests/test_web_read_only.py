"""The page on a store kept as evidence (file and folder read only): it is served read-only,
says so at the top of every page, offers no form that writes, and reads, searches, samples
and downloads as on any store, leaving the file as it was."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import websupport
from streamlit.testing.v1 import AppTest
from websupport import APP, goto, login, ok, texts

from orderfarm import cli
from orderfarm.auth import Role
from orderfarm.store import Store
from orderfarm.web.helpers import PAGES, pages_for
from tests.reliability.support import as_nobody

demo_template = websupport.demo_template

BANNER_ZH = "只读：此数据库不能写入"
BANNER_EN = "Read-only: this database cannot be written"
#: the pages that are one form, which a store that cannot be written does not offer
FORMS = {"weighing", "inputs", "payments", "users"}


@pytest.fixture
def evidence(demo_template: Path) -> Iterator[Path]:
    """A copy of the demo season in a folder an unprivileged user may read and nobody may
    write; the folder is made writable again at the end, to be removed."""
    with tempfile.TemporaryDirectory(prefix="orderfarm-evidence-") as scratch:
        folder = Path(scratch) / "evidence"
        folder.mkdir()
        db = folder / "season.db"
        shutil.copyfile(demo_template, db)
        os.chmod(scratch, 0o755)
        os.chmod(db, 0o444)
        os.chmod(folder, 0o555)
        try:
            yield db
        finally:
            os.chmod(folder, 0o755)


@pytest.fixture(scope="module")
def warmed(demo_template: Path) -> None:
    """Every page once, on a writable copy, as an admin: what the page imports is then
    imported, for the unprivileged child, who may not be able to read Python's own files
    (installed in root's home folder)."""
    with tempfile.TemporaryDirectory(prefix="orderfarm-warm-") as scratch:
        db = Path(scratch) / "season.db"
        shutil.copyfile(demo_template, db)
        os.environ["ORDERFARM_DB"] = str(db)
        try:
            at = login(AppTest.from_file(str(APP), default_timeout=60).run(), "admin")
            for spec in PAGES:
                goto(at, spec.name)
            goto(at, "files")
            at.button(key="f_prepare").click().run()
            goto(at, "inspection")
            at.button(key="i_prepare").click().run()
            at.radio(key="lang").set_value("en").run()
        finally:
            del os.environ["ORDERFARM_DB"]


def _as_inspector(db: Path, work: Callable[[AppTest], None]) -> None:
    """``work`` on the page served from ``db`` by a user who cannot write it (root ignores
    file modes: the child drops to an unprivileged user), and ``db`` unchanged after it."""
    digest = hashlib.sha256(db.read_bytes()).hexdigest()

    def serve() -> None:
        with pytest.raises(OSError):  # this child cannot write there: the test means something
            (db.parent / "probe").touch()
        os.environ["ORDERFARM_DB"] = str(db)  # the child's own environment
        work(AppTest.from_file(str(APP), default_timeout=60).run())

    outcome = as_nobody(serve)
    assert outcome["error"] is None, outcome
    assert sorted(p.name for p in db.parent.iterdir()) == ["season.db"]  # no journal beside it
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def _banner(at: AppTest) -> list[str]:
    return [w for w in texts(at.warning) if w.startswith((BANNER_ZH, BANNER_EN))]


def test_an_inspector_browses_a_read_only_copy_and_downloads_from_it(
    evidence: Path, warmed: None
) -> None:
    """A viewer logs in, and every page says at its top that the store cannot be written;
    searching, the statement, the season's file and the 督察抽查 checklist work."""

    def work(at: AppTest) -> None:
        assert _banner(ok(at)) == [
            f"{BANNER_ZH}（season.db），页面只能查看、查询和下载，不能录入或修改"
        ]
        login(at, "viewer")
        assert "user" in at.session_state, texts(at.error)
        for spec in pages_for(Role.VIEWER):
            goto(at, spec.name)
            assert texts(ok(at).title)[0] == websupport.TITLES[spec.name]
            assert len(_banner(at)) == 1, spec.name
        with Store.open(evidence, read_only=True) as store:
            home = next(s for s in store.settle(2018) if s.totals.balance > 0)
        goto(at, "households")
        ok(at.text_input(key="hh_search").input(home.head_name).run())
        assert home.head_name in str(at.dataframe[0].value)
        goto(at, "settlement")
        ok(at.text_input(key="s_household_search").input(home.head_name).run())
        assert any(m.label == "余额（未付）" for m in at.metric)
        ok(at.button(key="s_prepare").click().run())
        assert at.get("download_button"), "no settlement file"
        goto(at, "inspection")
        ok(at.button(key="i_prepare").click().run())
        assert any(b.proto.id.endswith("-i_download") for b in at.get("download_button"))
        at.radio(key="lang").set_value("en").run()
        assert _banner(ok(at)) == [
            f"{BANNER_EN} (season.db); the page can view, search and download, "
            "not record or change anything"
        ]

    _as_inspector(evidence, work)


@pytest.mark.parametrize("role", ["admin", "clerk"])
def test_a_read_only_copy_offers_no_form_that_writes(
    evidence: Path, warmed: None, role: str
) -> None:
    """A clerk or an admin on the copy: the pages that are one form are not offered, and the
    others show no form that writes (households, contracts, market prices, imports, their own
    password), nor a full export, a reveal the audit could not record."""

    def work(at: AppTest) -> None:
        login(at, role)
        assert "user" in at.session_state, texts(at.error)
        assert not any(w.key == "pw_save" for w in at.button)  # no password to change
        offered = pages_for(Role(role), read_only=True)
        assert {p.name for p in pages_for(Role(role))} - {p.name for p in offered} == FORMS & {
            p.name for p in pages_for(Role(role))
        }
        for spec in offered:
            goto(at, spec.name)
            ok(at)
            assert len(_banner(at)) == 1, spec.name
            shown = {str(w.key) for w in at.button} | {str(w.key) for w in at.checkbox}
            writes = {"hh_save", "c_create", "c_sign", "c_end", "m_save", "f_check", "f_commit"}
            assert not shown & (writes | {"f_full", "s_full"}), (spec.name, shown)
        for spec in set(PAGES) - set(offered):
            with pytest.raises(ValueError, match="navigation page"):
                goto(at, spec.name)
        goto(at, "files")
        ok(at.button(key="f_prepare").click().run())
        assert at.get("download_button"), "no export"

    _as_inspector(evidence, work)


def test_orderfarm_app_serves_a_read_only_copy(
    evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``orderfarm app --db`` on the copy says it serves it read-only and starts the page on
    it (it used to fail opening it to make a first administrator)."""
    served: list[str] = []

    def serve(command: list[str], env: dict[str, str]) -> int:  # the server is not started
        served.append(env["ORDERFARM_DB"])
        return 0

    monkeypatch.setattr(cli, "serve", serve)

    def start_page() -> None:
        said = io.StringIO()
        assert cli.main(["app", "--db", str(evidence)], out=said) == 0, said.getvalue()
        assert "数据库不能写入，页面只读打开" in said.getvalue() and "密码" not in said.getvalue()
        assert served == [str(evidence.resolve())]

    outcome = as_nobody(start_page)
    assert outcome["error"] is None, outcome
    assert sorted(p.name for p in evidence.parent.iterdir()) == ["season.db"]
