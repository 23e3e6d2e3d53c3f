"""The campaign file (CAMPAIGN.toml): parsed and fully validated before anything is drawn.

Every error names the file, the key and what is expected, and is raised before
a single output file exists. Variant codes must match the envelope's campaign
code pattern because they travel inside the encrypted tips (one owner of that
rule: `vigie.core.envelope`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, features

from vigie.campaign.formats import FORMATS
from vigie.campaign.texts import LANGUAGES, RTL_LANGUAGES, TEXT_KEYS, texts_for
from vigie.core.config import Config, ConfigError
from vigie.core.envelope import CAMPAIGN_CODE_RE, CAMPAIGN_MAX
from vigie.core.i18n import LANGS as SITE_LANGS
from vigie.core.i18n import code_path, lang_url

LAYOUTS = ("bandeau", "classique")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLORS = {
    "primary": "#12355b",  # the header band and headline
    "accent": "#b3001b",  # the emergency line
    "background": "#ffffff",
    "text": "#1a1a1a",
}
_CAMPAIGN_KEYS = {
    "name", "report_url", "languages", "layout", "formats", "crop_marks", "colors", "logos",
    "texts",
}  # fmt: skip
_VARIANT_KEYS = {"code", "label", "language", "formats"}


class CampaignError(ConfigError):
    """An invalid campaign file; printed as one line by the CLI (exit 2)."""


@dataclass(frozen=True)
class Variant:
    code: str
    label: str
    languages: tuple[str, ...]
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Campaign:
    source: str
    name: str
    report_url: str
    short_address: str
    layout: str
    crop_marks: bool
    colors: dict[str, tuple[int, int, int]]
    logos: tuple[Path, ...]
    texts: dict[str, dict[str, str]]  # overrides per language
    numbers: dict[str, str]  # emergency numbers from vigie.toml
    variants: tuple[Variant, ...]
    warnings: tuple[str, ...] = ()
    site_url: str = ""  # [site] url: where the language prefixes (/en/, /ar/) go

    def form_url(self, lang: str) -> str:
        """The report form in `lang`: report_url for French, /en/..., /ar/... otherwise."""
        return lang_url(self.report_url, lang, self.site_url)

    def short_address_for(self, lang: str) -> str:
        """The short address to print on a piece in `lang` (host and path, no scheme)."""
        return short_address(self.form_url(lang))

    def code_address(self, lang: str, code: str) -> str:
        """The short per-code address to print (`host/ar/s/CODE`): the site publishes it
        when this campaign is listed in `[site] campaigns` (vigie.site.percode)."""
        parts = urlsplit(self.report_url)
        site = urlsplit(self.site_url)
        base = site.path if site.netloc == parts.netloc and site.path else "/"
        return short_address(f"{parts.scheme}://{parts.netloc}{base}{code_path(lang, code)}")


def short_address(report_url: str) -> str:
    """What people type: host and path without scheme (same rule as SiteConfig)."""
    parts = urlsplit(report_url)
    return (parts.netloc + parts.path).rstrip("/")


def _rgb(value: str) -> tuple[int, int, int]:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio between two sRGB colours."""

    def lum(c: tuple[int, int, int]) -> float:
        lin = [(v / 255) / 12.92 if v <= 10 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> CampaignError:
        return CampaignError(f"{self.source}: {where}: {message}")

    def string(self, table: dict[str, Any], key: str, where: str, default: str | None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where} {key}", f"expected a non-empty string, got {value!r}")
        return value.strip()

    def str_list(
        self, table: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]
    ) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(
                f"{where} {key}", f"expected a non-empty list of strings, got {value!r}"
            )
        for v in value:
            if v not in allowed:
                raise self.fail(
                    f"{where} {key}", f"unknown value {v!r}, expected one of {', '.join(allowed)}"
                )
        return tuple(dict.fromkeys(value))

    def unknown(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{where} {key}", f"unknown key (expected {', '.join(sorted(allowed))})"
                )


