"""The storage interface: what Vigie needs from a store, its errors, the key check.

Keys are relative, '/'-separated, e.g. `tips/2026-11-28/VG-....age`. Stored
metadata is limited to size and envelope version; no client detail of any
kind. (An S3 store keeps its own LastModified time: see SECURITY.md.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")


class StoreUnavailable(Exception):
    """The store cannot be reached or refused the operation; the caller may retry."""


class ObjectMissing(KeyError):
    """No object under that key."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


class TipStore(Protocol):
    """What Vigie needs from a store. The intake only calls put_new, put_once, stored,
    probe (which may use exists) and, for follow-up threads, get_optional."""

    description: str

    def put_new(self, key: str, data: bytes, metadata: Mapping[str, str] | None = None) -> bool:
        """Store `data` under `key` unless it exists. True if created, False if it existed."""
        ...

    def stored(self, key: str, marker: str) -> bool:
        """True if `key` is known stored, without reading it (S3: by its empty
        `marker`, as the intake may not read tips, P10). False means "not known":
        the conditional write still decides what is stored."""
        ...

    def put_once(
        self, key: str, data: bytes, metadata: Mapping[str, str] | None, marker: str
    ) -> bool:
        """`put_new` for a name a client can replay, leaving what `stored` checks."""
        ...

    def probe(self) -> None:
        """Raise StoreUnavailable unless the store accepts requests (read-only once ready)."""
        ...

    def exists(self, key: str) -> bool:
        """True if an object is stored under `key` (a cheap check: no body moves).

        False also when the store will not say (an S3 role without read access
        gets 403 for a missing key); callers then rely on `put_new`'s own check.
        """
        ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]: ...

    def get(self, key: str) -> bytes: ...

    def get_optional(self, key: str) -> bytes | None:
        """The object, or None if absent (the intake's read of follow-up slots)."""
        ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Refuse keys that could escape the store root or carry odd characters."""
    parts = key.split("/")
    if (
        not key
        or not set(key) <= _KEY_CHARS
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    ):
        raise ValueError(f"invalid object key {key!r}")
    return key
