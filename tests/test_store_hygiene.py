"""Store hygiene (security review finding 13): odd keys, replays, health checks.

* `vigie inbox pull` meets an object whose key this workstation cannot name
  (S3 allows 1024-byte keys with segments of any length; a file name has at
  most 255 bytes): it says so in one line and pulls everything else.
* A replayed submission (same idempotency key) is answered the first receipt
  and stores nothing, refused by the conditional writes alone: the intake
  never reads (nor HEADs) `tips/`, which its role does not allow (P10).
* A health check is read-only once the store is ready: a HEAD, no write.

Against SeaweedFS through the fault proxy, which records every S3 request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.support.intake_client import intake_client, new_key, post_tip
from tests.support.proxy import PASS, Action, FaultProxy, Seen
from tests.support.seaweed import SeaweedServer
from tests.test_inbox_helpers import place_tip, png, vigie, write_toml
from vigie.core import envelope, layout
from vigie.core.config import Config
from vigie.core.storage import TipStore, open_store
from vigie.inbox.cache import Cache

pytestmark = pytest.mark.xdist_group("store-hygiene")


@pytest.fixture(scope="module")
def long_names(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """A SeaweedFS that, like AWS S3, takes key segments longer than 255 bytes."""
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed-long"), name_max=1000)
    server.start()
    yield server
    server.kill()


def test_pull_skips_an_over_long_key_in_one_line_and_goes_on(
    long_names: SeaweedServer,
    identity: Any,
    identity_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = f"t{os.urandom(6).hex()}"
    long_names.client().create_bucket(Bucket=bucket)
    cfg = make_config(
        f"s3://{bucket}/vigie",
        [str(identity.to_public())],
        tmp_path,
        s3_endpoint_url=long_names.endpoint,
    )
    store = open_store(cfg.intake, s3_client=long_names.client())
    today = datetime.now(UTC).date()
    receipts = [
        place_tip(cfg, store, envelope.Tip(category="spot", description=f"n° {n}"), today)
        for n in range(3)
    ]
    hostile = f"tips/{today}/" + "A" * 300 + ".age"
    assert store.put_new(hostile, b"x")
    assert any(o.key == hostile for o in store.list(layout.TIPS))
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    cache = tmp_path / "cache"
    result = vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    notes = [line for line in result.out.splitlines() if "ignoré" in line]
    assert len(notes) == 1 and notes[0].startswith("1 objet(s) ignoré(s)"), result.out
    assert "A" * 61 not in result.out  # the name is cut short in the message
    cached = {k.rsplit("/", 1)[1][:-4] for k in Cache(cache).keys(layout.TIPS)}
    assert cached == set(receipts)
    listed = vigie(capsys, "inbox", "list", "--cache", cache, "-i", identity_file)
    assert listed.code == 0 and all(r in listed.out for r in receipts)


class Recorder:
    """A proxy policy that forwards everything and remembers each request."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    def __call__(self, seen: Seen) -> Action:
        self.seen.append(seen)
        return PASS

    def methods(self) -> list[str]:
        return [s.method for s in self.seen]

    def uploaded(self) -> int:
        return sum(
            int(s.headers.get("content-length", "0")) for s in self.seen if s.method == "PUT"
        )


@pytest.fixture
def recorded(
    seaweed: Any, seaweed_bucket: str, identity: Any, tmp_path: Path
) -> Iterator[tuple[Config, TipStore, Recorder]]:
    recorder = Recorder()
    with FaultProxy(
        upstream_port=int(seaweed.endpoint.rsplit(":", 1)[1]), policy=recorder
    ) as proxy:
        cfg = make_config(
            f"s3://{seaweed_bucket}/h{os.urandom(6).hex()}",
            [str(identity.to_public())],
            tmp_path,
            s3_endpoint_url=proxy.endpoint,
        )
        yield cfg, open_store(cfg.intake), recorder


def test_replay_is_answered_the_first_receipt_without_reading_tips(
    recorded: tuple[Config, TipStore, Recorder], identity: Any
) -> None:
    cfg, store, recorder = recorded
    body = envelope.seal(
        envelope.serialize_tip(
            envelope.Tip(
                category="spot",
                description="Un colis remis devant la pharmacie.",
                attachments=(envelope.Attachment(type="image/png", data=png("red", 300)),),
            )
        ),
        cfg.require_recipients(),
    )
    assert len(body) > 1000
    key = new_key()
    with intake_client(cfg, store) as client:
        first = post_tip(client, body, key)
        assert first.status_code == 201
        assert recorder.uploaded() >= len(body)
        recorder.seen.clear()
        for _ in range(3):
            again = post_tip(client, body, key)
            assert again.status_code == 200
            assert again.json_body["receipt"] == first.json_body["receipt"]
    # Conditional PUTs only (signature and tip, each refused as existing): no
    # GET or HEAD of a tip, which the intake's role may not do.
    assert set(recorder.methods()) == {"PUT"}
    assert len([o for o in store.list(layout.TIPS) if o.key.endswith(".age")]) == 1


def test_health_checks_are_read_only_once_ready(
    recorded: tuple[Config, TipStore, Recorder],
) -> None:
    cfg, store, recorder = recorded
    with intake_client(cfg, store) as client:
        assert client.http.get("/api/health").status_code == 200  # creates intake/ready
        assert "PUT" in recorder.methods()
        recorder.seen.clear()
        for _ in range(5):
            assert client.http.get("/api/health").status_code == 200
    assert recorder.methods() == ["HEAD"] * 5
