"""The campaign file (CAMPAIGN.toml): parsed and fully validated before anything is drawn.

Every error names the file, the key and what is expected, in French (the
comms team reads them), and is raised before a single output file exists. A
report address that is not public HTTPS is refused unless the build is an
explicit draft: a QR code to 127.0.0.1 must never reach a print shop. Variant
codes must match the envelope's campaign code pattern because they travel
inside the encrypted tips (one owner of that rule: `vigie.core.envelope`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, features

from vigie.campaign.formats import FORMATS, fr_num
from vigie.campaign.texts import LANGUAGES, RTL_LANGUAGES, TEXT_KEYS, texts_for
from vigie.core.config import Config, ConfigError
from vigie.core.envelope import CAMPAIGN_CODE_RE, CAMPAIGN_MAX

LAYOUTS = ("bandeau", "classique")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLORS = {
    "primary": "#12355b",  # the header band and headline
    "accent": "#b3001b",  # the emergency line
    "background": "#ffffff",
    "text": "#1a1a1a",
}
_CAMPAIGN_KEYS = {
    "name", "report_url", "languages", "layout", "formats", "crop_marks", "colors", "logos",
    "texts", "code_path",
}  # fmt: skip
# A per-code path on the site (e.g. "/s/{code}/"): letters, digits, "/", "-", "_", ".".
_CODE_PATH_RE = re.compile(r"^/[A-Za-z0-9/_.-]*\{code\}[A-Za-z0-9/_.-]*$")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")  # noqa: S104 - a list to refuse
_VARIANT_KEYS = {"code", "label", "language", "formats"}


class CampaignError(ConfigError):
    """An invalid campaign file; printed as one line by the CLI (exit 2)."""


class NotPublicError(CampaignError):
    """The report address is not public HTTPS and the build is not a draft."""


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
    draft: bool = False  # every piece carries « BROUILLON — NE PAS IMPRIMER »
    code_path: str = ""  # the site's per-code path, e.g. "/s/{code}/"; "" = none

    def address_for(self, code: str) -> str:
        """The short address printed under the code: with the code when the site has per-code paths.

        Someone who types it is then counted with the poster's code too.
        """
        if not self.code_path:
            return self.short_address
        host = urlsplit(self.report_url).netloc
        return (host + self.code_path.format(code=code)).rstrip("/")


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
        return CampaignError(f"{self.source} : {where} : {message}")

    def string(self, table: dict[str, Any], key: str, where: str, default: str | None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where} {key}", f"texte non vide attendu, trouvé {value!r}")
        return value.strip()

    def str_list(
        self, table: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]
    ) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(
                f"{where} {key}", f"liste non vide de textes attendue, trouvé {value!r}"
            )
        for v in value:
            if v not in allowed:
                raise self.fail(
                    f"{where} {key}",
                    f"valeur inconnue {v!r}, valeurs possibles : {', '.join(allowed)}",
                )
        return tuple(dict.fromkeys(value))

    def unknown(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{where} {key}",
                    f"clé inconnue (clés possibles : {', '.join(sorted(allowed))})",
                )


def is_public_https(url: str) -> bool:
    """An https:// address on a public host name (not loopback, not a bare local name)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme == "https" and host not in LOCAL_HOSTS and "." in host


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
    chk = _Checker(str(path))
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
    code_path = camp.get("code_path", "")
    if code_path and (
        not isinstance(code_path, str)
        or not _CODE_PATH_RE.fullmatch(code_path)
        or code_path.count("{code}") != 1
    ):
        raise chk.fail(
            "[campaign] code_path",
            f'chemin du site par code attendu, comme "/s/{{code}}/", trouvé {code_path!r}',
        )
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
    colors = _colors(chk, camp.get("colors", {}))
    logos = _logos(chk, camp.get("logos", []), path.parent)
    numbers = {
        "police": cfg.emergency.police,
        "european": cfg.emergency.european,
        "sms": cfg.emergency.sms,
    }
    texts = _texts(chk, camp.get("texts", {}), numbers)
    variants = _variants(chk, data.get("variant"), languages, formats)
    uses_rtl = any(lang in RTL_LANGUAGES for v in variants for lang in v.languages)
    if uses_rtl and not features.check("raqm"):
        # Without raqm, Arabic would print as isolated letters in reverse order.
        raise chk.fail("[campaign] languages", "l'arabe demande Pillow compilé avec raqm (libraqm)")
    return Campaign(
        source=str(path), name=name, report_url=report_url,
        short_address=short_address(report_url), layout=layout, crop_marks=crop_marks,
        colors=colors, logos=logos, texts=texts, numbers=numbers, variants=variants,
        warnings=tuple(warnings), draft=draft, code_path=code_path,
    )  # fmt: skip


