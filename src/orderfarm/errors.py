"""The error hierarchy: one root, and validation errors that carry every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from orderfarm.messages import Lang, field_label, render


class OrderfarmError(Exception):
    """Root of every error the library raises on purpose."""

    def message(self, lang: Lang = "en") -> str:
        """The error in ``lang``; the English text where an error has no other."""
        return str(self)


def _frozen_params(params: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(params))


@attrs.frozen
class Problem:
    """One thing wrong with one field: a code from the catalogue and its parameters."""

    field: str
    code: str
    params: Mapping[str, object] = attrs.field(factory=dict, converter=_frozen_params)

    def message(self, lang: Lang = "en") -> str:
        """``<field label>: <reason>`` in ``lang``."""
        return f"{field_label(self.field, lang)}: {render(self.code, self.params, lang)}"

    def within(self, prefix: str) -> Problem:
        """The same problem with its field path under ``prefix``."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return attrs.evolve(self, field=field)

    def __str__(self) -> str:
        return self.message("en")


class ValidationError(OrderfarmError, ValueError):
    """Input that breaks a rule; ``problems`` lists every problem found, each with its field."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(p.message("en") for p in self.problems))

    def messages(self, lang: Lang = "en") -> list[str]:
        """Each problem as a sentence in ``lang``."""
        return [p.message(lang) for p in self.problems]

    def message(self, lang: Lang = "en") -> str:
        """Every problem in ``lang``, in one line."""
        return "; ".join(self.messages(lang))

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields named by the problems, in order."""
        return tuple(p.field for p in self.problems)

    @classmethod
    def one(cls, field: str, code: str, **params: object) -> ValidationError:
        """An error with a single problem."""
        return cls([Problem(field, code, params)])


class IdentifierError(ValidationError):
    """A resident ID or credit code that is not valid."""


class InvalidLength(IdentifierError):
    """The identifier has the wrong number of characters."""


class InvalidFormat(IdentifierError):
    """The identifier has characters that do not belong there."""


class InvalidChecksum(IdentifierError):
    """The check character does not match."""


class InvalidComponent(IdentifierError):
    """A part of the identifier (region, birth date) is not real."""


class ContractStateError(OrderfarmError):
    """A lifecycle step the contract's status does not allow (signing a signed contract…);
    ``params`` fill the catalogue's ``bad_transition`` message."""

    def __init__(self, params: Mapping[str, object]) -> None:
        self.params = _frozen_params(params)
        super().__init__(render("bad_transition", self.params, "en"))

    def message(self, lang: Lang = "en") -> str:
        return render("bad_transition", self.params, lang)


class PricingError(ValidationError):
    """A weighing that cannot be priced under the given terms (not a rejection)."""


def raise_if(problems: list[Problem], error: type[ValidationError] = ValidationError) -> None:
    """Raise ``error`` carrying ``problems`` when there are any."""
    if problems:
        raise error(problems)


def problems_of(exc: ValidationError, prefix: str) -> list[Problem]:
    """The problems of ``exc`` with their fields placed under ``prefix``."""
    return [p.within(prefix) for p in exc.problems]
