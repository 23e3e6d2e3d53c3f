"""Submit tips through the real intake (the Chalice app, proof-of-work included).

Used by tests of other parts (inbox, hardening) that need tips "submitted
through the real intake" rather than written to the store directly.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vigie.core import envelope, signing
from vigie.core.config import Config
from vigie.core.intake import Intake
from vigie.core.pow import solve
from vigie.core.storage import TipStore

TEST_SECRET = bytes(range(32))  # test-only HMAC secret, not a production value
# Test-only intake signing key (Ed25519 seed); tests pin its public half.
TEST_SIGNER = signing.seed_key(bytes(range(32, 64)))
TEST_SIGNING_PUBLIC = signing.public_text(TEST_SIGNER)

__all__ = ["TEST_SECRET", "human_solve", "new_key", "solve"]


def new_key() -> str:
    return secrets.token_urlsafe(24)


@contextmanager
def intake_client(cfg: Config, store: TipStore, clock: Any = None) -> Iterator[Any]:
    """A chalice.test.Client on the real app, wired to `store`."""
    import time

    from chalice.test import Client

    from vigie.serve import load_intake_app

    app_module = load_intake_app()
    app_module.configure(
        Intake(
            config=cfg,
            store=store,
            secret=TEST_SECRET,
            clock=clock or time.time,
            signer=TEST_SIGNER,
        )
    )
    with Client(app_module.app) as client:
        yield client


def get_challenge(client: Any, key: str) -> dict[str, Any]:
    answer = client.http.get("/api/challenge", headers={"Idempotency-Key": key})
    return dict(json.loads(answer.body))


def human_solve(challenge: dict[str, Any]) -> str:
    """A proof like a browser's after a person typed for a while: 6 bits above the
    base (effort class 2), so the inbox never takes these tips for a flood's."""
    return solve(challenge, bits=int(challenge["parameters"]["data"]["b"]) + 6)


def tip_headers(key: str, challenge: dict[str, Any]) -> dict[str, str]:
    """The headers of a tip POST: idempotency key and the solved proof-of-work."""
    return {
        "Content-Type": "application/octet-stream",
        "Idempotency-Key": key,
        "X-Altcha": human_solve(challenge),
    }


def post_tip(client: Any, body: bytes, key: str | None = None) -> Any:
    """Fetch a challenge for `key`, solve it, POST the ciphertext; return the response."""
    key = key or new_key()
    headers = tip_headers(key, get_challenge(client, key))
    return client.http.post("/api/tips", headers=headers, body=body)


def submit_tip(cfg: Config, store: TipStore, tip: envelope.Tip) -> str:
    """Encrypt `tip` to the configured recipients and submit it; return the receipt."""
    body = envelope.seal(envelope.serialize_tip(tip), cfg.require_recipients())
    with intake_client(cfg, store) as client:
        response = post_tip(client, body)
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["receipt"])
