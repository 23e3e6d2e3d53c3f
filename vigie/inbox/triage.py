"""Triage state shared by the cell: append-only, encrypted events in the store.

Each `mark` writes one new object `state/<RECEIPT>/<UTC timestamp>-<random>.age`
with a conditional write (`put_new`: If-None-Match / link), never updating an
existing object. Two analysts marking the same tip at the same moment therefore
write two different objects and both survive: no read-modify-write, no lost
update. Clocks of workstations may drift a little; the history keeps every
event, so nothing is lost even when order is debatable.

Events are encrypted to all configured analysts' keys: the store (and the
Lambda's role) only sees that *some* tip was triaged, never how or by whom.

Encryption to public keys proves nothing about the author: anyone who can write
to the bucket can make an event that decrypts (`rejected / Commandant Durand`,
stamped 9999-12-31 so it always comes last). So each event is **signed** inside
the ciphertext by its analyst's Ed25519 key (vigie.core.signing, format version
2), and only events signed by a key pinned in `[analysts] signing_keys` count.
The fold orders them by the **signed** time (never the object name, which
anyone can choose), drops exact replays (same signature), and ignores, while
reporting them: unsigned events (version 1), forged or unknown signatures,
a receipt that is not the folder's, and times more than `MAX_CLOCK_SKEW` in the
future. A tip is therefore never kept at a forged status.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vigie.core import layout, signing
from vigie.core.envelope import STORE_METADATA, canonical_json, seal
from vigie.core.layout import STATE_KEY_RE
from vigie.core.storage import TipStore

from .cache import Cache
from .reader import decrypt

STATUSES = ("new", "in-progress", "actioned", "rejected")
STATUS_LABELS = {
    "new": "nouveau",
    "in-progress": "en cours",
    "actioned": "exploité",
    "rejected": "écarté",
}
_FORMAT = "vigie-triage"
_VERSION = 2
_LABEL = b"vigie-triage/2\n"
NOTE_LIMIT = 2000
# Workstation clocks drift; an event further in the future than this is refused.
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Event:
    stamp: str  # the sortable part of the object name
    at: str  # ISO 8601 UTC, signed
    status: str
    note: str
    assignee: str
    signer: str = ""  # the pinned public key that signed it
    signature: str = ""


@dataclass
class Triage:
    status: str = "new"
    assignee: str = ""
    events: list[Event] = field(default_factory=list)
    # Events encrypted for other keys than this analyst's (a colleague's key set):
    # they might be genuine, so purge keeps the tip rather than guess.
    unreadable: int = 0
    # Events that decrypted or were junk but do not count: why, one line each.
    ignored: list[str] = field(default_factory=list)


def event_key(receipt: str, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return layout.event_key(receipt, stamp, secrets.token_hex(8))


def mark(
    store: TipStore,
    cache: Cache | None,
    recipients: Sequence[str],
    receipt: str,
    status: str,
    note: str = "",
    assignee: str = "",
    now: datetime | None = None,
    signer: Any = None,
) -> str:
    """Append one triage event for `receipt`, signed by `signer`; return its object key."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if signer is None:
        raise ValueError("a triage event must be signed (an analyst's signing key)")
    when = now or datetime.now(UTC)
    event = {
        "assignee": assignee,
        "at": when.astimezone(UTC).isoformat(timespec="microseconds"),
        "note": note[:NOTE_LIMIT],
        "receipt": receipt,
        "signer": signing.public_text(signer),
        "status": status,
    }
    signature = signing.sign(signer, _LABEL, canonical_json(event))
    payload = canonical_json(
        {
            "event": event,
            "format": _FORMAT,
            "signature": base64.b64encode(signature).decode("ascii"),
            "version": _VERSION,
        }
    )
    sealed = seal(payload, recipients)
    while True:
        key = event_key(receipt, when)
        # A False here means the random suffix collided: pick another, never overwrite.
        if store.put_new(key, sealed, STORE_METADATA):
            break
    if cache is not None:
        cache.ensure()
        cache.put(key, sealed)
    return key


