"""Store hygiene (security review finding 13): odd keys, replays, health checks.

* `vigie inbox pull` meets an object whose key this workstation cannot name
  (S3 allows 1024-byte keys with segments of any length; a file name has at
  most 255 bytes): it says so in one line and pulls everything else.
* A replayed submission (same idempotency key) is answered the first receipt
  and stores nothing, refused by the conditional writes: the intake never
  reads (nor HEADs) `tips/`, which its role does not allow (P10).
* A large replay is refused before its body is uploaded again: one HEAD of
  its empty `intake/seen/` marker (S3), or of the file itself (dir:). Measured
  with a byte-counting relay in front of SeaweedFS, and with the process's
  own write counter for dir:.
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
from tests.support.bytecount import ByteCounter
from tests.support.intake_client import get_challenge, intake_client, new_key, post_tip, tip_headers
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
        self.refuse = ""  # answer 503 to requests whose path contains this

    def __call__(self, seen: Seen) -> Action:
        self.seen.append(seen)
        if self.refuse and self.refuse in seen.path:
            return Action("error", status=503)
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
    # No GET at all, and no HEAD of a tip, which the intake's role may not do:
    # a replay is known by the HEAD of its `intake/seen/` marker (which also
    # keeps it from claiming a difficulty slot), and moves no body.
    assert set(recorder.methods()) <= {"PUT", "HEAD"}
    heads = [s.path for s in recorder.seen if s.method == "HEAD"]
    assert heads and all("/intake/seen/" in path for path in heads)
    assert recorder.uploaded() == 0
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


LARGE = 2 * 1024 * 1024  # a tip with a photo or two


def _large_body(cfg: Config) -> bytes:
    return envelope.seal(os.urandom(LARGE), cfg.require_recipients())


def _post(client: Any, body: bytes, key: str) -> Any:
    """A tip POST whose challenge was fetched and solved first (outside any count)."""
    headers = tip_headers(key, get_challenge(client, key))
    return lambda: client.http.post("/api/tips", headers=headers, body=body)


@pytest.fixture
def counted(
    seaweed: Any, seaweed_bucket: str, identity: Any, tmp_path: Path
) -> Iterator[tuple[Config, TipStore, Recorder, ByteCounter]]:
    """The intake's S3 client -> byte counter -> recording proxy -> SeaweedFS."""
    recorder = Recorder()
    upstream = int(seaweed.endpoint.rsplit(":", 1)[1])
    with (
        FaultProxy(upstream_port=upstream, policy=recorder) as proxy,
        ByteCounter(proxy.port) as counter,
    ):
        cfg = make_config(
            f"s3://{seaweed_bucket}/r{os.urandom(6).hex()}",
            [str(identity.to_public())],
            tmp_path,
            s3_endpoint_url=counter.endpoint,
        )
        yield cfg, open_store(cfg.intake), recorder, counter


def test_a_large_replay_is_refused_before_its_body_is_uploaded_again(
    counted: tuple[Config, TipStore, Recorder, ByteCounter], seaweed: Any, seaweed_bucket: str
) -> None:
    cfg, store, recorder, counter = counted
    body = _large_body(cfg)
    key = new_key()
    with intake_client(cfg, store) as client:
        send = _post(client, body, key)
        before = counter.sent
        first = send()
        assert first.status_code == 201, first.body
        assert counter.sent - before > LARGE
        stored = sorted(o.key for o in store.list())
        recorder.seen.clear()
        for _ in range(3):  # the same request again, as after a lost answer
            before = counter.sent
            again = send()
            assert again.status_code == 200, again.body
            assert again.json_body == first.json_body  # the same receipt and day
            assert counter.sent - before < 16 * 1024  # headers, not the body
        # What crossed: the signature's conditional PUT (refused), one HEAD of
        # the replay marker, the effort marker's conditional PUT; never a GET,
        # never a HEAD of anything but a marker (P10: no read of tips).
        assert "GET" not in recorder.methods()
        heads = [s.path for s in recorder.seen if s.method == "HEAD"]
        assert len(heads) == 3 and all("/intake/seen/" in p for p in heads), heads
        assert sorted(o.key for o in store.list()) == stored  # nothing new stored
        receipt, day = first.json_body["receipt"], first.json_body["received"]
        tips = [o for o in store.list(layout.TIPS) if o.key.endswith(".age")]
        assert [t.key for t in tips] == [layout.tip_key(day, receipt)]
        assert tips[0].size == len(body)
        # The marker only saves the upload: once gone (its lifecycle is a day),
        # a replay uploads again and the conditional write still refuses it.
        marker = f"{store.description.split('/', 3)[3]}/{layout.seen_key(day, receipt)}"
        seaweed.client().delete_object(Bucket=seaweed_bucket, Key=marker)
        before = counter.sent
        again = send()
        assert again.status_code == 200 and again.json_body == first.json_body
        assert counter.sent - before > LARGE
        assert sorted(o.key for o in store.list()) == stored  # the marker is back
        assert not store.put_new(layout.tip_key(day, receipt), b"x")  # still create-only


