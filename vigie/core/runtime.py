"""Assemble an `Intake` from configuration: the edge where env and files are read.

Called lazily on the first request (Lambda) or once by `vigie serve`, never at
import time. The HMAC secret comes, in this order, from `$VIGIE_SECRET` (hex,
for local runs and tests), from Secrets Manager when `[intake] secret_arn` is
set (the Lambda: read once per cold start, so the value is in no environment
variable that `lambda:GetFunctionConfiguration` would show), or from
`[intake] secret_file` (local runs create it, mode 0600, in the git-ignored
`.vigie/`).

The intake's Ed25519 signing key (it signs every stored tip) comes from
`$VIGIE_SIGNING_KEY` (hex seed) or `[intake] signing_key_file` (created on the
first local run); in the Lambda, where the HMAC secret comes from Secrets
Manager, it is derived from that secret (a domain-separated SHA-256), so the
deployment needs no second secret and no key in any environment variable.
"""

from __future__ import annotations

import hashlib
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


def make_secrets_client(secret_arn: str) -> Any:
    """A Secrets Manager client in the secret's own region (boto3 imported lazily)."""
    import boto3
    from botocore.config import Config as BotoConfig

    parts = secret_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else None
    return boto3.client(
        "secretsmanager",
        region_name=region,
        config=BotoConfig(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}),
    )


def fetch_secret(secret_arn: str, client: Any) -> bytes:
    """The HMAC secret from Secrets Manager: its SecretString is the hex value."""
    try:
        value = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    except Exception as exc:  # botocore's errors: name the type only, never the value
        raise ConfigError(
            f"[intake] secret_arn: cannot read the secret ({type(exc).__name__})"
        ) from None
    return _decode_secret(str(value), "[intake] secret_arn")


def load_secret(
    cfg: Config, env: Mapping[str, str], create: bool = False, secrets_client: Any = None
) -> bytes:
    if env.get("VIGIE_SECRET"):
        return _decode_secret(env["VIGIE_SECRET"], "VIGIE_SECRET")
    if cfg.intake.secret_arn:
        arn = cfg.intake.secret_arn
        return fetch_secret(arn, secrets_client or make_secrets_client(arn))
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


def derived_signing_seed(secret: bytes) -> bytes:
    """The signing seed the Lambda derives from its HMAC secret (see the docstring)."""
    return hashlib.sha256(b"vigie-intake-signing-key/1\n" + secret).digest()


def load_signing_key(
    cfg: Config, env: Mapping[str, str], create: bool = False, secret: bytes | None = None
) -> Any:
    """The intake's signing key; refuses one whose public half is not the pinned one."""
    from . import signing

    if env.get("VIGIE_SIGNING_KEY"):
        text, where = env["VIGIE_SIGNING_KEY"], "VIGIE_SIGNING_KEY"
    elif cfg.intake.secret_arn and secret is not None and not env.get("VIGIE_SECRET"):
        text, where = derived_signing_seed(secret).hex(), "the intake secret (derived)"
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
    secrets_client: Any = None,
    clock: Callable[[], float] = time.time,
    create_secret: bool = False,
) -> Intake:
    cfg.require_recipients()
    secret = load_secret(cfg, env, create=create_secret, secrets_client=secrets_client)
    return Intake(
        config=cfg,
        store=open_store(cfg.intake, s3_client),
        secret=secret,
        clock=clock,
        signer=load_signing_key(cfg, env, create=create_secret, secret=secret),
    )
