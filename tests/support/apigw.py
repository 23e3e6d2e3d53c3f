"""Call the Lambda entry point the way API Gateway does: a REST proxy event, base64 body.

No test client in between: the Chalice app object is called with the event
dict and a context, exactly as the Lambda runtime calls `app.app`.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from vigie.core.config import Config
from vigie.core.intake import Intake
from vigie.core.storage import TipStore


@dataclass
class LambdaAnswer:
    status: int
    headers: dict[str, str]
    body: str
    cpu_seconds: float  # CPU time this thread spent in the handler


class _Context:
    function_name = "vigie-intake"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 28_000


def event(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway sends for a binary media type."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/v1{path}",
            "stage": "v1",
            "requestId": "test",
            "identity": {},
        },
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


def invoke(
    cfg: Config,
    store: TipStore,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    query: dict[str, str] | None = None,
) -> LambdaAnswer:
    from tests.support.intake_client import TEST_SECRET
    from vigie.serve import load_intake_app

    module = load_intake_app()
    module.configure(Intake(config=cfg, store=store, secret=TEST_SECRET, clock=time.time))
    started = time.thread_time()
    result = module.app(event(method, path, headers, body, query), _Context())
    cpu = time.thread_time() - started
    raw = result.get("body") or ""
    if result.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    return LambdaAnswer(int(result["statusCode"]), dict(result.get("headers") or {}), raw, cpu)
