"""Triage state shared by the cell: append-only, encrypted events in the store.

Each `mark` writes one new object `state/<RECEIPT>/<UTC timestamp>-<random>.age`
with a conditional write (`put_new`: If-None-Match / link), never updating an
existing object. Two analysts marking the same tip at the same moment therefore
write two different objects and both survive: no read-modify-write, no lost
update. The current state is the fold of a tip's events in timestamp order
(ties broken by the random part). Clocks of workstations may drift a little;
the history keeps every event, so nothing is lost even when order is debatable.

Events are encrypted to all configured analysts' keys: the store (and the
Lambda's role) only sees that *some* tip was triaged, never how or by whom.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigie.core import layout
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
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class Event:
    stamp: str  # the sortable part of the object name
    at: str  # ISO 8601 UTC
    status: str
    note: str
    assignee: str


@dataclass
class Triage:
    status: str = "new"
    assignee: str = ""
    events: list[Event] = field(default_factory=list)
    unreadable: int = 0  # state objects that could not be decrypted or parsed


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
) -> str:
    """Append one triage event for `receipt`; return its object key."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    when = now or datetime.now(UTC)
    payload = canonical_json(
        {
            "assignee": assignee,
            "at": when.astimezone(UTC).isoformat(timespec="seconds"),
            "format": _FORMAT,
            "note": note[:NOTE_LIMIT],
            "receipt": receipt,
            "status": status,
            "version": 1,
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


def parse_event(key: str, plaintext: bytes) -> Event | None:
    match = STATE_KEY_RE.match(key)
    if not match:
        return None
    try:
        data: Any = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    # The receipt inside must match the name: an event copied under another
    # tip's folder is ignored rather than trusted.
    if (
        not isinstance(data, dict)
        or data.get("format") != _FORMAT
        or data.get("receipt") != match.group(1)
        or data.get("status") not in STATUSES
        or not all(isinstance(data.get(k), str) for k in ("at", "note", "assignee"))
    ):
        return None
    return Event(match.group(2), data["at"], data["status"], data["note"], data["assignee"])


def fold(events: Sequence[Event]) -> Triage:
    """Current state: the last status wins; an empty assignee keeps the previous one."""
    state = Triage()
    for event in sorted(events, key=lambda e: e.stamp):
        state.status = event.status
        if event.assignee:
            state.assignee = event.assignee
        state.events.append(event)
    return state


def read_states(cache: Cache, identities: Sequence[Any]) -> dict[str, Triage]:
    """Triage state of every receipt that has events in the cache."""
    events: dict[str, list[Event]] = {}
    unreadable: dict[str, int] = {}
    for key in cache.keys(layout.STATE):
        match = STATE_KEY_RE.match(key)
        if not match:
            continue
        receipt = match.group(1)
        kind, plaintext, _problem = decrypt(cache.get(key), identities)
        event = parse_event(key, plaintext) if kind == "ok" else None
        if event is None:
            unreadable[receipt] = unreadable.get(receipt, 0) + 1
        else:
            events.setdefault(receipt, []).append(event)
    states = {r: fold(evs) for r, evs in events.items()}
    for receipt, count in unreadable.items():
        states.setdefault(receipt, Triage()).unreadable = count
    return states
