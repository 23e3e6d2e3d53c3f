"""Hand-written hostile requests against the real `vigie serve`, over raw sockets.

What a trafficker's script could send to crash the intake, hold it busy or slip
something into the store: broken framing (truncated, oversized, lying or doubled
lengths, chunked bodies, trickled bytes), wrong content types, huge headers,
non-UTF-8 forms, replayed and forged proofs of work, idempotency keys with path
characters, and age files built to fool the header check.

Every case must end in a clear 4xx (or a closed connection for protocol-level
garbage), never a 5xx nor a traceback, store nothing, and leave the server
answering `/api/health` (checked after every test by the `guard` fixture).
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.support.hardening import (
    SAMPLE_TIP,
    healthy,
    post_tip,
    raw_exchange,
    raw_request,
    request,
    solved_headers,
    statuses,
    tiny_site,
    tip_keys,
)
from tests.support.intake_client import new_key
from tests.support.live import LiveVigie, write_config
from vigie.core import envelope
from vigie.core.config import load_config
from vigie.core.storage import TipStore, open_store

# One server for the whole module, on one worker (the slow-body clients run
# in the background while the other cases go on).
pytestmark = pytest.mark.xdist_group("adversarial-hostile")

SLOW_CLIENTS = 3  # the first trickles a header, the others a body
SLOW_LENGTH = 2000  # declared bytes; trickled at ~2 bytes/s, it would take ~17 minutes


@dataclass
class Server:
    live: LiveVigie
    store: TipStore
    recipients: list[str]
    root: Path
    slow_results: list[tuple[bytes, float]] = field(default_factory=list)
    slow_threads: list[threading.Thread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def port(self) -> int:
        return self.live.port

    def sealed(self, tip: envelope.Tip = SAMPLE_TIP) -> bytes:
        return envelope.seal(envelope.serialize_tip(tip), self.recipients)


def _trickle(server: Server, in_headers: bool) -> None:
    """A slowloris client: one byte every half second, of the body or of a header."""
    started = time.monotonic()
    head = raw_request(
        "POST",
        "/api/tips",
        {"Content-Type": "application/octet-stream", "Content-Length": SLOW_LENGTH},
    )
    if in_headers:
        head = head[: -len(b"\r\n")] + b"X-Slow: "  # the head never ends
    data = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=90) as sock:
        sock.sendall(head)
        for _ in range(SLOW_LENGTH):
            try:
                sock.sendall(b"x")
            except OSError:
                break  # the server gave up on us: what we want
            sock.settimeout(0.5)
            try:
                block = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not block:
                break
            data += block
        sock.settimeout(5)
        with contextlib.suppress(OSError):
            while block := sock.recv(4096):
                data += block
    server.slow_results.append((data, time.monotonic() - started))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, identity: Any) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("hostile")
    recipients = [str(identity.to_public())]
    config = write_config(root / "vigie.toml", f"dir:{root / 'store'}", recipients)
    store = open_store(load_config(config, {}).intake)
    with LiveVigie(config, tiny_site(root / "site")) as live:
        srv = Server(live=live, store=store, recipients=recipients, root=root)
        # Slow clients start now and trickle while every other case runs.
        for n in range(SLOW_CLIENTS):
            thread = threading.Thread(target=_trickle, args=(srv, n == 0), daemon=True)
            thread.start()
            srv.slow_threads.append(thread)
        yield srv
        output = live.log.read_text(errors="replace")
    # Whatever happened, the log names no client and shows no traceback.
    assert "Traceback" not in output and "('127.0.0.1'" not in output, output[-2000:]


@pytest.fixture(autouse=True)
def guard(server: Server) -> Iterator[set[str]]:
    """After each case: nothing stored beyond what the case allows, server healthy."""
    allowed: set[str] = set()
    before = set(tip_keys(server.store))
    yield allowed
    assert set(tip_keys(server.store)) - before == allowed
    assert healthy(server.url)


def assert_refused(raw: bytes, *expected: int) -> None:
    """A clear 4xx (or, if no status line came back, a closed connection)."""
    assert b"Traceback" not in raw and b"Python" not in raw
    codes = statuses(raw)
    assert all(400 <= code < 500 for code in codes), raw[:300]
    if expected:
        assert codes and codes[0] in expected, raw[:300]


def tip_request(server: Server, body: bytes, **override: str | int) -> bytes:
    headers: dict[str, str | int] = {**solved_headers(server.url, new_key())}
    headers.update({"Content-Length": len(body), "Connection": "close", **override})
    return raw_request("POST", "/api/tips", headers)


# ------------------------------------------------------------------ framing


def test_truncated_body_is_400_and_stores_nothing(server: Server) -> None:
    body = server.sealed()
    head = tip_request(server, body)
    raw = raw_exchange(server.port, [head, body[: len(body) // 2]])  # then half-close
    assert_refused(raw, 400)
    assert b'"truncated"' in raw
    # Same, but the client vanishes entirely: nothing to answer, nothing stored.
    raw_exchange(server.port, [head, body[:100]], half_close=False, timeout=0.2)


def test_client_hanging_up_mid_request_is_not_logged(server: Server) -> None:
    """A reset in the middle of a body: the server's failed answer is not logged with
    the client's address and port (socketserver's default did, with a traceback)."""
    body = server.sealed()
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(tip_request(server, body) + body[:50])
            time.sleep(0.05)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.3)
    log = server.live.log.read_text(errors="replace")
    assert "Traceback" not in log and "('127.0.0.1'" not in log, log[-2000:]


@pytest.mark.parametrize("path", ["/api/tips", "/api/tips/form"])
def test_declared_oversize_is_refused_before_the_body(server: Server, path: str) -> None:
    headers: dict[str, str | int] = {
        "Content-Type": "application/octet-stream",
        "Content-Length": 50 * 1024 * 1024,
    }
    start = time.monotonic()
    raw = raw_exchange(server.port, [raw_request("POST", path, headers)], half_close=False)
    assert_refused(raw, 413)
    assert time.monotonic() - start < 10  # answered without waiting for 50 MiB


def test_real_oversize_body_is_refused(server: Server) -> None:
    body = b"\0" * (5 * 1024 * 1024 + 1)
    raw = raw_exchange(server.port, [tip_request(server, body), body])
    assert_refused(raw, 413)


def test_lying_content_length_smaller_than_the_body(server: Server) -> None:
    """A real, solved tip whose length header leaves out its last 10 bytes.

    The cut lands inside the last age chunk, which no key-less check can see:
    only the framing tells, so the server must refuse it rather than store a
    damaged tip. (Sent in one write, so the excess is there when it looks.)
    """
    body = server.sealed()
    head = tip_request(server, body, **{"Content-Length": len(body) - 10})
    raw = raw_exchange(server.port, [head + body])
    assert_refused(raw, 400)
    assert b'"bad_framing"' in raw


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Transfer-Encoding": "chunked"}, 411),
        ({"Transfer-Encoding": "chunked", "Content-Length": 5}, 400),
        ({"Content-Length": "-1"}, 411),
        ({"Content-Length": "1e3"}, 411),
        ({"Content-Length": "0x10"}, 411),
        ({"Content-Length": "\u00b2"}, 411),  # str.isdigit("²") is True; int("²") fails
        ({"Content-Length": "99999999999999999999999"}, 411),
        ({"Content-Length": "4294967296"}, 413),
    ],
)
def test_odd_content_lengths(server: Server, headers: dict[str, str | int], status: int) -> None:
    base = {"Content-Type": "application/octet-stream", "Connection": "close"}
    raw = raw_exchange(
        server.port,
        [raw_request("POST", "/api/tips", {**base, **headers}), b"5\r\nhello\r\n0\r\n\r\n"],
    )
    assert_refused(raw, status)


def test_two_different_content_lengths_are_refused(server: Server) -> None:
    head = (
        b"POST /api/tips HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 5\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
    )
    raw = raw_exchange(
        server.port, [head, b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2]
    )
    assert_refused(raw, 400)
    assert statuses(raw) == [400]  # the smuggled request is never answered


@pytest.mark.parametrize(
    "garbage",
    [
        b"GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # a TLS hello
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /api/health HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /api/\x00health HTTP/1.1\r\n\r\n",
        b"\r\n" * 5000,
        b"",
    ],
)
def test_protocol_garbage_is_refused_or_closed(server: Server, garbage: bytes) -> None:
    assert_refused(raw_exchange(server.port, [garbage], timeout=5))


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "FOO"])
@pytest.mark.parametrize("path", ["/api/tips", "/api/health", "/"])
def test_unknown_methods_are_405(server: Server, method: str, path: str) -> None:
    answer = request(server.url, method, path)
    assert answer.status == 405
    assert answer.json()["error"] == "method_not_allowed"


# ------------------------------------------------------------ content types


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/api/tips", "text/html"),
        ("/api/tips", "application/json"),
        ("/api/tips", "application/x-www-form-urlencoded"),
        ("/api/tips", "multipart/form-data; boundary=zz"),
        ("/api/tips", "image/jpeg"),
        ("/api/tips", "application/octet-stream-but-not-really"),
        ("/api/tips/form", "application/octet-stream"),
        ("/api/tips/form", "application/json"),
        ("/api/tips/form", "text/plain"),
        ("/api/tips/form", "../../etc/passwd"),
    ],
)
def test_wrong_content_types_are_415(server: Server, path: str, ctype: str) -> None:
    body = server.sealed()
    headers = {**solved_headers(server.url, new_key()), "Content-Type": ctype}
    answer = request(server.url, "POST", path, body, headers)
    assert answer.status == 415, answer.body[:200]


def test_missing_content_type_is_refused(server: Server) -> None:
    headers: dict[str, str | int] = {**solved_headers(server.url, new_key())}
    del headers["Content-Type"]
    body = server.sealed()
    headers.update({"Content-Length": len(body), "Connection": "close"})
    for path in ("/api/tips", "/api/tips/form"):
        assert_refused(raw_exchange(server.port, [raw_request("POST", path, headers), body]))


# ------------------------------------------------------------------ headers


def test_too_many_headers_is_431(server: Server) -> None:
    headers = {f"X-Junk-{i}": "x" for i in range(150)}
    assert_refused(raw_exchange(server.port, [raw_request("GET", "/api/health", headers)]), 431)


def test_one_endless_header_line_is_431(server: Server) -> None:
    headers = {"X-Junk": "x" * 70_000}
    assert_refused(raw_exchange(server.port, [raw_request("GET", "/api/health", headers)]), 431)


def test_endless_url_is_414(server: Server) -> None:
    raw = raw_exchange(server.port, [raw_request("GET", "/api/challenge?key=" + "a" * 70_000, {})])
    assert_refused(raw, 414)


def test_many_long_headers_on_a_real_tip_store_nothing(server: Server) -> None:
    """~6 MB of headers under the per-line and count limits, on a forged submission."""
    body = server.sealed()
    junk = {f"X-Junk-{i}": "y" * 60_000 for i in range(95)}
    head = tip_request(server, body, **junk, **{"X-Altcha": "Zm9yZ2Vk"})
    assert_refused(raw_exchange(server.port, [head, body]))


def test_oversized_proof_of_work_header_is_403(server: Server) -> None:
    body = server.sealed()
    headers = {**solved_headers(server.url, new_key()), "X-Altcha": "A" * 60_000}
    answer = request(server.url, "POST", "/api/tips", body, headers)
    assert answer.status == 403 and answer.json()["error"] == "pow_invalid"


# -------------------------------------------------------- non-UTF-8 forms


def _multipart(value: bytes, extra: bytes = b"") -> tuple[str, bytes]:
    body = (
        b'--zz\r\nContent-Disposition: form-data; name="description"\r\n'
        + extra
        + b"\r\n"
        + value
        + b"\r\n--zz--\r\n"
    )
    return "multipart/form-data; boundary=zz", body


@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/x-www-form-urlencoded", b"category=spot&description=caf\xe9"),
        ("application/x-www-form-urlencoded", b"category=spot&description=%C3%28"),
        ("application/x-www-form-urlencoded", b"descr\xffption=x&description=%ED%A0%80"),
        ("application/x-www-form-urlencoded; charset=latin-1", b"description=caf%E9"),
        _multipart(b"caf\xe9 au lait"),
        _multipart(b"\xff\xfe\x00d\x00e", b"Content-Type: text/plain; charset=utf-16\r\n"),
        _multipart(b"ok", b"Content-Transfer-Encoding: base64\r\n"),
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="descr\xe9"\r\n\r\nx\r\n--zz--\r\n',
        ),
    ],
)
def test_non_utf8_form_fields_are_400(server: Server, ctype: str, body: bytes) -> None:
    answer = request(server.url, "POST", "/api/tips/form", body, {"Content-Type": ctype})
    assert answer.status == 400, answer.body[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert b"Traceback" not in answer.body


# ------------------------------------------------------------ proof of work


def test_replayed_proof_of_work_never_overwrites_nor_moves(server: Server, guard: set[str]) -> None:
    key = new_key()
    headers = solved_headers(server.url, key)
    first = request(server.url, "POST", "/api/tips", server.sealed(), headers)
    assert first.status == 201
    [stored] = [k for k in tip_keys(server.store) if first.json()["receipt"] in k]
    guard.add(stored)
    original = server.store.get(stored)
    other_tip = envelope.Tip(category="other", description="Texte remplacé par l'attaquant.")
    replay = request(server.url, "POST", "/api/tips", server.sealed(other_tip), headers)
    assert replay.status == 200 and replay.json() == first.json()
    assert server.store.get(stored) == original  # never overwritten
    moved = {**headers, "Idempotency-Key": new_key()}
    answer = request(server.url, "POST", "/api/tips", server.sealed(other_tip), moved)
    assert answer.status == 403 and answer.json()["error"] == "pow_mismatch"


def _b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.b64encode(raw).decode()


def _self_signed(key: str) -> str:
    """An attacker's own ALTCHA v2 challenge, correctly solved and signed with HIS key."""
    from altcha.v2 import create_challenge

    from vigie.core.pow import solve

    challenge = create_challenge(
        "SCRYPT", 1024, memory_cost=8, parallelism=1, key_prefix="",
        expires_at=int(time.time()) + 600, data={"k": "x" * 32, "d": "20260101", "b": 0},
        hmac_secret=b"attacker",
    )  # fmt: skip
    return solve(challenge.to_dict())


