"""The edge stack: the AWS WAF web ACL CloudFront uses (it must live in us-east-1).

Rate-based rules per client address, as the flood defence asks, counted by
AWS WAF in memory over the window and never written: sampled requests and
logging are off (both would keep client addresses and headers), metrics
(counts only) are on. A blocked request gets a 429 with a short French JSON
body, which the form retries like a 503, except on the no-JS form path: a
person is looking at that answer in a browser, so it gets an HTML page in the
three languages (vigie.core.pages.edge_page), and so does a form post too big
for Lambda to receive at all (a 413 decided on Content-Length, before the
body travels further; a post between the intake's limit and Lambda's comes
back from the intake with the form filled again). CloudFront sees the real viewer
address (the API behind it only sees CloudFront's), so the ACL sits on the
distribution, not on the API stage.
"""

from __future__ import annotations

import json
from typing import Any

from vigie.core.config import EmergencyConfig
from vigie.core.formrefusal import FORM_PATH
from vigie.core.http import BASE_SECURITY_HEADERS, HTML_CSP, ApiError
from vigie.core.intake import too_large
from vigie.core.pages import edge_page

from .target import LAMBDA_REQUEST_CAP, Target

WEB_ACL_PARAMETER = "WebAclArn"
RATE_LIMITED = (
    "Beaucoup d'envois arrivent de votre connexion : réessayez dans quelques minutes, ou "
    "depuis une autre connexion (données mobiles, autre Wi-Fi). En cas d'urgence, appelez "
    "le {police}."
)


#: The largest body Lambda can be handed: API Gateway base64-encodes it (4/3),
#: with room for the event around it (as vigie.deploy.target checks the limit).
LAMBDA_BODY_CAP = (LAMBDA_REQUEST_CAP - 64 * 1024) * 3 // 4
#: Headers of the edge's HTML pages: what the intake's own HTML answers carry.
_PAGE_HEADERS = [
    {"Name": name, "Value": value}
    for name, value in {
        "Cache-Control": "no-store",
        "Content-Security-Policy": HTML_CSP,
        **BASE_SECURITY_HEADERS,
    }.items()
]


def greater_than(n: int) -> str:
    """An anchored regex matching exactly the decimal numbers above `n` (leading zeros too).

    AWS WAF compares header values as text; this is how "Content-Length > n" is
    said to it (tests check it against every boundary)."""
    digits = str(n)
    longer = f"[1-9][0-9]{{{len(digits)},}}"
    same = []
    for i, d in enumerate(digits):
        if d == "9":
            continue
        rest = len(digits) - i - 1
        higher = str(int(d) + 1) if d == "8" else f"[{int(d) + 1}-9]"
        same.append(digits[:i] + higher + (f"[0-9]{{{rest}}}" if rest else ""))
    return "^0*(" + "|".join([longer, *same]) + ")$"


def _block(status: int, body_key: str, html: bool) -> dict[str, Any]:
    custom: dict[str, Any] = {"ResponseCode": status, "CustomResponseBodyKey": body_key}
    if html:
        custom["ResponseHeaders"] = _PAGE_HEADERS
    return {"Block": {"CustomResponse": custom}}


def _visibility(name: str) -> dict[str, Any]:
    return {
        "SampledRequestsEnabled": False,  # samples keep client addresses and headers
        "CloudWatchMetricsEnabled": True,  # counts only
        "MetricName": name,
    }


def _rate_rule(
    name: str,
    priority: int,
    limit: int,
    window: int,
    scope: dict[str, Any],
    html: bool = False,
) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Action": _block(429, PAGE_KEYS["rate_limited"] if html else "slow-down", html),
        "Statement": {
            "RateBasedStatement": {
                "Limit": limit,
                "EvaluationWindowSec": window,
                "AggregateKeyType": "IP",
                "ScopeDownStatement": scope,
            }
        },
        "VisibilityConfig": _visibility(name),
    }


def _path(path: str, how: str = "STARTS_WITH") -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": how,
            "SearchString": path,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def _route(path: str) -> dict[str, Any]:
    """Exactly one API route, with or without a trailing slash (API Gateway and
    Chalice route `/api/tips/` as `/api/tips`: a rule must not miss it)."""
    return {"OrStatement": {"Statements": [_path(path, "EXACTLY"), _path(path + "/", "EXACTLY")]}}


def _too_big_for_lambda(name: str, post: dict[str, Any]) -> dict[str, Any]:
    length = {
        "RegexMatchStatement": {
            "FieldToMatch": {"SingleHeader": {"Name": "content-length"}},
            "RegexString": greater_than(LAMBDA_BODY_CAP),
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    return {
        "Name": name,
        "Priority": 0,
        "Action": _block(413, PAGE_KEYS["too_large"], html=True),
        "Statement": {"AndStatement": {"Statements": [_route(FORM_PATH), post, length]}},
        "VisibilityConfig": _visibility(name),
    }


PAGE_KEYS = {"rate_limited": "slow-down-page", "too_large": "too-large-page"}


def waf_template_pages(emergency: EmergencyConfig) -> dict[str, tuple[str, dict[str, str]]]:
    """The edge's HTML refusals on the form path: code -> (page, the headers WAF sends)."""
    max_mb = LAMBDA_BODY_CAP // (1024 * 1024)
    slow_down = ApiError(429, "rate_limited", RATE_LIMITED.format(police=emergency.police))
    headers = {h["Name"]: h["Value"] for h in _PAGE_HEADERS}
    return {
        "rate_limited": (edge_page(slow_down, emergency, max_mb), headers),
        "too_large": (edge_page(too_large(LAMBDA_BODY_CAP), emergency, max_mb), headers),
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
    form = _route(FORM_PATH)
    # Each path its own count (a network's no-JS posts and encrypted posts are
    # limited separately), so that the form path's refusals can be pages.
    rules = [
        _too_big_for_lambda(f"{dep.stack_name}-form-too-large", post),
        _rate_rule(
            f"{dep.stack_name}-form-per-address",
            1,
            dep.waf_tips_limit,
            dep.waf_window_seconds,
            {"AndStatement": {"Statements": [form, post]}},
            html=True,
        ),
        _rate_rule(
            f"{dep.stack_name}-tips-per-address",
            2,
            dep.waf_tips_limit,
            dep.waf_window_seconds,
            {"AndStatement": {"Statements": [_route("/api/tips"), post]}},
        ),
        _rate_rule(
            f"{dep.stack_name}-api-per-address",
            3,
            dep.waf_api_limit,
            dep.waf_window_seconds,
            {
                "AndStatement": {
                    "Statements": [_path("/api/"), {"NotStatement": {"Statement": form}}]
                }
            },
        ),
    ]
    emergency = target.cfg.emergency
    body = json.dumps(
        {
            "error": "rate_limited",
            "message": "Trop d'envois depuis votre connexion : réessayez dans quelques "
            f"minutes. Urgence : appelez le {emergency.police}.",
        },
        ensure_ascii=False,
    )
    pages = {key: html for key, (html, _) in waf_template_pages(emergency).items()}
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
                        "slow-down": {"ContentType": "APPLICATION_JSON", "Content": body},
                        **{
                            PAGE_KEYS[code]: {"ContentType": "TEXT_HTML", "Content": page}
                            for code, page in pages.items()
                        },
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
