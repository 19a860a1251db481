"""Errors the store raises on purpose; all under ``OrderfarmError``."""

from __future__ import annotations

from collections.abc import Mapping

from orderfarm.errors import OrderfarmError, Problem, ValidationError
from orderfarm.messages import Lang, render


class StoreError(OrderfarmError):
    """Something about the database file or a stored record.

    ``str()`` is the English detail for scripts and logs; given a ``code`` of the message
    catalogue (and its ``params``), ``message(lang)`` says it in the user's language.
    """

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        field: str = "",
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.params: Mapping[str, object] = dict(params or {})
        #: the field whose value the store refused (a key already used), if any
        self.field = field

    def problem(self) -> Problem:
        """The error as a problem of its field, for a form to show under that field."""
        if self.code is None:
            return Problem(self.field, "store_refused", {"reason": str(self)})
        return Problem(self.field, self.code, self.params)

    def message(self, lang: Lang = "en") -> str:
        """The error in ``lang`` (the English detail when it has no catalogue code)."""
        if self.code is None:
            return str(self)
        return self.problem().message(lang) if self.field else render(self.code, self.params, lang)


class SchemaVersionError(StoreError):
    """The file was written by a newer orderfarm (its schema version is not known here)."""


class StoreBusyError(StoreError):
    """The database stayed locked by other writers for longer than the store's patience."""


class StoreFullError(StoreError):
    """The disk (or the file's size limit) is full: the write was rolled back, nothing kept."""


class StoreReadOnlyError(StoreError):
    """The file, its folder or the disk is read-only: nothing can be written to it."""


class StoreIOError(StoreError):
    """The file could not be opened, read or written (a disk or file-system fault)."""


class StoreCorruptError(StoreError):
    """The file is not an SQLite database, or SQLite found it damaged."""


class NotFoundError(StoreError, LookupError):
    """A record named by the caller does not exist."""


class ConflictError(StoreError):
    """A key already used by a different record (receipt number, payment reference, ID…).

    ``existing`` and ``new`` describe both records.
    """

    def __init__(
        self,
        detail: str,
        existing: object = None,
        new: object = None,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        field: str = "",
    ) -> None:
        super().__init__(detail, code=code, params=params, field=field)
        self.existing = existing
        self.new = new


class RefusedError(ValidationError):
    """A write that breaks a rule of the ledger (contract not signed, outside the window…)."""


class VoidError(StoreError):
    """A void that is not allowed (already voided, or of a record that does not exist)."""
