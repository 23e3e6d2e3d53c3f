"""The store layout: every prefix, object name and the receipt format, in one place.

```
tips/YYYY-MM-DD/VG-XXXX-XXXX-XXXX.age     a tip (age file), day of arrival only
tips/YYYY-MM-DD/VG-XXXX-XXXX-XXXX.sig     the intake's signature of it (vigie.core.signing)
effort/YYYY-MM-DD/VG-XXXX-XXXX-XXXX.eE    empty: effort class E (0-3) of its proof
kept/YYYY-MM-DD/VG-XXXX-XXXX-XXXX.age     an analyst's copy of a tip marked actioned
kept/YYYY-MM-DD/VG-XXXX-XXXX-XXXX.sig     ... and of its signature
state/VG-XXXX-XXXX-XXXX/STAMP-RAND.age    one triage event (encrypted to the analysts)
replies/MAILBOX/NN.age                    an analysts' follow-up message (NN = 01..06),
                                          encrypted to the reporter's reply_key + analysts
state/stats-ledger/YYYY-MM_YYYY-MM.age    one published statistics document (ledger)
intake/ready                              the S3 store's readiness marker
intake/seen/YYYY-MM-DD/VG-XXXX-XXXX-XXXX  empty: the tip is stored (a replay skips upload and slot)
intake/form-budget/TAG/N                  the no-JavaScript path's budget slots
intake/load/TAG/L-N                       adaptive difficulty: level L's slots
```
TAG is a keyed hash of the hour (vigie.core.load.hour_tag): no time in clear.

The intake writes `tips/`, `effort/` and `intake/`, the analysts `kept/`,
`state/` and `replies/`; the intake only *reads* `replies/` (GetObject on
that prefix, no listing), one numbered slot at a time, so a thread's names
must be guessable from the mailbox id alone. The signature sits beside its
tip, under the same prefix: the same write right (the Lambda's `tips/*`) and
the same lifecycle rule cover both. The effort class is a name of its own,
not part of the tip's: the tip's name depends on the idempotency key alone,
so a replay with another proof (another effort) can never store the tip
twice; at worst it adds a second marker, and the analysts take the highest
(it was paid for).
The `intake/seen/` marker is written after each tip and is the one thing
under `intake/` besides `ready` that the intake may read (a HEAD): a replay of
that tip is refused from it before its body is uploaded again. It says only
what the tip's own name says (a tip exists under this receipt on this day),
and expires after a day: a replay needs an unexpired proof (an hour at most).
The receipt is 60 bits of an HMAC in Crockford base32 (no I, L, O, U: nothing
to misread when a person copies it). The intake, the inbox, the tests, the
benches and `openapi.yaml` (checked by tests/test_openapi.py) take these from
here; nothing else spells them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

TIPS = "tips/"
KEPT = "kept/"
STATE = "state/"
REPLIES = "replies/"
INTAKE = "intake/"
READY_KEY = INTAKE + "ready"
SEEN = INTAKE + "seen/"
FORM_BUDGET = INTAKE + "form-budget/"
LOAD = INTAKE + "load/"
#: The intake's counter objects, keyed by hour tag (swept after the hour).
SLOT_PREFIXES = (FORM_BUDGET, LOAD)
#: What the analysts mirror (the intake's own `intake/` objects are not theirs).
EFFORT = "effort/"
ANALYST_PREFIXES = (TIPS, KEPT, STATE, REPLIES, EFFORT)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUP = "[0-9A-HJKMNP-TV-Z]{4}"  # one Crockford character class, 4 of them
RECEIPT = rf"VG-{_GROUP}-{_GROUP}-{_GROUP}"
RECEIPT_RE = re.compile(rf"^{RECEIPT}$")
DAY = r"\d{4}-\d{2}-\d{2}"
EFFORT_CLASSES = range(4)
TIP_KEY_RE = re.compile(rf"^(tips|kept)/({DAY})/({RECEIPT})\.age$")
SIG_KEY_RE = re.compile(rf"^(tips|kept)/({DAY})/({RECEIPT})\.sig$")
SEEN_KEY_RE = re.compile(rf"^intake/seen/({DAY})/({RECEIPT})$")
EFFORT_KEY_RE = re.compile(rf"^effort/({DAY})/({RECEIPT})\.e([0-3])$")
EVENT_NAME = r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8,32}"
STATE_KEY_RE = re.compile(rf"^state/({RECEIPT})/({EVENT_NAME})\.age$")
#: A follow-up mailbox id: 256 bits derived in the reporter's browser, lowercase hex.
MAILBOX = r"[0-9a-f]{64}"
MAILBOX_RE = re.compile(rf"^{MAILBOX}$")
#: Numbered message slots per thread: the intake reads all of them on every
#: request (whether they exist or not), so the answer's size and work are fixed.
MAX_REPLIES = 6
REPLY_KEY_RE = re.compile(rf"^replies/({MAILBOX})/(0[1-{MAX_REPLIES}])\.age$")
# Shared analysts' state too (same prefix, so the same rights and mirror), but
# never a receipt's folder: triage and purge never read or delete it.
STATS_LEDGER = STATE + "stats-ledger/"
MONTH = r"\d{4}-\d{2}"
STATS_LEDGER_KEY_RE = re.compile(rf"^state/stats-ledger/({MONTH})_({MONTH})\.age$")


def format_receipt(digest: bytes) -> str:
    """60 bits of `digest` as `VG-XXXX-XXXX-XXXX`."""
    n = int.from_bytes(digest[:8], "big") >> 4
    chars = "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(12)))
    return f"VG-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def tip_key(day: str | date, receipt: str) -> str:
    return f"{TIPS}{day}/{receipt}.age"


def kept_key(day: str | date, receipt: str) -> str:
    return f"{KEPT}{day}/{receipt}.age"


def signature_key(tip_or_kept_key: str) -> str:
    """`tips/D/R.age` -> `tips/D/R.sig` (the same for `kept/`)."""
    if not TIP_KEY_RE.match(tip_or_kept_key):
        raise ValueError(f"not a tip key: {tip_or_kept_key!r}")
    return tip_or_kept_key[: -len(".age")] + ".sig"


def seen_key(day: str | date, receipt: str) -> str:
    """The empty marker that says the tip `tip_key(day, receipt)` is stored."""
    return f"{SEEN}{day}/{receipt}"


def effort_key(day: str | date, receipt: str, effort: int) -> str:
    if effort not in EFFORT_CLASSES:
        raise ValueError(f"effort class {effort!r} not in 0-3")
    return f"{EFFORT}{day}/{receipt}.e{effort}"


def efforts(keys: Iterable[str]) -> dict[str, int]:
    """Receipt -> effort class, from `effort/` names (the highest if several)."""
    found: dict[str, int] = {}
    for key in keys:
        match = EFFORT_KEY_RE.match(key)
        if match:
            found[match.group(2)] = max(found.get(match.group(2), 0), int(match.group(3)))
    return found


def tip_id(key: str) -> tuple[str, str] | None:
    """(day, receipt) of a tip's object name, whatever its effort suffix; None if not a tip."""
    match = TIP_KEY_RE.match(key)
    return (match.group(2), match.group(3)) if match else None


