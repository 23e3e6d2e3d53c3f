"""Report form figures: age bundle size, proof-of-work and encryption time in Chromium.

- Bundle: Vigie's slimmed `site/assets/form/age.js` (gzip) against the plain
  esbuild bundle of `age-encryption` (same version, same flags) built in this run.
- Proof-of-work: the page's Web Worker solving ALTCHA challenges whose answer is
  at maxNumber/2 (the mean case) and at maxNumber (the worst case), with
  maxNumber = 100000 (vigie.toml's default), against Python's hashlib solving
  the same challenge in this run.
- Encryption: tip.js + age.js serialising and encrypting a tip with three 400 KB
  photos, against pyrage doing the same in this run.

    python bench/form.py        # prints the rows; `make bench` gathers run()
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUNDLE = ROOT / "tools" / "bundle"
FORM_ASSETS = ROOT / "site" / "assets" / "form"
MAX_NUMBER = 100_000
PHOTO_BYTES = 400_000


def row(name: str, value: float, unit: str, baseline: float | None, goal: str) -> dict[str, Any]:
    ratio = value / baseline if baseline else None
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 3),
        "ratio": None if ratio is None else round(ratio, 3),
        "goal": goal,
    }


def full_bundle_gzip(tmp: Path) -> int:
    """The unslimmed bundle: age-encryption's Encrypter, same esbuild flags."""
    if not (BUNDLE / "node_modules" / "esbuild").is_dir():
        subprocess.run(
            ["npm", "ci", "--prefix", str(BUNDLE), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
        )
    entry = BUNDLE / ".bench-entry.js"
    entry.write_text(
        'import { Encrypter } from "age-encryption";\n'
        "export async function encrypt(d, r) {\n"
        "  const e = new Encrypter(); for (const x of r) e.addRecipient(x);\n"
        "  return await e.encrypt(d);\n}\n"
    )
    out = tmp / "full.js"
    try:
        subprocess.run(
            [
                str(BUNDLE / "node_modules" / ".bin" / "esbuild"),
                str(entry),
                "--bundle",
                "--minify",
                "--format=iife",
                "--global-name=vigieAge",
                "--target=es2020",
                "--legal-comments=none",
                f"--outfile={out}",
                "--log-level=warning",
            ],
            check=True,
        )
    finally:
        entry.unlink()
    return len(gzip.compress(out.read_bytes(), 9))


def python_pow(salt: str, challenge: str) -> float:
    started = time.perf_counter()
    for n in range(MAX_NUMBER + 1):
        if hashlib.sha256(f"{salt}{n}".encode()).hexdigest() == challenge:
            break
    return time.perf_counter() - started


def browser_figures(page: Any) -> dict[str, float]:
    import pyrage

    figures: dict[str, float] = {}
    salt = "bench?expires=4102444800&"
    for label, number in (("mean", MAX_NUMBER // 2), ("worst", MAX_NUMBER)):
        challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
        ms = page.evaluate(
            """async (c) => {
                 const t = performance.now();
                 const w = new Worker('pow-worker.js');
                 const r = await new Promise((ok) => { w.onmessage = (e) => ok(e.data);
                                                       w.postMessage(c); });
                 w.terminate();
                 if (r.number !== c.expect) throw new Error('wrong answer');
                 return performance.now() - t;
               }""",
            {
                "algorithm": "SHA-256",
                "challenge": challenge,
                "salt": salt,
                "maxNumber": MAX_NUMBER,
                "signature": "00",
                "expect": number,
            },
        )
        figures[f"pow_{label}"] = ms / 1000
        figures[f"pow_{label}_py"] = python_pow(salt, challenge)

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    photos = [os.urandom(PHOTO_BYTES) for _ in range(3)]
    ms = page.evaluate(
        """async ([r, photos]) => {
             const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
             const tip = {category: 'spot', description: 'Vente au pied de l’immeuble.',
                          attachments: photos.map((p) => ({type: 'image/jpeg', data: bytes(p)}))};
             const t = performance.now();
             const pt = await vigieTip.serializeTip(tip);
             const ct = await vigieAge.encrypt(pt, [r]);
             if (ct.length < pt.length) throw new Error('short');
             return performance.now() - t;
           }""",
        [recipient, [base64.b64encode(p).decode() for p in photos]],
    )
    figures["encrypt"] = ms / 1000

    from vigie.core.envelope import Attachment, Tip, seal, serialize_tip

    started = time.perf_counter()
    tip = Tip(
        category="spot",
        description="Vente au pied de l’immeuble.",
        attachments=tuple(Attachment(type="image/jpeg", data=p) for p in photos),
    )
    seal(serialize_tip(tip), [recipient])
    figures["encrypt_py"] = time.perf_counter() - started
    return figures


def run() -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch
    from tests.support.static import StaticServer

    slim = len(gzip.compress((FORM_ASSETS / "age.js").read_bytes(), 9))
    with tempfile.TemporaryDirectory() as tmp:
        full = full_bundle_gzip(Path(tmp))
    server = StaticServer(FORM_ASSETS)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page()
            page.goto(f"{server.url}/tip.js")  # a same-origin, secure page
            page.set_content("<!doctype html><title>bench</title>")
            page.add_script_tag(url=f"{server.url}/tip.js")
            page.add_script_tag(url=f"{server.url}/age.js")
            f = browser_figures(page)
            browser.close()
    finally:
        server.stop()
    return [
        row(
            "age bundle (gzip) vs full age-encryption",
            slim / 1000,
            "KB",
            full / 1000,
            "≤ 0.5 × the full bundle",
        ),
        row(
            "proof-of-work, mean case (n = 50000), Chromium worker vs Python",
            f["pow_mean"],
            "s",
            f["pow_mean_py"],
            "≤ 3 s on this machine (runs while the person types)",
        ),
        row(
            "proof-of-work, worst case (n = 100000), Chromium worker vs Python",
            f["pow_worst"],
            "s",
            f["pow_worst_py"],
            "≤ 6 s on this machine",
        ),
        row(
            "serialise + encrypt a tip with 3 × 400 KB photos, Chromium vs pyrage",
            f["encrypt"],
            "s",
            f["encrypt_py"],
            "≤ 1 s on this machine",
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
