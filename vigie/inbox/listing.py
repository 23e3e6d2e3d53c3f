"""Presenting decrypted tips: the `list` table or JSON, `show`, and `export`.

Output goes to the terminal, or to files the analyst names explicitly
(`--attachments DIR`, `--out FILE`), created 0600 and never overwritten
silently: decrypted tips must not end up anywhere by accident.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vigie.core.envelope import CATEGORIES

from . import photos
from .errors import InboxError
from .keys import write_private
from .reader import Entry
from .safetext import block, dumps, line
from .triage import STATUS_LABELS, Triage

EXPORT_FIELDS = (
    "receipt",
    "date",
    "status",
    "assignee",
    "category",
    "place",
    "landmark",
    "when",
    "vehicles",
    "description",
    "campaign",
    "channel",
    "photos",
    # "intake" when the intake's signature verifies; "unsigned"/"forged" = injected.
    "origin",
)
DEFAULT_EXPORT_FIELDS = EXPORT_FIELDS


_INJECTED = ("unsigned", "forged")
_ORIGIN_LABELS = {
    "intake": "reçu par l'intake (signature vérifiée)",
    "unsigned": "⚠ INJECTÉ : aucune signature de l'intake (déposé hors du formulaire)",
    "forged": "⚠ INJECTÉ : signature de l'intake invalide (objet modifié ou déplacé)",
    "unverifiable": "non vérifiée (aucune clé d'intake épinglée)",
    "": "non vérifiée",
}
_NO_INTAKE_KEY = (
    "Origine non vérifiée : épinglez la clé publique de l'intake dans vigie.toml, "
    "[intake] signing_public_key (affichée par `vigie serve` au démarrage)."
)


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    status: str | None = None
    category: str | None = None
    lang: str | None = None  # the reporter's language (fr, en, ar): reply in it


def record(entry: Entry, state: Triage | None) -> dict[str, Any]:
    """One tip as a flat dict of EXPORT_FIELDS (plus kind/problem for damaged ones)."""
    state = state or Triage()
    tip = entry.tip
    row: dict[str, Any] = {
        "receipt": entry.receipt,
        "date": entry.day,
        "status": state.status,
        "assignee": state.assignee,
        "kind": entry.kind,
        "problem": entry.problem,
        # Where the object comes from (reader.py): "unsigned"/"forged" = injected.
        "origin": entry.origin,
        "ignored_events": len(state.ignored),
    }
    for name in ("category", "place", "landmark", "when", "vehicles", "description"):
        row[name] = getattr(tip, name) if tip else ""
    row["campaign"] = tip.campaign if tip else ""
    row["channel"] = tip.channel if tip else ""
    row["lang"] = tip.lang if tip else ""
    row["photos"] = len(tip.attachments) if tip else 0
    return row


def select(
    entries: Iterable[Entry], states: dict[str, Triage], filters: Filters
) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        row = record(entry, states.get(entry.receipt))
        day = date.fromisoformat(entry.day) if entry.day else None
        if filters.since and (day is None or day < filters.since):
            continue
        if filters.until and (day is None or day > filters.until):
            continue
        # Damaged and foreign objects have no readable type or status: they stay
        # visible unless a type/status filter asks for something specific.
        if filters.status and row["status"] != filters.status:
            continue
        if filters.category and row["category"] != filters.category:
            continue
        if filters.lang and row["lang"] != filters.lang:
            continue
        rows.append(row)
    return rows


def _cut(text: str, width: int) -> str:
    text = " ".join(line(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: Sequence[dict[str, Any]]) -> str:
    from .thread import FOLLOWUP_LABELS

    head = ("Reçu", "Date", "Type", "Lieu", "Campagne", "Langue", "Statut", "Photos", "Suivi")
    lines = [head]
    for r in rows:
        if r["kind"] == "ok":
            kind = CATEGORIES.get(r["category"], r["category"]).split(" (")[0]
            status = STATUS_LABELS.get(r["status"], r["status"])
            lines.append(
                (
                    line(r["receipt"]) + (" ⚠" if r["origin"] in _INJECTED else ""),
                    line(r["date"]),
                    _cut(kind, 22),
                    _cut(r["place"], 30),
                    line(r["campaign"] or "-"),
                    line(r["lang"] or "-"),
                    _cut(status + (f" ({r['assignee']})" if r["assignee"] else ""), 60),
                    str(r["photos"]),
                    f"réponse à {r['answer_to']}"
                    if r.get("answer_to")
                    else FOLLOWUP_LABELS.get(r.get("followup", "none"), "-"),
                )
            )
        else:
            label = "ABÎMÉ" if r["kind"] == "damaged" else "AUTRES CLÉS"
            lines.append(
                (
                    line(r["receipt"]) + (" ⚠" if r["origin"] in _INJECTED else ""),
                    line(r["date"] or "-"),
                    label,
                    _cut(r["problem"], 60),
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    ok = sum(1 for r in rows if r["kind"] == "ok")
    out.append(f"\n{len(rows)} signalement(s), dont {len(rows) - ok} illisible(s).")
    injected = sum(1 for r in rows if r["origin"] in _INJECTED)
    if injected:
        out.append(
            f"⚠ {injected} INJECTÉ(S) : sans signature valide de l'intake, donc déposé(s) "
            "directement dans le stockage, pas par le formulaire. À traiter avec méfiance."
        )
    if any(r["origin"] == "unverifiable" for r in rows):
        out.append(_NO_INTAKE_KEY)
    forged = sum(r["ignored_events"] for r in rows)
    if forged:
        out.append(
            f"⚠ {forged} événement(s) de suivi ignoré(s) (non signés ou forgés) : "
            "voir `vigie inbox show`."
        )
    return "\n".join(out)


def rows_json(rows: Sequence[dict[str, Any]]) -> str:
    return dumps(list(rows))


def show(entry: Entry, state: Triage | None, attachments: Path | None) -> str:
    """The whole tip as text; photos written to `attachments` if given."""
    if entry.tip is None:
        raise InboxError(line(f"{entry.receipt} ({entry.key}) : {entry.problem}"))
    tip, state = entry.tip, state or Triage()
    # Every value below comes from a stranger's tip or an event: `line` for a
    # one-line field (no newline can fake another row), `block` for free text.
    parts = [
        f"Reçu        : {line(entry.receipt)}",
        f"Date        : {line(entry.day)}",
        f"Statut      : {line(STATUS_LABELS.get(state.status, state.status))}"
        + (f" — suivi par {line(state.assignee)}" if state.assignee else ""),
        f"Type        : {line(CATEGORIES.get(tip.category, tip.category))}",
        f"Lieu        : {line(tip.place or '-')}",
        f"Repère      : {line(tip.landmark or '-')}",
        f"Quand       : {line(tip.when or '-')}",
        f"Véhicules   : {line(tip.vehicles or '-')}",
        f"Campagne    : {line(tip.campaign or '-')}",
        f"Langue      : {line(tip.lang)}",
        f"Canal       : {'formulaire sans JavaScript' if tip.channel == 'form' else 'web'}",
        f"Photos      : {len(tip.attachments)}",
        f"Origine     : {_ORIGIN_LABELS.get(entry.origin, entry.origin)}",
        "",
        "Description :",
        block(tip.description),
    ]
    if state.events:
        parts += ["", "Historique :"]
        for ev in state.events:
            who = f" ({line(ev.assignee)})" if ev.assignee else ""
            # A note may span lines; each continuation is indented under its event.
            note = f" — {block(ev.note)}".replace("\n", "\n      ") if ev.note else ""
            parts.append(
                f"  {line(ev.at)}  {line(STATUS_LABELS.get(ev.status, ev.status))}{who}{note}"
            )
    if state.unreadable:
        parts.append(f"  ({state.unreadable} événement(s) de suivi chiffré(s) pour d'autres clés)")
    if state.ignored:
        parts += ["", "Événements de suivi IGNORÉS (ils ne comptent pas) :"]
        parts += [f"  {line(reason)}" for reason in state.ignored]
    if attachments is not None and tip.attachments:
        written, refused = save_attachments(entry, attachments)
        if written:
            parts += ["", "Photos enregistrées :", *(f"  {p}" for p in written)]
        if refused:
            parts += ["", "Photos refusées ou renommées :", *(f"  {r}" for r in refused)]
    return "\n".join(parts)


def save_attachments(entry: Entry, folder: Path) -> tuple[list[Path], list[str]]:
    """Write the tip's photos that really are images; (written paths, refusals).

    Each is checked first (`photos.check`: magic bytes, format, decoded size): a
    real image declared with the wrong type gets its real extension, anything
    else is refused with a reason and not written.
    """
    assert entry.tip is not None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InboxError(f"{folder} : dossier inutilisable ({exc.strerror})") from None
    written, refused = [], []
    for n, att in enumerate(entry.tip.attachments, 1):
        checked = photos.check(att)
        if not checked.ok:
            refused.append(f"photo {n} (déclarée {line(att.type)}) : {checked.problem}")
            continue
        path = folder / f"{entry.receipt}-{n}.{checked.ext}"
        write_private(path, att.data)
        written.append(path)
        if checked.renamed:
            refused.append(
                f"photo {n} : déclarée {line(att.type)}, c'est en fait {checked.real} ({path.name})"
            )
    return written, refused


# A formula trigger right after anything a spreadsheet might take for a cell
# boundary: `parking;=1+1;` in a comma-separated file is three cells, one of them
# live, for a French spreadsheet that splits on `;` (quotes do not help a reader
# that uses another separator than the writer).
_INNER_TRIGGER = re.compile(r"""([,;\t|\r\n][\s"]*)([=+\-@])""")


def _neutral(value: Any) -> Any:
    """Defuse spreadsheet formulas: tip text is written by strangers (CSV injection).

    Control characters are made visible first (`block`), then a `'` goes before
    a leading formula character and before one that follows a possible separator.
    """
    if not isinstance(value, str):
        return value
    value = _INNER_TRIGGER.sub(r"\1'\2", block(value))
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(rows: Sequence[dict[str, Any]], fmt: str, out: Path, fields: Sequence[str]) -> int:
    """Write readable tips to `out` (UTF-8 CSV or JSON) with the chosen fields."""
    data, count = export_bytes(rows, fmt, fields)
    write_private(out, data)
    return count


def export_bytes(
    rows: Sequence[dict[str, Any]], fmt: str, fields: Sequence[str]
) -> tuple[bytes, int]:
    """The export file's bytes (UTF-8 CSV or JSON) and how many tips it holds."""
    unknown = [f for f in fields if f not in EXPORT_FIELDS]
    if unknown:
        raise InboxError(
            f"champ(s) inconnu(s) : {', '.join(unknown)} (possibles : {', '.join(EXPORT_FIELDS)})"
        )
    chosen = [{f: r[f] for f in fields} for r in rows if r["kind"] == "ok"]
    if fmt == "json":
        data = dumps(chosen).encode("utf-8") + b"\n"
    else:
        buf = io.StringIO(newline="")
        # Every field quoted: a separator inside a field never splits it for a
        # reader that uses the same separator as the writer.
        writer = csv.DictWriter(buf, fieldnames=list(fields), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows([{k: _neutral(v) for k, v in r.items()} for r in chosen])
        # BOM so spreadsheet software used by the cell opens accents correctly.
        data = buf.getvalue().encode("utf-8-sig")
    return data, len(chosen)
