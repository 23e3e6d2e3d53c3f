"""Object storage behind one small interface, with two backends chosen by config.

* `dir:PATH` — the embedded default: temp file, fsync, then `os.link` to the
  final name (atomic, and fails if the name exists: never overwrites), fsync
  of the directory. A crash leaves at most a hidden `.tmp-*` file, never a
  partial tip under a real name.
* `s3://BUCKET/PREFIX` — any S3-compatible store via boto3 (see s3store.py),
  conditional writes with `If-None-Match: *`.

Keys are relative, '/'-separated, e.g. `tips/2026-11-28/VG-....age`. Stored
metadata is limited to size and envelope version, and dir: file times are set
to the start of the day; no client detail of any kind. (An S3 store keeps its
own LastModified time: see SECURITY.md.)
"""

from __future__ import annotations

import errno
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .config import IntakeConfig

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
    """What Vigie needs from a store. The intake only calls put_new and probe."""

    description: str

    def put_new(self, key: str, data: bytes, metadata: Mapping[str, str] | None = None) -> bool:
        """Store `data` under `key` unless it exists. True if created, False if it existed."""
        ...

    def probe(self) -> None:
        """Raise StoreUnavailable unless the store accepts requests."""
        ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]: ...

    def get(self, key: str) -> bytes: ...

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


class DirStore:
    """Filesystem store with atomic, never-overwriting writes."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.description = f"dir:{self.root}"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_new(self, key: str, data: bytes, metadata: Mapping[str, str] | None = None) -> bool:
        final = self._path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.parent / f".tmp-{secrets.token_hex(8)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                # Times to the day only: a file's mtime would otherwise say to the
                # second when a tip arrived (matchable against network records).
                day = _day_start()
                os.utime(tmp, (day, day))
                try:
                    # link() is atomic and refuses an existing name: first writer wins.
                    os.link(tmp, final)
                except FileExistsError:
                    return False
            finally:
                tmp.unlink(missing_ok=True)
            os.utime(final.parent, (day, day))
            _fsync_dir(final.parent)
            return True
        except OSError as exc:
            raise StoreUnavailable(
                f"storage write failed ({errno.errorcode.get(exc.errno or 0, 'OSError')})"
            ) from None

    def probe(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StoreUnavailable("storage directory is not writable")
        except OSError:
            raise StoreUnavailable("storage directory unavailable") from None

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        base = self.root
        if not base.exists():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, base)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue  # temp files of writes in flight or interrupted
                key = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
                if key.startswith(prefix):
                    try:
                        size = os.stat(os.path.join(dirpath, name)).st_size
                    except FileNotFoundError:
                        continue
                    yield StoredObject(key=key, size=size)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError:
            raise StoreUnavailable("storage read failed") from None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError:
            raise StoreUnavailable("storage delete failed") from None


def _day_start() -> float:
    now = time.time()
    return now - now % 86400


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_store(cfg: IntakeConfig, s3_client: Any = None) -> TipStore:
    """Build the store named by `[intake] store`. An S3 client may be injected."""
    if cfg.store.startswith("dir:"):
        return DirStore(cfg.store[4:])
    from .s3store import S3Store  # boto3 is only imported for s3:// stores

    return S3Store.from_config(cfg, client=s3_client)
