"""What was published: statistics are never differenced back to a person.

Each publication passes the small-cell check on its own, but two of them can
give a small count back by subtraction: total 63 then 64, `BSN-CENTRE` 6 then
7, December "< 5": together, one tip from that poster in December. So `vigie
stats` publishes under these rules, checked before anything is written:

* **closed periods only**: whole months, all before the current one (a month
  still open would be republished with one more tip);
* **never twice, never overlapping**: a ledger in the store lists every period
  published, one create-only object per period (`state/stats-ledger/SINCE_UNTIL.age`,
  `vigie.core.layout`), so two analysts on two workstations share it, and a
  period that shares a month with a published one is refused;
* **no small difference**: the new document is compared with every earlier
  one whose period shares a month with it (the ledger's, and a `stats.json`
  already in the output folder, e.g. published before this ledger existed);
  a same-named cell that differs by 1 to 4 refuses the whole document.

Ledger entries are the published (already suppressed) documents, encrypted to
the analysts' keys like every object the store holds. An entry this analyst
cannot read still blocks its period (by its name): junk can only delay a
publication, never let a differencing one through.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vigie.core.envelope import STORE_METADATA, seal
from vigie.core.layout import STATS_LEDGER, STATS_LEDGER_KEY_RE, stats_ledger_key
from vigie.core.storage import TipStore

from .cache import Cache
from .errors import InboxError
from .reader import decrypt
from .stats import THRESHOLD, previous_month


@dataclass(frozen=True)
class Published:
    since: str
    until: str
    doc: dict[str, Any] | None  # None: an entry this analyst cannot read
    where: str


def read_ledger(cache: Cache, identities: Sequence[Any]) -> list[Published]:
    found = []
    for key in cache.keys(STATS_LEDGER):
        match = STATS_LEDGER_KEY_RE.match(key)
        if not match:
            continue
        kind, plaintext, _problem = decrypt(cache.get(key), identities)
        doc = None
        if kind == "ok":
            try:
                loaded = json.loads(plaintext.decode("utf-8"))
                doc = loaded if isinstance(loaded, dict) else None
            except (UnicodeDecodeError, ValueError):
                doc = None
        found.append(Published(match.group(1), match.group(2), doc, key))
    return found


def read_previous(path: Path) -> Published | None:
    """A `stats.json` already published in the output folder, if any."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Published(str(doc["since"]), str(doc["until"]), doc, str(path))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cells(doc: dict[str, Any]) -> dict[str, Any]:
    """Every published number, by a name that means the same in any document."""
    out: dict[str, Any] = {"total": doc.get("total"), "unreadable": doc.get("unreadable")}
    for section, key in (("by_month", "month"), ("by_category", "category"),
                         ("by_campaign", "campaign")):  # fmt: skip
        for row in doc.get(section) or []:
            if isinstance(row, dict):
                out[f"{section}:{row.get(key)}"] = row.get("count")
    return out


def small_differences(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """Cells present in both whose exact counts differ by 1 to THRESHOLD - 1."""
    a, b = cells(new), cells(old)
    found = []
    for name in sorted(a.keys() & b.keys()):
        x, y = a[name], b[name]
        if isinstance(x, int) and isinstance(y, int) and 0 < abs(x - y) < THRESHOLD:
            found.append(name)
    return found


def _overlap(since: str, until: str, other: Published) -> bool:
    return since <= other.until and other.since <= until


def check(doc: dict[str, Any], today: date, earlier: Sequence[Published]) -> None:
    """Refuse `doc` unless it covers a closed period never published and not differenceable."""
    since, until = doc["since"], doc["until"]
    if until >= today.strftime("%Y-%m"):
        raise InboxError(
            f"statistiques refusées : la période doit être close (--until {until} : ce mois "
            f"n'est pas fini ; au plus tard --until {previous_month(today)})"
        )
    problems = []
    for other in earlier:
        if not _overlap(since, until, other):
            continue
        if other.doc is not None:
            diff = small_differences(doc, other.doc)
            if diff:
                problems.append(
                    f"écart de 1 à {THRESHOLD - 1} avec la publication {other.since}…"
                    f"{other.until} ({other.where}) : {', '.join(diff)}"
                )
        same = (other.since, other.until) == (since, until)
        problems.append(
            f"période {other.since}…{other.until} déjà publiée ({other.where})"
            if same
            else f"chevauche la période publiée {other.since}…{other.until} ({other.where})"
        )
    if problems:
        raise InboxError(
            "statistiques refusées : " + " ; ".join(problems) + ". Publiez une période close "
            "qui ne recoupe aucune publication précédente."
        )


def record(store: TipStore, cache: Cache, recipients: Sequence[str], doc: dict[str, Any]) -> str:
    """Add `doc` to the ledger (create-only: a concurrent publication of it fails)."""
    key = stats_ledger_key(doc["since"], doc["until"])
    sealed = seal(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8"), recipients)
    if not store.put_new(key, sealed, STORE_METADATA):
        raise InboxError(
            f"statistiques refusées : période {doc['since']}…{doc['until']} déjà publiée"
        )
    cache.ensure()
    cache.put(key, sealed)
    return key
