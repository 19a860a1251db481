"""orderfarm — contract farming with guaranteed purchase prices (订单农业, 保护价收购).

Enterprises contract poor households to grow a crop, supply seed or seedlings, and buy the
harvest at a floor price, or at the market price when that is higher. This package prices each
weighing slip exactly, settles each household's season and explains every fen.
"""

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

__all__ = [
    "Basis",
    "CarryPolicy",
    "Catalog",
    "ChargeMode",
    "Contract",
    "ContractStateError",
    "ContractStatus",
    "Crop",
    "D",
    "Enterprise",
    "Household",
    "IdentifierError",
    "InputDefault",
    "InputSupply",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "MonthDay",
    "OrderfarmError",
    "Portion",
    "PovertyStatus",
    "PriceTerms",
    "PricingError",
    "Problem",
    "ProductForm",
    "Quote",
    "ValidationError",
    "Weighing",
    "__version__",
    "default_catalog",
    "format_yuan",
    "ha_to_mu",
    "is_valid_resident_id",
    "is_valid_uscc",
    "jin_to_kg",
    "kg_to_jin",
    "m2_to_mu",
    "mask_resident_id",
    "mu_to_ha",
    "mu_to_m2",
    "price_delivery",
    "price_per_jin_to_per_kg",
    "price_per_kg_to_per_jin",
    "round_kg",
    "round_yuan",
    "validate_resident_id",
    "validate_uscc",
]
