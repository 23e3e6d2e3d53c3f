"""Per-network caps for `vigie serve`: counted in memory under a keyed hash, never written.

A flood from one script comes from one network; real reporters (about 16 a
month) almost never share one. So `vigie serve` counts, per client network
(IPv4 /24, IPv6 /64 by default), the tips it accepted and the submissions it
received over a sliding window of minutes, and refuses with 429 beyond
`[intake] network_cap` / `network_cap_requests`.

Privacy (SECURITY.md P4): the address itself is never kept. Only an HMAC of
the network prefix under a random secret that lives in this process's memory
and is replaced at least daily is used as a dictionary key; entries vanish when
their window has passed; nothing here logs, stores or answers with an address,
a prefix or a tag. Without the in-memory secret a tag cannot be tested against
any address, and a restart or a rotation forgets everything.

Behind a reverse proxy every request comes from the proxy: the client address
is then read from the last `X-Forwarded-For` entry, but only when the TCP peer
is one of `[intake] trusted_proxies` (a header any client can send is never
believed). For an onion service every client shares one address: set
`network_cap = 0` and `network_cap_requests = 0` to turn the caps off.

In production the Lambda never sees an address: the same rule runs as an AWS
WAF rate-based rule (`[deploy] waf_tips_limit`, see docs/hardening.md).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vigie.core.config import IntakeConfig

#: Submission routes the caps apply to (the JS and no-JS paths share one count).
CAPPED_PATHS = ("/api/tips", "/api/tips/form")
ROTATE_SECONDS = 24 * 3600
_MAX_NETWORKS = 200_000  # memory bound: ~100 bytes each; beyond it, the oldest go first


@dataclass
class _Count:
    requests: deque[float] = field(default_factory=deque)
    accepted: deque[float] = field(default_factory=deque)
    pending: int = 0


@dataclass(frozen=True)
class Ticket:
    """What `settle` needs; the tag is opaque and never leaves this module's caller."""

    tag: bytes


class Refused(Exception):
    """Over a cap. Carries no detail about the client: only which cap and when to retry."""

    def __init__(self, code: str, retry_after: int) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


class NetworkCap:
    """Sliding-window counters per network, keyed by HMAC(rotating secret, prefix)."""

    def __init__(self, cfg: IntakeConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.accepted_limit = cfg.network_cap
        self.request_limit = cfg.network_cap_requests
        self.window = float(cfg.network_cap_window_seconds)
        self.v4 = cfg.network_cap_ipv4_prefix
        self.v6 = cfg.network_cap_ipv6_prefix
        self.proxies = frozenset(cfg.trusted_proxies)
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[bytes, _Count] = {}
        self._secret = secrets.token_bytes(32)
        self._rotated = clock()

    @property
    def enabled(self) -> bool:
        return bool(self.accepted_limit or self.request_limit)

    def client_address(self, peer: str, headers: Mapping[str, str]) -> str:
        """The peer, or the proxy-appended client address when the peer is trusted."""
        if peer in self.proxies:
            forwarded = headers.get("X-Forwarded-For") or headers.get("x-forwarded-for") or ""
            last = forwarded.rsplit(",", 1)[-1].strip()
            if last:
                return last
        return peer

    def _tag(self, address: str) -> bytes:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            ip = None
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip is None:
            packed = b"?"  # unparsable (a proxy bug): all such clients share one counter
        else:
            prefix = self.v4 if ip.version == 4 else self.v6
            net = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
            packed = net.network_address.packed + bytes([prefix])
        return hmac.new(self._secret, packed, hashlib.sha256).digest()[:16]

    def _rotate(self, now: float) -> None:
        # A new secret makes old tags meaningless: forget them (at most one extra
        # window of allowance per network per day).
        if now - self._rotated >= ROTATE_SECONDS:
            self._secret = secrets.token_bytes(32)
            self._counts.clear()
            self._rotated = now

    def _prune(self, count: _Count, now: float) -> None:
        for times in (count.requests, count.accepted):
            while times and times[0] <= now - self.window:
                times.popleft()

    def reserve(self, address: str) -> Ticket:
        """Count one submission from `address`; raise Refused when over a cap."""
        now = self.clock()
        with self._lock:
            self._rotate(now)
            tag = self._tag(address)
            count = self._counts.pop(tag, None) or _Count()
            self._counts[tag] = count  # re-inserted: the dict stays in last-use order
            self._prune(count, now)
            if len(self._counts) > _MAX_NETWORKS:
                self._counts.pop(next(iter(self._counts)))
            if self.request_limit and len(count.requests) >= self.request_limit:
                raise Refused("network_cap", self._retry(count.requests, now))
            accepted = len(count.accepted) + count.pending
            if self.accepted_limit and accepted >= self.accepted_limit:
                raise Refused("network_cap", self._retry(count.accepted, now))
            count.requests.append(now)
            count.pending += 1
            return Ticket(tag)

    def settle(self, ticket: Ticket, accepted: bool) -> None:
        """The answer is known: a newly stored tip counts against the network."""
        now = self.clock()
        with self._lock:
            count = self._counts.get(ticket.tag)
            if count is None:  # rotated meanwhile
                return
            count.pending = max(0, count.pending - 1)
            if accepted:
                count.accepted.append(now)
            elif not count.requests and not count.accepted and not count.pending:
                self._counts.pop(ticket.tag, None)

    def _retry(self, times: deque[float], now: float) -> int:
        oldest = times[0] if times else now
        return max(1, int(oldest + self.window - now) + 1)

    def tracked(self) -> int:
        """How many networks are counted right now (for tests; no tag ever leaves)."""
        with self._lock:
            return len(self._counts)
