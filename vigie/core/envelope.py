"""The tip envelope: the one owner of Vigie's tip format (see docs/envelope.md).

A stored tip is a standard **age v1** file (X25519 recipients, one per analyst)
whose plaintext is a small versioned container:

    b"vigie-tip/2\\n" + manifest_json + b"\\n" + attachment bytes (in manifest order)

Version 2 adds the tip's language (`lang`), its `kind` (`tip`, or `followup`
for a reporter's answer to the analysts) and the anonymous follow-up fields
(`reply_key`, `reply_mailbox`, `reply_proof`). Version 1 (`vigie-tip/1`, no
such fields) is still read for as long as old tips are retained.

`manifest_json` is canonical JSON (UTF-8, keys sorted, no spaces, non-ASCII kept
as is), so the browser and Python produce the same bytes for the same tip; the
known-answer vectors in tests/vectors/ pin this. The intake never decrypts: it
only checks the *structure* of the age header (`check_age`). Analysts decrypt
with Vigie or with the plain `age` CLI.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# The age container (structure checks without a key) has its own module; its
# names are part of the envelope's interface.
from .agefile import ARMOR_BEGIN as ARMOR_BEGIN
from .agefile import AgeInfo as AgeInfo
from .agefile import EnvelopeError as EnvelopeError
from .agefile import check_age as check_age
from .agefile import dearmor as dearmor

# Version of the stored object format (an age v1 file; the intake cannot see
# the plaintext's version, so this one stays 1).
ENVELOPE_VERSION = 1
# The only metadata stored with an object (no time, no client detail).
STORE_METADATA = {"vigie-envelope": str(ENVELOPE_VERSION)}
# The plaintext container written now, and every version still read.
PLAINTEXT_VERSION = 2
PLAINTEXT_MAGIC = b"vigie-tip/2\n"
_READABLE_MAGIC = {b"vigie-tip/1\n": 1, b"vigie-tip/2\n": 2}

# Limits. The byte cap on the whole body is configuration ([intake] max_body_bytes).
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024
TEXT_LIMITS = {
    "place": 500,
    "landmark": 300,
    "when": 500,
    "description": 10_000,
    "vehicles": 1_000,
}
CATEGORIES = {
    "spot": "Point de deal",
    "delivery": "Livraison (coursier, scooter, voiture)",
    "stash": "Lieu de stockage (appartement, cave, garage)",
    "other": "Autre fait lié au trafic",
}
CHANNELS = ("web", "form")
# What a plaintext is: a tip, or a reporter's answer in a follow-up thread.
KINDS = ("tip", "followup")
# The reporter's language: the site's languages (French first, the default).
LANGS = ("fr", "en", "ar")
# Anonymous follow-up fields (derived in the reporter's browser, see
# docs/followup.md): an age X25519 public key, a 256-bit mailbox id and a
# 256-bit thread proof, both lowercase hex.
REPLY_KEY_RE = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
HEX256_RE = re.compile(r"^[0-9a-f]{64}$")
ATTACHMENT_TYPES = ("image/jpeg", "image/png")
# Coarse campaign code carried *inside* the ciphertext (e.g. "BSN-CENTRE").
CAMPAIGN_CODE_RE = re.compile(r"^[A-Z0-9]{2,12}(?:-[A-Z0-9]{1,12}){0,3}$")
CAMPAIGN_MAX = 32


# --------------------------------------------------------------------- plaintext


@dataclass(frozen=True)
class Attachment:
    type: str
    data: bytes

    def manifest(self) -> dict[str, Any]:
        return {
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "size": len(self.data),
            "type": self.type,
        }


@dataclass(frozen=True)
class Tip:
    """A tip as typed by the reporter. All text fields are plain strings."""

    category: str
    description: str
    place: str = ""
    landmark: str = ""
    when: str = ""
    vehicles: str = ""
    campaign: str = ""
    channel: str = "web"
    attachments: tuple[Attachment, ...] = field(default=())
    # Anonymous follow-up (all three set, or none): the reporter's age public
    # key, the mailbox id the analysts write the thread to, and the proof that
    # links a later answer to this tip. Derived in the browser from the
    # reporter's phrase; the phrase itself never leaves their page.
    reply_key: str = ""
    reply_mailbox: str = ""
    reply_proof: str = ""
    kind: str = "tip"
    lang: str = "fr"
    # The plaintext version it was read from (serialize_tip always writes the
    # current one).
    version: int = PLAINTEXT_VERSION

    def manifest(self) -> dict[str, Any]:
        return {
            "attachments": [a.manifest() for a in self.attachments],
            "campaign": self.campaign,
            "category": self.category,
            "channel": self.channel,
            "description": self.description,
            "format": "vigie-tip",
            "kind": self.kind,
            "landmark": self.landmark,
            "lang": self.lang,
            "place": self.place,
            "reply_key": self.reply_key,
            "reply_mailbox": self.reply_mailbox,
            "reply_proof": self.reply_proof,
            "vehicles": self.vehicles,
            "version": PLAINTEXT_VERSION,
            "when": self.when,
        }

    @property
    def has_followup(self) -> bool:
        return bool(self.reply_key)


def canonical_json(value: Any) -> bytes:
    """The one JSON encoding both sides use (JS: sorted keys + JSON.stringify)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def normalize_campaign(code: str) -> str:
    """Validate a campaign code from a poster URL; '' when absent."""
    code = code.strip().upper()
    if code and (len(code) > CAMPAIGN_MAX or not CAMPAIGN_CODE_RE.fullmatch(code)):
        raise EnvelopeError("bad_campaign", "code de campagne invalide")
    return code


