"""Collects every problem of a value before raising, so a form or a row is reported whole."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from orderfarm.errors import Problem, ValidationError
from orderfarm.money import ONE, ZERO, decimal_places


class Checks:
    """A list of problems with the common rules as methods; ``done()`` raises if any."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str, code: str, **params: object) -> None:
        """Record one problem."""
        self.problems.append(Problem(field, code, params))

    def extend(self, problems: list[Problem] | tuple[Problem, ...], prefix: str = "") -> None:
        """Record problems found elsewhere, under ``prefix``."""
        self.problems.extend(p.within(prefix) if prefix else p for p in problems)

    def positive(self, field: str, value: Decimal | None) -> None:
        """``value`` > 0 (``None`` passes: optional)."""
        if value is not None and value <= ZERO:
            self.add(field, "positive")

    def non_negative(self, field: str, value: Decimal | None) -> None:
        """``value`` ≥ 0 (``None`` passes)."""
        if value is not None and value < ZERO:
            self.add(field, "non_negative")

    def fraction(self, field: str, value: Decimal | None) -> None:
        """0 ≤ ``value`` < 1 (``None`` passes)."""
        if value is not None and not ZERO <= value < ONE:
            self.add(field, "fraction", value=str(value))

    def places(self, field: str, value: Decimal | None, places: int) -> None:
        """``value`` has at most ``places`` decimal places (``None`` passes)."""
        if value is not None and decimal_places(value.normalize()) > places:
            self.add(field, "too_many_places", places=places, value=str(value))

    def text(self, field: str, value: str, *, required: bool = True, limit: int = 100) -> None:
        """Text (not a number or ``None``), non-blank when ``required``, at most ``limit`` long."""
        if not isinstance(value, str):
            self.add(field, "wrong_type", expected="text", got=type(value).__name__)
            return
        if required and not value.strip():
            self.add(field, "blank")
        if len(value) > limit:
            self.add(field, "too_long", limit=limit)

    def done(self, error: type[ValidationError] = ValidationError) -> None:
        """Raise ``error`` with every problem recorded, if there is one."""
        if self.problems:
            raise error(self.problems)


def require_decimal(owner: str, **values: object) -> None:
    """``TypeError`` for any value that is not a ``Decimal`` (or ``None``), floats above all."""
    for name, value in values.items():
        if value is not None and (not isinstance(value, Decimal) or isinstance(value, bool)):
            raise TypeError(
                f"{owner}.{name} must be a Decimal (use D('…')), got {type(value).__name__} {value!r}"
            )


def trimmed(value: str) -> str:
    """Text without the blanks around it (``" 一等 "`` is ``一等``), as contract and receipt
    numbers are; anything else as it is, for the checks to name."""
    return value.strip() if isinstance(value, str) else value


def names(value: Iterable[str]) -> tuple[str, ...]:
    """A tuple of names (grades…), each trimmed, from any iterable of text; a single string is
    a ``TypeError``."""
    if isinstance(value, str):
        raise TypeError(f"expected a sequence of names, got the text {value!r}")
    return tuple(trimmed(name) for name in value)
