"""Anti-spam proof-of-work (ALTCHA v1, self-hosted), bound to the idempotency key.

The challenge's salt carries, under the server's HMAC signature, a hash of the
client's idempotency key and the day it was issued. So one solved challenge can
store at most one tip (its object name derives from that key), a replay with
another key is refused, and the whole scheme needs no server-side memory: any
number of Lambda instances agree. No IP address or browser detail is involved.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from altcha.v1 import ChallengeOptions as ChallengeOptionsV1
from altcha.v1 import create_challenge as create_challenge_v1
from altcha.v1 import extract_params as extract_params_v1
from altcha.v1 import verify_solution as verify_solution_v1

from .http import ApiError

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_MAX_PAYLOAD = 2048  # a real X-Altcha payload is ~300 bytes


def check_idempotency_key(key: str | None) -> str:
    if key is None or not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise ApiError(
            400,
            "bad_idempotency_key",
            "Clé d'idempotence absente ou invalide "
            "(16 à 64 caractères parmi A-Z, a-z, 0-9, - et _).",
        )
    return key


def _key_tag(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:32]


@dataclass(frozen=True)
class ProofOfWork:
    hmac_key: bytes
    max_number: int
    expires_seconds: int
    clock: Callable[[], float]

    def challenge(self, key: str) -> dict[str, Any]:
        now = self.clock()
        day = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%d")
        options = ChallengeOptionsV1(
            hmac_key=self.hmac_key,
            max_number=self.max_number,
            expires=dt.datetime.fromtimestamp(now + self.expires_seconds, dt.UTC),
            params={"k": _key_tag(key), "d": day},
        )
        return dict(create_challenge_v1(options).to_dict())

    def verify(self, payload: str | None, key: str) -> str:
        """Check the solved payload for `key`; return the issue day (YYYY-MM-DD)."""
        if not payload:
            raise ApiError(403, "pow_missing", "Preuve de travail absente : rechargez la page.")
        if len(payload) > _MAX_PAYLOAD:
            raise ApiError(403, "pow_invalid", "Preuve de travail invalide.")
        try:
            ok, error = verify_solution_v1(payload, self.hmac_key, check_expires=False)
        except Exception:  # the library may raise on odd JSON shapes: all mean "invalid"
            ok, error = False, "invalid"
        if not ok or error:
            raise ApiError(403, "pow_invalid", "Preuve de travail invalide.")
        params = extract_params_v1(json.loads(base64.b64decode(payload)))
        expires = params.get("expires", [""])[0]
        tag = params.get("k", [""])[0]
        day = params.get("d", [""])[0]
        if not expires.isdigit() or int(expires) < self.clock():
            raise ApiError(
                403, "pow_expired", "Preuve de travail expirée : votre envoi va être relancé."
            )
        if not hmac.compare_digest(tag, _key_tag(key)) or not re.fullmatch(r"\d{8}", day):
            raise ApiError(
                403, "pow_mismatch", "Cette preuve de travail a été émise pour un autre envoi."
            )
        return f"{day[:4]}-{day[4:6]}-{day[6:]}"
