"""`vigie serve` as a real process on a free loopback port, for end-to-end tests.

The server is the same code `make run` starts. It can be killed (SIGKILL) and
restarted to simulate an intake outage or a crash in the middle of a write.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.seaweed import free_port

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, store: str, recipients: list[str], **intake: Any) -> Path:
    """A vigie.toml for tests (small proof-of-work so browsers solve it fast)."""
    values: dict[str, Any] = {
        "store": store,
        # Cheap proofs so browsers and floods run fast; caps as in production.
        "pow_cost": 1024,
        "pow_bits": 1,
        "pow_max_bits": 1,
        "pow_search_bits": 3,
        # Off unless a test is about them: many tests send many tips from 127.0.0.1.
        "network_cap": 0,
        "network_cap_requests": 0,
        "secret_file": str(path.parent / "intake-secret"),
        "signing_key_file": str(path.parent / "intake-signing-key"),
        **intake,
    }
    lines = ["[intake]"]
    for key, value in values.items():
        lines.append(
            f"{key} = {value!r}".replace("'", '"') if isinstance(value, str) else f"{key} = {value}"
        )
    lines += ["", "[analysts]", "recipients = [" + ", ".join(f'"{r}"' for r in recipients) + "]"]
    path.write_text("\n".join(lines) + "\n")
    return path


class LiveVigie:
    """Start/stop `vigie serve --no-build` on a prebuilt site directory."""

    def __init__(self, config_path: Path, site_dir: Path, env: dict[str, str] | None = None):
        self.config_path = config_path
        self.site_dir = site_dir
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = config_path.parent / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> None:
        cmd = [
            str(Path(sys.executable).parent / "vigie"),
            "--config",
            str(self.config_path),
            "serve",
            "--no-build",
            "--site-dir",
            str(self.site_dir),
            "--port",
            str(self.port),
        ]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vigie serve exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "api/health", timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # answering (e.g. 503 while a store is down) is up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("vigie serve did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> LiveVigie:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