def event_key(receipt: str, stamp: str, rand: str) -> str:
    """`stamp` is `YYYYMMDDTHHMMSSffffffZ` (UTC), `rand` lowercase hex."""
    return f"{STATE}{receipt}/{stamp}-{rand}.age"


def reply_key(mailbox: str, slot: int) -> str:
    """The object of message `slot` (1..MAX_REPLIES) in the thread of `mailbox`."""
    if not MAILBOX_RE.match(mailbox) or not 1 <= slot <= MAX_REPLIES:
        raise ValueError("invalid mailbox id or reply slot")
    return f"{REPLIES}{mailbox}/{slot:02d}.age"


def thread_prefix(mailbox: str) -> str:
    if not MAILBOX_RE.match(mailbox):
        raise ValueError("invalid mailbox id")
    return f"{REPLIES}{mailbox}/"


def stats_ledger_key(since: str, until: str) -> str:
    """The ledger entry of the statistics published for months `since`..`until`."""
    return f"{STATS_LEDGER}{since}_{until}.age"


def is_receipt_file(key: str, receipt: str) -> bool:
    """True for `tips/…/RECEIPT.age` or `kept/…/RECEIPT.age`."""
    match = TIP_KEY_RE.match(key)
    return bool(match) and match is not None and match.group(3) == receipt
