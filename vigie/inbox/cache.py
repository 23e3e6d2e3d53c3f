"""The local cache of stored objects and `vigie inbox pull`.

The cache (default `.vigie/inbox/`) mirrors the store's `tips/`, `kept/` and
`state/` objects byte for byte: they are age ciphertexts, so the cache holds
nothing readable without an analyst's key, and `list`/`show` work offline.

Writes are atomic: a private temp file in the target folder, then `os.link` to
the final name (which refuses to replace an existing name). So two pulls at
once are safe (both write identical immutable bytes, the second link simply
finds the name taken) and an interrupted pull leaves only hidden `.tmp-*`
files; the next pull skips every object already present with the right size
and fetches the rest. Per-file fsync is skipped on purpose: a crash can at
worst lose or damage a cached copy, which the size check and the next pull
repair from the store, the source of truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from vigie.core.layout import ANALYST_PREFIXES
from vigie.core.storage import ObjectMissing, StoredObject, TipStore, check_key

from .errors import InboxError

# What the inbox mirrors. `intake/` (health marker, form budget) is the intake's.
SYNC_PREFIXES = ANALYST_PREFIXES
DEFAULT_CACHE = Path(".vigie/inbox")


def cache_dir_for(store: str, root: Path = DEFAULT_CACHE) -> Path:
    """The default cache folder of one store: `.vigie/inbox/<readable name>-<hash>`.

    One folder per store URL, because a pull mirrors its store exactly: with a
    single shared folder, pulling from a test store would drop the production
    store's cached tips as "removed from storage".
    """
    if store.startswith("dir:"):
        store = "dir:" + str(Path(store[4:]).resolve())
    readable = re.sub(r"[^A-Za-z0-9]+", "-", store).strip("-")[-40:]
    digest = hashlib.sha256(store.encode("utf-8")).hexdigest()[:10]
    return root / f"{readable}-{digest}"


# Downloads in flight: S3 latency, not bandwidth, bounds a pull of small objects.
PULL_WORKERS = 8


@dataclass(frozen=True)
class PullResult:
    listed: int
    fetched: int
    already: int
    removed: int
    vanished: int
    skipped: tuple[str, ...] = ()  # keys this workstation cannot name (too long)


class Cache:
    """Ciphertext objects on disk under `root/objects/<key>`; folders 0700, files 0600."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self._made: set[str] = set()  # folders known to exist (saves a mkdir per object)
        self._name_max = 0  # the filesystem's longest name, read once (see can_hold)

    def ensure(self) -> None:
        try:
            self.objects.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.root, 0o700)
        except OSError as exc:
            raise InboxError(f"{self.root} : cache inutilisable ({exc.strerror})") from None

    def path(self, key: str) -> Path:
        return self.objects / check_key(key)

    def can_hold(self, key: str) -> bool:
        """False for a key the local filesystem cannot name.

        S3 allows 1024-byte keys with segments of any length; a folder or file
        name here has at most NAME_MAX bytes (255 on ext4), and stat() on a
        longer one raises instead of answering "absent".
        """
        if not self._name_max:
            self._name_max = os.pathconf(self.objects, "PC_NAME_MAX")
        name_max = self._name_max
        return all(len(part.encode()) <= name_max for part in key.split("/")) and (
            len(os.fsencode(self.objects)) + len(key) < 4000  # PATH_MAX is 4096
        )

    def has(self, key: str, size: int) -> bool:
        try:
            return self.path(key).stat().st_size == size
        except FileNotFoundError:
            return False

    def put(self, key: str, data: bytes) -> None:
        # Plain os calls, not pathlib: with thousands of small objects this runs
        # once per object and competes for the CPU with boto3's parsing.
        final = os.path.join(self.objects, check_key(key))
        parent = os.path.dirname(final)
        if parent not in self._made:
            os.makedirs(parent, mode=0o700, exist_ok=True)
            self._made.add(parent)
        tmp = os.path.join(parent, f".tmp-{secrets.token_hex(8)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            try:
                os.link(tmp, final)
            except FileExistsError:
                # Usually a concurrent pull stored the same immutable object first;
                # a copy of the wrong size (damaged by a crash) is replaced atomically.
                if os.stat(final).st_size != len(data):
                    os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Cached keys under `prefix`, sorted, without a stat per file."""
        top = self.objects / prefix.rstrip("/") if prefix.endswith("/") else self.objects
        if not top.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = os.path.relpath(dirpath, self.objects).replace(os.sep, "/")
            for name in sorted(filenames):
                if name.startswith("."):
                    continue  # temp files of writes in flight or interrupted
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    yield key

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        for key in self.keys(prefix):
            try:
                size = self.path(key).stat().st_size
            except FileNotFoundError:
                continue
            yield StoredObject(key=key, size=size)


def _fetch(store: TipStore, cache: Cache, key: str) -> bool:
    try:
        cache.put(key, store.get(key))
    except ObjectMissing:
        return False  # purged by a colleague between listing and download
    return True


# Told (done, total) as downloads finish: the desk's progress bar.
Progress = Callable[[int, int], None]


def pull(
    store: TipStore,
    cache: Cache,
    progress: bool = False,
    workers: int = PULL_WORKERS,
    on_progress: Progress | None = None,
) -> PullResult:
    """Bring the cache in line with the store: fetch new objects, drop deleted ones."""
    cache.ensure()
    started = time.time()
    remote: dict[str, int] = {}
    skipped: list[str] = []
    for prefix in SYNC_PREFIXES:
        for obj in store.list(prefix):
            try:
                check_key(obj.key)
            except ValueError:
                continue  # a name the cache cannot hold safely; never written
            if not cache.can_hold(obj.key):
                skipped.append(obj.key)  # reported in one line; the pull goes on
                continue
            remote[obj.key] = obj.size
    wanted = [k for k, size in remote.items() if not cache.has(k, size)]
    fetched = vanished = 0
    if on_progress is not None:
        on_progress(0, len(wanted))
    with (
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
        tqdm(total=len(wanted), unit="obj", disable=not progress, desc="Téléchargement") as bar,
    ):
        for ok in pool.map(lambda k: _fetch(store, cache, k), wanted):
            fetched += ok
            vanished += not ok
            bar.update(1)
            if on_progress is not None:
                on_progress(fetched + vanished, len(wanted))
    # Retention reaches every copy: what was purged from the store (by a colleague
    # or the lifecycle rule) leaves this workstation too. Objects written after this
    # pull began (a local `mark` in parallel) are left alone.
    removed = 0
    for prefix in SYNC_PREFIXES:
        for key in [k for k in cache.keys(prefix) if k not in remote]:
            try:
                fresh = cache.path(key).stat().st_mtime >= started
            except FileNotFoundError:
                continue
            if not fresh:
                cache.remove(key)
                removed += 1
    return PullResult(
        listed=len(remote),
        fetched=fetched,
        already=len(remote) - len(wanted),
        removed=removed,
        vanished=vanished,
        skipped=tuple(skipped),
    )
