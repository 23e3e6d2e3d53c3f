"""CLI friction fixed with the desk: busy ports, $VIGIE_IDENTITY, the demo hint of `serve`.

Real processes (`vigie serve`, `vigie desk`) on loopback ports, and the real
`vigie inbox` entry point in-process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.conftest import make_config
from tests.support.live import write_config
from tests.test_inbox_helpers import place_tip, vigie, write_toml
from vigie.core import envelope
from vigie.core.storage import open_store

VIGIE = str(Path(sys.executable).parent / "vigie")


def _busy_port() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


@pytest.mark.parametrize("command", [["desk", "--no-browser"], ["serve"]])
def test_a_busy_port_is_one_line_and_exit_2_before_anything_is_built(
    command: list[str], tmp_path: Path
) -> None:
    conf = write_config(tmp_path / "vigie.toml", f"dir:{tmp_path / 'store'}", [])
    with _busy_port() as busy:
        port = busy.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [VIGIE, "--config", str(conf), *command, "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [f"vigie: {lines[0][7:]}"] and f"le port {port} est déjà utilisé" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    # Nothing built or created: no site, no demo key, no cache, no store.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vigie.toml"]
    assert elapsed < 20  # a site build alone takes longer than this


def _public(identity: Any) -> str:
    return str(identity.to_public())


def test_vigie_identity_replaces_dash_i(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pyrage.x25519.Identity.generate(), pyrage.x25519.Identity.generate()
    key_a, key_b = tmp_path / "a.key", tmp_path / "b.key"
    key_a.write_text(f"{a}\n")
    key_b.write_text(f"{b}\n")
    cfg = make_config(f"dir:{tmp_path / 'store'}", [_public(b)], tmp_path)
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    from datetime import UTC, datetime

    receipt = place_tip(
        cfg,
        open_store(cfg.intake),
        envelope.Tip(category="spot", description="pour B seulement"),
        datetime.now(UTC).date(),
    )
    cache = tmp_path / "cache"
    assert vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache).code == 0

    monkeypatch.delenv("VIGIE_IDENTITY", raising=False)
    r = vigie(capsys, "inbox", "list", "--cache", cache)
    assert r.code == 2 and "VIGIE_IDENTITY" in r.err

    # Several files, joined with the OS path separator; B's key opens the tip.
    monkeypatch.setenv("VIGIE_IDENTITY", f"{key_a}{os.pathsep}{key_b}")
    r = vigie(capsys, "inbox", "list", "--cache", cache)
    assert r.code == 0 and receipt in r.out and "AUTRES CLÉS" not in r.out
    r = vigie(capsys, "inbox", "show", receipt, "--cache", cache)
    assert r.code == 0 and "pour B seulement" in r.out

    # -i still wins over the variable.
    r = vigie(capsys, "inbox", "list", "--cache", cache, "-i", key_a)
    assert r.code == 0 and "AUTRES CLÉS" in r.out


def _serve_banner(conf: Path, cwd: Path) -> str:
    site = cwd / "site"
    site.mkdir(exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [VIGIE, "--config", str(conf), "serve", "--demo", "--no-build", "--site-dir", str(site)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        start_new_session=True,
    )
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    return "".join(lines)


def test_serve_demo_hint_names_the_key_really_in_use(tmp_path: Path) -> None:
    # No key configured: the demo key is generated and named in the hint.
    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    conf = write_config(demo_dir / "vigie.toml", f"dir:{demo_dir / 'store'}", [])
    out = _serve_banner(conf, demo_dir)
    assert "inbox list --identity .vigie/demo/analyst-DEMO.key" in out

    # The analyst's own key configured (the demo key file still exists from before):
    # reading with the demo key would only show « AUTRES CLÉS ».
    own = pyrage.x25519.Identity.generate()
    conf = write_config(demo_dir / "own.toml", f"dir:{demo_dir / 'store'}", [_public(own)])
    out = _serve_banner(conf, demo_dir)
    assert "analyst-DEMO.key" not in out and "VOTRE_CLÉ" in out


def _desk_output(
    conf: Path, cwd: Path, env: dict[str, str], lines: int
) -> tuple[str, subprocess.Popen[str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [VIGIE, "--config", str(conf), "desk", "--port", str(port), "--cache", str(cwd / "c")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    assert proc.stdout is not None
    return "".join(proc.stdout.readline() for _ in range(lines)), proc


def test_desk_opens_the_one_time_url_in_the_browser_only_on_a_desktop(tmp_path: Path) -> None:
    conf = write_config(tmp_path / "vigie.toml", f"dir:{tmp_path / 'store'}", [])
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(f"import sys\nopen({str(opened)!r}, 'w').write(sys.argv[1])\n")
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env = {**base, "DISPLAY": ":99", "BROWSER": f"{sys.executable} {recorder} %s"}
    out, proc = _desk_output(conf, tmp_path, env, 2)
    try:
        url = out.split("ouvrez ", 1)[1].split()[0]
        deadline = time.monotonic() + 15
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == url
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    # No desktop: no text browser taking over the terminal, just the address.
    opened.unlink()
    out, proc = _desk_output(conf, tmp_path, {**base, "BROWSER": env["BROWSER"]}, 3)
    try:
        assert "Pas d'écran graphique" in out
        time.sleep(1)
        assert not opened.exists()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
