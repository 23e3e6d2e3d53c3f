"""Page-load figures for bench/site.py: slow-4G DOMContentLoaded, CLS, Lighthouse.

Measured against `vigie serve`, which gzips like CloudFront (uncompressed, the
form weighed 286 KB instead of about 82 KB and Lighthouse meant little), and
against the bare Material baseline page in the same run.

* `slow4g`: a fresh phone-sized context (390 × 844), CDP network emulation at
  150 ms latency and 1.6 Mbps down / 750 kbps up; DOMContentLoaded from the
  Navigation Timing entry and the page's cumulative layout shift (every
  `layout-shift` entry without recent input, buffered) 1.5 s after load.
* `lighthouse`: Lighthouse 12 (bench/js, `make bench` installs it) on Debian
  Chromium (`CHROME_PATH`, never a downloaded browser), mobile form factor,
  `--throttling-method=devtools` (real throttling, not simulated).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "js" / "node_modules" / ".bin" / "lighthouse"
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


def slow4g(browser: Any, url: str) -> tuple[float, float]:
    """(DOMContentLoaded in s, CLS) of `url` on a slow-4G phone, cold cache."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        page.goto(url, wait_until="load")
        return float(page.evaluate(_DCL)) / 1000, float(page.evaluate(_CLS))
    finally:
        ctx.close()


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
