"""`stats.png`: a chart for the comms team, drawn only from the suppressed stats.

Two panels: tips per month (bars), and per type of fact (horizontal bars).
A suppressed cell ("< 5") gets no bar height at all, just a grey "< 5" label,
so the picture cannot leak what the JSON hides. Labels are in French and the
numbers are written on the bars: readers need not read an axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .stats import SMALL, _write_atomic

_BLUE = "#1f4e79"
_GREY = "#6b6b6b"


def _values(rows: list[dict[str, Any]]) -> tuple[list[int], int]:
    """Bar lengths (0 for a suppressed cell: no hint of its size) and the axis end."""
    values = [r["count"] if r["count"] != SMALL else 0 for r in rows]
    return values, max([*values, 5])


def _label(ax: Any, x: float, y: float, value: int, ha: str, va: str) -> None:
    small = value == 0
    ax.text(
        x, y, SMALL if small else str(value), ha=ha, va=va, fontsize=11,
        color=_GREY if small else "black",
    )  # fmt: skip


def draw(doc: dict[str, Any], path: Path) -> Path:
    _write_atomic(path, render_png(doc))
    return path


def render_png(doc: dict[str, Any]) -> bytes:
    """The chart as PNG bytes (the desk shows it without writing a file)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; set before pyplot is imported
    import io

    import matplotlib.pyplot as plt

    months = doc["by_month"]
    cats = doc["by_category"]
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(10, 9), gridspec_kw={"height_ratios": [3, 2]}, layout="constrained"
    )
    heights, top = _values(months)
    xs = range(len(months))
    ax1.bar(xs, heights, color=_BLUE, width=0.7)
    for x, h in zip(xs, heights, strict=True):
        _label(ax1, x, h + top * 0.02, h, ha="center", va="bottom")
    ax1.set_xticks(list(xs), [m["label"] for m in months], rotation=45 if len(months) > 8 else 0)
    ax1.set_ylim(0, top * 1.15)
    ax1.set_ylabel("Nombre de signalements")
    ax1.set_title(f"Signalements reçus par mois (total : {doc['total']})", fontsize=14)
    ax1.spines[["top", "right"]].set_visible(False)

    widths, right = _values(cats)
    ys = range(len(cats))
    ax2.barh(ys, widths, color=_BLUE, height=0.6)
    for y, w in zip(ys, widths, strict=True):
        _label(ax2, w + right * 0.01, y, w, ha="left", va="center")
    # Short labels ("Livraison", not the full form wording) keep the month chart wide.
    ax2.set_yticks(list(ys), [c["label"].split(" (")[0] for c in cats], fontsize=11)
    ax2.invert_yaxis()
    ax2.set_xlim(0, right * 1.15)
    ax2.set_xlabel("Nombre de signalements")
    ax2.set_title("Par type de fait", fontsize=14)
    ax2.spines[["top", "right"]].set_visible(False)
    fig.supxlabel(
        f"Les nombres inférieurs à {doc['threshold']} sont masqués (« {SMALL} ») "
        "pour protéger les personnes qui signalent.",
        fontsize=10, color=_GREY,
    )  # fmt: skip
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
