"""The local-app security policy (`vigie.localweb`) on a real loopback server.

A tiny WSGI app is wrapped by `LocalGuard` and served by `localweb.serve` in a
thread; requests go over real sockets with http.client, so Host, Cookie,
Origin and Sec-Fetch-Site headers are exactly what a browser or an attacker
would send.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from vigie import localweb


def _app(environ: Any, start_response: Any) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path == "/boom":
        raise RuntimeError("TEXTE DÉCHIFFRÉ SECRET")
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Cache-Control", "max-age=99")])
        return [b"done:" + body]
    if path == "/form":
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        token = localweb.csrf_token(environ)
        return [
            f'<!doctype html><form method="post" action="/do"><input name="csrf" value="{token}">'
            '<button id="go">go</button></form>'.encode()
        ]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"hello csrf={localweb.csrf_token(environ)}".encode()]


@dataclass
class Live:
    guard: localweb.LocalGuard
    port: int

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            hdrs = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            conn.request(method, path, body=body or None, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def login(self) -> str:
        target = urlsplit(self.guard.url)
        status, headers, _ = self.request("GET", f"{target.path}?{target.query}")
        assert status == 303 and headers["location"] == "/"
        return headers["set-cookie"].split(";")[0]


@pytest.fixture
def live() -> Iterator[Live]:
    sock = localweb.listen(0)
    port = sock.getsockname()[1]
    guard = localweb.LocalGuard(_app, port)
    server = localweb.make_server(guard, sock)
    sock.close()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(guard, port)
    server.shutdown()
    thread.join(5)


def test_without_session_every_request_is_refused(live: Live) -> None:
    for method in ("GET", "POST"):
        status, headers, body = live.request(method, "/")
        assert status == 401, method
        assert "hello" not in body.decode() and "csrf" not in body.decode()
        assert headers["cache-control"] == "no-store"
    status, _, _ = live.request("GET", "/", {"Cookie": "vigie_session=guessed"})
    assert status == 403


def test_token_is_exchanged_once_for_a_strict_httponly_cookie(live: Live) -> None:
    target = urlsplit(live.guard.url)
    assert target.hostname == "127.0.0.1" and target.port == live.port
    status, headers, _ = live.request("GET", f"{target.path}?{target.query}")
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Max-Age" not in cookie and "Expires" not in cookie  # gone with the browser
    # The same URL again (copied from a terminal log, a history file): refused.
    status, headers, _ = live.request("GET", f"{target.path}?{target.query}")
    assert status == 403 and "set-cookie" not in headers
    status, _, body = live.request("GET", "/", {"Cookie": cookie.split(";")[0]})
    assert status == 200 and body.startswith(b"hello")


def test_a_wrong_token_gives_no_session(live: Live) -> None:
    status, headers, _ = live.request("GET", "/session?token=guess")
    assert status == 403 and "set-cookie" not in headers
    live.login()  # the real token still works: a guess does not burn it


def test_host_other_than_loopback_is_refused_even_with_the_session(live: Live) -> None:
    cookie = live.login()
    for host in ("evil.example", f"evil.example:{live.port}", "127.0.0.1", "127.0.0.1:1"):
        status, _, body = live.request("GET", "/", {"Host": host, "Cookie": cookie})
        assert status == 403, host
        assert b"hello" not in body
    status, _, _ = live.request("GET", "/", {"Host": f"localhost:{live.port}", "Cookie": cookie})
    assert status == 200


def test_every_answer_carries_the_strict_policy(live: Live) -> None:
    cookie = live.login()
    for path, extra in (("/", {"Cookie": cookie}), ("/", {}), ("/", {"Host": "evil.example"})):
        _, headers, _ = live.request("GET", path, extra)
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "http" not in csp
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"


def _csrf(live: Live, cookie: str) -> str:
    _, _, body = live.request("GET", "/", {"Cookie": cookie})
    return body.decode().split("csrf=")[1]


def test_state_change_needs_the_csrf_token(live: Live) -> None:
    cookie = live.login()
    token = _csrf(live, cookie)
    form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = live.request("POST", "/do", form, b"status=actioned")
    assert status == 403
    status, _, _ = live.request("POST", "/do", form, b"status=actioned&csrf=wrong")
    assert status == 403
    status, headers, body = live.request("POST", "/do", form, f"a=1&csrf={token}".encode())
    assert status == 200 and body == f"done:a=1&csrf={token}".encode()
    assert headers["cache-control"] == "no-store"  # the app's max-age is overridden
    status, _, body = live.request("POST", "/do", {"Cookie": cookie, "X-CSRF-Token": token}, b"x")
    assert status == 200 and body == b"done:x"


def test_cross_site_requests_are_refused_even_with_the_token(live: Live) -> None:
    cookie = live.login()
    token = _csrf(live, cookie)
    base = {"Cookie": cookie, "X-CSRF-Token": token}
    for extra in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
    ):
        status, _, _ = live.request("POST", "/do", {**base, **extra}, b"x")
        assert status == 403, extra
    status, _, _ = live.request(
        "POST", "/do", {**base, "Origin": f"http://127.0.0.1:{live.port}"}, b"x"
    )
    assert status == 200


def test_oversized_bodies_and_other_methods(live: Live) -> None:
    cookie = live.login()
    token = _csrf(live, cookie)
    status, _, _ = live.request(
        "POST",
        "/do",
        {"Cookie": cookie, "X-CSRF-Token": token},
        b"x" * (localweb.DEFAULT_MAX_BODY + 1),
    )
    assert status == 413
    for method in ("PUT", "DELETE", "TRACE"):
        status, _, _ = live.request(method, "/", {"Cookie": cookie})
        assert status == 405, method


def test_an_app_crash_prints_nothing(live: Live, capfd: pytest.CaptureFixture[str]) -> None:
    cookie = live.login()
    status, _, body = live.request("GET", "/boom", {"Cookie": cookie})
    assert status == 500 and b"SECRET" not in body and b"Erreur interne" in body
    out, err = capfd.readouterr()
    assert "SECRET" not in out + err and "127.0.0.1" not in out + err


def test_listen_binds_loopback_and_a_busy_port_is_one_clear_error() -> None:
    sock = localweb.listen(0)
    try:
        host, port = sock.getsockname()[:2]
        assert host == "127.0.0.1"
        with pytest.raises(localweb.PortInUse) as caught:
            localweb.listen(port)
        assert str(caught.value).startswith(f"le port {port} est déjà utilisé")
        assert "\n" not in str(caught.value)
    finally:
        sock.close()


@pytest.mark.browser
def test_the_apps_own_form_passes_in_chromium(live: Live, browser: Any) -> None:
    """Regression: under `Referrer-Policy: no-referrer` Chromium sends `Origin: null`
    on same-origin form POSTs, and the Origin check refused the app's own forms."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(live.guard.url)
        page.goto(f"http://127.0.0.1:{live.port}/form")
        with page.expect_response(f"http://127.0.0.1:{live.port}/do") as info:
            page.click("#go")
        assert info.value.status == 200
        assert page.inner_text("body").startswith("done:csrf=")
    finally:
        ctx.close()
