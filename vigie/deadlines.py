"""Whole-request-head deadlines for `vigie serve` (against slowloris clients)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

HEAD_TIMEOUT = 30.0  # seconds for the request line and headers, all of them


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
