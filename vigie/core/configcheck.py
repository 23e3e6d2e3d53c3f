"""The rules a configuration must follow, checked once when `vigie.toml` is loaded.

Every refusal is a `ConfigError` whose message names the file, the section
and the key, and what was expected: an operator fixes it without reading code.
The key formats (age recipients, Ed25519 signing keys, host names) have their
one owner here; the site build's form hook and vigie.core.signing use them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .config import Config

# An age X25519 recipient: "age1" + 58 bech32 characters.
#: An age X25519 public key (`age1` + 58 bech32 characters). The one owner of the
#: rule: the config check and the site build's form hook both use it.
RECIPIENT_RE = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
#: An Ed25519 public key as Vigie writes it (`ed25519:` + 44 base64 characters):
#: the intake's and the analysts' signing keys (vigie.core.signing uses it).
SIGNING_KEY_RE = re.compile(r"^ed25519:[A-Za-z0-9+/]{43}=$")
#: A host name or address as a Host header carries it (no port).
HOST_NAME_RE = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]"
)


class ConfigError(ValueError):
    """An invalid configuration; the message names the file and the key at fault."""


def check_recipients(source: str, recipients: tuple[str, ...]) -> None:
    for r in recipients:
        if not RECIPIENT_RE.fullmatch(r):
            raise ConfigError(
                f"{source}: [analysts] recipients: {r!r} is not an age X25519 public key "
                "(expected age1 followed by 58 characters)"
            )


def _check_signing_keys(source: str, where: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        if not SIGNING_KEY_RE.fullmatch(key):
            raise ConfigError(
                f"{source}: {where}: {key!r} is not an Ed25519 public key (expected ed25519: "
                "followed by 44 base64 characters, as `vigie inbox keygen` prints it)"
            )


def validate(cfg: Config) -> None:
    """Raise ConfigError for the first value that breaks a rule."""
    src = cfg.source
    check_recipients(src, cfg.analysts.recipients)
    _check_signing_keys(src, "[analysts] signing_keys", cfg.analysts.signing_keys)
    if cfg.intake.signing_public_key:
        _check_signing_keys(src, "[intake] signing_public_key", (cfg.intake.signing_public_key,))
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
    _validate_pow(cfg)
    if not 30 <= cfg.intake.pow_expires_seconds <= 3600:
        raise ConfigError(f"{src}: [intake] pow_expires_seconds: expected 30 to 3600")
    if not 4 <= cfg.serve.max_connections <= 10_000:
        raise ConfigError(f"{src}: [serve] max_connections: expected 4 to 10000")
    if not 1 <= cfg.serve.form_concurrency <= 64:
        raise ConfigError(f"{src}: [serve] form_concurrency: expected 1 to 64")
    for host in cfg.serve.hosts:
        if not HOST_NAME_RE.fullmatch(host):
            raise ConfigError(f"{src}: [serve] hosts: {host!r} is not a host name")
    origin = cfg.intake.cors_origin
    if origin and not re.match(r"^https?://[^/\s]+$", origin):
        raise ConfigError(
            f"{src}: [intake] cors_origin: expected an origin like https://example.fr, "
            f"got {origin!r}"
        )


def _validate_pow(cfg: Config) -> None:
    src, i = cfg.source, cfg.intake
    if not 1024 <= i.pow_cost <= 1 << 20 or i.pow_cost & (i.pow_cost - 1):
        raise ConfigError(f"{src}: [intake] pow_cost: expected a power of two, 1024 to 1048576")
    if not 0 <= i.pow_bits <= i.pow_max_bits <= 24:
        raise ConfigError(
            f"{src}: [intake] pow_bits, pow_max_bits: expected 0 <= pow_bits <= pow_max_bits <= 24"
        )
    if i.pow_search_bits > 16:
        raise ConfigError(f"{src}: [intake] pow_search_bits: expected 0 to 16")
    if not 1 <= i.expected_tips_per_hour <= 1000:
        raise ConfigError(f"{src}: [intake] expected_tips_per_hour: expected 1 to 1000")
    if not 1 <= i.form_budget_per_hour <= 100_000:
        raise ConfigError(f"{src}: [intake] form_budget_per_hour: expected 1 to 100000")
    if not 10 <= i.network_cap_window_seconds <= 3600:
        raise ConfigError(f"{src}: [intake] network_cap_window_seconds: expected 10 to 3600")
    if not 8 <= i.network_cap_ipv4_prefix <= 32 or not 16 <= i.network_cap_ipv6_prefix <= 128:
        raise ConfigError(
            f"{src}: [intake] network_cap_ipv4_prefix / network_cap_ipv6_prefix: "
            "expected 8 to 32 / 16 to 128"
        )
    for proxy in i.trusted_proxies:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise ConfigError(
                f"{src}: [intake] trusted_proxies: {proxy!r} is not an IP address"
            ) from None
