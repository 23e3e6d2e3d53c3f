"""`kill -9` of the intake (`vigie serve`) in the middle of a large write to a dir: store.

To land the kill inside the write rather than before or after it, the server
process gets a slow disk: a `sitecustomize` placed on its PYTHONPATH makes
`os.fsync` wait, so the tip's bytes sit in the store's hidden temp file when
SIGKILL arrives. The promise: nothing partial is ever visible under a tip's
name, and the same submission retried after a restart is stored once, whole.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from tests.support.hardening import Answer, request, solved_headers, tiny_site
from tests.support.intake_client import new_key
from tests.support.live import LiveVigie, write_config
from vigie.core import envelope, layout
from vigie.core.storage import DirStore
from vigie.inbox.reader import open_sealed

SLOW_DISK = '''"""Test-only (written by tests/test_faults_intake_kill.py): a slow disk."""
import os, time
_fsync = os.fsync
def _slow_fsync(fd):
    time.sleep(float(os.environ["VIGIE_TEST_SLOW_FSYNC"]))
    _fsync(fd)
os.fsync = _slow_fsync
'''


def big_tip(recipients: list[str]) -> bytes:
    """About 4 MiB sealed: two large "photos" (the intake never looks inside)."""
    photos = tuple(envelope.Attachment("image/jpeg", os.urandom(2_000_000)) for _ in range(2))
    tip = envelope.Tip(category="stash", description="Grosse pièce jointe.", attachments=photos)
    return envelope.seal(envelope.serialize_tip(tip), recipients)


def test_kill_9_during_a_large_write_leaves_no_visible_partial_tip(
    tmp_path: Path, identity: Any
) -> None:
    recipients = [str(identity.to_public())]
    store_dir = tmp_path / "store"
    config = write_config(tmp_path / "vigie.toml", f"dir:{store_dir}", recipients)
    site = tiny_site(tmp_path / "site")
    hook = tmp_path / "slow-disk"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_DISK)
    body = big_tip(recipients)
    assert len(body) > 4_000_000

    slow = LiveVigie(config, site, env={"PYTHONPATH": str(hook), "VIGIE_TEST_SLOW_FSYNC": "60"})
    slow.start()
    key = new_key()
    headers = solved_headers(slow.url, key)
    outcome: list[Answer | Exception] = []

    def send() -> None:
        try:
            outcome.append(request(slow.url, "POST", "/api/tips", body, headers, timeout=90))
        except Exception as exc:  # the server dies under us: expected
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(store_dir.rglob(".tmp-*")):
        time.sleep(0.02)
    temp = list(store_dir.rglob(".tmp-*"))
    slow.stop()  # SIGKILL, mid-write
    sender.join(timeout=30)

    assert temp, "the write never started"
    assert 0 < temp[0].stat().st_size <= len(body)  # the bytes went to the hidden file only
    assert not isinstance(outcome[0], Answer), "the client got an answer from a dead server"
    store = DirStore(store_dir)
    assert [
        o for o in store.list(layout.TIPS) if o.key.endswith(".age")
    ] == []  # nothing visible under a tip's name

    with LiveVigie(config, site) as again:  # restarted, normal disk
        retry = request(again.url, "POST", "/api/tips", body, headers)
    assert retry.status == 201
    [stored] = [o for o in store.list(layout.TIPS) if o.key.endswith(".age")]
    assert store.get(stored.key) == body
    tip = envelope.parse_tip(open_sealed(store.get(stored.key), [identity]))
    assert len(tip.attachments) == 2
