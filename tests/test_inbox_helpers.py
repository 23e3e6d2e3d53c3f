"""Helpers for the inbox tests (no tests here): configs on disk, tips, running the CLI.

Tips are submitted through the real intake (`tests/support/intake_client.py`,
proof-of-work included) except where a test needs an old date, which the
intake never writes: those are placed in the store exactly as the intake
stores them (same key layout, same envelope, same metadata).
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.intake_client import TEST_SIGNER, TEST_SIGNING_PUBLIC, submit_tip
from vigie.cli import main
from vigie.core import envelope, layout, signing
from vigie.core.config import Config
from vigie.core.storage import TipStore
from vigie.inbox.keys import signing_text

CROCKFORD = layout.CROCKFORD


def new_receipt() -> str:
    groups = ["".join(secrets.choice(CROCKFORD) for _ in range(4)) for _ in range(3)]
    return "VG-" + "-".join(groups)


def write_toml(
    cfg: Config, path: Path, retention_days: int = 90, signing_keys: Sequence[str] = ()
) -> Path:
    """The config a real deployment would have, as the CLI reads it (--config): the
    test intake's public key and the analysts' signing keys pinned."""
    recipients = ", ".join(f'"{r}"' for r in cfg.analysts.recipients)
    signers = ", ".join(f'"{k}"' for k in signing_keys)
    endpoint = (
        f's3_endpoint_url = "{cfg.intake.s3_endpoint_url}"\n' if cfg.intake.s3_endpoint_url else ""
    )
    path.write_text(
        f'[intake]\nstore = "{cfg.intake.store}"\n{endpoint}'
        f'signing_public_key = "{TEST_SIGNING_PUBLIC}"\n'
        f"[analysts]\nrecipients = [{recipients}]\nretention_days = {retention_days}\n"
        f"signing_keys = [{signers}]\n",
        encoding="utf-8",
    )
    return path


def new_signing_key(path: Path) -> str:
    """An analyst's signing key file (unprotected, as `keygen --no-passphrase`); its public key."""
    key = signing.SigningKey.generate()
    path.write_text(signing_text(key))
    path.chmod(0o600)
    return signing.public_text(key)


def png(color: str = "red", size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


def place_tip(
    cfg: Config, store: TipStore, tip: envelope.Tip, day: date, signed: bool = True
) -> str:
    """Store a tip dated `day` exactly as the intake would have stored it then (signed
    by the test intake key; `signed=False` for an object injected into the bucket)."""
    receipt = new_receipt()
    data = envelope.seal(envelope.serialize_tip(tip), cfg.require_recipients())
    key = layout.tip_key(day.isoformat(), receipt)
    if signed:
        sidecar = signing.tip_sidecar(TEST_SIGNER, day.isoformat(), receipt, data)
        assert store.put_new(layout.signature_key(key), sidecar, {"vigie-envelope": "1"})
    assert store.put_new(key, data, {"vigie-envelope": "1"})
    return receipt


def submit(cfg: Config, store: TipStore, tip: envelope.Tip) -> str:
    return submit_tip(cfg, store, tip)


@dataclass
class Result:
    code: int
    out: str
    err: str


def vigie(capsys: pytest.CaptureFixture[str], *argv: Any) -> Result:
    """Run the real `vigie` entry point in-process; an uncaught exception fails the test."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_one_line_error(result: Result, *words: str) -> None:
    assert result.code != 0
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in lines[0], lines[0]
