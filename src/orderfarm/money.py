"""Exact money and quantities: ``D()``, half-up rounding to the fen, and integer minor units.

Float never enters: every function here raises ``TypeError`` on a ``float``.

>>> D("1.005") * 2
Decimal('2.010')
>>> round_yuan(D("2.675"))
Decimal('2.68')
>>> to_fen(D("12.30")), from_fen(1230)
(1230, Decimal('12.30'))
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Final, NoReturn

from orderfarm.errors import ValidationError

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
FEN: Final = Decimal("0.01")
KG_STEP: Final = Decimal("0.01")
GRAM: Final = Decimal("0.001")

Number = Decimal | int | str

#: No quantity, price or amount in a season comes near this; beyond it, rounding to the fen
#: would overflow Decimal's precision, so larger values are refused where they come in.
LIMIT: Final = Decimal(10) ** 15

_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def D(value: Number, field: str = "value") -> Decimal:
    """Decimal from ``str``, ``int`` or ``Decimal``; a ``float`` (or ``bool``) is a ``TypeError``.

    Text may use full-width digits and thousands separators (``"１,２００.５"``), commas or
    spaces (``"1 200.5"``, also the no-break and full-width spaces), where the commas would be;
    blanks around the number are trimmed. Any other space inside a number (``"6 1.5"``), as
    exponents, NaN and infinities, is refused with a ``ValidationError`` that names ``field``.
    A ``Decimal`` written with an exponent (``Decimal("1E+3")``) is the same number written
    out (``Decimal("1000")``), as its text would have to be, so its ``str()`` reads back.
    """
    if isinstance(value, bool | float):
        raise TypeError(
            f"{field}: {type(value).__name__} {value!r} is not allowed; use str or Decimal"
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError.one(field, "not_finite", value=str(value))
        value = _bounded(value, field)
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent > 0:  # 1E+3: exact, written out as 1000
            return value.quantize(ONE)
        return value
    if isinstance(value, int):
        if abs(value) >= LIMIT:
            raise ValidationError.one(field, "too_large", limit=f"{LIMIT:,.0f}")
        return Decimal(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not text:
            raise ValidationError.one(field, "required")
        if " " in text:  # NFKC made the no-break (U+00A0) and full-width (U+3000) spaces " "
            # a space where a thousands comma may be (1 200.50) groups; any other (6 1.5) is
            # a badly split cell, which must not silently become another number
            grouped = text.replace(" ", ",")
            if "," in text or not _GROUPED.fullmatch(grouped):
                raise ValidationError.one(field, "space_in_number", value=value[:40])
            text = grouped
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if not _DECIMAL_TEXT.fullmatch(text):
            raise ValidationError.one(field, "not_a_number", value=value[:40])
        try:
            return _bounded(Decimal(text), field)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            raise ValidationError.one(field, "not_a_number", value=value[:40]) from None
    raise TypeError(f"{field}: expected str, int or Decimal, got {type(value).__name__}")


def _bounded(value: Decimal, field: str) -> Decimal:
    if abs(value) >= LIMIT:
        raise ValidationError.one(field, "too_large", limit=f"{LIMIT:,.0f}")
    return value


def optional_D(value: Number | None, field: str = "value") -> Decimal | None:
    """``D(value)``, or ``None`` for ``None`` and blank text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return D(value, field)


def _exact(value: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} needs a Decimal, got {type(value).__name__}")
    return value


#: Digits and exponents without limit: a quantize in it is exact up to its one rounding, for
#: any finite value (the same result as a context just wide enough, without building one).
_UNBOUNDED: Final = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _half_up(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP, context=_UNBOUNDED)


def round_yuan(amount: Decimal) -> Decimal:
    """Round half-up to the fen (0.01 yuan)."""
    return _half_up(_exact(amount, "round_yuan"), FEN)


def round_kg(weight: Decimal) -> Decimal:
    """Round a weight half-up to 0.01 kg."""
    return _half_up(_exact(weight, "round_kg"), KG_STEP)


def two_places(weight: Decimal) -> Decimal:
    """``weight`` written with at least two decimal places, exactly (``40`` → ``40.00``), as
    the scale's net weights are; one with more keeps them."""
    if decimal_places(weight) < 2:
        return _half_up(weight, KG_STEP)  # exact: nothing is dropped
    return weight


def decimal_places(value: Decimal) -> int:
    """How many decimal places ``value`` is written with (``Decimal("1.50")`` → 2)."""
    exponent = _exact(value, "decimal_places").as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _to_minor(value: Decimal, places: int, what: str) -> int:
    # The exact ratio of integers: no context, no rounding, however large the value.
    numerator, denominator = _exact(value, what).as_integer_ratio()
    units: int
    units, rest = divmod(numerator * 10**places, denominator)
    if rest:
        raise ValueError(f"{what}: {value} is not a whole number of {Decimal(1).scaleb(-places)}")
    return units


