"""Build the deployment once per test session with `vigie deploy`, and read it back."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vigie.core.config import Config, load_config

# Every value differs from its default, so a test that finds it in the stack
# shows it came from vigie.toml.
CFG_VALUES: dict[str, Any] = {
    # A fixed age public key (the Lambda holds public keys only).
    "recipient": "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    "retention_days": 45,
    "function_name": "vigie-intake-recette",
    "log_retention_days": 5,
    "throttle_rate": 7,
    "throttle_burst": 14,
    "waf_tips_limit": 12,
    "waf_api_limit": 250,
    "waf_window_seconds": 120,
}

PROD_TOML = f"""
[site]
url = "https://signaler.exemple.fr/"
report_url = "https://signaler.exemple.fr/signaler/"

[intake]
store = "s3://vigie-recette-tips/vigie"
max_body_bytes = 4400000

[analysts]
recipients = ["{CFG_VALUES["recipient"]}"]
retention_days = {CFG_VALUES["retention_days"]}

[deploy]
stack_name = "vigie-recette"
domain = "signaler.exemple.fr"
certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978"
site_bucket = "vigie-recette-site"
artifacts_bucket = "vigie-recette-artifacts"
function_name = "{CFG_VALUES["function_name"]}"
log_retention_days = {CFG_VALUES["log_retention_days"]}
throttle_rate = {CFG_VALUES["throttle_rate"]}
throttle_burst = {CFG_VALUES["throttle_burst"]}
waf_tips_limit = {CFG_VALUES["waf_tips_limit"]}
waf_api_limit = {CFG_VALUES["waf_api_limit"]}
waf_window_seconds = {CFG_VALUES["waf_window_seconds"]}
"""


@dataclass(frozen=True)
class Built:
    cfg: Config
    out: Path
    rc: int
    stdout: str
    stderr: str
    main: dict[str, Any]
    edge: dict[str, Any]
    transformed: dict[str, Any]  # `main` after the SAM transform


_BUILT: dict[str, Built] = {}


def build_once(factory: pytest.TempPathFactory) -> Built:
    """Run `vigie --config prod.toml deploy --out DIR` once (about 10 s), never --apply."""
    if "built" not in _BUILT:
        from vigie.cli import main

        base = factory.mktemp("deploy")
        toml = base / "prod.toml"
        toml.write_text(PROD_TOML, encoding="utf-8")
        out = base / "out"
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            rc = main(["--config", str(toml), "deploy", "--out", str(out)])
        _BUILT["built"] = Built(
            cfg=load_config(toml, {}),
            out=out,
            rc=rc,
            stdout=stdout.getvalue(),
            stderr=stderr.getvalue(),
            main=json.loads((out / "stack.json").read_text()) if rc == 0 else {},
            edge=json.loads((out / "edge.json").read_text()) if rc == 0 else {},
            transformed=(
                json.loads((out / "stack.transformed.json").read_text()) if rc == 0 else {}
            ),
        )
    return _BUILT["built"]


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def resources_of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def policy_headers(props: dict[str, Any]) -> dict[str, str]:
    """The headers a CloudFront response-headers policy sends, written as CloudFront writes them."""
    config = props["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    out: dict[str, str] = {}
    if "ContentSecurityPolicy" in security:
        out["Content-Security-Policy"] = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    if "ContentTypeOptions" in security:
        out["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        out["X-Frame-Options"] = security["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in security:
        out["Referrer-Policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        out["Strict-Transport-Security"] = value
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        out[item["Header"]] = item["Value"]
    return out
