"""Storage backends: atomic never-overwriting writes, outages turn into 503s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.support.intake_client import intake_client, new_key, post_tip
from tests.support.seaweed import SeaweedServer
from vigie.core import envelope
from vigie.core.storage import DirStore, StoreUnavailable, check_key, open_store


def test_put_new_never_overwrites(backend_config: Any) -> None:
    _, store = backend_config
    assert store.put_new("tips/2026-01-01/A.age", b"first") is True
    assert store.put_new("tips/2026-01-01/A.age", b"second") is False
    assert store.get("tips/2026-01-01/A.age") == b"first"
    assert [o.key for o in store.list("tips/")] == ["tips/2026-01-01/A.age"]


@pytest.mark.parametrize("key", ["../x", "a/../b", "/abs", "a//b", ".hidden", "a/.tmp-x", "é", ""])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_dir_store_leaves_no_temp_files_and_is_private(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    store.put_new("tips/d/x.age", b"data")
    files = sorted(p.name for p in (tmp_path / "tips" / "d").iterdir())
    assert files == ["x.age"]
    stat = (tmp_path / "tips" / "d" / "x.age").stat()
    assert stat.st_mode & 0o077 == 0
    # Modification times to the day only, for the file and its folder.
    assert stat.st_mtime % 86400 == 0 and stat.st_atime % 86400 == 0
    assert (tmp_path / "tips" / "d").stat().st_mtime % 86400 == 0


def test_dir_store_unwritable_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = DirStore(blocker)
    with pytest.raises(StoreUnavailable):
        store.put_new("tips/d/x.age", b"data")


def test_dir_store_crash_mid_write_leaves_no_visible_partial(tmp_path: Path) -> None:
    """kill -9 of a writer in the middle of its write: only a hidden temp file can remain."""
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import os;"
        "from vigie.core import storage;"
        "os.fsync = lambda fd: __import__('time').sleep(30);"  # hang inside the write
        f"storage.DirStore({str(tmp_path)!r}).put_new('tips/d/x.age', b'y' * 1000000)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parents[1])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(tmp_path.rglob(".tmp-*")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(tmp_path.rglob(".tmp-*")), "the writer never started"
    assert [o.key for o in DirStore(tmp_path).list("")] == []


@pytest.mark.xdist_group("outage")
def test_s3_outage_is_503_then_recovers(tmp_path: Path, identity: Any) -> None:
    """SeaweedFS killed: 503 + Retry-After, nothing stored; restarted: the retry lands once."""
    server = SeaweedServer(tmp_path / "sw")
    server.start()
    try:
        server.client().create_bucket(Bucket="outage")
        cfg = make_config(
            "s3://outage/tips",
            [str(identity.to_public())],
            tmp_path,
            s3_endpoint_url=server.endpoint,
        )
        store = open_store(cfg.intake, s3_client=server.client())
        body = envelope.seal(
            envelope.serialize_tip(envelope.Tip(category="spot", description="x")),
            cfg.require_recipients(),
        )
        key = new_key()
        server.kill()
        with intake_client(cfg, store) as client:
            down = post_tip(client, body, key)
            health = client.http.get("/api/health")
            assert down.status_code == 503
            assert down.headers["Retry-After"] == "5"
            assert json.loads(down.body)["error"] == "storage_unavailable"
            assert health.status_code == 503
            server.start()
            up = post_tip(client, body, key)
            again = post_tip(client, body, key)
        assert (up.status_code, again.status_code) == (201, 200)
        assert json.loads(up.body) == json.loads(again.body)
        assert len([o for o in store.list("tips/") if o.key.endswith(".age")]) == 1
    finally:
        server.kill()


def test_open_store_dir_does_not_import_boto3(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys;"
        "from vigie.core.storage import open_store; from vigie.core.config import IntakeConfig;"
        f"open_store(IntakeConfig(store='dir:{tmp_path}'));"
        "from vigie.resources import load_intake_app; load_intake_app();"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto3 imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
