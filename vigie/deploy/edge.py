"""CloudFront in front of everything: the site bucket, `/api/*`, headers, and the WAF.

- one distribution, so the page and `/api` share an origin (`connect-src 'self'`);
- the site bucket through Origin Access Control (the bucket stays private);
  a CloudFront Function maps `/page/` to `/page/index.html` (`viewer`);
- `/api/*` to API Gateway with caching off, and an origin request policy that
  forwards only the headers and query parameters the API's contract
  (`intake_lambda/openapi.yaml`) declares, plus `Content-Type` and `Origin`:
  never the viewer-address headers CloudFront offers (`CloudFront-Viewer-Address`
  and friends), never cookies;
- a secret `x-api-key` header added for the API origin: API Gateway refuses any
  request without it, so `execute-api` is useless around CloudFront and its WAF;
- the response-headers policies are generated from the one owner of Vigie's
  security headers (`vigie.site.values.security_headers`, `vigie.core.http`);
- **no** standard or real-time logs (no `Logging` key, no real-time config);
- IPv6 off at the edge: AWS WAF counts per address, and one IPv6 client holds
  a /64 of them, so a per-address limit would mean nothing over IPv6;
- the WAF web ACL (rate-based rules per client address, sampled requests and
  logging off) must live in us-east-1 for CloudFront: it is the separate,
  tiny "edge" stack (`waf`), whose ARN the main stack takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vigie.core.http import JSON_CSP, SECURITY_HEADERS
from vigie.site.values import security_headers

from .api import ORIGIN_KEY_HEADER, origin_key_value
from .storage import SITE_BUCKET
from .target import Target
from .viewer import INDEX_FUNCTION_CODE, headers_policy_config
from .waf import WEB_ACL_PARAMETER

DISTRIBUTION = "Distribution"
# AWS managed cache policies (fixed IDs, the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# Besides the contract's own: the body's type, and Origin for the intake's
# same-origin checks. Neither says who the client is.
_ALWAYS_FORWARDED = ("Content-Type", "Origin")


def contract_parameters(openapi: Path) -> tuple[list[str], list[str]]:
    """(headers, query parameters) the intake's OpenAPI contract declares."""
    import yaml

    spec = yaml.safe_load(openapi.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {"header": set(), "query": set()}
    for item in spec.get("paths", {}).values():
        params = list(item.get("parameters", []))  # declared for the whole path
        for operation in item.values():
            if isinstance(operation, dict):
                params += operation.get("parameters", [])
        for param in params:
            if param.get("in") in found:
                found[param["in"]].add(param["name"])
    return sorted(found["header"]), sorted(found["query"])


def edge_resources(target: Target, openapi: Path, api_domain: dict[str, Any]) -> dict[str, Any]:
    """The distribution and what it uses (OAC, function, policies, the origin key)."""
    cfg, dep = target.cfg, target.cfg.deploy
    prefix = dep.stack_name
    headers, queries = contract_parameters(openapi)
    viewer_cert: dict[str, Any] = (
        {
            "AcmCertificateArn": dep.certificate_arn,
            "SslSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
        if dep.certificate_arn
        else {"CloudFrontDefaultCertificate": True}
    )
    distribution: dict[str, Any] = {
        "Enabled": True,
        "Comment": f"{prefix}: site + intake (no logs)",
        "HttpVersion": "http2and3",
        "IPV6Enabled": False,
        "PriceClass": "PriceClass_100",
        "DefaultRootObject": "index.html",
        "WebACLId": {"Ref": WEB_ACL_PARAMETER},
        "ViewerCertificate": viewer_cert,
        "Origins": [
            {
                "Id": "site",
                "DomainName": {"Fn::GetAtt": [SITE_BUCKET, "RegionalDomainName"]},
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
            },
            {
                "Id": "api",
                "DomainName": api_domain,
                "OriginPath": "/v1",
                "CustomOriginConfig": {
                    "OriginProtocolPolicy": "https-only",
                    "HTTPSPort": 443,
                    "OriginSSLProtocols": ["TLSv1.2"],
                },
                "OriginCustomHeaders": [
                    {
                        "HeaderName": ORIGIN_KEY_HEADER,
                        "HeaderValue": origin_key_value(),
                    }
                ],
            },
        ],
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "CachedMethods": ["GET", "HEAD"],
            "Compress": True,
            "CachePolicyId": CACHING_OPTIMIZED,
            "ResponseHeadersPolicyId": {"Ref": "SiteHeadersPolicy"},
            "FunctionAssociations": [
                {
                    "EventType": "viewer-request",
                    "FunctionARN": {"Fn::GetAtt": ["IndexFunction", "FunctionARN"]},
                }
            ],
        },
        "CacheBehaviors": [
            {
                "PathPattern": "/api/*",
                "TargetOriginId": "api",
                # https-only, not a redirect: a redirected POST would lose its body.
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachedMethods": ["GET", "HEAD"],
                "Compress": False,
                "CachePolicyId": CACHING_DISABLED,
                "OriginRequestPolicyId": {"Ref": "ApiOriginRequestPolicy"},
                "ResponseHeadersPolicyId": {"Ref": "ApiHeadersPolicy"},
            }
        ],
        "CustomErrorResponses": [
            {
                "ErrorCode": 404,
                "ResponseCode": 404,
                "ResponsePagePath": "/404.html",
                "ErrorCachingMinTTL": 60,
            }
        ],
    }
    if dep.domain:
        distribution["Aliases"] = [dep.domain]
    return {
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": f"{prefix}-site",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "IndexFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": f"{prefix}-index",
                "AutoPublish": True,
                "FunctionCode": INDEX_FUNCTION_CODE,
                "FunctionConfig": {
                    "Comment": "/page/ -> /page/index.html",
                    "Runtime": "cloudfront-js-2.0",
                },
            },
        },
        "SiteHeadersPolicy": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": headers_policy_config(
                    f"{prefix}-site", security_headers(cfg), override=True
                )
            },
        },
        "ApiHeadersPolicy": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                # The intake sets its own; these only fill in what API Gateway's
                # own answers (403, 429) lack, so they never override.
                "ResponseHeadersPolicyConfig": headers_policy_config(
                    f"{prefix}-api",
                    {**SECURITY_HEADERS, "Content-Security-Policy": JSON_CSP},
                    override=False,
                )
            },
        },
        "ApiOriginRequestPolicy": {
            "Type": "AWS::CloudFront::OriginRequestPolicy",
            "Properties": {
                "OriginRequestPolicyConfig": {
                    "Name": f"{prefix}-api",
                    "Comment": "the API contract's headers and query only; no viewer address",
                    "HeadersConfig": {
                        "HeaderBehavior": "whitelist",
                        "Headers": [*_ALWAYS_FORWARDED, *headers],
                    },
                    "QueryStringsConfig": (
                        {"QueryStringBehavior": "whitelist", "QueryStrings": queries}
                        if queries
                        else {"QueryStringBehavior": "none"}
                    ),
                    "CookiesConfig": {"CookieBehavior": "none"},
                }
            },
        },
        DISTRIBUTION: {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": distribution},
        },
    }
