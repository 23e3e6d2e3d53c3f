"""The Lambda reads its HMAC secret from Secrets Manager once per cold start, never at import.

The intake runs in a child process as Lambda would run it (`app.app(event,
context)` with API Gateway events, configured only by environment variables,
no VIGIE_SECRET), with the real boto3 client sent to a Secrets Manager
stand-in on loopback (`AWS_ENDPOINT_URL_SECRETS_MANAGER`), which counts the
calls and answers as the service does (JSON 1.1 protocol).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.deploy import CFG_VALUES, build_once
from vigie.core.pow import ProofOfWork, solve

pytestmark = pytest.mark.xdist_group("chalice-package")  # shares the packaged build
ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:vigie-intake-AbCdEf"

CHILD = r"""
import json, os, sys, urllib.request

def calls():
    return int(urllib.request.urlopen(os.environ["COUNT_URL"]).read())

if os.environ.get("LAMBDA_TASK_ROOT"):  # the zip `vigie deploy` built, as Lambda runs it
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    import app
    import vigie
    assert vigie.__file__.startswith(os.environ["LAMBDA_TASK_ROOT"]), vigie.__file__
else:
    from vigie.resources import load_intake_app
    app = load_intake_app()
report = {"after_import": calls(), "answers": []}
for n in range(3):
    key = f"idempotency-key-{n:04d}"
    event = {
        "resource": "/api/challenge", "path": "/api/challenge", "httpMethod": "GET",
        "headers": {"Host": "example", "Idempotency-Key": key},
        "multiValueHeaders": {"Host": ["example"], "Idempotency-Key": [key]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/api/challenge", "httpMethod": "GET", "stage": "v1",
                           "path": "/v1/api/challenge", "requestId": f"r{n}"},
    }
    answer = app.app(event, None)
    report["answers"].append({"status": answer["statusCode"], "body": answer["body"]})
    report.setdefault("calls", []).append(calls())
print(json.dumps(report))
"""


class _SecretsManager(BaseHTTPRequestHandler):
    secret = ""
    fail = False
    calls = 0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # the test's own counter
        self._send(200, str(type(self).calls).encode(), "text/plain")

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.headers["X-Amz-Target"] == "secretsmanager.GetSecretValue"
        type(self).calls += 1
        if type(self).fail:
            body = {"__type": "ResourceNotFoundException", "message": "not found"}
            self._send(400, json.dumps(body).encode(), "application/x-amz-json-1.1")
            return
        found: dict[str, Any] = {
            "ARN": request["SecretId"],
            "Name": "vigie-intake",
            "VersionId": "v1",
            "SecretString": type(self).secret,
            "VersionStages": ["AWSCURRENT"],
        }
        self._send(200, json.dumps(found).encode(), "application/x-amz-json-1.1")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def secrets_manager() -> Iterator[tuple[type[_SecretsManager], str]]:
    handler = type("Handler", (_SecretsManager,), {"secret": secrets.token_hex(32), "calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run_lambda(url: str, store: Path, task_root: Path | None = None) -> dict[str, Any]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(store),
        "VIGIE_STORE": f"dir:{store}",
        "VIGIE_RECIPIENTS": CFG_VALUES["recipient"],
        "VIGIE_SECRET_ARN": ARN,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": url,
        "COUNT_URL": url + "/count",
        # Placeholders: the stand-in does not check signatures.
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example-only",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if task_root is not None:
        env["LAMBDA_TASK_ROOT"] = str(task_root)
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, cwd=store, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    report["stderr"] = done.stderr
    return report


@pytest.mark.parametrize("packaged", [False, True], ids=["source", "deployment-zip"])
def test_lambda_reads_the_secret_once_per_cold_start_and_never_at_import(
    secrets_manager: tuple[type[_SecretsManager], str],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    packaged: bool,
) -> None:
    """Also from the zip `vigie deploy` built (its vendored vigie.core, not the checkout)."""
    handler, url = secrets_manager
    task_root = None
    if packaged:
        built = build_once(tmp_path_factory)
        task_root = tmp_path / "task"
        with zipfile.ZipFile(built.out / "deployment.zip") as package:
            package.extractall(task_root)
    store = tmp_path / "store"
    store.mkdir()
    report = _run_lambda(url, store, task_root)
    assert report["after_import"] == 0  # nothing at import time
    assert [a["status"] for a in report["answers"]] == [200, 200, 200]
    assert report["calls"] == [1, 1, 1]  # once, on the first request only
    # The challenges are signed with the secret Secrets Manager holds: a solution
    # to each passes the signature check of an intake built on that secret.
    altcha = hmac.new(bytes.fromhex(handler.secret), b"vigie/altcha", hashlib.sha256).digest()
    for n, answer in enumerate(report["answers"]):
        challenge = json.loads(answer["body"])
        params = challenge["parameters"]
        checker = ProofOfWork(
            hmac_key=altcha, cost=params["cost"], bits=params["data"]["b"],
            expires_seconds=600, clock=time.time,
        )  # fmt: skip
        checker.check_signed(solve(challenge), f"idempotency-key-{n:04d}")
    assert handler.secret not in report["stderr"]


def test_an_unreadable_secret_is_a_503_retried_on_the_next_request(
    secrets_manager: tuple[type[_SecretsManager], str], tmp_path: Path
) -> None:
    handler, url = secrets_manager
    handler.fail = True
    report = _run_lambda(url, tmp_path)
    assert [a["status"] for a in report["answers"]] == [503, 503, 503]
    assert json.loads(report["answers"][0]["body"])["error"] == "unavailable"
    assert report["calls"][-1] > report["calls"][0]  # not cached: tried again
    assert "Traceback" not in report["stderr"]
