"""Every refusal on the no-JS form path is an HTML page in the page's language (issue 14).

The audit: `vigie serve`'s own refusals (bodies over twice the limit, the busy
503, the per-network 429, malformed requests) were French whatever the page's
language and said « ce que vous avez écrit y est peut-être encore », which is
false (Back reloads the no-store form empty); a 415 and serve's 404/500 and
protocol errors were JSON. Now the form's action carries its page's language
(`?lang=`), every answer on the form path is a page in it, the form comes back
filled whenever the body was read, and otherwise the page says the truth.
Checked against the Lambda handler (API Gateway events) and a real `vigie serve`.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import make_config
from tests.support.apigw import invoke
from tests.support.hardening import in_process_serve, tiny_site, tip_keys
from tests.support.live import LiveVigie, write_config
from tests.test_form_hostile import CTYPE, _photo_body
from vigie.core.storage import DirStore, TipStore

pytestmark = pytest.mark.xdist_group("form-refusals")

LIMIT = 200_000  # a small body limit keeps the bodies (×1.5, ×3) cheap
TYPED = "Vente sous le porche."
# What a page without the form must say instead of promising the Back button.
CANNOT_GIVE_BACK = {
    "fr": "Cette page ne peut pas vous rendre ce que vous avez écrit",
    "en": "This page cannot give back what you wrote",
    "ar": "لا تستطيع هذه الصفحة أن تعيد إليكم ما كتبتموه",
}
FALSE_PROMISES = ("peut-être encore", "may still be there", "ما زال هناك")


def _photo(factor: float) -> bytes:
    """A form (category, description, one "photo") of `factor` × LIMIT bytes."""
    return _photo_body(b"\xff\xd8" + b"p" * int(factor * LIMIT))


def assert_form_page(
    status: int, headers: dict[str, str], body: str, lang: str, refilled: bool
) -> None:
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["content-type"].startswith("text/html"), (status, body[:300])
    assert headers["cache-control"] == "no-store"
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in body
    for promise in FALSE_PROMISES:
        assert promise not in body
    if refilled:
        assert TYPED in body and "<form" in body
        assert f'action="/api/tips/form?lang={lang}"' in body
    else:
        assert TYPED not in body and "<form" not in body
        assert CANNOT_GIVE_BACK[lang] in body


# ------------------------------------------------------------ the Lambda


@pytest.fixture
def lam(tmp_path: Path, identity: Any) -> tuple[Any, TipStore]:
    cfg = make_config(
        f"dir:{tmp_path / 's'}", [str(identity.to_public())], tmp_path, max_body_bytes=LIMIT
    )
    return cfg, DirStore(tmp_path / "s")


@pytest.mark.parametrize(("factor", "refilled"), [(1.5, True), (3, False)])
def test_oversized_forms_are_pages_in_the_query_language_from_the_lambda(
    lam: tuple[Any, TipStore], factor: float, refilled: bool
) -> None:
    cfg, store = lam
    body = _photo(factor)  # no `lang` field: the action's ?lang= is all there is
    headers = {"Content-Type": CTYPE, "Content-Length": str(len(body))}
    answer = invoke(cfg, store, "POST", "/api/tips/form", headers, body, {"lang": "ar"})
    assert answer.status == 413
    assert_form_page(answer.status, answer.headers, answer.body, "ar", refilled)
    assert tip_keys(store) == []


def test_the_body_language_wins_over_the_query(lam: tuple[Any, TipStore]) -> None:
    cfg, store = lam
    body = urlencode({"category": "spot", "description": TYPED, "lang": "en"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers["Content-Length"] = str(len(body))
    body = body.replace(b"category=spot", b"category=weird")  # a refusal, body read
    answer = invoke(cfg, store, "POST", "/api/tips/form", headers, body, {"lang": "ar"})
    assert answer.status == 400
    assert_form_page(answer.status, answer.headers, answer.body, "en", refilled=True)


@pytest.mark.parametrize(
    ("method", "ctype", "status"), [("POST", "text/html", 415), ("GET", "", 405)]
)
def test_chalice_own_refusals_on_the_form_path_are_pages(
    lam: tuple[Any, TipStore], method: str, ctype: str, status: int
) -> None:
    """Before: Chalice's 415 (and 405) were JSON on the form path."""
    cfg, store = lam
    headers = {"Content-Type": ctype} if ctype else {}
    answer = invoke(cfg, store, method, "/api/tips/form", headers, b"<p>x</p>", {"lang": "ar"})
    assert answer.status == status
    assert_form_page(answer.status, answer.headers, answer.body, "ar", refilled=False)


