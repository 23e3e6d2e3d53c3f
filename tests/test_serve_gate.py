"""`vigie serve`'s gate: allowed hosts, same-origin writes, bounded connections and form posts.

Security review finding 11: `vigie serve` accepted any `Host` and `Origin` (a
foreign page could post tips through a local server, DNS rebinding included),
and ~1,100 idle sockets at `ulimit -n 1024` blocked genuine requests for 27 s
at 100 % CPU. Finding 1's follow-up: the no-JS form has its own bounded
concurrency, so it can never starve the JavaScript path.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.hardening import in_process_serve, request, tiny_site, tip_keys
from tests.support.live import LiveVigie, write_config
from vigie.core.storage import DirStore, TipStore

pytestmark = pytest.mark.xdist_group("serve-gate")

MAX_CONNECTIONS = 8
FORM = urlencode({"category": "spot", "description": "Deux guetteurs le soir."}).encode()
URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, identity: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("gate")
    config = write_config(root / "vigie.toml", f"dir:{root / 'store'}", [str(identity.to_public())])
    with config.open("a") as fh:
        fh.write(
            '\n[site]\nurl = "https://vigie.example.fr/"\n'
            'report_url = "https://vigie.example.fr/signaler/"\n'
            f'\n[serve]\nhosts = ["vigie.lan"]\nmax_connections = {MAX_CONNECTIONS}\n'
        )
    with LiveVigie(config, tiny_site(root / "site")) as server:
        yield server, DirStore(root / "store")


def _post_form(server: LiveVigie, **headers: str) -> Any:
    return request(server.url, "POST", "/api/tips/form", FORM, {**URLENCODED, **headers})


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "x"])
def test_foreign_host_names_are_refused(live: tuple[LiveVigie, TipStore], host: str) -> None:
    server, store = live
    before = tip_keys(store)
    page = request(server.url, "GET", "/", headers={"Host": host})
    health = request(server.url, "GET", "/api/health", headers={"Host": host})
    form = _post_form(server, Host=host)
    assert page.status == health.status == form.status == 421
    assert form.headers["content-type"].startswith("text/html")  # the form path: a page
    assert tip_keys(store) == before


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "vigie.example.fr", "VIGIE.example.fr:443", "vigie.lan"]
)
def test_configured_hosts_are_answered(live: tuple[LiveVigie, TipStore], host: str) -> None:
    server, _ = live
    if host in ("127.0.0.1", "localhost"):
        host = f"{host}:{server.port}"
    assert request(server.url, "GET", "/api/health", headers={"Host": host}).status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://127.0.0.1:1"},  # another program on this machine (no Sec-Fetch)
        {"Origin": "http://evil.example:8000", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed foreign page
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_writes_are_refused(
    live: tuple[LiveVigie, TipStore], headers: dict[str, str]
) -> None:
    server, store = live
    before = tip_keys(store)
    form = _post_form(server, **headers)
    tip = request(
        server.url,
        "POST",
        "/api/tips",
        b"age",
        {"Content-Type": "application/octet-stream", **headers},
    )
    assert form.status == tip.status == 403
    assert form.headers["content-type"].startswith("text/html")
    assert tip.json()["error"] == "cross_origin"
    assert tip_keys(store) == before


@pytest.mark.parametrize(
    "headers",
    [
        # What Chromium sends for the site's own no-JS form under no-referrer.
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "https://vigie.example.fr", "Sec-Fetch-Site": "same-origin"},
        {},  # no browser at all (curl, a script): only the Host check applies
    ],
)
def test_same_origin_form_posts_are_stored(
    live: tuple[LiveVigie, TipStore], headers: dict[str, str]
) -> None:
    server, store = live
    before = set(tip_keys(store))
    answer = _post_form(server, **headers)
    assert answer.status == 201, answer.body[:300]
    assert len(set(tip_keys(store)) - before) == 1


def test_idle_sockets_beyond_the_limit_are_refused_at_once(
    live: tuple[LiveVigie, TipStore],
) -> None:
    """Idle connections up to the limit, then 40 more: each extra one gets a 503 at once."""
    server, _ = live
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(MAX_CONNECTIONS)]
    extra: list[socket.socket] = []
    try:
        time.sleep(0.3)  # let the server accept them all
        started = time.monotonic()
        cpu_before = server.cpu_seconds()
        for _ in range(40):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            extra.append(sock)
            answer = _read_all(sock)
            assert answer.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 5" in answer
        assert time.monotonic() - started < 5
        assert server.cpu_seconds() - cpu_before < 0.5  # no spinning accept loop
        busy = request(server.url, "GET", "/api/health", timeout=5)
        assert busy.status == 503
    finally:
        for sock in idle + extra:
            sock.close()
    # Once the idle ones are gone, genuine requests are answered again at once.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if request(server.url, "GET", "/api/health", timeout=2).status == 200:
                break
        time.sleep(0.05)
    else:
        pytest.fail("the server did not recover after the idle sockets closed")


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(OSError):
        while block := sock.recv(4096):
            data += block
    return data


# ------------------------------------------------------------- form slots


@pytest.fixture
def inproc(tmp_path: Path, identity: Any) -> Iterator[Any]:
    """The real server code on a real socket, in this process (to hold its form slots)."""
    with in_process_serve(tmp_path, identity) as running:
        yield running


def test_busy_form_slots_refuse_form_posts_but_never_the_js_path(inproc: Any) -> None:
    server, store = inproc
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    gate = server.gate
    gate.form_wait = 0.2
    taken = 0
    while gate.form_slots.acquire(blocking=False):  # every form slot busy
        taken += 1
    assert taken == 2  # [serve] form_concurrency's default
    try:
        started = time.monotonic()
        form = request(url, "POST", "/api/tips/form", FORM, URLENCODED)
        challenge = request(url, "GET", "/api/challenge", None, {"Idempotency-Key": "k" * 20})
        assert time.monotonic() - started < 3
    finally:
        for _ in range(taken):
            gate.form_slots.release()
    assert form.status == 503 and form.headers["retry-after"] == "5"
    assert form.headers["content-type"].startswith("text/html")
    assert "Rien n'a été enregistré" in form.body.decode()
    assert challenge.status == 200  # the JavaScript path did not wait
    assert tip_keys(store) == []
    assert request(url, "POST", "/api/tips/form", FORM, URLENCODED).status == 201


def test_a_trailing_slash_reaches_the_same_route_and_the_same_rules() -> None:
    """Chalice routes `/api/tips/form/` as `/api/tips/form`: the cap and the form
    gate must see it so (before: a trailing slash skipped both)."""
    from vigie.netcap import CAPPED_PATHS
    from vigie.serve import route_of

    assert route_of("/api/tips/form/?lang=en") == "/api/tips/form"
    assert {route_of(p + "/") for p in CAPPED_PATHS} == set(CAPPED_PATHS)
    assert route_of("/") == "/" and route_of("/api/tips?x=1") == "/api/tips"
