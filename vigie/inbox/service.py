"""One function per inbox command, free of argparse: what `vigie inbox ...` runs.

Each returns the text to print. The store is opened with the analyst's own
credentials (boto3's usual chain: profile, environment, SSO), never the
Lambda's write-only role; the client is built here, at the edge, and injected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from vigie.core.config import Config
from vigie.core.envelope import STORE_METADATA
from vigie.core.layout import KEPT, RECEIPT_RE, TIP_KEY_RE, TIPS, is_receipt_file, kept_key
from vigie.core.storage import ObjectMissing, TipStore, open_store

from . import listing, purge, stats, suspect, triage
from .cache import Cache, pull
from .errors import InboxError
from .keys import PassphraseSource, keygen, load_identities
from .reader import find_tip, read_tips


@dataclass(frozen=True)
class Analyst:
    """Where this analyst's cache is and how to unlock their keys."""

    cache_dir: Path
    identity_files: tuple[Path, ...] = ()
    ask: PassphraseSource | None = None

    @property
    def cache(self) -> Cache:
        return Cache(self.cache_dir)

    def identities(self) -> list[object]:
        if self.ask is None:
            raise InboxError("aucun moyen de demander la phrase de passe")
        return load_identities(self.identity_files, self.ask)


def open_analyst_store(cfg: Config) -> TipStore:
    if cfg.intake.store.startswith("s3://"):
        from vigie.core.storage.s3 import make_s3_client

        return open_store(cfg.intake, s3_client=make_s3_client(cfg.intake))
    return open_store(cfg.intake)


def do_keygen(cfg: Config, out: Path, passphrase: str | None) -> str:
    key = keygen(out, passphrase)
    where = "vigie.toml" if cfg.source.startswith("<") else cfg.source
    line = ", ".join(f'"{r}"' for r in (*cfg.analysts.recipients, key.public_key))
    warn = (
        ""
        if key.protected
        else "ATTENTION : clé NON protégée par une phrase de passe (tests et démos seulement).\n"
    )
    return (
        f"{warn}Clé privée écrite dans {out} (lisible par vous seul·e ; gardez-la hors du dépôt).\n"
        f"Clé publique : {key.public_key}\n"
        f"Dans {where}, section [analysts], la ligne devient :\n"
        f"recipients = [{line}]\n"
        "Les signalements reçus après le redéploiement seront chiffrés aussi pour cette clé."
    )


def do_pull(cfg: Config, analyst: Analyst, progress: bool) -> str:
    result = pull(open_analyst_store(cfg), analyst.cache, progress=progress)
    return (
        f"{result.fetched} nouvel(s) objet(s) téléchargé(s), {result.already} déjà présent(s), "
        f"{result.removed} retiré(s) du cache (supprimés du stockage)."
    )


def do_list(
    analyst: Analyst,
    filters: listing.Filters,
    as_json: bool,
    view: str = "default",
    min_effort: int | None = None,
) -> str:
    """`view`: "default" (suspected junk apart, see suspect.py), "all" or "suspect"."""
    identities = analyst.identities()
    entries = read_tips(analyst.cache, identities)
    rows = listing.select(entries, triage.read_states(analyst.cache, identities), filters)
    rows = suspect.annotate(rows, suspect.cached_efforts(analyst.cache))
    shown = suspect.pick(rows, view, min_effort)
    if as_json:
        return listing.rows_json(shown)
    if not entries:
        return "Aucun signalement dans le cache : lancez d'abord `vigie inbox pull`."
    hidden = suspect.hidden_line(rows, view)
    return listing.table(shown) + (f"\n{hidden}" if hidden else "")


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
    entries = read_tips(analyst.cache, identities)
    rows = listing.select(entries, triage.read_states(analyst.cache, identities), filters)
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
    for row in chosen:
        do_mark(cfg, analyst, row["receipt"], status, note, assignee)
    return f"{len(chosen)} signalement(s) passé(s) au statut « {label} »."


def _check_receipt(receipt: str) -> str:
    receipt = receipt.strip().upper()
    if not RECEIPT_RE.match(receipt):
        raise InboxError(f"{receipt!r} n'est pas un numéro de reçu (forme VG-XXXX-XXXX-XXXX)")
    return receipt


def do_show(analyst: Analyst, receipt: str, attachments: Path | None) -> str:
    receipt = _check_receipt(receipt)
    identities = analyst.identities()
    entry = find_tip(analyst.cache, receipt, identities)
    if entry is None:
        raise InboxError(f"{receipt} : inconnu dans le cache (lancez `vigie inbox pull`)")
    state = triage.read_states(analyst.cache, identities).get(receipt)
    return listing.show(entry, state, attachments)


def do_mark(
    cfg: Config, analyst: Analyst, receipt: str, status: str, note: str, assignee: str
) -> str:
    receipt = _check_receipt(receipt)
    recipients = cfg.require_recipients()
    tip_keys = [k for k in analyst.cache.keys(TIPS) if is_receipt_file(k, receipt)]
    kept = [k for k in analyst.cache.keys(KEPT) if is_receipt_file(k, receipt)]
    if not tip_keys and not kept:
        raise InboxError(f"{receipt} : inconnu dans le cache (lancez `vigie inbox pull`)")
    store = open_analyst_store(cfg)
    key = triage.mark(store, analyst.cache, recipients, receipt, status, note, assignee)
    if status == "actioned" and tip_keys and not kept:
        # The lifecycle rule expires tips/ only: an actioned tip lives on under kept/.
        match = TIP_KEY_RE.match(tip_keys[0])
        assert match is not None
        try:
            data = store.get(tip_keys[0])
        except ObjectMissing:
            data = analyst.cache.get(tip_keys[0])
        kept_name = kept_key(match.group(2), receipt)
        store.put_new(kept_name, data, STORE_METADATA)
        analyst.cache.put(kept_name, data)
    label = triage.STATUS_LABELS[status]
    return f"{receipt} : statut « {label} » enregistré ({key})."


def do_export(
    analyst: Analyst, fmt: str, out: Path, fields: tuple[str, ...], filters: listing.Filters
) -> str:
    identities = analyst.identities()
    entries = read_tips(analyst.cache, identities)
    rows = listing.select(entries, triage.read_states(analyst.cache, identities), filters)
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
) -> str:
    from .chart import draw

    if pull_first:
        pull(open_analyst_store(cfg), analyst.cache)
    doc = stats.compute(
        read_tips(analyst.cache, analyst.identities()), since, today or datetime.now(UTC).date()
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InboxError(f"{out} : dossier inutilisable ({exc.strerror})") from None
    written = [stats.write_json(doc, out), draw(doc, out / "stats.png")]
    if site_page is not None:
        written.append(stats.write_page(doc, site_page))
    return "Écrit : " + ", ".join(str(p) for p in written)