def _from_minor(units: int, places: int, what: str) -> Decimal:
    if not isinstance(units, int) or isinstance(units, bool):
        raise TypeError(f"{what} needs an int, got {type(units).__name__}")
    return Decimal(units).scaleb(-places, _UNBOUNDED)


def to_fen(amount: Decimal) -> int:
    """An amount in yuan as whole fen; an amount finer than the fen is a ``ValueError``."""
    return _to_minor(amount, 2, "to_fen")


def from_fen(fen: int) -> Decimal:
    """Whole fen as yuan with two decimal places, exactly, however large."""
    if type(fen) is int:  # the common case, checked at once (bool is not int here)
        return Decimal(fen).scaleb(-2, _UNBOUNDED)
    return _from_minor(fen, 2, "from_fen")


def to_grams(kg: Decimal) -> int:
    """A weight in kg as whole grams; finer than a gram is a ``ValueError``."""
    return _to_minor(kg, 3, "to_grams")


def from_grams(grams: int) -> Decimal:
    """Whole grams as kg with three decimal places, exactly, however large."""
    return _from_minor(grams, 3, "from_grams")


def format_yuan(amount: Decimal) -> str:
    """``¥1,234.56`` — the amount rounded to the fen, grouped by thousands."""
    return f"¥{round_yuan(amount):,.2f}"


def format_price(price: Decimal, places: int | None = None, currency: str = "") -> str:
    """A unit price as it is, with at least two decimals and no needless zeros beyond them:
    ``1.20``, ``14.9415`` (a unit price is not rounded). Given ``places``, a price with more
    decimals is shown to that many, half-up, marked as shown rounded: ``≈1.2956``
    (``≈¥1.2956`` with ``currency="¥"``)."""
    shown, mark = price, ""
    if places is not None:
        shown = price.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        mark = "" if shown == price else "≈"
    whole, _, frac = format(shown.normalize(), "f").partition(".")
    return f"{mark}{currency}{whole}.{frac.ljust(2, '0')}"


def format_rate(rate: Decimal, sign: str = "%") -> str:
    """A rate (a fraction) as a percentage with nothing rounded: ``18%``, ``0.18%``, ``14.5%``
    (``sign=""`` under a column that says %)."""
    return f"{format((rate * 100).normalize(), 'f')}{sign}"


def format_weight(kg: Decimal) -> str:
    """A weight as the scale gave it: thousands grouped, at least two decimals and none of its
    own dropped (``1,280.50``, ``128.456``), so a receipt reads as the paper slip."""
    whole, _, frac = format(kg.normalize(), "f").partition(".")
    return f"{int(whole):,}.{frac.ljust(2, '0')}"


class GradePrices(dict[str, Decimal]):
    """Prices by grade (yuan/kg), read-only, so validated terms cannot be changed in place.

    A ``dict`` for everything that reads it (``json``, ``dict(...)``, ``.items()``); writing to
    it is a ``TypeError`` — build new terms with ``attrs.evolve`` instead. Hashable, so the
    frozen models that hold it are too.
    """

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("prices by grade are read-only; build new terms with attrs.evolve")

    def __setitem__(self, key: str, value: Decimal) -> NoReturn:
        self._read_only()

    def __delitem__(self, key: str) -> NoReturn:
        self._read_only()

    def __ior__(self, other: Any) -> NoReturn:  # type: ignore[misc]  # |= must not mutate either
        self._read_only()

    def clear(self) -> NoReturn:
        self._read_only()

    def pop(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._read_only()

    def popitem(self) -> NoReturn:
        self._read_only()

    def setdefault(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._read_only()

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._read_only()

    def __hash__(self) -> int:  # type: ignore[override]  # dict sets __hash__ = None; this one is immutable
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type[GradePrices], tuple[dict[str, Decimal]]]:
        return (GradePrices, (dict(self),))


def grade_prices(value: Mapping[str, Number], field: str = "floors") -> GradePrices:
    """Read-only prices by grade from a mapping of grade → ``str``/``int``/``Decimal`` price.

    Grades are trimmed (``" 一等 "`` is ``一等``). A ``float`` price is a ``TypeError``; a
    price that is not a number is a ``ValidationError`` naming ``field.grade``.
    """
    if isinstance(value, str) or not isinstance(value, Mapping):
        raise TypeError(
            f"{field}: expected a mapping of grade to price, got {type(value).__name__}"
        )
    trimmed = ((str(grade).strip(), price) for grade, price in value.items())
    return GradePrices({grade: D(price, f"{field}.{grade}") for grade, price in trimmed})
