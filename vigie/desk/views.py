"""What the desk's pages show, computed from the inbox modules (no second implementation).

The rows are `vigie.inbox.listing.select`'s with `service.annotate_rows`'s
columns, the same as `vigie inbox list --json`: follow-up status, effort class
and the suspect verdict of `vigie.inbox.suspect` (the one owner of that rule).
The desk only adds a text search and two filters over the decrypted fields
already in memory, the view (suspects apart by default, as in the CLI), and
French labels for display.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from vigie.core.envelope import CATEGORIES
from vigie.inbox import listing, service, suspect
from vigie.inbox.cache import Cache
from vigie.inbox.reader import Entry
from vigie.inbox.thread import FOLLOWUP_LABELS, Message
from vigie.inbox.triage import STATUS_LABELS, STATUSES, Triage

KIND_LABELS = {"damaged": "ABÎMÉ", "foreign": "AUTRES CLÉS"}
# The reporter's language (envelope v2; version 1 tips read as French).
LANG_LABELS = {"fr": "français", "en": "anglais", "ar": "arabe"}
# The CLI's --all / --suspect, as a filter.
VIEWS = {
    "default": "Sans les suspects",
    "all": "Tous, suspects compris",
    "suspect": "Suspects seulement",
}
# The proof-of-work effort class the intake recorded (none: the no-JavaScript form).
EFFORT_LABELS = {0: "0 (minimal)", 1: "1", 2: "2", 3: "3 (élevé)"}
SENDERS = {"analysts": "Enquêteurs", "reporter": "Déclarant"}
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
    view: str = "default"
    min_effort: int | None = None

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
            ("view", "" if self.view == "default" else self.view),
            ("effort", "" if self.min_effort is None else str(self.min_effort)),
        ]
        return [(k, v) for k, v in pairs if v]

    def link(self, **changes: Any) -> str:
        """The list's address for this query with some fields changed."""
        items = replace(self, **changes).items()
        return "/?" + urlencode(items) if items else "/"


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
    view = args.get("view", "") or "default"
    if view not in VIEWS:
        errors.append("Affichage inconnu : filtre ignoré.")
        view = "default"
    effort = args.get("effort", "")
    if effort and effort not in {str(k) for k in EFFORT_LABELS}:
        errors.append("Effort inconnu : filtre ignoré.")
        effort = ""
    query = Query(
        q=args.get("q", "").strip()[:200],
        status=status,
        category=category,
        campaign=args.get("campaign", "").strip()[:64],
        lang=lang,
        since=_day(args.get("since", ""), errors, "Depuis"),
        until=_day(args.get("until", ""), errors, "Jusqu'au"),
        view=view,
        min_effort=int(effort) if effort else None,
    )
    return query, errors


def _notes(state: Triage | None) -> str:
    return " ".join(ev.note for ev in state.events) if state else ""


@dataclass(frozen=True)
class Listing:
    """One page of the list: what is shown, and what the view leaves out."""

    shown: list[dict[str, Any]]
    hidden: int  # suspects left out by the default view
    hidden_detail: str  # « effort minimal : 30, rafale : 31 »
    to_reject: list[dict[str, Any]]  # the bulk action's tips: suspects not yet rejected


def listing_view(
    entries: Sequence[Entry], states: dict[str, Triage], query: Query, cache: Cache
) -> Listing:
    """The rows for this query, each with display labels added.

    The suspect verdict is the CLI's (same filters, then `service.annotate_rows`);
    the desk's own search and filters come after it, so typing in the search
    box never changes which tips are suspect.
    """
    selected = service.annotate_rows(
        cache, entries, listing.select(entries, states, query.filters())
    )
    langs = {e.receipt: e.tip.lang for e in entries if e.tip is not None}
    needle = query.q.casefold()
    campaign = query.campaign.casefold()
    kept = []
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
        kept.append(decorate(row))
    suspects = suspect.pick(kept, "suspect", query.min_effort)
    why = Counter(reason for r in suspects for reason in r["reason"].split(", ") if reason)
    return Listing(
        shown=suspect.pick(kept, query.view, query.min_effort),
        hidden=len(suspects) if query.view == "default" else 0,
        hidden_detail=", ".join(
            f"{label} : {why[label]}" for label in suspect.REASONS.values() if why[label]
        ),
        to_reject=[r for r in suspects if r["kind"] == "ok" and r["status"] != "rejected"],
    )


def rows(
    entries: Sequence[Entry], states: dict[str, Triage], query: Query, cache: Cache
) -> list[dict[str, Any]]:
    """The rows the list shows for this query (what an export takes)."""
    return listing_view(entries, states, query, cache).shown


def fingerprint(rows: Sequence[dict[str, Any]]) -> str:
    """Names one exact selection: a bulk action applies only to the list it showed."""
    joined = "\n".join(sorted(r["receipt"] for r in rows))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def decorate(row: dict[str, Any]) -> dict[str, Any]:
    """Display labels for one row (French), without changing the listing's fields."""
    return {
        **row,
        "category_label": CATEGORIES.get(row["category"], row["category"]).split(" (")[0],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "kind_label": KIND_LABELS.get(row["kind"], ""),
        "lang_label": LANG_LABELS.get(row.get("lang", ""), row.get("lang", "")),
        "suspect": bool(row.get("suspect")),
        "reason": row.get("reason", ""),
        "effort_label": _effort_label(row.get("effort")),
        "followup": row.get("followup", "none"),
        "followup_label": _followup_label(row.get("followup", "none")),
        "answer_to": row.get("answer_to", ""),
    }


def _effort_label(effort: int | None) -> str:
    return "—" if effort is None else EFFORT_LABELS.get(effort, str(effort))


def _followup_label(status: str) -> str:
    return "—" if status == "none" else FOLLOWUP_LABELS.get(status, status)


def tip_view(
    entry: Entry,
    state: Triage | None,
    thread: Sequence[Message] = (),
    parent: Entry | None = None,
    followup: str = "none",
    effort: int | None = None,
) -> dict[str, Any]:
    """Everything the tip page shows (photos by index only: the bytes stay in memory).

    `thread` is `service.thread_of`'s, `parent` an answer's first tip (the
    thread's own receipt: questions are recorded on it), `followup` its status.
    """
    state = state or Triage()
    tip = entry.tip
    row = decorate(
        {
            **listing.record(entry, state),
            "lang": tip.lang if tip else "",
            "followup": followup,
            "answer_to": parent.receipt if parent else "",
            "effort": effort,
        }
    )
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
        "has_followup": bool(tip and tip.has_followup),
        "thread_receipt": (parent or entry).receipt,
        "messages": [
            {
                "sender": m.sender,
                "who": SENDERS.get(m.sender, m.sender),
                "date": m.date,
                "text": m.text,
            }
            for m in thread
        ],
    }


def campaigns(entries: Sequence[Entry]) -> list[str]:
    """Campaign codes present, for the filter's choices."""
    return sorted({e.tip.campaign for e in entries if e.tip and e.tip.campaign})


def summary(rows: Sequence[dict[str, Any]]) -> str:
    unreadable = sum(1 for r in rows if r["kind"] != "ok")
    return f"{len(rows)} signalement(s), dont {unreadable} illisible(s)."