def test_the_replay_marker_never_decides_what_is_stored(
    counted: tuple[Config, TipStore, Recorder, ByteCounter],
) -> None:
    """Every request about the marker fails: the tip is still stored once and
    answered 201, then its replay is uploaded, refused by the conditional write
    and answered 200 with the same receipt (the marker only saves bandwidth)."""
    cfg, store, recorder, counter = counted
    recorder.refuse = "/intake/seen/"
    body = _large_body(cfg)
    key = new_key()
    with intake_client(cfg, store) as client:
        send = _post(client, body, key)
        first = send()
        assert first.status_code == 201, first.body
        stored = sorted(o.key for o in store.list())
        before = counter.sent
        again = send()
        assert again.status_code == 200 and again.json_body == first.json_body
        assert counter.sent - before > LARGE  # no marker: the body crossed again
    assert any("/intake/seen/" in s.path and s.method == "HEAD" for s in recorder.seen)
    assert sorted(o.key for o in store.list()) == stored
    assert not any(k.startswith(layout.SEEN) for k in stored)
    assert len([k for k in stored if k.endswith(".age")]) == 1


def _written() -> int:
    """Bytes this process has passed to write() so far (Linux /proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def test_a_large_replay_writes_nothing_to_a_dir_store(identity: Any, tmp_path: Path) -> None:
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = open_store(cfg.intake)
    body = _large_body(cfg)
    key = new_key()
    with intake_client(cfg, store) as client:
        send = _post(client, body, key)
        before = _written()
        first = send()
        assert first.status_code == 201, first.body
        assert _written() - before > LARGE
        stored = sorted(o.key for o in store.list())
        for _ in range(3):
            before = _written()
            again = send()
            assert again.status_code == 200 and again.json_body == first.json_body
            assert _written() - before < 64 * 1024  # no temp copy, no fsync of 2 MB
    assert sorted(o.key for o in store.list()) == stored
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "store").rglob("*"))


def test_vigie_serve_sweeps_replay_markers_after_a_day(
    seaweed: Any, seaweed_bucket: str, identity: Any, tmp_path: Path
) -> None:
    """Where no lifecycle rule runs (`vigie serve` on any S3 store), the sweep
    removes markers older than yesterday, and nothing else."""
    from vigie.core.intake import Intake

    cfg = make_config(
        f"s3://{seaweed_bucket}/w{os.urandom(6).hex()}",
        [str(identity.to_public())],
        tmp_path,
        s3_endpoint_url=seaweed.endpoint,
    )
    store = open_store(cfg.intake, s3_client=seaweed.client())
    now = datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp()
    receipt = "VG-0000-0000-0000"
    for day in ("2026-11-29", "2026-11-30", "2026-12-01"):
        assert store.put_new(layout.seen_key(day, receipt), b"")
        assert store.put_new(layout.tip_key(day, receipt), b"x")
    later = Intake(config=cfg, store=store, secret=bytes(range(32)), clock=lambda: now)
    assert later.sweep() == 1
    assert [o.key for o in store.list(layout.SEEN)] == [
        layout.seen_key("2026-11-30", receipt),
        layout.seen_key("2026-12-01", receipt),
    ]
    assert len(list(store.list(layout.TIPS))) == 3
