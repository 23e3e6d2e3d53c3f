"""The edge stack: the AWS WAF web ACL CloudFront uses (it must live in us-east-1).

Rate-based rules per client address, as the flood defence asks, counted by
AWS WAF in memory over the window and never written: sampled requests and
logging are off (both would keep client addresses and headers), metrics
(counts only) are on. A blocked request gets a 429 with a short French JSON
body, which the form retries like a 503. CloudFront sees the real viewer
address (the API behind it only sees CloudFront's), so the ACL sits on the
distribution, not on the API stage.
"""

from __future__ import annotations

import json
from typing import Any

from .target import Target

WEB_ACL_PARAMETER = "WebAclArn"


def _rate_rule(
    name: str, priority: int, limit: int, window: int, scope: dict[str, Any]
) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Action": {
            "Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "slow-down"}}
        },
        "Statement": {
            "RateBasedStatement": {
                "Limit": limit,
                "EvaluationWindowSec": window,
                "AggregateKeyType": "IP",
                "ScopeDownStatement": scope,
            }
        },
        "VisibilityConfig": {
            "SampledRequestsEnabled": False,  # samples keep client addresses and headers
            "CloudWatchMetricsEnabled": True,  # counts only
            "MetricName": name,
        },
    }


def _path_starts(path: str) -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "STARTS_WITH",
            "SearchString": path,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def waf_template(target: Target) -> dict[str, Any]:
    """The edge stack (us-east-1): the web ACL CloudFront uses, and nothing else."""
    dep = target.cfg.deploy
    post = {
        "ByteMatchStatement": {
            "FieldToMatch": {"Method": {}},
            "PositionalConstraint": "EXACTLY",
            "SearchString": "POST",
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    tips_scope = {"AndStatement": {"Statements": [_path_starts("/api/tips"), post]}}
    rules = [
        _rate_rule(
            f"{dep.stack_name}-tips-per-address",
            0,
            dep.waf_tips_limit,
            dep.waf_window_seconds,
            tips_scope,
        ),
        _rate_rule(
            f"{dep.stack_name}-api-per-address",
            1,
            dep.waf_api_limit,
            dep.waf_window_seconds,
            _path_starts("/api/"),
        ),
    ]
    body = json.dumps(
        {
            "error": "rate_limited",
            "message": "Trop d'envois depuis votre connexion : réessayez dans quelques "
            f"minutes. Urgence : appelez le {target.cfg.emergency.police}.",
        },
        ensure_ascii=False,
    )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{dep.stack_name}: AWS WAF web ACL for CloudFront (us-east-1 only)",
        "Resources": {
            "WebAcl": {
                "Type": "AWS::WAFv2::WebACL",
                "Properties": {
                    "Name": f"{dep.stack_name}-edge",
                    "Scope": "CLOUDFRONT",
                    "DefaultAction": {"Allow": {}},
                    "CustomResponseBodies": {
                        "slow-down": {"ContentType": "APPLICATION_JSON", "Content": body}
                    },
                    "Rules": rules,
                    "VisibilityConfig": {
                        "SampledRequestsEnabled": False,
                        "CloudWatchMetricsEnabled": True,
                        "MetricName": f"{dep.stack_name}-edge",
                    },
                },
            }
        },
        "Outputs": {"WebAclArn": {"Value": {"Fn::GetAtt": ["WebAcl", "Arn"]}}},
    }
