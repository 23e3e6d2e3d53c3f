"""Vigie's deployment configuration: `vigie.toml`, loaded once into a frozen object.

The site builder, the intake and the campaign generator all read this one file
(`--config FILE`, else `$VIGIE_CONFIG`, else `./vigie.toml`). In Lambda there is
usually no file: environment variables (`VIGIE_*`, see `ENV_OVERRIDES`) override
or supply every value. Nothing reads the environment at import time; callers pass
the mapping in, so tests and the Lambda handler decide when it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The rules a value must follow live in their own module; their names are the
# configuration's interface.
from .configcheck import HOST_NAME_RE as HOST_NAME_RE
from .configcheck import RECIPIENT_RE as RECIPIENT_RE
from .configcheck import SIGNING_KEY_RE as SIGNING_KEY_RE
from .configcheck import ConfigError as ConfigError
from .configcheck import check_recipients, validate

DEFAULT_MAX_BODY = 5 * 1024 * 1024


def whole_megabytes(limit: int) -> int:
    """A body limit as people read it, rounded down (the form's hint and refusal pages)."""
    return limit // (1024 * 1024)


@dataclass(frozen=True)
class SiteConfig:
    name: str = "Vigie"
    department: str = "Doubs"
    city: str = "Besançon"
    url: str = "http://127.0.0.1:8000/"
    report_url: str = "http://127.0.0.1:8000/signaler/"
    lang: str = "fr"
    # Campaign files (CAMPAIGN.toml) whose codes get a short per-code form page
    # at build time (/s/CODE/, /en/s/CODE/...); relative to this file's folder.
    campaigns: tuple[str, ...] = ()

    @property
    def short_report_address(self) -> str:
        """The report URL as people should type it: host and path, no scheme."""
        parts = urlsplit(self.report_url)
        return (parts.netloc + parts.path).rstrip("/")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class IntakeConfig:
    url: str = "/api"
    store: str = "dir:.vigie/store"
    s3_endpoint_url: str = ""
    s3_region: str = "eu-west-3"
    max_body_bytes: int = DEFAULT_MAX_BODY
    # Proof-of-work: ALTCHA v2 with scrypt (N = pow_cost, r = 8, p = 1: 16 MiB).
    # A proof needs `pow_bits` leading zero bits (2**bits scrypt runs on average);
    # under load the intake asks for up to `pow_max_bits` (docs/hardening.md).
    pow_cost: int = 16_384
    pow_bits: int = 2
    pow_max_bits: int = 10
    # How many bits beyond pow_bits the browser keeps searching for while the
    # person types (9 reaches the top effort class); it sends the best it found.
    pow_search_bits: int = 9
    pow_expires_seconds: int = 600
    # Accepted tips per hour at each difficulty level before the next one is asked
    # (the "normal" rate: real volume is ~16 a month, 0.02 an hour).
    expected_tips_per_hour: int = 4
    form_budget_per_hour: int = 120
    # Per-network caps of `vigie serve` (in memory, keyed hash; 0 turns one off,
    # e.g. behind an onion service where every client shares one address).
    network_cap: int = 3
    network_cap_requests: int = 30
    network_cap_window_seconds: int = 600
    network_cap_ipv4_prefix: int = 24
    network_cap_ipv6_prefix: int = 64
    # Reverse proxies whose X-Forwarded-For is believed (their own addresses).
    trusted_proxies: tuple[str, ...] = ()
    # (In production the same rule runs at the edge: `[deploy] waf_tips_limit`,
    # an AWS WAF rate-based rule, and the stage's `throttle_rate`/`throttle_burst`.)
    # Empty = same-origin only (the default: site and /api share one origin).
    cors_origin: str = ""
    secret_file: str = ".vigie/intake-secret"  # noqa: S105 - a path, not a secret
    # In Lambda: the Secrets Manager secret (ARN) holding the HMAC secret, read
    # once per cold start (vigie.core.runtime); never the secret itself.
    secret_arn: str = ""
    # The intake's Ed25519 signing key (private): `$VIGIE_SIGNING_KEY` in Lambda,
    # else this file, created by `vigie serve` on first run like `secret_file`.
    signing_key_file: str = ".vigie/intake-signing-key"
    # Its public half, pinned by the analysts: tips not signed by it are flagged.
    signing_public_key: str = ""


@dataclass(frozen=True)
class AnalystsConfig:
    recipients: tuple[str, ...] = ()
    retention_days: int = 90
    # The analysts' Ed25519 public keys: only events signed by one of them count.
    signing_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmergencyConfig:
    police: str = "17"
    european: str = "112"
    sms: str = "114"
    drugs_info: str = "0 800 23 13 13"
    national_chat: str = "https://www.masecurite.interieur.gouv.fr"
    pharos: str = "https://www.internet-signalement.gouv.fr"


@dataclass(frozen=True)
class DeployConfig:
    """`[deploy]`: the AWS stack `vigie deploy` generates (vigie/deploy/, docs/deploy.md).

    The tips bucket, its prefix and the region come from `[intake] store` and
    `s3_region`, the retention from `[analysts]`: never typed twice.
    """

    stack_name: str = "vigie"
    # The site's host name (CloudFront alternate domain) and its ACM certificate,
    # which CloudFront requires in us-east-1. Empty: CloudFront's own *.cloudfront.net.
    domain: str = ""
    certificate_arn: str = ""
    site_bucket: str = ""
    # Where `aws cloudformation package` uploads the Lambda's zip (same region).
    artifacts_bucket: str = ""
    function_name: str = "vigie-intake"
    log_retention_days: int = 3
    # API Gateway stage throttling (all clients together): steady rate and burst.
    throttle_rate: int = 10
    throttle_burst: int = 20
    # AWS WAF rate-based rules, per client address over the window (seconds):
    # tips posted, and any /api/ request (challenges are free to ask for).
    waf_tips_limit: int = 10
    waf_api_limit: int = 300
    waf_window_seconds: int = 300


@dataclass(frozen=True)
class ServeConfig:
    """`vigie serve` only (the Lambda has API Gateway and CloudFront in front)."""

    # Host names answered besides those of [site] url / report_url and the bind
    # address (e.g. a LAN name): any other Host is refused (DNS rebinding).
    hosts: tuple[str, ...] = ()
    # Open connections at once; more are refused with a 503 at once.
    max_connections: int = 256
    # No-JS form posts processed at once (parsing and photo re-encoding): the
    # rest wait briefly, then get a 503 page; the JS path never waits for them.
    form_concurrency: int = 2


@dataclass(frozen=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    intake: IntakeConfig = field(default_factory=IntakeConfig)
    analysts: AnalystsConfig = field(default_factory=AnalystsConfig)
    emergency: EmergencyConfig = field(default_factory=EmergencyConfig)
    deploy: DeployConfig = field(default_factory=DeployConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    source: str = "<defaults>"

    def require_recipients(self) -> tuple[str, ...]:
        if not self.analysts.recipients:
            raise ConfigError(
                f"{self.source}: [analysts] recipients: at least one age public key "
                "(age1...) is needed; create one with `vigie inbox keygen`"
            )
        return self.analysts.recipients

    def with_recipients(self, recipients: tuple[str, ...]) -> Config:
        check_recipients(self.source, recipients)
        return replace(self, analysts=replace(self.analysts, recipients=recipients))


_SECTIONS: dict[str, type[Any]] = {
    "site": SiteConfig,
    "intake": IntakeConfig,
    "analysts": AnalystsConfig,
    "emergency": EmergencyConfig,
    "deploy": DeployConfig,
    "serve": ServeConfig,
}

# Environment variable -> (section, key). The Lambda is configured this way.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "VIGIE_STORE": ("intake", "store"),
    "VIGIE_S3_ENDPOINT_URL": ("intake", "s3_endpoint_url"),
    "VIGIE_S3_REGION": ("intake", "s3_region"),
    "VIGIE_MAX_BODY_BYTES": ("intake", "max_body_bytes"),
    "VIGIE_POW_COST": ("intake", "pow_cost"),
    "VIGIE_POW_BITS": ("intake", "pow_bits"),
    "VIGIE_POW_MAX_BITS": ("intake", "pow_max_bits"),
    "VIGIE_EXPECTED_TIPS_PER_HOUR": ("intake", "expected_tips_per_hour"),
    "VIGIE_POW_EXPIRES_SECONDS": ("intake", "pow_expires_seconds"),
    "VIGIE_FORM_BUDGET_PER_HOUR": ("intake", "form_budget_per_hour"),
    "VIGIE_CORS_ORIGIN": ("intake", "cors_origin"),
    "VIGIE_RECIPIENTS": ("analysts", "recipients"),
    "VIGIE_SECRET_ARN": ("intake", "secret_arn"),
    "VIGIE_SITE_URL": ("site", "url"),
    "VIGIE_REPORT_URL": ("site", "report_url"),
}


def _coerce(source: str, where: str, expected: Any, value: Any) -> Any:
    """Check one value against the type of its default and convert env strings."""
    if isinstance(expected, bool):
        ok = isinstance(value, bool)
    elif isinstance(expected, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif isinstance(expected, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        kind = type(expected).__name__
        kind = {"tuple": "list of strings", "int": "non-negative integer", "str": "string"}.get(
            kind, kind
        )
        raise ConfigError(f"{source}: {where}: expected a {kind}, got {value!r}")
    return value


def build_config(
    data: Mapping[str, Any], env: Mapping[str, str] | None = None, source: str = "<data>"
) -> Config:
    """Validate parsed TOML data (plus env overrides) into a frozen Config."""
    sections: dict[str, dict[str, Any]] = {}
    for name, value in data.items():
        if name not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section [{name}]")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
        sections[name] = dict(value)
    for var, (section, key) in ENV_OVERRIDES.items():
        if env is not None and env.get(var):
            sections.setdefault(section, {})[key] = env[var]
    built: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        defaults = cls()
        values = sections.get(name, {})
        for key, value in values.items():
            if key not in cls.__dataclass_fields__:
                raise ConfigError(f"{source}: [{name}] {key}: unknown key")
            values[key] = _coerce(source, f"[{name}] {key}", getattr(defaults, key), value)
        built[name] = cls(**values)
    cfg = Config(source=source, **built)
    validate(cfg)
    return cfg


def config_path(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    """Which file to read: --config, else $VIGIE_CONFIG, else ./vigie.toml if present."""
    if explicit:
        return Path(explicit)
    if env.get("VIGIE_CONFIG"):
        return Path(env["VIGIE_CONFIG"])
    default = Path("vigie.toml")
    return default if default.exists() else None


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load and validate the configuration; raise ConfigError with a precise message."""
    env = env if env is not None else {}
    chosen = config_path(path, env)
    if chosen is None:
        return build_config({}, env, source="<defaults + environment>")
    import tomllib  # only when a file is read: the Lambda is configured by env (cold start)

    try:
        raw = chosen.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read the configuration ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from None
    return build_config(data, env, source=str(chosen))
