"""Presenting decrypted tips: the `list` table or JSON, `show`, and `export`.

Output goes to the terminal, or to files the analyst names explicitly
(`--attachments DIR`, `--out FILE`), created 0600 and never overwritten
silently: decrypted tips must not end up anywhere by accident.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vigie.core.envelope import CATEGORIES

from .errors import InboxError
from .keys import write_private
from .reader import Entry
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
)
DEFAULT_EXPORT_FIELDS = EXPORT_FIELDS
_EXT = {"image/jpeg": "jpg", "image/png": "png"}


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
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: Sequence[dict[str, Any]]) -> str:
    head = ("Reçu", "Date", "Type", "Lieu", "Campagne", "Langue", "Statut", "Photos")
    lines = [head]
    for r in rows:
        if r["kind"] == "ok":
            kind = CATEGORIES.get(r["category"], r["category"]).split(" (")[0]
            status = STATUS_LABELS.get(r["status"], r["status"])
            lines.append(
                (
                    r["receipt"],
                    r["date"],
                    _cut(kind, 22),
                    _cut(r["place"], 30),
                    r["campaign"] or "-",
                    r["lang"] or "-",
                    status + (f" ({r['assignee']})" if r["assignee"] else ""),
                    str(r["photos"]),
                )
            )
        else:
            label = "ABÎMÉ" if r["kind"] == "damaged" else "AUTRES CLÉS"
            lines.append(
                (r["receipt"], r["date"] or "-", label, _cut(r["problem"], 60), "", "", "", "")
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    ok = sum(1 for r in rows if r["kind"] == "ok")
    out.append(f"\n{len(rows)} signalement(s), dont {len(rows) - ok} illisible(s).")
    return "\n".join(out)


def rows_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2)


def show(entry: Entry, state: Triage | None, attachments: Path | None) -> str:
    """The whole tip as text; photos written to `attachments` if given."""
    if entry.tip is None:
        raise InboxError(f"{entry.receipt} ({entry.key}) : {entry.problem}")
    tip, state = entry.tip, state or Triage()
    parts = [
        f"Reçu        : {entry.receipt}",
        f"Date        : {entry.day}",
        f"Statut      : {STATUS_LABELS.get(state.status, state.status)}"
        + (f" — suivi par {state.assignee}" if state.assignee else ""),
        f"Type        : {CATEGORIES.get(tip.category, tip.category)}",
        f"Lieu        : {tip.place or '-'}",
        f"Repère      : {tip.landmark or '-'}",
        f"Quand       : {tip.when or '-'}",
        f"Véhicules   : {tip.vehicles or '-'}",
        f"Campagne    : {tip.campaign or '-'}",
        f"Langue      : {tip.lang}",
        f"Canal       : {'formulaire sans JavaScript' if tip.channel == 'form' else 'web'}",
        f"Photos      : {len(tip.attachments)}",
        "",
        "Description :",
        tip.description,
    ]
    if state.events:
        parts += ["", "Historique :"]
        for ev in state.events:
            who = f" ({ev.assignee})" if ev.assignee else ""
            note = f" — {ev.note}" if ev.note else ""
            parts.append(f"  {ev.at}  {STATUS_LABELS.get(ev.status, ev.status)}{who}{note}")
    if state.unreadable:
        parts.append(f"  ({state.unreadable} événement(s) de suivi illisible(s))")
    if attachments is not None and tip.attachments:
        written = write_attachments(entry, attachments)
        parts += ["", "Photos enregistrées :", *(f"  {p}" for p in written)]
    return "\n".join(parts)


def write_attachments(entry: Entry, folder: Path) -> list[Path]:
    assert entry.tip is not None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InboxError(f"{folder} : dossier inutilisable ({exc.strerror})") from None
    written = []
    for n, att in enumerate(entry.tip.attachments, 1):
        path = folder / f"{entry.receipt}-{n}.{_EXT.get(att.type, 'bin')}"
        write_private(path, att.data)
        written.append(path)
    return written


def _neutral(value: Any) -> Any:
    """Defuse spreadsheet formulas: tip text is written by strangers (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(rows: Sequence[dict[str, Any]], fmt: str, out: Path, fields: Sequence[str]) -> int:
    """Write readable tips to `out` (UTF-8 CSV or JSON) with the chosen fields."""
    unknown = [f for f in fields if f not in EXPORT_FIELDS]
    if unknown:
        raise InboxError(
            f"champ(s) inconnu(s) : {', '.join(unknown)} (possibles : {', '.join(EXPORT_FIELDS)})"
        )
    chosen = [{f: r[f] for f in fields} for r in rows if r["kind"] == "ok"]
    if fmt == "json":
        data = json.dumps(chosen, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    else:
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fieldnames=list(fields))
        writer.writeheader()
        writer.writerows([{k: _neutral(v) for k, v in r.items()} for r in chosen])
        # BOM so spreadsheet software used by the cell opens accents correctly.
        data = buf.getvalue().encode("utf-8-sig")
    write_private(out, data)
    return len(chosen)
