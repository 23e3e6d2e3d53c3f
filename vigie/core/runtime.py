"""Assemble an `Intake` from configuration: the edge where env and files are read.

Called lazily on the first request (Lambda) or once by `vigie serve`, never at
import time. The HMAC secret comes from `$VIGIE_SECRET` (Lambda: set at deploy
time, never committed) or from `[intake] secret_file` (local runs create it,
mode 0600, in the git-ignored `.vigie/`). The intake's Ed25519 signing key
(it signs every stored tip) comes the same way: `$VIGIE_SIGNING_KEY` (hex seed,
from Secrets Manager like the secret) or `[intake] signing_key_file`.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .config import Config, ConfigError
from .intake import Intake
from .storage.factory import open_store

_MIN_SECRET = 32


def _decode_secret(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{where}: the intake secret must be hex") from None
    if len(raw) < _MIN_SECRET:
        raise ConfigError(f"{where}: the intake secret must be at least {_MIN_SECRET} bytes")
    return raw


def load_secret(cfg: Config, env: Mapping[str, str], create: bool = False) -> bytes:
    if env.get("VIGIE_SECRET"):
        return _decode_secret(env["VIGIE_SECRET"], "VIGIE_SECRET")
    path = Path(cfg.intake.secret_file)
    if not path.exists() and create:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(_MIN_SECRET) + "\n")
    try:
        return _decode_secret(path.read_text(), str(path))
    except OSError:
        raise ConfigError(
            f"{cfg.source}: [intake] secret_file: cannot read {path}; set VIGIE_SECRET "
            "(hex, 32 bytes or more) or run `vigie serve` once to create it"
        ) from None


def _create_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def load_signing_key(cfg: Config, env: Mapping[str, str], create: bool = False) -> Any:
    """The intake's signing key; refuses one whose public half is not the pinned one."""
    from . import signing

    if env.get("VIGIE_SIGNING_KEY"):
        text, where = env["VIGIE_SIGNING_KEY"], "VIGIE_SIGNING_KEY"
    else:
        path = Path(cfg.intake.signing_key_file)
        if not path.exists() and create:
            _create_private(path, secrets.token_hex(signing.SEED_BYTES) + "\n")
        try:
            text, where = path.read_text(), str(path)
        except OSError:
            raise ConfigError(
                f"{cfg.source}: [intake] signing_key_file: cannot read {path}; set "
                "VIGIE_SIGNING_KEY (hex, 32 bytes) or run `vigie serve` once to create it"
            ) from None
    try:
        key = signing.seed_key(bytes.fromhex(text.strip()))
    except (ValueError, signing.SigningError):
        raise ConfigError(f"{where}: the intake signing key must be 32 bytes in hex") from None
    pinned = cfg.intake.signing_public_key
    if pinned and pinned != signing.public_text(key):
        # Every tip would then look injected to the analysts: refuse to start.
        raise ConfigError(
            f"{cfg.source}: [intake] signing_public_key {pinned} is not the public half of "
            f"{where} ({signing.public_text(key)})"
        )
    return key


def build_intake(
    cfg: Config,
    env: Mapping[str, str],
    *,
    s3_client: Any = None,
    clock: Callable[[], float] = time.time,
    create_secret: bool = False,
) -> Intake:
    cfg.require_recipients()
    secret = load_secret(cfg, env, create=create_secret)
    return Intake(
        config=cfg,
        store=open_store(cfg.intake, s3_client),
        secret=secret,
        clock=clock,
        signer=load_signing_key(cfg, env, create=create_secret),
    )
