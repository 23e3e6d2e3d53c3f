"""A small fault-injecting HTTP/1.1 proxy on loopback, put between the intake and SeaweedFS.

The intake's S3 client is pointed at the proxy (`s3_endpoint_url`), and a test
decides, request by request, what the "storage" does: answer normally, answer
late, refuse with an HTTP error, reset the connection, perform the write but
lose the answer, or stop in the middle of the upload until told to go on.

It understands just enough HTTP for S3 traffic: Content-Length and chunked
bodies, `Expect: 100-continue`, keep-alive towards the client. Upstream, every
request gets its own connection, closed after the answer (simple to read to
the end; SeaweedFS does not mind).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass(frozen=True)
class Action:
    """What to do with one request.

    kind: "pass" | "delay" (forward after `delay` seconds, answer late) |
    "error" (answer `status`, never forward) | "reset" (TCP reset, never forward) |
    "lose_answer" (forward, let the write happen, then reset instead of answering) |
    "hold" (forward the head and half the body, then wait for `release`).
    """

    kind: str = "pass"
    delay: float = 0.0
    status: int = 503


PASS = Action()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


Policy = Callable[[Seen], Action]


@dataclass
class FaultProxy:
    upstream_port: int
    policy: Policy = field(default=lambda seen: PASS)
    counts: Counter[str] = field(default_factory=Counter)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._closing = False
        self._clients: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closing = True
        self.release.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for client in list(self._clients):
                with contextlib.suppress(OSError):
                    client.close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------- internals

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._clients.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        try:
            while not self._closing and self._one(client, reader):
                pass
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._clients.discard(client)
            with contextlib.suppress(OSError):
                reader.close()
                client.close()

    def _one(self, client: socket.socket, reader: BinaryIO) -> bool:
        """Relay one request; False when the client connection must end."""
        head = _read_head(reader)
        if head is None:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = _read_body(reader, headers)
        action = self.policy(Seen(method, path, headers))
        self._count(action.kind)
        if action.kind == "error":
            _answer_error(client, action.status)
            return False
        if action.kind == "reset":
            _reset(client)
            return False
        if action.kind == "delay":
            time.sleep(action.delay)
        upstream_head = _rewrite_head(lines)
        try:
            response = self._forward(upstream_head, body, hold=action.kind == "hold")
        except OSError:
            _reset(client)  # the storage vanished mid-request: so does the answer
            return False
        if action.kind == "lose_answer":
            _reset(client)
            return False
        client.sendall(response)
        return b"\r\nconnection: close" not in response.split(b"\r\n\r\n", 1)[0].lower()

    def _forward(self, head: bytes, body: bytes, hold: bool) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
            if hold:
                up.sendall(head + body[: len(body) // 2])
                self.holding.set()
                self.release.wait(timeout=60)
                time.sleep(0.2)  # let a killed upstream's socket be torn down
                up.sendall(body[len(body) // 2 :])
            else:
                up.sendall(head + body)
            chunks = []
            while block := up.recv(1 << 16):
                chunks.append(block)
        response = b"".join(chunks)
        if not response:
            raise ConnectionResetError("upstream closed without answering")
        return response


def _read_head(reader: BinaryIO) -> bytes | None:
    lines: list[bytes] = []
    while True:
        line = reader.readline(65537)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if lines:
                return b"".join(lines).rstrip(b"\r\n")
            continue
        lines.append(line)


def _read_body(reader: BinaryIO, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raw = []
        while True:
            size_line = reader.readline(1024)
            raw.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    trailer = reader.readline(8192)
                    raw.append(trailer)
                    if trailer in (b"\r\n", b"\n", b""):
                        return b"".join(raw)
            raw.append(reader.read(size + 2))
    return reader.read(int(headers.get("content-length", "0") or 0))


def _rewrite_head(lines: list[str]) -> bytes:
    """The client's head with `Connection: close` upstream and no Expect (body sent at once)."""
    kept = [
        line
        for line in lines[1:]
        if line.split(":", 1)[0].strip().lower() not in ("connection", "expect", "keep-alive")
    ]
    return ("\r\n".join([lines[0], *kept, "Connection: close"]) + "\r\n\r\n").encode("latin-1")


def _answer_error(client: socket.socket, status: int) -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>'
        b"<Message>injected fault</Message></Error>"
    )
    head = (
        f"HTTP/1.1 {status} Injected\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        client.sendall(head.encode() + body)


def _reset(client: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a crashed or firewalled peer does."""
    with contextlib.suppress(OSError):
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        client.close()