def _signed_time(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text)
        return at.astimezone(UTC) if at.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def parse_event(
    key: str, plaintext: bytes, signing_keys: Sequence[str] = (), now: datetime | None = None
) -> Event | str:
    """The verified event, or why it does not count (a short French reason)."""
    match = STATE_KEY_RE.match(key)
    if not match:
        return "nom d'objet inattendu"
    try:
        data: Any = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "contenu illisible"
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return "contenu illisible"
    if data.get("version") != _VERSION:
        return "non signé (ancien format ou forgé)"
    event, sig = data.get("event"), data.get("signature")
    if (
        not isinstance(event, dict)
        or not isinstance(sig, str)
        or event.get("status") not in STATUSES
        or not all(isinstance(event.get(k), str) for k in ("at", "note", "assignee", "signer"))
    ):
        return "contenu illisible"
    # The receipt inside must match the name: an event copied under another
    # tip's folder is ignored rather than trusted.
    if event.get("receipt") != match.group(1):
        return "copié depuis un autre signalement"
    if event["signer"] not in signing_keys:
        return "signé par une clé non épinglée dans [analysts] signing_keys"
    try:
        raw_sig = base64.b64decode(sig, validate=True)
    except (binascii.Error, ValueError):
        return "signature invalide (forgé)"
    if not signing.verify(event["signer"], _LABEL, canonical_json(event), raw_sig):
        return "signature invalide (forgé)"
    at = _signed_time(event["at"])
    if at is None:
        return "date signée illisible"
    if at > (now or datetime.now(UTC)) + MAX_CLOCK_SKEW:
        return f"daté du futur ({event['at']})"
    return Event(
        match.group(2), event["at"], event["status"], event["note"], event["assignee"],
        event["signer"], sig,
    )  # fmt: skip


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _order(event: Event) -> tuple[datetime, str, str]:
    # The signed time first (never the object name, which a bucket writer chooses).
    return (_signed_time(event.at) or _EARLIEST, event.signature, event.stamp)


def fold(events: Sequence[Event]) -> Triage:
    """Current state: the last status by signed time wins; an empty assignee keeps the
    previous one. A replayed copy of an event (same signature) counts once."""
    state = Triage()
    seen: set[str] = set()
    for event in sorted(events, key=_order):
        if event.signature and event.signature in seen:
            continue
        seen.add(event.signature)
        state.status = event.status
        if event.assignee:
            state.assignee = event.assignee
        state.events.append(event)
    return state


def read_states(
    cache: Cache,
    identities: Sequence[Any],
    signing_keys: Sequence[str] = (),
    now: datetime | None = None,
) -> dict[str, Triage]:
    """Triage state of every receipt that has events in the cache (verified ones only)."""
    events: dict[str, list[Event]] = {}
    unreadable: dict[str, int] = {}
    ignored: dict[str, list[str]] = {}
    for key in cache.keys(layout.STATE):
        match = STATE_KEY_RE.match(key)
        if not match:
            continue
        receipt = match.group(1)
        kind, plaintext, _problem = decrypt(cache.get(key), identities)
        if kind == "foreign":
            unreadable[receipt] = unreadable.get(receipt, 0) + 1
            continue
        event = parse_event(key, plaintext, signing_keys, now) if kind == "ok" else "objet abîmé"
        if isinstance(event, str):
            ignored.setdefault(receipt, []).append(f"{key.rsplit('/', 1)[-1]} : {event}")
        else:
            events.setdefault(receipt, []).append(event)
    states = {r: fold(evs) for r, evs in events.items()}
    for receipt, count in unreadable.items():
        states.setdefault(receipt, Triage()).unreadable = count
    for receipt, reasons in ignored.items():
        states.setdefault(receipt, Triage()).ignored = reasons
    return states
