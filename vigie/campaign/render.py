"""Draw a planned piece to pixels: background, bands, text, logos, draft mark, then the QR code.

The code is pasted last, unscaled, at whole-pixel coordinates, on its own white
quiet zone, so nothing drawn before can bleed into it (not even the draft mark,
so a draft still proves that its code scans).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from vigie.campaign.fonts import get_font
from vigie.campaign.layout import PiecePlan
from vigie.campaign.qr import render_qr

DRAFT_LINES = ("BROUILLON —", "NE PAS IMPRIMER")
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
    """« BROUILLON — NE PAS IMPRIMER » on two lines, as large as fits, above and below the code.

    Never across the code: it is pasted last and would hide the middle of the
    mark, and a draft's code must still be read back like any other.
    """
    x0, y0, x1, y1 = plan.trim
    qr_top = plan.qr_pos[1]
    qr_bottom = qr_top + plan.qr.total_px
    lines = DRAFT_LINES
    probe = get_font("fr", True, 100)
    widest = max(probe.getlength(line) for line in lines)
    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for band_top, band_bottom in ((y0, qr_top), (qr_bottom, y1)):
        # As wide as 90 % of the piece, and the two lines within 80 % of the band.
        by_width = 100 * 0.9 * (x1 - x0) / widest
        by_height = 0.8 * (band_bottom - band_top) / (2 * 1.2 * 0.7)
        font = get_font("fr", True, max(8, int(min(by_width, by_height))))
        cap = font.getbbox("B", anchor="ls")[1] * -1
        gap = round(cap * 0.45)
        middle = (band_top + band_bottom) // 2
        baselines = (middle - gap // 2, middle + gap // 2 + round(cap))
        for line, baseline in zip(lines, baselines, strict=True):
            x = x0 + round((x1 - x0 - font.getlength(line)) / 2)
            draw.text((x, baseline), line, font=font, fill=DRAFT_RGBA, anchor="ls")
    canvas.paste(layer, (0, 0), layer)


def trim(canvas: Image.Image, plan: PiecePlan) -> Image.Image:
    """The finished size without bleed: what the web PNG shows."""
    if plan.trim == (0, 0, *plan.canvas):
        return canvas
    return canvas.crop(plan.trim)
