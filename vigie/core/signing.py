"""Ed25519 signatures (PyNaCl, libsodium): who really wrote a stored object.

Tips and triage events are encrypted to *public* keys, so anyone who can write
to the bucket can make one that decrypts fine. Signatures tell the genuine
ones apart:

* the intake signs every tip it stores: `(day, receipt, SHA-256 of the
  ciphertext)`, in a sidecar object beside the tip (`vigie.core.layout`); the
  analysts pin the intake's public key (`[intake] signing_public_key`) and the
  inbox flags a tip without a valid signature as injected. The signed message
  holds nothing the object name does not already say (the day, not the time);
* each analyst signs their triage events with their own key (`vigie inbox
  keygen`), whose public half the cell pins (`[analysts] signing_keys`).

Why PyNaCl: a kept binding to libsodium, deterministic Ed25519, small (the
Lambda ships it), no hand-written crypto. Every message carries its own
domain label, so a signature made for one purpose never verifies for another.
Public keys are written `ed25519:` + standard base64 (44 characters).
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from .config import SIGNING_KEY_RE as PUBLIC_KEY_RE

SEED_BYTES = 32
_TIP_LABEL = b"vigie-intake-tip/1\n"
_SIDECAR_HEAD = b"vigie-intake-signature/1 "

__all__ = [
    "PUBLIC_KEY_RE",
    "SigningKey",
    "VerifyKey",
    "parse_public",
    "public_text",
    "seed_key",
    "sign",
    "tip_sidecar",
    "tip_sidecar_valid",
    "verify",
]


class SigningError(ValueError):
    """A malformed key (config or file); the message says which."""


def public_text(key: SigningKey | VerifyKey) -> str:
    verify_key = key.verify_key if isinstance(key, SigningKey) else key
    return "ed25519:" + base64.b64encode(bytes(verify_key)).decode("ascii")


def parse_public(text: str) -> VerifyKey:
    if not PUBLIC_KEY_RE.fullmatch(text):
        raise SigningError(f"{text!r} is not an Ed25519 public key (ed25519:BASE64)")
    return VerifyKey(base64.b64decode(text[len("ed25519:") :]))


def seed_key(seed: bytes) -> SigningKey:
    if len(seed) != SEED_BYTES:
        raise SigningError(f"an Ed25519 seed is {SEED_BYTES} bytes, not {len(seed)}")
    return SigningKey(seed)


def sign(key: SigningKey, label: bytes, message: bytes) -> bytes:
    """The 64-byte signature of `label + message`."""
    return bytes(key.sign(label + message).signature)


def verify(public: str, label: bytes, message: bytes, signature: bytes) -> bool:
    try:
        parse_public(public).verify(label + message, signature)
    except (SigningError, BadSignatureError, ValueError, TypeError):
        return False
    return True


def _tip_message(day: str, receipt: str, ciphertext: bytes) -> bytes:
    digest = hashlib.sha256(ciphertext).hexdigest()
    return f"{day}\n{receipt}\n{digest}".encode("ascii")


def tip_sidecar(key: SigningKey, day: str, receipt: str, ciphertext: bytes) -> bytes:
    """The sidecar object the intake stores beside a tip."""
    signature = sign(key, _TIP_LABEL, _tip_message(day, receipt, ciphertext))
    return _SIDECAR_HEAD + base64.b64encode(signature) + b"\n"


def tip_sidecar_valid(
    public: str, day: str, receipt: str, ciphertext: bytes, sidecar: bytes
) -> bool:
    """True if `sidecar` is the intake's signature of exactly this tip, day and receipt."""
    if not sidecar.startswith(_SIDECAR_HEAD) or len(sidecar) > 200:
        return False
    try:
        signature = base64.b64decode(sidecar[len(_SIDECAR_HEAD) :].strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return verify(public, _TIP_LABEL, _tip_message(day, receipt, ciphertext), signature)
