"""The follow-up phrase's known answers, in Python and in Chromium, plus real tools.

Both owners (vigie/followup.py and its twin in site/assets/form/phrase.js + age.js)
must derive the committed values from each seed, read the same typed phrases
and refuse the same bad ones; the derived identity must be one that pyrage,
`age-keygen -y` and the `age` CLI accept, and the browser must decrypt what
pyrage encrypts to the derived recipient.
"""

from __future__ import annotations

import base64
import json
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.support.static import StaticServer
from tests.vectors import make_followup_vectors
from vigie import followup

ROOT = Path(__file__).resolve().parent.parent
DATA = json.loads(make_followup_vectors.OUT.read_text(encoding="utf-8"))
# Identities are committed in lower case (see make_followup_vectors.py).
VECTORS = [{**v, "identity": v["identity"].upper()} for v in DATA["vectors"]]


def test_committed_vectors_are_what_the_generator_makes() -> None:
    assert make_followup_vectors.OUT.read_text(encoding="utf-8") == make_followup_vectors.render()


@pytest.mark.parametrize("v", VECTORS, ids=[v["seed_hex"][:8] for v in VECTORS])
def test_python_derivation_matches_the_vectors(v: dict[str, str]) -> None:
    keys = followup.derive(bytes.fromhex(v["seed_hex"]))
    assert (keys.phrase, keys.identity, keys.recipient, keys.mailbox, keys.proof) == (
        v["phrase"], v["identity"], v["recipient"], v["mailbox"], v["proof"],
    )  # fmt: skip
    assert followup.seed_from_phrase(v["phrase"]).hex() == v["seed_hex"]


@pytest.mark.parametrize("v", VECTORS, ids=[v["seed_hex"][:8] for v in VECTORS])
def test_identity_is_accepted_by_pyrage_and_the_age_cli(v: dict[str, str], tmp_path: Path) -> None:
    ident = pyrage.x25519.Identity.from_str(v["identity"])
    assert str(ident.to_public()) == v["recipient"]
    out = subprocess.run(
        ["age-keygen", "-y"], input=v["identity"].encode(), capture_output=True, check=True
    )
    assert out.stdout.decode().strip() == v["recipient"]
    key = tmp_path / "reporter.key"
    key.write_text(v["identity"] + "\n")
    sealed = pyrage.encrypt(b"question", [pyrage.x25519.Recipient.from_str(v["recipient"])])
    got = subprocess.run(
        ["age", "-d", "-i", str(key)], input=bytes(sealed), capture_output=True, check=True
    )
    assert got.stdout == b"question"


def test_python_reads_every_typed_form_and_refuses_the_bad_ones() -> None:
    for item in DATA["typed"]:
        assert followup.seed_from_phrase(item["typed"]).hex() == item["seed_hex"], item
    for item in DATA["bad"]:
        with pytest.raises(followup.PhraseError):
            followup.seed_from_phrase(item["typed"])


def test_word_list_is_bip39_french_and_unique_on_four_letters() -> None:
    words = followup._list().wordlist
    assert len(words) == 2048 and words[0] == "abaisser" and words[-1] == "zoologie"
    assert len({followup.fold(w)[:4] for w in words}) == 2048
    # Every list word is NFKD (BIP39's rule); the page shows them in NFC.
    assert all(unicodedata.normalize("NFKD", w) == w for w in words)


def test_hkdf_outputs_are_independent_per_label() -> None:
    keys = followup.derive(bytes(16))
    assert len({keys.mailbox, keys.proof, keys.identity}) == 3
    assert followup.derive(b"\x01" + bytes(15)).mailbox != keys.mailbox


# ------------------------------------------------------------------ Chromium


@pytest.fixture(scope="module")
def bundle_page(browser: Any) -> Iterator[Any]:
    server = StaticServer(ROOT / "site" / "assets" / "form")
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/age.js")  # a same-origin URL: a secure origin
    page.set_content("<!doctype html><title>t</title>")
    page.add_script_tag(url=f"{server.url}/age.js")
    page.add_script_tag(url=f"{server.url}/phrase.js")  # the word list; derive() needs age.js
    yield page
    assert errors == []
    context.close()
    server.stop()


HEX = "(h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16))"


@pytest.mark.browser
@pytest.mark.xdist_group("form-js")
def test_js_derivation_matches_the_vectors(bundle_page: Any) -> None:
    got = bundle_page.evaluate(
        f"""async (vs) => {{
          const out = [];
          for (const v of vs) out.push(await vigiePhrase.derive(({HEX})(v.seed_hex)));
          return out;
        }}""",
        VECTORS,
    )
    for v, g in zip(VECTORS, got, strict=True):
        assert g == {k: v[k] for k in ("phrase", "identity", "recipient", "mailbox", "proof")}


@pytest.mark.browser
@pytest.mark.xdist_group("form-js")
def test_js_reads_the_typed_forms_and_refuses_the_bad_ones(bundle_page: Any) -> None:
    hexed = "(u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('')"
    seeds = bundle_page.evaluate(
        f"(ts) => ts.map((t) => ({hexed})(vigiePhrase.seedFromPhrase(t)))",
        [t["typed"] for t in DATA["typed"]],
    )
    assert seeds == [t["seed_hex"] for t in DATA["typed"]]
    codes = bundle_page.evaluate(
        """(ts) => ts.map((t) => {
             try { vigiePhrase.seedFromPhrase(t); return "accepted"; }
             catch (e) { return e instanceof vigiePhrase.PhraseError ? e.code : String(e); }
           })""",
        [b["typed"] for b in DATA["bad"]],
    )
    assert codes == [b["code"] for b in DATA["bad"]]
    assert bundle_page.evaluate("vigiePhrase.complete('AGRÉ')") == "agréable"


@pytest.mark.browser
@pytest.mark.xdist_group("form-js")
def test_js_decrypts_what_pyrage_encrypts_to_the_derived_key(bundle_page: Any) -> None:
    v = VECTORS[3]
    sealed = pyrage.encrypt(
        "Quel bâtiment ?".encode(), [pyrage.x25519.Recipient.from_str(v["recipient"])]
    )
    text = bundle_page.evaluate(
        """async ([b64, id]) => new TextDecoder().decode(await vigieAge.decrypt(
             Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), id))""",
        [base64.b64encode(bytes(sealed)).decode(), v["identity"]],
    )
    assert text == "Quel bâtiment ?"


@pytest.mark.browser
@pytest.mark.xdist_group("form-js")
def test_js_new_seed_round_trips(bundle_page: Any) -> None:
    ok = bundle_page.evaluate(
        """async () => {
             const s = vigiePhrase.newSeed();
             const k = await vigiePhrase.derive(s);
             const back = vigiePhrase.seedFromPhrase(k.phrase);
             return s.length === 16 && back.every((b, i) => b === s[i]) &&
               k.phrase.split(" ").length === 12;
           }"""
    )
    assert ok is True
