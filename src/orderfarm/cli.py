"""The ``orderfarm`` command: create, fill, import into, export from, settle and check a
season's database, draw its inspection sample, print contracts, receipts and statements, and
start the page.

Exit codes: 0 done; 1 a domain failure (invalid rows, verify found a problem, a record
missing); 2 a usage error (bad arguments, a file that cannot be opened).
The database is ``--db PATH``, else ``$ORDERFARM_DB``, else ``orderfarm.db``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from orderfarm.errors import OrderfarmError
from orderfarm.io.failures import os_error_said
from orderfarm.messages import Lang
from orderfarm.voids import reason_in
from orderfarm.web.settings import page_options

if TYPE_CHECKING:
    from orderfarm.session import InspectionItem
    from orderfarm.store import Store, VerifyReport
    from orderfarm.store.records import Void

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
DEFAULT_DB: Final = "orderfarm.db"
DEMO_DB: Final = "orderfarm-demo.db"

_KINDS: Final = (
    "households",
    "enterprises",
    "contracts",
    "market_prices",
    "slips",
    "supplies",
    "payments",
)

#: A season's totals as the command line names them (``settlement.Totals``' fields, in
#: English as they are): the advances proceeds did not recover are carried to the next season
#: or waived, as each contract says.
_TOTALS: Final = {
    "proceeds": "收购款",
    "recovered": "扣回垫付",
    "carried_out": "结转下季",
    "waived": "核销",
    "payable": "应付",
    "paid": "已付",
    "balance": "余额",
}


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit code 2), said in Chinese and
    in English (``message(lang)``)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def message(self, lang: Lang) -> str:
        """The error in ``lang``."""
        return self.zh if lang == "zh" else self.en


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db or os.environ.get("ORDERFARM_DB") or DEFAULT_DB)


def _open_store(args: argparse.Namespace, *, create: bool = False) -> Store:
    from orderfarm.store import Store

    path = _db_path(args)
    if not create and not path.exists():
        raise UsageError(
            f"没有数据库文件 {path}（先运行 orderfarm init 或 orderfarm demo）",
            f"no database at {path} (run orderfarm init or orderfarm demo first)",
        )
    if not create and path.is_file() and path.stat().st_size == 0:  # made a store, it passes
        raise UsageError(
            f"{path} 是空文件，不是 orderfarm 数据库（新建数据库请运行 orderfarm init）",
            f"{path} is an empty file, not an orderfarm database (run orderfarm init to make one)",
        )
    if create:
        return Store.open(path)
    return Store.open_existing(path)  # a copy kept as evidence is read as it is


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"不是日期（年-月-日）/ not a date (YYYY-MM-DD): {text!r}"
        ) from None


def _say(out: TextIO, zh: str, en: str, lang: Lang) -> None:
    print(zh if lang == "zh" else en, file=out)


# -- commands ------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.store import Store
    from orderfarm.store.users import ensure_admin

    path = _db_path(args)
    with Store.open(path) as store:
        version = store.schema_version
        password = ensure_admin(store, actor=args.actor)
    _say(
        out,
        f"数据库已就绪：{path}（结构版本 {version}）",
        f"database ready: {path} (schema version {version})",
        args.lang,
    )
    _show_password(out, password, args.lang)
    return EXIT_OK


def _show_password(out: TextIO, password: str | None, lang: Lang) -> None:
    """Print a new database's generated admin password, the one time it is known."""
    if password is None:
        return
    _say(
        out,
        f"网页管理员：用户名 admin，初始密码 {password}（只显示这一次，请记下并登录后修改）",
        f"page administrator: user admin, password {password} (shown this once: note it, "
        "and change it after logging in)",
        lang,
    )


def build_demo_file(path: Path, *, seed: int, households: int) -> tuple[int, int, int, str | None]:
    """Create the demo database at ``path``; returns (households, contracts, slips, the
    generated admin password of the page, or ``None`` if the file had users already).

    A new file is built in a temporary directory in memory when one is available (the demo is
    thousands of small transactions, each synced to disk) and then copied with SQLite's backup
    API; an existing file that holds no records yet (one ``orderfarm init`` made, with its
    users) is filled in place in one transaction, all of it or nothing. A file that holds
    records is refused (``UsageError``), nothing written: the demo's made-up households and
    slips are not to be mixed into a season's real ones.
    """
    from orderfarm.demo import build_demo
    from orderfarm.store import Store

    if path.exists():
        with Store.open(path) as store:
            held = sum(n for table, n in store.counts().items() if table != "audit")
            if held:
                raise UsageError(
                    f"数据库 {path} 已有 {held} 条记录，演示数据只写入新的或空的数据库；"
                    "未写入任何数据（请用 --db 另给一个文件名）",
                    f"the database {path} already holds {held} records; the demo is written "
                    "only into a new or empty database. Nothing was written (give another file "
                    "with --db)",
                )
            with store.transaction():
                season = build_demo(store, seed=seed, households=households)
    else:
        shm = Path("/dev/shm")
        base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
        with tempfile.TemporaryDirectory(dir=base) as tmp:
            scratch = Path(tmp) / "demo.db"
            with Store.open(scratch) as store:
                season = build_demo(store, seed=seed, households=households)
            path.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(scratch)
            target = sqlite3.connect(path)
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
    from orderfarm.store.users import ensure_admin

    with Store.open(path) as store:  # the copy opens as a store, with its journal mode
        password = ensure_admin(store, actor="demo")
    return len(season.households), len(season.contracts), len(season.slips), password


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    path = Path(args.db or os.environ.get("ORDERFARM_DB") or DEMO_DB)
    if args.households < 1:
        raise UsageError("--households 至少为 1", "--households must be at least 1")
    households, contracts, slips, password = build_demo_file(
        path, seed=args.seed, households=args.households
    )
    _say(
        out,
        f"演示数据库：{path}（商州区 2018 年度：{households} 户，{contracts} 份合同，"
        f"{slips} 张收购小票）",
        f"demo database: {path} (Shangzhou 2018: {households} households, {contracts} "
        f"contracts, {slips} weighing slips)",
        args.lang,
    )
    _show_password(out, password, args.lang)
    return EXIT_OK


