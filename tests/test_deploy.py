"""Deployment as code, checked offline: `chalice package` and the generated template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vigie.lambdapkg import vendor_core

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("chalice-package")


_PACKAGED: dict[str, Any] = {}


@pytest.fixture(params=["dev", "prod"])
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The SAM template of one stage, packaged once per test session (about 10 s each)."""
    stage = request.param
    if stage not in _PACKAGED:
        out = tmp_path_factory.mktemp(f"pkg-{stage}")
        vendor_core()  # the build step `chalice package` needs (vigie.core under vendor/)
        env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-3"}
        subprocess.run(
            [str(Path(sys.executable).parent / "chalice"), "package", "--stage", stage, str(out)],
            cwd=ROOT / "intake_lambda",
            env=env,
            check=True,
            capture_output=True,
        )
        _PACKAGED[stage] = json.loads((out / "sam.json").read_text())
    return _PACKAGED[stage]


def walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_lambda_may_only_put_objects_under_the_vigie_prefix(template: Any) -> None:
    role = template["Resources"]["ApiHandlerRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    s3 = [s for s in statements if any(a.startswith("s3:") for a in s["Action"])]
    assert {a for s in s3 for a in s["Action"]} == {"s3:PutObject", "s3:GetObject"}
    for statement in s3:
        # GetObject is for HEAD only (a replay's existence check, the read-only
        # readiness probe): on tips and the ready marker, never list or delete.
        allowed = (
            ("/vigie/tips/*", "/vigie/intake/*")
            if statement["Action"] == ["s3:PutObject"]
            else ("/vigie/tips/*", "/vigie/intake/ready")
        )
        for resource in statement["Resource"]:
            assert resource.endswith(allowed), resource
    others = {a for s in statements if s not in s3 for a in s["Action"]}
    assert others <= {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    assert all(s["Effect"] == "Allow" and "*" not in s["Action"] for s in statements)


def test_no_access_logging_of_source_ips(template: Any) -> None:
    text = json.dumps(template)
    assert "AccessLogSetting" not in text and "sourceIp" not in text
    for node in walk(template):
        if isinstance(node, dict) and "MethodSettings" in node:
            for setting in node["MethodSettings"]:
                assert setting.get("LoggingLevel", "OFF") == "OFF"
                assert not setting.get("DataTraceEnabled", False)


def test_binary_media_types_and_routes(template: Any) -> None:
    api = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    # Both must reach the Lambda as bytes: API Gateway would mangle them as text.
    assert {"application/octet-stream", "multipart/form-data"} <= set(
        api["x-amazon-apigateway-binary-media-types"]
    )
    assert set(api["paths"]) == {"/api/health", "/api/challenge", "/api/tips", "/api/tips/form"}
    assert "application/octet-stream" in api["paths"]["/api/tips"]["post"]["consumes"]


def test_secret_comes_from_secrets_manager_not_the_repo(template: Any) -> None:
    env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["VIGIE_SECRET"].startswith("{{resolve:secretsmanager:")
    assert env["VIGIE_STORE"].startswith("s3://")


def test_lambda_holds_only_public_keys_and_known_settings(template: Any) -> None:
    """P3: nothing in the function's configuration is a private key."""
    from vigie.core.config import ENV_OVERRIDES

    env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert set(env) <= set(ENV_OVERRIDES) | {"VIGIE_SECRET"}
    assert "AGE-SECRET-KEY" not in json.dumps(template).upper()
    for key in filter(None, env["VIGIE_RECIPIENTS"].split(",")):
        assert key.startswith("age1")


def test_lambda_limits_fit_api_gateway_and_lambda(template: Any) -> None:
    """Binary bodies arrive base64-encoded (x4/3) within Lambda's 6 MB request cap,
    and the function must outlive the S3 client's retries to answer its own 503."""
    props = template["Resources"]["APIHandler"]["Properties"]
    body = int(props["Environment"]["Variables"]["VIGIE_MAX_BODY_BYTES"])
    assert body * 4 / 3 + 64 * 1024 <= 6 * 1024 * 1024
    assert 20 <= props["Timeout"] <= 29  # API Gateway gives up at 29 s
