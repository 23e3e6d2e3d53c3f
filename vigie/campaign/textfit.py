"""Measure, wrap and place text so it always fits its box: shrink, never overflow or clip.

Lines are broken between words in logical order, then each line is shaped as a
whole (raqm handles right-to-left and Arabic joining), so the measured width is
the width actually drawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

from vigie.campaign.fonts import get_font
from vigie.campaign.texts import RTL_LANGUAGES

# Tallest and deepest letters of each script (accents, hamza, descenders).
_PROBES = {"rtl": "أبلغ عنها لإخفاء؟ مشفّرة", "ltr": "ÉÀÇÂgjpqy"}
# The letter whose height is the legibility measure: a capital H in Latin
# scripts (Atkinson's ascenders are exactly as tall), the alif in Arabic (no capitals).
CAP_PROBES = {"rtl": "ا", "ltr": "H"}


@lru_cache(maxsize=1024)
def cap_height(lang: str, bold: bool, size_px: int) -> int:
    """Ink height in pixels of the script's reference letter at this size, as Pillow draws it."""
    rtl = lang in RTL_LANGUAGES
    font = get_font(lang, bold, size_px)
    _, top, _, _ = font.getbbox(
        CAP_PROBES["rtl" if rtl else "ltr"], direction="rtl" if rtl else "ltr", language=lang,
        anchor="ls",
    )  # fmt: skip
    return -round(top)


@lru_cache(maxsize=1024)
def size_for_cap(lang: str, bold: bool, cap_px: int) -> int:
    """The smallest font size (px) whose reference letter is at least cap_px tall."""
    ratio = cap_height(lang, bold, 1000) / 1000
    size = max(1, int(cap_px / ratio) - 1)
    while cap_height(lang, bold, size) < cap_px:
        size += 1
    return size


@lru_cache(maxsize=1024)
def _extent(lang: str, bold: bool, size_px: int) -> tuple[int, int]:
    rtl = lang in RTL_LANGUAGES
    probe = _PROBES["rtl" if rtl else "ltr"]
    font = get_font(lang, bold, size_px)
    _, top, _, bottom = font.getbbox(
        probe, direction="rtl" if rtl else "ltr", language=lang, anchor="ls"
    )
    return -round(top), round(bottom)


@dataclass(frozen=True)
class TextStyle:
    lang: str
    rtl: bool
    bold: bool
    size_px: int
    color: tuple[int, int, int]
    align: str  # "start" or "center"
    url: bool = False  # an address: break only after "/" or ".", never inside a word

    @property
    def cap_px(self) -> int:
        return cap_height(self.lang, self.bold, self.size_px)

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return get_font(self.lang, self.bold, self.size_px)

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def ascent(self) -> int:
        """Height above the baseline that real text of this script reaches."""
        return _extent(self.lang, self.bold, self.size_px)[0]

    @property
    def line_height(self) -> int:
        # Measured from the script's own tall and deep letters rather than the
        # font's declared metrics: Noto Sans Arabic declares twice what it inks.
        up, down = _extent(self.lang, self.bold, self.size_px)
        return round((up + down) * 1.1)


@dataclass(frozen=True)
class TextLine:
    text: str
    x: int  # left edge of the line's advance box
    y: int  # the baseline


@dataclass(frozen=True)
class TextBlock:
    style: TextStyle
    lines: tuple[TextLine, ...]
    top: int
    height: int
    role: str = ""  # which text of the piece: headline, what, address...


def text_width(text: str, style: TextStyle) -> float:
    return float(style.font.getlength(text, direction=style.direction, language=style.lang))


def _tokens(text: str, style: TextStyle) -> tuple[list[str], str]:
    if style.url:
        # An address must be typed exactly: no added spaces, breaks at its own separators.
        return [t for t in re.split(r"(?<=[/.])", text) if t], ""
    return text.split(), " "


@lru_cache(maxsize=4096)
def wrap(text: str, style: TextStyle, max_width: int) -> tuple[str, ...] | None:
    """Greedy word wrap; None when a single word is wider than the box.

    Cached: the layout's bisection measures the same lines at the same sizes
    again and again (lines held at their legibility floor do not change).
    """
    lines: list[str] = []
    current = ""
    words, joiner = _tokens(text, style)
    for word in words:
        candidate = f"{current}{joiner}{word}" if current else word
        if text_width(candidate, style) <= max_width:
            current = candidate
            continue
        if not current:
            return None
        lines.append(current)
        current = word
        if text_width(current, style) > max_width:
            return None
    if current:
        lines.append(current)
    return tuple(lines)


def _pad(style: TextStyle) -> int:
    """Side bearings and Arabic swashes can ink past the advance width: keep a margin."""
    return max(1, style.size_px // 20)


def block_height(text: str, style: TextStyle, max_width: int) -> int | None:
    lines = wrap(text, style, max_width - 2 * _pad(style))
    return None if lines is None else len(lines) * style.line_height


def place(
    text: str, style: TextStyle, left: int, width: int, top: int, role: str = ""
) -> TextBlock:
    """Lay the wrapped lines out in the box (left, width) from `top`; caller checked fit."""
    pad = _pad(style)
    left, width = left + pad, width - 2 * pad
    lines = wrap(text, style, width)
    assert lines is not None
    placed = []
    y = top
    for line in lines:
        w = round(text_width(line, style))
        if style.align == "center":
            x = left + (width - w) // 2
        elif style.rtl:
            x = left + width - w  # right-to-left text starts at the right edge
        else:
            x = left
        placed.append(TextLine(line, x, y + style.ascent))
        y += style.line_height
    return TextBlock(style, tuple(placed), top, y - top, role)


def ink_box(block: TextBlock) -> tuple[int, int, int, int]:
    """The union of the pixels each line really inks, for overflow checks."""
    boxes = []
    for line in block.lines:
        x0, y0, x1, y1 = block.style.font.getbbox(
            line.text, direction=block.style.direction, language=block.style.lang, anchor="ls"
        )
        boxes.append((line.x + int(x0), line.y + int(y0), line.x + int(x1), line.y + int(y1)))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
