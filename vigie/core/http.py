"""Framework-free HTTP types for the intake: request, response, API errors, headers.

`app.py` turns Chalice's request into `Request` and `Response` back into
Chalice's; everything in between is plain Python that tests can call directly.
Privacy: `Request` deliberately has no field for the client address, and the
header mapping is only read for the few headers the intake needs.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .quickexit import SCRIPT_HASH as QUICK_EXIT_SCRIPT_HASH

# The one owner of Vigie's security headers: `vigie serve` (pages and API), the
# Lambda's answers and CloudFront's response-headers policies (vigie.deploy.edge)
# are all built from these two mappings, and tests compare them.
# HSTS: two years, subdomains too, and `preload` (consent to the browsers'
# preload list, which is what protects the scheme-less address printed on
# posters from SSL stripping; see docs/deploy.md). Browsers ignore it over
# plain HTTP, so `vigie serve` on loopback may send it.
HSTS_MAX_AGE = 63_072_000
BASE_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE}; includeSubDomains; preload",
}
# Sent on every intake answer. `no-store`: a tip receipt must not linger in a
# cache on a shared phone; `no-referrer`: nothing about Vigie leaks to other sites.
SECURITY_HEADERS = {"Cache-Control": "no-store", **BASE_SECURITY_HEADERS}
# HTML from the intake (the no-JS form's answer) needs only its inline style and
# the quick exit's one inline script, allowed by its hash (vigie.core.quickexit).
HTML_CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src {QUICK_EXIT_SCRIPT_HASH}; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    @classmethod
    def json(cls, status: int, payload: Mapping[str, Any], **headers: str) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        hdrs = {
            **SECURITY_HEADERS,
            "Content-Type": "application/json; charset=utf-8",
            "Content-Security-Policy": JSON_CSP,
        }
        hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
        return cls(status, body, hdrs)

    @classmethod
    def html(cls, status: int, page: str, **headers: str) -> Response:
        hdrs = {
            **SECURITY_HEADERS,
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": HTML_CSP,
        }
        hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
        return cls(status, page.encode("utf-8"), hdrs)


class ApiError(Exception):
    """A refusal with a status, a stable machine code and a French message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        # Extra machine-readable fields of the JSON answer (e.g. `bits` for pow_harder).
        self.details = dict(details or {})

    def to_json(self) -> Response:
        extra = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
        payload = {**self.details, "error": self.code, "message": self.message}
        return Response.json(self.status, payload, **extra)


def escape(text: str) -> str:
    return html.escape(text, quote=True)