def _tampered(server: Server, key: str, part: str, **changes: Any) -> str:
    payload = json.loads(base64.b64decode(solved_headers(server.url, key)["X-Altcha"]))
    target = payload["solution"] if part == "solution" else payload["challenge"]
    if part == "parameters":
        target = target["parameters"]
    target.update(changes)
    return _b64(payload)


def _expiry_pushed_back(server: Server, key: str) -> str:
    payload = json.loads(base64.b64decode(solved_headers(server.url, key)["X-Altcha"]))
    payload["challenge"]["parameters"]["expiresAt"] += 10**6
    return _b64(payload)


FORGERIES: list[tuple[str, Any]] = [
    ("not base64", lambda s, k: "%%%not-base64%%%"),
    ("base64 of nothing JSON", lambda s, k: _b64(b"\xff\xfe garbage")),
    ("JSON null", lambda s, k: _b64(None)),
    ("JSON list", lambda s, k: _b64([1, 2, 3])),
    ("JSON number", lambda s, k: _b64(12)),
    ("empty object", lambda s, k: _b64({})),
    ("self-signed", lambda s, k: _self_signed(k)),
    ("counter as text", lambda s, k: _tampered(s, k, "solution", counter="12")),
    ("huge counter", lambda s, k: _tampered(s, k, "solution", counter=10**400)),
    ("negative counter", lambda s, k: _tampered(s, k, "solution", counter=-1)),
    # A derived key full of zeros passes the cheap checks: only the KDF catches it.
    ("made-up derived key", lambda s, k: _tampered(s, k, "solution", derivedKey="00" * 32)),
    ("other algorithm", lambda s, k: _tampered(s, k, "parameters", algorithm="SHA-256")),
    ("cheaper cost", lambda s, k: _tampered(s, k, "parameters", cost=2)),
    ("fewer bits", lambda s, k: _tampered(s, k, "parameters", data={"b": 0})),
    ("no signature", lambda s, k: _tampered(s, k, "challenge", signature=None)),
    ("nested junk", lambda s, k: _tampered(s, k, "parameters", salt={"a": [1, {"b": None}]})),
    ("expiry pushed back", _expiry_pushed_back),
]


