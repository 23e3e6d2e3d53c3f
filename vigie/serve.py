"""`vigie serve`: the built site and the intake on one local origin, with no access log.

Same origin (`http://127.0.0.1:PORT/` for the site, `/api/*` for the intake) so
the site's `connect-src 'self'` holds and the browser's WebCrypto works (the
loopback address is a secure context). The intake runs through Chalice's own
local gateway, so the routes behave exactly as in Lambda.

Privacy: the standard library's HTTP server prints every client address;
`log_message` is silenced here, and nothing else logs requests.
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections.abc import Callable
from email.errors import MissingHeaderBodySeparatorDefect
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from chalice.local import LocalGatewayException

from vigie.core.config import EmergencyConfig
from vigie.core.http import SECURITY_HEADERS, ApiError
from vigie.core.pages import error_page
from vigie.deadlines import HeadDeadlines
from vigie.netcap import CAPPED_PATHS, NetworkCap, Refused, Ticket
from vigie.static import static_answer

_BODY_TIMEOUT = 30.0  # seconds a slow client may take to send its body (plus the rate below)
_MIN_BODY_RATE = 8 * 1024  # bytes/s: a 5 MiB body may take 30 s + ~11 min on a bad link
_DIGITS = re.compile(r"[0-9]{1,12}")  # str.isdigit() accepts "²", which int() refuses
_REQUEST_START = re.compile(rb"[A-Z]{1,10}( |$)")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 resets connections in any burst (a flood of junk,
    # or many reporters at once after a poster campaign): let the kernel queue them.
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never log who: the default prints the client's address and port.

        A client hanging up mid-answer (broken pipe, reset) is routine; anything
        else is reported by exception type only, with no request detail.
        """
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            print(f"vigie serve: request failed ({type(error).__name__})", file=sys.stderr)


def cap_refusal(refused: Refused, emergency: EmergencyConfig) -> ApiError:
    """The 429 for a network over its cap: says nothing about the address or the count."""
    return ApiError(
        429,
        refused.code,
        "Beaucoup d'envois arrivent de votre réseau en ce moment : votre signalement n'a "
        "pas été enregistré. Réessayez dans quelques minutes, ou depuis une autre connexion "
        "(données mobiles, autre Wi-Fi). Pour parler à un policier dès maintenant : "
        f"{emergency.national_chat.removeprefix('https://').removeprefix('www.')} ; "
        f"en cas d'urgence, appelez le {emergency.police}.",
        retry_after=refused.retry_after,
    )


