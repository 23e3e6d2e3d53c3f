"""The campaign file (CAMPAIGN.toml): parsed and fully validated before anything is drawn.

Every error names the file, the key and what is expected, in French (the
comms team reads them), and is raised before a single output file exists. A
report address that is not public HTTPS is refused unless the build is an
explicit draft: a QR code to 127.0.0.1 must never reach a print shop. Variant
codes must match the envelope's campaign code pattern because they travel
inside the encrypted tips (one owner of that rule: `vigie.core.envelope`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import features

from vigie.campaign import publicurl
from vigie.campaign.checks import (
    DEFAULT_COLORS,
    CampaignError,
    Checker,
    NotPublicError,
    check_colors,
    check_logos,
    check_texts,
    code_problem,
)
from vigie.campaign.codepages import code_pages_problem, fallback_warning, print_code
from vigie.campaign.formats import FORMATS
from vigie.campaign.qr import piece_url
from vigie.campaign.texts import LANGUAGES, RTL_LANGUAGES
from vigie.core.config import Config
from vigie.core.i18n import LANGS as SITE_LANGS
from vigie.core.i18n import lang_url
from vigie.site.percode import code_url

# Re-exported: callers catch these from the module that loads the file.
__all__ = [
    "DEFAULT_COLORS",
    "LAYOUTS",
    "Campaign",
    "CampaignError",
    "NotPublicError",
    "Variant",
    "load_campaign",
    "parse_campaign",
]

LAYOUTS = ("bandeau", "classique")
_CAMPAIGN_KEYS = {
    "name", "report_url", "languages", "layout", "formats", "crop_marks", "colors", "logos",
    "texts", "code_path",
}  # fmt: skip
_VARIANT_KEYS = {"code", "label", "language", "formats", "texts", "colors"}


@dataclass(frozen=True)
class Variant:
    code: str
    label: str
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    # This variant's own text overrides per language (over the campaign's), and
    # its colours (the campaign's, overridden key by key); None = the campaign's.
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    colors: dict[str, tuple[int, int, int]] | None = None


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
    draft: bool = False  # every piece carries « BROUILLON — NE PAS IMPRIMER »
    # The site publishes this campaign's per-code form pages (vigie.site.percode:
    # /s/CODE/, /en/s/CODE/...): the QR codes lead there (vigie.campaign.codepages).
    code_pages: bool = False
    print_code: bool = False  # the printed short address carries the code
    site_url: str = ""  # [site] url: where the language prefixes (/en/, /ar/) go

    def qr_url(self, code: str, lang: str = "fr") -> str:
        """What the QR code encodes: the per-code page in the piece's language, whose
        form carries the code without JavaScript; else the form with ?c=CODE."""
        if self.code_pages:
            return code_url(self.site_url, lang, code)
        return piece_url(self.form_url(lang), code)

    def address_for(self, code: str, lang: str = "fr") -> str:
        """The short address printed under the code, in the piece's language: with the
        code when the site has per-code paths, so someone who types it is counted too."""
        if not self.print_code:
            return self.short_address_for(lang)
        return self.code_address(lang, code)

    def form_url(self, lang: str) -> str:
        """The report form in `lang`: report_url for French, /en/..., /ar/... otherwise."""
        return lang_url(self.report_url, lang, self.site_url)

    def short_address_for(self, lang: str) -> str:
        """The short address to print on a piece in `lang` (host and path, no scheme)."""
        return short_address(self.form_url(lang))

    def code_address(self, lang: str, code: str) -> str:
        """The short per-code address to print (`host/ar/s/CODE`): the site publishes it
        when this campaign is listed in `[site] campaigns` (vigie.site.percode)."""
        return short_address(code_url(self.site_url, lang, code))


def short_address(report_url: str) -> str:
    """What people type: host and path without scheme (same rule as SiteConfig)."""
    parts = urlsplit(report_url)
    return (parts.netloc + parts.path).rstrip("/")


def is_public_https(url: str) -> bool:
    """An https:// address on a public host (the rule: vigie.campaign.publicurl)."""
    return publicurl.is_public_https(url)