@pytest.mark.parametrize("forge", [f for _, f in FORGERIES], ids=[n for n, _ in FORGERIES])
def test_forged_proofs_of_work_are_403(server: Server, forge: Any) -> None:
    key = new_key()
    headers = {
        "Content-Type": "application/octet-stream",
        "Idempotency-Key": key,
        "X-Altcha": forge(server, key),
    }
    answer = request(server.url, "POST", "/api/tips", server.sealed(), headers)
    assert answer.status == 403, answer.body[:300]
    assert answer.json()["error"].startswith("pow_")


# ------------------------------------------------------- idempotency keys

PATH_KEYS = [
    "../../../../../../tmp/vigie-x",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "a/b/c/d/e/f/g/h/i/j",
    "tips/2026-01-01/VG-AAAA",
    "................",
    "abcdefgh\\ijklmnop",
    "ééééééééééééééééé",
    "abcdefghijklmnop qrs",
    "x" * 65,
    "x" * 15,
]


@pytest.mark.parametrize("key", PATH_KEYS)
def test_idempotency_keys_with_path_characters_are_400(server: Server, key: str) -> None:
    before = sorted(p for p in server.root.rglob("*") if p.is_file())
    challenge = request(server.url, "GET", "/api/challenge", headers={"Idempotency-Key": key})
    assert challenge.status == 400 and challenge.json()["error"] == "bad_idempotency_key"
    real = solved_headers(server.url, new_key())
    headers = {**real, "Idempotency-Key": key}
    body = server.sealed()
    raw = raw_exchange(
        server.port,
        [
            raw_request(
                "POST", "/api/tips", {**headers, "Content-Length": len(body), "Connection": "close"}
            )
            .decode("latin-1")
            .encode("utf-8"),
            body,
        ],
    )
    assert_refused(raw, 400)
    assert b"bad_idempotency_key" in raw
    after = sorted(p for p in server.root.rglob("*") if p.is_file())
    assert [p for p in after if p not in before and "serve-" not in p.name] == []


