"""One function per inbox command, free of argparse: what `vigie inbox ...` runs.

Each returns the text to print. The store is opened with the analyst's own
credentials (boto3's usual chain: profile, environment, SSO), never the
Lambda's write-only role; the client is built here, at the edge, and injected.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from vigie.core.config import Config

from . import ledger, listing, purge, safetext, stats, suspect, thread, triage

# The analyst's context and the writing commands live in their own modules;
# they are re-exported here: the CLI and the desk call one `service`.
from .actions import do_mark as do_mark
from .actions import do_mark_bulk as do_mark_bulk
from .actions import do_reply as do_reply
from .analyst import Analyst as Analyst
from .analyst import check_receipt
from .analyst import intake_public_key as intake_public_key
from .analyst import open_analyst_store as open_analyst_store
from .analyst import trust as trust
from .cache import Cache, PullResult, pull
from .errors import InboxError
from .keys import keygen
from .reader import Entry, find_tip, read_tips


def do_keygen(cfg: Config, out: Path, passphrase: str | None) -> str:
    key = keygen(out, passphrase)
    where = "vigie.toml" if cfg.source.startswith("<") else cfg.source
    line = ", ".join(f'"{r}"' for r in (*cfg.analysts.recipients, key.public_key))
    signers = ", ".join(f'"{k}"' for k in (*cfg.analysts.signing_keys, key.signing_public_key))
    warn = (
        ""
        if key.protected
        else "ATTENTION : clés NON protégées par une phrase de passe (tests et démos seulement).\n"
    )
    return (
        f"{warn}Clé privée écrite dans {out} (lisible par vous seul·e ; gardez-la hors du dépôt).\n"
        f"Clé de signature écrite dans {key.signing_path} (même protection).\n"
        f"Clé publique : {key.public_key}\n"
        f"Clé publique de signature : {key.signing_public_key}\n"
        f"Dans {where}, section [analysts], les lignes deviennent :\n"
        f"recipients = [{line}]\n"
        f"signing_keys = [{signers}]\n"
        "Les signalements reçus après le redéploiement seront chiffrés aussi pour cette clé ; "
        "vos changements de statut ne comptent qu'une fois votre clé de signature épinglée."
    )


def do_pull(cfg: Config, analyst: Analyst, progress: bool) -> str:
    return pull_summary(pull(open_analyst_store(cfg), analyst.cache, progress=progress))


def pull_summary(result: PullResult) -> str:
    summary = (
        f"{result.fetched} nouvel(s) objet(s) téléchargé(s), {result.already} déjà présent(s), "
        f"{result.removed} retiré(s) du cache (supprimés du stockage)."
    )
    if result.skipped:
        # One line, whatever the number: the names are only [A-Za-z0-9._/-] (check_key).
        first = result.skipped[0][:60] + ("…" if len(result.skipped[0]) > 60 else "")
        summary += (
            f"\n{len(result.skipped)} objet(s) ignoré(s), nom trop long pour ce poste "
            f"(suspect : ce n'est pas un nom d'objet de Vigie) : {first}"
        )
    return summary


def do_list(
    analyst: Analyst,
    filters: listing.Filters,
    as_json: bool,
    view: str = "default",
    min_effort: int | None = None,
) -> str:
    """`view`: "default" (suspected junk apart, see suspect.py), "all" or "suspect"."""
    identities = analyst.identities()
    entries = read_tips(analyst.cache, identities, analyst.intake_key)
    states = triage.read_states(analyst.cache, identities, analyst.signing_keys)
    rows = annotate_rows(analyst.cache, entries, listing.select(entries, states, filters))
    shown = suspect.pick(rows, view, min_effort)
    if as_json:
        return listing.rows_json(shown)
    if not entries:
        return "Aucun signalement dans le cache : lancez d'abord `vigie inbox pull`."
    hidden = suspect.hidden_line(rows, view)
    return listing.table(shown) + (f"\n{hidden}" if hidden else "")


def annotate_rows(
    cache: Cache, entries: Sequence[Entry], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The list's extra columns, for the CLI and the desk alike: `followup` (where the
    thread stands), `answer_to` (an answer's first tip), then suspect.annotate's
    `effort`, `suspect` and `reason` (rows ranked by effort)."""
    by_receipt = {e.receipt: e for e in entries}
    threads = thread.ThreadIndex(entries)
    for row in rows:
        entry = by_receipt[row["receipt"]]
        row["followup"] = threads.status(cache, entry)
        first = threads.parent_of(entry)
        row["answer_to"] = first.receipt if first else ""
    return suspect.annotate(rows, suspect.cached_efforts(cache))


