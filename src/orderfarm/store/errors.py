"""Errors the store raises on purpose; all under ``OrderfarmError``."""

from __future__ import annotations

from orderfarm.errors import OrderfarmError, ValidationError


class StoreError(OrderfarmError):
    """Something about the database file or a stored record."""


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

    def __init__(self, message: str, existing: object = None, new: object = None) -> None:
        super().__init__(message)
        self.existing = existing
        self.new = new


class RefusedError(ValidationError):
    """A write that breaks a rule of the ledger (contract not signed, outside the window…)."""


class VoidError(StoreError):
    """A void that is not allowed (already voided, or of a record that does not exist)."""