def test_idempotency_key_with_nul_is_400(server: Server) -> None:
    body = server.sealed()
    real = solved_headers(server.url, new_key())
    for key in ("abcdefgh\x00ijklmnopq", "\x00" * 20, "abcdefghijklmnop\x00/../../x"):
        headers: dict[str, str | int] = {**real, "Idempotency-Key": key}
        headers["Content-Length"] = len(body)
        raw = raw_exchange(
            server.port,
            [raw_request("POST", "/api/tips", {**headers, "Connection": "close"}), body],
        )
        assert_refused(raw, 400)
    raw = raw_exchange(
        server.port,
        [b"GET /api/challenge HTTP/1.1\r\nIdempotency-Key: abcdefgh%00ijklmnop\r\n\r\n"],
    )
    assert_refused(raw, 400)


# ------------------------------------------------------------- age files


def test_age_file_with_10000_recipient_stanzas_is_400(server: Server) -> None:
    """A real age file (it decrypts for our analyst) addressed to 10,000 keys."""
    others = [pyrage.x25519.Identity.generate().to_public() for _ in range(9_999)]
    ours = pyrage.x25519.Recipient.from_str(server.recipients[0])
    body = pyrage.encrypt(envelope.serialize_tip(SAMPLE_TIP), [ours, *others])
    assert body.count(b"\n-> X25519 ") == 10_000
    _, answer = post_tip(server.url, body)
    assert answer.status == 400
    assert answer.json()["error"] == "not_age"


