"""Column names of every file the library reads and writes, in Chinese and English, one table
per record type.

A header cell matches a column by its Chinese name, its English key or an alias, after folding
full-width characters, case and spaces (``面积(亩)``, ``面积（亩）`` and ``AREA_MU`` all match).
The same tables drive the exports, so a file written by ``export_records`` imports unchanged.

>>> SLIPS.match_header(["小票号", "合同编号", "日期", "毛重（公斤）", "皮重（公斤）", "等级"])[0]
{'receipt_no': 0, 'contract_no': 1, 'day': 2, 'gross_kg': 3, 'tare_kg': 4, 'grade': 5}
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, NamedTuple

import attrs


class Kind(enum.Enum):
    """How a column's cells are read and written (XLSX number format, CSV text)."""

    TEXT = "text"  # free text, written as a text cell
    ID = "id"  # an identifier (resident ID, account, receipt no.): always text, never a number
    INT = "int"  # a whole number
    MONEY = "money"  # yuan, two decimals (0.00)
    PRICE = "price"  # yuan/kg, written with as many decimals as it has
    KG = "kg"  # kilograms, two decimals
    DECIMAL = "decimal"  # any other exact number (area in mu)
    RATE = "rate"  # a fraction such as moisture 0.14 (also read as "14%")
    DATE = "date"  # YYYY-MM-DD
    BOOL = "bool"  # 是/否, true/false


@attrs.frozen
class Column:
    """One column: its key (the English header), Chinese header, kind and whether required."""

    key: str
    zh: str
    kind: Kind = Kind.TEXT
    required: bool = True
    aliases: tuple[str, ...] = ()
    #: personal numbers masked in exports unless asked for in full: ``"id"``, ``"account"``
    #: or ``"phone"``
    personal: str = ""
    #: what its numbers measure (``"kg"``, ``"price"`` per kg, ``"rate"``, ``"area"``), so a
    #: header may give their unit in brackets (``毛重（斤）``); see ``UNITS``
    measure: str = ""

    def header(self, lang: str = "zh") -> str:
        """The header written to files: Chinese by default, the English key otherwise."""
        return self.zh if lang == "zh" else self.key

    def label(self) -> str:
        """``户主姓名 / head_name`` — both names, for messages and documentation."""
        return f"{self.zh} / {self.key}"


#: The units a header may give in brackets after a column's name, by what the column
#: measures: what a cell's number is multiplied by to be in the library's unit (kg, yuan/kg,
#: mu); ``PERCENT`` for a rate column whose numbers are percentages (``水分（%）``: 14 is 14%).
PERCENT: Final = Decimal(-1)
UNITS: Final[dict[str, dict[str, Decimal]]] = {
    "kg": {
        "公斤": Decimal(1),
        "kg": Decimal(1),
        "千克": Decimal(1),
        "斤": Decimal("0.5"),
        "市斤": Decimal("0.5"),
    },
    "price": {
        "元/公斤": Decimal(1),
        "元/kg": Decimal(1),
        "元/千克": Decimal(1),
        "元/斤": Decimal(2),
        "元/市斤": Decimal(2),
    },
    "rate": {"%": PERCENT},
    "area": {"亩": Decimal(1)},
}
#: ``name(unit)`` of a folded header cell
_WITH_UNIT: Final = re.compile(r"(.+?)\((.+)\)")


class HeaderMatch(NamedTuple):
    """What a header row says: the position of each known column, the cells that match none
    (kept aside), the columns given twice ``(key, first, second)``, the factor of each column
    whose header gives a unit other than the library's (``毛重（斤）``: 0.5; ``PERCENT``), and
    the cells naming a known column in a unit it cannot be read in ``(cell, key)``."""

    positions: dict[str, int]
    unknown: list[str]
    repeated: list[tuple[str, int, int]]
    scales: dict[str, Decimal]
    bad_units: list[tuple[str, str]]


