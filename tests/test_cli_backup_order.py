"""`orderfarm backup --replace` does not put an older copy over a newer database unsaid."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from orderfarm import cli
from orderfarm.auth import Role
from orderfarm.store import Store
from orderfarm.store.users import add_user, list_users


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", "中有审计记录第 3 至第 4 条是"),
        ("en", "holds audit entries 3 to 4, which"),
    ],
)
def test_a_backup_written_over_a_newer_database_is_refused_and_loses_nothing(
    tmp_path: Path, lang: str, said: str
) -> None:
    """Backup and restore mixed up (`orderfarm backup old.db season.db --replace`): the
    entries written after the old copy are not dropped without a word; the database stays."""
    season, old = tmp_path / "season.db", tmp_path / "old.db"
    with Store.open(season) as store:
        add_user(store, "boss", Role.ADMIN, "菊芋保护价2018", actor="script")
        add_user(store, "li", Role.CLERK, "菊芋保护价2018", actor="boss")
    assert run("backup", str(season), str(old))[0] == 0
    with Store.open(season) as store:
        add_user(store, "wang", Role.CLERK, "菊芋保护价2018", actor="boss")
        add_user(store, "zhao", Role.VIEWER, "菊芋保护价2018", actor="boss")
    kept = season.read_bytes()
    code, text = run("backup", str(old), str(season), "--replace", "--lang", lang)
    assert code == 1 and said in text, text
    assert season.read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db", "season.db"]
    with Store.open(season) as store:
        assert [u.name for u in list_users(store)] == ["boss", "li", "wang", "zhao"]
    # another database's copy does not replace a backup of this one either
    other = tmp_path / "other.db"
    with Store.open(other) as store:
        add_user(store, "admin", Role.ADMIN, "菊芋保护价2018", actor="script")
    code, text = run("backup", str(other), str(old), "--replace", "--lang", "en")
    assert code == 1 and "holds audit entries 1 to 2, which" in text, text
    # the usual daily round: a newer copy replaces the day before's
    code, text = run("backup", str(season), str(old), "--replace")
    assert code == 0 and "校验通过：审计 4 条" in text, text
