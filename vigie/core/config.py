"""Vigie's deployment configuration: `vigie.toml`, loaded once into a frozen object.

The site builder, the intake and the campaign generator all read this one file
(`--config FILE`, else `$VIGIE_CONFIG`, else `./vigie.toml`). In Lambda there is
usually no file: environment variables (`VIGIE_*`, see `ENV_OVERRIDES`) override
or supply every value. Nothing reads the environment at import time; callers pass
the mapping in, so tests and the Lambda handler decide when it is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_MAX_BODY = 5 * 1024 * 1024
# An age X25519 recipient: "age1" + 58 bech32 characters.
#: An age X25519 public key (`age1` + 58 bech32 characters). The one owner of the
#: rule: the config check and the site build's form hook both use it.
RECIPIENT_RE = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


class ConfigError(ValueError):
    """An invalid configuration; the message names the file and the key at fault."""


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
    pow_max_number: int = 100_000
    pow_expires_seconds: int = 600
    form_budget_per_hour: int = 120
    # Empty = same-origin only (the default: site and /api share one origin).
    cors_origin: str = ""
    secret_file: str = ".vigie/intake-secret"  # noqa: S105 - a path, not a secret


@dataclass(frozen=True)
class AnalystsConfig:
    recipients: tuple[str, ...] = ()
    retention_days: int = 90


@dataclass(frozen=True)
class EmergencyConfig:
    police: str = "17"
    european: str = "112"
    sms: str = "114"
    drugs_info: str = "0 800 23 13 13"
    national_chat: str = "https://www.masecurite.interieur.gouv.fr"
    pharos: str = "https://www.internet-signalement.gouv.fr"


@dataclass(frozen=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    intake: IntakeConfig = field(default_factory=IntakeConfig)
    analysts: AnalystsConfig = field(default_factory=AnalystsConfig)
    emergency: EmergencyConfig = field(default_factory=EmergencyConfig)
    source: str = "<defaults>"

    def require_recipients(self) -> tuple[str, ...]:
        if not self.analysts.recipients:
            raise ConfigError(
                f"{self.source}: [analysts] recipients: at least one age public key "
                "(age1...) is needed; create one with `vigie inbox keygen`"
            )
        return self.analysts.recipients

    def with_recipients(self, recipients: tuple[str, ...]) -> Config:
        _check_recipients(self.source, recipients)
        return replace(self, analysts=replace(self.analysts, recipients=recipients))


_SECTIONS: dict[str, type[Any]] = {
    "site": SiteConfig,
    "intake": IntakeConfig,
    "analysts": AnalystsConfig,
    "emergency": EmergencyConfig,
}

# Environment variable -> (section, key). The Lambda is configured this way.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "VIGIE_STORE": ("intake", "store"),
    "VIGIE_S3_ENDPOINT_URL": ("intake", "s3_endpoint_url"),
    "VIGIE_S3_REGION": ("intake", "s3_region"),
    "VIGIE_MAX_BODY_BYTES": ("intake", "max_body_bytes"),
    "VIGIE_POW_MAX_NUMBER": ("intake", "pow_max_number"),
    "VIGIE_POW_EXPIRES_SECONDS": ("intake", "pow_expires_seconds"),
    "VIGIE_FORM_BUDGET_PER_HOUR": ("intake", "form_budget_per_hour"),
    "VIGIE_CORS_ORIGIN": ("intake", "cors_origin"),
    "VIGIE_RECIPIENTS": ("analysts", "recipients"),
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


def _check_recipients(source: str, recipients: tuple[str, ...]) -> None:
    for r in recipients:
        if not RECIPIENT_RE.fullmatch(r):
            raise ConfigError(
                f"{source}: [analysts] recipients: {r!r} is not an age X25519 public key "
                "(expected age1 followed by 58 characters)"
            )


def _validate(cfg: Config) -> None:
    src = cfg.source
    _check_recipients(src, cfg.analysts.recipients)
    for key in ("url", "report_url"):
        value = getattr(cfg.site, key)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{src}: [site] {key}: expected an http(s) URL, got {value!r}")
    store = cfg.intake.store
    if not (store.startswith("dir:") and len(store) > 4) and not re.match(
        r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[A-Za-z0-9._\-/]*)?$", store
    ):
        raise ConfigError(
            f"{src}: [intake] store: expected 'dir:PATH' or 's3://BUCKET/PREFIX', got {store!r}"
        )
    if not 1024 <= cfg.intake.max_body_bytes <= 6 * 1024 * 1024:
        raise ConfigError(
            f"{src}: [intake] max_body_bytes: expected 1024 to 6291456 (Lambda's 6 MB cap), "
            f"got {cfg.intake.max_body_bytes}"
        )
    if not 1_000 <= cfg.intake.pow_max_number <= 10_000_000:
        raise ConfigError(f"{src}: [intake] pow_max_number: expected 1000 to 10000000")
    if not 30 <= cfg.intake.pow_expires_seconds <= 3600:
        raise ConfigError(f"{src}: [intake] pow_expires_seconds: expected 30 to 3600")
    origin = cfg.intake.cors_origin
    if origin and not re.match(r"^https?://[^/\s]+$", origin):
        raise ConfigError(
            f"{src}: [intake] cors_origin: expected an origin like https://example.fr, "
            f"got {origin!r}"
        )


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
    _validate(cfg)
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
