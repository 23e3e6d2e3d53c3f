"""Draw a planned piece to pixels: background, bands, text, logos, then the QR code.

The code is pasted last, unscaled, at whole-pixel coordinates, on its own white
quiet zone, so nothing drawn before can bleed into it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from vigie.campaign.layout import PiecePlan
from vigie.campaign.qr import render_qr


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
    canvas.paste(render_qr(plan.qr).convert("RGB"), plan.qr_pos)
    return canvas


def trim(canvas: Image.Image, plan: PiecePlan) -> Image.Image:
    """The finished size without bleed: what the web PNG shows."""
    if plan.trim == (0, 0, *plan.canvas):
        return canvas
    return canvas.crop(plan.trim)