def make_handler(
    gateway: Any,
    site_dir: Path,
    max_body: int,
    site_headers: dict[str, str],
    cap: NetworkCap | None = None,
    emergency: EmergencyConfig | None = None,
) -> type[BaseHTTPRequestHandler]:
    """Build the request handler class bound to one gateway and site directory.

    `site_headers` (the CSP and friends, from `vigie.site.values.security_headers`)
    go on every page: the same policy the CDN applies in production. `cap` (the
    per-network caps, vigie/netcap.py) is checked before a submission's body is read.
    """
    numbers = emergency or EmergencyConfig()

    deadlines = HeadDeadlines()

    class Handler(BaseHTTPRequestHandler):
        server_version = "Vigie"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: with Nagle on, a keep-alive client's
        # delayed ACK stalls every answer by ~40 ms (junk was refused at 180/s).
        disable_nagle_algorithm = True
        # Socket timeout for each read; whole-head and whole-body deadlines on top.
        timeout = _BODY_TIMEOUT

        def handle_one_request(self) -> None:
            deadlines.arm(self.connection)
            try:
                super().handle_one_request()
            finally:
                deadlines.disarm(self.connection)

        def log_message(self, format: str, *args: Any) -> None:
            """Never log: the default prints the client's address for every request."""

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            merged = {**SECURITY_HEADERS, **headers}
            merged["Content-Length"] = str(len(body))
            for name, value in merged.items():
                if name.lower() not in ("content-length", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json_error(self, status: int, code: str, message: str) -> None:
            import json

            body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
            self.close_connection = True
            self._send(status, {"Content-Type": "application/json; charset=utf-8"}, body)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """Protocol-level refusals from the standard library, in Vigie's own words.

            The default is an HTML page naming Python, and a 501 for any method
            without a handler (TRACE, CONNECT, made-up verbs): a 5xx for what is
            the client's fault. Answer a short JSON error instead, 405 for an
            unknown method, and never echo the request line back.
            """
            if code == 501:
                self._json_error(405, "method_not_allowed", "Méthode non autorisée.")
            elif code == 408:
                self._json_error(408, "timeout", "Envoi trop lent : réessayez.")
            elif 400 <= code < 500:
                self._json_error(code, "bad_request", "Requête HTTP invalide.")
            else:
                self._json_error(400, "bad_request", "Requête HTTP invalide.")

        def _read_body(self, length: int) -> bytes:
            """Read the body against a deadline for the whole of it, not per recv().

            A per-recv() timeout alone lets a client trickle one byte every few
            seconds and hold a thread for hours (slowloris); the deadline grants
            _BODY_TIMEOUT plus the time a slow phone link needs for this size.
            """
            deadline = time.monotonic() + _BODY_TIMEOUT + length / _MIN_BODY_RATE
            chunks: list[bytes] = []
            received = 0
            try:
                while received < length:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("body too slow")
                    self.connection.settimeout(min(left, _BODY_TIMEOUT))
                    chunk = self.rfile.read1(min(length - received, 1 << 16))
                    if not chunk:
                        break  # the client closed early: a truncated body
                    chunks.append(chunk)
                    received += len(chunk)
            finally:
                self.connection.settimeout(_BODY_TIMEOUT)
            return b"".join(chunks)

        def _more_than_declared(self) -> bool:
            """True if body bytes are already waiting beyond the declared length.

            A Content-Length shorter than the body would have the tip stored cut
            short (a cut inside the last age chunk is invisible without the key).
            Anything waiting that is not the start of a pipelined request (blank
            lines allowed) means the length lied. Only what has already arrived is
            seen: this never waits.
            """
            self.connection.settimeout(0.0)
            try:
                waiting = cast(io.BufferedReader, self.rfile).peek(64)[:64]
            except OSError:
                waiting = b""
            finally:
                self.connection.settimeout(_BODY_TIMEOUT)
            waiting = waiting.lstrip(b"\r\n")
            return bool(waiting) and not _REQUEST_START.match(waiting)

        def _reserve(self) -> Ticket | bool | None:
            """None: not capped; a Ticket: counted; False: refused (answer sent)."""
            route = self.path.split("?", 1)[0]
            if cap is None or not cap.enabled or self.command != "POST":
                return None
            if route not in CAPPED_PATHS:
                return None
            # The address goes straight into a keyed hash; it is never kept or logged.
            forwarded = {"X-Forwarded-For": self.headers.get("X-Forwarded-For", "")}
            address = cap.client_address(str(self.client_address[0]), forwarded)
            try:
                return cap.reserve(address)
            except Refused as refused:
                error = cap_refusal(refused, numbers)
                self.close_connection = True
                if route == "/api/tips/form":
                    answer = error_page(error, numbers)
                else:
                    answer = error.to_json()
                self._send(answer.status, answer.headers, answer.body)
                return False

        # ------------------------------------------------------------- the API
        def _api(self) -> None:
            ticket = self._reserve()
            if ticket is False:
                return
            accepted = False
            try:
                accepted = self._api_call()
            finally:
                if isinstance(ticket, Ticket):
                    assert cap is not None
                    cap.settle(ticket, accepted)

        def _api_call(self) -> bool:
            """Answer one API request; True when a new tip was stored (201)."""
            body = b""
            if self.command in ("POST", "PUT", "PATCH"):
                lengths = self.headers.get_all("Content-Length") or []
                chunked = self.headers.get("Transfer-Encoding") is not None
                if len(set(lengths)) > 1 or (chunked and lengths):
                    # Two framings (or two lengths) for one body is how requests are
                    # smuggled past a proxy: refuse rather than guess.
                    self._json_error(400, "bad_framing", "Requête HTTP invalide.")
                    return False
                if not lengths or not _DIGITS.fullmatch(lengths[0].strip()):
                    # No chunked bodies: the size must be known before reading.
                    self._json_error(411, "length_required", "Content-Length obligatoire.")
                    return False
                length = int(lengths[0])
                if length > max_body:
                    # Refused before reading a byte of the body.
                    self._json_error(413, "too_large", "Envoi trop volumineux (photos comprises).")
                    return False
                try:
                    body = self._read_body(length)
                except (TimeoutError, OSError):
                    self._json_error(408, "timeout", "Envoi trop lent : réessayez.")
                    return False
                if len(body) != length:
                    self._json_error(400, "truncated", "Envoi incomplet : réessayez.")
                    return False
                if self._more_than_declared():
                    self._json_error(400, "bad_framing", "Requête HTTP invalide.")
                    return False
            headers = {k: v for k, v in self.headers.items()}
            try:
                result = gateway.handle_request(self.command, self.path, headers, body)
            except LocalGatewayException:  # Chalice's answer to an unknown route
                self._json_error(404, "not_found", "Adresse inconnue.")
                return False
            except Exception as exc:  # a bug: say so (by type only, never the request)
                print(f"vigie serve: intake failed ({type(exc).__name__})", file=sys.stderr)
                self._json_error(500, "internal_error", "Erreur interne : réessayez.")
                return False
            out = result.get("body") or b""
            if isinstance(out, str):
                out = out.encode("utf-8")
            status = int(result["statusCode"])
            self._send(status, dict(result.get("headers") or {}), out)
            return status == 201

        # ---------------------------------------------------------- the site
        def _static(self) -> None:
            if self.command not in ("GET", "HEAD"):
                self._json_error(405, "method_not_allowed", "Méthode non autorisée.")
                return
            self._send(*static_answer(site_dir, self.path, site_headers))

        def _dispatch(self) -> None:
            deadlines.disarm(self.connection)  # the head is in; the body has its own deadline
            if any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in self.headers.defects):
                # A header line without a colon: the stdlib would silently drop the
                # rest of the headers. (Other "defects" are about MIME bodies, which
                # a header block never has: a multipart Content-Type always gets some.)
                self._json_error(400, "bad_request", "Requête HTTP invalide.")
                return
            if self.command not in ("POST", "PUT", "PATCH") and (
                self.headers.get("Content-Length", "0").strip() not in ("", "0")
                or self.headers.get("Transfer-Encoding")
            ):
                # Its unread body would be parsed as the next request on this
                # keep-alive connection: answer, then close.
                self.close_connection = True
            if self.path.startswith("/api/") or self.path == "/api":
                self._api()
            else:
                self._static()

        do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = do_PATCH = _dispatch

    return Handler


def load_intake_app() -> Any:
    """The Chalice app (intake_lambda/app.py), imported by path (vigie.resources)."""
    from vigie.resources import load_intake_app as load

    return load()


def make_server(
    app: Any,
    site_dir: Path,
    host: str,
    port: int,
    max_body: int,
    site_headers: dict[str, str],
    cap: NetworkCap | None = None,
    emergency: EmergencyConfig | None = None,
) -> ThreadingHTTPServer:
    from chalice.config import Config as ChaliceConfig
    from chalice.local import LocalGateway

    config = ChaliceConfig.create(chalice_app=app, app_name="vigie-intake", chalice_stage="dev")
    gateway = LocalGateway(app, config)
    handler = make_handler(gateway, site_dir.resolve(), max_body, site_headers, cap, emergency)
    return _Server((host, port), handler)


def serve_forever(server: ThreadingHTTPServer, announce: Callable[[str], None]) -> None:
    host, port = str(server.server_address[0]), int(server.server_address[1])
    announce(f"http://{host}:{port}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nArrêt du serveur.", file=sys.stderr)
    finally:
        server.server_close()
