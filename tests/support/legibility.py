"""Measure each text line's cap height in the pixels of a rendered piece.

The measure is the height of the runs of ink that stand on the baseline, in
every column of the line: capitals, ascenders (as tall as capitals in
Atkinson Hyperlegible) and, in Arabic, the alif and lam. Accents, dots and
hamza are separate marks, so they do not count. The upper quartile of the
tall runs (within 15 % of the tallest) is the line's cap height: Arabic stems
have slanted tops, and a few taller signs ("/", "f", "?") must not pass for
capitals. The layout only says where each line is (its baseline and width);
the height comes from the image, never from the font size that was asked for.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from vigie.campaign.layout import PiecePlan
from vigie.campaign.render import DRAFT_RGBA
from vigie.campaign.textfit import text_width


def _background(plan: PiecePlan, x: int, y: int) -> tuple[int, int, int]:
    for (x0, y0, x1, y1), color in reversed(plan.bands):
        if x0 <= x < x1 and y0 <= y < y1:
            return color
    return plan.background


def measured_caps(img: Image.Image, plan: PiecePlan, origin: tuple[int, int]) -> dict[str, int]:
    """Role -> cap height in pixels; `img` is the canvas or the trim (origin = its corner)."""
    rgb = np.asarray(img.convert("RGB"), dtype=np.int32)
    ox, oy = origin
    out: dict[str, int] = {}
    for block in plan.blocks:
        style = block.style
        ink = np.array(style.color, dtype=np.int32)
        columns = []
        for line in block.lines:
            bg = np.array(_background(plan, line.x + 1, line.y - 1), dtype=np.int32)
            x0 = line.x - ox
            x1 = x0 + round(text_width(line.text, style))
            base = line.y - oy
            top = max(0, base - 3 * style.size_px)
            crop = rgb[top:base, x0:x1]
            # A pixel is ink when it is nearer the text colour than the background.
            is_ink = ((crop - ink) ** 2).sum(axis=2) < ((crop - bg) ** 2).sum(axis=2)
            # Runs of ink going up from the row just above the baseline.
            columns.append(np.cumprod(is_ink[::-1], axis=0).sum(axis=0))
        runs = np.concatenate(columns)
        tall = runs[runs >= 0.85 * runs.max()]
        out[block.role] = int(np.percentile(tall, 75))
    return out


def mark_share(img: Image.Image) -> float:
    """Share of the pixels in the draft mark's colour over white."""
    r, g, b, a = DRAFT_RGBA
    over_white = np.array([round(c * a / 255 + 255 * (1 - a / 255)) for c in (r, g, b)])
    rgb = np.asarray(img.convert("RGB"), dtype=np.int32)
    return float((np.abs(rgb - over_white).max(axis=2) <= 12).mean())
