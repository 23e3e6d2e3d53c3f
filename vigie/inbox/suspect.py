"""Suspected junk: which tips `vigie inbox list` shows apart, and why (one owner of the rule).

Signals, computed on the analyst's machine after decryption (nothing is sent):
- **effort minimal** — on a day of more than `BURST_PER_DAY` tips, a
  JavaScript-path tip whose proof-of-work shows effort class 0: the browser
  stopped at the bare minimum, so nobody spent time typing on the page (a
  person typing for a minute reaches class 2 and more). On a quiet day it does
  not count: a quick real reporter is never hidden when there is no flood;
- **rafale** (burst) — its day holds more than `BURST_PER_DAY` tips (real volume
  is about 16 a month) and its effort is no higher than the day's median: the
  flood's own tips, not the better-proven ones among them;
- **quasi-doublon** (near-duplicate) — its text (place, landmark, times,
  description) shares at least `SIMILAR` of its word shingles with another
  tip's (MinHash with LSH from `datasketch`, so thousands of tips stay fast).
  Junk is mostly variations on a template; the flooder cannot copy a real tip,
  which is encrypted to the analysts.

The rule that a flood can never hide a real tip by itself:
- a tip an analyst is working on or has actioned (`in-progress`, `actioned`)
  is never suspect (a `rejected` suspect stays apart, so a disposed-of flood
  does not come back into view);
- a tip whose proof shows effort class 2 or 3 (≥ 64× the base work, about a
  minute of a browser searching while the person types) is never suspect,
  whatever else arrives: flooding with such proofs costs the attacker that
  much per tip, and they then rank first like real ones;
- a no-JavaScript tip (no effort class) is suspect only as a near-duplicate.
So a flood can push a tip out of the default view only if that tip showed no
more effort than the flood did; the list always says how many it hides.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigie.core.layout import EFFORT, efforts

from .cache import Cache

BURST_PER_DAY = 24
SIMILAR = 0.5  # Jaccard similarity of word pairs (2-shingles)
PROTECTED_EFFORT = 2
#: Statuses an analyst gave on purpose to keep a tip in view ("rejected" is not one:
#: a rejected flood stays apart).
PINNED = ("in-progress", "actioned")
_PERMUTATIONS = 64
_MIN_WORDS = 5  # shorter texts give too few shingles to compare
#: Candidates one tip is compared with at most (LSH buckets hold look-alikes first).
_MAX_CHECKS = 64
REASONS = {
    "low_effort": "effort minimal",
    "burst": "rafale",
    "near_duplicate": "quasi-doublon",
}
_TEXT_FIELDS = ("place", "landmark", "when", "description", "vehicles")


@dataclass(frozen=True)
class Verdict:
    effort: int | None
    suspect: bool
    reasons: tuple[str, ...]


def _shingles(text: str) -> set[bytes]:
    words = re.findall(r"\w+", text.casefold())
    if len(words) < _MIN_WORDS:
        return set()
    return {" ".join(words[i : i + 2]).encode() for i in range(len(words) - 1)}


def near_duplicates(texts: dict[str, str]) -> set[str]:
    """Receipts whose text is close (≥ SIMILAR) to at least one other tip's.

    MinHash signatures from `datasketch`, banded as its MinHashLSH would band
    them for this threshold (same rows per band). Each tip then stops at the
    first candidate whose MinHash estimate confirms it, and looks at no more
    than `_MAX_CHECKS` candidates: a flood of 3,000 look-alike tips made
    MinHashLSH.query return the whole flood for every tip (quadratic, 5.9 s
    per list page); now it is linear.
    """
    from datasketch import MinHash, MinHashLSH

    bands = MinHashLSH(threshold=SIMILAR, num_perm=_PERMUTATIONS).hashranges
    hashes: dict[str, Any] = {}
    tables: list[dict[bytes, list[str]]] = [{} for _ in bands]
    # The seed's permutations, drawn once and shared (drawing them per tip was
    # a quarter of the time).
    seeded = MinHash(num_perm=_PERMUTATIONS, seed=1)
    permutations, scheme = seeded.permutations, seeded.scheme
    for receipt, text in texts.items():
        shingles = _shingles(text)
        if not shingles:
            continue
        mh = MinHash(_PERMUTATIONS, seed=1, permutations=permutations, scheme=scheme)
        mh.update_batch(list(shingles))
        hashes[receipt] = mh
        for table, (start, end) in zip(tables, bands, strict=True):
            table.setdefault(mh.hashvalues[start:end].tobytes(), []).append(receipt)
    found: set[str] = set()
    for receipt, mh in hashes.items():
        if receipt in found:
            continue  # already confirmed as its partner's near-duplicate
        checked: set[str] = set()
        for table, (start, end) in zip(tables, bands, strict=True):
            partner = _confirmed(receipt, mh, table[mh.hashvalues[start:end].tobytes()],
                                 hashes, checked)  # fmt: skip
            if partner:
                found.update((receipt, partner))
                break
            if len(checked) >= _MAX_CHECKS:
                break
    return found


def _confirmed(
    receipt: str, mh: Any, bucket: list[str], hashes: dict[str, Any], checked: set[str]
) -> str:
    """The first tip of `bucket` (LSH gives candidates) whose estimate confirms, or ""."""
    for other in bucket:
        if other == receipt or other in checked:
            continue
        checked.add(other)
        if mh.jaccard(hashes[other]) >= SIMILAR:
            return other
        if len(checked) >= _MAX_CHECKS:
            break
    return ""


def cached_efforts(cache: Cache) -> dict[str, int]:
    """Receipt -> effort class, from the `effort/` markers the intake wrote."""
    return efforts(cache.keys(EFFORT))


def judge(rows: Sequence[dict[str, Any]], effort: Mapping[str, int]) -> dict[str, Verdict]:
    """One verdict per readable row (keyed by receipt); no effort known = no-JS path."""
    readable = [r for r in rows if r["kind"] == "ok"]
    per_day = Counter(r["date"] for r in readable)
    day_efforts: dict[str, list[int]] = {}
    for r in readable:
        value = effort.get(r["receipt"])
        if value is not None:
            day_efforts.setdefault(r["date"], []).append(value)
    medians = {day: statistics.median_low(v) for day, v in day_efforts.items()}
    texts = {r["receipt"]: "\n".join(str(r[f]) for f in _TEXT_FIELDS) for r in readable}
    duplicates = near_duplicates(texts)
    verdicts = {}
    for r in readable:
        receipt, own = r["receipt"], effort.get(r["receipt"])
        reasons = []
        busy_day = per_day[r["date"]] > BURST_PER_DAY
        # The bare minimum counts only on a day of many tips: on a quiet day a
        # person who wrote quickly and pressed Send must not be hidden.
        if own == 0 and busy_day:
            reasons.append("low_effort")
        if busy_day and own is not None and own <= medians[r["date"]]:
            reasons.append("burst")
        if receipt in duplicates:
            reasons.append("near_duplicate")
        pinned = r["status"] in PINNED
        protected = own is not None and own >= PROTECTED_EFFORT
        # A no-JS tip has no effort class: only a near-duplicate text counts against it.
        counted = "near_duplicate" in reasons if own is None else bool(reasons)
        verdicts[receipt] = Verdict(own, counted and not pinned and not protected, tuple(reasons))
    return verdicts


def annotate(rows: list[dict[str, Any]], effort: Mapping[str, int]) -> list[dict[str, Any]]:
    """Add `effort`, `suspect` and `reason` to every row; rank by effort (best first).

    Unreadable rows keep their place at the end and are never suspect (they are
    shown as damaged, as before). Within one effort class a tip not suspect
    comes before a suspect one (a flood's near-duplicates tie with a quick real
    tip far more often than they beat it); past that the sort is stable, by day
    and receipt. A no-JS tip ranks with class 1.
    """
    verdicts = judge(rows, effort)
    for row in rows:
        verdict = verdicts.get(row["receipt"])
        row["effort"] = verdict.effort if verdict else None
        row["suspect"] = bool(verdict and verdict.suspect)
        row["reason"] = ", ".join(REASONS[r] for r in verdict.reasons) if verdict else ""

    def rank(row: dict[str, Any]) -> tuple[int, int, bool]:
        if row["kind"] != "ok":
            return (1, 0, False)
        return (0, -(row["effort"] if row["effort"] is not None else 1), row["suspect"])

    rows.sort(key=rank)
    return rows


def pick(
    rows: Sequence[dict[str, Any]], view: str, min_effort: int | None = None
) -> list[dict[str, Any]]:
    """`view`: "default" (suspects apart), "all" or "suspect"."""
    chosen = [
        r
        for r in rows
        if view == "all" or (r["suspect"] if view == "suspect" else not r["suspect"])
    ]
    if min_effort is not None:
        chosen = [r for r in chosen if r["effort"] is not None and r["effort"] >= min_effort]
    return chosen


def hidden_line(rows: Sequence[dict[str, Any]], view: str) -> str:
    """The one line saying what the default view left out (empty if nothing)."""
    if view != "default":
        return ""
    hidden = [r for r in rows if r["suspect"]]
    if not hidden:
        return ""
    why = Counter(reason for r in hidden for reason in r["reason"].split(", ") if reason)
    detail = ", ".join(f"{label} : {why[label]}" for label in REASONS.values() if why[label])
    return (
        f"{len(hidden)} signalement(s) suspect(s) masqué(s) ({detail}) : "
        "`--suspect` pour les voir, `--all` pour tout afficher."
    )
