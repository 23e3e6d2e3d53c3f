"""Security policy of Vigie's local web apps (`vigie desk`, `vigie studio`): one WSGI wrapper.

A local app holds decrypted tips (or unpublished posters) in memory and listens
on the loopback interface. "Only on 127.0.0.1" is not enough: every web page the
analyst visits in the same browser can send requests to 127.0.0.1, and a
hostile domain can re-point its DNS name to 127.0.0.1 (DNS rebinding) to read
the answers. `LocalGuard` wraps any WSGI app and refuses all of that:

* **One-time token → session cookie.** The command prints one URL carrying a
  random token (`/session?token=...`). The first request with it gets a random
  session id in an `HttpOnly`, `SameSite=Strict` cookie and a 303 to `/`, so the
  token leaves the address bar; the token can never be used again.
* **Every other request needs the session** (401 without a cookie, 403 with a
  wrong one). A cross-site page cannot send it: `SameSite=Strict`.
* **Host must be exactly `127.0.0.1:PORT` or `localhost:PORT`** (403 otherwise):
  a rebound `evil.example` name arrives with its own Host header.
* **State-changing requests** (anything but GET/HEAD) need the session's CSRF
  token (form field `csrf` or header `X-CSRF-Token`), and are refused when the
  browser says they come from another site (`Sec-Fetch-Site`, `Origin`).
* **Headers on every answer, refusals included**: a strict CSP without inline
  script and without any third party, `Cache-Control: no-store` (decrypted pages
  must not land in the browser's disk cache), no referrer to other sites, no framing.

`listen()` binds the socket first (127.0.0.1 by default), so a busy port is one
clear error before anything is built, and `serve()` runs a threaded server that
prints no access log and no traceback (a traceback can contain tip text).
The wrapped app reads the CSRF token with `csrf_token(environ)`.
"""

from __future__ import annotations

import errno
import hmac
import html
import io
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from vigie.core.http import SECURITY_HEADERS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOOPBACK = "127.0.0.1"
SESSION_PATH = "/session"
COOKIE_NAME = "vigie_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "HTTP_X_CSRF_TOKEN"
_ENV_CSRF = "vigie.localweb.csrf"
# Only self: no inline script or style, no third party, no plugins, no framing.
DEFAULT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SAFE_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST"})
DEFAULT_MAX_BODY = 1 << 20  # forms of a local app: notes, filters; never uploads here

# (status line, extra headers, HTML body) of a refused request.
_Refusal = tuple[str, list[tuple[str, str]], bytes]


class PortInUse(OSError):
    """The port is taken (another program, or another Vigie already running)."""

    def __init__(self, port: int) -> None:
        super().__init__(
            errno.EADDRINUSE,
            f"le port {port} est déjà utilisé (un autre programme, ou Vigie déjà lancé) : "
            "arrêtez-le ou choisissez un autre port avec --port",
        )
        self.port = port

    def __str__(self) -> str:
        return str(self.strerror)


