"""What the desk's pages show, computed from the inbox modules (no second implementation).

The rows are `vigie.inbox.listing.select`'s, the same as `vigie inbox list
--json`; the desk only adds a text search and two filters over the decrypted
fields already in memory, and French labels for display.

Extension points for features that have not landed yet: a row may carry
`suspect` (flood heuristics) and `followup` (reporter replies); the list shows
suspect rows in their own section and a follow-up column as soon as a row has
one, without any change here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from vigie.core.envelope import CATEGORIES
from vigie.inbox import listing
from vigie.inbox.reader import Entry
from vigie.inbox.triage import STATUS_LABELS, STATUSES, Triage

KIND_LABELS = {"damaged": "ABÎMÉ", "foreign": "AUTRES CLÉS"}
# The reporter's language (envelope v2; version 1 tips read as French).
LANG_LABELS = {"fr": "français", "en": "anglais", "ar": "arabe"}
# Fields the search box looks into (all decrypted, all in memory only).
SEARCHED = (
    "receipt",
    "place",
    "landmark",
    "when",
    "vehicles",
    "description",
    "campaign",
    "assignee",
)


@dataclass(frozen=True)
class Query:
    q: str = ""
    status: str = ""
    category: str = ""
    campaign: str = ""
    lang: str = ""
    since: date | None = None
    until: date | None = None

    def filters(self) -> listing.Filters:
        return listing.Filters(
            since=self.since,
            until=self.until,
            status=self.status or None,
            category=self.category or None,
        )

    def items(self) -> list[tuple[str, str]]:
        """The query as form fields (kept in the export form and in links)."""
        pairs = [
            ("q", self.q),
            ("status", self.status),
            ("category", self.category),
            ("campaign", self.campaign),
            ("lang", self.lang),
            ("since", self.since.isoformat() if self.since else ""),
            ("until", self.until.isoformat() if self.until else ""),
        ]
        return [(k, v) for k, v in pairs if v]


def _day(text: str, errors: list[str], label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label} : date attendue sous la forme AAAA-MM-JJ.")
        return None


def parse_query(args: Mapping[str, str]) -> tuple[Query, list[str]]:
    """Filters from the query string; unknown values are dropped with a message."""
    errors: list[str] = []
    status = args.get("status", "")
    if status and status not in STATUSES:
        errors.append("Statut inconnu : filtre ignoré.")
        status = ""
    category = args.get("category", "")
    if category and category not in CATEGORIES:
        errors.append("Type inconnu : filtre ignoré.")
        category = ""
    lang = args.get("lang", "")
    if lang and lang not in LANG_LABELS:
        errors.append("Langue inconnue : filtre ignoré.")
        lang = ""
    query = Query(
        q=args.get("q", "").strip()[:200],
        status=status,
        category=category,
        campaign=args.get("campaign", "").strip()[:64],
        lang=lang,
        since=_day(args.get("since", ""), errors, "Depuis"),
        until=_day(args.get("until", ""), errors, "Jusqu'au"),
    )
    return query, errors


def _notes(state: Triage | None) -> str:
    return " ".join(ev.note for ev in state.events) if state else ""


def rows(entries: Sequence[Entry], states: dict[str, Triage], query: Query) -> list[dict[str, Any]]:
    """The listing's rows for this query, each with display labels added."""
    selected = listing.select(entries, states, query.filters())
    langs = {e.receipt: e.tip.lang for e in entries if e.tip is not None}
    needle = query.q.casefold()
    campaign = query.campaign.casefold()
    out = []
    for row in selected:
        row.setdefault("lang", langs.get(row["receipt"], ""))
        if campaign and row["kind"] == "ok" and row["campaign"].casefold() != campaign:
            continue
        if query.lang and row["kind"] == "ok" and row["lang"] != query.lang:
            continue
        if needle:
            haystack = (
                " ".join(str(row[f]) for f in SEARCHED) + " " + _notes(states.get(row["receipt"]))
            )
            if needle not in haystack.casefold():
                continue
        out.append(decorate(row))
    return out


def decorate(row: dict[str, Any]) -> dict[str, Any]:
    """Display labels for one row (French), without changing the listing's fields."""
    return {
        **row,
        "category_label": CATEGORIES.get(row["category"], row["category"]).split(" (")[0],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "kind_label": KIND_LABELS.get(row["kind"], ""),
        "lang_label": LANG_LABELS.get(row.get("lang", ""), row.get("lang", "")),
        "suspect": bool(row.get("suspect")),
        "followup": row.get("followup", ""),
    }


def tip_view(entry: Entry, state: Triage | None) -> dict[str, Any]:
    """Everything the tip page shows (photos by index only: the bytes stay in memory)."""
    state = state or Triage()
    tip = entry.tip
    row = decorate({**listing.record(entry, state), "lang": tip.lang if tip else ""})
    return {
        "row": row,
        "entry": entry,
        "category_full": CATEGORIES.get(tip.category, tip.category) if tip else "",
        "channel_label": ("formulaire sans JavaScript" if tip and tip.channel == "form" else "web"),
        "photos": [
            {"n": n, "type": att.type} for n, att in enumerate(tip.attachments if tip else (), 1)
        ],
        "events": [
            {
                "at": ev.at,
                "status_label": STATUS_LABELS.get(ev.status, ev.status),
                "assignee": ev.assignee,
                "note": ev.note,
            }
            for ev in state.events
        ],
        "unreadable": state.unreadable,
        "state": state,
    }


def campaigns(entries: Sequence[Entry]) -> list[str]:
    """Campaign codes present, for the filter's choices."""
    return sorted({e.tip.campaign for e in entries if e.tip and e.tip.campaign})


def summary(rows: Sequence[dict[str, Any]]) -> str:
    unreadable = sum(1 for r in rows if r["kind"] != "ok")
    return f"{len(rows)} signalement(s), dont {unreadable} illisible(s)."
