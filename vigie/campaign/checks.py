"""Validators of the campaign file's parts, each with its French message; raised as CampaignError.

`spec.parse_campaign` runs them on the whole file; the studio runs the same
ones on its forms (code as it is typed, colours and their contrast), so the
file, the CLI and the studio never disagree on a rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PIL import Image

from vigie.campaign.formats import fr_num
from vigie.campaign.texts import LANGUAGES, TEXT_KEYS, texts_for
from vigie.core.config import ConfigError
from vigie.core.envelope import CAMPAIGN_CODE_RE, CAMPAIGN_MAX

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLORS = {
    "primary": "#12355b",  # the header band and headline
    "accent": "#b3001b",  # the emergency line
    "background": "#ffffff",
    "text": "#1a1a1a",
}


class CampaignError(ConfigError):
    """An invalid campaign file; printed as one line by the CLI (exit 2)."""


class NotPublicError(CampaignError):
    """The report address is not public HTTPS and the build is not a draft."""


def _rgb(value: str) -> tuple[int, int, int]:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio between two sRGB colours."""

    def lum(c: tuple[int, int, int]) -> float:
        lin = [(v / 255) / 12.92 if v <= 10 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


class Checker:
    """Builds messages that name the file and the key; small typed getters."""

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


def check_colors(
    chk: Checker, table: Any, where: str = "[campaign.colors]", base: dict[str, Any] | None = None
) -> dict[str, tuple[int, int, int]]:
    """The four colours as RGB; a variant's table overrides the campaign's (`base`)."""
    if not isinstance(table, dict):
        raise chk.fail(where, 'table attendue, comme { primary = "#12355b" }')
    chk.unknown(table, set(DEFAULT_COLORS), where)
    merged = {**(base if isinstance(base, dict) else {}), **table}
    for key, message in color_problems(merged).items():
        raise chk.fail(f"{where} {key}", message)
    return {k: _rgb(merged.get(k, d)) for k, d in DEFAULT_COLORS.items()}


def check_logos(chk: Checker, value: Any, base: Path) -> tuple[Path, ...]:
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


def check_texts(
    chk: Checker, table: Any, numbers: dict[str, str], where_of: str = "[campaign.texts.{lang}]"
) -> dict[str, dict[str, str]]:
    """Text overrides per language; `where_of` names their table in messages."""
    if not isinstance(table, dict):
        raise chk.fail(
            where_of.format(lang="LANGUE"), "une table par langue attendue, comme texts.fr"
        )
    out: dict[str, dict[str, str]] = {}
    for lang, texts in table.items():
        where = where_of.format(lang=lang)
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
