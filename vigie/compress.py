"""gzip for `vigie serve`'s text answers, as CloudFront compresses them in production.

Without it a local measurement of the form (Lighthouse, slow-4G loads) sees
286 KB on the wire instead of about 82 KB, and means nothing. Only text types
are compressed (HTML, CSS, JavaScript, JSON, SVG), only above 1 KiB (below,
gzip's header outweighs the gain) and only when the client asks for gzip.
Output is deterministic (no timestamp in the gzip header), and compressed
static files are kept in memory by content, so each is compressed once.

No secret shares a compressed answer with text an attacker chooses (BREACH
needs both): pages are static, and the intake's answers carry only what the
same client sent or a receipt derived from it.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict

MIN_BYTES = 1024
_TEXT_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/plain",
)
_CACHE_ENTRIES = 256


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True if `Accept-Encoding` lists gzip (or else *) without `q=0`.

    An explicit `gzip` entry wins over `*` wherever it stands (RFC 9110 §12.5.3)."""
    allowed: dict[str, bool] = {}
    for item in (accept_encoding or "").split(","):
        name, _, params = item.strip().partition(";")
        q = params.replace(" ", "").lower()
        allowed.setdefault(name.strip().lower(), q not in ("q=0", "q=0.0", "q=0.00", "q=0.000"))
    return allowed.get("gzip", allowed.get("*", False))


class Compressor:
    """Thread-safe gzip with a small in-memory cache keyed by the body's hash."""

    def __init__(self) -> None:
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _gzip(self, body: bytes, cache: bool) -> bytes:
        if not cache:
            return gzip.compress(body, compresslevel=6, mtime=0)
        key = hashlib.sha256(body).digest()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        out = gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > _CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return out

    def apply(
        self,
        headers: dict[str, str],
        body: bytes,
        accept_encoding: str | None,
        cache: bool = False,
    ) -> tuple[dict[str, str], bytes]:
        """(headers, body), gzip-encoded when worth it and accepted.

        `cache` only for the site's static files: an intake answer may hold a
        receipt or the form filled with what a person typed, which must not
        stay in this process's memory after the request."""
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if ctype.split(";")[0].strip().lower() not in _TEXT_TYPES:
            return headers, body
        if any(k.lower() == "content-encoding" for k in headers):
            return headers, body
        out = dict(headers)
        out["Vary"] = "Accept-Encoding"
        if len(body) < MIN_BYTES or not accepts_gzip(accept_encoding):
            return out, body
        out["Content-Encoding"] = "gzip"
        return out, self._gzip(body, cache)
