"""What the desk holds in memory: the unlocked identities, the decrypted tips, a pull in flight.

Privacy: the decrypted identity and every decrypted tip live only in this
object. `lock()` drops them (on « Verrouiller », after the idle time, and when
the desk stops); nothing here writes plaintext to disk. Python cannot wipe
memory, so dropping every reference is what "forget" means here: the process
is short-lived and holds no other copy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigie.core.config import Config, ConfigError
from vigie.core.storage import ObjectMissing, StoreUnavailable
from vigie.inbox import service, suspect, thread, triage
from vigie.inbox.cache import Cache, pull
from vigie.inbox.errors import InboxError
from vigie.inbox.keys import load_identities, load_signing_key, signing_key_path
from vigie.inbox.reader import Entry, read_tips
from vigie.inbox.triage import STATUS_LABELS, Triage

DEFAULT_IDLE_SECONDS = 15 * 60


@dataclass
class PullJob:
    """One pull at a time; the progress bar reads `done`/`total`."""

    running: bool = False
    done: int = 0
    total: int = 0
    message: str = ""
    failed: bool = False
    thread: threading.Thread | None = field(default=None, repr=False)


class DeskState:
    """Shared by the request threads; every field is read and written under `_lock`."""

    def __init__(
        self,
        cfg: Config,
        cache_dir: Path,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.cache_dir = cache_dir
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._identities: list[Any] | None = None
        self._signer: Any = None
        self._entries: list[Entry] = []
        self._states: dict[str, Triage] = {}
        self._last = clock()
        self.lock_reason = ""
        self.job = PullJob()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    # -- unlock / lock / idle ------------------------------------------------

    @property
    def unlocked(self) -> bool:
        with self._lock:
            return self._identities is not None

    def touch(self) -> None:
        """A request from the analyst: lock first if they were away too long."""
        with self._lock:
            self._expire()
            self._last = self._clock()

    def _expire(self) -> None:
        if self._identities is not None and self._clock() - self._last >= self.idle_seconds:
            self.lock("idle")

    def _watch(self) -> None:
        # Forget on time even when no request comes (the analyst left the room).
        step = max(0.2, min(5.0, self.idle_seconds / 4))
        while not self._stop.wait(step):
            with self._lock:
                self._expire()

    def unlock(self, paths: Sequence[Path], passphrase: str) -> None:
        """Decrypt the identity files (InboxError with a French message if that fails)."""
        identities = load_identities(paths, lambda _path: passphrase)
        # The signing key beside the first identity (KEY.sign), with the same
        # passphrase: held in memory like the identities, forgotten with them.
        # Without one the desk still reads; marking then says what is missing.
        try:
            signer = load_signing_key(signing_key_path(paths[0]), lambda _path: passphrase)
        except InboxError:
            signer = None
        with self._lock:
            self._identities = identities
            self._signer = signer
            self.lock_reason = ""
            self._last = self._clock()
            self._reload()

    def lock(self, reason: str = "") -> None:
        with self._lock:
            self._identities = None
            self._signer = None
            self._entries = []
            self._states = {}
            self.lock_reason = reason

    def stop(self) -> None:
        self._stop.set()
        self.lock()

    # -- decrypted data ------------------------------------------------------

    def _reload(self) -> None:
        if self._identities is None:
            return
        cache = Cache(self.cache_dir)
        trust = service.trust(self.cfg)
        self._entries = read_tips(cache, self._identities, trust["intake_key"])
        self._states = triage.read_states(cache, self._identities, trust["signing_keys"])

    def reload_states(self) -> None:
        with self._lock:
            if self._identities is not None:
                self._states = triage.read_states(
                    Cache(self.cache_dir), self._identities, self.cfg.analysts.signing_keys
                )

    def snapshot(self) -> tuple[list[Entry], dict[str, Triage]]:
        with self._lock:
            if self._identities is None:
                raise InboxError("boîte verrouillée")
            return list(self._entries), dict(self._states)

    @property
    def cache(self) -> Cache:
        return Cache(self.cache_dir)

    def details(self, entry: Entry) -> tuple[list[thread.Message], Entry | None, str, int | None]:
        """The tip's follow-up thread (the CLI's `show`), its first tip if it is an
        answer, where the thread stands (the list's column) and its effort class."""
        with self._lock:
            identities, entries = self._identities, list(self._entries)
        if identities is None:
            raise InboxError("boîte verrouillée")
        cache = self.cache
        return (
            service.thread_of(cache, identities, entry, entries),
            thread.parent_of(entry, entries),
            thread.status(cache, entry, entries),
            suspect.cached_efforts(cache).get(entry.receipt),
        )

    def _keys(self) -> tuple[list[Any], Any]:
        """The unlocked identities and signing key, for a change written to the store."""
        self.cfg.require_recipients()  # the first thing to fix, if it is missing
        with self._lock:
            identities, signer = self._identities, self._signer
        if identities is None:
            raise InboxError("boîte verrouillée")
        if signer is None:
            raise InboxError(
                "pas de clé de signature à côté de votre clé (FICHIER.sign) : "
                "créez-en une avec `vigie inbox keygen`, puis déverrouillez à nouveau"
            )
        return identities, signer

    def _analyst(self) -> service.Analyst:
        return service.Analyst(self.cache_dir, **service.trust(self.cfg))

    def mark(self, receipt: str, status: str, note: str, assignee: str) -> str:
        """The CLI's `mark` (same service function); then the new state is re-read."""
        _identities, signer = self._keys()
        text = service.do_mark(
            self.cfg, self._analyst(), receipt, status, note, assignee, signer=signer
        )
        self.reload_states()
        return text

    def mark_many(self, receipts: Sequence[str], status: str) -> str:
        """The CLI's bulk `mark --apply` over a list the analyst confirmed (one
        signed event per tip, the same `do_mark`)."""
        _identities, signer = self._keys()
        analyst, done = self._analyst(), 0
        try:
            for receipt in receipts:
                service.do_mark(self.cfg, analyst, receipt, status, "", "", signer=signer)
                done += 1
        except (InboxError, ObjectMissing, StoreUnavailable, ConfigError) as exc:
            raise InboxError(
                f"{done} signalement(s) sur {len(receipts)} enregistré(s) avant l'erreur : {exc}"
            ) from None
        finally:
            self.reload_states()
        return f"{done} signalement(s) passé(s) au statut « {STATUS_LABELS[status]} »."

    def reply(self, receipt: str, text: str) -> str:
        """The CLI's `reply` (same service function, with the keys held here); it
        pulls first, so the tips and states are read again afterwards."""
        identities, signer = self._keys()
        done = service.do_reply(
            self.cfg, self._analyst(), receipt, text, identities=identities, signer=signer
        )
        with self._lock:
            self._reload()
        return done

    # -- pull ---------------------------------------------------------------

    def start_pull(self) -> bool:
        """Start a pull in the background; False if one is already running."""
        with self._lock:
            if self.job.running:
                return False
            self.job = PullJob(running=True, message="Connexion au stockage…")
            self.job.thread = threading.Thread(target=self._pull, daemon=True)
            self.job.thread.start()
            return True

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self.job.done, self.job.total = done, total
            self.job.message = f"{done} / {total} objet(s) téléchargé(s)"

    def _pull(self) -> None:
        # Every failure becomes a message on the page: an exception escaping a
        # thread prints a traceback to the terminal.
        failed, message = False, ""
        try:
            result = pull(
                service.open_analyst_store(self.cfg),
                Cache(self.cache_dir),
                on_progress=self._progress,
            )
            message = service.pull_summary(result)
        except StoreUnavailable as exc:
            failed, message = True, f"Stockage injoignable ou accès refusé : {exc}"
        except (ObjectMissing, InboxError, ConfigError) as exc:
            failed, message = True, str(exc)
        except Exception as exc:
            failed, message = True, f"Échec du téléchargement ({type(exc).__name__})"
        with self._lock:
            if not failed:
                try:
                    self._reload()
                except InboxError as exc:
                    failed, message = True, str(exc)
            self.job.running, self.job.failed, self.job.message = False, failed, message

    def pull_status(self) -> dict[str, Any]:
        with self._lock:
            job = self.job
            return {
                "running": job.running,
                "done": job.done,
                "total": job.total,
                "message": job.message,
                "failed": job.failed,
            }