def thread_of(
    cache: Cache, identities: Sequence[Any], entry: Entry, entries: Sequence[Entry]
) -> list[thread.Message]:
    """The whole thread a tip belongs to: questions from replies/, answers among all
    tips (same mailbox and proof); an answer's own receipt shows its first tip's."""
    if entry.tip is None or not entry.tip.has_followup:
        return []
    first = thread.parent_of(entry, entries) or entry
    return thread.messages(cache, identities, first, entries)


def do_show(analyst: Analyst, receipt: str, attachments: Path | None, as_json: bool = False) -> str:
    receipt = check_receipt(receipt)
    identities = analyst.identities()
    entry = find_tip(analyst.cache, receipt, identities, analyst.intake_key)
    if entry is None:
        raise InboxError(f"{receipt} : inconnu dans le cache (lancez `vigie inbox pull`)")
    state = triage.read_states(analyst.cache, identities, analyst.signing_keys).get(receipt)
    messages = (
        thread_of(
            analyst.cache,
            identities,
            entry,
            read_tips(analyst.cache, identities, analyst.intake_key),
        )
        if entry.tip is not None and entry.tip.has_followup  # read every tip only if needed
        else []
    )
    if as_json:
        # safetext.dumps, like `list --json`: a terminal shows this too, and C1 or
        # bidi controls from a stranger's text must reach it escaped (lossless).
        return safetext.dumps(
            {"tip": listing.record(entry, state), "thread": [m.as_json() for m in messages]}
        )
    return "\n".join([listing.show(entry, state, attachments), *thread.render(messages)])


def do_export(
    analyst: Analyst, fmt: str, out: Path, fields: tuple[str, ...], filters: listing.Filters
) -> str:
    identities = analyst.identities()
    entries = read_tips(analyst.cache, identities, analyst.intake_key)
    states = triage.read_states(analyst.cache, identities, analyst.signing_keys)
    rows = listing.select(entries, states, filters)
    count = listing.export(rows, fmt, out, fields)
    skipped = sum(1 for r in rows if r["kind"] != "ok")
    extra = f" ({skipped} illisible(s) non exporté(s))" if skipped else ""
    return f"{count} signalement(s) exporté(s) dans {out}{extra}."


def do_purge(
    cfg: Config, analyst: Analyst, older_than: int | None, apply: bool, today: date | None = None
) -> str:
    report = purge.plan_and_purge(
        open_analyst_store(cfg),
        analyst.cache,
        analyst.identities(),
        cfg.analysts.retention_days,
        older_than,
        today or datetime.now(UTC).date(),
        apply,
        signing_keys=analyst.signing_keys,
    )
    return purge.render(report)


def do_stats(
    cfg: Config,
    analyst: Analyst,
    since: str,
    out: Path,
    site_page: Path | None,
    pull_first: bool = True,
    today: date | None = None,
    until: str | None = None,
) -> str:
    """Publish the statistics of a closed period, once (rules in `ledger`)."""
    from .chart import draw

    today = today or datetime.now(UTC).date()
    store = open_analyst_store(cfg)
    if pull_first:
        pull(store, analyst.cache)
    identities = analyst.identities()
    # A reporter's follow-up answer is not a new tip: it is not counted.
    tips = [
        e
        for e in read_tips(analyst.cache, identities, analyst.intake_key)
        if e.tip is None or e.tip.kind != "followup"
    ]
    doc = stats.compute(tips, since, today, until or stats.previous_month(today))
    stats.check_no_small_cell(doc)
    earlier = ledger.read_ledger(analyst.cache, identities)
    previous = ledger.read_previous(out / "stats.json")
    ledger.check(doc, today, [*earlier, *([previous] if previous else [])])
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InboxError(f"{out} : dossier inutilisable ({exc.strerror})") from None
    # Recorded before the files are written: a publication that is not in the
    # ledger must never exist (the reverse only loses a period).
    ledger.record(store, analyst.cache, cfg.require_recipients(), doc)
    written = [stats.write_json(doc, out), draw(doc, out / "stats.png")]
    if site_page is not None:
        written.append(stats.write_page(doc, site_page))
    return "Écrit : " + ", ".join(str(p) for p in written)
