"""Who may do what to the tips bucket: the intake, the analysts, the purge role.

Every `s3:PutObject` is **create-only**: allowed only with the
`If-None-Match` header (`s3:if-none-match` present), which S3 refuses to
honour over an existing object. So nobody named here can overwrite a tip, a
triage event or a kept copy. Deletes belong to the separate purge role only.

- the intake (Lambda): create under `tips/`, `effort/` and `intake/`, read objects under
  `replies/` (follow-up threads, by mailbox id; no list), `intake/ready` and the
  empty replay markers `intake/seen/` (HEADs), read its one secret,
  write to its one log group; nothing else (no list or delete);
- the analysts (a managed policy to attach to their users, groups or SSO
  permission sets): list and read `tips/`, `kept/`, `state/`, `replies/`;
  create under `kept/`, `state/` and `replies/`; never `intake/`, never a delete;
- the purge role (assumed with MFA, for `vigie inbox purge --apply`): list,
  read and delete under `tips/`, `kept/`, `state/`, `replies/`. No `DeleteObjectVersion`:
  with versioning on, a purge leaves old versions that the lifecycle removes a
  day later, so a purge by mistake can be undone within the day.
"""

from __future__ import annotations

from typing import Any

from vigie.core.layout import EFFORT, INTAKE, KEPT, READY_KEY, REPLIES, SEEN, STATE, TIPS

from .target import Target

INTAKE_SECRET = "IntakeSecret"  # noqa: S105 - a logical id
LOG_GROUP = "IntakeLogGroup"
PURGE_ROLE = "PurgeRole"
CREATE_ONLY = {"Null": {"s3:if-none-match": "false"}}


def _area(prefix: str) -> str:
    """An area of the store as key_arn takes it ("tips"), from its layout prefix."""
    return prefix.rstrip("/")


ANALYST_AREAS = tuple(_area(p) for p in (TIPS, KEPT, STATE, REPLIES, EFFORT))


def _statement(sid: str, actions: list[str], resources: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def _list_areas(target: Target, areas: tuple[str, ...]) -> dict[str, Any]:
    prefixes = [target.key_prefix(a) + "*" for a in areas]
    return _statement(
        "ListTheseAreasOnly",
        ["s3:ListBucket"],
        target.bucket_arn,
        Condition={"StringLike": {"s3:prefix": prefixes}},
    )


def intake_policy(target: Target) -> dict[str, Any]:
    """Exactly what the Lambda needs: create tips and budget slots, one secret, one log group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(
                "CreateTipsOnly",
                ["s3:PutObject"],
                [target.key_arn(_area(a)) for a in (TIPS, EFFORT, INTAKE)],
                Condition=CREATE_ONLY,
            ),
            # Follow-up: hand a thread's ciphertext to whoever knows its mailbox
            # id. Read only, and no ListBucket: the ids cannot be enumerated.
            _statement("ReadRepliesOnly", ["s3:GetObject"], [target.key_arn(_area(REPLIES))]),
            # The health check is read-only (a HEAD of the readiness marker).
            _statement("ReadTheReadyMarker", ["s3:GetObject"], [target.object_arn(READY_KEY)]),
            # A tip's replay is refused by a HEAD of its empty marker, not by
            # uploading it again; the markers say only which tip names exist, as the
            # create-only PutObject's own 412 already does. Never a tip itself.
            _statement("ReadTheReplayMarkers", ["s3:GetObject"], [target.key_arn(_area(SEEN))]),
            _statement(
                "ReadTheHmacSecret", ["secretsmanager:GetSecretValue"], {"Ref": INTAKE_SECRET}
            ),
            _statement(
                "OwnLogGroupOnly",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                {"Fn::GetAtt": [LOG_GROUP, "Arn"]},
            ),
        ],
    }


def analysts_policy(target: Target) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            _list_areas(target, ANALYST_AREAS),
            _statement("ReadTips", ["s3:GetObject"], [target.key_arn(a) for a in ANALYST_AREAS]),
            _statement(
                "CreateTriageEventsKeptCopiesAndReplies",
                ["s3:PutObject"],
                [target.key_arn(_area(a)) for a in (KEPT, STATE, REPLIES)],
                Condition=CREATE_ONLY,
            ),
        ],
    }


def purge_policy(target: Target) -> dict[str, Any]:
    arns = [target.key_arn(a) for a in ANALYST_AREAS]
    return {
        "Version": "2012-10-17",
        "Statement": [
            _list_areas(target, ANALYST_AREAS),
            _statement("ReadAndDeleteTips", ["s3:GetObject", "s3:DeleteObject"], arns),
        ],
    }


def iam_resources(target: Target) -> dict[str, Any]:
    """The analysts' managed policy and the purge role (the intake's role is in `api`)."""
    return {
        "AnalystsPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": "Vigie analysts: read tips, create triage events (no delete)",
                "PolicyDocument": analysts_policy(target),
            },
        },
        PURGE_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": "Vigie: vigie inbox purge --apply (assumed with MFA)",
                "MaxSessionDuration": 3600,
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": {
                                    "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
                                }
                            },
                            "Action": "sts:AssumeRole",
                            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                        }
                    ],
                },
                "Policies": [{"PolicyName": "VigiePurge", "PolicyDocument": purge_policy(target)}],
            },
        },
    }
