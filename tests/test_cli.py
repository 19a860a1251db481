"""The ``orderfarm`` command: demo then verify pass; exit codes 0 / 1 / 2; --help everywhere."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from orderfarm import CarryPolicy, cli
from orderfarm.store import Store
from orderfarm.web.settings import PAGE_SETTINGS, page_options
from tests.test_store_support import advance_above_proceeds, household, workbook_on_a_notes_sheet

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    code, text = run("demo", "--db", str(path), "--households", "20", "--seed", "5")
    assert code == 0, text
    assert "20 户" in text
    assert "初始密码" in text  # the page's admin password, shown once
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "season.db"
    shutil.copy(demo_db, copy)
    return copy


def test_demo_then_verify(demo_db: Path) -> None:
    code, text = run("verify", "--db", str(demo_db))
    assert code == 0 and "校验通过" in text
    code, text = run("verify", "--db", str(demo_db), "--lang", "en")
    assert code == 0 and "verify ok" in text
    with Store.open(demo_db) as store:
        towns = {h.township for h in store.households()}
        assert towns <= set(__import__("orderfarm.demo").demo.TOWNSHIPS)
        names = {e.name for e in store.enterprises()}
        assert {"陕西森弗天然制品有限公司", "洛南辣上天有限公司"} <= names


def test_the_demo_is_deterministic(tmp_path: Path) -> None:
    from orderfarm.demo import generate

    assert generate(9, 15) == generate(9, 15)
    assert generate(9, 15) != generate(10, 15)


def test_installed_command_runs_in_a_subprocess(demo_db: Path) -> None:
    command = [sys.executable, "-m", "orderfarm.cli", "verify", "--db", str(demo_db)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "校验通过" in done.stdout


def test_verify_gives_the_audit_head_to_publish(demo_db: Path) -> None:
    """Records cut off the end of the chain are seen only against a head kept elsewhere:
    verify prints it, as the store gives it."""
    with Store.open(demo_db) as store:
        seq, digest = store.audit_head()
    code, text = run("verify", "--db", str(demo_db))
    assert code == 0 and f"审计链末端：第 {seq} 条，哈希 {digest}" in text


def test_an_empty_file_is_not_taken_for_a_store(tmp_path: Path) -> None:
    """A file of no bytes was made a store and passed verify: it is refused, and left empty."""
    empty = tmp_path / "evidence.db"
    empty.touch()
    for command in (("verify",), ("report", "--season", "2018")):
        code, _ = run(*command, "--db", str(empty))
        assert code == 2
    assert empty.stat().st_size == 0


def test_verify_finds_a_tampered_amount(db: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER IF EXISTS deliveries_no_update")
    triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE deliveries SET amount_fen = amount_fen + 100 WHERE id = 1")
    conn.commit()
    conn.close()
    code, text = run("verify", "--db", str(db))
    assert code == 1 and "校验失败" in text


@pytest.mark.parametrize(
    "command",
    [
        "init", "demo", "import", "export", "statement", "settle", "report", "verify", "backup",
        "print", "app",
    ],
)  # fmt: skip
def test_help_everywhere(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([command, "--help"]) == 0
    assert "--db" in capsys.readouterr().out


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert cli.main(["import", "slips"]) == 2
    missing = str(tmp_path / "none.db")
    assert cli.main(["verify", "--db", missing]) == 2
    assert not Path(missing).exists()
    assert cli.main(["--help"]) == 0
    assert cli.main(["--version"]) == 0


def test_import_exit_codes(db: Path, tmp_path: Path) -> None:
    good = tmp_path / "slips.csv"
    code, _ = run("export", "slips", str(good), "--db", str(db), "--full")
    assert code == 0
    code, text = run("import", "slips", str(good), "--db", str(db), "--today", "2019-06-01")
    assert code == 0 and "已存在" in text
    code, text = run("import", "slips", str(good), "--db", str(db), "--dry-run")
    assert code == 0 and "有问题 0 行；试运行，未写入" in text
    bad = tmp_path / "bad.csv"
    lines = good.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(",")
    cells[0], cells[3] = "NEW-1", "-5"
    bad.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="gbk")
    code, text = run("import", "slips", str(bad), "--db", str(db), "--dry-run")
    assert code == 1 and "第 2 行「毛重（公斤）」" in text and "不能为负数" in text
    code, text = run("import", "slips", str(bad), "--db", str(db), "--lang", "en")
    assert code == 1 and "row 2, gross_kg" in text
    code, _ = run("import", "slips", str(tmp_path / "nothere.csv"), "--db", str(db))
    assert code == 2
    heavy = tmp_path / "heavy.csv"
    cells[0], cells[3] = "NEW-2", "99999"  # an extra digit: written, and named to check
    heavy.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8")
    code, text = run("import", "slips", str(heavy), "--db", str(db), "--dry-run")
    assert code == 0 and "1 处数值请核对" in text
    assert "请核对: 第 2 行「毛重（公斤）」（值「99999」）：一张小票毛重减皮重为" in text
    # a column of no use is said apart: not read, nothing to check against the paper
    noted = tmp_path / "noted.csv"
    noted.write_text(f"{lines[0]},备注\n{','.join(cells)},补录\n", encoding="utf-8")
    code, text = run("import", "slips", str(noted), "--db", str(db), "--dry-run")
    assert code == 0 and "1 处数值请核对" in text
    said = [line.strip() for line in text.splitlines()]
    assert [line[:3] for line in said if line.startswith(("请核对", "未读取"))] == [
        "请核对",
        "未读取",
    ]
    assert any(line.startswith("未读取") and "备注" in line for line in said), said


def test_exports_settle_report_statement_and_print(db: Path, tmp_path: Path) -> None:
    code, text = run(
        "settle", "--db", str(db), "--season", "2018", "--bank", str(tmp_path / "b.xlsx")
    )
    assert code == 0 and "余额" in text and (tmp_path / "b.xlsx").exists()
    code, text = run("report", "--db", str(db), "--season", "2018", "--by", "township,crop")
    assert code == 0 and "签约户数" in text
    assert "按各合同交售金额比例分摊" in text  # by crop: how a household's amounts are shared
    with Store.open(db) as store:
        home = store.households()[0]
        contract = store.contracts(household_id=home.resident_id)[0]
        receipt = store.deliveries(contract_no=contract.contract_no)[0].receipt_no
    code, text = run("statement", home.resident_id, "--db", str(db), "--season", "2018")
    assert code == 0 and "应付" in text and home.resident_id not in text
    for what, key, extra in (
        ("contract", contract.contract_no, []),
        ("receipt", receipt, []),
        ("statement", home.resident_id, ["--season", "2018"]),
    ):
        out = tmp_path / f"{what}.html"
        code, _ = run("print", what, key, str(out), "--db", str(db), *extra)
        assert code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _ = run("statement", "110101199001011234", "--db", str(db), "--season", "2018")
    assert code == 1  # no such household: a domain failure


@pytest.mark.parametrize(
    ("policy", "carried", "waived"),
    [(CarryPolicy.CARRY, "200.00", "0.00"), (CarryPolicy.WAIVE, "0.00", "200.00")],
)
def test_the_statement_says_what_is_carried_over_or_waived(
    db: Path, policy: CarryPolicy, carried: str, waived: str
) -> None:
    home = household(999, township="大荆镇", village="新建村")
    with Store.open(db) as store:
        store.add_household(home)
        advance_above_proceeds(store, home, policy)
    code, text = run("statement", home.resident_id, "--db", str(db), "--season", "2018")
    totals = dict(line.split() for line in text.splitlines()[-7:])
    assert code == 0 and " ".join(totals) == "收购款 扣回垫付 结转下季 核销 应付 已付 余额"
    assert (totals["收购款"], totals["扣回垫付"], totals["应付"]) == ("800.00", "800.00", "0.00")
    assert (totals["结转下季"], totals["核销"]) == (carried, waived)
    args = ("statement", home.resident_id, "--db", str(db), "--season", "2018", "--lang", "en")
    code, text = run(*args)
    totals = dict(line.split() for line in text.splitlines()[-7:])
    assert code == 0 and (totals["carried_out"], totals["waived"]) == (carried, waived)
    code, text = run("settle", "--db", str(db), "--season", "2018")  # the demo's own carry none
    totals = dict(line.split() for line in text.splitlines()[-7:])
    assert code == 0 and (totals["结转下季"], totals["核销"]) == (carried, waived)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "zh",
            "orderfarm: --by 不能按「村」分组，可按：township（镇/街道办）、village（村）、"
            "crop（作物）、enterprise（订单企业）",
        ),
        (
            "en",
            "orderfarm: --by cannot group by 村; it groups by township, village, crop, enterprise",
        ),
    ],
)
def test_a_report_by_an_unknown_group_is_a_usage_error(
    db: Path, capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    code, _ = run("report", "--db", str(db), "--season", "2018", "--by", "村", "--lang", lang)
    assert code == 2 and capsys.readouterr().err.strip() == said
    code, _ = run("report", "--db", str(db), "--season", "2018", "--by", "township,grade")
    assert code == 2 and "「grade」" in capsys.readouterr().err
    code, _ = run("export", "report", str(db.with_suffix(".csv")), "--db", str(db), "--by", "村")
    assert code == 2 and not db.with_suffix(".csv").exists()


def test_a_report_by_village_keeps_villages_of_one_name_in_other_townships_apart(
    db: Path, tmp_path: Path
) -> None:
    with Store.open(db) as store:
        places = {(r.township, r.village) for r in store.report(2018, by=("township", "village"))}
    twice = {v for _, v in places if sum(1 for _, w in places if w == v) > 1}
    assert twice  # the demo has villages of one name in two townships (东沟村)
    code, text = run("report", "--db", str(db), "--season", "2018", "--by", "village")
    *rows, total = [line.split() for line in text.splitlines()[1:]]
    assert code == 0 and text.split()[:2] == ["镇/街道办", "村"]
    assert {(r[0], r[1]) for r in rows} == places and len(rows) == len(places)
    # the season as one row: each household once, though it has contracts in two villages
    with Store.open(db) as store:
        (season,) = store.report(2018, by=())
    assert total[:2] == ["合计", str(season.households)]
    out = tmp_path / "by-village.csv"
    code, _ = run(
        "export", "report", str(out), "--db", str(db), "--season", "2018", "--by", "village"
    )
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert code == 0 and len(lines) == 2 + len(places) and lines[0].startswith("镇/街道办,村,")
    assert lines[-1].startswith(f"合计,,{season.households},")


def test_the_page_settings_are_those_of_the_checkout_config() -> None:
    """``orderfarm app`` passes the settings ``streamlit run app_streamlit.py`` reads from
    ``.streamlit/config.toml``: the two say the same."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    flat = {
        f"{section}.{name}": v for section, table in config.items() for name, v in table.items()
    }
    assert flat == PAGE_SETTINGS
    # a package updated under a running server reloads nothing mid-session
    assert (flat["server.fileWatcherType"], flat["server.runOnSave"]) == ("none", False)
    options = page_options()
    assert options[options.index("--server.fileWatcherType") + 1] == "none"
    assert options[options.index("--server.runOnSave") + 1] == "false"


