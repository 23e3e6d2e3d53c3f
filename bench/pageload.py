"""Page-load figures for bench/site.py: slow-4G DOMContentLoaded, CLS, Lighthouse.

Measured against `vigie serve`, which gzips like CloudFront (uncompressed, the
form weighed 286 KB instead of about 82 KB and Lighthouse meant little), and
against the bare Material baseline page in the same run. The machine is shared
(2 cores), so bench/site.py runs each measure `REPEAT` times and keeps the median.

* `slow4g`: a fresh phone-sized context (390 × 844), CDP network emulation at
  150 ms latency and 1.6 Mbps down / 750 kbps up, optionally the page's main
  thread slowed `cpu` times (CDP `Emulation.setCPUThrottlingRate`: it applies
  to the page, not to its Web Workers, which is what DOMContentLoaded and the
  script evaluation depend on); DOMContentLoaded from the Navigation Timing
  entry, the page's cumulative layout shift (every `layout-shift` entry
  without recent input, buffered) 1.5 s after load, and the main-thread time
  spent evaluating the form's own scripts (`/assets/form/`) until the load
  event (Chromium trace, `EvaluateScript` events): what blocks the page
  before a person can use it.
* `lighthouse`: Lighthouse 12 (bench/js, `make bench` installs it) on Debian
  Chromium (`CHROME_PATH`, never a downloaded browser), mobile form factor,
  `--throttling-method=devtools` (real throttling, not simulated: slow 4G and
  the CPU slowed 4×).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "js" / "node_modules" / ".bin" / "lighthouse"
REPEAT = 3
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
_CLS = """() => new Promise(done => {
  let cls = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => done(cls), 1500);
})"""
_DCL = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
_FORM_SCRIPTS = "/assets/form/"


def _form_eval_ms(trace: bytes) -> float:
    """Main-thread milliseconds of EvaluateScript for the form's own scripts."""
    data = json.loads(trace)
    events = data["traceEvents"] if isinstance(data, dict) else data
    total = 0.0
    for e in events:
        if e.get("name") != "EvaluateScript" or e.get("ph") != "X":
            continue
        url = ((e.get("args") or {}).get("data") or {}).get("url") or ""
        if _FORM_SCRIPTS in url:
            total += float(e.get("dur", 0)) / 1000
    return total


def slow4g(browser: Any, url: str, cpu: float = 1) -> tuple[float, float, float]:
    """(DOMContentLoaded in s, CLS, form script evaluation until load in ms) of `url`
    on a slow-4G phone with the main thread slowed `cpu` times, cold cache."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        if cpu != 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        browser.start_tracing(page=page, categories=["devtools.timeline"])
        try:
            page.goto(url, wait_until="load")
        finally:
            evaluated = _form_eval_ms(browser.stop_tracing())
        return float(page.evaluate(_DCL)) / 1000, float(page.evaluate(_CLS)), evaluated
    finally:
        ctx.close()


def slow4g_median(browser: Any, url: str, cpu: float = 1) -> tuple[float, float, float]:
    """`slow4g` REPEAT times; the median of each figure."""
    runs = [slow4g(browser, url, cpu) for _ in range(REPEAT)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
    )


def lighthouse(url: str) -> dict[str, float]:
    """Performance score, TBT and TTI (ms), CLS of `url`; {} if Lighthouse is absent."""
    if not LIGHTHOUSE.exists():
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "lh.json"
        flags = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--only-categories=performance",
                "--throttling-method=devtools",
                "--form-factor=mobile",
                "--output=json",
                f"--output-path={out}",
                "--quiet",
                f"--chrome-flags={flags} --disable-component-update --no-first-run",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            timeout=300,
        )
        report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "score": float(report["categories"]["performance"]["score"]),
        "tbt": float(audits["total-blocking-time"]["numericValue"]),
        "tti": float(audits["interactive"]["numericValue"]),
        "cls": float(audits["cumulative-layout-shift"]["numericValue"]),
    }


def lighthouse_median(url: str) -> dict[str, float]:
    """`lighthouse` REPEAT times; the median of each figure ({} without Lighthouse)."""
    runs = [lighthouse(url) for _ in range(REPEAT)]
    if not all(runs):
        return {}
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}
