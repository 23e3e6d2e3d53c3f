"""The two buckets: tips (ciphertext only) and the static site, with their policies.

Both: SSE-S3, every public access blocked, ACLs disabled, a policy that
refuses any request not made over TLS, and **no server access logging** (its
lines carry the client address). The lifecycle rules are owned here
(`lifecycle_rules`, S3 API form); `vigie deploy` also writes them to
`build/deploy/bucket-lifecycle.json` for other S3-compatible stores.

Versioning on the tips bucket is **on**, with old versions expired after one
day: a mistaken purge (or a stolen purge role) can be undone for a day, while
a deleted or expired tip does not outlive its retention by more than that.
Overwrites cannot happen anyway: every writer's PutObject is create-only.
"""

from __future__ import annotations

from typing import Any

from vigie.core.layout import EFFORT, FORM_BUDGET, LOAD, REPLIES, SEEN, TIPS
from vigie.inbox.thread import THREAD_DAYS

from .iam import PURGE_ROLE
from .target import Target

TIPS_BUCKET = "TipsBucket"
SITE_BUCKET = "SiteBucket"


def _expire(rule_id: str, prefix: str, days: int) -> dict[str, Any]:
    """One prefix's objects (and their old versions, after a day) gone after `days`."""
    return {
        "ID": rule_id,
        "Status": "Enabled",
        "Filter": {"Prefix": prefix},
        "Expiration": {"Days": days},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
    }


def lifecycle_rules(prefix: str, retention_days: int) -> list[dict[str, Any]]:
    """The tips bucket's lifecycle, in the S3 API's form (put-bucket-lifecycle-configuration).

    Tips expire after `[analysts] retention_days`; `kept/` (actioned tips) and
    `state/` are left to `vigie inbox purge`, which knows the triage status.
    """
    base = f"{prefix}/" if prefix else ""
    return [
        _expire("vigie-tips-retention", base + TIPS, retention_days),
        # Follow-up threads: each message expires THREAD_DAYS after it was
        # written (vigie inbox purge also removes a thread with its tip).
        _expire("vigie-replies-expiry", base + REPLIES, THREAD_DAYS),
        # A tip's effort marker (empty) lives as long as the tip.
        _expire("vigie-effort-retention", base + EFFORT, retention_days),
        # Adaptive difficulty's hourly slots (vigie.core.load): gone after a day.
        _expire("vigie-intake-load", base + LOAD, 1),
        # Replay markers (vigie.core.layout.SEEN): a replay needs an unexpired
        # proof (an hour at most), so a day is plenty.
        _expire("vigie-intake-seen", base + SEEN, 1),
        # The no-JS form's hourly budget slots say when a form was sent: a day.
        _expire("vigie-intake-budget", base + FORM_BUDGET, 1),
        {
            "ID": "vigie-deleted-versions",
            "Status": "Enabled",
            "Filter": {"Prefix": base},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]


def _cfn_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One S3 API lifecycle rule in CloudFormation's spelling."""
    out: dict[str, Any] = {"Id": rule["ID"], "Status": rule["Status"]}
    if rule["Filter"]["Prefix"]:
        out["Prefix"] = rule["Filter"]["Prefix"]
    if "Expiration" in rule:
        out["ExpirationInDays"] = rule["Expiration"]["Days"]
    if "NoncurrentVersionExpiration" in rule:
        days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return out


def _private_bucket(name: str) -> dict[str, Any]:
    return {
        "BucketName": name,
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }


def _deny_plain_http(bucket: str) -> dict[str, Any]:
    arn = {"Fn::GetAtt": [bucket, "Arn"]}
    return {
        "Sid": "DenyNonTLS",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _tips_guards() -> list[dict[str, Any]]:
    """What no principal may do to the tips, whatever its own policy says.

    A role given too much by mistake still cannot overwrite an object (every
    write must be create-only) nor delete one unless it is the purge role;
    old versions are removed by the lifecycle rule alone (which no bucket
    policy restricts). Changing this policy is itself an audited action.
    """
    objects = {"Fn::Sub": f"${{{TIPS_BUCKET}.Arn}}/*"}
    return [
        {
            "Sid": "DenyWritesThatCouldOverwrite",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"Null": {"s3:if-none-match": "true"}},
        },
        {
            "Sid": "DenyDeletesButThePurgeRole",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteObject",
            "Resource": objects,
            "Condition": {
                "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [PURGE_ROLE, "Arn"]}}
            },
        },
        {
            "Sid": "DenyDeletingOldVersions",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteObjectVersion",
            "Resource": objects,
        },
    ]


def bucket_resources(target: Target, distribution: str) -> dict[str, Any]:
    """The tips and site buckets and their policies (the site readable only by CloudFront)."""
    tips = _private_bucket(target.tips_bucket)
    tips["VersioningConfiguration"] = {"Status": "Enabled"}
    rules = lifecycle_rules(target.prefix, target.cfg.analysts.retention_days)
    tips["LifecycleConfiguration"] = {"Rules": [_cfn_rule(r) for r in rules]}
    site = _private_bucket(target.cfg.deploy.site_bucket)
    from_cloudfront = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Condition": {
            "StringEquals": {
                "AWS:SourceArn": {
                    "Fn::Sub": f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}"
                    f":distribution/${{{distribution}}}"
                }
            }
        },
    }
    return {
        TIPS_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",  # police records: never dropped with the stack
            "UpdateReplacePolicy": "Retain",
            "Properties": tips,
        },
        "TipsBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": TIPS_BUCKET},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [_deny_plain_http(TIPS_BUCKET), *_tips_guards()],
                },
            },
        },
        SITE_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": site,
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": SITE_BUCKET},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        _deny_plain_http(SITE_BUCKET),
                        {
                            "Sid": "ReadByTheDistributionOnly",
                            **from_cloudfront,
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": f"${{{SITE_BUCKET}.Arn}}/*"},
                        },
                        {
                            # So a missing page is a 404 (answered with 404.html), not a 403.
                            "Sid": "ListByTheDistributionOnly",
                            **from_cloudfront,
                            "Action": "s3:ListBucket",
                            "Resource": {"Fn::GetAtt": [SITE_BUCKET, "Arn"]},
                        },
                    ],
                },
            },
        },
    }
