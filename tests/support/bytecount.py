"""A byte-counting TCP relay on loopback: what a client really sends upstream.

Put between an S3 client and its store (`s3_endpoint_url`), it copies bytes
both ways unchanged, connection for connection, and counts those the client
sends (request lines, headers and bodies alike). It knows nothing of HTTP, so
it measures what the client puts on the wire, `Expect: 100-continue`
exchanges and keep-alive included.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class ByteCounter:
    """Relay 127.0.0.1:<port> to 127.0.0.1:<upstream_port>, counting client bytes."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._sent = 0
        self._sockets: set[socket.socket] = set()
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sent(self) -> int:
        """Bytes the clients sent so far (towards the store)."""
        with self._lock:
            return self._sent

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.close()

    def __enter__(self) -> ByteCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                return
            with self._lock:
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, count: bool) -> None:
        try:
            while block := source.recv(1 << 16):
                if count:
                    with self._lock:
                        self._sent += len(block)
                sink.sendall(block)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
