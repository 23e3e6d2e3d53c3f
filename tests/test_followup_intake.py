"""`POST /api/replies` through the real Chalice app, on dir: and on SeaweedFS.

Same proof-of-work as a tip, the mailbox id in the body only, and one fixed
answer size whether the thread exists, is empty or is full.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import pyrage
import yaml

from tests.support.intake_client import get_challenge, intake_client, new_key, solve
from vigie import followup
from vigie.core import layout, replies
from vigie.core.config import Config
from vigie.core.envelope import Tip
from vigie.core.storage import TipStore
from vigie.inbox import thread
from vigie.inbox.reader import open_sealed

ROOT = Path(__file__).resolve().parent.parent
KEYS = followup.derive(bytes(range(16)))


def ask(client: Any, mailbox: str, solved: bool = True, body: bytes | None = None) -> Any:
    key = new_key()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    if solved:
        headers["X-Altcha"] = solve(get_challenge(client, key))
    data = body if body is not None else json.dumps({"mailbox": mailbox}).encode()
    return client.http.post("/api/replies", headers=headers, body=data)


def test_answer_has_one_size_with_or_without_a_thread(
    backend_config: tuple[Config, TipStore],
) -> None:
    cfg, store = backend_config
    tip = Tip(
        category="spot",
        description="x",
        reply_key=KEYS.recipient,
        reply_mailbox=KEYS.mailbox,
        reply_proof=KEYS.proof,
    )
    with intake_client(cfg, store) as client:
        empty = ask(client, KEYS.mailbox)
        unknown = ask(client, followup.derive(b"\x07" * 16).mailbox)
        thread.reply(store, None, cfg.require_recipients(), tip, "Quel bâtiment ?", date.today())
        one = ask(client, KEYS.mailbox)
        for n in range(layout.MAX_REPLIES - 1):
            thread.reply(
                store, None, cfg.require_recipients(), tip, "é" * thread.TEXT_LIMIT, date.today()
            )
        full = ask(client, KEYS.mailbox)
    for r in (empty, unknown, one, full):
        assert r.status_code == 200, r.body
        assert len(r.body) == replies.ANSWER_BYTES
        assert r.headers["Cache-Control"] == "no-store"
    assert json.loads(empty.body)["replies"] == json.loads(unknown.body)["replies"] == []
    (sealed,) = json.loads(one.body)["replies"]
    reporter = pyrage.x25519.Identity.from_str(KEYS.identity)
    got = thread.decode_message(open_sealed(base64.b64decode(sealed), [reporter]))
    assert got.text == "Quel bâtiment ?"
    assert len(json.loads(full.body)["replies"]) == layout.MAX_REPLIES


def test_refusals_are_cheap_clear_4xx(backend_config: tuple[Config, TipStore]) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        assert ask(client, KEYS.mailbox, solved=False).status_code == 403
        for bad in (b"", b"{", b'{"mailbox": "ABC"}', b'{"mailbox": 1}', b"[]", b"\xff"):
            r = ask(client, "", body=bad)
            assert r.status_code == 400, (bad, r.body)
            assert json.loads(r.body)["error"] == "bad_mailbox"
        assert ask(client, "", body=b" " * 300).status_code == 413
        # The mailbox id never goes in a URL: a query string is ignored, not read.
        r = client.http.post(f"/api/replies?mailbox={KEYS.mailbox}", headers={}, body=b"")
        assert r.status_code == 400 and json.loads(r.body)["error"] == "bad_idempotency_key"
    assert not list(store.list(layout.REPLIES))


def test_openapi_describes_the_route_with_the_owners_values() -> None:
    spec = yaml.safe_load((ROOT / "intake_lambda" / "openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    assert schemas["ReplyRequest"]["properties"]["mailbox"]["pattern"] == layout.MAILBOX_RE.pattern
    answer = schemas["ReplyAnswer"]
    assert answer["properties"]["replies"]["maxItems"] == layout.MAX_REPLIES
    assert str(replies.ANSWER_BYTES) in answer["description"]
    assert answer["properties"]["replies"]["items"]["maxLength"] == replies._B64_MAX


def test_cors_preflight_for_replies_only_for_the_configured_origin(
    tmp_path: Path, identity: Any
) -> None:
    from tests.conftest import make_config
    from vigie.core.storage import DirStore

    site = "https://signaler.exemple.fr"
    cfg = make_config(f"dir:{tmp_path}", [str(identity.to_public())], tmp_path, cors_origin=site)
    with intake_client(cfg, DirStore(tmp_path)) as client:
        good = client.http.request("OPTIONS", "/api/replies", headers={"Origin": site}, body=b"")
        evil = client.http.request(
            "OPTIONS", "/api/replies", headers={"Origin": "https://evil.example"}, body=b""
        )
        answer = ask(client, KEYS.mailbox)
    assert good.status_code == 204
    assert good.headers["Access-Control-Allow-Methods"] == "POST"
    assert "X-Altcha" in good.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Methods" not in evil.headers
    assert answer.status_code == 200