#: the order files of each kind are imported in when the command line tells their kinds:
#: what a record names comes before it (an enterprise and a household before their contract)
_DEPENDS: Final = ("enterprises", "households", "contracts", "market_prices", "supplies", "slips")


def _import_order(args: argparse.Namespace, out: TextIO) -> list[tuple[str, str, str | None]]:
    """Each file with its kind and sheet; with ``auto``, in the order of ``_DEPENDS`` (a
    contract file named before its households' would be refused row by row)."""
    from orderfarm.io.importing import detect_kind, fitting_sheet

    found = []
    for file in args.files:
        if not Path(file).exists():
            raise UsageError(f"没有文件 {file}", f"no such file: {file}")
        kind, sheet = args.kind, args.sheet
        if sheet is None and Path(file).suffix.lower() == ".xlsx":
            # a workbook opening on a 说明 sheet: the one whose header fits
            sheet = fitting_sheet(file, None if kind == "auto" else kind)
            if sheet is not None:
                _say(out, f"读取工作表「{sheet}」", f"reading the sheet {sheet}", args.lang)
        if kind == "auto":
            kind = detect_kind(file, sheet=sheet)
        found.append((file, kind, sheet))
    if args.kind != "auto":
        return found
    ordered = sorted(found, key=lambda f: _DEPENDS.index(f[1]) if f[1] in _DEPENDS else 99)
    if ordered != found:
        names = " → ".join(Path(f).name for f, _, _ in ordered)
        _say(
            out,
            f"按记录的依赖顺序导入：{names}",
            f"imported in the order records need: {names}",
            args.lang,
        )
    return ordered


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.errors import Problem
    from orderfarm.io.errors import RowProblem
    from orderfarm.io.loading import Pending, import_file

    failed = False
    # a dry run of several files checks each against what the earlier ones would add (one
    # file is checked against the store alone, so a file of plain slips takes the quick path)
    pending = Pending() if args.dry_run and len(args.files) > 1 else None
    with _open_store(args) as store:
        for file, kind, sheet in _import_order(args, out):
            report = import_file(
                store,
                file,
                kind,
                commit=not args.dry_run,
                skip_invalid=args.skip_invalid,
                today=args.today,
                actor=args.actor,
                rejects=args.rejects,
                sheet=sheet,
                lang=args.lang,
                pending=pending,
            )
            print(report.summary(args.lang), file=out)
            for line in report.messages(args.lang):
                print(f"  {line}", file=out)
            zh = args.lang == "zh"
            for doubt in report.doubts:  # values written, to look at again against the paper
                print(f"  {'请核对' if zh else 'check'}: {doubt.message(args.lang)}", file=out)
            if report.warnings_not_listed:
                more = Problem("file", "too_many_warnings", {"count": report.warnings_not_listed})
                print(f"  {RowProblem(0, '', '', more).message(args.lang)}", file=out)
            for part in report.passed_over:  # parts of the file not read: nothing to check
                print(f"  {'未读取' if zh else 'not read'}: {part.message(args.lang)}", file=out)
            if report.rejects is not None:
                _say(
                    out,
                    f"  问题行已写入 {report.rejects}，改正后可重新导入",
                    f"  rejected rows written to {report.rejects}; fix them and import again",
                    args.lang,
                )
            if not report.ok:
                failed = True
                if not args.dry_run and not args.skip_invalid:
                    break
    return EXIT_FAILED if failed else EXIT_OK


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.io.columns import RECORD_TYPES
    from orderfarm.io.exporting import template_table
    from orderfarm.io.exports import export_table
    from orderfarm.io.writers import write_table

    if args.template:
        if args.what not in RECORD_TYPES:
            kinds = "、".join(RECORD_TYPES)
            raise UsageError(
                f"只有可导入的记录有模板：{kinds}", f"a template is of a record type: {kinds}"
            )
        table = template_table(args.what)
        path = write_table(table, args.output, format=args.format, lang=args.lang)
        _say(out, f"已写出空白模板 {path}", f"empty template written to {path}", args.lang)
        return EXIT_OK
    with _open_store(args) as store:
        table = export_table(
            store,
            args.what,
            season=args.season,
            full=args.full,
            by=_report_by(args.by) if args.by else ("township", "crop"),
            actor=args.actor,
        )
        path = write_table(table, args.output, format=args.format, lang=args.lang)
    if args.what == "bank":
        _say_bank_list(out, path, full=args.full, lang=args.lang)
        return EXIT_OK
    _say(
        out,
        f"已导出 {path}" + ("（含完整身份证号，已记入审计日志）" if args.full else ""),
        f"exported {path}" + (" (full IDs; recorded in the audit log)" if args.full else ""),
        args.lang,
    )
    return EXIT_OK


