"""Bounded floods on loopback: junk without proof-of-work, and a real attacker.

`flood` sends junk without a valid proof-of-work while real tips come in;
`attack` (run as its own process by `run_attacker`) solves every challenge
natively from one network, or from several (source addresses in 127.0.0.0/8).

Used by tests/test_flood.py (asserts correctness only) and bench/flood.py
(prints the rates). Bounded twice: each junk worker stops after its share of
`junk_total` requests or at `max_seconds`, whichever comes first; real
submitters stop after their tips. Loopback only (the URL is a LiveVigie).
"""

from __future__ import annotations

import http.client
import os
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.hardening import submit_with_retries

# Junk a bot can send for free: no proof-of-work, a missing, garbled or
# made-up one, and random bodies of a few sizes.
_JUNK_HEADERS: tuple[dict[str, str], ...] = (
    {},
    {"X-Altcha": "bm9wZQ=="},
    {"X-Altcha": "eyJhbGdvcml0aG0iOiJTSEEtMjU2In0="},
    {"X-Altcha": "A" * 1500},
)
_JUNK_SIZES = (200, 4096, 65_536)


@dataclass
class FloodResult:
    junk_sent: int = 0
    junk_statuses: Counter[int] = field(default_factory=Counter)
    junk_seconds: float = 0.0
    real_receipts: list[dict[str, str]] = field(default_factory=list)
    real_failures: list[list[int]] = field(default_factory=list)
    real_latencies: list[float] = field(default_factory=list)
    real_seconds: float = 0.0

    @property
    def junk_rate(self) -> float:
        """Junk requests answered (all refused) per second."""
        return self.junk_sent / self.junk_seconds if self.junk_seconds else 0.0

    @property
    def real_rate(self) -> float:
        """Real tips acknowledged per second while the flood went on."""
        return len(self.real_receipts) / self.real_seconds if self.real_seconds else 0.0


def _junk_worker(
    url: str, count: int, stop_at: float, result: FloodResult, lock: threading.Lock
) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    bodies = [os.urandom(size) for size in _JUNK_SIZES]
    statuses: Counter[int] = Counter()
    sent = 0
    try:
        while sent < count and time.monotonic() < stop_at:
            headers = {
                "Content-Type": "application/octet-stream",
                "Idempotency-Key": f"junk{sent:012d}x{id(statuses) % 9999:04d}",
                **_JUNK_HEADERS[sent % len(_JUNK_HEADERS)],
            }
            try:
                conn.request("POST", "/api/tips", bodies[sent % len(bodies)], headers)
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                statuses[0] += 1  # connection trouble: counted, never retried
                conn.close()
            sent += 1
    finally:
        conn.close()
        with lock:
            result.junk_sent += sent
            result.junk_statuses.update(statuses)


def _real_worker(
    url: str, bodies: list[bytes], spacing: float, result: FloodResult, lock: threading.Lock
) -> None:
    for n, body in enumerate(bodies):
        if n:
            time.sleep(spacing)  # spread over the flood, like people arriving
        start = time.monotonic()
        try:
            _, statuses, answer = submit_with_retries(url, body, attempts=5, pause=0.2)
        except Exception:  # e.g. the challenge itself failed: a failure, not a crash
            statuses, answer = [-1], None
        elapsed = time.monotonic() - start
        with lock:
            if answer:
                result.real_receipts.append(answer)
                result.real_latencies.append(elapsed)
            else:
                result.real_failures.append(statuses)