def validate_tip(tip: Tip) -> Tip:
    if tip.category not in CATEGORIES:
        raise EnvelopeError("bad_category", "type de fait inconnu")
    if tip.channel not in CHANNELS:
        raise EnvelopeError("bad_channel", "canal inconnu")
    if not tip.description.strip():
        raise EnvelopeError("empty_description", "la description est obligatoire")
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(tip, name)) > limit:
            raise EnvelopeError("too_long", f"le champ « {name} » dépasse {limit} caractères")
    normalize_campaign(tip.campaign)
    if tip.kind not in KINDS:
        raise EnvelopeError("bad_kind", "nature du message inconnue")
    if tip.lang not in LANGS:
        raise EnvelopeError("bad_lang", "langue inconnue")
    reply = (tip.reply_key, tip.reply_mailbox, tip.reply_proof)
    if any(reply):
        if not (
            REPLY_KEY_RE.fullmatch(tip.reply_key)
            and HEX256_RE.fullmatch(tip.reply_mailbox)
            and HEX256_RE.fullmatch(tip.reply_proof)
        ):
            raise EnvelopeError("bad_reply", "données de suivi invalides")
    elif tip.kind == "followup":
        raise EnvelopeError("bad_reply", "une réponse de suivi doit porter sa boîte et sa preuve")
    if len(tip.attachments) > MAX_ATTACHMENTS:
        raise EnvelopeError("too_many_attachments", f"{MAX_ATTACHMENTS} photos au maximum")
    for a in tip.attachments:
        if a.type not in ATTACHMENT_TYPES:
            raise EnvelopeError("bad_attachment", "seules les photos JPEG ou PNG sont acceptées")
        if len(a.data) > MAX_ATTACHMENT_BYTES:
            raise EnvelopeError("bad_attachment", "photo trop volumineuse")
    return tip


def serialize_tip(tip: Tip) -> bytes:
    """Tip -> plaintext container bytes (validated first)."""
    validate_tip(tip)
    parts = [PLAINTEXT_MAGIC, canonical_json(tip.manifest()), b"\n"]
    parts.extend(a.data for a in tip.attachments)
    return b"".join(parts)


def _text(manifest: dict[str, Any], key: str) -> str:
    value = manifest.get(key, "")
    if not isinstance(value, str):
        raise EnvelopeError("bad_plaintext", f"champ {key} invalide")
    return value


def parse_tip(data: bytes) -> Tip:
    """Plaintext container bytes -> Tip. Raises EnvelopeError on any defect."""
    magic = data[: len(PLAINTEXT_MAGIC)]
    version = _READABLE_MAGIC.get(magic)
    if version is None:
        raise EnvelopeError("bad_plaintext", "format de signalement inconnu")
    end = data.find(b"\n", len(magic))
    if end < 0:
        raise EnvelopeError("bad_plaintext", "manifeste incomplet")
    try:
        manifest = json.loads(data[len(magic) : end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EnvelopeError("bad_plaintext", "manifeste illisible") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "vigie-tip":
        raise EnvelopeError("bad_plaintext", "manifeste invalide")
    if manifest.get("version") != version:
        raise EnvelopeError("bad_version", "version de signalement non prise en charge")
    raw = manifest.get("attachments", [])
    if not isinstance(raw, list):
        raise EnvelopeError("bad_plaintext", "liste de pièces jointes invalide")
    attachments: list[Attachment] = []
    offset = end + 1
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("size"), int):
            raise EnvelopeError("bad_plaintext", "pièce jointe invalide")
        size = item["size"]
        chunk = data[offset : offset + size]
        if size < 0 or len(chunk) != size:
            raise EnvelopeError("bad_plaintext", "pièce jointe tronquée")
        if hashlib.sha256(chunk).hexdigest() != item.get("sha256"):
            raise EnvelopeError("bad_plaintext", "pièce jointe corrompue")
        attachments.append(Attachment(type=_text(item, "type"), data=chunk))
        offset += size
    if offset != len(data):
        raise EnvelopeError("bad_plaintext", "octets en trop après les pièces jointes")
    tip = Tip(
        category=_text(manifest, "category"),
        description=_text(manifest, "description"),
        place=_text(manifest, "place"),
        landmark=_text(manifest, "landmark"),
        when=_text(manifest, "when"),
        vehicles=_text(manifest, "vehicles"),
        campaign=_text(manifest, "campaign"),
        channel=_text(manifest, "channel"),
        attachments=tuple(attachments),
        reply_key=_text(manifest, "reply_key"),
        version=version,
    )
    if version >= 2:
        tip = replace(
            tip,
            reply_mailbox=_text(manifest, "reply_mailbox"),
            reply_proof=_text(manifest, "reply_proof"),
            kind=_text(manifest, "kind"),
            lang=_text(manifest, "lang"),
        )
    elif tip.reply_key:
        # Version 1 reserved the field but no client ever set it: keep the
        # v1 reading exact rather than half a follow-up.
        raise EnvelopeError("bad_plaintext", "champ reply_key inattendu en version 1")
    return validate_tip(tip)


# ------------------------------------------------------------------------- seal
# Opening (decryption) lives in vigie.inbox.reader: the Lambda ships this
# module and must carry nothing that decrypts.


def seal(plaintext: bytes, recipients: Sequence[str]) -> bytes:
    """Encrypt to the analysts' public keys (the no-JS path and the tests)."""
    import pyrage  # imported here: the browser path never needs it

    keys = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    return bytes(pyrage.encrypt(plaintext, keys))
