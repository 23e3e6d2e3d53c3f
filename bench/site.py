"""Site budgets: transferred bytes (gzip) and requests in Chromium, and build time.

Measures the home page and /signaler/ of the real site served by `vigie serve`,
in each language (French at /, English at /en/, Arabic at /ar/),
beside a bare Material baseline (one empty page, default Material theme without
Google Fonts or search) built and served in the same run; page-load figures
(bench/pageload.py) are medians of three runs. Bytes are what a
gzip-compressing host (CloudFront) would send: each response body is gzipped
at level 6 unless its format is already compressed (woff2, images). Headers
are not counted. Also times `mkdocs build --strict` for the whole site and for
the baseline.

    python -m bench.site        # prints the rows; `make bench` gathers run()
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

BASELINE_YML = """site_name: Baseline
theme:
  name: material
  language: fr
  font: false
plugins: []
extra:
  generator: false
"""
LANGS = (("fr", ""), ("en", "en/"), ("ar", "ar/"))
LH_PAGES = {"fr": "signaler/", "ar": "ar/signaler/"}
ALREADY_COMPRESSED = ("font/", "image/png", "image/jpeg", "image/webp", "application/font")
KB = 1000.0


def _mkdocs_build(config_file: Path, out: Path, env: dict[str, str]) -> float:
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    start = time.perf_counter()
    subprocess.run(
        [mkdocs, "build", "--strict", "-q", "-f", str(config_file), "-d", str(out)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def _transfer(browser: Any, url: str) -> tuple[int, int]:
    """Load `url` in a fresh context; return (gzip bytes, request count)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 800})
    responses: list[Any] = []
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    ctx.on("response", lambda r: responses.append(r))
    page = ctx.new_page()
    page.goto(url, wait_until="networkidle")
    total = 0
    for response in responses:
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have no body
            body = b""
        kind = response.headers.get("content-type", "")
        total += (
            len(body)
            if kind.startswith(ALREADY_COMPRESSED)
            else len(gzip.compress(body, compresslevel=6, mtime=0))
        )
    ctx.close()
    return total, len(requests)


def _row(name: str, value: float, unit: str, baseline: float | None, goal: str) -> dict[str, Any]:
    ratio = round(value / baseline, 2) if baseline else None
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": round(baseline, 2) if baseline is not None else None,
        "ratio": ratio,
        "goal": goal,
    }


def run() -> list[dict[str, Any]]:
    import pyrage
    from playwright.sync_api import sync_playwright

    from bench.pageload import lighthouse_median, slow4g_median
    from tests.support.browser import launch
    from tests.support.live import LiveVigie, write_config
    from tests.support.static import StaticServer

    with tempfile.TemporaryDirectory(prefix="vigie-bench-site-") as tmp_name:
        tmp = Path(tmp_name)
        # A throwaway analyst key, generated now and deleted with the temp dir.
        recipient = str(pyrage.x25519.Identity.generate().to_public())
        config_path = write_config(tmp / "vigie.toml", f"dir:{tmp / 'store'}", [recipient])
        env = {**os.environ, "VIGIE_CONFIG": str(config_path), "NO_MKDOCS_2_WARNING": "1"}

        (tmp / "baseline" / "docs").mkdir(parents=True)
        (tmp / "baseline" / "docs" / "index.md").write_text("# Baseline\n")
        (tmp / "baseline" / "mkdocs.yml").write_text(BASELINE_YML)
        base_time = _mkdocs_build(tmp / "baseline" / "mkdocs.yml", tmp / "baseline-site", env)
        site_time = _mkdocs_build(ROOT / "mkdocs.yml", tmp / "site", env)

        live = LiveVigie(config_path, tmp / "site")
        static = StaticServer(tmp / "baseline-site")
        live.start()
        try:
            with sync_playwright() as p:
                browser = launch(p)
                base_bytes, base_reqs = _transfer(browser, static.url + "/")
                # Each language's home and form (French at /, then /en/, /ar/).
                homes = {lang: _transfer(browser, live.url + prefix) for lang, prefix in LANGS}
                forms = {
                    lang: _transfer(browser, live.url + prefix + "signaler/")
                    for lang, prefix in LANGS
                }
                # Medians of REPEAT runs each (a shared 2-core machine).
                base_dcl, _, _ = slow4g_median(browser, static.url + "/")
                _, home_cls, _ = slow4g_median(browser, live.url)
                form_dcl, _, _ = slow4g_median(browser, live.url + "signaler/")
                base_dcl4, _, _ = slow4g_median(browser, static.url + "/", cpu=4)
                form_dcl4, _, form_eval4 = slow4g_median(browser, live.url + "signaler/", cpu=4)
                browser.close()
            # French, and Arabic (the heaviest: its own font and right-to-left styles).
            lh = {lang: lighthouse_median(live.url + LH_PAGES[lang]) for lang in LH_PAGES}
        finally:
            live.stop()
            static.stop()

    rows = []
    for lang, _ in LANGS:
        tag = "" if lang == "fr" else f".{lang}"  # French keeps the historical row names
        home_bytes, home_reqs = homes[lang]
        form_bytes, form_reqs = forms[lang]
        rows += [
            _row(
                f"site.home{tag}.transfer", home_bytes / KB, "kB gzip", base_bytes / KB,
                "<= 80 kB",
            ),
            _row(f"site.home{tag}.requests", home_reqs, "requests", base_reqs, "<= 10"),
            _row(
                f"site.signaler{tag}.transfer", form_bytes / KB, "kB gzip", base_bytes / KB,
                "<= 160 kB",
            ),
            _row(f"site.signaler{tag}.requests", form_reqs, "requests", base_reqs, "report"),
        ]  # fmt: skip
    rows.append(
        _row("site.build_strict", site_time, "s", base_time, "report (whole site, 3 languages)")
    )
    rows += [
        _row("site.signaler.dcl_slow4g", form_dcl, "s", base_dcl, "<= 1.8 s"),
        _row("site.signaler.dcl_slow4g_cpu4", form_dcl4, "s", base_dcl4, "<= 1.8 s"),
        _row(
            "site.signaler.form_js_before_load_cpu4",
            form_eval4,
            "ms",
            None,
            "report (main thread, form scripts evaluated before load)",
        ),
        _row("site.home.cls_slow4g", home_cls, "CLS", None, "<= 0.01"),
    ]
    for lang, figures in lh.items():
        if not figures:
            continue
        tag = "" if lang == "fr" else f".{lang}"
        rows += [
            _row(f"site.signaler{tag}.lighthouse", figures["score"], "score", None, ">= 0.9"),
            _row(f"site.signaler{tag}.lighthouse_tbt", figures["tbt"], "ms", None, "report"),
            _row(f"site.signaler{tag}.lighthouse_tti", figures["tti"] / 1000, "s", None, "report"),
        ]
    return rows


def main() -> None:
    for row in run():
        baseline = "" if row["baseline"] is None else f"  baseline {row['baseline']}"
        ratio = "" if row["ratio"] is None else f"  ratio {row['ratio']}"
        head = f"{row['name']:40} {row['value']:>9} {row['unit']:9}"
        print(f"{head}{baseline}{ratio}  goal {row['goal']}")


if __name__ == "__main__":
    main()
