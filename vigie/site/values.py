"""What the site's templates and hooks know about the deployment (`config.extra["vigie"]`).

`site_values(cfg)` turns the Vigie `Config` into a JSON-serialisable dict: every
page that shows an emergency number, a URL or a retention period reads it from
here, so `vigie.toml` stays the single source of truth. `content_security_policy`
builds the page's CSP from the same values, so the intake origin allowed in
`connect-src` is always the one the form posts to.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from vigie.core.config import Config, whole_megabytes
from vigie.core.http import BASE_SECURITY_HEADERS
from vigie.core.quickexit import QUICK_EXIT_URL
from vigie.site.i18n import ui_values
from vigie.site.percode import code_pages

# QUICK_EXIT_URL: where the quick-exit button sends people (one owner: vigie.core.quickexit).


def _tel(number: str) -> str:
    """A phone number as a `tel:`/`sms:` URI wants it: digits only."""
    return re.sub(r"[^0-9+]", "", number)


def _host(url: str) -> str:
    """A URL as people read it on a poster: host only, no scheme, no `www.`."""
    host = urlsplit(url).netloc or url
    return host.removeprefix("www.")


def intake_origin(cfg: Config) -> str:
    """The intake's origin when it differs from the site's, else "" (same origin)."""
    parts = urlsplit(cfg.intake.url)
    if not parts.scheme or not parts.netloc:
        return ""
    origin = f"{parts.scheme}://{parts.netloc}"
    return "" if origin == cfg.site.origin else origin


def content_security_policy(cfg: Config, header: bool = False) -> str:
    """The site's CSP (also sent as a header by `vigie serve` and CloudFront).

    Why each source is there:
    - `script-src 'self'`: the template removes every inline script Material would
      add (its bundle is not loaded at all), so no hash or 'unsafe-inline' is needed;
    - `style-src 'self'`: Material's CSS and ours are files; no inline style blocks;
    - `img-src 'self' data: blob:`: Material's CSS draws icons as `data:` SVG masks;
      the form previews re-encoded photos as `blob:` URLs;
    - `connect-src 'self'` (+ the intake origin if it is elsewhere): the only place
      the form may send anything; `worker-src 'self'` for the proof-of-work worker;
    - `'wasm-unsafe-eval'` in `script-src`: the worker's scrypt is WebAssembly
      (hash-wasm, a file with SRI); this lets a page compile WebAssembly and
      nothing else (no `eval`, no inline script);
    - `form-action` covers the no-JavaScript form post; `base-uri`/`object-src`
      close two classic injection routes.
    With `header=True`, adds `frame-ancestors 'none'` (no framing, against
    clickjacking), which browsers ignore in a <meta> element.
    """
    connect = "'self'"
    other = intake_origin(cfg)
    if other:
        connect += f" {other}"
    form_action = "'self'" + (f" {other}" if other else "")
    directives = [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src {connect}",
        "worker-src 'self'",
        f"form-action {form_action}",
        "base-uri 'none'",
        "object-src 'none'",
    ]
    if header:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)


def security_headers(cfg: Config) -> dict[str, str]:
    """HTTP response headers for every site page (`vigie serve`, CloudFront's policy).

    The page's CSP (with `frame-ancestors 'none'`, which only works as a header)
    on top of the one owner of the other headers, `vigie.core.http`: no
    referrer ever leaves the site, no MIME sniffing, no framing, no browser
    feature the site never uses (the photo input works through the file
    picker, not the camera API), HSTS (honoured only over HTTPS).
    """
    return {
        "Content-Security-Policy": content_security_policy(cfg, header=True),
        **BASE_SECURITY_HEADERS,
    }


def site_values(cfg: Config) -> dict[str, Any]:
    """The `config.extra["vigie"]` dict. Keys are an interface: the form helper relies on them."""
    emergency = asdict(cfg.emergency)
    numbers = {k: v for k, v in emergency.items() if not v.startswith("http")}
    links = {k: v for k, v in emergency.items() if v.startswith("http")}
    return {
        "name": cfg.site.name,
        "city": cfg.site.city,
        "department": cfg.site.department,
        "site_url": cfg.site.url,
        "report_url": cfg.site.report_url,
        "short_report_address": cfg.site.short_report_address,
        "recipients": list(cfg.analysts.recipients),
        "retention_days": cfg.analysts.retention_days,
        "intake_url": cfg.intake.url,
        "intake_origin": intake_origin(cfg),
        "max_body_bytes": cfg.intake.max_body_bytes,
        "max_body_mb": round(cfg.intake.max_body_bytes / (1024 * 1024), 1),
        # The no-JS path's limit in the hint, as its refusal page words it.
        "max_body_mo": whole_megabytes(cfg.intake.max_body_bytes),
        "pow_bits": cfg.intake.pow_bits,
        "pow_max_bits": cfg.intake.pow_max_bits,
        "pow_search_bits": cfg.intake.pow_search_bits,
        "pow_expires_seconds": cfg.intake.pow_expires_seconds,
        "emergency": emergency,
        # Dial/SMS forms of the numbers (`tel:17`, `sms:114`) for links.
        "tel": {key: _tel(value) for key, value in numbers.items()},
        # Link targets shown as readable host names ("masecurite.interieur.gouv.fr").
        "hosts": {key: _host(value) for key, value in links.items()},
        "quick_exit_url": QUICK_EXIT_URL,
        "csp": content_security_policy(cfg),
        # The interface words per language (i18n/<lang>.toml), picked by the
        # templates with the page's language: config.extra.vigie.ui[lang].
        "ui": ui_values(),
        # Short per-code form pages to generate (hooks/percode.py), from [site] campaigns.
        "code_pages": [{"code": p.code, "lang": p.lang, "path": p.path} for p in code_pages(cfg)],
    }