def flood(
    url: str,
    real_bodies: list[bytes],
    *,
    junk_total: int,
    max_seconds: float,
    junk_workers: int = 8,
    real_workers: int = 2,
    real_spacing: float = 0.2,
) -> FloodResult:
    """Run junk and real submissions at once; return what happened (no assertion)."""
    result = FloodResult()
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + max_seconds
    junk = [
        threading.Thread(
            target=_junk_worker,
            args=(url, junk_total // junk_workers, stop_at, result, lock),
            daemon=True,
        )
        for _ in range(junk_workers)
    ]
    shares = [real_bodies[i::real_workers] for i in range(real_workers)]
    real = [
        threading.Thread(
            target=_real_worker, args=(url, share, real_spacing, result, lock), daemon=True
        )
        for share in shares
    ]
    for thread in junk:
        thread.start()
    time.sleep(0.2)  # the flood is on before the first real tip
    real_start = time.monotonic()
    for thread in real:
        thread.start()
    for thread in real:
        thread.join(timeout=max_seconds + 60)
    result.real_seconds = time.monotonic() - real_start
    for thread in junk:
        thread.join(timeout=max_seconds + 60)
    result.junk_seconds = time.monotonic() - start
    return result


def quiet_rate(url: str, bodies: list[bytes]) -> float:
    """Real tips per second with no flood (the baseline for the real-tip rate)."""
    start = time.monotonic()
    done = sum(1 for body in bodies if submit_with_retries(url, body, attempts=3)[2])
    return done / (time.monotonic() - start)


def noop_rate(url: str, count: int, workers: int = 8) -> float:
    """Requests per second for the cheapest route (CORS preflight: no store, no crypto).

    The baseline for the junk rate: the same server, the same connections.
    """
    parts = urlsplit(url)
    done = [0]
    lock = threading.Lock()

    def work() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        n = 0
        try:
            for _ in range(count // workers):
                conn.request("OPTIONS", "/api/tips")
                conn.getresponse().read()
                n += 1
        finally:
            conn.close()
            with lock:
                done[0] += n

    threads = [threading.Thread(target=work) for _ in range(workers)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - start)


# ---------------------------------------------------------------- a real attacker
# One process, one network (its source addresses), solving every challenge
# natively (scrypt from the altcha library's KDF, as a script would). It follows
# `pow_harder` like the browser does; everything else refused is counted and the
# loop goes on at full speed, bounded by `seconds`.


@dataclass
class AttackResult:
    sent: int = 0
    accepted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def _exchange(
    conn: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    conn.request(method, path, body, headers)
    response = conn.getresponse()
    data = response.read()
    if response.will_close:
        conn.close()
    return response.status, data


def attack(
    url: str, sources: list[str], seconds: float, body: bytes, form: bool = False
) -> AttackResult:
    """Flood `url` from `sources` (127.x addresses, one connection each, in turn)."""
    import json
    import secrets

    from vigie.core.pow import solve

    parts = urlsplit(url)
    conns = [
        http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30, source_address=(src, 0)
        )
        for src in sources
    ]
    result = AttackResult()
    start = time.monotonic()
    n = 0
    try:
        while time.monotonic() - start < seconds:
            conn = conns[n % len(conns)]
            n += 1
            try:
                if form:
                    status, data = _exchange(
                        conn, "POST", "/api/tips/form", body,
                        {"Content-Type": "application/x-www-form-urlencoded"},
                    )  # fmt: skip
                    code = "" if status == 201 else _code(data, status)
                else:
                    key = secrets.token_urlsafe(18)
                    status, data = _exchange(
                        conn, "GET", "/api/challenge", b"", {"Idempotency-Key": key}
                    )
                    challenge = json.loads(data)
                    payload = solve(challenge)
                    headers = {"Content-Type": "application/octet-stream", "Idempotency-Key": key}
                    for _ in range(16):  # follow pow_harder, as the browser does
                        status, data = _exchange(
                            conn, "POST", "/api/tips", body, {**headers, "X-Altcha": payload}
                        )
                        code = "" if status in (200, 201) else _code(data, status)
                        if code != "pow_harder" or time.monotonic() - start > seconds:
                            break
                        payload = solve(challenge, bits=int(json.loads(data)["bits"]))
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                status, code = 0, "connection"
            result.sent += 1
            result.accepted += status == 201
            result.statuses[f"{status} {code}".strip()] += 1
    finally:
        for conn in conns:
            conn.close()
    result.seconds = time.monotonic() - start
    return result


def _code(data: bytes, status: int) -> str:
    import json

    try:
        return str(json.loads(data).get("error", ""))
    except ValueError:
        return "html" if status == 429 else ""


def run_attacker(
    url: str, sources: list[str], seconds: float, body: bytes, form: bool = False
) -> subprocess.Popen[bytes]:
    """Start the attacker as its own process (its own CPU, like a separate machine)."""
    import base64
    import sys

    code = (
        "import base64, json, sys\n"
        "from tests.support.flood import attack\n"
        "r = attack(sys.argv[1], sys.argv[2].split(','), float(sys.argv[3]),"
        " base64.b64decode(sys.argv[4]), sys.argv[5] == 'form')\n"
        "print(json.dumps({'sent': r.sent, 'accepted': r.accepted,"
        " 'statuses': dict(r.statuses), 'seconds': r.seconds}))\n"
    )
    args = [url, ",".join(sources), str(seconds), base64.b64encode(body).decode()]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args, "form" if form else "js"],
        stdout=subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parents[2]),
    )


def attacker_result(proc: subprocess.Popen[bytes], timeout: float) -> AttackResult:
    import json

    out, _ = proc.communicate(timeout=timeout)
    data = json.loads(out.decode().strip().splitlines()[-1])
    return AttackResult(data["sent"], data["accepted"], Counter(data["statuses"]), data["seconds"])