def _say_bank_list(out: TextIO, path: str | Path, *, full: bool, lang: Lang) -> None:
    """Where the bank list went, and whether a bank can pay from it: a masked list (the
    default) hides the very numbers the bank needs."""
    if full:
        _say(
            out,
            f"银行代发清单已写入 {path}（含完整身份证号和一卡通账号，已记入审计日志）",
            f"bank list written to {path} (full resident IDs and account numbers; recorded in "
            "the audit log)",
            lang,
        )
        return
    _say(
        out,
        f"银行代发清单已写入 {path}，但身份证号和一卡通账号已打码，银行不能据此代发；"
        "交给银行的清单请加 --full 导出（完整号码，记入审计日志）",
        f"bank list written to {path}, but its resident IDs and account numbers are masked: a "
        "bank cannot pay from it. Add --full for the list the bank needs (full numbers, "
        "recorded in the audit log)",
        lang,
    )


def cmd_statement(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.messages import LINE_NAMES
    from orderfarm.printables import statement_html
    from orderfarm.units import china_today, format_quantity

    with _open_store(args) as store:
        household = store.household(args.resident_id)
        statement = store.statement(household.resident_id, args.season)
        unsupplied = store.unsupplied(household.resident_id, args.season)
    if args.html:
        Path(args.html).write_text(
            statement_html(
                statement,
                household,
                lang=args.lang,
                full_ids=args.full,
                printed_on=china_today(),  # as the page prints it
            ),
            encoding="utf-8",
        )
        _say(out, f"对账单已写入 {args.html}", f"statement written to {args.html}", args.lang)
        return EXIT_OK
    zh = args.lang == "zh"
    width = max(_width(names[args.lang]) for names in LINE_NAMES.values())
    print(f"{household.head_name}  {household.masked_id}  {statement.season}", file=out)
    for line in statement.lines:
        label = _pad(LINE_NAMES[line.kind.value][args.lang], width)
        day = line.day.isoformat() if line.day else "          "
        print(f"  {day}  {label} {line.reference:<16} {line.amount:>12,.2f}", file=out)
    labels = {name: zh_name if zh else name for name, zh_name in _TOTALS.items()}
    width = max(_width(label) for label in labels.values())
    for name, label in labels.items():
        print(f"  {_pad(label, width)} {getattr(statement.totals, name):>14,.2f}", file=out)
    for contract_no, agreed in unsupplied:  # lest an advance go unrecovered
        quantity = f"{format_quantity(agreed.quantity)} {agreed.unit}"
        _say(
            out,
            f"  注意：合同 {contract_no} 约定垫付的 {agreed.item} {quantity}（{agreed.amount:,.2f} 元）"
            "尚未登记配发，结算不会扣回",
            f"  note: contract {contract_no} agrees to advance {agreed.item} {quantity} "
            f"({agreed.amount:,.2f} yuan), but no supply is recorded: settlement will not "
            "recover it",
            args.lang,
        )
    return EXIT_OK


def cmd_settle(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.io.exports import bank_table, settlement_table
    from orderfarm.io.writers import write_table
    from orderfarm.money import ZERO

    with _open_store(args) as store:
        settled = store.settle(args.season)
        totals = {name: sum((getattr(s.totals, name) for s in settled), ZERO) for name in _TOTALS}
        if args.output:
            write_table(settlement_table(store, args.season), args.output, lang=args.lang)
        if args.bank:
            if args.full:
                from orderfarm.io.exports import audit_full_export

                audit_full_export(store, "bank", season=args.season, actor=args.actor)
            write_table(bank_table(store, args.season, full=args.full), args.bank, lang=args.lang)
    owed = sum(1 for s in settled if s.totals.balance > 0)
    if args.lang == "zh":
        print(f"{args.season} 年度结算：{len(settled)} 户，待付 {owed} 户", file=out)
        labels = dict(_TOTALS)
    else:
        print(f"season {args.season}: {len(settled)} households, {owed} to pay", file=out)
        labels = {name: name for name in _TOTALS}
    width = max(_width(label) for label in labels.values())
    for name, value in totals.items():
        print(f"  {_pad(labels[name], width)} {value:>16,.2f}", file=out)
    if args.output:
        _say(out, f"已写入 {args.output}", f"written: {args.output}", args.lang)
    if args.bank:
        _say_bank_list(out, args.bank, full=args.full, lang=args.lang)
    return EXIT_OK


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.io.exports import report_table
    from orderfarm.io.writers import csv_rows, write_table

    by = _report_by(args.by)
    with _open_store(args) as store:
        if args.output:
            write_table(report_table(store, args.season, by), args.output, lang=args.lang)
            _say(out, f"已写入 {args.output}", f"written: {args.output}", args.lang)
            return EXIT_OK
        rows = list(csv_rows(report_table(store, args.season, by), args.lang))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)), file=out)
    if {"crop", "enterprise"} & set(by):  # a household's amounts are its, not a contract's
        _say(
            out,
            "注：扣回、已付和余额按农户计算，一户有多份合同时按各合同交售金额比例分摊（各户合计精确到分），"
            "不是某一企业或作物自己的垫付与付款。",
            "Note: recovered, paid and balance are a household's; where it holds several "
            "contracts they are shared out by each contract's proceeds (each household's total "
            "exact to the fen), not an enterprise's or a crop's own advances and payments.",
            args.lang,
        )
    return EXIT_OK