def color_problems(values: dict[str, str]) -> dict[str, str]:
    """Colour key -> French message; empty when the colours are valid.

    Legibility is not optional on a poster read from 2 m: WCAG AA (4.5:1)
    against the background, and for white headline text on the primary band.
    The studio checks its form with this same function.
    """
    problems = {}
    for key in DEFAULT_COLORS:
        value = values.get(key, DEFAULT_COLORS[key])
        if not isinstance(value, str) or not COLOR_RE.match(value):
            problems[key] = f"#RRVVBB attendu, trouvé {value!r}"
    if problems:
        return problems
    rgb = {k: _rgb(values.get(k, d)) for k, d in DEFAULT_COLORS.items()}
    for fg in ("text", "primary", "accent"):
        ratio = contrast(rgb[fg], rgb["background"])
        if ratio < 4.5:
            problems[fg] = f"contraste avec le fond de {fr_num(ratio)}:1, il faut au moins 4,5:1"
    if "primary" not in problems and contrast(rgb["primary"], (255, 255, 255)) < 4.5:
        problems["primary"] = (
            "le titre y est écrit en blanc : choisissez une couleur plus foncée (4,5:1)"
        )
    return problems


def _colors(chk: _Checker, table: Any) -> dict[str, tuple[int, int, int]]:
    if not isinstance(table, dict):
        raise chk.fail("[campaign] colors", 'table attendue, comme { primary = "#12355b" }')
    chk.unknown(table, set(DEFAULT_COLORS), "[campaign.colors]")
    for key, message in color_problems(table).items():
        raise chk.fail(f"[campaign.colors] {key}", message)
    return {k: _rgb(table.get(k, d)) for k, d in DEFAULT_COLORS.items()}


def _logos(chk: _Checker, value: Any, base: Path) -> tuple[Path, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise chk.fail("[campaign] logos", f"liste de chemins d'images attendue, trouvé {value!r}")
    if len(value) > 3:
        raise chk.fail("[campaign] logos", "3 logos au plus tiennent sur une pièce")
    paths = []
    for v in value:
        p = (base / v).resolve()
        try:
            with Image.open(p) as img:
                img.verify()
        except (OSError, SyntaxError) as exc:
            raise chk.fail(
                "[campaign] logos", f"{v!r} n'est pas une image lisible ({exc})"
            ) from None
        paths.append(p)
    return tuple(paths)


def _texts(chk: _Checker, table: Any, numbers: dict[str, str]) -> dict[str, dict[str, str]]:
    if not isinstance(table, dict):
        raise chk.fail(
            "[campaign.texts]", "une table par langue attendue, comme [campaign.texts.fr]"
        )
    out: dict[str, dict[str, str]] = {}
    for lang, texts in table.items():
        where = f"[campaign.texts.{lang}]"
        if lang not in LANGUAGES:
            raise chk.fail(where, f"langue inconnue, langues possibles : {', '.join(LANGUAGES)}")
        if not isinstance(texts, dict):
            raise chk.fail(where, "table de textes attendue")
        chk.unknown(texts, set(TEXT_KEYS), where)
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip() or len(value) > 300:
                raise chk.fail(f"{where} {key}", "texte non vide de 300 caractères au plus attendu")
        out[lang] = {k: v.strip() for k, v in texts.items()}
        try:
            texts_for(lang, out[lang], numbers)
        except (KeyError, ValueError, IndexError) as exc:
            raise chk.fail(
                where, f"repère inconnu {exc} (possibles : {{police}}, {{european}}, {{sms}})"
            ) from None
    return out


CODE_RULE = (
    f"2 à 12 majuscules ou chiffres, puis jusqu'à 3 parties séparées par des tirets, "
    f"{CAMPAIGN_MAX} caractères au plus (par exemple BSN-CENTRE)"
)


def code_problem(code: str) -> str | None:
    """What is wrong with a variant code, in French; None when it is valid.

    The envelope owns the rule (the code travels encrypted in every report).
    """
    if len(code) > CAMPAIGN_MAX or not CAMPAIGN_CODE_RE.fullmatch(code):
        return f"{code!r} n'est pas un code de campagne : {CODE_RULE}"
    return None


def _variants(
    chk: _Checker, value: Any, languages: tuple[str, ...], formats: tuple[str, ...]
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
        out.append(Variant(code=code, label=label, languages=langs, formats=fmts))
    return tuple(out)