def fold(text: str) -> str:
    """A header cell folded for matching: NFKC, no spaces or underscores, lower case."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-")


@attrs.frozen
class RecordType:
    """A kind of record that moves through files: its name, columns and identity columns."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    #: the columns that identify a record: a second row with the same values is a duplicate
    key: tuple[str, ...]

    def column(self, key: str) -> Column:
        """The column with ``key``."""
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """The column keys, in file order."""
        return tuple(c.key for c in self.columns)

    def headers(self, lang: str = "zh") -> list[str]:
        """The header row written to files."""
        return [c.header(lang) for c in self.columns]

    def match_header(self, cells: Sequence[str]) -> HeaderMatch:
        """Map header cells to column keys (``HeaderMatch``). A cell matches a column by its
        names, or by a name without its unit and a unit of ``UNITS`` in brackets
        (``保护价（元/斤）``, ``毛重(斤)``, ``水分（%）``)."""
        lookup: dict[str, str] = {}
        bare: dict[str, str] = {}  # the names without their own unit: 毛重 of 毛重（公斤）
        for column in self.columns:
            for name in (column.key, column.zh, *column.aliases):
                lookup[fold(name)] = column.key
                if column.measure:
                    named = _WITH_UNIT.fullmatch(fold(name))
                    bare.setdefault(named.group(1) if named else fold(name), column.key)
        found = HeaderMatch({}, [], [], {}, [])
        for index, cell in enumerate(cells):
            text = cell or ""
            if not text.strip():
                continue
            folded = fold(text)
            key = lookup.get(folded)
            scale = Decimal(1)
            named = _WITH_UNIT.fullmatch(folded) if key is None else None
            if named is not None and named.group(1) in bare:
                key = bare[named.group(1)]
                units = UNITS[self.column(key).measure]
                if named.group(2) not in units:
                    found.bad_units.append((text, key))
                    continue
                scale = units[named.group(2)]
            if key is None:
                found.unknown.append(text)
            elif key in found.positions:
                found.repeated.append((key, found.positions[key], index))
            else:
                found.positions[key] = index
                if scale != 1:
                    found.scales[key] = scale
        return found


def _c(
    key: str,
    zh: str,
    kind: Kind = Kind.TEXT,
    *aliases: str,
    required: bool = True,
    personal: str = "",
    measure: str = "",
) -> Column:
    return Column(key, zh, kind, required, aliases, personal, measure)


HOUSEHOLDS: Final = RecordType(
    "households",
    "农户",
    (
        _c("head_name", "户主姓名", Kind.TEXT, "户主", "姓名", "name"),
        _c(
            "resident_id",
            "身份证号",
            Kind.ID,
            "身份证号码",
            "户主身份证号",
            "居民身份证号",
            personal="id",
        ),
        _c("township", "镇/街道办", Kind.TEXT, "镇", "乡镇", "镇办", "街道办", "镇（街道）"),
        _c("village", "村", Kind.TEXT, "村名", "行政村", "村（社区）"),
        _c("group", "组", Kind.TEXT, "村民小组", required=False),
        _c("phone", "电话", Kind.ID, "联系电话", "手机号", required=False, personal="phone"),
        _c("members", "家庭人口", Kind.INT, "人口", "家庭人数", required=False),
        _c("poverty_status", "贫困状态", Kind.TEXT, "户类型", "农户类型", required=False),
        _c(
            "account",
            "一卡通账号",
            Kind.ID,
            "一卡通",
            "银行账号",
            "账号",
            required=False,
            personal="account",
        ),
    ),
    ("resident_id",),
)

ENTERPRISES: Final = RecordType(
    "enterprises",
    "订单企业",
    (
        _c("name", "企业名称", Kind.TEXT, "企业", "名称"),
        _c("uscc", "统一社会信用代码", Kind.ID, "信用代码", "社会信用代码"),
    ),
    ("uscc",),
)

CONTRACTS: Final = RecordType(
    "contracts",
    "订单收购合同",
    (
        _c("contract_no", "合同编号", Kind.ID, "合同号"),
        _c("enterprise_uscc", "企业信用代码", Kind.ID, "订单企业", "企业统一社会信用代码"),
        _c("household_id", "农户身份证号", Kind.ID, "身份证号", "户主身份证号", personal="id"),
        _c("crop", "作物", Kind.TEXT, "品种"),
        _c("form", "产品形态", Kind.TEXT, "形态"),
        _c("season", "年度", Kind.INT, "年份"),
        _c(
            "area_mu",
            "面积（亩）",
            Kind.DECIMAL,
            "面积",
            "种植面积",
            "种植面积（亩）",
            measure="area",
        ),
        _c(
            "floors",
            "保护价（元/公斤）",
            Kind.TEXT,
            "保护价",
            "保护价格",
            required=False,
            measure="price",
        ),
        _c(
            "market_linked",
            "随行就市",
            Kind.BOOL,
            "是否随行就市",
            "随行就市（是/否）",
            required=False,
        ),
        _c("premium", "上浮比例", Kind.RATE, "高于市场价比例", required=False, measure="rate"),
        _c(
            "ceiling",
            "最高限价（元/公斤）",
            Kind.PRICE,
            "最高限价",
            required=False,
            measure="price",
        ),
        _c("moisture_standard", "标准水分", Kind.RATE, required=False, measure="rate"),
        _c("moisture_max", "最高水分", Kind.RATE, required=False, measure="rate"),
        _c("quota_kg", "保护收购量（公斤）", Kind.KG, "保护收购量", required=False, measure="kg"),
        _c("grades", "等级", Kind.TEXT, "收购等级", required=False),
        _c("delivery_start", "交售开始日", Kind.DATE, required=False),
        _c("delivery_end", "交售结束日", Kind.DATE, required=False),
        _c(
            "unrecovered", "未扣回处理", Kind.TEXT, "未扣回垫付款", "未扣回处理方式", required=False
        ),
        _c("status", "状态", Kind.TEXT, "合同状态", required=False),
        _c("signed_on", "签约日期", Kind.DATE, required=False),
        _c("end_reason", "终止原因", Kind.TEXT, required=False),
        _c("inputs", "投入品", Kind.TEXT, "统一配发", "投入品（统一配发）", required=False),
    ),
    ("contract_no",),
)

