"""Campaign generator speed and memory, against floors measured in the same run.

- One A4 poster (layout, drawing, zxing verification, PNG and PDF written) against
  the floor: Pillow creating a blank page of the same size and saving it as PNG
  (trim size) and as PDF (with bleed). Goal: at most 1.5 x the floor.
- A 100-piece campaign (25 variants x A4, A6, sticker, square), whole build with
  1 worker and with every core: pieces per second and the speed-up (goal: near
  linear, at least 0.8 x the number of cores).
- Peak resident memory of the parent and of the largest worker.

    python bench/campaign.py        # prints the rows; `make bench` gathers run()
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from vigie.campaign.build import build_campaign, render_job  # noqa: E402
from vigie.campaign.formats import FORMATS  # noqa: E402
from vigie.campaign.layout import layout_piece  # noqa: E402
from vigie.campaign.spec import Campaign, load_campaign  # noqa: E402
from vigie.core.config import build_config  # noqa: E402

CFG = build_config({"site": {"report_url": "https://signaler.vigie-besancon.fr/signaler/"}})
REPEAT = 3


def _campaign(tmp: Path, variants: int, formats: list[str]) -> Campaign:
    path = tmp / "bench.toml"
    body = "".join(
        f'[[variant]]\ncode = "BSN-Q{i:02d}"\nlabel = "Quartier {i}"\n' for i in range(variants)
    )
    path.write_text(
        f'[campaign]\nname = "Bench"\ncrop_marks = true\nformats = {formats!r}\n' + body
    )
    return load_campaign(path, CFG)


def _floor_a4() -> float:
    fmt = FORMATS["a4"]
    start = time.perf_counter()
    page = Image.new("RGB", fmt.canvas_px, "white")
    page.crop((0, 0, *fmt.trim_px)).save(io.BytesIO(), format="PNG")
    page.save(io.BytesIO(), format="PDF", resolution=300)
    return time.perf_counter() - start


def _one_a4(camp: Campaign, out: str) -> float:
    start = time.perf_counter()
    plan = layout_piece(camp, camp.variants[0], "fr", "a4")
    render_job(camp, plan, out)
    return time.perf_counter() - start


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the pool's workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        use = resource.getrusage(who)
        total += use.ru_utime + use.ru_stime
    return total


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        one = _campaign(tmp, 1, ["a4"])
        _one_a4(one, tmp_name)  # warm fonts and caches, as in a real build
        floor = statistics.median(_floor_a4() for _ in range(REPEAT))
        piece = statistics.median(_one_a4(one, tmp_name) for _ in range(REPEAT))
        rows.append(
            {
                "name": "campaign: one A4 poster (PNG + PDF, verified)",
                "value": round(piece, 3),
                "unit": "s",
                "baseline": round(floor, 3),
                "ratio": round(piece / floor, 2),
                "goal": "<= 1.5 x floor (Pillow blank A4 page saved as PNG and PDF)",
            }
        )
        big = _campaign(tmp, 25, ["a4", "a6", "sticker", "square"])
        rates, cpu = {}, {}
        load = os.getloadavg()[0]
        for workers in (1, cores):
            start, cpu0 = time.perf_counter(), _cpu()
            manifest = build_campaign(big, tmp / f"out{workers}", workers=workers)
            elapsed = time.perf_counter() - start
            rates[workers] = len(manifest["pieces"]) / elapsed
            cpu[workers] = (_cpu() - cpu0) / len(manifest["pieces"])
        rows.append(
            {
                "name": "campaign: 100 pieces, 1 worker",
                "value": round(rates[1], 2),
                "unit": "pieces/s",
                "baseline": None,
                "ratio": None,
                "goal": "reference for the speed-up",
            }
        )
        speedup = rates[cores] / rates[1]
        rows.append(
            {
                "name": f"campaign: 100 pieces, {cores} workers",
                "value": round(rates[cores], 2),
                "unit": "pieces/s",
                "baseline": round(rates[1], 2),
                "ratio": round(speedup, 2),
                "goal": f">= {0.8 * cores:.1f} x (near-linear over {cores} cores)",
            }
        )
    rows.append(
        {
            "name": f"campaign: CPU per piece, {cores} workers",
            "value": round(cpu[cores], 3),
            "unit": "s",
            "baseline": round(cpu[1], 3),
            "ratio": round(cpu[cores] / cpu[1], 2),
            "goal": "<= 1.1 x (the pool adds no work; wall speed-up then depends on free cores)",
        }
    )
    rows.append(
        {
            "name": "campaign: machine load before the 100-piece runs",
            "value": round(load, 2),
            "unit": "load avg (1 min)",
            "baseline": float(cores),
            "ratio": round(load / cores, 2),
            "goal": "well under the core count, else the speed-up figure is not meaningful",
        }
    )
    rows.append(
        {
            "name": "campaign: peak memory, largest worker",
            "value": round(_peak_mb(resource.RUSAGE_CHILDREN), 1),
            "unit": "MB",
            "baseline": round(_peak_mb(resource.RUSAGE_SELF), 1),
            "ratio": None,
            "goal": "< 1000 MB per worker (baseline: the parent process)",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']}: {row['value']} {row['unit']} "
            f"(baseline {row['baseline']}, ratio {row['ratio']}; goal {row['goal']})"
        )
