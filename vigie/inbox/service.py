"""One function per inbox command, free of argparse: what `vigie inbox ...` runs.

Each returns the text to print. The store is opened with the analyst's own
credentials (boto3's usual chain: profile, environment, SSO), never the
Lambda's write-only role; the client is built here, at the edge, and injected.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from vigie.core import signing
from vigie.core.config import Config
from vigie.core.envelope import STORE_METADATA
from vigie.core.layout import (
    KEPT,
    RECEIPT_RE,
    TIP_KEY_RE,
    TIPS,
    is_receipt_file,
    kept_key,
    signature_key,
)
from vigie.core.storage import ObjectMissing, TipStore, open_store

from . import ledger, listing, purge, stats, suspect, thread, triage
from .cache import Cache, PullResult, pull
from .errors import InboxError
from .keys import (
    PassphraseSource,
    keygen,
    load_identities,
    load_signing_key,
    signing_key_path,
)
from .reader import Entry, find_tip, read_tips


@dataclass(frozen=True)
class Analyst:
    """Where this analyst's cache is, how to unlock their keys, and whom they trust.

    `signing_keys` and `intake_key` are the pinned public keys (`trust(cfg)`):
    only events signed by the former count, tips not signed by the latter are
    flagged as injected.
    """

    cache_dir: Path
    identity_files: tuple[Path, ...] = ()
    ask: PassphraseSource | None = None
    signing_keys: tuple[str, ...] = ()
    intake_key: str = ""
    signing_key_file: Path | None = None  # default: beside the first identity file

    @property
    def cache(self) -> Cache:
        return Cache(self.cache_dir)

    def identities(self) -> list[object]:
        if self.ask is None:
            raise InboxError("aucun moyen de demander la phrase de passe")
        return load_identities(self.identity_files, self.ask)

    def signer(self) -> Any:
        path = self.signing_key_file
        if path is None:
            if not self.identity_files:
                raise InboxError("indiquez votre clé avec --identity FICHIER (ou --signing-key)")
            path = signing_key_path(self.identity_files[0])
        if self.ask is None:
            raise InboxError("aucun moyen de demander la phrase de passe")
        return load_signing_key(path, self.ask)


def intake_public_key(cfg: Config) -> str:
    """The pinned intake key; else, on the machine that runs `vigie serve` (demo,
    `make run`), the public half of its own local key file (which nobody with
    only bucket access can write)."""
    if cfg.intake.signing_public_key:
        return cfg.intake.signing_public_key
    path = Path(cfg.intake.signing_key_file)
    try:
        key = signing.seed_key(bytes.fromhex(path.read_text().strip()))
    except (OSError, ValueError, signing.SigningError):
        return ""
    return signing.public_text(key)


def trust(cfg: Config) -> dict[str, Any]:
    """The Analyst fields that come from the configuration (pinned public keys)."""
    return {"signing_keys": cfg.analysts.signing_keys, "intake_key": intake_public_key(cfg)}


def open_analyst_store(cfg: Config) -> TipStore:
    if cfg.intake.store.startswith("s3://"):
        from vigie.core.storage.s3 import make_s3_client

        return open_store(cfg.intake, s3_client=make_s3_client(cfg.intake))
    return open_store(cfg.intake)


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
    for row in rows:
        entry = by_receipt[row["receipt"]]
        row["followup"] = thread.status(cache, entry, entries)
        first = thread.parent_of(entry, entries)
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


def _check_receipt(receipt: str) -> str:
    receipt = receipt.strip().upper()
    if not RECEIPT_RE.match(receipt):
        raise InboxError(f"{receipt!r} n'est pas un numéro de reçu (forme VG-XXXX-XXXX-XXXX)")
    return receipt


def do_show(analyst: Analyst, receipt: str, attachments: Path | None, as_json: bool = False) -> str:
    receipt = _check_receipt(receipt)
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
        return json.dumps(
            {
                "tip": listing.record(entry, state),
                "thread": [m.as_json() for m in messages],
            },
            ensure_ascii=False,
            indent=2,
        )
    return "\n".join([listing.show(entry, state, attachments), *thread.render(messages)])


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
    receipt = _check_receipt(receipt)
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
    receipt = _check_receipt(receipt)
    recipients = cfg.require_recipients()
    tip_keys = [k for k in analyst.cache.keys(TIPS) if is_receipt_file(k, receipt)]
    kept = [k for k in analyst.cache.keys(KEPT) if is_receipt_file(k, receipt)]
    if not tip_keys and not kept:
        raise InboxError(f"{receipt} : inconnu dans le cache (lancez `vigie inbox pull`)")
    # The desk passes the key it unlocked; the CLI loads it (one passphrase prompt).
    signer = signer if signer is not None else analyst.signer()
    if signing.public_text(signer) not in cfg.analysts.signing_keys:
        raise InboxError(
            f"votre clé de signature ({signing.public_text(signer)}) n'est pas dans "
            f"[analysts] signing_keys de {cfg.source} : votre changement de statut serait "
            "ignoré par tous. Faites-la ajouter, puis recommencez."
        )
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