def _report_by(text: str) -> tuple[str, ...]:
    """``--by`` as the report's groups, a village within its township (东沟村 of 大荆镇 and of
    三岔河镇 are two rows), as the dashboard groups; a usage error names the groups there are."""
    from orderfarm.io.exports import REPORT_KEYS

    keys = [key.strip() for key in text.split(",") if key.strip()]
    unknown = [key for key in keys if key not in REPORT_KEYS]
    if unknown:
        raise UsageError(
            f"--by 不能按「{'、'.join(unknown)}」分组，可按："
            + "、".join(f"{key}（{zh}）" for key, zh in REPORT_KEYS.items()),
            f"--by cannot group by {', '.join(unknown)}; it groups by " + ", ".join(REPORT_KEYS),
        )
    groups = [g for key in keys for g in (("township", key) if key == "village" else (key,))]
    return tuple(dict.fromkeys(groups))  # each once, in the order given


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    with _open_store(args) as store:
        report = store.verify()
    if report.ok:
        _say(
            out,
            f"校验通过：审计 {report.entries} 条，资金记录 {report.rows} 条，均无问题",
            f"verify ok: {report.entries} audit entries and {report.rows} money rows check out",
            args.lang,
        )
        _say_head(out, report.head, args.lang)  # the head of the chain verified, not a later one
        return EXIT_OK
    seq = report.first_bad_seq  # None when no problem is of an audit entry (the totals')
    _say(
        out,
        f"校验失败：发现 {len(report.problems)} 个问题"
        + (f"（首个问题在审计第 {seq} 条）" if seq is not None else ""),
        f"verify FAILED: {len(report.problems)} problems"
        + (f" (first bad audit entry: {seq})" if seq is not None else ""),
        args.lang,
    )
    _say_problems(out, report, args.lang)
    return EXIT_FAILED


