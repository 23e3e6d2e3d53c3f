"""Bundled fonts, loaded from installed Python packages so every machine renders the same.

Latin scripts use Atkinson Hyperlegible (designed for low-vision readers, which
suits a poster read from across a street). Arabic, which Atkinson lacks, uses
Noto Sans Arabic (a variable font: the weight axis is set explicitly). Shaping
and right-to-left ordering go through Pillow's raqm layout.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

from vigie.campaign.texts import RTL_LANGUAGES


def _files(package: str) -> Path:
    return Path(str(resources.files(package) / "files"))


def font_path(lang: str, bold: bool) -> tuple[Path, int | None]:
    """(font file, weight for variable fonts or None) for a language."""
    if lang in RTL_LANGUAGES:
        return _files("fontpkg_noto_sans_arabic") / "NotoSansArabic[wdth,wght].ttf", (
            700 if bold else 400
        )
    name = "AtkinsonHyperlegible-Bold.ttf" if bold else "AtkinsonHyperlegible-Regular.ttf"
    return _files("fontpkg_atkinson_hyperlegible") / name, None


@lru_cache(maxsize=512)
def get_font(lang: str, bold: bool, size_px: int) -> ImageFont.FreeTypeFont:
    path, weight = font_path(lang, bold)
    font = ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.RAQM)
    if weight is not None:
        axes = font.get_variation_axes()
        values = [
            float(weight) if "weight" in str(a["name"]).lower() else float(a["default"] or 0)
            for a in axes
        ]
        font.set_variation_by_axes(values)
    return font
