"""Decrypting cached tips, one at a time, in memory only.

Every object becomes an `Entry` whose `kind` says what happened:

* `ok`      — decrypted and parsed (`tip` is set);
* `foreign` — a valid age file for other recipients (none of the analyst's keys);
* `damaged` — not an age file, truncated, or a plaintext that is not a tip.

One bad object never stops a listing: each is reported with its name and the
rest still works. Plaintext stays in memory; nothing decrypted is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyrage

from vigie.core.envelope import EnvelopeError, Tip, check_age, dearmor, parse_tip
from vigie.core.layout import KEPT, TIP_KEY_RE, TIPS, is_receipt_file

from .cache import Cache

Kind = Literal["ok", "foreign", "damaged"]
# pyrage raises one DecryptError class for every failure; its message is the
# only way to tell "not for these keys" from "corrupted payload".
_NO_MATCH = "no matching keys"


@dataclass(frozen=True)
class Entry:
    key: str
    receipt: str
    day: str  # YYYY-MM-DD from the object name ("" if the name is not a tip name)
    kind: Kind
    tip: Tip | None = None
    problem: str = ""


def open_sealed(ciphertext: bytes, identities: Sequence[Any]) -> bytes:
    """Decrypt with pyrage identities (analysts only: the intake never decrypts)."""
    return bytes(pyrage.decrypt(dearmor(ciphertext), list(identities)))


def decrypt(data: bytes, identities: Sequence[Any]) -> tuple[Kind, bytes, str]:
    """(kind, plaintext, problem) for one age object."""
    try:
        check_age(data)
    except EnvelopeError as exc:
        return "damaged", b"", f"objet abîmé : {exc}"
    try:
        return "ok", open_sealed(data, identities), ""
    except pyrage.DecryptError as exc:
        if _NO_MATCH in str(exc).lower():
            return "foreign", b"", "chiffré pour d'autres clés que les vôtres"
        return "damaged", b"", "objet abîmé : déchiffrement impossible (tronqué ou altéré)"


def open_entry(key: str, data: bytes, identities: Sequence[Any]) -> Entry:
    match = TIP_KEY_RE.match(key)
    if not match:
        name = key.rsplit("/", 1)[-1]
        return Entry(key, name, "", "damaged", problem="nom d'objet inattendu")
    day, receipt = match.group(2), match.group(3)
    kind, plaintext, problem = decrypt(data, identities)
    if kind != "ok":
        return Entry(key, receipt, day, kind, problem=problem)
    try:
        tip = parse_tip(plaintext)
    except EnvelopeError as exc:
        return Entry(key, receipt, day, "damaged", problem=f"contenu illisible : {exc}")
    return Entry(key, receipt, day, "ok", tip=tip)


def read_tips(cache: Cache, identities: Sequence[Any]) -> list[Entry]:
    """All cached tips, one entry per receipt, sorted by day then receipt.

    A receipt can exist twice (`tips/` and its `kept/` copy once actioned): the
    first copy that decrypts wins, so a damaged duplicate does not hide a tip.
    """
    best: dict[str, Entry] = {}
    for prefix in (TIPS, KEPT):
        for key in cache.keys(prefix):
            entry = open_entry(key, cache.get(key), identities)
            current = best.get(entry.receipt)
            if current is None or (current.kind != "ok" and entry.kind == "ok"):
                best[entry.receipt] = entry
    return sorted(best.values(), key=lambda e: (e.day, e.receipt))


def find_tip(cache: Cache, receipt: str, identities: Sequence[Any]) -> Entry | None:
    """One receipt, without decrypting the others (a good copy beats a damaged one)."""
    found: Entry | None = None
    for prefix in (TIPS, KEPT):
        for key in cache.keys(prefix):
            if is_receipt_file(key, receipt):  # any effort suffix
                entry = open_entry(key, cache.get(key), identities)
                if entry.kind == "ok":
                    return entry
                found = found or entry
    return found
