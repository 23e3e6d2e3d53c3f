"""Retention: `vigie inbox purge` removes tips past `[analysts] retention_days`.

Rules (also in the README, "For analysts"):

* a tip older than the limit is deleted with all its triage events, unless its
  current status is "actioned" (exploité);
* an actioned tip has a copy under `kept/` (made by `mark --status actioned`),
  which the S3 lifecycle rule does not touch, while the rule expires `tips/`
  after the same number of days: the store enforces retention even if nobody
  runs purge, and actioned tips survive it;
* triage events whose tip is gone (expired by the lifecycle rule) are deleted,
  and so are the intake's signatures (`.sig`) of deleted or vanished tips;
* the decision uses **verified** events only (signed by a pinned analyst key,
  triage.py): a forged "rejected" after a genuine "actioned" deletes nothing,
  and junk (not an age file, unsigned, forged, dated in the future) never
  blocks a purge: it is ignored, reported, and deleted with its tip; except
  that a tip with a `kept/` copy and unverifiable events is kept and reported
  (an "actioned" marked before events were signed: re-mark it);
* a tip with an event encrypted for other keys than this analyst's is kept and
  reported, so that a key mismatch (a colleague's newer key set, a key
  rotation) never deletes an actioned tip;
* a follow-up thread (`replies/`) goes with its tip, and on its own once its
  newest message is `thread.THREAD_DAYS` old (the lifecycle rule also expires
  each message after that many days).

It is a dry run unless `apply=True`: deleting police records is not undoable.
The limit can be shortened (`--older-than`), never extended past the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vigie.core.layout import (
    EFFORT,
    EFFORT_KEY_RE,
    KEPT,
    SIG_KEY_RE,
    STATE,
    STATE_KEY_RE,
    TIP_KEY_RE,
    TIPS,
)
from vigie.core.storage import TipStore

from . import thread
from .cache import Cache, pull
from .errors import InboxError
from .reader import read_tips
from .triage import read_states


@dataclass
class PurgeReport:
    limit_days: int
    applied: bool
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (receipt, day)
    kept_actioned: list[str] = field(default_factory=list)
    kept_unknown: list[str] = field(default_factory=list)
    kept_unverified: list[str] = field(default_factory=list)
    orphan_events: int = 0
    thread_messages: int = 0  # follow-up messages deleted (or to delete)
    ignored_events: int = 0  # unsigned, forged or junk events (never decide anything)
    objects: int = 0  # store objects deleted (or to delete)


def _age(day: str, today: date) -> int:
    """Days since `day`; 0 for a name that is not a real date (junk never crashes)."""
    try:
        return (today - date.fromisoformat(day)).days
    except ValueError:
        return 0


def plan_and_purge(
    store: TipStore,
    cache: Cache,
    identities: Sequence[Any],
    retention_days: int,
    older_than: int | None,
    today: date,
    apply: bool,
    signing_keys: Sequence[str] = (),
) -> PurgeReport:
    limit = retention_days if older_than is None else older_than
    if limit > retention_days:
        raise InboxError(
            f"--older-than {limit} dépasse la durée de conservation fixée ({retention_days} jours)"
        )
    # Decide on fresh data: the store is the truth, the cache mirrors it after pull.
    pull(store, cache)
    states = read_states(cache, identities, signing_keys)
    report = PurgeReport(limit_days=limit, applied=apply)
    report.ignored_events = sum(len(s.ignored) for s in states.values())
    tips: dict[str, list[str]] = {}
    days: dict[str, str] = {}
    sigs: dict[str, list[str]] = {}
    for prefix in (TIPS, KEPT):
        for key in cache.keys(prefix):
            match = TIP_KEY_RE.match(key)
            if match:
                tips.setdefault(match.group(3), []).append(key)
                days[match.group(3)] = match.group(2)
            elif sig := SIG_KEY_RE.match(key):
                sigs.setdefault(sig.group(3), []).append(key)
    events: dict[str, list[str]] = {}
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
        age = _age(days[receipt], today)
        if age <= limit:
            continue
        state = states.get(receipt)
        if state is not None and state.unreadable:
            # Any triage event this analyst cannot read might be "actioned":
            # keep the tip rather than guess from the readable ones.
            report.kept_unknown.append(receipt)
        elif state is not None and state.status == "actioned":
            report.kept_actioned.append(receipt)
        elif state is not None and state.ignored and any(k.startswith(KEPT) for k in keys):
            # A `kept/` copy (only the analysts' role may write there) with events
            # that do not verify: most likely an "actioned" marked before events
            # were signed. Deleting a police record on a doubt is not undoable.
            report.kept_unverified.append(receipt)
        else:
            report.deleted.append((receipt, days[receipt]))
            doomed += keys + events.get(receipt, []) + sigs.get(receipt, [])
    for receipt, keys in events.items():
        if receipt not in tips:
            report.orphan_events += len(keys)
            doomed += keys
    threads = thread.doomed_threads(
        cache, identities, read_tips(cache, identities), {r for r, _ in report.deleted}, today
    )
    report.thread_messages = len(threads)
    doomed += threads
    # A signature without its tip: the tip is gone, or the intake is writing it
    # right now (signature first): only those past the limit go.
    doomed += [
        k
        for r, keys in sigs.items()
        if r not in tips
        for k in keys
        if _age(k.split("/")[1], today) > limit
    ]
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
    lines += [
        f"  {r} : conservé (suivi chiffré pour d'autres clés que les vôtres)"
        for r in report.kept_unknown
    ]
    lines += [
        f"  {r} : conservé (copie « exploité » sous kept/, suivi non signé : re-marquez-le)"
        for r in report.kept_unverified
    ]
    if report.ignored_events:
        lines.append(
            f"  {report.ignored_events} événement(s) de suivi non signé(s) ou forgé(s) : "
            "ignorés pour décider"
        )
    if report.orphan_events:
        lines.append(f"  {report.orphan_events} événement(s) de suivi sans signalement : {verbs}")
    if report.thread_messages:
        lines.append(f"  {report.thread_messages} message(s) de fil de suivi : {verbs}")
    lines.append(
        f"{len(report.deleted)} signalement(s) {verbs}, {report.objects} objet(s) au total."
    )
    return "\n".join(lines)
