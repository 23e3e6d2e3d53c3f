"""The follow-up phrase and what it derives to: the Python owner (docs/followup.md).

A reporter who ticks « Je veux pouvoir recevoir une question des enquêteurs »
gets 16 random bytes (the *seed*, 128 bits) shown as a 12-word BIP39 phrase in
French, with its checksum: the « phrase de suivi ». Everything else comes from
the seed with HKDF-SHA256 (RFC 5869), one fixed application salt and one label
per output, so no output says anything about another:

* `age-identity` → 32 bytes used as an age X25519 identity (`AGE-SECRET-KEY-1…`);
  its public key (`age1…`) goes into the tip as `reply_key`, and the analysts
  encrypt their questions to it;
* `mailbox` → 256-bit mailbox id (lowercase hex): where the thread is stored,
  and the only thing the intake ever sees (in a POST body, never a URL);
* `thread-proof` → 256-bit proof (lowercase hex), only ever inside ciphertext:
  a later answer carrying it was written by whoever holds the phrase, so the
  analysts can thread it under the first tip (someone who only learned the
  mailbox id, e.g. the bucket operator, cannot forge that link).

The browser twin is `tools/bundle/entry.js` (bundled into site/assets/form/age.js);
tests/vectors/followup.json pins both (tests/test_followup_vectors.py runs them
in Python and in Chromium). Nothing here is used by the intake, which only
checks the mailbox id's format (vigie.core.layout.MAILBOX_RE), so the Lambda
needs none of these libraries.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache

import bech32
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from mnemonic import Mnemonic

SEED_BYTES = 16  # 128 bits: 12 BIP39 words (11 bits each, 4 of them checksum)
WORDS = 12
PREFIX_LETTERS = 4  # the French list is unique on its first 4 letters, accents aside
SALT = b"vigie/followup/v1"
LABEL_IDENTITY = b"age-identity"
LABEL_MAILBOX = b"mailbox"
LABEL_PROOF = b"thread-proof"


class PhraseError(ValueError):
    """A phrase that is not 12 words of the list with a valid checksum."""


@dataclass(frozen=True)
class FollowupKeys:
    phrase: str  # 12 words (NFC, as in the list), single spaces
    identity: str  # AGE-SECRET-KEY-1...
    recipient: str  # age1... (the tip's reply_key)
    mailbox: str  # 64 lowercase hex
    proof: str  # 64 lowercase hex


@cache
def _list() -> Mnemonic:
    return Mnemonic("french")


def fold(text: str) -> str:
    """Lower case, accents removed: how a typed word is compared to the list."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _by_prefix() -> dict[str, str]:
    """First four folded letters -> the list's word (its own NFKD spelling)."""
    table = {fold(w)[:PREFIX_LETTERS]: w for w in _list().wordlist}
    assert len(table) == len(_list().wordlist), "BIP39 French list: 4-letter prefixes clash"
    return table


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def phrase_for(seed: bytes) -> str:
    """The 12 words for a 16-byte seed (NFC, as people read them)."""
    if len(seed) != SEED_BYTES:
        raise ValueError("the follow-up seed is 16 bytes")
    return unicodedata.normalize("NFC", _list().to_mnemonic(seed))


def seed_from_phrase(text: str) -> bytes:
    """The seed of a typed phrase; tolerant of case, accents, extra spaces and of
    words cut after their first four letters. The checksum is checked first: a
    mistyped phrase is refused before anything is derived (or sent)."""
    typed = fold(text).split()
    if len(typed) != WORDS:
        raise PhraseError(f"la phrase de suivi compte {WORDS} mots ({len(typed)} reçus)")
    words = []
    for n, token in enumerate(typed, 1):
        word = _by_prefix().get(token[:PREFIX_LETTERS]) if len(token) >= PREFIX_LETTERS else None
        if word is None or not fold(word).startswith(token):
            raise PhraseError(f"le mot n° {n} n'est pas dans la liste")
        words.append(word)
    try:
        return bytes(_list().to_entropy(words))
    except ValueError:
        raise PhraseError("phrase de suivi incorrecte (somme de contrôle)") from None


def _hkdf(seed: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=label).derive(seed)


def _bech32(hrp: str, data: bytes) -> str:
    five = bech32.convertbits(data, 8, 5)
    assert five is not None
    return bech32.bech32_encode(hrp, five)


def derive(seed: bytes) -> FollowupKeys:
    """Every follow-up value of one seed."""
    phrase = phrase_for(seed)
    secret = _hkdf(seed, LABEL_IDENTITY)
    # Any 32 bytes are a valid X25519 secret (the scalar is clamped when used);
    # age spells it in upper-case bech32.
    public = (
        X25519PrivateKey.from_private_bytes(secret)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return FollowupKeys(
        phrase=phrase,
        identity=_bech32("age-secret-key-", secret).upper(),
        recipient=_bech32("age", public),
        mailbox=_hkdf(seed, LABEL_MAILBOX).hex(),
        proof=_hkdf(seed, LABEL_PROOF).hex(),
    )


def from_phrase(text: str) -> FollowupKeys:
    return derive(seed_from_phrase(text))
