"""The store: a season's ledger in one SQLite file, with settlement and a tamper-evident audit.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp, Store.open(pathlib.Path(tmp) / "season.db") as store:
...     store.verify().ok
True
"""

from orderfarm.store.audit import AuditEntry
from orderfarm.store.db import SCHEMA_VERSION
from orderfarm.store.errors import (
    ConflictError,
    NotFoundError,
    RefusedError,
    SchemaVersionError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
    VoidError,
)
from orderfarm.store.records import (
    BatchResult,
    Delivery,
    HouseholdSettlement,
    InputRecord,
    Payment,
    ReportRow,
    Slip,
    VerifyProblem,
    VerifyReport,
    Void,
)
from orderfarm.store.store import DEFAULT_ACTOR, Store

__all__ = [
    "DEFAULT_ACTOR",
    "SCHEMA_VERSION",
    "AuditEntry",
    "BatchResult",
    "ConflictError",
    "Delivery",
    "HouseholdSettlement",
    "InputRecord",
    "NotFoundError",
    "Payment",
    "RefusedError",
    "ReportRow",
    "SchemaVersionError",
    "Slip",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreIOError",
    "StoreReadOnlyError",
    "VerifyProblem",
    "VerifyReport",
    "Void",
    "VoidError",
]
