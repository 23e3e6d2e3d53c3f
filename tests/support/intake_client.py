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

from altcha.v1 import Payload as PayloadV1
from altcha.v1 import solve_challenge as solve_challenge_v1

from vigie.core import envelope, signing
from vigie.core.config import Config
from vigie.core.intake import Intake
from vigie.core.storage import TipStore

TEST_SECRET = bytes(range(32))  # test-only HMAC secret, not a production value
# Test-only intake signing key (Ed25519 seed); tests pin its public half.
TEST_SIGNER = signing.seed_key(bytes(range(32, 64)))
TEST_SIGNING_PUBLIC = signing.public_text(TEST_SIGNER)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def solve(challenge: dict[str, Any]) -> str:
    """Solve an ALTCHA v1 challenge the way the browser's worker does."""
    solution = solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"], 0
    )
    assert solution is not None, "challenge not solvable"
    return str(
        PayloadV1(
            challenge["algorithm"],
            challenge["challenge"],
            solution.number,
            challenge["salt"],
            challenge["signature"],
        ).to_base64()
    )


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
    return dict(json.loads(client.http.get(f"/api/challenge?key={key}").body))


def tip_headers(key: str, challenge: dict[str, Any]) -> dict[str, str]:
    """The headers of a tip POST: idempotency key and the solved proof-of-work."""
    return {
        "Content-Type": "application/octet-stream",
        "Idempotency-Key": key,
        "X-Altcha": solve(challenge),
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
