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
import socket
import sys
from collections.abc import Callable
from email.errors import MissingHeaderBodySeparatorDefect
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from chalice.local import LocalGatewayException

from vigie.compress import Compressor
from vigie.core.config import Config, EmergencyConfig
from vigie.core.formrefusal import form_request, refuse_form_request
from vigie.core.http import SECURITY_HEADERS, ApiError, Request
from vigie.core.http import Response as VigieResponse
from vigie.deadlines import BODY_TIMEOUT as _BODY_TIMEOUT
from vigie.deadlines import HeadDeadlines
from vigie.framing import BODY_METHODS, read_request_body
from vigie.gate import FORM_PATH, Gate, GatedServer, RequestHeaders, build_gate, busy
from vigie.netcap import CAPPED_PATHS, NetworkCap, Refused, Ticket
from vigie.static import static_answer


def route_of(target: str) -> str:
    """The route a request target reaches, as Chalice matches it: no query, and
    no trailing slash (`/api/tips/form/` is the form route too, so it must be
    capped and gated like it)."""
    path = target.split("?", 1)[0]
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


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
    gate: Gate,
    form_page: Callable[[ApiError, Request, bool], VigieResponse],
    cap: NetworkCap | None = None,
    emergency: EmergencyConfig | None = None,
) -> type[BaseHTTPRequestHandler]:
    """Build the request handler class bound to one gateway and site directory.

    `site_headers` (the CSP and friends, from `vigie.site.values.security_headers`)
    go on every page: the same policy the CDN applies in production. `form_page`
    renders a refusal on the no-JS form path as the intake does (an HTML page in
    the page's language, never JSON: the person is looking at it in a browser;
    refilled when the body was read: vigie.core.formrefusal). `cap` (the
    per-network caps, vigie/netcap.py) is checked before a submission's body is read.
    """
    numbers = emergency or EmergencyConfig()
    deadlines = HeadDeadlines()
    compressor = Compressor()

    class Handler(BaseHTTPRequestHandler):
        server_version = "Vigie"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: with Nagle on, a keep-alive client's
        # delayed ACK stalls every answer by ~40 ms (junk was refused at 180/s).
        disable_nagle_algorithm = True
        # Socket timeout for each read; whole-head and whole-body deadlines on top.
        timeout = _BODY_TIMEOUT
        # Request heads parsed without the stdlib's quadratic parameter parser.
        MessageClass = RequestHeaders

        def handle_one_request(self) -> None:
            deadlines.arm(self.connection)
            try:
                super().handle_one_request()
            finally:
                deadlines.disarm(self.connection)

        def log_message(self, format: str, *args: Any) -> None:
            """Never log: the default prints the client's address for every request."""

        def _send(
            self, status: int, headers: dict[str, str], body: bytes, static: bool = False
        ) -> None:
            # No request headers yet when the request line itself was refused.
            request_headers = getattr(self, "headers", None)
            accept = request_headers.get("Accept-Encoding") if request_headers else None
            headers, body = compressor.apply(headers, body, accept, cache=static)
            self.send_response(status)
            merged = {**SECURITY_HEADERS, **headers}
            for name, value in merged.items():
                if name.lower() not in ("content-length", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json_error(self, status: int, code: str, message: str) -> None:
            self._refuse(ApiError(status, code, message))

        def _refuse(self, error: ApiError, body: bytes | None = None) -> None:
            """A refusal in the form the path calls for: HTML on the form path, else JSON.

            On the form path the page is in the language of the form's `?lang=`
            (or its body's `lang`), and carries the form filled again when
            `body` was read (e.g. the busy 503); nothing of it is kept."""
            self.close_connection = True
            if self._is_form():
                head = getattr(self, "headers", None) or {}
                request = form_request(self._target(), head, body or b"")
                answer = form_page(error, request, body is not None)
            else:
                answer = error.to_json()
            self._send(answer.status, answer.headers, answer.body)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """Protocol-level refusals from the standard library, in Vigie's own words.

            The default is an HTML page naming Python, and a 501 for any method
            without a handler (TRACE, CONNECT, made-up verbs): a 5xx for what is
            the client's fault. Answer a short refusal instead (JSON, or the
            form's HTML page on its path), 405 for an unknown method, and never
            echo the request line back.
            """
            # A line refused before its version was read is taken for HTTP/0.9,
            # answered without status or headers: the page would have no type.
            self.request_version = "HTTP/1.0"
            if code == 501:
                self._json_error(405, "method_not_allowed", "Méthode non autorisée.")
            elif code == 408:
                self._json_error(408, "timeout", "Envoi trop lent : réessayez.")
            elif 400 <= code < 500:
                self._json_error(code, "bad_request", "Requête HTTP invalide.")
            else:
                self._json_error(400, "bad_request", "Requête HTTP invalide.")

        def _target(self) -> str:
            # From this request's own line, even when it was refused before
            # `self.path` was set (which may still hold the previous request's).
            words = (getattr(self, "requestline", "") or "").split()
            return words[1] if len(words) >= 2 else ""

        def _is_form(self) -> bool:
            return route_of(self._target()) == FORM_PATH

        def _reserve(self) -> Ticket | bool | None:
            """None: not capped; a Ticket: counted; False: refused (answer sent)."""
            if cap is None or not cap.enabled or self.command != "POST":
                return None
            if route_of(self.path) not in CAPPED_PATHS:
                return None
            # The address goes straight into a keyed hash; it is never kept or logged.
            # Every X-Forwarded-For line: a proxy that adds its own line after the
            # client's must still be the one whose (last) entry counts.
            lines = self.headers.get_all("X-Forwarded-For") or []
            forwarded = {"X-Forwarded-For": ", ".join(lines)}
            address = cap.client_address(str(self.client_address[0]), forwarded)
            try:
                return cap.reserve(address)
            except Refused as refused:
                # Refused before the body is read (cheap, by design): no refill.
                self._refuse(cap_refusal(refused, numbers))
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
            if self.command in BODY_METHODS:
                try:
                    body = read_request_body(
                        self.headers,
                        self.connection,
                        cast(io.BufferedReader, self.rfile),
                        max_body,
                        self._is_form(),
                    )
                except ApiError as error:
                    self._refuse(error)
                    return False
            headers = {k: v for k, v in self.headers.items()}
            is_form = self._is_form()
            if is_form and not gate.form_slots.acquire(timeout=gate.form_wait):
                self._refuse(busy(), body)  # the body is in hand: the form comes back
                return False
            try:
                result = gateway.handle_request(self.command, self.path, headers, body)
            except LocalGatewayException:  # Chalice's answer to an unknown route
                self._refuse(ApiError(404, "not_found", "Adresse inconnue."), body)
                return False
            except Exception as exc:  # a bug: say so (by type only, never the request)
                print(f"vigie serve: intake failed ({type(exc).__name__})", file=sys.stderr)
                self._refuse(ApiError(500, "internal_error", "Erreur interne : réessayez."), body)
                return False
            finally:
                if is_form:
                    gate.form_slots.release()
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
            self._send(*static_answer(site_dir, self.path, site_headers), static=True)

        def _dispatch(self) -> None:
            deadlines.disarm(self.connection)  # the head is in; the body has its own deadline
            if any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in self.headers.defects):
                # A header line without a colon: the stdlib would silently drop the
                # rest of the headers. (Other "defects" are about MIME bodies, which
                # a header block never has: a multipart Content-Type always gets some.)
                self._json_error(400, "bad_request", "Requête HTTP invalide.")
                return
            host = self.headers.get_all("Host") or []
            if len(host) != 1:
                # HTTP/1.1 requires exactly one (RFC 9112 §3.2): a plain 400.
                self._refuse(ApiError(400, "bad_request", "Requête HTTP invalide."))
                return
            if not gate.host_allowed(host[0]):
                # DNS rebinding: a foreign page whose name resolves to this server.
                self._refuse(
                    ApiError(
                        421, "unknown_host", "Adresse de serveur inconnue (voir [serve] hosts)."
                    )
                )
                return
            if not gate.origin_allowed(
                self.command,
                self.headers.get("Origin"),
                self.headers.get("Sec-Fetch-Site"),
                host[0],
            ):
                self._refuse(
                    ApiError(403, "cross_origin", "Envoi refusé : il ne vient pas du site.")
                )
                return
            if self.command not in BODY_METHODS and (
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
    cfg: Config,
    site_headers: dict[str, str],
    sock: socket.socket | None = None,
    cap: NetworkCap | None = None,
) -> ThreadingHTTPServer:
    """The server; on `sock` if given (bound early by `vigie.localweb.listen`)."""
    from chalice.config import Config as ChaliceConfig
    from chalice.local import LocalGateway

    config = ChaliceConfig.create(chalice_app=app, app_name="vigie-intake", chalice_stage="dev")
    gateway = LocalGateway(app, config)
    gate = build_gate(cfg, host)

    def form_page(error: ApiError, request: Request, body_read: bool) -> VigieResponse:
        return refuse_form_request(cfg, error, request, body_read)

    handler = make_handler(
        gateway,
        site_dir.resolve(),
        cfg.intake.max_body_bytes,
        site_headers,
        gate,
        form_page,
        cap,
        cfg.emergency,
    )
    if sock is None:
        return GatedServer((host, port), handler, gate)
    # A socket already bound (the port was checked free before the site build).
    server = GatedServer(sock.getsockname()[:2], handler, gate, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()[:2]
    return server


def serve_forever(server: ThreadingHTTPServer, announce: Callable[[str], None]) -> None:
    host, port = str(server.server_address[0]), int(server.server_address[1])
    announce(f"http://{host}:{port}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nArrêt du serveur.", file=sys.stderr)
    finally:
        server.server_close()