def load_campaign(path: str | Path, cfg: Config, draft: bool = False) -> Campaign:
    """Read and validate CAMPAIGN.toml against the deployment config; raise CampaignError."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CampaignError(
            f"{path} : impossible de lire le fichier de campagne ({exc.strerror})"
        ) from None
    except UnicodeDecodeError as exc:
        raise CampaignError(f"{path} : le fichier n'est pas en UTF-8 ({exc.reason})") from None
    return parse_campaign(text, path, cfg, draft)


def parse_campaign(text: str, path: Path, cfg: Config, draft: bool = False) -> Campaign:
    """Validate campaign TOML text; `path` names it in messages and anchors the logos."""
    chk = Checker(str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path} : TOML invalide : {exc}") from None
    chk.unknown(data, {"campaign", "variant"}, "premier niveau :")
    camp = data.get("campaign")
    if not isinstance(camp, dict):
        raise chk.fail("[campaign]", 'table manquante (au moins name = "...")')
    chk.unknown(camp, _CAMPAIGN_KEYS, "[campaign]")
    name = chk.string(camp, "name", "[campaign]", None)
    report_url = chk.string(camp, "report_url", "[campaign]", cfg.site.report_url)
    parts = urlsplit(report_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise chk.fail("[campaign] report_url", f"adresse http(s) attendue, trouvé {report_url!r}")
    warnings = []
    if not is_public_https(report_url):
        if not draft:
            raise NotPublicError(
                f"{path} : [campaign] report_url : {report_url!r} n'est pas une adresse HTTPS "
                "publique ; le formulaire ne chiffre que sur HTTPS et un QR code vers cette "
                "machine ne mène nulle part dans la rue. Indiquez l'adresse publique du "
                "formulaire (report_url), ou relancez avec --draft pour un brouillon marqué "
                "« BROUILLON — NE PAS IMPRIMER »"
            )
        warnings.append(
            f"{path} : report_url {report_url!r} n'est pas une adresse HTTPS publique : "
            "brouillon seulement, chaque pièce porte « BROUILLON — NE PAS IMPRIMER »"
        )
    # The QR codes lead to the site's per-code pages when it publishes them.
    problem = code_pages_problem(cfg, path, report_url)
    with_code = print_code(chk, camp.get("code_path"), problem, cfg.site.url)
    if problem:
        warnings.append(fallback_warning(str(path), problem, report_url))
    languages = chk.str_list(camp, "languages", "[campaign]", LANGUAGES) or ("fr",)
    formats = chk.str_list(camp, "formats", "[campaign]", tuple(FORMATS)) or tuple(FORMATS)
    layout = camp.get("layout", LAYOUTS[0])
    if layout not in LAYOUTS:
        raise chk.fail(
            "[campaign] layout", f"valeurs possibles : {', '.join(LAYOUTS)}, trouvé {layout!r}"
        )
    crop_marks = camp.get("crop_marks", False)
    if not isinstance(crop_marks, bool):
        raise chk.fail("[campaign] crop_marks", f"true ou false attendu, trouvé {crop_marks!r}")
    colors = check_colors(chk, camp.get("colors", {}))
    logos = check_logos(chk, camp.get("logos", []), path.parent)
    numbers = {
        "police": cfg.emergency.police,
        "european": cfg.emergency.european,
        "sms": cfg.emergency.sms,
    }
    texts = check_texts(chk, camp.get("texts", {}), numbers)
    variants = _variants(
        chk, data.get("variant"), languages, formats, numbers, camp.get("colors", {})
    )
    missing = site_missing_languages(v.languages for v in variants)
    if missing:
        raise chk.fail(
            "[campaign] languages",
            f"le site n'a pas de pages en {', '.join(missing)} (il a {', '.join(SITE_LANGS)}) : "
            "une affiche doit mener au formulaire dans sa propre langue",
        )
    uses_rtl = any(lang in RTL_LANGUAGES for v in variants for lang in v.languages)
    if uses_rtl and not features.check("raqm"):
        # Without raqm, Arabic would print as isolated letters in reverse order.
        raise chk.fail("[campaign] languages", "l'arabe demande Pillow compilé avec raqm (libraqm)")
    return Campaign(
        source=str(path), name=name, report_url=report_url,
        short_address=short_address(report_url), layout=layout, crop_marks=crop_marks,
        colors=colors, logos=logos, texts=texts, numbers=numbers, variants=variants,
        warnings=tuple(warnings), draft=draft, code_pages=not problem, print_code=with_code,
        site_url=cfg.site.url,
    )  # fmt: skip


def site_missing_languages(
    languages: Iterable[Iterable[str]], site_langs: Iterable[str] = SITE_LANGS
) -> list[str]:
    """The poster languages the site does not publish (vigie.core.i18n, the one list)."""
    have = set(site_langs)
    return sorted({lang for group in languages for lang in group} - have)


def _variants(
    chk: Checker,
    value: Any,
    languages: tuple[str, ...],
    formats: tuple[str, ...],
    numbers: dict[str, str],
    base_colors: Any,
) -> tuple[Variant, ...]:
    if not isinstance(value, list) or not value:
        raise chk.fail("[[variant]]", "au moins une [[variant]] avec code et label attendue")
    seen: set[str] = set()
    out = []
    for i, table in enumerate(value, 1):
        where = f"[[variant]] #{i}"
        if not isinstance(table, dict):
            raise chk.fail(where, "table attendue")
        chk.unknown(table, _VARIANT_KEYS, where)
        code = chk.string(table, "code", where, None)
        problem = code_problem(code)
        if problem:
            raise chk.fail(f"{where} code", problem)
        if code in seen:
            raise chk.fail(f"{where} code", f"{code!r} est déjà le code d'une autre variante")
        seen.add(code)
        label = chk.string(table, "label", where, None)
        lang = table.get("language")
        if lang is not None and lang not in LANGUAGES:
            raise chk.fail(
                f"{where} language", f"langues possibles : {', '.join(LANGUAGES)}, trouvé {lang!r}"
            )
        langs = (lang,) if isinstance(lang, str) else languages
        fmts = chk.str_list(table, "formats", where, tuple(FORMATS)) or formats
        texts = check_texts(
            chk, table.get("texts", {}), numbers, f"{where} [variant.texts.{{lang}}]"
        )
        colors = None
        if "colors" in table:
            colors = check_colors(chk, table["colors"], f"{where} [variant.colors]", base_colors)
        out.append(Variant(code, label, langs, fmts, texts, colors))
    return tuple(out)
