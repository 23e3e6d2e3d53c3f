"""Global adaptive difficulty and the no-JS budget: counters held in the store, not in memory.

Many Lambda instances must agree and none may remember anything, and the
intake's role may only *create* objects (no read, no list). So every counter
here is a set of numbered slot objects claimed with a conditional write
(`put_new`: True = claimed, False = already taken), named under a keyed hash
of the hour: `intake/load/<tag>/<level>-<n>`, `intake/form-budget/<tag>/<n>`.
Without the intake secret a name says nothing about when it was written (the
hour is not in it); `vigie serve` deletes past hours (`sweep`), and on S3 a
lifecycle rule expires `intake/` after a day (deploy/bucket-lifecycle.json).

Adaptive difficulty. A valid proof with z leading zero bits (base b) sits at
level min(z - b, max - b). Each level below the top has `expected_tips_per_hour`
slots per hour: while tips arrive at the normal rate, level 0 (today's cost)
takes them all. When a level's slots are taken the proof is refused with 429
`pow_harder` and the number of bits now needed; the browser, which kept
searching anyway, sends a better proof for the same key and challenge. The top
level (`pow_max_bits`) is never refused: a real reporter never needs more than
2**pow_max_bits scrypt runs, whatever the flood. So a flood gets at most
`expected_tips_per_hour` tips per level per hour cheaply, then pays the top
price for every further tip (figures in docs/hardening.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator

from .http import ApiError
from .layout import FORM_BUDGET, LOAD, SLOT_PREFIXES

_RANDOM_PROBES = 8


def hour_tag(key: bytes, now: float, offset: int = 0) -> str:
    """A keyed hash of the UTC hour (`offset` hours later): unlinkable without the key."""
    hour = dt.datetime.fromtimestamp(now + 3600 * offset, dt.UTC).strftime("%Y-%m-%dT%H")
    return hmac.new(key, hour.encode(), hashlib.sha256).hexdigest()[:24]


def probe_order(size: int) -> Iterator[int]:
    """Every slot exactly once: a few random ones, then a scan from a random start.

    Exact (a refusal means every slot was taken: no random refusal before the
    budget is spent) and cheap while the hour is not nearly full.
    """
    rng = secrets.SystemRandom()
    tried = set(rng.sample(range(size), min(size, _RANDOM_PROBES)))
    yield from tried
    start = rng.randrange(size)
    for i in range(size):
        slot = (start + i) % size
        if slot not in tried:
            yield slot


class Slots:
    """Claim slot objects through `put` (the intake's one conditional write)."""

    def __init__(self, key: bytes, put: Callable[[str], bool], clock: Callable[[], float]):
        self.key = key
        self.put = put
        self.clock = clock

    def claim(self, prefix: str, size: int, label: str = "") -> bool:
        tag = hour_tag(self.key, self.clock())
        return any(self.put(f"{prefix}{tag}/{label}{slot}") for slot in probe_order(size))

    def admit(self, zeros: int, base: int, top: int, per_level: int) -> None:
        """Accept a proof with `zeros` bits, or raise 429 pow_harder with the bits needed."""
        level = min(zeros, top) - base
        if zeros >= top:
            return  # the top price is always accepted: nobody is ever locked out
        if self.claim(LOAD, per_level, f"{level}-"):
            return
        needed = base + level + 1
        raise ApiError(
            429,
            "pow_harder",
            "Beaucoup de signalements arrivent en ce moment : la vérification anti-spam "
            "demande un peu plus de calcul. Votre navigateur continue ; l'envoi repart "
            "tout seul. Ne fermez pas la page.",
            details={"bits": needed},
        )

    def current_tags(self) -> set[str]:
        now = self.clock()
        return {hour_tag(self.key, now), hour_tag(self.key, now, -1)}


def stale_slot_keys(names: Iterator[str], current: set[str]) -> Iterator[str]:
    """Slot objects of past hours (what `sweep` deletes)."""
    for name in names:
        for prefix in SLOT_PREFIXES:
            if name.startswith(prefix):
                tag = name[len(prefix) :].split("/", 1)[0]
                if tag not in current:
                    yield name


__all__ = ["FORM_BUDGET", "LOAD", "Slots", "hour_tag", "probe_order", "stale_slot_keys"]
