"""The intake's part of the stack: what `chalice package` emits, made production-ready.

Chalice's SAM template has the routes, the function and its role; this module
sets what it lacks (see the deployment issue, finding (b)):

- a fixed `FunctionName`, and its log group declared with a short retention
  and `LoggingConfig` at WARN for the platform too, so Lambda's per-request
  START/END/REPORT lines (exact times, durations that grow with the body) are
  dropped, and the function never creates a group of its own;
- the environment from `vigie.toml` (`ENV_OVERRIDES`), with the **ARN** of the
  HMAC secret, never its value: the intake reads it at cold start;
- the role's policy replaced by `iam.intake_policy` (create-only, one secret,
  one log group);
- stage throttling, execution and access logging off, metrics off;
- every method requires the origin key CloudFront adds (`edge`): API
  Gateway answers 403 to anyone calling `execute-api` directly.
"""

from __future__ import annotations

import copy
from typing import Any

from vigie.core.config import ENV_OVERRIDES

from .iam import INTAKE_SECRET, LOG_GROUP, intake_policy
from .target import Target

FUNCTION = "APIHandler"
ROLE = "ApiHandlerRole"
API = "RestAPI"
_KEY_SCHEME = "vigie-origin-key"
ORIGIN_KEY_SECRET = "OriginKeySecret"  # noqa: S105 - a logical id
ORIGIN_KEY_HEADER = "x-api-key"


def origin_key_value() -> dict[str, Any]:
    """The origin key, resolved by CloudFormation (API key and CloudFront header alike)."""
    return {"Fn::Sub": f"{{{{resolve:secretsmanager:${{{ORIGIN_KEY_SECRET}}}:SecretString}}}}"}


def lambda_environment(target: Target) -> dict[str, Any]:
    """Every configurable value the intake reads, from vigie.toml; the secret by ARN only."""
    cfg = target.cfg
    env: dict[str, Any] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        value = getattr(getattr(cfg, section), key)
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        if text:
            env[var] = text
    env["VIGIE_SECRET_ARN"] = {"Ref": INTAKE_SECRET}
    return env


def _require_origin_key(definition: dict[str, Any]) -> None:
    definition["x-amazon-apigateway-api-key-source"] = "HEADER"
    definition.setdefault("securityDefinitions", {})[_KEY_SCHEME] = {
        "type": "apiKey",
        "name": ORIGIN_KEY_HEADER,
        "in": "header",
    }
    for item in definition["paths"].values():
        for method in item.values():
            method["security"] = [{_KEY_SCHEME: []}]


def compose_api(sam: dict[str, Any], target: Target) -> dict[str, Any]:
    """Chalice's template with the intake made production-ready (a new dict)."""
    out = copy.deepcopy(sam)
    dep = target.cfg.deploy
    resources = out["Resources"]
    function = resources[FUNCTION]
    props = function["Properties"]
    props["FunctionName"] = target.function_name
    props["Description"] = "Vigie intake: stores ciphertext only"
    props["Environment"] = {"Variables": lambda_environment(target)}
    props["LoggingConfig"] = {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "WARN",
        "SystemLogLevel": "WARN",
        "LogGroup": {"Ref": LOG_GROUP},
    }
    props["Tracing"] = "Disabled"
    resources[ROLE]["Properties"]["Policies"] = [
        {"PolicyName": "VigieIntake", "PolicyDocument": intake_policy(target)}
    ]
    api = resources[API]["Properties"]
    _require_origin_key(api["DefinitionBody"])
    api["MethodSettings"] = [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": dep.throttle_rate,
            "ThrottlingBurstLimit": dep.throttle_burst,
            "LoggingLevel": "OFF",
            "DataTraceEnabled": False,
            "MetricsEnabled": False,
        }
    ]
    api["TracingEnabled"] = False
    resources.update(
        {
            LOG_GROUP: {
                "Type": "AWS::Logs::LogGroup",
                "DeletionPolicy": "Delete",
                "UpdateReplacePolicy": "Delete",
                "Properties": {
                    "LogGroupName": target.log_group,
                    "RetentionInDays": dep.log_retention_days,
                },
            },
            INTAKE_SECRET: {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Description": f"{dep.stack_name}: the intake's HMAC secret",
                    # 64 characters from 0-9a-f: 32 random bytes in hex, made by
                    # AWS, never seen by the operator (rotation: docs/deploy.md).
                    "GenerateSecretString": {
                        "PasswordLength": 64,
                        "ExcludePunctuation": True,
                        "ExcludeUppercase": True,
                        "ExcludeCharacters": "ghijklmnopqrstuvwxyz",
                    },
                },
            },
            ORIGIN_KEY_SECRET: {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Description": f"{dep.stack_name}: header CloudFront adds for API Gateway",
                    "GenerateSecretString": {"PasswordLength": 40, "ExcludePunctuation": True},
                },
            },
            "OriginKey": {
                "Type": "AWS::ApiGateway::ApiKey",
                "Properties": {
                    "Enabled": True,
                    "Description": "Only CloudFront knows it (x-api-key origin header)",
                    "Value": origin_key_value(),
                },
            },
            "OriginUsagePlan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {
                    "ApiStages": [{"ApiId": {"Ref": API}, "Stage": {"Ref": f"{API}.Stage"}}],
                    "Throttle": {"RateLimit": dep.throttle_rate, "BurstLimit": dep.throttle_burst},
                },
            },
            "OriginUsagePlanKey": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {
                    "KeyId": {"Ref": "OriginKey"},
                    "KeyType": "API_KEY",
                    "UsagePlanId": {"Ref": "OriginUsagePlan"},
                },
            },
        }
    )
    return out
