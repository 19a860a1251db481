"""orderfarm — contract farming with guaranteed purchase prices (订单农业, 保护价收购).

Enterprises contract poor households to grow a crop, supply seed or seedlings, and buy the
harvest at a floor price, or at the market price when that is higher. This package prices each
weighing slip exactly, settles each household's season and explains every fen.
"""

from typing import TYPE_CHECKING

from orderfarm.actuals import ActualRow, ActualSummary, SideSellingEvidence, season_actuals
from orderfarm.actuals import compare as compare_actuals
from orderfarm.actuals import summarise as summarise_actuals
from orderfarm.contracts import CarryPolicy, Contract, ContractStatus, PriceTerms
from orderfarm.crops import Catalog, Crop, InputDefault, MonthDay, ProductForm, default_catalog
from orderfarm.errors import (
    ContractStateError,
    IdentifierError,
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    OrderfarmError,
    PricingError,
    Problem,
    ValidationError,
)
from orderfarm.estimate import (
    Assumptions,
    Estimate,
    GroupSummary,
    HouseholdIncome,
    IncomeLine,
    PriceScenario,
    aggregate,
    estimate,
    estimate_contract,
    estimate_pairs,
    expected_paid_price,
    fungus_dividend_line,
    photovoltaic_line,
)
from orderfarm.ids import (
    is_valid_resident_id,
    is_valid_uscc,
    mask_resident_id,
    validate_resident_id,
    validate_uscc,
)
from orderfarm.money import D, format_yuan, round_kg, round_yuan
from orderfarm.parties import Enterprise, Household, PovertyStatus
from orderfarm.pricing import Basis, Portion, Quote, Weighing, price_delivery
from orderfarm.settlement import (
    LineKind,
    OverpaymentError,
    Statement,
    StatementLine,
    Totals,
    build_statement,
    settle_amounts,
)
from orderfarm.store import (
    BatchResult,
    ConflictError,
    Delivery,
    HouseholdSettlement,
    InputRecord,
    NotFoundError,
    Payment,
    RefusedError,
    ReportRow,
    SchemaVersionError,
    Slip,
    Store,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
    VerifyReport,
    Void,
    VoidError,
)
from orderfarm.supplies import ChargeMode, InputSupply
from orderfarm.units import (
    ha_to_mu,
    jin_to_kg,
    kg_to_jin,
    m2_to_mu,
    mu_to_ha,
    mu_to_m2,
    price_per_jin_to_per_kg,
    price_per_kg_to_per_jin,
)

__version__ = "0.1.0"

if TYPE_CHECKING:  # for type checkers only: at run time they load lazily (below)
    from orderfarm.risk import IncomeRisk, RiskBook, Simulation, floor_value, simulate_income

#: Names of ``orderfarm.risk``, loaded on first use so that ``import orderfarm`` needs no numpy.
_RISK_NAMES = frozenset({"IncomeRisk", "RiskBook", "Simulation", "floor_value", "simulate_income"})


def __getattr__(name: str) -> object:
    if name in _RISK_NAMES:
        from orderfarm import risk

        return getattr(risk, name)
    raise AttributeError(f"module 'orderfarm' has no attribute {name!r}")


__all__ = [
    "ActualRow",
    "ActualSummary",
    "Assumptions",
    "Basis",
    "BatchResult",
    "CarryPolicy",
    "Catalog",
    "ChargeMode",
    "ConflictError",
    "Contract",
    "ContractStateError",
    "ContractStatus",
    "Crop",
    "D",
    "Delivery",
    "Enterprise",
    "Estimate",
    "GroupSummary",
    "Household",
    "HouseholdIncome",
    "HouseholdSettlement",
    "IdentifierError",
    "IncomeLine",
    "IncomeRisk",
    "InputDefault",
    "InputRecord",
    "InputSupply",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "LineKind",
    "MonthDay",
    "NotFoundError",
    "OrderfarmError",
    "OverpaymentError",
    "Payment",
    "Portion",
    "PovertyStatus",
    "PriceScenario",
    "PriceTerms",
    "PricingError",
    "Problem",
    "ProductForm",
    "Quote",
    "RefusedError",
    "ReportRow",
    "RiskBook",
    "SchemaVersionError",
    "SideSellingEvidence",
    "Simulation",
    "Slip",
    "Statement",
    "StatementLine",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreIOError",
    "StoreReadOnlyError",
    "Totals",
    "ValidationError",
    "VerifyReport",
    "Void",
    "VoidError",
    "Weighing",
    "__version__",
    "aggregate",
    "build_statement",
    "compare_actuals",
    "default_catalog",
    "estimate",
    "estimate_contract",
    "estimate_pairs",
    "expected_paid_price",
    "floor_value",
    "format_yuan",
    "fungus_dividend_line",
    "ha_to_mu",
    "is_valid_resident_id",
    "is_valid_uscc",
    "jin_to_kg",
    "kg_to_jin",
    "m2_to_mu",
    "mask_resident_id",
    "mu_to_ha",
    "mu_to_m2",
    "photovoltaic_line",
    "price_delivery",
    "price_per_jin_to_per_kg",
    "price_per_kg_to_per_jin",
    "round_kg",
    "round_yuan",
    "season_actuals",
    "settle_amounts",
    "simulate_income",
    "summarise_actuals",
    "validate_resident_id",
    "validate_uscc",
]