def load_campaign(path: str | Path, cfg: Config) -> Campaign:
    """Read and validate CAMPAIGN.toml against the deployment config; raise CampaignError."""
    path = Path(path)
    chk = _Checker(str(path))
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise CampaignError(f"{path}: cannot read the campaign file ({exc.strerror})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CampaignError(f"{path}: not valid TOML: {exc}") from None
    chk.unknown(data, {"campaign", "variant"}, "top level:")
    camp = data.get("campaign")
    if not isinstance(camp, dict):
        raise chk.fail("[campaign]", 'missing table (expected at least name = "...")')
    chk.unknown(camp, _CAMPAIGN_KEYS, "[campaign]")
    name = chk.string(camp, "name", "[campaign]", None)
    report_url = chk.string(camp, "report_url", "[campaign]", cfg.site.report_url)
    parts = urlsplit(report_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise chk.fail("[campaign] report_url", f"expected an http(s) URL, got {report_url!r}")
    warnings = []
    if parts.scheme != "https" or parts.hostname in ("127.0.0.1", "localhost", "::1"):
        warnings.append(
            f"{path}: report_url {report_url!r} is not a public HTTPS address: "
            "fine for a test print, not for the street (the form encrypts only over HTTPS)"
        )
    languages = chk.str_list(camp, "languages", "[campaign]", LANGUAGES) or ("fr",)
    formats = chk.str_list(camp, "formats", "[campaign]", tuple(FORMATS)) or tuple(FORMATS)
    layout = camp.get("layout", LAYOUTS[0])
    if layout not in LAYOUTS:
        raise chk.fail("[campaign] layout", f"expected one of {', '.join(LAYOUTS)}, got {layout!r}")
    crop_marks = camp.get("crop_marks", False)
    if not isinstance(crop_marks, bool):
        raise chk.fail("[campaign] crop_marks", f"expected true or false, got {crop_marks!r}")
    colors = _colors(chk, camp.get("colors", {}))
    logos = _logos(chk, camp.get("logos", []), path.parent)
    numbers = {
        "police": cfg.emergency.police,
        "european": cfg.emergency.european,
        "sms": cfg.emergency.sms,
    }
    texts = _texts(chk, camp.get("texts", {}), numbers)
    variants = _variants(chk, data.get("variant"), languages, formats)
    missing = site_missing_languages(v.languages for v in variants)
    if missing:
        raise chk.fail(
            "[campaign] languages",
            f"the site has no {', '.join(missing)} pages (it has {', '.join(SITE_LANGS)}): "
            "a poster must lead to a form in its own language",
        )
    uses_rtl = any(lang in RTL_LANGUAGES for v in variants for lang in v.languages)
    if uses_rtl and not features.check("raqm"):
        # Without raqm, Arabic would print as isolated letters in reverse order.
        raise chk.fail("[campaign] languages", "Arabic needs Pillow built with raqm (libraqm)")
    return Campaign(
        source=str(path), name=name, report_url=report_url,
        short_address=short_address(report_url), layout=layout, crop_marks=crop_marks,
        colors=colors, logos=logos, texts=texts, numbers=numbers, variants=variants,
        warnings=tuple(warnings), site_url=cfg.site.url,
    )  # fmt: skip


def site_missing_languages(
    languages: Iterable[Iterable[str]], site_langs: Iterable[str] = SITE_LANGS
) -> list[str]:
    """The poster languages the site does not publish (vigie.core.i18n, the one list)."""
    have = set(site_langs)
    return sorted({lang for group in languages for lang in group} - have)


def _colors(chk: _Checker, table: Any) -> dict[str, tuple[int, int, int]]:
    if not isinstance(table, dict):
        raise chk.fail("[campaign] colors", 'expected a table like { primary = "#12355b" }')
    chk.unknown(table, set(DEFAULT_COLORS), "[campaign.colors]")
    out = {}
    for key, default in DEFAULT_COLORS.items():
        value = table.get(key, default)
        if not isinstance(value, str) or not _COLOR_RE.match(value):
            raise chk.fail(f"[campaign.colors] {key}", f"expected #RRGGBB, got {value!r}")
        out[key] = _rgb(value)
    # Legibility is not optional on a poster read from 2 m: WCAG AA (4.5:1).
    pairs = [("text", "background"), ("primary", "background"), ("accent", "background")]
    for fg, bg in pairs:
        ratio = contrast(out[fg], out[bg])
        if ratio < 4.5:
            raise chk.fail(
                f"[campaign.colors] {fg}",
                f"contrast with background is {ratio:.1f}:1, at least 4.5:1 is needed",
            )
    if contrast(out["primary"], (255, 255, 255)) < 4.5:
        raise chk.fail("[campaign.colors] primary", "white text on it needs a darker colour")
    return out


def _logos(chk: _Checker, value: Any, base: Path) -> tuple[Path, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise chk.fail("[campaign] logos", f"expected a list of image paths, got {value!r}")
    if len(value) > 3:
        raise chk.fail("[campaign] logos", "at most 3 logos fit on a piece")
    paths = []
    for v in value:
        p = (base / v).resolve()
        try:
            with Image.open(p) as img:
                img.verify()
        except (OSError, SyntaxError) as exc:
            raise chk.fail("[campaign] logos", f"{v!r} is not a readable image ({exc})") from None
        paths.append(p)
    return tuple(paths)


def _texts(chk: _Checker, table: Any, numbers: dict[str, str]) -> dict[str, dict[str, str]]:
    if not isinstance(table, dict):
        raise chk.fail("[campaign.texts]", "expected tables per language, e.g. [campaign.texts.fr]")
    out: dict[str, dict[str, str]] = {}
    for lang, texts in table.items():
        where = f"[campaign.texts.{lang}]"
        if lang not in LANGUAGES:
            raise chk.fail(where, f"unknown language, expected one of {', '.join(LANGUAGES)}")
        if not isinstance(texts, dict):
            raise chk.fail(where, "expected a table of texts")
        chk.unknown(texts, set(TEXT_KEYS), where)
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip() or len(value) > 300:
                raise chk.fail(
                    f"{where} {key}", "expected a non-empty string of at most 300 characters"
                )
        out[lang] = {k: v.strip() for k, v in texts.items()}
        try:
            texts_for(lang, out[lang], numbers)
        except (KeyError, ValueError, IndexError) as exc:
            raise chk.fail(
                where, f"bad placeholder {exc} (allowed: {{police}}, {{european}}, {{sms}})"
            ) from None
    return out


def _variants(
    chk: _Checker, value: Any, languages: tuple[str, ...], formats: tuple[str, ...]
) -> tuple[Variant, ...]:
    if not isinstance(value, list) or not value:
        raise chk.fail("[[variant]]", "expected at least one [[variant]] with code and label")
    seen: set[str] = set()
    out = []
    for i, table in enumerate(value, 1):
        where = f"[[variant]] #{i}"
        if not isinstance(table, dict):
            raise chk.fail(where, "expected a table")
        chk.unknown(table, _VARIANT_KEYS, where)
        code = chk.string(table, "code", where, None)
        if len(code) > CAMPAIGN_MAX or not CAMPAIGN_CODE_RE.fullmatch(code):
            raise chk.fail(
                f"{where} code",
                f"{code!r} is not a campaign code: 2-12 capital letters or digits, then up to "
                f"3 dash-separated parts, {CAMPAIGN_MAX} characters at most (e.g. BSN-CENTRE)",
            )
        if code in seen:
            raise chk.fail(f"{where} code", f"{code!r} is used by another variant")
        seen.add(code)
        label = chk.string(table, "label", where, None)
        lang = table.get("language")
        if lang is not None and lang not in LANGUAGES:
            raise chk.fail(
                f"{where} language", f"expected one of {', '.join(LANGUAGES)}, got {lang!r}"
            )
        langs = (lang,) if isinstance(lang, str) else languages
        fmts = chk.str_list(table, "formats", where, tuple(FORMATS)) or formats
        out.append(Variant(code=code, label=label, languages=langs, formats=fmts))
    return tuple(out)
