"""The analyst at the keyboard: their cache, their keys, whom they trust, their store.

Built once by a command (vigie.inbox.cli, the desk) and passed to every
inbox function; the store is opened with the analyst's own credentials
(boto3's usual chain: profile, environment, SSO), never the Lambda's
write-only role.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigie.core import signing
from vigie.core.config import Config
from vigie.core.layout import RECEIPT_RE
from vigie.core.storage import TipStore, open_store

from .cache import Cache
from .errors import InboxError
from .keys import PassphraseSource, load_identities, load_signing_key, signing_key_path


@dataclass(frozen=True)
class Analyst:
    """Where this analyst's cache is, how to unlock their keys, and whom they trust.

    `signing_keys` and `intake_key` are the pinned public keys (`trust(cfg)`):
    only events signed by the former count, tips not signed by the latter are
    flagged as injected.
    """

    cache_dir: Path
    identity_files: tuple[Path, ...] = ()
    ask: PassphraseSource | None = None
    signing_keys: tuple[str, ...] = ()
    intake_key: str = ""
    signing_key_file: Path | None = None  # default: beside the first identity file

    @property
    def cache(self) -> Cache:
        return Cache(self.cache_dir)

    def identities(self) -> list[object]:
        if self.ask is None:
            raise InboxError("aucun moyen de demander la phrase de passe")
        return load_identities(self.identity_files, self.ask)

    def signer(self) -> Any:
        path = self.signing_key_file
        if path is None:
            if not self.identity_files:
                raise InboxError("indiquez votre clé avec --identity FICHIER (ou --signing-key)")
            path = signing_key_path(self.identity_files[0])
        if self.ask is None:
            raise InboxError("aucun moyen de demander la phrase de passe")
        return load_signing_key(path, self.ask)


def intake_public_key(cfg: Config) -> str:
    """The pinned intake key; else, on the machine that runs `vigie serve` (demo,
    `make run`), the public half of its own local key file (which nobody with
    only bucket access can write)."""
    if cfg.intake.signing_public_key:
        return cfg.intake.signing_public_key
    path = Path(cfg.intake.signing_key_file)
    try:
        key = signing.seed_key(bytes.fromhex(path.read_text().strip()))
    except (OSError, ValueError, signing.SigningError):
        return ""
    return signing.public_text(key)


def trust(cfg: Config) -> dict[str, Any]:
    """The Analyst fields that come from the configuration (pinned public keys)."""
    return {"signing_keys": cfg.analysts.signing_keys, "intake_key": intake_public_key(cfg)}


def open_analyst_store(cfg: Config) -> TipStore:
    if cfg.intake.store.startswith("s3://"):
        from vigie.core.storage.s3 import make_s3_client

        return open_store(cfg.intake, s3_client=make_s3_client(cfg.intake))
    return open_store(cfg.intake)


def check_receipt(receipt: str) -> str:
    receipt = receipt.strip().upper()
    if not RECEIPT_RE.match(receipt):
        raise InboxError(f"{receipt!r} n'est pas un numéro de dépôt (forme VG-XXXX-XXXX-XXXX)")
    return receipt


def require_pinned(cfg: Config, signer: Any) -> None:
    """Refuse before writing a triage event nobody would count (an unpinned signer)."""
    if signing.public_text(signer) not in cfg.analysts.signing_keys:
        raise InboxError(
            f"votre clé de signature ({signing.public_text(signer)}) n'est pas dans "
            f"[analysts] signing_keys de {cfg.source} : votre changement de statut serait "
            "ignoré par tous. Faites-la ajouter, puis recommencez."
        )
