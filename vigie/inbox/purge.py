"""Retention: `vigie inbox purge` removes tips past `[analysts] retention_days`.

Rules (also in the README, "For analysts"):

* a tip older than the limit is deleted with all its triage events, unless its
  current status is "actioned" (exploité);
* an actioned tip has a copy under `kept/` (made by `mark --status actioned`),
  which the S3 lifecycle rule does not touch, while the rule expires `tips/`
  after the same number of days: the store enforces retention even if nobody
  runs purge, and actioned tips survive it;
* triage events whose tip is gone (expired by the lifecycle rule) are deleted;
* a tip whose triage state this analyst cannot decrypt is kept and reported,
  so that a key mismatch never deletes an actioned tip.

It is a dry run unless `apply=True`: deleting police records is not undoable.
The limit can be shortened (`--older-than`), never extended past the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vigie.core.layout import EFFORT, EFFORT_KEY_RE, KEPT, STATE, STATE_KEY_RE, TIP_KEY_RE, TIPS
from vigie.core.storage import TipStore

from .cache import Cache, pull
from .errors import InboxError
from .triage import read_states


@dataclass
class PurgeReport:
    limit_days: int
    applied: bool
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (receipt, day)
    kept_actioned: list[str] = field(default_factory=list)
    kept_unknown: list[str] = field(default_factory=list)
    orphan_events: int = 0
    objects: int = 0  # store objects deleted (or to delete)


def plan_and_purge(
    store: TipStore,
    cache: Cache,
    identities: Sequence[Any],
    retention_days: int,
    older_than: int | None,
    today: date,
    apply: bool,
) -> PurgeReport:
    limit = retention_days if older_than is None else older_than
    if limit > retention_days:
        raise InboxError(
            f"--older-than {limit} dépasse la durée de conservation fixée ({retention_days} jours)"
        )
    # Decide on fresh data: the store is the truth, the cache mirrors it after pull.
    pull(store, cache)
    states = read_states(cache, identities)
    report = PurgeReport(limit_days=limit, applied=apply)
    tips: dict[str, list[str]] = {}
    days: dict[str, str] = {}
    events: dict[str, list[str]] = {}
    for prefix in (TIPS, KEPT):
        for key in cache.keys(prefix):
            match = TIP_KEY_RE.match(key)
            if match:
                tips.setdefault(match.group(3), []).append(key)
                days[match.group(3)] = match.group(2)
    # The effort markers (`effort/`) go with their tip.
    for key in cache.keys(EFFORT):
        match = EFFORT_KEY_RE.match(key)
        if match:
            events.setdefault(match.group(2), []).append(key)
    for key in cache.keys(STATE):
        match = STATE_KEY_RE.match(key)
        if match:
            events.setdefault(match.group(1), []).append(key)

    doomed: list[str] = []
    for receipt, keys in sorted(tips.items()):
        age = (today - date.fromisoformat(days[receipt])).days
        if age <= limit:
            continue
        state = states.get(receipt)
        if state is not None and state.unreadable:
            # Any triage event this analyst cannot read might be "actioned":
            # keep the tip rather than guess from the readable ones.
            report.kept_unknown.append(receipt)
        elif state is not None and state.status == "actioned":
            report.kept_actioned.append(receipt)
        else:
            report.deleted.append((receipt, days[receipt]))
            doomed += keys + events.get(receipt, [])
    for receipt, keys in events.items():
        if receipt not in tips:
            report.orphan_events += len(keys)
            doomed += keys
    report.objects = len(doomed)
    if apply:
        for key in doomed:
            store.delete(key)
            cache.remove(key)
    return report


def render(report: PurgeReport) -> str:
    head = (
        "Suppression" if report.applied else "Simulation (rien n'est supprimé ; --apply pour agir)"
    )
    lines = [f"{head} : signalements de plus de {report.limit_days} jours."]
    verb = "supprimé" if report.applied else "à supprimer"
    verbs = "supprimés" if report.applied else "à supprimer"
    lines += [f"  {r} du {d} : {verb}" for r, d in report.deleted]
    lines += [f"  {r} : conservé (exploité)" for r in report.kept_actioned]
    lines += [f"  {r} : conservé (suivi illisible avec vos clés)" for r in report.kept_unknown]
    if report.orphan_events:
        lines.append(f"  {report.orphan_events} événement(s) de suivi sans signalement : {verbs}")
    lines.append(
        f"{len(report.deleted)} signalement(s) {verbs}, {report.objects} objet(s) au total."
    )
    return "\n".join(lines)
