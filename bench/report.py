"""`make bench`: run every bench/*.py and write build/bench/report.md.

Each script exposes `run() -> list[dict]` with rows {name, value, unit,
baseline, ratio, goal}; every ratio is against a baseline measured in the
same run, so the table compares like with like on whatever machine runs it.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "report.md"
ORDER = ["intake", "site", "campaign", "inbox", "flood"]


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def main() -> int:
    scripts = sorted(
        (p for p in (ROOT / "bench").glob("*.py") if p.stem not in ("report", "__init__")),
        key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else 99, p.stem),
    )
    lines = [
        "# Vigie benchmark report",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Ratios are against a baseline measured in the same run.",
        "",
        "| part | measure | value | unit | baseline | ratio | goal |",
        "| --- | --- | ---: | --- | ---: | ---: | --- |",
    ]
    failed = 0
    for path in scripts:
        print(f"== bench/{path.name}", flush=True)
        started = time.perf_counter()
        try:
            rows = load(path).run()
        except Exception:
            failed += 1
            traceback.print_exc()
            lines.append(f"| {path.stem} | (failed: see the console) | | | | | |")
            continue
        for row in rows:
            ratio = row.get("ratio")
            lines.append(
                f"| {path.stem} | {row['name']} | {fmt(row['value'])} | {row['unit']} | "
                f"{fmt(row.get('baseline'))} | {fmt(ratio) + '×' if ratio is not None else '–'} | "
                f"{row.get('goal', '')} |"
            )
            print(
                f"  {row['name']}: {fmt(row['value'])} {row['unit']}"
                + (
                    f" (ratio {ratio:.2f}, goal {row.get('goal')})"
                    if ratio is not None
                    else f" (goal {row.get('goal')})"
                ),
                flush=True,
            )
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"\nReport written to {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
