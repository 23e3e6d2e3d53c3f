"""The age v1 container as the intake sees it: structure only, never a key.

The intake stores only what an analyst's tools can open, so it checks the
outside of every submitted file (vigie.core.envelope owns what is inside):
the version line, 1 to MAX_RECIPIENTS X25519 stanzas, a few bounded "grease"
stanzas (rage adds them), the MAC line, and a payload whose length is a
possible STREAM encoding. Each loop is bounded: a header line is looked for
within 200 bytes, so hostile input costs a linear scan at most.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass

AGE_VERSION_LINE = b"age-encryption.org/v1"
ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = b"-----END AGE ENCRYPTED FILE-----"
MAX_RECIPIENTS = 16  # stanzas in one header; far above any real cell
_B64_43 = re.compile(rb"^[A-Za-z0-9+/]{43}$")
_B64_BODY = re.compile(rb"^[A-Za-z0-9+/]{0,64}$")
_VCHARS = re.compile(rb"^[\x21-\x7e]+$")
_MAX_GREASE = 4
_MAX_GREASE_LINES = 4
_STREAM_CHUNK = 64 * 1024 + 16  # age STREAM: 64 KiB plaintext + 16-byte Poly1305 tag
_NONCE = 16


class EnvelopeError(ValueError):
    """Input that is not a valid tip envelope. `code` is a stable machine code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AgeInfo:
    """What the intake learns from an age file without any key."""

    data: bytes  # binary age file (ASCII armor removed)
    recipients: int
    header_bytes: int
    payload_bytes: int


def dearmor(data: bytes) -> bytes:
    """Return binary age bytes; ASCII-armored input is decoded strictly."""
    stripped = data.strip()
    if not stripped.startswith(ARMOR_BEGIN):
        return data
    if not stripped.endswith(ARMOR_END):
        raise EnvelopeError("bad_armor", "armure ASCII age incomplète")
    body = stripped[len(ARMOR_BEGIN) : -len(ARMOR_END)]
    lines = [line.strip() for line in body.split(b"\n") if line.strip()]
    if any(len(line) > 64 for line in lines):
        raise EnvelopeError("bad_armor", "armure ASCII age mal formée")
    try:
        return base64.b64decode(b"".join(lines), validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("bad_armor", "armure ASCII age mal formée") from None


def _b64_line(line: bytes) -> bool:
    return bool(_B64_43.match(line))


def _skip_body(next_line: Callable[[], bytes]) -> None:
    """A stanza body: full 64-column base64 lines, ended by a shorter one."""
    for _ in range(_MAX_GREASE_LINES):
        line = next_line()
        if not _B64_BODY.match(line):
            raise EnvelopeError("not_age", "en-tête age invalide")
        if len(line) < 64:
            return
    raise EnvelopeError("not_age", "en-tête age invalide")


def check_age(data: bytes, expected_recipients: int | None = None) -> AgeInfo:
    """Validate the structure of an age v1 file made for X25519 recipients.

    Checks: the version line, 1..MAX_RECIPIENTS `-> X25519` stanzas each with a
    32-byte share and a 32-byte wrapped key, the `---` MAC line, and a payload
    whose length is a possible STREAM encoding. Anything else is refused: the
    intake stores only what an analyst's tools can open.
    """
    data = dearmor(data)
    pos = 0
    recipients = 0
    grease = 0

    def next_line() -> bytes:
        nonlocal pos
        end = data.find(b"\n", pos, pos + 200)
        if end < 0:
            raise EnvelopeError("not_age", "ce n'est pas un fichier age valide (en-tête)")
        line = data[pos:end]
        pos = end + 1
        return line

    if next_line() != AGE_VERSION_LINE:
        raise EnvelopeError("not_age", "ce n'est pas un fichier age v1")
    while True:
        line = next_line()
        if line.startswith(b"--- "):
            if not _b64_line(line[4:]):
                raise EnvelopeError("not_age", "ligne MAC age invalide")
            break
        parts = line.split(b" ")
        if len(parts) >= 2 and parts[0] == b"->" and parts[1].endswith(b"-grease"):
            # rage (pyrage) adds "grease" stanzas so parsers stay tolerant; skip
            # a few, bounded, with a well-formed base64 body.
            grease += 1
            if grease > _MAX_GREASE or any(not _VCHARS.match(a) for a in parts[1:]):
                raise EnvelopeError("not_age", "en-tête age invalide")
            _skip_body(next_line)
            continue
        if len(parts) != 3 or parts[:2] != [b"->", b"X25519"] or not _b64_line(parts[2]):
            raise EnvelopeError("not_age", "destinataire age non pris en charge (X25519 attendu)")
        if not _b64_line(next_line()):
            raise EnvelopeError("not_age", "bloc de destinataire age invalide")
        recipients += 1
        if recipients > MAX_RECIPIENTS:
            raise EnvelopeError("not_age", "trop de destinataires dans l'en-tête age")
    if recipients == 0:
        raise EnvelopeError("not_age", "aucun destinataire dans l'en-tête age")
    if expected_recipients is not None and recipients != expected_recipients:
        raise EnvelopeError(
            "wrong_recipients", "ce signalement n'est pas chiffré pour les clés attendues"
        )
    payload = len(data) - pos
    body = payload - _NONCE
    last = body % _STREAM_CHUNK
    # Only the sole chunk of an empty plaintext may be a bare 16-byte tag.
    if body < 16 or (last != 0 and last <= 16 and body != 16):
        raise EnvelopeError("not_age", "contenu age tronqué ou de taille impossible")
    return AgeInfo(data=data, recipients=recipients, header_bytes=pos, payload_bytes=payload)