def _age_cli(server: Server, *args: str, data: bytes) -> bytes:
    return subprocess.run(
        ["/usr/bin/age", *args], input=data, capture_output=True, check=True
    ).stdout


@pytest.mark.parametrize("armor", [False, True])
def test_valid_age_file_for_another_recipient_count_is_400(server: Server, armor: bool) -> None:
    """Made by the real `age` CLI for our key plus one more: the count is wrong."""
    extra = str(pyrage.x25519.Identity.generate().to_public())
    args = ["-r", server.recipients[0], "-r", extra] + (["-a"] if armor else [])
    body = _age_cli(server, *args, data=envelope.serialize_tip(SAMPLE_TIP))
    _, answer = post_tip(server.url, body)
    assert answer.status == 400
    assert answer.json()["error"] == "wrong_recipients"


def test_passphrase_age_file_is_400(server: Server) -> None:
    """A passphrase (scrypt) stanza instead of X25519: analysts' tools expect keys."""
    body = server.sealed()
    start = body.index(b"\n-> X25519 ") + 1
    end = body.index(b"\n", body.index(b"\n", start) + 1) + 1
    scrypt = b"-> scrypt " + base64.b64encode(bytes(16)).rstrip(b"=") + b" 18\n"
    scrypt += base64.b64encode(bytes(32)).rstrip(b"=") + b"\n"
    _, answer = post_tip(server.url, body[:start] + scrypt + body[end:])
    assert answer.status == 400
    assert answer.json()["error"] == "not_age"


