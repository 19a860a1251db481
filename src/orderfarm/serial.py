"""The one cattrs converter: Decimal as text, dates in ISO form, unknown keys and floats refused.

>>> from orderfarm.pricing import Weighing
>>> to_json(Weighing(gross_kg=D("10.5"), tare_kg=D("0.5"), grade="一级"))
'{"grade":"一级","gross_kg":"10.5","impurity":"0","moisture":"0","tare_kg":"0.5"}'
>>> from_json('{"grade": "一级", "gross_kg": "10.5", "tare_kg": "0.5"}', Weighing).gross_kg
Decimal('10.5')
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.v import format_exception

from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.money import D

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


class _FloatRefusedError(TypeError):
    def __init__(self, value: float) -> None:
        super().__init__(f"float {value!r}")
        self.value = value


def _structure_decimal(value: object, _: type) -> Decimal:
    if isinstance(value, float):
        raise _FloatRefusedError(value)
    if isinstance(value, Decimal | int | str):
        # No field of its own: the problem takes the path of the field being read.
        return D(value, field="")
    raise TypeError(f"expected decimal text, got {type(value).__name__}")


def _structure_date(value: object, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise TypeError("expected a date, got a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError(f"expected an ISO date, got {type(value).__name__}")


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, float):
        raise _FloatRefusedError(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    return int(value)


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_unstructure_hook(dt.date, dt.date.isoformat)
converter.register_structure_hook(dt.date, _structure_date)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bool, _structure_bool)


def memoise(cls: Any, size: int = 4096) -> None:
    """Structure ``cls`` (an immutable value type, such as frozen price terms) once per distinct
    plain value: the same terms in a thousand contracts are read and checked once, and the
    contracts share one value. The key is the value's ``repr`` (str, int, bool, float and
    None all print differently); a failure is not remembered."""
    plain = converter.get_structure_hook(cls)
    cache: dict[str, Any] = {}

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict | list):
            return plain(value, cls)
        key = repr(value)
        found = cache.get(key)
        if found is None:
            found = plain(value, cls)
            if len(cache) >= size:
                cache.clear()
            cache[key] = found
        return found

    # A predicate, not a class: ``cls`` may be a generic alias such as tuple[X, ...].
    converter.register_structure_hook_func(lambda t: t == cls, hook)


def _problems(exc: BaseException, path: str) -> list[Problem]:
    """Problems of a cattrs error tree, each with the dotted path of its field."""
    if isinstance(exc, ValidationError):
        return [p.within(path or "value") if path or not p.field else p for p in exc.problems]
    if isinstance(exc, ForbiddenExtraKeysError):
        return [
            Problem(f"{path}.{k}" if path else k, "unknown_key") for k in sorted(exc.extra_fields)
        ]
    if isinstance(exc, ClassValidationError | IterableValidationError):
        found: list[Problem] = []
        for sub in exc.exceptions:
            step = ""
            for note in getattr(sub, "__notes__", []):
                name = getattr(note, "name", None)
                index = getattr(note, "index", None)
                if name is not None:
                    step = str(name)
                elif index is not None:
                    step = str(index)
            found.extend(_problems(sub, f"{path}.{step}" if path and step else path or step))
        return found
    if isinstance(exc, KeyError) and path:
        return [Problem(path, "required")]
    if isinstance(exc, _FloatRefusedError):
        return [Problem(path or "value", "float", {"value": exc.value})]
    return [Problem(path or "value", "bad_value", {"reason": format_exception(exc, None)})]


def structure(data: Any, cls: type[T]) -> T:
    """``cls`` from plain data; every problem is reported at once in a ``ValidationError``."""
    try:
        return converter.structure(data, cls)
    except ValidationError as exc:
        if all(p.field for p in exc.problems):
            raise
        raise type(exc)(_problems(exc, "")) from exc  # a bare value: name it "value"
    except OrderfarmError:
        raise
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError) as exc:
        raise ValidationError(_problems(exc, "")) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # AttributeError: cattrs reading a field of something that is not a mapping
        raise ValidationError(_problems(exc, "")) from exc


def unstructure(obj: object) -> Any:
    """Plain data (dicts, lists, str) for ``obj``: Decimal as text, dates ISO, enums by value."""
    return converter.unstructure(obj)


def to_json(obj: object) -> str:
    """Canonical JSON of ``obj``: keys sorted, no spaces, UTF-8 text (the audit hashes this)."""
    return json.dumps(unstructure(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def from_json(text: str | bytes, cls: type[T]) -> T:
    """``cls`` from JSON; numbers with a fraction are floats and are refused."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError.one("json", "bad_value", reason=str(exc)) from exc
    return structure(data, cls)
