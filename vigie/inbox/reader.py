"""Decrypting cached tips, one at a time, in memory only.

Every object becomes an `Entry` whose `kind` says what happened:

* `ok`      — decrypted and parsed (`tip` is set);
* `foreign` — a valid age file for other recipients (none of the analyst's keys);
* `damaged` — not an age file, truncated, or a plaintext that is not a tip.

One bad object never stops a listing: each is reported with its name and the
rest still works. Plaintext stays in memory; nothing decrypted is written here.

Each entry also says where it comes from (`origin`), from the intake's signed
sidecar (vigie.core.signing) checked against the pinned public key:

* `intake`       — signed by the intake, for this day, receipt and ciphertext;
* `unsigned`     — no signature: written to the bucket by someone else (injected);
* `forged`       — a signature that does not verify (altered or moved object);
* `unverifiable` — no intake key pinned: nothing can be said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import pyrage

from vigie.core import signing
from vigie.core.envelope import EnvelopeError, Tip, check_age, dearmor, parse_tip
from vigie.core.layout import KEPT, SIG_KEY_RE, TIP_KEY_RE, TIPS, is_receipt_file, signature_key
from vigie.core.storage import ObjectMissing

from .cache import Cache

Kind = Literal["ok", "foreign", "damaged"]
Origin = Literal["", "intake", "unsigned", "forged", "unverifiable"]
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
    origin: Origin = ""  # "" when not checked

    @property
    def injected(self) -> bool:
        """True when the intake provably did not store this object as it is."""
        return self.origin in ("unsigned", "forged")


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


def origin_of(cache: Cache, entry: Entry, data: bytes, intake_key: str) -> Origin:
    """Check the intake's sidecar signature of one cached tip object."""
    if not intake_key:
        return "unverifiable"
    if not entry.day:
        return "unsigned"
    try:
        sidecar = cache.get(signature_key(entry.key))
    except ObjectMissing:
        return "unsigned"
    ok = signing.tip_sidecar_valid(intake_key, entry.day, entry.receipt, data, sidecar)
    return "intake" if ok else "forged"


def _open_checked(cache: Cache, key: str, identities: Sequence[Any], intake_key: str) -> Entry:
    data = cache.get(key)
    entry = open_entry(key, data, identities)
    return replace(entry, origin=origin_of(cache, entry, data, intake_key))


def _better(new: Entry, current: Entry | None) -> bool:
    """A readable copy beats a damaged one; a signed copy beats an unsigned one."""
    if current is None:
        return True
    rank = {"ok": 1, "foreign": 0, "damaged": 0}
    if rank[new.kind] != rank[current.kind]:
        return rank[new.kind] > rank[current.kind]
    return current.injected and not new.injected


def read_tips(cache: Cache, identities: Sequence[Any], intake_key: str = "") -> list[Entry]:
    """All cached tips, one entry per receipt, sorted by day then receipt.

    A receipt can exist twice (`tips/` and its `kept/` copy once actioned): the
    first copy that decrypts wins, so a damaged duplicate does not hide a tip.
    """
    best: dict[str, Entry] = {}
    for prefix in (TIPS, KEPT):
        for key in cache.keys(prefix):
            if SIG_KEY_RE.match(key):
                continue  # the intake's signatures, read with their tip
            entry = _open_checked(cache, key, identities, intake_key)
            if _better(entry, best.get(entry.receipt)):
                best[entry.receipt] = entry
    return sorted(best.values(), key=lambda e: (e.day, e.receipt))


def find_tip(
    cache: Cache, receipt: str, identities: Sequence[Any], intake_key: str = ""
) -> Entry | None:
    """One receipt, without decrypting the others (a good copy beats a damaged one)."""
    found: Entry | None = None
    for prefix in (TIPS, KEPT):
        for key in cache.keys(prefix):
            if is_receipt_file(key, receipt):
                entry = _open_checked(cache, key, identities, intake_key)
                if _better(entry, found):
                    found = entry
    return found
