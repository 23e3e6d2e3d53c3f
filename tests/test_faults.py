"""Storage faults under the real `vigie serve`: refused, slow, lost answers, killed.

The intake's S3 client talks to SeaweedFS through tests/support/proxy.py, which
injects the faults request by request. The promise checked: a client always
gets a 503 with Retry-After it can retry with the same key, and once the store
is back every acknowledged tip (201 or 200) is there exactly once, whole (it
decrypts and parses). The last test kills SeaweedFS itself in the middle of an
upload and restarts it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.hardening import (
    SAMPLE_TIP,
    Answer,
    open_all,
    post_tip,
    request,
    solved_headers,
    submit_with_retries,
    tiny_site,
    tip_keys,
)
from tests.support.intake_client import new_key
from tests.support.live import LiveVigie, write_config
from tests.support.proxy import PASS, Action, FaultProxy, Seen
from tests.support.seaweed import SeaweedServer
from vigie.core import envelope
from vigie.core.layout import tip_id
from vigie.core.storage import TipStore
from vigie.core.storage.s3 import S3Store

pytestmark = pytest.mark.xdist_group("faults")

CONCURRENT = 200
FAULT_RATE = 0.2


@dataclass
class Rig:
    seaweed: SeaweedServer
    proxy: FaultProxy
    live: LiveVigie
    store: TipStore  # direct to SeaweedFS, never through the proxy
    recipients: list[str]
    acked: dict[str, str] = field(default_factory=dict)  # receipt -> day

    @property
    def url(self) -> str:
        return self.live.url

    def sealed(self, description: str = SAMPLE_TIP.description) -> bytes:
        tip = envelope.Tip(category="spot", description=description)
        return envelope.seal(envelope.serialize_tip(tip), self.recipients)

    def ack(self, answer: Answer) -> str:
        assert answer.status in (200, 201), answer.body[:300]
        receipt = str(answer.json()["receipt"])
        self.acked[receipt] = str(answer.json()["received"])
        return receipt

    def count(self, receipt: str) -> int:
        return sum(1 for key in tip_keys(self.store) if receipt in key)


def tip_writes(action: Action) -> Any:
    """A policy applying `action` to tip uploads only (health probes and the intake's
    signature, written just before each tip, pass)."""
    return lambda seen: (
        action
        if "/tips/" in seen.path
        and seen.path.split("?")[0].endswith(".age")
        and seen.method == "PUT"
        else PASS
    )


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, identity: Any) -> Iterator[Rig]:
    root = tmp_path_factory.mktemp("faults")
    seaweed = SeaweedServer(root / "seaweed")
    seaweed.start()
    try:
        seaweed.client().create_bucket(Bucket="faults")
        with FaultProxy(int(seaweed.ports["s3.port"])) as proxy:
            recipients = [str(identity.to_public())]
            config = write_config(
                root / "vigie.toml",
                "s3://faults/hardening",
                recipients,
                s3_endpoint_url=proxy.endpoint,
            )
            store = S3Store(seaweed.client(), "faults", "hardening", sse=False)
            with LiveVigie(config, tiny_site(root / "site")) as live:
                yield Rig(seaweed, proxy, live, store, recipients)
    finally:
        seaweed.kill()


@pytest.fixture(autouse=True)
def whole_and_exactly_once(rig: Rig, identity: Any) -> Iterator[None]:
    """After each test: the store holds exactly the acknowledged tips, all whole."""
    rig.proxy.policy = lambda seen: PASS
    yield
    rig.proxy.policy = lambda seen: PASS
    expected = sorted((day, receipt) for receipt, day in rig.acked.items())
    stored = tip_keys(rig.store)
    assert sorted(tip_id(k) or ("", "") for k in stored) == expected
    assert len(stored) == len(expected)
    assert len(open_all(rig.store, identity)) == len(expected)


def assert_retryable(answer: Answer) -> None:
    assert answer.status == 503, answer.body[:300]
    assert answer.json()["error"] == "storage_unavailable"
    assert int(answer.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    "fault",
    [Action("error", status=503), Action("error", status=500), Action("reset")],
    ids=["503", "500", "reset"],
)
def test_refused_write_is_503_then_the_retry_lands_once(rig: Rig, fault: Action) -> None:
    body = rig.sealed()
    rig.proxy.policy = tip_writes(fault)
    key, down = post_tip(rig.url, body)
    assert_retryable(down)
    assert rig.proxy.counts[fault.kind] >= 2  # the S3 client did retry, in vain
    rig.proxy.policy = lambda seen: PASS
    _, up = post_tip(rig.url, body, key)
    assert up.status == 201
    assert rig.count(rig.ack(up)) == 1


def test_written_but_answer_lost_is_503_then_200_same_receipt(rig: Rig) -> None:
    """The store wrote the tip but the answer never came back: no duplicate on retry."""
    body = rig.sealed()
    rig.proxy.policy = tip_writes(Action("lose_answer"))
    key, down = post_tip(rig.url, body)
    assert_retryable(down)
    rig.proxy.policy = lambda seen: PASS
    _, up = post_tip(rig.url, body, key)
    assert up.status == 200  # already there: same receipt, nothing new written
    assert rig.count(rig.ack(up)) == 1


def test_slow_storage_is_503_then_the_retry_lands_once(rig: Rig) -> None:
    """Answers later than the S3 client's read timeout (5 s) on every attempt."""
    body = rig.sealed()
    rig.proxy.policy = tip_writes(Action("delay", delay=5.5))
    key, down = post_tip(rig.url, body, timeout=60)
    assert_retryable(down)
    rig.proxy.policy = lambda seen: PASS
    _, up = post_tip(rig.url, body, key)
    # The late writes did land (slow, not lost), so the retry finds the tip.
    assert up.status in (200, 201)
    assert rig.count(rig.ack(up)) == 1