def test_init_creates_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "new.db"
    monkeypatch.setenv("ORDERFARM_DB", str(path))
    code, text = run("init")
    assert code == 0 and path.exists() and str(path) in text
    assert "admin" in text and "初始密码" in text
    code, text = run("init")
    assert code == 0 and "初始密码" not in text  # only the first time
    with Store.open(path) as store:
        assert store.counts()["households"] == 0


def test_app_runs_streamlit_on_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_db: Path
) -> None:
    seen: dict[str, object] = {}

    def fake_serve(command: list[str], env: dict[str, str]) -> int:
        seen["command"], seen["db"] = command, env["ORDERFARM_DB"]
        return 0

    monkeypatch.setattr(cli, "serve", fake_serve)
    code, _ = run("app", "--db", str(demo_db), "--server.headless", "true", "--server.port", "8599")
    assert code == 0
    command = seen["command"]
    assert isinstance(command, list) and command[3:5] == ["run", str(cli.APP_SCRIPT)]
    # the page's settings, then what was given after ``app``, which wins
    assert command[5:-4] == page_options() and "--server.enableXsrfProtection" in command
    assert command[-4:] == ["--server.headless", "true", "--server.port", "8599"]
    assert seen["db"] == str(demo_db.resolve())
    assert cli.main(["verify", "--server.port", "1"]) == 2  # only app passes arguments on
    # after ``--``, as other tools take them, they are streamlit's all the same
    code, _ = run("app", "--db", str(demo_db), "--", "--server.port", "8599")
    assert code == 0 and seen["command"][-2:] == ["--server.port", "8599"]  # type: ignore[index]


