"""`vigie serve`'s gatekeeping: allowed hosts, same-origin writes, bounded concurrency.

* **Host**: only the configured host names are answered (those of `[site] url`
  and `report_url`, the bind address, loopback names when bound to loopback,
  and `[serve] hosts`). A foreign page that makes its own host name resolve to
  127.0.0.1 (DNS rebinding) sends its own name in `Host` and is refused.
* **Origin**: a state-changing request (POST, PUT, PATCH, DELETE) from a browser
  must come from this site: `Sec-Fetch-Site` is `same-origin` (or `none`), and
  an `Origin` other than `null` is this very server (its host and port are the
  request's `Host`), the origin of `[site] url` / `report_url` (behind a
  reverse proxy), or the configured `[intake] cors_origin`. Without those
  headers (curl, scripts, very old browsers) only the Host check applies: the
  threat is a foreign web page posting through a reporter's or analyst's local
  server, and browsers send them.
* **Connections**: at most `[serve] max_connections` at once (kept well under
  the open-file limit, so accept() never fails and spins); one more is answered
  a short 503 and closed at once, without a thread.
* **No-JS form**: at most `[serve] form_concurrency` form posts are parsed and
  re-encoded at once, so a burst of them can never take the threads and CPU the
  JavaScript path needs (in Lambda the same bound is the function's reserved
  concurrency; see docs/hardening.md).
"""

from __future__ import annotations

import http.client
import ipaddress
import resource
import sys
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from vigie.core.config import Config
from vigie.core.formrefusal import FORM_PATH
from vigie.core.http import ApiError

__all__ = ["FORM_PATH", "Gate", "GatedServer", "RequestHeaders", "build_gate", "busy"]
FORM_WAIT_SECONDS = 5.0  # a form post waits this long for a slot, then gets a 503 page
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_BUSY_TEXT = "Serveur occupé : réessayez dans un instant.\n".encode()
# Sent to a connection over the limit, before closing it: no thread, no parsing.
BUSY_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 5\r\nCache-Control: no-store\r\nConnection: close\r\n"
    + f"Content-Length: {len(_BUSY_TEXT)}\r\n\r\n".encode()
    + _BUSY_TEXT
)


def _host_name(netloc: str) -> str:
    """`Host`/netloc without its port, lower-case (`[::1]` keeps its brackets)."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _origin(url: str) -> str:
    parts = urlsplit(url.lower())
    return f"{parts.scheme}://{parts.netloc}"


def fd_headroom(wanted: int) -> int:
    """`wanted`, lowered to half the process's open-file limit if that is smaller."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(4, min(wanted, soft // 2))


@dataclass
class Gate:
    hosts: frozenset[str]
    cors_origin: str
    site_origins: frozenset[str]
    max_connections: int
    form_slots: threading.BoundedSemaphore
    form_wait: float = FORM_WAIT_SECONDS
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _open: int = 0

    # ------------------------------------------------------------ requests
    def host_allowed(self, host: str | None) -> bool:
        return bool(host) and host is not None and _host_name(host) in self.hosts

    def origin_allowed(
        self, method: str, origin: str | None, fetch_site: str | None, host: str
    ) -> bool:
        """False for a browser's cross-site write (see the module docstring)."""
        if method not in _WRITE_METHODS:
            return True
        origin = (origin or "").strip()
        if self.cors_origin and origin == self.cors_origin:
            return True  # the one configured other origin (CORS), any Sec-Fetch-Site
        site = (fetch_site or "").strip().lower()
        if site and site not in ("same-origin", "none"):
            return False
        if origin and origin != "null":
            parts = urlsplit(origin.lower())
            if parts.scheme not in ("http", "https"):
                return False
            # Another port on the same host is another origin (another program).
            return parts.netloc == host.strip().lower() or origin.lower() in self.site_origins
        return True

    # --------------------------------------------------------- connections
    def open_connection(self) -> bool:
        """Count one more connection, or False if the limit is reached."""
        with self._lock:
            if self._open >= self.max_connections:
                return False
            self._open += 1
            return True

    def close_connection(self) -> None:
        with self._lock:
            self._open -= 1


def build_gate(cfg: Config, bind_host: str) -> Gate:
    """The gate for one `vigie serve`, from the config and the address it listens on."""
    hosts = {_host_name(urlsplit(u).netloc) for u in (cfg.site.url, cfg.site.report_url)}
    hosts |= {h.lower() for h in cfg.serve.hosts}
    bind = bind_host.lower()
    bind = f"[{bind}]" if ":" in bind and not bind.startswith("[") else bind
    if bind not in ("0.0.0.0", "[::]", ""):  # noqa: S104 - a comparison, not a bind
        hosts.add(bind)
    if _is_loopback(bind):
        hosts.update(_LOOPBACK_NAMES)
    return Gate(
        hosts=frozenset(hosts),
        cors_origin=cfg.intake.cors_origin,
        site_origins=frozenset(_origin(u) for u in (cfg.site.url, cfg.site.report_url)),
        max_connections=fd_headroom(cfg.serve.max_connections),
        form_slots=threading.BoundedSemaphore(cfg.serve.form_concurrency),
    )


def busy() -> ApiError:
    return ApiError(
        503,
        "busy",
        "Le serveur traite d'autres signalements : rien n'a été enregistré, réessayez "
        "dans quelques instants.",
        retry_after=5,
    )


class RequestHeaders(http.client.HTTPMessage):
    """The request head, as the standard library parses it, minus one trap.

    At the end of a header block whose Content-Type is `multipart/*`, the
    stdlib's feed parser looks for the boundary with `get_param`, which is
    quadratic in hostile parameters: a 60 KB `Content-Type` cost 1.6 s of CPU
    per request, before Vigie saw it. A request head has no body to split,
    so the boundary is never looked up here (the form's own parser reads it,
    with a length bound: vigie.core.multipart).
    """

    def get_boundary(self, failobj: Any = None) -> Any:
        return failobj


class GatedServer(ThreadingHTTPServer):
    """The threaded HTTP server, with the gate's connection limit and no client logging."""

    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 resets connections in any burst (a flood of junk,
    # or many reporters at once after a poster campaign): let the kernel queue them.
    request_queue_size = 1024

    def __init__(
        self, address: tuple[str, int], handler: Any, gate: Gate, bind_and_activate: bool = True
    ) -> None:
        self.gate = gate
        super().__init__(address, handler, bind_and_activate)

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, up to the gate's limit; beyond it a 503 at once.

        Refused in the accepting thread without reading anything: a flood of idle
        sockets costs one send() each, and the open-file limit is never reached
        (at it, accept() fails and the loop spins at 100 % CPU).
        """
        if not self.gate.open_connection():
            try:
                request.setblocking(False)
                request.send(BUSY_ANSWER)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.gate.close_connection()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.gate.close_connection()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never log who: the default prints the client's address and port.

        A client hanging up mid-answer (broken pipe, reset) is routine; anything
        else is reported by exception type only, with no request detail.
        """
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            print(f"vigie serve: request failed ({type(error).__name__})", file=sys.stderr)