MARKET_PRICES: Final = RecordType(
    "market_prices",
    "市场价",
    (
        _c("crop", "作物", Kind.TEXT, "品种"),
        _c("form", "产品形态", Kind.TEXT, "形态"),
        _c("grade", "等级", Kind.TEXT),
        _c("day", "日期", Kind.DATE, "date"),
        _c(
            "price",
            "市场价（元/公斤）",
            Kind.PRICE,
            "市场价",
            "价格",
            "market_price",
            measure="price",
        ),
    ),
    ("crop", "form", "grade", "day"),
)

SLIPS: Final = RecordType(
    "slips",
    "收购小票",
    (
        _c("receipt_no", "小票号", Kind.ID, "小票编号", "票号", "receipt"),
        _c("contract_no", "合同编号", Kind.ID, "合同号"),
        _c("day", "日期", Kind.DATE, "收购日期", "过磅日期", "date"),
        _c("gross_kg", "毛重（公斤）", Kind.KG, "毛重", "毛重(kg)", "gross", measure="kg"),
        _c("tare_kg", "皮重（公斤）", Kind.KG, "皮重", "皮重(kg)", "tare", measure="kg"),
        _c("grade", "等级", Kind.TEXT),
        _c("moisture", "水分", Kind.RATE, "含水率", required=False, measure="rate"),
        _c("impurity", "杂质", Kind.RATE, "含杂率", required=False, measure="rate"),
        _c("purchase_point", "收购点", Kind.TEXT, required=False),
    ),
    ("receipt_no",),
)

SUPPLIES: Final = RecordType(
    "supplies",
    "投入品配发",
    (
        _c("supply_no", "配发单号", Kind.ID, "单号", "reference"),
        _c("contract_no", "合同编号", Kind.ID, "合同号"),
        _c("day", "日期", Kind.DATE, "配发日期", "date"),
        _c("item", "投入品名称", Kind.TEXT, "投入品", "物资名称"),
        _c("quantity", "数量", Kind.DECIMAL),
        _c("unit", "单位", Kind.TEXT),
        _c("unit_cost", "单价（元）", Kind.PRICE, "单价"),
        _c("charge", "结算方式", Kind.TEXT, "收费方式"),
    ),
    ("supply_no",),
)

PAYMENTS: Final = RecordType(
    "payments",
    "付款",
    (
        _c(
            "reference",
            "付款流水号",
            Kind.ID,
            "流水号",
            "付款单号",
            "付款凭证号",
            "凭证号",
            "payment_ref",
        ),
        _c("household_id", "农户身份证号", Kind.ID, "身份证号", "户主身份证号", personal="id"),
        _c("season", "年度", Kind.INT, "年份"),
        _c("day", "付款日期", Kind.DATE, "日期", "date"),
        _c("amount", "金额（元）", Kind.MONEY, "金额", "付款金额"),
        _c("note", "备注", Kind.TEXT, "摘要", required=False),
    ),
    ("reference",),
)

#: Every record type that can be imported, by name (English and Chinese).
RECORD_TYPES: Final[dict[str, RecordType]] = {
    rt.name: rt
    for rt in (HOUSEHOLDS, ENTERPRISES, CONTRACTS, MARKET_PRICES, SLIPS, SUPPLIES, PAYMENTS)
}


def record_type(name: str) -> RecordType:
    """The record type by name (``slips``) or Chinese name (``收购小票``)."""
    for rt in RECORD_TYPES.values():
        if name in (rt.name, rt.zh):
            return rt
    aliases = {"deliveries": "slips", "weighings": "slips", "prices": "market_prices"}
    if name in aliases:
        return RECORD_TYPES[aliases[name]]
    raise KeyError(name)


#: The column that carries the reasons in a rejects file, written after the record's columns.
ERROR_COLUMN: Final = Column("error", "错误", Kind.TEXT, required=False)
ROW_COLUMN: Final = Column("source_row", "原行号", Kind.INT, required=False)


