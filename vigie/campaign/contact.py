"""The contact sheet: every piece as a labelled thumbnail, A3 landscape pages, for review.

Thumbnails are downscaled for the eye only; the codes that get printed are the
full-resolution ones checked by `campaign.verify`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from vigie.campaign.fonts import get_font
from vigie.campaign.pdf import PdfPage, write_pdf

SHEET_DPI = 100
PAGE_MM = (420.0, 297.0)
COLS, ROWS = 4, 2
THUMB_H = 420  # px at SHEET_DPI, leaves room for three label lines


@dataclass(frozen=True)
class Thumb:
    size: tuple[int, int]
    rgb: bytes
    lines: tuple[str, ...]  # label lines under the thumbnail


def make_thumb(page: Image.Image, lines: tuple[str, ...]) -> Thumb:
    scale = THUMB_H / page.height
    w = max(1, round(page.width * scale))
    cell_w = _page_px()[0] // COLS - 30
    if w > cell_w:
        w, scale = cell_w, cell_w / page.width
    # Box-reduce by an integer factor first: LANCZOS over a full 300 dpi page is slow.
    factor = max(1, int(1 / scale) // 2)
    base = page.reduce(factor) if factor > 1 else page
    small = base.resize((w, max(1, round(page.height * scale))), Image.Resampling.LANCZOS)
    return Thumb(small.size, small.convert("RGB").tobytes(), lines)


def _page_px() -> tuple[int, int]:
    return tuple(round(mm / 25.4 * SHEET_DPI) for mm in PAGE_MM)  # type: ignore[return-value]


def contact_sheet(title: str, thumbs: list[Thumb]) -> bytes:
    """A PDF with COLS x ROWS thumbnails per page, each labelled."""
    pw, ph = _page_px()
    head = get_font("fr", True, 22)
    small = get_font("fr", False, 14)
    bold = get_font("fr", True, 15)
    per_page = COLS * ROWS
    pages = []
    count = max(1, -(-len(thumbs) // per_page))
    for p in range(count):
        img = Image.new("RGB", (pw, ph), (236, 236, 236))
        draw = ImageDraw.Draw(img)
        draw.text((30, 18), f"{title} — planche {p + 1}/{count}", font=head, fill=(20, 20, 20))
        cell_w, cell_h = pw // COLS, (ph - 60) // ROWS
        for i, th in enumerate(thumbs[p * per_page : (p + 1) * per_page]):
            cx, cy = (i % COLS) * cell_w, 60 + (i // COLS) * cell_h
            x = cx + (cell_w - th.size[0]) // 2
            img.paste(Image.frombytes("RGB", th.size, th.rgb), (x, cy))
            draw.rectangle(
                (x - 1, cy - 1, x + th.size[0], cy + th.size[1]), outline=(120, 120, 120)
            )
            ty = cy + th.size[1] + 6
            for j, line in enumerate(th.lines):
                font = bold if j == 0 else small
                draw.text(
                    (cx + 15, ty), _fit(line, font, cell_w - 30), font=font, fill=(20, 20, 20)
                )
                ty += 19
        png = io.BytesIO()
        img.save(png, format="PNG", compress_level=3)
        pages.append(PdfPage(png.getvalue(), PAGE_MM[0], PAGE_MM[1]))
    return write_pdf(pages)


def _fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Shorten a label with an ellipsis so it stays inside its cell."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"