def listen(port: int, host: str = LOOPBACK) -> socket.socket:
    """Bind and listen now, before anything slow is built; PortInUse if taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(port) from None
        raise
    return sock


def csrf_token(environ: WSGIEnvironment) -> str:
    """The CSRF token the app must put in every state-changing form (field `csrf`)."""
    return str(environ[_ENV_CSRF])


def _page(title: str, text: str) -> bytes:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></main></body></html>"
    ).encode()


class LocalGuard:
    """Wrap `app` with the local-app policy; `url` is the one address to print."""

    def __init__(
        self,
        app: WSGIApplication,
        port: int,
        *,
        csp: str = DEFAULT_CSP,
        max_body: int = DEFAULT_MAX_BODY,
        token: str | None = None,
    ) -> None:
        self.app = app
        self.port = port
        self.max_body = max_body
        self.hosts = frozenset({f"{LOOPBACK}:{port}", f"localhost:{port}"})
        self._origins = frozenset(f"http://{h}" for h in self.hosts)
        self._token: str | None = token or secrets.token_urlsafe(32)
        self._url = f"http://{LOOPBACK}:{port}{SESSION_PATH}?token={self._token}"
        self._session: str | None = None
        self._csrf = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._headers = [
            *SECURITY_HEADERS.items(),
            # Not no-referrer: with it, browsers send `Origin: null` on the app's own
            # POSTs (Fetch spec), and the Origin check could not tell them from a
            # sandboxed attacker. same-origin still sends nothing to any other site.
            ("Referrer-Policy", "same-origin"),
            ("Content-Security-Policy", csp),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        self._headers = list(dict(self._headers).items())  # the later value of a name wins
        self._owned = {name.lower() for name, _ in self._headers}

    @property
    def url(self) -> str:
        return self._url

    # -- WSGI ---------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            # Our headers win over the app's: an app cannot loosen the policy by accident.
            kept = [(k, v) for k, v in headers if k.lower() not in self._owned]
            return start_response(status, kept + self._headers, exc_info)

        refusal = self._check(environ)
        if refusal is not None:
            status, extra, body = refusal
            start(status, [("Content-Type", "text/html; charset=utf-8"), *extra])
            return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]
        environ[_ENV_CSRF] = self._csrf
        try:
            return self.app(environ, start)
        except Exception:
            # No traceback anywhere (it could quote decrypted text): a plain 500 page.
            start(
                "500 Internal Server Error",
                [("Content-Type", "text/html; charset=utf-8")],
                sys.exc_info(),
            )
            return [_page("Erreur interne", "L'action a échoué ; réessayez.")]

    def _check(self, environ: WSGIEnvironment) -> _Refusal | None:
        """None to let the request through, else (status, headers, body) of the refusal."""
        if environ.get("HTTP_HOST", "") not in self.hosts:
            return "403 Forbidden", [], _page("Adresse refusée", "Ouvrez l'adresse affichée.")
        method = environ.get("REQUEST_METHOD", "")
        if method not in ALLOWED_METHODS:
            return "405 Method Not Allowed", [("Allow", "GET, HEAD, POST")], b""
        if environ.get("PATH_INFO") == SESSION_PATH and method == "GET":
            return self._exchange(environ)
        if not self._has_session(environ):
            if COOKIE_NAME in _cookies(environ):
                return "403 Forbidden", [], _page("Session refusée", "Session inconnue.")
            return (
                "401 Unauthorized",
                [],
                _page(
                    "Session requise",
                    "Ouvrez l'adresse affichée dans le terminal au lancement de la commande.",
                ),
            )
        if method not in SAFE_METHODS:
            return self._check_state_change(environ)
        return None

    def _exchange(self, environ: WSGIEnvironment) -> _Refusal:
        given = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
        with self._lock:
            expected = self._token
            ok = expected is not None and hmac.compare_digest(given.encode(), expected.encode())
            if ok:
                self._token = None  # one time only: a copied URL is useless afterwards
                self._session = secrets.token_urlsafe(32)
                session = self._session
        if not ok:
            return (
                "403 Forbidden",
                [],
                _page("Lien refusé", "Ce lien est invalide ou a déjà servi."),
            )
        cookie = f"{COOKIE_NAME}={session}; Path=/; HttpOnly; SameSite=Strict"
        # 303 to a clean URL: the token leaves the address bar (and history's last entry).
        return "303 See Other", [("Set-Cookie", cookie), ("Location", "/")], b""

    def _has_session(self, environ: WSGIEnvironment) -> bool:
        given = _cookies(environ).get(COOKIE_NAME, "")
        with self._lock:
            session = self._session
        return session is not None and hmac.compare_digest(given.encode(), session.encode())

    def _check_state_change(self, environ: WSGIEnvironment) -> _Refusal | None:
        refused: _Refusal = (
            "403 Forbidden",
            [],
            _page("Action refusée", "Rechargez la page et réessayez."),
        )
        # Browsers say where a request comes from; a page on another site is refused
        # even before its (missing) CSRF token is looked at.
        if environ.get("HTTP_SEC_FETCH_SITE", "same-origin") != "same-origin":
            return refused
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin not in self._origins:
            return refused
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return "400 Bad Request", [], b""
        if length < 0 or length > self.max_body:
            return "413 Content Too Large", [], b""
        body = environ["wsgi.input"].read(length) if length else b""
        # The app reads the same body again from a fresh stream.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        given = environ.get(CSRF_HEADER) or _form_field(environ, body, CSRF_FIELD)
        if not given or not hmac.compare_digest(given.encode(), self._csrf.encode()):
            return refused
        return None


def _cookies(environ: WSGIEnvironment) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return {}
    return {k: m.value for k, m in jar.items()}


def _form_field(environ: WSGIEnvironment, body: bytes, name: str) -> str:
    """One field of an urlencoded or multipart form, parsed by Werkzeug."""
    from werkzeug.wrappers import Request

    clone = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    value = Request(clone).form.get(name, "")
    return str(value)


# -- serving ------------------------------------------------------------------


def make_server(app: WSGIApplication, sock: socket.socket) -> Any:
    """A threaded Werkzeug server on an already bound socket: no access log, no traceback."""
    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log(self, type: str, message: str, *args: Any) -> None:
            """Never log: requests and errors could carry tip text or paths."""

    class QuietServer(ThreadedWSGIServer):
        def log(self, type: str, message: str, *args: Any) -> None:
            """Werkzeug logs an app's traceback here; it could quote decrypted text."""

        def handle_error(self, request: Any, client_address: Any) -> None:
            """The default prints a traceback and the client's address."""

    host, port = sock.getsockname()[:2]
    return QuietServer(host, port, app, QuietHandler, fd=sock.fileno())


def serve(
    app: WSGIApplication, sock: socket.socket, on_stop: Callable[[], None] | None = None
) -> None:
    """Serve until Ctrl-C (or SIGTERM turned into KeyboardInterrupt by the caller)."""
    server = make_server(app, sock)
    sock.close()  # the server holds its own duplicate of the descriptor
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if on_stop is not None:
            on_stop()