_KIND_TEXT: Final = {
    Kind.TEXT: "text",
    Kind.ID: "text (identifier)",
    Kind.INT: "whole number",
    Kind.MONEY: "yuan, 2 decimals",
    Kind.PRICE: "yuan/kg",
    Kind.KG: "kg",
    Kind.DECIMAL: "number",
    Kind.RATE: "fraction (0.14) or percent (14%)",
    Kind.DATE: "date (2018-11-05, 2018/11/5, 2018年11月5日, Excel date)",
    Kind.BOOL: "是/否 (yes/no)",
}


def column_table_markdown() -> str:
    """The documentation of every record type's columns, as Markdown (``docs/columns.md``)."""
    lines = [
        "# Columns of the files orderfarm reads and writes",
        "",
        "Generated from `orderfarm.io.columns` (`column_table_markdown()`); a test keeps it",
        "current. A header matches by its Chinese name, its English name or an alias, ignoring",
        "full-width forms, case, spaces and underscores. Columns marked optional may be left",
        "out; other columns (序号, 备注…) are not read, and the import report names them.",
        "Files: CSV in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16, or XLSX (the first",
        "sheet).",
        "",
        "A column of weights, prices, rates or area may give its unit in brackets after its",
        "name: "
        + "; ".join(f"{measure}: {'、'.join(units)}" for measure, units in UNITS.items())
        + " (毛重（斤）, 保护价（元/斤）, 水分（%） where 14 is 14%). A unit not listed, or a",
        "单位 column beside them, refuses the file. In a contract, a blank cell takes the crop",
        "form's default, as a column left out does; 无 (or 不限, none) says the terms have no",
        "such rule (no moisture standard, no delivery window).",
        "",
        "A file orderfarm writes in English (`--lang en`, the page in English) has the English",
        "headers and the English words below (crops and forms as codes, statuses, charges,",
        "none); it imports as it is, as a Chinese one does.",
        "",
    ]
    for rt in RECORD_TYPES.values():
        lines += [
            f"## {rt.zh} / `{rt.name}`",
            "",
            f"Identified by: {', '.join(rt.column(k).label() for k in rt.key)}.",
            "",
            "| 中文列名 | English | required | kind | also accepted |",
            "|---|---|---|---|---|",
        ]
        for c in rt.columns:
            also = "、".join(c.aliases) or "—"
            required = "yes" if c.required else "optional"
            lines.append(f"| {c.zh} | `{c.key}` | {required} | {_KIND_TEXT[c.kind]} | {also} |")
        lines.append("")
    lines += [
        "## Cell formats",
        "",
        "- 保护价 / `floors`: `一级:1.60;二级:1.40` (grade:yuan per kg; separators ; ， 、 and",
        "  : ： = are all accepted). Left out, the crop form's default floors apply.",
        "- 等级 / `grades` (contracts): `一级、二级、等外`, best first.",
        "- 投入品 / `inputs` (contracts): `辣椒苗:30000株×0.03(垫付);地膜:2卷×45(免费)`.",
        "- 结算方式 / `charge`: 免费 (free), 垫付 (advance, recovered at settlement), 已付 (paid).",
        "- 未扣回处理 / `unrecovered`: 结转 (carry) or 核销 (waive).",
        "- 状态 / `status`: 草稿, 已签约, 已结束, 已取消, 已终止 (or draft, signed, closed…).",
        "- 贫困状态 / `poverty_status`: 建档立卡贫困户, 脱贫户, 监测户, 一般户 (or registered poor,",
        "  lifted out of poverty, monitored, general).",
        "- 作物 / `crop` and 产品形态 / `form`: Chinese names (朝天椒, 干椒) or codes (chilli, dried).",
        "- Weights in kg with at most 3 decimals; amounts in yuan with at most 2; rates as",
        "  fractions (0.14) or percents (14%). Numbers may use full-width digits or thousands",
        "  separators; floats' binary noise in XLSX is read as Excel shows it (15 digits).",
        "- An XLSX cell formatted as a percentage (0%, 0.0%) is read as Excel shows it, under",
        "  水分 and 水分（%） alike (0.13 is 13%), with every digit it has: 0.125 formatted",
        "  0% is 12.5%, though Excel shows 13%.",
        "- A cell written by orderfarm that starts with `'` followed by = + - @ tab CR or `'`",
        "  was neutralised against formula injection: the `'` is removed on import.",
        "- An XLSX formula is read as the value Excel saved with it. A formula saved without",
        "  its value (a file written by a program and never opened in Excel) is refused as",
        "  such: open the file in Excel and save it, then import it.",
        "- An export without full numbers (the default) masks resident IDs",
        "  (`611002********002X`), accounts and phones (all but the last 4): it is for reading.",
        "  A masked cell (one with `*`) is refused on import as masked; export with full",
        "  numbers (`--full`, audited) to import a file again.",
        "",
    ]
    return "\n".join(lines)