def cmd_inspect(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.auth import Role, User
    from orderfarm.io.writers import write_table
    from orderfarm.session import INSPECTION_MAX_SIZE, Session

    if not 1 <= args.size <= INSPECTION_MAX_SIZE:
        raise UsageError(
            f"--size 抽查户数为 1 到 {INSPECTION_MAX_SIZE}，不是 {args.size}",
            f"--size takes 1 to {INSPECTION_MAX_SIZE} households, not {args.size}",
        )
    seed = args.season if args.seed is None else args.seed  # as the page draws it
    if seed < 0:  # the page takes none below 0: a sample it could not draw again
        raise UsageError(
            f"--seed 随机种子为 0 或更大，不是 {seed}", f"--seed is 0 or more, not {seed}"
        )
    if args.output and Path(args.output).suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(
            f"核对表写成 .csv 或 .xlsx 文件，不是 {args.output}",
            f"the checklist is written to a .csv or .xlsx file, not {args.output}",
        )
    with _open_store(args) as store:
        # an inspector is a viewer: resident IDs and accounts masked, nothing written
        session = Session(store, User(args.actor, Role.VIEWER))
        seasons = session.seasons()
        if args.season not in seasons:
            held = "、".join(map(str, seasons))
            raise UsageError(
                f"{args.season} 年度没有合同，无可抽查"
                + (f"（数据库中的年度：{held}）" if seasons else "（数据库中还没有合同）"),
                f"no contracts in season {args.season}: nothing to sample"
                + (f" (the database has {', '.join(map(str, seasons))})" if seasons else ""),
            )
        table = session.inspection_table(args.season, args.size, seed, args.lang)
        if args.output:
            write_table(table, args.output, lang=args.lang)
            _say(
                out,
                f"{table.title}；核对表已写入 {args.output}（身份证号已打码）",
                f"{table.title}; checklist written to {args.output} (resident IDs masked)",
                args.lang,
            )
            return EXIT_OK
        items = session.inspection_sample(args.season, args.size, seed)
        voids = session.voids("delivery", [d.id for i in items for d in i.deliveries if d.voided])
    print(table.title, file=out)
    _say_sample(out, items, voids, args.lang)
    _say(
        out,
        "加 --output 抽查.xlsx 写出核对表（核对结果、备注两栏留给督察填写）",
        "add --output checklist.xlsx to write the checklist (with columns for the inspector "
        "to fill in)",
        args.lang,
    )
    return EXIT_OK


#: the labels of a slip's figures in the printed sample, in Chinese and English, after its
#: receipt number, day, purchase point and grade (which need none); the figures line up on
#: the right
_SLIP_FIGURES: Final = {
    "zh": ("毛重", "皮重", "水分", "杂质", "净重", "金额"),
    "en": ("gross", "tare", "moisture", "impurity", "net", "amount"),
}


def _say_sample(
    out: TextIO, items: Sequence[InspectionItem], voids: Mapping[int, Void], lang: Lang
) -> None:
    """Each sampled household, then its slips with what makes their amounts, in columns, as
    the page shows them; a rejected lot says so, a voided slip says why."""
    from orderfarm.money import format_rate, format_weight, format_yuan

    zh = lang == "zh"
    rows = [
        (
            [d.receipt_no, d.day.isoformat(), d.purchase_point, d.weighing.grade],
            [
                f"{format_weight(d.weighing.gross_kg)} kg",
                f"{format_weight(d.weighing.tare_kg)} kg",
                format_rate(d.weighing.moisture),
                format_rate(d.weighing.impurity),
                f"{format_weight(d.quote.net_kg)} kg",
                format_yuan(d.amount),
            ],
        )
        for item in items
        for d in item.deliveries
    ]
    texts = [max((_width(r[0][i]) for r in rows), default=0) for i in range(4)]
    figures = [max((_width(r[1][i]) for r in rows), default=0) for i in range(6)]
    slips = iter(rows)
    for number, item in enumerate(items, start=1):
        h = item.household
        paid = sum((d.amount for d in item.deliveries if not d.voided), start=Decimal(0))
        count = len(item.deliveries)
        _say(
            out,
            f"{number}. {h.head_name}  {h.place}  {h.resident_id}  小票 {count} 张  "
            f"合计 {format_yuan(paid)}",
            f"{number}. {h.head_name}  {h.place}  {h.resident_id}  {count} slips  "
            f"total {format_yuan(paid)}",
            lang,
        )
        if not item.deliveries:
            _say(out, "   （本年度没有小票）", "   (no slips this season)", lang)
        for d in item.deliveries:
            text, figure = next(slips)
            cells = [_pad(cell, width) for cell, width in zip(text, texts, strict=True)]
            cells += [
                f"{label} {' ' * (width - _width(cell))}{cell}"
                for label, cell, width in zip(_SLIP_FIGURES[lang], figure, figures, strict=True)
            ]
            if not d.quote.accepted:
                cells.append("拒收" if zh else "rejected")
            if d.voided:
                reason = reason_in(voids[d.id].reason, lang) if d.id in voids else ""
                cells.append(("已作废" if zh else "voided") + (f"（{reason}）" if reason else ""))
            print(f"   {'  '.join(cells)}", file=out)


def _say_head(out: TextIO, head: tuple[int, str], lang: Lang) -> None:
    """The chain's last entry, to publish: entries taken off its end with their records
    are seen only against a head written down elsewhere (``docs/reliability.md``)."""
    seq, digest = head
    _say(
        out,
        f"审计链末端：第 {seq} 条，哈希 {digest}（请抄录或公布留存，日后核对可知记录是否被整段删除）",
        f"audit head: entry {seq}, hash {digest} (write it down or publish it: checked later, "
        "it shows whether records were cut off the end)",
        lang,
    )


def _say_problems(out: TextIO, report: VerifyReport, lang: Lang) -> None:
    """What verify found, each with its check as the page names it, in ``lang``."""
    from orderfarm.web.i18n import named

    for problem in report.problems:
        print(f"  [{named('verify_check', problem.check, lang)}] {problem.text(lang)}", file=out)


def cmd_backup(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.store import Store
    from orderfarm.store.db import check_backup_target

    if args.source and args.db and Path(args.source) != Path(args.db):
        raise UsageError(
            f"要备份哪个数据库：{args.source} 还是 --db {args.db}？只给一个",
            f"which database to back up: {args.source} or --db {args.db}? Give one",
        )
    source = Path(args.source) if args.source else _db_path(args)
    dest = Path(args.dest)
    if not source.exists():
        raise UsageError(f"没有数据库文件 {source}", f"no database at {source}")
    check_backup_target(source, dest)
    if dest.exists() and not args.replace:  # an earlier backup is not lost to a typo
        raise UsageError(
            f"备份文件 {dest} 已存在，未覆盖；请另取文件名，或加 --replace 替换它"
            "（新备份校验通过后才替换）",
            f"the backup file {dest} exists and was left as it is; give another name, or add "
            "--replace to replace it (only once the new copy verifies)",
        )
    # the copy is verified under a temporary name beside dest and only then renamed to dest:
    # a copy that fails verify never takes the place of dest (nor of an earlier backup there)
    written = dest.with_name(f".{dest.name}.{os.getpid()}.new")
    beyond: tuple[int, int] | None = None
    try:
        with Store.open(source) as store:
            store.backup(written)
        with Store.open(written) as copy:
            report = copy.verify()
            if report.ok and dest.exists():
                beyond = _entries_beyond(dest, copy)
        if report.ok and beyond is None:
            os.replace(written, dest)
    finally:
        for leftover in (written, Path(f"{written}-wal"), Path(f"{written}-shm")):
            leftover.unlink(missing_ok=True)
    if beyond is not None:
        # dest is newer than the copy (the database itself, backup and restore mixed up, or
        # another database): replacing it would lose records without a word
        first, last = beyond
        _say(
            out,
            f"{dest} 中有审计记录第 {first} 至第 {last} 条是 {source} 所没有的：它比这份备份新，"
            f"或是另一个数据库；{dest} 未替换（保持不变）。若确要用旧备份恢复，请先把 {dest} "
            "移到别处保存，再运行本命令",
            f"{dest} holds audit entries {first} to {last}, which {source} does not have: it "
            f"is newer than this copy, or another database; {dest} was not replaced (left as "
            f"it was). To restore an older backup, move {dest} elsewhere first, then run this again",
            args.lang,
        )
        return EXIT_FAILED
    if not report.ok:
        _say(
            out,
            f"备份校验失败：{len(report.problems)} 个问题，{dest} 未写入（原有文件保持不变）",
            f"backup FAILED verify: {len(report.problems)} problems; {dest} was not written "
            "(a file there is left as it was)",
            args.lang,
        )
        _say_problems(out, report, args.lang)
        return EXIT_FAILED
    _say(
        out,
        f"已备份到 {dest}，校验通过：审计 {report.entries} 条，资金记录 {report.rows} 条",
        f"backed up to {dest}; verify ok: {report.entries} audit entries, {report.rows} money rows",
        args.lang,
    )
    return EXIT_OK


def _entries_beyond(dest: Path, copy: Store) -> tuple[int, int] | None:
    """The first and last audit entries of the store at ``dest`` that ``copy`` does not hold
    (its chain is not a beginning of the copy's), or ``None``: the copy holds all of it, or
    ``dest`` is not a store that can be read (nothing of a store there to lose)."""
    from orderfarm.store import Store

    try:
        with Store.open(dest, read_only=True) as old:
            last, digest = old.audit_head()
            held = copy.audit_log(since=last - 1, limit=1)
            if last == 0 or (held and held[0].hash == digest):
                return None
            since = 0  # the first entry of dest's chain the copy lacks or holds otherwise
            while True:
                theirs = old.audit_log(since=since, limit=1000)
                if not theirs:
                    return None
                mine = copy.audit_log(since=since, limit=1000)
                for entry, other in zip(theirs, [*mine, *[None] * len(theirs)], strict=False):
                    if other is None or other.hash != entry.hash:
                        return entry.seq, last
                since = theirs[-1].seq
    except (OrderfarmError, OSError):
        return None


def cmd_print(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm import printables
    from orderfarm.session import receipt_parts
    from orderfarm.units import china_today

    with _open_store(args) as store:
        if args.what == "contract":
            contract = store.contract(args.key)
            page = printables.contract_html(
                contract,
                store.enterprise(contract.enterprise_uscc),
                store.household(contract.household_id),
                catalog=store.catalog,
                lang=args.lang,
                full_ids=args.full,
            )
        elif args.what == "receipt":
            matches = [d for d in store.deliveries() if d.receipt_no == args.key]
            if not matches:
                raise UsageError(f"没有小票 {args.key}", f"no receipt {args.key}")
            # as the page prints it: a correction's revision, a voided record marked 已作废
            quote, parts = receipt_parts(store, matches[-1].id)
            page = printables.receipt_html(
                quote, **parts, catalog=store.catalog, lang=args.lang, full_ids=args.full
            )
        else:
            if args.season is None:
                raise UsageError("打印对账单需要 --season（年度）", "statement needs --season")
            household = store.household(args.key)
            page = printables.statement_html(
                store.statement(household.resident_id, args.season),
                household,
                lang=args.lang,
                full_ids=args.full,
                printed_on=china_today(),  # as the page prints it
            )
    Path(args.output).write_text(page, encoding="utf-8")
    _say(out, f"已写入 {args.output}", f"written: {args.output}", args.lang)
    return EXIT_OK


#: the page's Streamlit entry point, installed with the package
APP_SCRIPT: Final = Path(__file__).resolve().parent / "app_streamlit.py"


def cmd_app(args: argparse.Namespace, out: TextIO) -> int:
    db = args.db or os.environ.get("ORDERFARM_DB")
    if db is None and Path(DEFAULT_DB).exists():
        db = DEFAULT_DB  # the season ``orderfarm init`` made here, not the demo beside it
    elif db is None:
        db = DEMO_DB
        if not Path(db).exists():
            *_, password = build_demo_file(Path(db), seed=2018, households=200)
            _say(out, f"已创建演示数据库 {db}", f"created the demo database {db}", args.lang)
            _show_password(out, password, args.lang)
    elif not Path(db).exists():  # a name mistyped would be a new file nobody can log in to
        raise UsageError(
            f"没有数据库文件 {db}（新的年度先运行 orderfarm init --db {db}）",
            f"no database at {db} (for a new season run orderfarm init --db {db} first)",
        )
    _say(out, f"页面使用数据库 {Path(db).resolve()}", f"serving {Path(db).resolve()}", args.lang)
    if Path(db).exists():  # a database nobody can log in to gets its first administrator
        from orderfarm.store import Store
        from orderfarm.store.users import ensure_admin

        with Store.open_existing(db) as store:
            if store.read_only:  # a copy kept as evidence: served to read, as it is
                _say(
                    out,
                    "数据库不能写入，页面只读打开：可以查看、查询和下载，不能录入或修改",
                    "the database cannot be written: the page serves it read-only (view, "
                    "search and download; nothing can be recorded or changed)",
                    args.lang,
                )
            else:
                _show_password(out, ensure_admin(store, actor=args.actor), args.lang)
    if shutil.which("streamlit") is None and not _has_module("streamlit"):
        _say(
            out,
            "没有安装 streamlit：pip install 'orderfarm[app]'",
            "streamlit is not installed: pip install 'orderfarm[app]'",
            args.lang,
        )
        return EXIT_FAILED
    env = {**os.environ, "ORDERFARM_DB": str(Path(db).resolve())}
    command = [sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT)]
    command += [*page_options(), *args.streamlit_args]  # the user's options last: they win
    return serve(command, env)


def serve(command: list[str], env: dict[str, str]) -> int:
    """Run the page's server ``command`` until it ends, and stop it with this process: a
    SIGTERM sent to ``orderfarm app`` is passed on (no server is left behind), and Ctrl-C,
    which a terminal sends to both, is a normal end."""
    server = subprocess.Popen(command, env=env)

    def pass_on(signum: int, frame: object) -> None:
        server.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, pass_on)
    try:
        while True:
            try:
                code = server.wait()
                break
            except KeyboardInterrupt:
                server.send_signal(signal.SIGINT)  # the server may not have had it
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK if code in (0, -signal.SIGTERM, -signal.SIGINT) else EXIT_FAILED


def cmd_user(args: argparse.Namespace, out: TextIO) -> int:
    from orderfarm.auth import generate_password
    from orderfarm.store.users import add_user, set_password

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else generate_password()
    with _open_store(args) as store:
        if args.action == "add":
            from orderfarm.web.i18n import named

            user = add_user(store, args.name, args.role, password, actor=args.actor)
            role = user.role.value  # clerk when --role is not given: said, not assumed
            _say(
                out,
                f"已添加用户 {user.name}，角色：{named('role', role, 'zh')}"
                "（--role 可指定 admin、clerk 或 viewer）",
                f"user {user.name} added as {named('role', role, 'en')} "
                "(--role gives admin, clerk or viewer)",
                args.lang,
            )
        else:
            set_password(store, args.name, password, actor=args.actor)
    if args.password_stdin:
        _say(out, f"用户 {args.name} 已保存", f"user {args.name} saved", args.lang)
    else:
        _say(
            out,
            f"用户 {args.name} 的密码：{password}（只显示这一次）",
            f"password of {args.name}: {password} (shown this once)",
            args.lang,
        )
    return EXIT_OK


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


# -- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every command has ``--help``)."""
    from orderfarm.io.columns import RECORD_TYPES
    from orderfarm.io.exports import EXPORTS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", help="数据库文件 / database file (default: $ORDERFARM_DB or orderfarm.db)"
    )
    common.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="输出语言 / language (default zh)"
    )
    common.add_argument("--actor", default="script", help="操作人，写入审计 / user for the audit")

    parser = argparse.ArgumentParser(
        prog="orderfarm",
        description=(
            "订单农业保护价收购：数据库、导入导出、结算、校验 / contract farming with "
            "guaranteed prices: database, import/export, settlement, verification"
        ),
        epilog="exit codes: 0 ok, 1 failed (invalid rows, verify problems), 2 usage error",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, func: Callable[[argparse.Namespace, TextIO], int], text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=text, description=text)
        p.set_defaults(func=func)
        return p

    add("init", cmd_init, "创建（或升级）数据库 / create or migrate a database")

    p = add(
        "demo",
        cmd_demo,
        "创建商州区 2018 年度演示数据库 / create the Shangzhou 2018 demo database "
        f"(default {DEMO_DB})",
    )
    p.add_argument("--households", type=int, default=200, help="农户数 / households (200)")
    p.add_argument("--seed", type=int, default=2018, help="随机种子 / seed (2018)")

    kinds = "; ".join(f"{rt.name} = {rt.zh}" for rt in RECORD_TYPES.values())
    p = add(
        "import",
        cmd_import,
        "从 CSV（UTF-8/GBK）或 XLSX 导入 / import CSV (UTF-8, GBK) or XLSX files",
    )
    p.add_argument(
        "kind",
        choices=(*_KINDS, "auto"),
        help=f"记录类型 / record type (auto: from the columns): {kinds}",
    )
    p.add_argument("files", nargs="+", help="文件 / files (CSV or XLSX)")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="写入正确的行，问题行另存 / write the good rows, save the rejected ones to a file",
    )
    p.add_argument("--rejects", help="问题行文件 / rejects file (default NAME.rejected.csv)")
    p.add_argument("--today", type=_date, help="今天的日期（检查未来日期）/ today (YYYY-MM-DD)")
    p.add_argument(
        "--sheet",
        help="XLSX 工作表名 / XLSX sheet name (default: the one whose header fits, else the first)",
    )

    exports = "; ".join(f"{k} = {v}" for k, v in EXPORTS.items())
    p = add("export", cmd_export, "导出为 CSV 或 XLSX / export to CSV or XLSX")
    p.add_argument("what", choices=tuple(EXPORTS), help=f"导出内容 / what: {exports}")
    p.add_argument("output", help="输出文件 .csv 或 .xlsx / output file")
    p.add_argument("--season", type=int, help="年度 / season")
    p.add_argument(
        "--full",
        action="store_true",
        help="完整身份证号和账号（记入审计）/ full IDs and accounts (audited)",
    )
    p.add_argument("--format", choices=("csv", "xlsx"), help="格式 / format (default: by suffix)")
    p.add_argument("--by", help="report 分组 / report grouping, e.g. township,crop")
    p.add_argument(
        "--template",
        action="store_true",
        help="空白导入模板（只有表头，不读数据库）/ an empty template to import (headers only)",
    )

    p = add("statement", cmd_statement, "农户对账单 / a household's statement")
    p.add_argument("resident_id", help="户主身份证号 / resident ID")
    p.add_argument("--season", type=int, required=True, help="年度 / season")
    p.add_argument("--html", help="写成可打印的 HTML / write printable HTML")
    p.add_argument("--full", action="store_true", help="完整身份证号 / full ID")

    p = add("settle", cmd_settle, "年度结算与银行代发清单 / season settlement and bank list")
    p.add_argument("--season", type=int, required=True, help="年度 / season")
    p.add_argument("--output", help="结算表 / settlement file (.csv/.xlsx)")
    p.add_argument("--bank", help="银行代发清单 / bank payment list (.csv/.xlsx)")
    p.add_argument(
        "--full",
        action="store_true",
        help="银行清单含完整身份证号和账号（记入审计）/ full IDs in the bank list (audited)",
    )

    p = add("report", cmd_report, "收购统计 / season report")
    p.add_argument("--season", type=int, required=True, help="年度 / season")
    p.add_argument(
        "--by",
        default="township,crop",
        help="分组 / grouping: township,village,crop,enterprise (a village within its township)",
    )
    p.add_argument("--output", help="输出文件 / output file (.csv/.xlsx); default: print")

    add("verify", cmd_verify, "校验数据库与审计链 / verify the database and its audit chain")

    p = add(
        "inspect",
        cmd_inspect,
        "督察抽查：随机抽取农户及其小票，与纸质小票核对（身份证号打码，只读）/ inspection "
        "sample: households drawn at random with their slips, to check against the paper "
        "(IDs masked, read only)",
    )
    p.add_argument("--season", type=int, required=True, help="年度 / season")
    p.add_argument("--size", type=int, default=10, help="抽查户数 / households (10)")
    p.add_argument(
        "--seed",
        type=int,
        help="随机种子，同一种子抽到同样的农户 / seed: the same seed draws the same households "
        "(default: the season, as on the page)",
    )
    p.add_argument(
        "--output", help="核对表 / checklist file (.csv/.xlsx); default: print the sample"
    )

    p = add(
        "backup",
        cmd_backup,
        "在写入时也可安全备份，并校验备份 / back up a database (safe while it is written) "
        "and verify the copy",
    )
    p.add_argument(
        "source",
        nargs="?",
        help="数据库文件（或用 --db 指定）/ database file (or --db; default $ORDERFARM_DB or "
        "orderfarm.db)",
    )
    p.add_argument("dest", help="备份文件 / backup file")
    p.add_argument(
        "--replace",
        action="store_true",
        help="替换已有的备份文件（新备份校验通过后才替换）/ replace an existing backup file "
        "(only once the new copy verifies)",
    )

    p = add(
        "print", cmd_print, "打印合同、小票、对账单（HTML）/ printable contract, receipt, statement"
    )
    p.add_argument("what", choices=("contract", "receipt", "statement"))
    p.add_argument("key", help="合同编号、小票号或身份证号 / contract no., receipt no. or ID")
    p.add_argument("output", help="HTML 文件 / HTML file")
    p.add_argument("--season", type=int, help="对账单年度 / season of a statement")
    p.add_argument("--full", action="store_true", help="完整身份证号 / full IDs")

    p = add("user", cmd_user, "网页用户 / users of the page: add NAME --role R, password NAME")
    p.add_argument("action", choices=("add", "password"), help="添加或重设密码 / add, or reset")
    p.add_argument("name", help="用户名 / user name")
    p.add_argument(
        "--role", choices=("admin", "clerk", "viewer"), default="clerk", help="角色 / role"
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="从标准输入读密码，否则生成并显示一次 / read the password from stdin, else "
        "generate one and show it once",
    )

    p = add(
        "app",
        cmd_app,
        "启动网页（未指定数据库时使用演示数据库）/ start the page (on the demo database by default)",
    )
    p.epilog = (
        "其他参数交给 streamlit run / other arguments go to streamlit run (--server.port 8502 …)"
    )
    return parser


