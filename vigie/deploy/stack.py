"""Compose the two templates: the main stack (everything) and the edge stack (WAF).

Pure functions over dicts: Chalice's SAM template and the checked `Target` in,
templates out. `build` writes them; tests read them back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .api import API, FUNCTION, compose_api
from .edge import DISTRIBUTION, edge_resources
from .iam import INTAKE_SECRET, iam_resources
from .storage import SITE_BUCKET, TIPS_BUCKET, bucket_resources
from .target import Target
from .waf import WEB_ACL_PARAMETER, waf_template

MAIN_TEMPLATE = "stack.json"
EDGE_TEMPLATE = "edge.json"


def main_template(sam: dict[str, Any], target: Target, openapi: Path) -> dict[str, Any]:
    dep = target.cfg.deploy
    out = compose_api(sam, target)
    out["Description"] = f"{dep.stack_name}: Vigie site, intake and tips storage (vigie deploy)"
    out["Parameters"] = {
        WEB_ACL_PARAMETER: {
            "Type": "String",
            "Description": "ARN of the edge stack's web ACL (us-east-1)",
            "AllowedPattern": "^arn:aws:wafv2:us-east-1:[0-9]{12}:global/webacl/.+$",
        }
    }
    api_domain = {"Fn::Sub": f"${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"}
    resources = out["Resources"]
    for part in (
        bucket_resources(target, DISTRIBUTION),
        iam_resources(target),
        edge_resources(target, openapi, api_domain),
    ):
        clash = set(part) & set(resources)
        assert not clash, clash  # a logical id must never silently replace another
        resources.update(part)
    out["Outputs"] = {
        **out.get("Outputs", {}),  # Chalice's (EndpointURL: execute-api, which answers 403)
        "SiteUrl": {"Value": target.cfg.site.url},
        "DistributionDomain": {"Value": {"Fn::GetAtt": [DISTRIBUTION, "DomainName"]}},
        "DistributionId": {"Value": {"Ref": DISTRIBUTION}},
        "SiteBucketName": {"Value": {"Ref": SITE_BUCKET}},
        "TipsBucketName": {"Value": {"Ref": TIPS_BUCKET}},
        "FunctionName": {"Value": {"Ref": FUNCTION}},
        "IntakeSecretArn": {"Value": {"Ref": INTAKE_SECRET}},
        "AnalystsPolicyArn": {"Value": {"Ref": "AnalystsPolicy"}},
        "PurgeRoleArn": {"Value": {"Fn::GetAtt": ["PurgeRole", "Arn"]}},
    }
    return out


def edge_template(target: Target) -> dict[str, Any]:
    return waf_template(target)