def test_200_concurrent_submissions_with_random_faults(rig: Rig) -> None:
    """A fifth of storage requests fail at random (refused, reset, or answer lost)."""
    rng = random.Random(6)
    lock = threading.Lock()

    def chaos(seen: Seen) -> Action:
        with lock:
            roll = rng.random()
        if seen.method != "PUT" or roll >= FAULT_RATE:
            return PASS
        return [Action("error", status=503), Action("reset"), Action("lose_answer")][
            int(roll / FAULT_RATE * 3)
        ]

    rig.proxy.counts.clear()
    rig.proxy.policy = chaos
    body = rig.sealed("Soumission concurrente sous pannes aléatoires.")
    barrier = threading.Barrier(CONCURRENT)

    def one(_: int) -> tuple[str, list[int], dict[str, str] | None]:
        barrier.wait()
        return submit_with_retries(rig.url, body, attempts=8)

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        results = list(pool.map(one, range(CONCURRENT)))
    rig.proxy.policy = lambda seen: PASS
    receipts = [answer["receipt"] for _, _, answer in results if answer]
    assert len(set(receipts)) == len(receipts)  # one receipt per idempotency key
    for _, _, answer in results:
        if answer:
            rig.acked[answer["receipt"]] = answer["received"]
    answered = [s for _, seen, _ in results for s in seen]
    print(
        f"\n{CONCURRENT} submissions: {len(receipts)} acknowledged, HTTP answers "
        f"{sorted({s: answered.count(s) for s in answered}.items())}, "
        f"injected {dict(rig.proxy.counts)}"
    )
    faults = sum(n for kind, n in rig.proxy.counts.items() if kind != "pass")
    assert faults > 0.1 * CONCURRENT
    assert len(receipts) == CONCURRENT  # 8 tries each: every client got through
    for receipt in receipts:
        assert rig.count(receipt) == 1


def test_storage_killed_mid_upload_then_restarted(rig: Rig) -> None:
    """SeaweedFS SIGKILLed with half a tip uploaded: 503, then after restart the
    retry stores it once and every earlier acknowledged tip is still there."""
    body = rig.sealed("Coupure du stockage au milieu de l'envoi.")
    key = new_key()
    headers = solved_headers(rig.url, key)
    rig.proxy.holding.clear()
    rig.proxy.release.clear()
    rig.proxy.policy = tip_writes(Action("hold"))
    answers: list[Answer] = []
    sender = threading.Thread(
        target=lambda: answers.append(
            request(rig.url, "POST", "/api/tips", body, headers, timeout=60)
        )
    )
    sender.start()
    assert rig.proxy.holding.wait(timeout=30), "the upload never reached the store"
    rig.seaweed.kill()
    rig.proxy.policy = lambda seen: PASS
    rig.proxy.release.set()
    sender.join(timeout=60)
    assert_retryable(answers[0])
    assert request(rig.url, "GET", "/api/health").status == 503
    rig.seaweed.start()
    assert request(rig.url, "GET", "/api/health").status == 200
    up = request(rig.url, "POST", "/api/tips", body, headers)
    assert up.status == 201
    assert rig.count(rig.ack(up)) == 1