def _passed_on(argv: list[str]) -> list[str]:
    """The arguments after ``app`` that are not orderfarm's own, in order, for streamlit
    (a ``--`` before them, as other commands take them, is left out: after ``--`` streamlit
    would hand them to the page, not take them as its own)."""
    rest = argv[argv.index("app") + 1 :] if "app" in argv else []
    own = ("--db", "--lang", "--actor")
    passed: list[str] = []
    skip = False
    for token in rest:
        if skip:
            skip = False
        elif token in own:
            skip = True
        elif token == "--":
            continue
        elif not token.startswith(tuple(f"{o}=" for o in own)):
            passed.append(token)
    return passed


def _version() -> str:
    from orderfarm import __version__

    return f"orderfarm {__version__}"


def _quiet(stream: TextIO) -> None:
    """Send what is left for a closed pipe to nowhere, so that Python's own flush of the
    standard output at exit does not complain of it either."""
    if stream is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (the installed script exits with it)."""
    stream = out or sys.stdout
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "app":
            parser.parse_args(argv)  # reports the unknown arguments and exits 2
        if args.command == "app":
            args.streamlit_args = _passed_on(list(argv if argv is not None else sys.argv[1:]))
    except SystemExit as exc:  # --help, --version, or a usage error printed by argparse
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        code: int = args.func(args, stream)
        stream.flush()  # here, where a reader that went away is caught, not at exit
    except BrokenPipeError:  # the reader stopped reading (| head): end quietly, as Unix tools do
        _quiet(stream)
        return EXIT_OK
    except UsageError as exc:
        print(f"orderfarm: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_USAGE
    except OrderfarmError as exc:  # said in the chosen language where the catalogue knows it
        print(f"orderfarm: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # the file's name and the reason, not Python's English
        print(f"orderfarm: {os_error_said(exc, args.lang)}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
