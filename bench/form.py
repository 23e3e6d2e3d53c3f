"""Report form figures: age bundle size, proof-of-work and encryption time in Chromium.

- Bundle: Vigie's slimmed `site/assets/form/age.js` (gzip) against the same
  entry bundled without the stubs (same versions, same flags) in this run.
- Proof-of-work: the page's own Web Worker (pow-worker.js, ALTCHA v2 with
  scrypt N = 16384, r = 8, p = 1: vigie.toml's default) running a fixed number
  of scrypt runs on one challenge, against Python's hashlib.scrypt running the
  same inputs in this run (what a scripted attacker uses: its lead over a
  browser). Both must find the same best proof.
- Encryption: tip.js + age.js serialising and encrypting a tip with three 400 KB
  photos, against pyrage doing the same in this run.
- Follow-up: on /suivi/, checking a typed phrase, deriving the keys, fetching a
  full thread (six messages, the fixed-size answer) and decrypting it, in
  Chromium with the page's CPU throttled 4× (CDP; the page's main thread is
  where this runs, no worker involved), against Python (vigie.followup +
  pyrage) doing the same in this run; and the answer's size for an empty and
  a full thread, made by the intake's own code from a real dir: store.

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
    """The unslimmed bundle: Vigie's entry, same esbuild flags, no stubs."""
    if not (BUNDLE / "node_modules" / "esbuild").is_dir():
        subprocess.run(
            ["npm", "ci", "--prefix", str(BUNDLE), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
        )
    # The same entry (age encrypt/decrypt + the follow-up keys; the phrase and
    # its word list are phrase.js), without the slimming plugin: what the stubs save.
    entry = BUNDLE / "entry.js"
    out = tmp / "full.js"
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
    return len(gzip.compress(out.read_bytes(), 9))


POW_RUNS = 24
SLOW_RUNS = 8
#: The page's own worker, run for a fixed count of scrypt runs: (ms, best zero bits).
WORKER_RUN = """async ([c, runs]) => {
     const t = performance.now();
     const w = new Worker('pow-worker.js');
     const r = await new Promise((ok, ko) => {
       w.onmessage = (e) => { if (e.data.done) ok(e.data);
                              else if (e.data.error) ko(new Error(e.data.error)); };
       w.postMessage({challenge: c, stopBits: 257, maxRuns: runs});
     });
     w.terminate();
     return {ms: performance.now() - t, best: r.best};
   }"""
POW_COST = 16384


def pow_challenge() -> dict[str, Any]:
    """One ALTCHA v2 scrypt challenge as the intake issues it (unsigned: only solved here)."""
    return {
        "parameters": {
            "algorithm": "SCRYPT",
            "nonce": os.urandom(16).hex(),
            "salt": os.urandom(16).hex(),
            "cost": POW_COST,
            "memoryCost": 8,
            "parallelism": 1,
            "keyLength": 32,
            "data": {"b": 0},
        }
    }


def python_pow(challenge: dict[str, Any], runs: int = POW_RUNS) -> tuple[float, int]:
    """(seconds, best leading zero bits) for `runs` scrypt runs, as the worker counts them."""
    p = challenge["parameters"]
    nonce, salt = bytes.fromhex(p["nonce"]), bytes.fromhex(p["salt"])
    best = -1
    started = time.perf_counter()
    for counter in range(runs):
        key = hashlib.scrypt(
            nonce + counter.to_bytes(4, "big"), salt=salt, n=POW_COST, r=8, p=1,
            maxmem=64 * 1024 * 1024, dklen=32,
        )  # fmt: skip
        value = int.from_bytes(key, "big")
        best = max(best, 256 - value.bit_length())
    return time.perf_counter() - started, best


SLOW_CPU = 0.25  # a mid-range phone against one core of this machine


def slow_phone_pow(playwright: Any, url: str) -> dict[str, float]:
    """The worker under a real CPU quota (cgroup; DevTools throttling skips workers)."""
    from tests.support import cpuquota
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    if not cpuquota.available():
        print("bench/form.py: no writable cgroup cpu controller: no slow-phone row", flush=True)
        return {}
    with cpuquota.cpu_quota(SLOW_CPU) as group:
        # A switch Chromium ignores, to find its processes by their command line.
        marker = f"--vigie-slow-phone={os.urandom(6).hex()}"
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, marker]
        )
        if cpuquota.move_tree(group, marker) < 2:
            raise AssertionError("the browser's processes were not found")
        try:
            page = browser.new_page()
            page.goto(f"{url}/tip.js")
            challenge = pow_challenge()
            result = page.evaluate(WORKER_RUN, [challenge, SLOW_RUNS])
        finally:
            browser.close()
    seconds, best = python_pow(challenge, SLOW_RUNS)
    if result["best"] != best:
        raise AssertionError("the throttled worker's best proof is not Python's")
    return {"pow_slow": result["ms"] / 1000, "pow_slow_py": seconds}


def browser_figures(page: Any) -> dict[str, float]:
    import pyrage

    figures: dict[str, float] = {}
    challenge = pow_challenge()
    result = page.evaluate(WORKER_RUN, [challenge, POW_RUNS])
    seconds, best = python_pow(challenge)
    if result["best"] != best:
        raise AssertionError(f"the worker's best proof ({result['best']}) is not Python's ({best})")
    figures["pow"] = result["ms"] / 1000
    figures["pow_py"] = seconds

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


