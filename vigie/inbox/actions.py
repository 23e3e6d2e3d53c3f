"""The inbox's writing commands: a status for one tip or a batch, a question to a reporter.

Every write is a signed triage event (vigie.inbox.triage) under a key pinned in
`[analysts] signing_keys`: an unpinned key is refused here, before anything is
written, since every reader would ignore its events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from vigie.core.config import Config
from vigie.core.envelope import STORE_METADATA
from vigie.core.layout import KEPT, TIP_KEY_RE, TIPS, is_receipt_file, kept_key, signature_key
from vigie.core.storage import ObjectMissing

from . import listing, suspect, thread, triage
from .analyst import Analyst, check_receipt, open_analyst_store, require_pinned
from .cache import pull
from .errors import InboxError
from .reader import find_tip, read_tips


def do_mark_bulk(
    cfg: Config,
    analyst: Analyst,
    status: str,
    filters: listing.Filters,
    view: str,
    max_effort: int | None,
    apply: bool,
    note: str = "",
    assignee: str = "",
) -> str:
    """Mark every tip a filter selects (e.g. all suspects of a flood day); dry run unless apply."""
    identities = analyst.identities()
    entries = read_tips(analyst.cache, identities, analyst.intake_key)
    states = triage.read_states(analyst.cache, identities, analyst.signing_keys)
    rows = listing.select(entries, states, filters)
    chosen = [
        r
        for r in suspect.pick(suspect.annotate(rows, suspect.cached_efforts(analyst.cache)), view)
        if r["kind"] == "ok"
        and (max_effort is None or (r["effort"] is not None and r["effort"] <= max_effort))
    ]
    label = triage.STATUS_LABELS[status]
    if not apply:
        sample = ", ".join(r["receipt"] for r in chosen[:5]) + (" …" if len(chosen) > 5 else "")
        return (
            f"Simulation : {len(chosen)} signalement(s) passeraient au statut « {label} »"
            + (f" ({sample})" if chosen else "")
            + ". Rien n'a été écrit : ajoutez --apply pour le faire."
        )
    signer = analyst.signer()  # one passphrase prompt for the whole batch
    for row in chosen:
        do_mark(cfg, analyst, row["receipt"], status, note, assignee, signer=signer)
    return f"{len(chosen)} signalement(s) passé(s) au statut « {label} »."


def do_reply(
    cfg: Config,
    analyst: Analyst,
    receipt: str,
    text: str,
    today: date | None = None,
    identities: Sequence[Any] | None = None,
    signer: Any = None,
) -> str:
    """Write a question to the reporter's thread and record it as a (signed) triage event.

    The desk passes the identities and signing key it holds unlocked; the CLI
    lets this load them (passphrase prompts)."""
    receipt = check_receipt(receipt)
    recipients = cfg.require_recipients()
    identities = identities if identities is not None else analyst.identities()
    store = open_analyst_store(cfg)
    pull(store, analyst.cache)  # the thread's slots and the tip as they are now
    entry = find_tip(analyst.cache, receipt, identities, analyst.intake_key)
    if entry is None or entry.tip is None:
        raise InboxError(f"{receipt} : inconnu ou illisible dans le cache")
    if not entry.tip.has_followup:
        raise InboxError(f"{receipt} : le déclarant n'a pas demandé de suivi")
    signer = signer if signer is not None else analyst.signer()
    require_pinned(cfg, signer)  # before the question is written: its record must count
    key = thread.reply(
        store, analyst.cache, recipients, entry.tip, text, today or datetime.now(UTC).date()
    )
    states = triage.read_states(analyst.cache, identities, analyst.signing_keys)
    state = states.get(receipt) or triage.Triage()
    # The cell's lasting record of the question: the thread's copy expires
    # after thread.THREAD_DAYS, the triage event lives as long as the tip.
    triage.mark(
        store,
        analyst.cache,
        recipients,
        receipt,
        state.status,
        f"Question envoyée au déclarant : {thread.check_text(text)}",
        state.assignee,
        signer=signer,
    )
    return f"{receipt} : question enregistrée pour le déclarant ({key})."


def do_mark(
    cfg: Config,
    analyst: Analyst,
    receipt: str,
    status: str,
    note: str,
    assignee: str,
    signer: Any = None,
) -> str:
    receipt = check_receipt(receipt)
    recipients = cfg.require_recipients()
    tip_keys = [k for k in analyst.cache.keys(TIPS) if is_receipt_file(k, receipt)]
    kept = [k for k in analyst.cache.keys(KEPT) if is_receipt_file(k, receipt)]
    if not tip_keys and not kept:
        raise InboxError(f"{receipt} : inconnu dans le cache (lancez `vigie inbox pull`)")
    # The desk passes the key it unlocked; the CLI loads it (one passphrase prompt).
    signer = signer if signer is not None else analyst.signer()
    require_pinned(cfg, signer)
    store = open_analyst_store(cfg)
    key = triage.mark(
        store, analyst.cache, recipients, receipt, status, note, assignee, signer=signer
    )
    if status == "actioned" and tip_keys and not kept:
        # The lifecycle rule expires tips/ only: an actioned tip lives on under kept/,
        # with the intake's signature beside it.
        match = TIP_KEY_RE.match(tip_keys[0])
        assert match is not None
        kept_name = kept_key(match.group(2), receipt)
        for source, target in (
            (signature_key(tip_keys[0]), signature_key(kept_name)),
            (tip_keys[0], kept_name),
        ):
            try:
                data = store.get(source)
            except ObjectMissing:
                try:
                    data = analyst.cache.get(source)
                except ObjectMissing:
                    continue  # an unsigned tip: its copy stays unsigned (flagged)
            store.put_new(target, data, STORE_METADATA)
            analyst.cache.put(target, data)
    label = triage.STATUS_LABELS[status]
    return f"{receipt} : statut « {label} » enregistré ({key})."
