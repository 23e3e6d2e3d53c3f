"""Flood benchmark: junk rejection rate and real-tip rate under a junk flood.

Runs the real `vigie serve` (dir: store, loopback) and measures, in the same run:
- junk refused per second (POSTs without a valid proof-of-work, 8 keep-alive
  clients), against the rate of the cheapest route on the same server (CORS
  preflight: no store, no crypto) — the closer to 1x, the cheaper junk is;
- real tips acknowledged per second while the flood goes on, against the same
  tips submitted with no flood — how much the flood slows real reporters;
- the median time for one real tip (challenge + solve + POST) under flood,
  against the same without flood.
Nothing gives real tips priority: they share the CPU with the junk clients, so
the goals are "all stored, still quick for a person", not "as fast as calm".
Bounded in count and time; stops by itself. Correctness (junk writes nothing,
every real tip stored) is asserted by tests/test_flood.py, not here.

Run: `python bench/flood.py` (or `make bench` for the whole report).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vigie.core import layout

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Row = dict[str, Any]

JUNK_TOTAL = 20_000
MAX_SECONDS = 20.0
REAL_TIPS = 40


def _row(name: str, value: float, unit: str, baseline: float, goal: str) -> Row:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": value / baseline if baseline else None,
        "goal": goal,
    }


def run() -> list[Row]:
    import pyrage

    from tests.support.flood import flood, noop_rate, quiet_rate
    from tests.support.hardening import tiny_site
    from tests.support.live import LiveVigie, write_config
    from vigie.core import envelope
    from vigie.core.config import load_config
    from vigie.core.storage import open_store

    identity = pyrage.x25519.Identity.generate()
    recipients = [str(identity.to_public())]

    def bodies(label: str) -> list[bytes]:
        return [
            envelope.seal(
                envelope.serialize_tip(envelope.Tip(category="spot", description=f"{label} {i}")),
                recipients,
            )
            for i in range(REAL_TIPS)
        ]

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = write_config(root / "vigie.toml", f"dir:{root / 'store'}", recipients)
        store = open_store(load_config(config, {}).intake)
        with LiveVigie(config, tiny_site(root / "site")) as live:
            noop = noop_rate(live.url, 4000)
            start = time.monotonic()
            quiet = quiet_rate(live.url, bodies("calme"))
            quiet_latency = (time.monotonic() - start) / REAL_TIPS
            result = flood(
                live.url,
                bodies("crue"),
                junk_total=JUNK_TOTAL,
                max_seconds=MAX_SECONDS,
                real_spacing=0.0,
            )
        stored = sum(1 for o in store.list(layout.TIPS) if o.key.endswith(".age"))
    junk_writes = stored - 2 * REAL_TIPS
    refused = result.junk_statuses.get(403, 0)
    return [
        _row(
            f"junk refused per second under flood ({result.junk_sent} sent, "
            f"{refused} refused 403, {junk_writes} written)",
            result.junk_rate,
            "req/s",
            noop,
            ">= 0.5x no-op route, 0 written",
        ),
        _row(
            f"real tips per second during the flood ({len(result.real_receipts)}/{REAL_TIPS} "
            "stored, one after the other)",
            result.real_rate,
            "tips/s",
            quiet,
            "all stored; >= 0.1x quiet (2 real clients share the CPU with 8 junk ones)",
        ),
        _row(
            "real tip, median time under flood (challenge + solve + POST)",
            statistics.median(result.real_latencies) if result.real_latencies else 0.0,
            "s",
            quiet_latency,
            "< 0.5 s (a person does not notice)",
        ),
    ]


if __name__ == "__main__":
    for row in run():
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else "-"
        print(
            f"{row['name']}: {row['value']:.3g} {row['unit']} "
            f"(baseline {row['baseline']:.3g}, {ratio}; goal {row['goal']})"
        )
