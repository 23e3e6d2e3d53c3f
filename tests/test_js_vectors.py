"""The browser serializer and the age bundle, run in real Chromium.

tip.js must produce the exact bytes of Python's serialize_tip for every committed
vector, and age.js must produce age files that pyrage and the `age` CLI open.
"""

from __future__ import annotations

import base64
import json
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.static import StaticServer
from tests.vectors import make_vectors
from vigie.core.envelope import (
    CATEGORIES,
    Attachment,
    Tip,
    check_age,
    parse_tip,
    serialize_tip,
)
from vigie.inbox.reader import open_sealed

ROOT = Path(__file__).resolve().parent.parent
FORM_ASSETS = ROOT / "site" / "assets" / "form"
VECTORS = json.loads(make_vectors.OUT.read_text(encoding="utf-8"))["vectors"]

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("form-js")]

# Turns vector tips (base64 attachments) into what tip.js takes, in the page.
TO_TIP_JS = """
(v) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return Object.assign({}, v, {
    attachments: v.attachments.map((a) => ({ type: a.type, data: bytes(a.data_b64) })),
  });
}
"""
B64 = "(u8) => { let s = ''; for (const b of u8) s += String.fromCharCode(b); return btoa(s); }"


@pytest.fixture(scope="module")
def assets_page(browser: Any) -> Iterator[Any]:
    server = StaticServer(FORM_ASSETS)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/tip.js")  # any same-origin URL: gives a secure origin
    page.set_content("<!doctype html><title>t</title>")
    page.add_script_tag(url=f"{server.url}/tip.js")
    page.add_script_tag(url=f"{server.url}/age.js")
    assert page.evaluate("typeof vigieTip.serializeTip + typeof vigieAge.encrypt") == (
        "functionfunction"
    )
    yield page
    assert errors == []
    context.close()
    server.stop()


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_js_serializes_vectors_byte_for_byte(assets_page: Any, vector: dict[str, Any]) -> None:
    got = assets_page.evaluate(
        f"async (v) => ({B64})(await vigieTip.serializeTip(({TO_TIP_JS})(v)))", vector["tip"]
    )
    assert base64.b64decode(got) == base64.b64decode(vector["plaintext_b64"])


def test_js_replaces_lone_surrogates_like_a_valid_utf8_encoder(assets_page: Any) -> None:
    got = assets_page.evaluate(
        f"""async () => ({B64})(await vigieTip.serializeTip(
              {{category: "spot", description: "a\\ud800b\\udc00c\\ud83d\\udc40"}}))"""
    )
    assert parse_tip(base64.b64decode(got)).description == "a\ufffdb\ufffdc\U0001f440"


def test_js_ciphertext_opens_with_pyrage_and_age_cli(
    assets_page: Any, identity: Any, tmp_path: Path
) -> None:
    other = __import__("pyrage").x25519.Identity.generate()
    recipients = [str(identity.to_public()), str(other.to_public())]
    vector = next(v for v in VECTORS if v["name"] == "full-french")
    got = assets_page.evaluate(
        f"""async ([v, r]) => {{
              const pt = await vigieTip.serializeTip(({TO_TIP_JS})(v));
              return ({B64})(await vigieAge.encrypt(pt, r));
            }}""",
        [vector["tip"], recipients],
    )
    ciphertext = base64.b64decode(got)
    expected = base64.b64decode(vector["plaintext_b64"])
    assert check_age(ciphertext, expected_recipients=2).recipients == 2
    assert open_sealed(ciphertext, [identity]) == expected
    assert open_sealed(ciphertext, [other]) == expected
    key = tmp_path / "k.txt"
    key.write_text(f"{identity}\n")
    out = subprocess.run(
        ["/usr/bin/age", "-d", "-i", str(key)], input=ciphertext, capture_output=True, check=True
    )
    assert out.stdout == expected


def test_js_encrypts_large_multi_chunk_plaintext(assets_page: Any, identity: Any) -> None:
    # Over 64 KiB: several STREAM chunks, as with real photos.
    got = assets_page.evaluate(
        f"""async (r) => {{
              const data = new Uint8Array(200000);
              for (let i = 0; i < data.length; i++) data[i] = i % 251;
              return ({B64})(await vigieAge.encrypt(data, [r]));
            }}""",
        str(identity.to_public()),
    )
    assert open_sealed(base64.b64decode(got), [identity]) == bytes(i % 251 for i in range(200000))


def test_bundle_refuses_non_x25519_recipients(assets_page: Any) -> None:
    message = assets_page.evaluate(
        """async () => {
             try { await vigieAge.encrypt(new Uint8Array(1), ["age1pq1xyz"]); return "no error"; }
             catch (e) { return String(e.message); }
           }"""
    )
    assert "X25519" in message


def random_text(rng: random.Random, size: int) -> str:
    # Controls, quotes, backslash, Latin-1, U+2028/9, CJK, astral (emoji), BOM.
    pools = [
        (0x00, 0x1F),
        (0x20, 0x7E),
        (0x7F, 0xFF),
        (0x2028, 0x2029),
        (0x4E00, 0x4E2F),
        (0x1F300, 0x1F64F),
        (0xFEFF, 0xFEFF),
        (0xE000, 0xE00F),
    ]
    chars = []
    for _ in range(size):
        low, high = rng.choice(pools)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def test_js_matches_python_on_random_tips(assets_page: Any) -> None:
    """Beyond the fixed vectors: 150 seeded random tips, serialised on both sides."""
    rng = random.Random(20251128)
    tips = []
    for _ in range(150):
        fields: dict[str, Any] = {
            name: random_text(rng, rng.randint(0, 40))
            for name in ("place", "landmark", "when", "vehicles")
        }
        tip = Tip(
            category=rng.choice(list(CATEGORIES)),
            description="x" + random_text(rng, rng.randint(0, 120)),
            campaign=rng.choice(["", "TEST01", "BSN-CENTRE-2"]),
            attachments=tuple(
                Attachment(type="image/jpeg", data=rng.randbytes(rng.randint(0, 300)))
                for _ in range(rng.randint(0, 2))
            ),
            **fields,
        )
        tips.append(tip)
    payload = [
        {
            **{
                k: getattr(t, k)
                for k in (
                    "category",
                    "description",
                    "place",
                    "landmark",
                    "when",
                    "vehicles",
                    "campaign",
                    "channel",
                )
            },
            "attachments": [
                {"type": a.type, "data_b64": base64.b64encode(a.data).decode()}
                for a in t.attachments
            ],
        }
        for t in tips
    ]
    got = assets_page.evaluate(
        f"""async (tips) => {{
              const out = [];
              for (const v of tips) {{
                out.push(({B64})(await vigieTip.serializeTip(({TO_TIP_JS})(v))));
              }}
              return out;
            }}""",
        payload,
    )
    mismatches = [
        i
        for i, (t, g) in enumerate(zip(tips, got, strict=True))
        if base64.b64decode(g) != serialize_tip(t)
    ]
    assert mismatches == []
