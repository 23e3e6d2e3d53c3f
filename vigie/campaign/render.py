"""Draw a planned piece to pixels: background, bands, text, logos, draft mark, then the QR code.

The code is pasted last, unscaled, at whole-pixel coordinates, on its own white
quiet zone, so nothing drawn before can bleed into it (not even the draft mark,
so a draft still proves that its code scans).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from vigie.campaign.fonts import get_font
from vigie.campaign.layout import PiecePlan
from vigie.campaign.qr import render_qr

DRAFT_TEXT = "BROUILLON — NE PAS IMPRIMER"
DRAFT_RGBA = (200, 0, 0, 110)  # translucent red: the piece stays readable for review


@lru_cache(maxsize=8)
def _logo(path: Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGBA")


def _draw_logos(canvas: Image.Image, plan: PiecePlan, logos: tuple[Path, ...]) -> None:
    if not plan.logos or not logos:
        return
    left, top, right, bottom = plan.logos[0]
    height = bottom - top
    gap = height // 2
    scaled = []
    for path in logos:
        img = _logo(path)
        w = max(1, round(img.width * height / img.height))
        w = min(w, (right - left) // len(logos) - gap)
        h = max(1, round(img.height * w / img.width))
        # Logos are artwork, not codes: smooth resampling is right for them.
        scaled.append(img.resize((w, h), Image.Resampling.LANCZOS))
    total = sum(s.width for s in scaled) + gap * (len(scaled) - 1)
    x = left + (right - left - total) // 2
    for s in scaled:
        canvas.paste(s, (x, top + (height - s.height) // 2), s)
        x += s.width + gap


def draw_piece(plan: PiecePlan, logos: tuple[Path, ...]) -> Image.Image:
    """The full canvas (trim plus bleed) as an RGB image."""
    canvas = Image.new("RGB", plan.canvas, plan.background)
    draw = ImageDraw.Draw(canvas)
    for rect, color in plan.bands:
        draw.rectangle((rect[0], rect[1], rect[2] - 1, rect[3] - 1), fill=color)
    for block in plan.blocks:
        style = block.style
        for line in block.lines:
            draw.text(
                (line.x, line.y), line.text, font=style.font, fill=style.color, anchor="ls",
                direction=style.direction, language=style.lang,
            )  # fmt: skip
    _draw_logos(canvas, plan, logos)
    if plan.draft:
        _draw_draft_mark(canvas, plan)
    canvas.paste(render_qr(plan.qr).convert("RGB"), plan.qr_pos)
    return canvas


def _draw_draft_mark(canvas: Image.Image, plan: PiecePlan) -> None:
    """« BROUILLON — NE PAS IMPRIMER » across the diagonal of the trim, as large as it fits."""
    x0, y0, x1, y1 = plan.trim
    w, h = x1 - x0, y1 - y0
    diagonal = math.hypot(w, h)
    probe = get_font("fr", True, 100)
    size = max(8, int(100 * 0.85 * diagonal / probe.getlength(DRAFT_TEXT)))
    font = get_font("fr", True, size)
    left, top, right, bottom = (round(v) for v in font.getbbox(DRAFT_TEXT, anchor="ls"))
    layer = Image.new("RGBA", (right - left + 8, bottom - top + 8), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        (4 - left, 4 - top), DRAFT_TEXT, font=font, fill=DRAFT_RGBA, anchor="ls"
    )
    # Rising from bottom-left to top-right, whatever the proportions of the piece.
    layer = layer.rotate(
        math.degrees(math.atan2(h, w)), expand=True, resample=Image.Resampling.BILINEAR
    )
    pos = (x0 + (w - layer.width) // 2, y0 + (h - layer.height) // 2)
    canvas.paste(layer, pos, layer)


def trim(canvas: Image.Image, plan: PiecePlan) -> Image.Image:
    """The finished size without bleed: what the web PNG shows."""
    if plan.trim == (0, 0, *plan.canvas):
        return canvas
    return canvas.crop(plan.trim)
