"""Analyst keys: passphrase-protected keygen, wrong passphrase, compatibility with the age CLI."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import make_config
from tests.test_inbox_helpers import assert_one_line_error, submit, vigie, write_toml
from vigie.core import envelope
from vigie.core.envelope import ARMOR_BEGIN

PASSPHRASE = "cheval correct agrafe batterie"


def _age_decrypt_with_tty(key: Path, sealed: Path, out: Path, passphrase: str) -> bytes:
    """Run `age -d -i KEY` on a pseudo-terminal: age asks for the passphrase on /dev/tty."""
    pid, fd = pty.fork()
    if pid == 0:  # child: becomes age
        os.execv("/usr/bin/age", ["age", "-d", "-i", str(key), "-o", str(out), str(sealed)])
    screen, sent, deadline = b"", False, time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
        if not sent and b"passphrase" in screen.lower():
            os.write(fd, passphrase.encode() + b"\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, screen
    return out.read_bytes()


def test_protected_key_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    key = tmp_path / "keys" / "marie.age"
    r = vigie(capsys, "inbox", "keygen", "--out", key, "--passphrase-file", secret)
    assert r.code == 0 and "NON protégée" not in r.out
    public = next(line.split(": ")[1] for line in r.out.splitlines() if "Clé publique" in line)
    assert f'recipients = ["{public}"]' in r.out
    assert key.stat().st_mode & 0o777 == 0o600
    raw = key.read_bytes()
    assert raw.startswith(ARMOR_BEGIN) and b"AGE-SECRET-KEY" not in raw
    # Never overwrites an existing key.
    again = vigie(capsys, "inbox", "keygen", "--out", key, "--no-passphrase")
    assert_one_line_error(again, "existe déjà")
    assert key.read_bytes() == raw

    # A tip through the real intake, read with the protected key...
    cfg = make_config(f"dir:{tmp_path / 'store'}", [public], tmp_path)
    from vigie.core.storage import open_store

    store = open_store(cfg.intake)
    receipt = submit(cfg, store, envelope.Tip(category="stash", description="Garage, box 12"))
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    cache = tmp_path / "cache"
    vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache)
    r = vigie(capsys, "inbox", "show", receipt, "--cache", cache, "-i", key,
              "--passphrase-file", secret)  # fmt: skip
    assert r.code == 0 and "Garage, box 12" in r.out
    # ...a wrong passphrase is one clear line...
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("pas la bonne\n")
    r = vigie(capsys, "inbox", "list", "--cache", cache, "-i", key, "--passphrase-file", wrong)
    assert_one_line_error(r, "phrase de passe incorrecte", str(key))
    # ...and the plain age CLI opens the same tip with the same protected key file.
    cached = next((cache / "objects").rglob(f"{receipt}*.age"))
    plain = _age_decrypt_with_tty(key, cached, tmp_path / "plain.bin", PASSPHRASE)
    assert envelope.parse_tip(plain).description == "Garage, box 12"


def test_keygen_without_terminal_needs_a_passphrase_source(tmp_path: Path) -> None:
    """No terminal (CI, cron) and no --passphrase-file: one line, exit 2, no key written."""
    key = tmp_path / "k.age"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "vigie"), "inbox", "keygen", "--out", str(key)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal, like cron
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert "--passphrase-file" in proc.stderr and "Traceback" not in proc.stderr
    assert not key.exists()


def test_short_passphrase_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "p"
    secret.write_text("court\n")
    r = vigie(capsys, "inbox", "keygen", "--out", tmp_path / "k", "--passphrase-file", secret)
    assert_one_line_error(r, "trop courte")
    assert not (tmp_path / "k").exists()