def test_app_serves_the_season_init_made_and_refuses_a_database_not_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Set up with ``orderfarm init``, ``orderfarm app`` in that folder serves that season, not
    a demo beside it; a ``--db`` mistyped is refused, not made a file nobody can log in to."""
    seen: dict[str, str] = {}

    def fake_serve(command: list[str], env: dict[str, str]) -> int:
        seen["db"] = env["ORDERFARM_DB"]
        return 0

    monkeypatch.setattr(cli, "serve", fake_serve)
    monkeypatch.delenv("ORDERFARM_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("init")[0] == 0
    code, text = run("app")
    assert code == 0 and seen["db"] == str((tmp_path / cli.DEFAULT_DB).resolve())
    assert not (tmp_path / cli.DEMO_DB).exists() and "页面使用数据库" in text
    assert cli.main(["app", "--db", "seasn2019.db"]) == 2
    assert not (tmp_path / "seasn2019.db").exists()


def test_import_auto_takes_the_files_in_the_order_their_records_need(
    db: Path, tmp_path: Path
) -> None:
    """Contracts named before their households and enterprises: imported after them, all
    written, not every contract row refused for a household not found."""
    files = {}
    for kind in ("contracts", "households", "enterprises"):
        files[kind] = tmp_path / f"{kind}.csv"
        code, _ = run("export", kind, str(files[kind]), "--db", str(db), "--full")
        assert code == 0
    fresh = tmp_path / "fresh.db"
    assert run("init", "--db", str(fresh))[0] == 0
    code, text = run("import", "auto", *(str(f) for f in files.values()), "--db", str(fresh))
    assert code == 0, text
    assert "按记录的依赖顺序导入：enterprises.csv → households.csv → contracts.csv" in text
    with Store.open(db) as store, Store.open(fresh) as copy:
        assert len(copy.contracts()) == len(store.contracts()) > 0


def test_an_empty_template_of_a_record_type(tmp_path: Path) -> None:
    import openpyxl

    target = tmp_path / "slips.xlsx"
    code, text = run("export", "slips", str(target), "--template", "--db", str(tmp_path / "x"))
    assert code == 0 and "已写出空白模板" in text
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None and sheet.max_row == 1
    assert next(sheet.iter_rows(max_row=1, values_only=True))[:2] == ("小票号", "合同编号")
    assert not (tmp_path / "x").exists()  # no store is opened for a template
    code, _ = run("export", "settlement", str(tmp_path / "s.xlsx"), "--template")
    assert code == 2


@pytest.mark.parametrize("command", ["settle", "export"])
def test_a_masked_bank_list_says_it_is_masked_and_how_to_get_the_full_one(
    db: Path, tmp_path: Path, command: str
) -> None:
    def bank_list(lang: str, *full: str) -> tuple[str, list[str]]:
        target = tmp_path / f"bank-{lang}{''.join(full)}.csv"
        where = ["--bank", str(target)] if command == "settle" else ["bank", str(target)]
        code, text = run(
            command, *where, "--db", str(db), "--season", "2018", "--lang", lang, *full
        )
        assert code == 0, text
        return text, target.read_text(encoding="utf-8-sig").splitlines()[1].split(",")

    text, row = bank_list("zh")
    assert "*" in row[2] and "*" in row[3]  # 身份证号, 一卡通账号
    assert "身份证号和一卡通账号已打码，银行不能据此代发" in text and "--full" in text
    text, _ = bank_list("en")
    assert "resident IDs and account numbers are masked" in text and "--full" in text
    text, row = bank_list("zh", "--full")
    assert "*" not in row[2] + row[3]
    assert "含完整身份证号和一卡通账号，已记入审计日志" in text and "打码" not in text


def test_verify_says_each_problem_in_the_chosen_language(db: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER deliveries_no_update")
    conn.execute("UPDATE deliveries SET amount_fen = amount_fen + 100 WHERE id = 1")
    conn.commit()
    conn.close()
    code, text = run("verify", "--db", str(db))
    lines = [line for line in text.splitlines() if line.startswith("  [")]
    assert code == 1 and lines
    assert any("按小票重新计价为" in line for line in lines)
    assert not any(word in text for word in ("audit entry", "delivery", "differ", "stored as"))
    code, text = run("verify", "--db", str(db), "--lang", "en")
    assert code == 1 and "prices at" in text and "重新计价" not in text


@pytest.mark.parametrize(
    ("lang", "no_contract", "no_season"),
    [
        ("zh", "orderfarm: 合同 NOPE 不存在", "orderfarm: 打印对账单需要 --season（年度）"),
        ("en", "orderfarm: no contract NOPE", "orderfarm: statement needs --season"),
    ],
)
def test_errors_are_said_in_the_chosen_language(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    no_contract: str,
    no_season: str,
) -> None:
    out = str(tmp_path / "page.html")
    code, _ = run("print", "contract", "NOPE", out, "--db", str(db), "--lang", lang)
    assert code == 1 and capsys.readouterr().err.strip() == no_contract
    with Store.open(db) as store:
        rid = store.households()[0].resident_id
    code, _ = run("print", "statement", rid, out, "--db", str(db), "--lang", lang)
    assert code == 2 and capsys.readouterr().err.strip() == no_season
    missing = str(tmp_path / "none.db")
    code, _ = run("verify", "--db", missing, "--lang", lang)
    said = capsys.readouterr().err
    assert code == 2 and ("没有数据库文件" in said) == (lang == "zh")
    assert ("no database at" in said) == (lang == "en")


def test_backup_takes_its_database_from_db_as_every_command_does(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(db) as store:
        head = store.audit_head()
    copy = tmp_path / "bk.db"
    code, text = run("backup", "--db", str(db), str(copy))
    assert code == 0 and f"已备份到 {copy}，校验通过" in text
    with Store.open(copy) as store:
        assert store.audit_head() == head
    monkeypatch.setenv("ORDERFARM_DB", str(db))
    code, _ = run("backup", str(tmp_path / "env.db"))
    assert code == 0 and (tmp_path / "env.db").exists()
    code, _ = run("backup", str(db), str(tmp_path / "both.db"))  # as before: source, dest
    assert code == 0 and (tmp_path / "both.db").exists()
    code, _ = run("backup", "--db", str(db), str(copy), str(tmp_path / "two.db"), "--lang", "en")
    assert code == 2 and "which database to back up" in capsys.readouterr().err
    assert not (tmp_path / "two.db").exists()


def test_import_reads_the_sheet_whose_header_fits(db: Path, tmp_path: Path) -> None:
    path = workbook_on_a_notes_sheet(tmp_path / "homes.xlsx", household(88))
    for kind in ("households", "auto"):
        code, text = run("import", kind, str(path), "--db", str(db), "--dry-run")
        assert code == 0 and "读取工作表「农户」" in text and "有效 1 行" in text, text
    code, text = run("import", "households", str(path), "--db", str(db), "--sheet", "说明")
    assert code == 1 and "文件缺少「户主姓名 / head_name」列" in text


@pytest.mark.parametrize(
    ("lang", "mark", "why"), [("zh", "已作废", "作废原因：磅秤故障"), ("en", "VOID", "Voided on")]
)
def test_a_voided_receipt_prints_marked_void_with_its_reason_and_day(
    db: Path, tmp_path: Path, lang: str, mark: str, why: str
) -> None:
    from orderfarm.units import china_today

    with Store.open(db) as store:
        last = store.deliveries()[-1]  # the last slip: its void re-prices no other
        home = store.household(last.household_id)
        store.void_delivery(last.id, "磅秤故障")
    out = tmp_path / "receipt.html"
    code, _ = run("print", "receipt", last.receipt_no, str(out), "--db", str(db), "--lang", lang)
    page = out.read_text(encoding="utf-8")
    assert code == 0 and f'<div class="void">{mark}</div>' in page
    assert why in page and "磅秤故障" in page and china_today().isoformat() in page
    for command in (
        ["print", "statement", home.resident_id, str(out)],
        ["statement", home.resident_id, "--html", str(out)],
    ):  # the statement as the page prints it, with the day it was printed
        code, _ = run(*command, "--db", str(db), "--season", "2018", "--lang", lang)
        assert code == 0 and china_today().isoformat() in out.read_text(encoding="utf-8")


def test_backup_keeps_an_existing_file_unless_replace_and_then_only_by_a_copy_that_verifies(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    earlier = tmp_path / "bk.db"
    assert run("backup", "--db", str(db), str(earlier))[0] == 0
    kept = earlier.read_bytes()
    for lang, said in (
        ("zh", f"备份文件 {earlier} 已存在"),
        ("en", f"backup file {earlier} exists"),
    ):
        code, _ = run("backup", "--db", str(db), str(earlier), "--lang", lang)
        err = capsys.readouterr().err
        assert code == 2 and said in err and "--replace" in err
        assert earlier.read_bytes() == kept
    conn = sqlite3.connect(db)  # the database is damaged since: its copy fails verify
    conn.execute("DROP TRIGGER deliveries_no_update")
    conn.execute("UPDATE deliveries SET amount_fen = amount_fen + 100 WHERE id = 1")
    conn.commit()
    conn.close()
    code, text = run("backup", "--db", str(db), str(earlier), "--replace")
    assert code == 1 and "备份校验失败" in text and earlier.read_bytes() == kept
    fresh = tmp_path / "new.db"
    code, _ = run("backup", "--db", str(db), str(fresh))
    assert code == 1 and not fresh.exists()  # no copy that fails verify is left as a backup
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bk.db", "season.db"]
    conn = sqlite3.connect(db)
    conn.execute("UPDATE deliveries SET amount_fen = amount_fen - 100 WHERE id = 1")
    conn.commit()
    conn.close()
    code, text = run("backup", "--db", str(db), str(earlier), "--replace")
    assert code == 0 and "校验通过" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bk.db", "season.db"]
    with Store.open(earlier) as store:
        assert store.verify().ok


@pytest.mark.parametrize(
    ("lang", "said"), [("zh", "备份不能覆盖数据库本身"), ("en", "cannot overwrite the database")]
)
def test_a_backup_onto_its_own_database_is_refused_in_the_chosen_language(
    db: Path, capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    before = db.read_bytes()
    for extra in ([], ["--replace"]):
        code, _ = run("backup", "--db", str(db), str(db), "--lang", lang, *extra)
        assert code == 1 and said in capsys.readouterr().err
    assert db.read_bytes() == before


def test_a_backup_into_a_folder_not_there_says_so(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backups" / "2019-11-05.db"
    code, _ = run("backup", "--db", str(db), str(target))
    err = capsys.readouterr().err
    assert code == 1 and f"文件夹 {target.parent} 不存在" in err
    assert not target.parent.exists()


@pytest.mark.parametrize(("lang", "said"), [("zh", "已有"), ("en", "already holds")])
def test_the_demo_refuses_a_database_that_holds_records_and_writes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    with Store.open(db) as store:
        before = store.counts(), store.audit_head()
    code, _ = run("demo", "--db", str(db), "--seed", "6", "--households", "5", "--lang", lang)
    err = capsys.readouterr().err
    assert code == 2 and said in err and str(db) in err
    with Store.open(db) as store:
        assert (store.counts(), store.audit_head()) == before


def test_the_demo_fills_an_empty_database_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderfarm.store import StoreError

    path = tmp_path / "new.db"
    assert run("init", "--db", str(path))[0] == 0  # users only: no records yet

    def fail(*args: object, **kwargs: object) -> None:
        raise StoreError("the disk went away")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "record_payment", fail)  # the demo's last writes
        code, _ = run("demo", "--db", str(path), "--households", "5")
    assert code == 1
    with Store.open(path) as store:
        assert {t: n for t, n in store.counts().items() if n and t != "audit"} == {}
    code, text = run("demo", "--db", str(path), "--households", "5")
    assert code == 0 and "5 户" in text and "初始密码" not in text
    assert run("verify", "--db", str(path))[0] == 0


def test_verify_says_the_running_totals_in_the_chosen_language_and_names_no_audit_entry(
    db: Path,
) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    household = conn.execute("SELECT MIN(household_id) FROM season_totals").fetchone()[0]
    name, rid = conn.execute(
        "SELECT head_name, resident_id FROM households WHERE id = ?", (household,)
    ).fetchone()
    conn.execute(  # the running totals only: no money row, no audit entry is touched
        "UPDATE season_totals SET proceeds_fen = proceeds_fen + 100000 WHERE household_id = ?",
        (household,),
    )
    conn.commit()
    conn.close()
    masked = f"{rid[:6]}{'*' * 8}{rid[-4:]}"
    code, text = run("verify", "--db", str(db))
    assert code == 1 and text.splitlines()[0] == "校验失败：发现 1 个问题"
    assert f"[汇总] 农户年度累计数 {name}（{masked}）2018 年度 与其记录之和不符" in text
    assert "收购款累计" in text and "元，按记录应为" in text
    assert not any(w in text for w in ("None", "proceeds", "records say", rid, "totals"))
    code, text = run("verify", "--db", str(db), "--lang", "en")
    assert code == 1 and text.splitlines()[0] == "verify FAILED: 1 problems"
    assert f"the season totals of {name} ({masked}) for 2018" in text
    assert " yuan where the records say " in text and "_fen" not in text and "None" not in text


def test_output_into_a_closed_pipe_ends_quietly(demo_db: Path) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    assert cli.main(["report", "--db", str(demo_db), "--season", "2018"], out=ClosedPipe()) == 0
    command = [sys.executable, "-m", "orderfarm.cli", "report", "--db", str(demo_db)]
    reader = subprocess.Popen(
        [*command, "--season", "2018", "--by", "village"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # as head does once it has its lines
    said = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 0 and said == ""