def followup_fixture(tmp: Path) -> tuple[str, dict[str, int]]:
    """A full thread in a dir: store; the intake's answer for it, written to
    tmp/replies.json; the answer sizes for an empty and a full thread."""
    import json
    from datetime import date

    import pyrage

    from vigie import followup
    from vigie.core import envelope, replies
    from vigie.core.storage import DirStore
    from vigie.inbox import thread

    keys = followup.derive(bytes(range(16)))
    store = DirStore(tmp / "store")
    analysts = [str(pyrage.x25519.Identity.generate().to_public()) for _ in range(3)]
    tip = envelope.Tip(
        category="spot",
        description="x",
        reply_key=keys.recipient,
        reply_mailbox=keys.mailbox,
        reply_proof=keys.proof,
    )
    empty = len(replies.answer_body(replies.read_thread(store, keys.mailbox)))
    for n in range(6):
        thread.reply(store, None, analysts, tip, f"Question {n} " + "é" * 1000, date.today())
    body = replies.answer_body(replies.read_thread(store, keys.mailbox))
    assert len(json.loads(body)["replies"]) == 6
    (tmp / "replies.json").write_bytes(body)
    return keys.phrase, {"empty": empty, "full": len(body)}


def python_followup(phrase: str, answer: bytes) -> float:
    import json

    import pyrage

    from vigie import followup
    from vigie.inbox.thread import decode_message

    started = time.perf_counter()
    keys = followup.from_phrase(phrase)
    ident = pyrage.x25519.Identity.from_str(keys.identity)
    for b64 in json.loads(answer)["replies"]:
        decode_message(pyrage.decrypt(base64.b64decode(b64), [ident]))
    return time.perf_counter() - started


FOLLOWUP_JS = """async (phrase) => {
  const t = performance.now();
  const k = await vigiePhrase.derive(vigiePhrase.seedFromPhrase(phrase));
  const res = await fetch('replies.json', {cache: 'no-store'});
  const answer = await res.json();
  let n = 0;
  for (const b64 of answer.replies) {
    const ct = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const pt = await vigieAge.decrypt(ct, k.identity);
    if (new TextDecoder().decode(pt.slice(0, 14)) === 'vigie-reply/1\\n') n += 1;
  }
  if (n !== 6) throw new Error('decrypted ' + n);
  return performance.now() - t;
}"""


def followup_figures(browser: Any, tmp: Path) -> dict[str, float]:
    import shutil

    from tests.support.static import StaticServer

    phrase, sizes = followup_fixture(tmp)
    shutil.copy(FORM_ASSETS / "age.js", tmp / "age.js")
    shutil.copy(FORM_ASSETS / "phrase.js", tmp / "phrase.js")
    server = StaticServer(tmp)
    try:
        page = browser.new_page()
        page.goto(f"{server.url}/age.js")
        page.set_content("<!doctype html><title>bench</title>")
        page.add_script_tag(url=f"{server.url}/age.js")
        page.add_script_tag(url=f"{server.url}/phrase.js")
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.evaluate(FOLLOWUP_JS, phrase)  # warm-up (JIT), as a second visit would be
        ms = min(page.evaluate(FOLLOWUP_JS, phrase) for _ in range(3))
        page.close()
    finally:
        server.stop()
    answer = (tmp / "replies.json").read_bytes()
    return {
        "followup": ms / 1000,
        "followup_py": min(python_followup(phrase, answer) for _ in range(3)),
        "answer_empty": sizes["empty"],
        "answer_full": sizes["full"],
    }


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
            f.update(slow_phone_pow(p, server.url))
            with tempfile.TemporaryDirectory() as tmp:
                f.update(followup_figures(browser, Path(tmp)))
            browser.close()
    finally:
        server.stop()
    return [
        row(
            "age bundle (gzip) vs the same without stubs",
            slim / 1000,
            "KB",
            full / 1000,
            "≤ 0.5 × the full bundle",
        ),
        row(
            f"proof-of-work: {POW_RUNS} scrypt runs (N = {POW_COST}), Chromium worker vs Python",
            f["pow"],
            "s",
            f["pow_py"],
            "≤ 4 × (a scripted attacker's native lead on the same CPU)",
        ),
        *(
            [
                row(
                    f"proof-of-work at ¼ CPU (cgroup quota): {SLOW_RUNS} scrypt runs, Chromium"
                    " worker vs Python at full speed",
                    f["pow_slow"],
                    "s",
                    f["pow_slow_py"],
                    "≤ 15 × (a scripted attacker's lead over a slow phone)",
                )
            ]
            if "pow_slow" in f
            else []
        ),
        row(
            "serialise + encrypt a tip with 3 × 400 KB photos, Chromium vs pyrage",
            f["encrypt"],
            "s",
            f["encrypt_py"],
            "≤ 1 s on this machine",
        ),
        row(
            "follow-up read: phrase + derivation + fetch + decrypt 6 messages, Chromium at 4× CPU"
            " vs Python",
            f["followup"],
            "s",
            f["followup_py"],
            "≤ 1 s at 4× CPU (proof-of-work apart: solved while the page loads)",
        ),
        row(
            "follow-up answer size, empty thread vs full thread (6 messages)",
            f["answer_empty"] / 1000,
            "KB",
            f["answer_full"] / 1000,
            "ratio = 1: one fixed size",
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
