"""What the stack is built for: `vigie.toml` checked for production and its derived names.

Nothing here is typed twice: the tips bucket and prefix come from
`[intake] store`, the region from `[intake] s3_region`, the retention from
`[analysts] retention_days`, the rest from `[deploy]`. Every check names the
key at fault, like the rest of the configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from vigie.core.config import Config, ConfigError

# Lambda's request cap is 6 MB and API Gateway hands binary bodies over
# base64-encoded (4/3 larger), with some room for headers.
LAMBDA_REQUEST_CAP = 6 * 1024 * 1024
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9\-]{0,63}$")
# Values CloudWatch Logs accepts that are within the 1-7 days we allow.
_RETENTIONS = (1, 3, 5, 7)
_WAF_WINDOWS = (60, 120, 300, 600)


@dataclass(frozen=True)
class Target:
    """The checked configuration plus the names derived from it."""

    cfg: Config
    tips_bucket: str
    prefix: str  # the store prefix inside the tips bucket, without slashes ("" if none)
    region: str

    @property
    def function_name(self) -> str:
        return self.cfg.deploy.function_name

    @property
    def log_group(self) -> str:
        # Lambda's default name for its group, declared by the stack so that the
        # retention applies and the function never creates one of its own.
        return f"/aws/lambda/{self.function_name}"

    def key_arn(self, area: str) -> str:
        """ARN of every object under one area of the store (`tips`, `state`...)."""
        return f"arn:aws:s3:::{self.tips_bucket}/{self.key_prefix(area)}*"

    def object_arn(self, key: str) -> str:
        """ARN of one object, `key` as the store layout names it (`intake/ready`)."""
        return f"arn:aws:s3:::{self.tips_bucket}/{self.prefix + '/' if self.prefix else ''}{key}"

    def key_prefix(self, area: str) -> str:
        return f"{self.prefix}/{area}/" if self.prefix else f"{area}/"

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.tips_bucket}"


def _fail(cfg: Config, key: str, message: str) -> ConfigError:
    return ConfigError(f"{cfg.source}: {key}: {message}")


def production_target(cfg: Config) -> Target:
    """Check that `cfg` describes a public production deployment; derive the names."""
    dep = cfg.deploy
    store = cfg.intake.store
    if not store.startswith("s3://"):
        raise _fail(cfg, "[intake] store", f"expected s3://BUCKET/PREFIX for AWS, got {store!r}")
    bucket, _, prefix = store[len("s3://") :].partition("/")
    if cfg.intake.s3_endpoint_url:
        raise _fail(cfg, "[intake] s3_endpoint_url", "must be empty on AWS (the stack's bucket)")
    for key in ("url", "report_url"):
        parts = urlsplit(getattr(cfg.site, key))
        if parts.scheme != "https":
            raise _fail(cfg, f"[site] {key}", "must be an https:// address in production")
        if dep.domain and parts.hostname != dep.domain:
            raise _fail(cfg, f"[site] {key}", f"must be on [deploy] domain {dep.domain!r}")
    if cfg.intake.url != "/api":
        raise _fail(cfg, "[intake] url", 'must be "/api": the stack serves it on the same origin')
    if bool(dep.domain) != bool(dep.certificate_arn):
        raise _fail(cfg, "[deploy] certificate_arn", "domain and certificate_arn go together")
    if dep.certificate_arn and not dep.certificate_arn.startswith("arn:aws:acm:us-east-1:"):
        raise _fail(cfg, "[deploy] certificate_arn", "CloudFront needs an ACM ARN in us-east-1")
    for key in ("site_bucket", "artifacts_bucket"):
        if not _BUCKET_RE.fullmatch(getattr(dep, key)):
            raise _fail(cfg, f"[deploy] {key}", "expected an S3 bucket name")
    if len({bucket, dep.site_bucket, dep.artifacts_bucket}) != 3:
        raise _fail(cfg, "[deploy] site_bucket", "tips, site and artifacts buckets must differ")
    for key in ("stack_name", "function_name"):
        if not _NAME_RE.fullmatch(getattr(dep, key)):
            raise _fail(cfg, f"[deploy] {key}", "letters, digits and '-', starting with a letter")
    if dep.log_retention_days not in _RETENTIONS:
        raise _fail(cfg, "[deploy] log_retention_days", f"expected one of {_RETENTIONS}")
    if dep.waf_window_seconds not in _WAF_WINDOWS:
        raise _fail(cfg, "[deploy] waf_window_seconds", f"expected one of {_WAF_WINDOWS}")
    for key in ("waf_tips_limit", "waf_api_limit"):
        if getattr(dep, key) < 10:  # AWS WAF's lowest rate limit
            raise _fail(cfg, f"[deploy] {key}", "expected 10 or more (AWS WAF's minimum)")
    if not 1 <= dep.throttle_rate <= dep.throttle_burst:
        raise _fail(cfg, "[deploy] throttle_burst", "expected 1 <= throttle_rate <= throttle_burst")
    if cfg.intake.max_body_bytes * 4 / 3 + 64 * 1024 > LAMBDA_REQUEST_CAP:
        raise _fail(
            cfg,
            "[intake] max_body_bytes",
            "too large for Lambda once base64-encoded (4400000 fits)",
        )
    cfg.require_recipients()
    return Target(
        cfg=cfg, tips_bucket=bucket, prefix=prefix.strip("/"), region=cfg.intake.s3_region
    )
