"""Helpers shared by the hardening suites (adversarial, faults, flood) and bench/flood.py.

Everything talks to a real `vigie serve` (`LiveVigie`) over loopback HTTP, the
way a browser or an attacker would: no test client, no mocks. The store is
then inspected directly to prove what was (and was not) written.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.intake_client import new_key, solve
from vigie.core import envelope, layout
from vigie.core.storage import TipStore
from vigie.inbox.reader import open_sealed

SAMPLE_TIP = envelope.Tip(
    category="spot",
    description="Deux guetteurs au pied de l'immeuble, vente le soir entre 19 h et 23 h.",
    place="Planoise, Besançon",
)


def tiny_site(root: Path) -> Path:
    """A two-page site: the suites test the intake, not the site."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text("<!doctype html><title>Vigie</title><p>ok</p>")
    (root / "404.html").write_text("<!doctype html><title>404</title><p>introuvable</p>")
    return root


def tip_keys(store: TipStore) -> list[str]:
    """Keys of stored tips (the intake's own `intake/` markers are ignored)."""
    return sorted(o.key for o in store.list(layout.TIPS) if o.key.endswith(".age"))


def open_all(store: TipStore, identity: Any) -> list[envelope.Tip]:
    """Decrypt and parse every stored tip: a partial or foreign object fails here."""
    return [envelope.parse_tip(open_sealed(store.get(key), [identity])) for key in tip_keys(store)]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One HTTP request on a fresh connection (http.client: no retries, no magic)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def healthy(url: str) -> bool:
    try:
        return request(url, "GET", "/api/health", timeout=15).status == 200
    except OSError:
        return False


def solved_headers(url: str, key: str) -> dict[str, str]:
    """Fetch a challenge for `key` and solve it, as the browser's worker does."""
    challenge = request(url, "GET", "/api/challenge", headers={"Idempotency-Key": key}).json()
    return {
        "Content-Type": "application/octet-stream",
        "Idempotency-Key": key,
        "X-Altcha": solve(challenge),
    }


def post_tip(
    url: str, body: bytes, key: str | None = None, timeout: float = 30.0
) -> tuple[str, Answer]:
    """Submit one encrypted tip through the real HTTP server; return (key, answer)."""
    key = key or new_key()
    headers = solved_headers(url, key)
    return key, request(url, "POST", "/api/tips", body, headers, timeout=timeout)


def submit_with_retries(
    url: str, body: bytes, attempts: int = 8, pause: float = 0.05
) -> tuple[str, list[int], dict[str, str] | None]:
    """A well-behaved client: retry 503s and dropped connections with the SAME key.

    Returns (key, statuses seen, the receipt answer or None). The proof-of-work
    is solved once; a retry reuses it, since it is bound to the key, not to the
    attempt. Status 0 stands for a dropped connection.
    """
    key = new_key()
    seen: list[int] = []
    headers: dict[str, str] | None = None
    for _ in range(attempts):
        try:
            headers = headers or solved_headers(url, key)
            answer = request(url, "POST", "/api/tips", body, headers, timeout=30)
        except (OSError, http.client.HTTPException):
            seen.append(0)  # unknown outcome: retrying with the same key is safe
            time.sleep(pause)
            continue
        seen.append(answer.status)
        if answer.status in (200, 201):
            return key, seen, dict(answer.json())
        if answer.status != 503:
            return key, seen, None
        assert answer.headers.get("retry-after"), "a 503 must say when to retry"
        time.sleep(pause)
    return key, seen, None


def raw_exchange(
    port: int,
    chunks: Sequence[bytes],
    *,
    pause: float = 0.0,
    half_close: bool = True,
    timeout: float = 15.0,
) -> bytes:
    """Send raw bytes on one connection, then read whatever comes back until close.

    For requests no HTTP library would send: lying lengths, NUL bytes, garbage.
    The server may answer and close before everything is sent: that is fine.
    """
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break
            if pause:
                time.sleep(pause)
        if half_close:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            while block := sock.recv(1 << 16):
                data += block
    return data


def statuses(raw: bytes) -> list[int]:
    """Status codes of every response in a raw exchange (pipelined answers included)."""
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


def raw_request(
    method: str, path: str, headers: Mapping[str, str | int], body: bytes = b""
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


@contextlib.contextmanager
def in_process_serve(tmp_path: Path, identity: Any) -> Iterator[tuple[Any, TipStore]]:
    """`vigie serve`'s real server code on a real socket, in this process, on a dir:
    store (so a test can hold its form slots); yields (server, store)."""
    import threading

    from tests.conftest import make_config
    from tests.support.intake_client import TEST_SECRET
    from vigie.core.intake import Intake
    from vigie.core.storage import DirStore
    from vigie.serve import load_intake_app, make_server

    cfg = make_config(f"dir:{tmp_path / 's'}", [str(identity.to_public())], tmp_path)
    store = DirStore(tmp_path / "s")
    module = load_intake_app()
    module.configure(Intake(config=cfg, store=store, secret=TEST_SECRET, clock=time.time))
    server = make_server(module.app, tiny_site(tmp_path / "site"), "127.0.0.1", 0, cfg, {})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, store
    finally:
        server.shutdown()
        server.server_close()
