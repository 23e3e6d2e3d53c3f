"""`dir:PATH`, the embedded default store: atomic, never-overwriting writes.

Temp file, fsync, then `os.link` to the final name (atomic, and fails if the
name exists: never overwrites), fsync of the directory. A crash leaves at most
a hidden `.tmp-*` file, never a partial tip under a real name. File and folder
times are set to the start of the day (see SECURITY.md).
"""

from __future__ import annotations

import errno
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .base import ObjectMissing, StoredObject, StoreUnavailable, check_key


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
            if final.is_file():
                # A replay: refused before a byte is written or fsynced. Only a
                # shortcut: link() below still decides when two writers race.
                return False
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

    def stored(self, key: str, marker: str) -> bool:
        """The file itself is the marker."""
        return self.exists(key)

    def put_once(
        self, key: str, data: bytes, metadata: Mapping[str, str] | None, marker: str
    ) -> bool:
        """The file itself is the marker: put_new already refuses a replay unwritten."""
        return self.put_new(key, data, metadata)

    def probe(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StoreUnavailable("storage directory is not writable")
        except OSError:
            raise StoreUnavailable("storage directory unavailable") from None

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
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

    def get_optional(self, key: str) -> bytes | None:
        try:
            return self.get(key)
        except ObjectMissing:
            return None

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