# ---------------------------------------------------------------- slowloris


def test_slow_bodies_did_not_block_others_and_were_cut_off(server: Server, guard: set[str]) -> None:
    """The trickling clients started with the module; every case above was served
    meanwhile. Each must have been cut off with a 408 (or a close) long before its
    head or body could have been sent, and nothing stored."""
    _, answer = post_tip(server.url, server.sealed())  # still served while they trickle
    assert answer.status == 201
    guard.update(k for k in tip_keys(server.store) if answer.json()["receipt"] in k)
    for thread in server.slow_threads:
        thread.join(timeout=90)
    assert len(server.slow_results) == SLOW_CLIENTS
    for raw, elapsed in server.slow_results:
        assert_refused(raw)
        assert statuses(raw) in ([408], [])
        assert elapsed < 75, elapsed


# ------------------------------------------------------ the Lambda path


@pytest.mark.parametrize("path", ["/api/tips", "/api/tips/form"])
@pytest.mark.parametrize("length", ["\u00b2", "\u0663", "-1", "1_000", " "])
def test_lambda_path_odd_content_length_is_400(
    tmp_path: Path, identity: Any, path: str, length: str
) -> None:
    """In Lambda no `vigie serve` sits in front: the intake checks the header itself."""
    from tests.conftest import make_config
    from tests.support.intake_client import intake_client

    cfg = make_config(f"dir:{tmp_path / 's'}", [str(identity.to_public())], tmp_path)
    store = open_store(cfg.intake)
    ctype = (
        "application/octet-stream" if path == "/api/tips" else "application/x-www-form-urlencoded"
    )
    with intake_client(cfg, store) as client:
        answer = client.http.post(
            path, headers={"Content-Type": ctype, "Content-Length": length}, body=b"x"
        )
    assert answer.status_code == 400, answer.body[:200]
    assert tip_keys(store) == []
