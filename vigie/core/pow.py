"""Anti-spam proof-of-work: ALTCHA v2 with scrypt, bound to the idempotency key.

Why scrypt (N = `pow_cost`, r = 8, p = 1: 16 MiB at the default): it is
memory-hard like Argon2id, but measured here it leaves the attacker a smaller
lead over a browser (native ~23 ms vs hash-wasm in a Worker, ≈ 13× at a 4×
slower phone, against ≈ 23× for Argon2id 19 MiB), the server verifies it with
the standard library (`hashlib.scrypt`, no native dependency in the Lambda),
and a pure-JS scrypt exists for browsers without WebAssembly.

Why ALTCHA's non-deterministic mode: in deterministic mode the server runs
one KDF per challenge it hands out, and challenges are free to ask for; here
issuing a challenge costs one HMAC, and the one KDF is spent only on a
submission whose signature, binding and body already passed.

Difficulty is counted in leading zero *bits* of the derived key (2**bits
scrypt runs on average), finer than ALTCHA's hex `keyPrefix` (16× steps): the
signed challenge carries the required bits in `data.b`, and the browser keeps
searching while the person types and sends the best key it found. How many
zero bits a proof has is its effort; `effort_class` turns it into 2 bits.

The signed `data` also carries a hash of the client's idempotency key and the
issue day: one solved challenge stores at most one tip (its object name
derives from that key), no server memory, any number of Lambda instances agree.
No IP address or browser detail is involved.
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

from altcha.v2 import Payload, create_challenge, verify_solution

from .http import ApiError

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ALGORITHM = "SCRYPT"
BLOCK_SIZE = 8  # scrypt r: memory = 128 * N * r bytes
KEY_LENGTH = 32
_MAX_PAYLOAD = 2048  # a real X-Altcha payload is ~700 bytes
#: Extra zero bits (beyond the base difficulty) at which each effort class starts.
EFFORT_STEPS = (3, 6, 9)


class _SignatureValid(Exception):
    """Raised by the stand-in KDF: the library reached the KDF, so the signature holds."""


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


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def effort_class(zeros: int, base_bits: int) -> int:
    """0 to 3: how much more work than the minimum a proof shows (at most 2 bits)."""
    extra = zeros - base_bits
    return sum(1 for step in EFFORT_STEPS if extra >= step)


@dataclass(frozen=True)
class Proof:
    """A checked proof: the issue day (YYYY-MM-DD) and its leading zero bits."""

    day: str
    zeros: int


def _invalid() -> ApiError:
    return ApiError(403, "pow_invalid", "Preuve de travail invalide.")


def _stand_in(*_: Any) -> bytes:
    raise _SignatureValid


@dataclass(frozen=True)
class ProofOfWork:
    hmac_key: bytes
    cost: int
    bits: int
    expires_seconds: int
    clock: Callable[[], float]

    def challenge(self, key: str) -> dict[str, Any]:
        now = self.clock()
        day = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%d")
        challenge = create_challenge(
            ALGORITHM,
            self.cost,
            memory_cost=BLOCK_SIZE,
            parallelism=1,
            key_length=KEY_LENGTH,
            key_prefix="",  # the difficulty is `data.b` bits, checked by `verify`
            expires_at=int(now + self.expires_seconds),
            data={"k": _key_tag(key), "d": day, "b": self.bits},
            hmac_secret=self.hmac_key,
        )
        return dict(challenge.to_dict())

    def check_signed(self, payload: str | None, key: str) -> tuple[Payload, Proof]:
        """Cheap checks only (HMAC, expiry, binding): no KDF yet. Raise ApiError."""
        if not payload:
            raise ApiError(403, "pow_missing", "Preuve de travail absente : rechargez la page.")
        if len(payload) > _MAX_PAYLOAD:
            raise _invalid()
        try:
            parsed = Payload.from_dict(json.loads(base64.b64decode(payload, validate=True)))
            params = parsed.challenge.parameters
            data = params.data if isinstance(params.data, dict) else {}
            derived = bytes.fromhex(parsed.solution.derived_key)
        except Exception:  # any odd shape (types, base64, JSON, hex) means "invalid"
            raise _invalid() from None
        if params.algorithm != ALGORITHM or params.cost != self.cost or len(derived) != KEY_LENGTH:
            raise _invalid()
        try:
            # The stand-in KDF is reached only once expiry and signature passed.
            result = verify_solution(parsed, self.hmac_key, _stand_in)
        except _SignatureValid:
            result = None
        except Exception:
            raise _invalid() from None
        if result is not None and result.expired:
            raise self._expired()
        if result is not None:
            raise _invalid()
        expires = params.expires_at
        if not isinstance(expires, int) or expires < self.clock():
            raise self._expired()
        day, tag, bits = data.get("d"), data.get("k"), data.get("b")
        if (
            not isinstance(tag, str)
            or not hmac.compare_digest(tag, _key_tag(key))
            or not isinstance(day, str)
            or not re.fullmatch(r"\d{8}", day)
        ):
            raise ApiError(
                403, "pow_mismatch", "Cette preuve de travail a été émise pour un autre envoi."
            )
        zeros = leading_zero_bits(derived)
        if not isinstance(bits, int) or zeros < bits:
            raise _invalid()
        return parsed, Proof(f"{day[:4]}-{day[4:6]}-{day[6:]}", zeros)

    def check_work(self, parsed: Payload) -> None:
        """The one KDF: the derived key must really come from the counter."""
        try:
            result = verify_solution(parsed, self.hmac_key)
        except Exception:
            raise _invalid() from None
        if not result.verified:
            raise _invalid()

    @staticmethod
    def _expired() -> ApiError:
        return ApiError(
            403, "pow_expired", "Preuve de travail expirée : votre envoi va être relancé."
        )


def solve(challenge: dict[str, Any], bits: int | None = None, start: int = 0) -> str:
    """A native solver (tests, benches, and what a flooding script would run).

    Finds a counter whose derived key has at least `bits` (default: the
    challenge's `data.b`) leading zero bits; returns the X-Altcha payload.
    """
    from altcha.v2 import Challenge, Solution, derive_key_scrypt

    parsed = Challenge.from_dict(challenge)
    params = parsed.parameters
    need = int((params.data or {}).get("b", 0)) if bits is None else bits
    nonce, salt = bytes.fromhex(params.nonce), bytes.fromhex(params.salt)
    counter = start
    while True:
        derived = derive_key_scrypt(params, salt, nonce + counter.to_bytes(4, "big"))
        if leading_zero_bits(derived) >= need:
            return Payload(parsed, Solution(counter, derived.hex())).to_base64()
        counter += 1
