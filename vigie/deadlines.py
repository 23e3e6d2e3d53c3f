"""Whole-request deadlines for `vigie serve` (against slowloris clients): head and body."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time

HEAD_TIMEOUT = 30.0  # seconds for the request line and headers, all of them
BODY_TIMEOUT = 30.0  # seconds a slow client may take to send its body (plus the rate below)
MIN_BODY_RATE = 8 * 1024  # bytes/s: a 5 MiB body may take 30 s + ~11 min on a bad link


def read_body(connection: socket.socket, rfile: io.BufferedReader, length: int) -> bytes:
    """Read a body against a deadline for the whole of it, not per recv().

    A per-recv() timeout alone lets a client trickle one byte every few seconds
    and hold a thread for hours (slowloris); the deadline grants BODY_TIMEOUT
    plus the time a slow phone link needs for this size.
    """
    deadline = time.monotonic() + BODY_TIMEOUT + length / MIN_BODY_RATE
    chunks: list[bytes] = []
    received = 0
    try:
        while received < length:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("body too slow")
            connection.settimeout(min(left, BODY_TIMEOUT))
            chunk = rfile.read1(min(length - received, 1 << 16))
            if not chunk:
                break  # the client closed early: a truncated body
            chunks.append(chunk)
            received += len(chunk)
    finally:
        connection.settimeout(BODY_TIMEOUT)
    return b"".join(chunks)


class HeadDeadlines:
    """One watchdog thread closing connections whose request line and headers are late.

    The socket timeout applies to each recv(): a client trickling one header byte
    every few seconds (slowloris) would hold a thread for ever without this.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[socket.socket, float] = {}
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket) -> None:
        with self._lock:
            self._due[sock] = time.monotonic() + HEAD_TIMEOUT
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True)
                self._thread.start()

    def disarm(self, sock: socket.socket) -> None:
        with self._lock:
            self._due.pop(sock, None)

    def _watch(self) -> None:
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            with self._lock:
                late = [sock for sock, due in self._due.items() if due <= now]
                for sock in late:
                    del self._due[sock]
            for sock in late:  # the handler's read then ends and the connection closes
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
