"""The intake end to end through the real Chalice app, against dir: and SeaweedFS."""

from __future__ import annotations

import json
import threading
from typing import Any

import pyrage
import pytest

from tests.support.intake_client import (
    get_challenge,
    intake_client,
    new_key,
    post_tip,
    tip_headers,
)
from vigie.core import envelope, layout
from vigie.core.config import Config
from vigie.core.http import Request
from vigie.core.storage import TipStore
from vigie.serve import load_intake_app

TIP = envelope.Tip(
    category="delivery",
    description="Un scooter noir livre rue des Granges tous les soirs vers 22 h.",
    place="Rue des Granges, Besançon",
    when="Tous les soirs, 21 h 30 – 23 h",
    vehicles="Scooter noir, plaque partielle AB-12",
    campaign="BSN-CENTRE",
)


def tips_in(store: TipStore) -> list[str]:
    return [o.key for o in store.list(layout.TIPS) if o.key.endswith(".age")]


def sealed(cfg: Config, tip: envelope.Tip = TIP) -> bytes:
    return envelope.seal(envelope.serialize_tip(tip), cfg.require_recipients())


def test_round_trip_stores_decryptable_tip(backend_config: Any, identity: Any) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        response = post_tip(client, sealed(cfg))
    assert response.status_code == 201
    answer = json.loads(response.body)
    assert answer["receipt"].startswith("VG-") and len(answer["receipt"]) == 17
    keys = tips_in(store)
    assert [layout.tip_id(k) for k in keys] == [(answer["received"], answer["receipt"])]
    # The JS path records the proof's effort class beside the tip.
    markers = [o.key for o in store.list(layout.EFFORT)]
    assert list(layout.efforts(markers)) == [answer["receipt"]] and len(markers) == 1
    tip = envelope.parse_tip(pyrage.decrypt(store.get(keys[0]), [identity]))
    assert tip == TIP


def test_armored_body_is_stored_binary(backend_config: Any, identity: Any) -> None:
    cfg, store = backend_config
    binary = sealed(cfg)
    armored = (
        b"-----BEGIN AGE ENCRYPTED FILE-----\n"
        + b"\n".join(
            __import__("base64").b64encode(binary)[i : i + 64]
            for i in range(0, len(__import__("base64").b64encode(binary)), 64)
        )
        + b"\n-----END AGE ENCRYPTED FILE-----\n"
    )
    with intake_client(cfg, store) as client:
        response = post_tip(client, armored)
    assert response.status_code == 201
    assert store.get(tips_in(store)[0]) == binary


def test_same_key_twice_stores_once_with_same_receipt(backend_config: Any) -> None:
    cfg, store = backend_config
    body = sealed(cfg)
    key = new_key()
    with intake_client(cfg, store) as client:
        headers = tip_headers(key, get_challenge(client, key))
        first = client.http.post("/api/tips", headers=headers, body=body)
        second = client.http.post("/api/tips", headers=headers, body=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert json.loads(first.body) == json.loads(second.body)
    assert len(tips_in(store)) == 1


def test_concurrent_same_key_stores_once(backend_config: Any) -> None:
    cfg, store = backend_config
    body = sealed(cfg)
    key = new_key()
    statuses: list[int] = []
    with intake_client(cfg, store) as client:
        headers = tip_headers(key, get_challenge(client, key))
        # Two threads racing on the storage's conditional write (the Intake is shared).
        intake = load_intake_app()._state["intake"]
        request = Request("POST", "/api/tips", {k.lower(): v for k, v in headers.items()}, {}, body)
        barrier = threading.Barrier(4)

        def go() -> None:
            barrier.wait()
            statuses.append(intake.submit_tip(request).status)

        threads = [threading.Thread(target=go) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert len(tips_in(store)) == 1


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda h, b: ({**h, "X-Altcha": ""}, b), 403, "pow_missing"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "X-Altcha"}, b), 403, "pow_missing"),
        (lambda h, b: ({**h, "X-Altcha": "bm9wZQ=="}, b), 403, "pow_invalid"),
        (lambda h, b: ({**h, "Idempotency-Key": "short"}, b), 400, "bad_idempotency_key"),
        (
            lambda h, b: ({**h, "Idempotency-Key": "../../etc/passwd-xxxxxxx"}, b),
            400,
            "bad_idempotency_key",
        ),
        (lambda h, b: (h, b"hello, not an age file"), 400, "not_age"),
        # Cut inside the header, or leaving less than one STREAM tag of payload.
        # (A cut inside the last chunk is undetectable without a key: the inbox
        # reports such an object as damaged.)
        (lambda h, b: (h, b[:120]), 400, "not_age"),
        (lambda h, b: (h, b[: b.index(b"\n---") + 50 + 16 + 10]), 400, "not_age"),
        (
            lambda h, b: ({**h, "Content-Type": "application/json"}, b),
            415,
            "unsupported_media_type",
        ),
        (lambda h, b: ({**h, "Content-Length": "99999999"}, b), 413, "too_large"),
    ],
)
def test_refusals(backend_config: Any, mutate: Any, status: int, code: str) -> None:
    cfg, store = backend_config
    key = new_key()
    with intake_client(cfg, store) as client:
        headers = tip_headers(key, get_challenge(client, key))
        headers, body = mutate(headers, sealed(cfg))
        response = client.http.post("/api/tips", headers=headers, body=body)
    assert response.status_code == status, response.body
    answer = json.loads(response.body)
    assert answer["error"] == code
    assert answer["message"] and "Traceback" not in answer["message"]
    assert response.headers["Cache-Control"] == "no-store"
    assert tips_in(store) == []


