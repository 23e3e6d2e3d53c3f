"""`vigie stats`: aggregate counts for the comms team, never a small cell.

Counts per month, per type and per campaign code are computed by an analyst
(who holds a key) from decrypted tips. Every count under `THRESHOLD` (5),
zero included, is replaced by the string "< 5" *before* anything is written,
so `stats.json`, the chart and the public "Résultats" page can never reveal
that one or two people from a small area reported something. When exactly one
cell of a breakdown is suppressed, or the suppressed cells add up to less than
5, the next smallest cells are suppressed too (secondary suppression):
otherwise the published total minus the other cells would give a small count
back. Campaign codes seen fewer than 5 times are pooled under one unnamed row.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from vigie.core.envelope import CATEGORIES

from .errors import InboxError
from .reader import Entry

THRESHOLD = 5
SMALL = f"< {THRESHOLD}"
NO_CODE = "(sans code)"
# Codes seen fewer than 5 times are pooled, never named: naming one would say
# "at least one tip came from that poster" (a small cell in disguise).
OTHER_CODES = "(autres codes)"
MONTHS_FR = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip

Cell = int | str


def month_label(month: str) -> str:
    year, m = month.split("-")
    return f"{MONTHS_FR[int(m) - 1]} {year}"


def months_between(since: str, until: str) -> list[str]:
    y, m = (int(x) for x in since.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= until:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def suppress(counts: Sequence[int]) -> list[Cell]:
    """Small cells become "< 5"; then the smallest shown cells are hidden too until
    the hidden cells sum to 0 or to at least 5: the published total minus the
    shown cells must never give back a count of 1 to 4."""
    cells: list[Cell] = [c if c >= THRESHOLD else SMALL for c in counts]
    hidden = [c for c in counts if c < THRESHOLD]
    shown = sorted((c, i) for i, c in enumerate(counts) if c >= THRESHOLD)
    # Hidden cells summing to 0 reveal no one (an empty month stays "< 5" alone);
    # a lone hidden cell of 1 to 4 is caught by the sum.
    while shown and 0 < sum(hidden) < THRESHOLD:
        count, index = shown.pop(0)
        cells[index] = SMALL
        hidden.append(count)
    return cells


def previous_month(today: date) -> str:
    """The last closed month: publications cover closed months only (see ledger.py)."""
    y, m = today.year, today.month
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return f"{y:04d}-{m:02d}"


def compute(
    entries: Iterable[Entry], since: str, today: date, until: str | None = None
) -> dict[str, Any]:
    """The whole stats.json document (already suppressed), months `since`..`until`
    (default: up to today's month, for a look inside the inbox; a publication
    passes a closed `until` and goes through `ledger.check`)."""
    until = until or today.strftime("%Y-%m")
    if since > today.strftime("%Y-%m"):
        raise InboxError(f"--since {since} est dans le futur")
    if since > until:
        raise InboxError(f"--since {since} est après --until {until}")
    months: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    campaigns: Counter[str] = Counter()
    unreadable = 0
    for entry in entries:
        # Only the months the document covers: a tip dated after `today` (a
        # clock that was ahead) would count in the total but in no month,
        # and total minus the months would give back a hidden count.
        if not entry.day or not since <= entry.day[:7] <= until:
            continue
        if entry.injected:
            continue  # not stored by the intake (reader.py): never counted as a tip
        if entry.tip is None:
            unreadable += 1
            continue
        months[entry.day[:7]] += 1
        categories[entry.tip.category] += 1
        campaigns[entry.tip.campaign or NO_CODE] += 1
    month_keys = months_between(since, until)
    cat_keys = list(CATEGORIES)
    camp_counts = {NO_CODE: campaigns.pop(NO_CODE, 0), OTHER_CODES: 0}
    for code, n in campaigns.items():
        if n >= THRESHOLD:
            camp_counts[code] = n
        else:
            camp_counts[OTHER_CODES] += n
    camp_keys = sorted(k for k in camp_counts if k not in (NO_CODE, OTHER_CODES))
    camp_keys += [OTHER_CODES, NO_CODE]
    total = sum(months.values())
    return {
        # No integer version field: stats.json holds no number under 5 at all.
        "format": "vigie-stats/1",
        "since": since,
        "until": until,
        "threshold": THRESHOLD,
        "total": total if total >= THRESHOLD else SMALL,
        "unreadable": unreadable if unreadable >= THRESHOLD else SMALL,
        "by_month": [
            {"month": k, "label": month_label(k), "count": c}
            for k, c in zip(month_keys, suppress([months[k] for k in month_keys]), strict=True)
        ],
        "by_category": [
            {"category": k, "label": CATEGORIES[k], "count": c}
            for k, c in zip(cat_keys, suppress([categories[k] for k in cat_keys]), strict=True)
        ],
        "by_campaign": [
            {"campaign": k, "count": c}
            for k, c in zip(camp_keys, suppress([camp_counts[k] for k in camp_keys]), strict=True)
        ],
    }


def check_no_small_cell(doc: Any) -> None:
    """Refuse to publish any integer under the threshold, wherever it sits."""
    if isinstance(doc, dict):
        for value in doc.values():
            check_no_small_cell(value)
    elif isinstance(doc, list):
        for value in doc:
            check_no_small_cell(value)
    elif isinstance(doc, int) and not isinstance(doc, bool) and doc < THRESHOLD:
        raise InboxError("statistiques refusées : une case contient moins de 5 signalements")


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Temp file (0600 from creation) in the same folder, then rename; removed on error."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(doc: dict[str, Any], out: Path) -> Path:
    check_no_small_cell(doc)
    path = out / "stats.json"
    _write_atomic(path, json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    return path


def results_page(doc: dict[str, Any]) -> str:
    """The public "Résultats" page (Markdown), made only from stats.json."""
    check_no_small_cell(doc)
    lines = [
        "# Résultats",
        "",
        f"Signalements reçus par Vigie depuis {month_label(doc['since'])}, "
        f"jusqu'à {month_label(doc['until'])} : **{doc['total']}**.",
        "",
        f"Pour protéger les personnes qui signalent, les nombres inférieurs à {THRESHOLD} "
        f"sont affichés « {SMALL} ».",
        "",
        "## Par mois",
        "",
        "| Mois | Signalements |",
        "| --- | ---: |",
        *(f"| {m['label']} | {m['count']} |" for m in doc["by_month"]),
        "",
        "## Par type de fait",
        "",
        "| Type | Signalements |",
        "| --- | ---: |",
        *(f"| {c['label']} | {c['count']} |" for c in doc["by_category"]),
        "",
    ]
    # Campaign codes are poster locations: publish only those that pass the threshold.
    shown = [c for c in doc["by_campaign"] if c["count"] != SMALL and c["campaign"] != NO_CODE]
    if shown:
        lines += [
            "## Par campagne d'affichage",
            "",
            "| Code de l'affiche | Signalements |",
            "| --- | ---: |",
            *(f"| {c['campaign']} | {c['count']} |" for c in shown),
            "",
        ]
    return "\n".join(lines)


def write_page(doc: dict[str, Any], path: Path) -> Path:
    _write_atomic(path, results_page(doc).encode("utf-8"))
    return path