def test_a_bug_on_the_form_path_is_a_page_not_json(lam: tuple[Any, TipStore]) -> None:
    """Fault injection: an intake that fails with a bug gets Chalice's 500, which
    on the form path becomes a page in the query's language (still a 5xx: ours)."""
    from tests.support.apigw import _Context, event
    from tests.support.intake_client import TEST_SECRET
    from vigie.core.intake import Intake
    from vigie.serve import load_intake_app

    class Failing(Intake):
        def submit_form(self, request: Any) -> Any:
            raise RuntimeError("a bug")

    cfg, store = lam
    module = load_intake_app()
    module.configure(Failing(config=cfg, store=store, secret=TEST_SECRET, clock=time.time))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        result = module.app(
            event("POST", "/api/tips/form", headers, b"description=x", {"lang": "en"}), _Context()
        )
    finally:  # the next user of the shared app gets a working intake
        module.configure(Intake(config=cfg, store=store, secret=TEST_SECRET, clock=time.time))
    assert result["statusCode"] == 500
    assert_form_page(500, result["headers"], result["body"], "en", refilled=False)
    assert "a bug" not in result["body"]


def test_an_intake_not_ready_answers_the_form_path_a_page(
    lam: tuple[Any, TipStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold start whose configuration fails (a Secrets Manager blip, a bad
    setting): the 503 is a page in the query's language, never JSON."""
    from tests.support.apigw import _Context, event
    from vigie.serve import load_intake_app

    module = load_intake_app()
    monkeypatch.setenv("VIGIE_FORM_BUDGET_PER_HOUR", "many")  # a config that cannot load
    monkeypatch.delitem(module._state, "intake", raising=False)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    result = module.app(
        event("POST", "/api/tips/form", headers, b"description=x", {"lang": "ar"}), _Context()
    )
    assert result["statusCode"] == 503
    assert_form_page(503, result["headers"], result["body"], "ar", refilled=False)


def test_unknown_languages_are_french(lam: tuple[Any, TipStore]) -> None:
    cfg, store = lam
    headers = {"Content-Type": "text/html"}
    answer = invoke(cfg, store, "POST", "/api/tips/form", headers, b"x", {"lang": "<b>de"})
    assert_form_page(answer.status, answer.headers, answer.body, "fr", refilled=False)
    assert "<b>de" not in answer.body


# ------------------------------------------------------------ vigie serve

CAP_SOURCE = "127.0.7.1"  # the one network the cap test spends


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, identity: Any) -> Iterator[tuple[Any, Any]]:
    root = tmp_path_factory.mktemp("form-refusals")
    config = write_config(
        root / "vigie.toml",
        f"dir:{root / 'store'}",
        [str(identity.to_public())],
        max_body_bytes=LIMIT,
        network_cap=100,
        network_cap_requests=3,
    )
    with LiveVigie(config, tiny_site(root / "site")) as server:
        yield server, DirStore(root / "store")


_SOURCES = iter(f"127.0.{n}.1" for n in range(10, 250))


def _post(
    server: LiveVigie, query: str, body: bytes, ctype: str, source: str | None = None
) -> tuple[int, dict[str, str], str]:
    """One form post from a network of its own (the cap counts per /24)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=20, source_address=(source or next(_SOURCES), 0)
    )
    try:
        conn.request("POST", "/api/tips/form" + query, body=body, headers={"Content-Type": ctype})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def _raw(server: LiveVigie, head: bytes) -> tuple[int, dict[str, str], str]:
    """Send a request head as is (nothing after it) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(head)
        data = b""
        while block := sock.recv(65536):
            data += block
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body.decode()


def test_a_form_a_little_too_big_comes_back_filled_in_the_query_language(
    live: tuple[LiveVigie, TipStore],
) -> None:
    server, store = live
    status, headers, page = _post(server, "?lang=ar", _photo(1.5), CTYPE)
    assert status == 413
    assert_form_page(status, headers, page, "ar", refilled=True)
    assert tip_keys(store) == []


def test_a_form_far_too_big_gets_the_truth_in_the_query_language(
    live: tuple[LiveVigie, TipStore],
) -> None:
    """Refused from Content-Length, before the body is read: it cannot come back."""
    server, store = live
    head = (
        f"POST /api/tips/form?lang=ar HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {CTYPE}\r\n"
        f"Content-Length: {3 * LIMIT}\r\n\r\n"
    ).encode()
    status, headers, page = _raw(server, head)
    assert status == 413
    assert_form_page(status, headers, page, "ar", refilled=False)
    assert tip_keys(store) == []


@pytest.mark.parametrize(
    ("name", "head", "status"),
    [
        ("415", b"Content-Type: text/html\r\nContent-Length: 1\r\n\r\nx", 415),
        ("no length", b"Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
        ("header without colon", b"Content-Length: 0\r\nnot a header\r\n\r\n", 400),
    ],
)
def test_serve_refusals_on_the_form_path_are_pages(
    live: tuple[LiveVigie, TipStore], name: str, head: bytes, status: int
) -> None:
    server, _ = live
    request = b"POST /api/tips/form?lang=ar HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    request += head
    got, headers, page = _raw(server, request)
    assert got == status, name
    assert_form_page(got, headers, page, "ar", refilled=False)


@pytest.mark.parametrize(
    "line",
    [
        b"POST /api/tips/form?lang=ar HTTP/1.1 extra",  # a malformed request line
        b"POST /api/tips/form?lang=ar HTTP/9.9",  # an unknown version
    ],
)
def test_protocol_errors_on_the_form_path_are_pages(
    live: tuple[LiveVigie, TipStore], line: bytes
) -> None:
    """The standard library's own refusals (send_error): before, JSON on every path."""
    server, _ = live
    status, headers, page = _raw(server, line + b"\r\nHost: 127.0.0.1\r\n\r\n")
    assert 400 <= status < 500
    assert_form_page(status, headers, page, "ar", refilled=False)


def test_protocol_errors_elsewhere_stay_json(live: tuple[LiveVigie, TipStore]) -> None:
    server, _ = live
    status, headers, _ = _raw(server, b"POST /api/tips HTTP/1.1 extra\r\n\r\n")
    assert status == 400 and headers["Content-Type"].startswith("application/json")


def test_the_network_cap_answers_a_page_in_the_query_language(
    live: tuple[LiveVigie, TipStore],
) -> None:
    """The cap refuses before reading the body (cheap): the page says it is lost."""
    server, store = live
    junk = urlencode({"category": "weird", "description": TYPED}).encode()
    urlenc = "application/x-www-form-urlencoded"
    for _ in range(3):  # network_cap_requests = 3: refused junk counts too
        status, _, _ = _post(server, "?lang=en", junk, urlenc, CAP_SOURCE)
        assert status == 400
    status, headers, page = _post(server, "?lang=ar", junk, urlenc, CAP_SOURCE)
    assert status == 429 and "retry-after" in {k.lower() for k in headers}
    assert_form_page(status, headers, page, "ar", refilled=False)
    assert "Wi-Fi" in page  # what to do: another connection
    assert tip_keys(store) == []


# ------------------------------------------------------ the busy 503


@pytest.fixture
def inproc(tmp_path: Path, identity: Any) -> Iterator[Any]:
    """The real server code on a real socket, in this process (to hold its form slots)."""
    with in_process_serve(tmp_path, identity) as running:
        yield running


def test_the_busy_refusal_gives_the_form_back_filled(inproc: Any) -> None:
    """The 503 is decided after the body was read: what was typed comes back."""
    server, store = inproc
    gate = server.gate
    gate.form_wait = 0.1
    taken = 0
    while gate.form_slots.acquire(blocking=False):
        taken += 1
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=20)
        body = _photo_body(b"\xff\xd8small")
        conn.request("POST", "/api/tips/form?lang=ar", body=body, headers={"Content-Type": CTYPE})
        response = conn.getresponse()
        status, headers, page = response.status, dict(response.getheaders()), response.read()
        conn.close()
    finally:
        for _ in range(taken):
            gate.form_slots.release()
    assert status == 503 and headers["Retry-After"] == "5"
    assert_form_page(status, headers, page.decode(), "ar", refilled=True)
    assert tip_keys(store) == []
