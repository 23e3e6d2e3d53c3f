"""`vigie desk` as a real process for browser tests: its own HOME, TMPDIR and working folder.

Everything the desk could write lands under `root` (cache, settings, temp
files), so a test can scan it all for decrypted text after the desk stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.seaweed import free_port


class LiveDesk:
    def __init__(self, config: Path, root: Path, *extra: str, env: dict[str, str] | None = None):
        self.config = config
        self.root = root
        self.port = free_port()
        self.cache = root / "cache"
        self.home = root / "home"
        self.tmp = root / "tmp"
        self.work = root / "work"
        for folder in (self.home, self.tmp, self.work):
            folder.mkdir(parents=True, exist_ok=True)
        self.extra = extra
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "MPLCONFIGDIR": str(self.home / ".config" / "matplotlib"),
            **(env or {}),
        }
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.output: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> str:
        cmd = [
            str(Path(sys.executable).parent / "vigie"),
            "--config",
            str(self.config),
            "desk",
            "--no-browser",
            "--port",
            str(self.port),
            "--cache",
            str(self.cache),
            *self.extra,
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            cwd=self.work,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("vigie desk exited: " + "".join(self.output))
            self.output.append(line)
            if "ouvrez http://" in line:
                self.url = line.split("ouvrez ", 1)[1].strip()
                return self.url
        raise RuntimeError("vigie desk did not print its URL")

    def stop(self) -> str:
        """SIGTERM (as a logout would), then the rest of its output."""
        if self.proc is None:
            return ""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=15)
        self.output.append(out)
        self.proc = None
        return "".join(self.output)

    def __enter__(self) -> LiveDesk:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None


def files_containing(folders: list[Path], needles: list[bytes]) -> list[str]:
    """Every file under `folders` whose bytes contain one of `needles`."""
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [f"{path}: {n[:20]!r}" for n in needles if n in data]
    return found
