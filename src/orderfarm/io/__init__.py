"""Files in and out: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX import with validation
before writing, exports with number formats and formula neutralisation, printable HTML."""

from __future__ import annotations

from orderfarm.io.cells import neutralise, unneutralise
from orderfarm.io.columns import (
    CONTRACTS,
    ENTERPRISES,
    HOUSEHOLDS,
    MARKET_PRICES,
    PAYMENTS,
    RECORD_TYPES,
    SLIPS,
    SUPPLIES,
    Column,
    Kind,
    RecordType,
    record_type,
)
from orderfarm.io.errors import FileError, ImportRefused, RowProblem
from orderfarm.io.importing import ImportReport, RowStream, detect_kind, validate_file
from orderfarm.io.readers import open_table
from orderfarm.io.records import MarketPriceRecord, PaymentRecord, SlipRecord, SupplyRecord

__all__ = [
    "CONTRACTS",
    "ENTERPRISES",
    "HOUSEHOLDS",
    "MARKET_PRICES",
    "PAYMENTS",
    "RECORD_TYPES",
    "SLIPS",
    "SUPPLIES",
    "Column",
    "FileError",
    "ImportRefused",
    "ImportReport",
    "Kind",
    "MarketPriceRecord",
    "PaymentRecord",
    "RecordType",
    "RowProblem",
    "RowStream",
    "SlipRecord",
    "SupplyRecord",
    "detect_kind",
    "neutralise",
    "open_table",
    "record_type",
    "unneutralise",
    "validate_file",
]
