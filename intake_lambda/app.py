"""Vigie intake: the Chalice routes, and nothing else (logic in vigie.core.intake).

Privacy: no route reads the client address, user agent or referrer, and
nothing here logs requests. API Gateway access and execution logging stay
off, and the HMAC secret is read from Secrets Manager at the first request
(the stack `vigie deploy` generates: vigie/deploy/, docs/deploy.md).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from chalice.app import Chalice, Response

from vigie.core.formrefusal import FORM_PATH
from vigie.core.http import JSON_CSP, SECURITY_HEADERS, ApiError, Request
from vigie.core.http import Response as VigieResponse


class _ThreadSafeChalice(Chalice):
    """Chalice keeps "the current request" in one attribute of the app object.

    Lambda runs one request at a time per instance, but `vigie serve` runs the
    same app on many threads: two reporters submitting at once could each be
    answered from the other's request (a receipt for a tip that was never
    stored). Each thread gets its own current request.
    """

    _local = threading.local()

    @property
    def current_request(self) -> Any:
        return getattr(self._local, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._local.request = value


app = _ThreadSafeChalice(app_name="vigie-intake")
app.debug = False  # never a traceback in a response
# Bodies API Gateway must hand over as bytes (base64), not as UTF-8 text:
# the encrypted tip, and the no-JS form whose photos are binary.
app.api.binary_types = ["application/octet-stream", "multipart/form-data"]

_state: dict[str, Any] = {}


def configure(intake: Any) -> None:
    """Install a ready Intake (used by `vigie serve` and the tests)."""
    _state["intake"] = intake


def _intake() -> Any:
    # Built on first use, not at import: the environment is read at the edge.
    if "intake" not in _state:
        from vigie.core.config import ConfigError, load_config
        from vigie.core.runtime import build_intake

        try:
            # Once per cold start; the HMAC secret is read from Secrets Manager here.
            _state["intake"] = build_intake(load_config(None, os.environ), os.environ)
        except ConfigError as exc:
            # Not cached: the next request tries again (a Secrets Manager blip).
            # Logged by type at ERROR (kept at the WARN log level), nothing else.
            logging.getLogger("vigie").error("intake not ready (%s)", type(exc).__name__)
            raise ApiError(
                503, "unavailable", "Service momentanément indisponible : réessayez.", 5
            ) from None
    return _state["intake"]


def _request() -> Request:
    req = app.current_request
    assert req is not None
    # Only what the intake needs: no source IP, no identity context.
    return Request(
        method=req.method,
        path=req.path,
        headers={k.lower(): v for k, v in req.headers.items()},
        query=dict(req.query_params or {}),
        body=_raw_body(req) if req.method == "POST" else b"",
    )


def _raw_body(req: Any) -> bytes:
    raw = req.raw_body
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)


def _headers(headers: dict[str, str]) -> dict[str, str | list[str]]:
    return dict(headers)


def _to_chalice(result: VigieResponse) -> Response:
    # Vigie answers only text (JSON or HTML), never binary.
    return Response(
        body=result.body.decode("utf-8"),
        status_code=result.status,
        headers=_headers(result.headers),
    )


def _answer(handler: str) -> Response:
    request = _request()
    try:
        result: VigieResponse = getattr(_intake(), handler)(request)
    except ApiError as exc:
        if request.path == FORM_PATH:  # the intake not ready: still a page, never JSON
            result = _form_page(exc, request.query)
        else:
            # In the language the form sent (default French); see vigie.core.messages.
            result = _state["intake"].refuse(exc, request) if "intake" in _state else exc.to_json()
    return _to_chalice(result)


def _form_page(error: ApiError, query: Mapping[str, str]) -> VigieResponse:
    """A refusal on the no-JS form path without its body: an HTML page in the
    language of the form's `?lang=` (vigie.core.formrefusal), never JSON."""
    from vigie.core.config import Config
    from vigie.core.formrefusal import form_refusal, query_lang

    config = _state["intake"].config if "intake" in _state else Config()
    return form_refusal(config, error, query_lang(query), None)


@app.middleware("http")
def security_headers(event: Any, get_response: Any) -> Any:
    """Security and CORS headers on every answer, Chalice's own 405/415 included."""
    response = get_response(event)
    on_form = getattr(event, "path", None) == FORM_PATH
    error: ApiError | None = None
    if response.status_code in (405, 415) and "Code" in str(response.body):
        error = (
            ApiError(415, "unsupported_media_type", "Type de contenu non pris en charge.")
            if response.status_code == 415
            else ApiError(405, "method_not_allowed", "Méthode non autorisée.")
        )
    elif on_form and not str(response.headers.get("Content-Type", "")).startswith("text/html"):
        # Any other answer of Chalice's own on the form path (a 500 for a bug...).
        error = (
            ApiError(response.status_code, "internal_error", "Erreur interne : réessayez.")
            if response.status_code >= 500
            else ApiError(response.status_code, "bad_request", "Requête HTTP invalide.")
        )
    if error is not None:
        query = dict(getattr(event, "query_params", None) or {})
        response = _to_chalice(_form_page(error, query) if on_form else error.to_json())
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", JSON_CSP)
    origin = _state["intake"].config.intake.cors_origin if "intake" in _state else ""
    if origin and event.headers.get("origin") == origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@app.route("/api/health", methods=["GET"])
def health() -> Response:
    return _answer("health")


@app.route("/api/challenge", methods=["GET"])
def challenge() -> Response:
    return _answer("challenge")


@app.route("/api/tips", methods=["POST"], content_types=["application/octet-stream", "text/plain"])
def tips() -> Response:
    return _answer("submit_tip")


@app.route(
    "/api/tips/form",
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded", "multipart/form-data"],
)
def tips_form() -> Response:
    return _answer("submit_form")


@app.route("/api/replies", methods=["POST"], content_types=["application/json", "text/plain"])
def replies() -> Response:
    """A follow-up thread's ciphertext (mailbox id in the body, never the URL)."""
    return _answer("read_replies")


@app.route("/api/replies", methods=["OPTIONS"])
def replies_preflight() -> Response:
    return _preflight("POST", "Content-Type, Idempotency-Key, X-Altcha")


def _preflight(methods: str, allow_headers: str) -> Response:
    """CORS preflight, answered only for the one configured site origin."""
    headers: dict[str, str | list[str]] = {"Access-Control-Max-Age": "600"}
    cfg = _intake().config.intake
    req = app.current_request
    if cfg.cors_origin and req is not None and req.headers.get("origin") == cfg.cors_origin:
        headers.update(
            {"Access-Control-Allow-Methods": methods, "Access-Control-Allow-Headers": allow_headers}
        )
    return Response(body="", status_code=204, headers=headers)


@app.route("/api/tips", methods=["OPTIONS"])
def tips_preflight() -> Response:
    return _preflight("POST", "Content-Type, Idempotency-Key, X-Altcha, X-Vigie-Lang")


@app.route("/api/challenge", methods=["OPTIONS"])
def challenge_preflight() -> Response:
    # The idempotency key travels in a header (never in the URL): a custom header.
    return _preflight("GET", "Idempotency-Key")
