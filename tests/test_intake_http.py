"""HTTP details of the intake: CORS for the one configured origin, S3 request shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.stub import Stubber

from tests.conftest import make_config
from tests.support.intake_client import intake_client, new_key
from vigie.core.config import IntakeConfig
from vigie.core.storage import DirStore
from vigie.core.storage.s3 import S3Store, make_s3_client

SITE = "https://vigie.example.fr"


def test_same_origin_by_default_sends_no_cors_headers(tmp_path: Path, identity: Any) -> None:
    cfg = make_config(f"dir:{tmp_path}", [str(identity.to_public())], tmp_path)
    with intake_client(cfg, DirStore(tmp_path)) as client:
        response = client.http.get(
            "/api/challenge", headers={"Origin": SITE, "Idempotency-Key": new_key()}
        )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_configured_origin_only(tmp_path: Path, identity: Any) -> None:
    cfg = make_config(f"dir:{tmp_path}", [str(identity.to_public())], tmp_path, cors_origin=SITE)
    with intake_client(cfg, DirStore(tmp_path)) as client:
        good = client.http.get(
            "/api/challenge", headers={"Origin": SITE, "Idempotency-Key": new_key()}
        )
        evil = client.http.get(
            "/api/challenge",
            headers={"Origin": "https://evil.example", "Idempotency-Key": new_key()},
        )
        preflight = client.http.request("OPTIONS", "/api/tips", headers={"Origin": SITE}, body=b"")
        bad_preflight = client.http.request(
            "OPTIONS", "/api/tips", headers={"Origin": "https://evil.example"}, body=b""
        )
    assert good.headers["Access-Control-Allow-Origin"] == SITE
    assert good.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert preflight.status_code == 204
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Methods" not in bad_preflight.headers


def test_aws_writes_are_conditional_and_server_side_encrypted() -> None:
    """On AWS (no custom endpoint) every put asks for SSE-S3 and If-None-Match: *."""
    cfg = IntakeConfig(store="s3://vigie-tips-prod/vigie")
    client = make_s3_client(cfg)
    store = S3Store.from_config(cfg, client=client)
    with Stubber(client) as stub:
        stub.add_response(
            "put_object",
            {"ETag": '"x"'},
            {
                "Bucket": "vigie-tips-prod",
                "Key": "vigie/tips/2026-11-28/VG-AAAA-BBBB-CCCC.age",
                "Body": b"age",
                "IfNoneMatch": "*",
                "ServerSideEncryption": "AES256",
                "Metadata": {"vigie-envelope": "1"},
            },
        )
        stub.add_client_error(
            "put_object", service_error_code="PreconditionFailed", http_status_code=412
        )
        assert store.put_new(
            "tips/2026-11-28/VG-AAAA-BBBB-CCCC.age", b"age", {"vigie-envelope": "1"}
        )
        assert not store.put_new("tips/2026-11-28/VG-AAAA-BBBB-CCCC.age", b"age")
        stub.assert_no_pending_responses()
