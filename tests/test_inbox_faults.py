"""Bad input and faults: damaged objects, other recipients, bad keys, dead store, cut pulls."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.conftest import make_config
from tests.support.seaweed import free_port
from tests.test_inbox_helpers import (
    assert_one_line_error,
    new_receipt,
    new_signing_key,
    place_tip,
    vigie,
    write_toml,
)
from vigie.core import envelope, layout
from vigie.core.config import Config
from vigie.core.storage import StoredObject, StoreUnavailable, TipStore, open_store
from vigie.inbox.cache import Cache, pull


def _tip(n: int) -> envelope.Tip:
    return envelope.Tip(category="spot", description=f"Signalement numéro {n}")


def test_damaged_and_foreign_objects_are_listed_and_the_rest_works(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = open_store(cfg.intake)
    today = datetime.now(UTC).date()
    good = place_tip(cfg, store, _tip(1), today)
    # Truncated: a real tip cut in the middle of its payload.
    sealed = envelope.seal(envelope.serialize_tip(_tip(2)), cfg.require_recipients())
    truncated, not_age, foreign = new_receipt(), new_receipt(), new_receipt()
    store.put_new(layout.tip_key(today, truncated), sealed[: len(sealed) - 40])
    store.put_new(layout.tip_key(today, not_age), b"%PDF-1.7 definitely not age")
    other = pyrage.x25519.Identity.generate()
    store.put_new(
        layout.tip_key(today, foreign),
        envelope.seal(envelope.serialize_tip(_tip(3)), [str(other.to_public())]),
    )
    store.put_new("tips/odd-name.age", b"x")
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    cache = tmp_path / "cache"
    assert vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache).code == 0

    r = vigie(capsys, "inbox", "list", "--cache", cache, "-i", identity_file)
    assert r.code == 0
    lines = {
        line.split()[0]: line for line in r.out.splitlines() if line.startswith(("VG-", "odd"))
    }
    assert "Point de deal" in lines[good]
    assert "ABÎMÉ" in lines[truncated] and "ABÎMÉ" in lines[not_age]
    assert "ABÎMÉ" in lines["odd-name.age"]
    assert "AUTRES CLÉS" in lines[foreign] and "d'autres clés" in lines[foreign]
    assert "5 signalement(s), dont 4 illisible(s)." in r.out

    rows = json.loads(vigie(capsys, "inbox", "list", "--cache", cache, "-i", identity_file,
                            "--json").out)  # fmt: skip
    kinds = {row["receipt"]: row["kind"] for row in rows}
    assert kinds == {
        good: "ok", truncated: "damaged", not_age: "damaged", foreign: "foreign",
        "odd-name.age": "damaged",
    }  # fmt: skip
    for receipt in (truncated, foreign):
        r = vigie(capsys, "inbox", "show", receipt, "--cache", cache, "-i", identity_file)
        assert_one_line_error(r, receipt)
    r = vigie(capsys, "inbox", "show", "not-a-receipt", "--cache", cache, "-i", identity_file)
    assert_one_line_error(r, "numéro de dépôt")
    # A foreign analyst (other key) sees every tip as "for other keys", no crash.
    other_key = tmp_path / "other.key"
    other_key.write_text(f"{other}\n")
    rows = json.loads(vigie(capsys, "inbox", "list", "--cache", cache, "-i", other_key,
                            "--json").out)  # fmt: skip
    assert {r["receipt"]: r["kind"] for r in rows}[foreign] == "ok"
    assert {r["receipt"]: r["kind"] for r in rows}[good] == "foreign"


def test_bad_identity_files_give_one_line(
    tmp_path: Path, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    garbage = tmp_path / "garbage.key"
    garbage.write_bytes(b"\x00\xffnot a key")
    bad_secret = tmp_path / "bad.key"
    bad_secret.write_text("AGE-SECRET-KEY-1NOTBECH32\n")
    broken_armor = tmp_path / "broken.age"
    broken_armor.write_text("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n")
    for path, word in (
        (tmp_path / "missing.key", "illisible"),
        (garbage, "pas un fichier de clé age"),
        (bad_secret, "clé secrète age illisible"),
        (broken_armor, "abîmé"),
    ):
        r = vigie(capsys, "inbox", "list", "--cache", cache, "-i", path)
        assert_one_line_error(r, str(path), word)
    r = vigie(capsys, "inbox", "list", "--cache", cache)
    assert_one_line_error(r, "--identity")


def test_unreachable_store_gives_one_line(
    tmp_path: Path, identity: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    cfg = make_config(
        "s3://nobucket/vigie", [str(identity.to_public())], tmp_path, s3_endpoint_url=dead
    )
    signer = tmp_path / "analyst.sign"
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[new_signing_key(signer)])
    r = vigie(capsys, "--config", conf, "inbox", "pull", "--cache", tmp_path / "c")
    assert_one_line_error(r, "stockage injoignable")
    r = vigie(capsys, "--config", conf, "inbox", "mark", "VG-0000-0000-0000", "--cache",
              tmp_path / "c", "--signing-key", signer, "--status", "new")  # fmt: skip
    assert_one_line_error(r, "inconnu")
    # A tip already in the cache (pulled earlier, now offline): marking needs the store.
    sealed = envelope.seal(envelope.serialize_tip(_tip(1)), cfg.require_recipients())
    Cache(tmp_path / "c").put("tips/2026-11-28/VG-0000-0000-0000.age", sealed)
    r = vigie(capsys, "--config", conf, "inbox", "mark", "VG-0000-0000-0000", "--cache",
              tmp_path / "c", "--signing-key", signer, "--status", "new")  # fmt: skip
    assert_one_line_error(r, "stockage injoignable")


class FailingAfter:
    """The real store, whose connection 'drops' after `limit` downloads (fault injection)."""

    def __init__(self, store: TipStore, limit: int) -> None:
        self.store, self.limit, self.calls = store, limit, 0
        self.lock = threading.Lock()
        self.description = store.description

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        return self.store.list(prefix)

    def get(self, key: str) -> bytes:
        with self.lock:
            self.calls += 1
            if self.calls > self.limit:
                raise StoreUnavailable("connection dropped")
        return self.store.get(key)

    def get_optional(self, key: str) -> bytes | None:
        return self.store.get_optional(key)

    def put_new(self, key: str, data: bytes, metadata: Mapping[str, str] | None = None) -> bool:
        return self.store.put_new(key, data, metadata)

    def stored(self, key: str, marker: str) -> bool:
        return self.store.stored(key, marker)

    def put_once(
        self, key: str, data: bytes, metadata: Mapping[str, str] | None, marker: str
    ) -> bool:
        return self.store.put_once(key, data, metadata, marker)

    def delete(self, key: str) -> None:
        self.store.delete(key)

    def probe(self) -> None:
        self.store.probe()

    def exists(self, key: str) -> bool:
        return self.store.exists(key)


@pytest.fixture(scope="module")
def many_tips(
    seaweed: Any, identity: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Config, TipStore, int]:
    """60 tips on SeaweedFS, shared by the pull tests of this module (read-only)."""
    import os

    tmp = tmp_path_factory.mktemp("many")
    bucket = f"t{os.urandom(6).hex()}"
    seaweed.client().create_bucket(Bucket=bucket)
    cfg = make_config(
        f"s3://{bucket}/vigie", [str(identity.to_public())], tmp, s3_endpoint_url=seaweed.endpoint
    )
    store = open_store(cfg.intake, s3_client=seaweed.client())
    today = datetime.now(UTC).date()
    for n in range(60):
        place_tip(cfg, store, _tip(n), today, signed=False)  # one object per tip
    store.put_new(layout.READY_KEY, b"ok")  # the intake's own objects are not pulled
    return cfg, store, 60


def _cache_files(cache: Cache) -> list[Path]:
    return [p for p in cache.root.rglob("*") if p.is_file()]


@pytest.mark.xdist_group("inbox-many")
def test_interrupted_pull_resumes_without_duplicates_or_gaps(
    many_tips: tuple[Config, TipStore, int], tmp_path: Path, identity: Any
) -> None:
    _cfg, store, total = many_tips
    cache = Cache(tmp_path / "cache")
    with pytest.raises(StoreUnavailable):
        pull(FailingAfter(store, 25), cache, workers=4)
    partial = _cache_files(cache)
    assert 0 < len(partial) < total
    # A crash mid-write leaves at most a hidden temp file; a damaged copy is repaired.
    leftover = next(cache.objects.rglob("*.age")).parent / ".tmp-deadbeef"
    leftover.write_bytes(b"half")
    damaged = partial[0]
    damaged.write_bytes(damaged.read_bytes()[:10])
    result = pull(store, cache)
    assert result.listed == total and result.fetched == total - len(partial) + 1
    stored = {o.key: store.get(o.key) for o in store.list(layout.TIPS)}
    cached = {o.key: cache.get(o.key) for o in cache.list(layout.TIPS)}
    assert cached == stored  # nothing missed, nothing duplicated, bytes identical
    assert not cache.path(layout.READY_KEY).exists()
    again = pull(store, cache)
    assert (again.fetched, again.already) == (0, total)


@pytest.mark.xdist_group("inbox-many")
def test_two_pulls_at_once_are_safe(
    many_tips: tuple[Config, TipStore, int], tmp_path: Path
) -> None:
    _cfg, store, total = many_tips
    cache = Cache(tmp_path / "cache")
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        results.append(pull(store, cache, workers=4))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and all(r.listed == total for r in results)
    files = _cache_files(cache)
    assert len(files) == total and not [p for p in files if p.name.startswith(".tmp-")]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    assert {o.key: cache.get(o.key) for o in cache.list()} == {
        o.key: store.get(o.key) for o in store.list(layout.TIPS)
    }


def _run_on_pty(argv: list[str], cwd: Path) -> bytes:
    """Run a command with a pseudo-terminal as stdout/stderr; return what it printed."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        # A real terminal has a size; a fresh pty reports 0x0 and tqdm draws nothing.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        os.chdir(cwd)
        os.execv(argv[0], argv)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out


def test_progress_bar_only_on_a_terminal(tmp_path: Path, identity: Any) -> None:
    import subprocess
    import sys

    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = open_store(cfg.intake)
    for n in range(3):
        place_tip(cfg, store, _tip(n), datetime.now(UTC).date(), signed=False)
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    vigie_bin = str(Path(sys.executable).parent / "vigie")
    argv = [vigie_bin, "--config", str(conf), "inbox", "pull", "--cache"]
    on_tty = _run_on_pty([*argv, str(tmp_path / "c1")], tmp_path)
    assert b"T\xc3\xa9l\xc3\xa9chargement" in on_tty and b"3/3" in on_tty
    piped = subprocess.run([*argv, str(tmp_path / "c2")], capture_output=True, check=True)
    assert piped.stderr == b"" and piped.stdout.startswith(b"3 nouvel(s)")