def test_body_over_limit_is_413_even_without_content_length(tmp_path: Any, identity: Any) -> None:
    from tests.conftest import make_config
    from vigie.core.storage import DirStore

    cfg = make_config(
        f"dir:{tmp_path / 's'}", [str(identity.to_public())], tmp_path, max_body_bytes=4096
    )
    store = DirStore(tmp_path / "s")
    with intake_client(cfg, store) as client:
        big = envelope.seal(b"x" * 10_000, cfg.require_recipients())
        response = post_tip(client, big)
    assert response.status_code == 413
    assert json.loads(response.body)["error"] == "too_large"
    assert tips_in(store) == []


def _other_key(cfg: Config, now: list[float], challenge: dict[str, Any], key: str) -> str:
    return new_key()  # a solution for one key, replayed with another


def _after_expiry(cfg: Config, now: list[float], challenge: dict[str, Any], key: str) -> str:
    now[0] += cfg.intake.pow_expires_seconds + 1
    return key


def _forged(cfg: Config, now: list[float], challenge: dict[str, Any], key: str) -> str:
    challenge["signature"] = "0" * 64
    return key


@pytest.mark.parametrize(
    ("tamper", "code"),
    [(_other_key, "pow_mismatch"), (_after_expiry, "pow_expired"), (_forged, "pow_invalid")],
)
def test_bad_proof_of_work_is_refused(backend_config: Any, tamper: Any, code: str) -> None:
    cfg, store = backend_config
    now = [1_800_000_000.0]
    key = new_key()
    with intake_client(cfg, store, clock=lambda: now[0]) as client:
        challenge = get_challenge(client, key)
        post_key = tamper(cfg, now, challenge, key)
        response = client.http.post(
            "/api/tips", headers=tip_headers(post_key, challenge), body=sealed(cfg)
        )
    assert response.status_code == 403
    assert json.loads(response.body)["error"] == code
    assert tips_in(store) == []


def test_wrong_recipient_count_is_refused(backend_config: Any) -> None:
    cfg, store = backend_config
    other = pyrage.x25519.Identity.generate().to_public()
    body = pyrage.encrypt(b"vigie-tip/1\n{}\n", [other, other])
    with intake_client(cfg, store) as client:
        response = post_tip(client, body)
    assert response.status_code == 400
    assert json.loads(response.body)["error"] == "wrong_recipients"
    assert tips_in(store) == []


def test_challenge_requires_a_valid_key(backend_config: Any) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        bad = client.http.get("/api/challenge", headers={"Idempotency-Key": "a/b"})
        missing = client.http.get("/api/challenge")
        # The key is read from the header only: in the URL it would reach logs (finding 8).
        in_url = client.http.get(f"/api/challenge?key={new_key()}")
        good = client.http.get("/api/challenge", headers={"Idempotency-Key": new_key()})
    statuses = (bad.status_code, missing.status_code, in_url.status_code, good.status_code)
    assert statuses == (400, 400, 400, 200)
    params = json.loads(good.body)["parameters"]
    assert (params["algorithm"], params["cost"]) == ("SCRYPT", cfg.intake.pow_cost)
    assert params["data"]["b"] == cfg.intake.pow_bits


def test_health_reports_storage(backend_config: Any) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        response = client.http.get("/api/health")
    assert response.status_code == 200
    assert json.loads(response.body) == {"status": "ok", "storage": "ready"}
