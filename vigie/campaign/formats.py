"""The printed and social formats: sizes, resolution, reading and scan distances, QR limits.

Every size that reaches paper is held in millimetres and converted once to
pixels at 300 dpi; social formats are plain pixel sizes. Each format states two
distances. The *reading* distance is where people stand when they read it: every
line of text gets a cap height of at least distance / 300 (and never under
4.5 mm on a poster, the French ERP signage floor). The *scan* distance is where
a phone is held to scan the code: the code is at least scan distance / 10 wide
and the simulated camera of `campaign.verify` stands there. On a poster the
two differ: it is read from across a hall, but nobody scans from 1.5 m; people
step up to it (docs/campaign.md justifies the numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PRINT_DPI = 300
BLEED_MM = 3.0
MM_PER_INCH = 25.4
# A phone scanner works on a video frame about 1920 px wide with a ~70° field
# of view: at distance d the frame covers 2·d·tan(35°) ≈ 1.4·d of the wall.
CAMERA_FRAME_PX = 1920
CAMERA_FOV_FACTOR = 2 * math.tan(math.radians(35))
# Below this many camera pixels per module a real scan gets unreliable: the
# code is refused as too dense rather than printed and left to fail.
MIN_CAMERA_PX_PER_MODULE = 3.0
# The code plus its quiet zone is at least this much wider than the bare
# distance/10 rule (design notes: "plus 20–30% margin").
QR_MARGIN_FACTOR = 1.2
# Legibility: cap height >= reading distance / 300 (a common signage rule of
# thumb), and the French ERP signage floor of 4.5 mm on posters.
READING_RATIO = 300
POSTER_MIN_CAP_MM = 4.5
# Social images are read on a phone: 1080 px across a screen about 70 mm wide.
SOCIAL_SCREEN_MM = 70.0


def fr_num(value: float, digits: int = 1) -> str:
    """A number as the comms team writes it: decimal comma, no trailing zeros (1,5 ; 6,7)."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@dataclass(frozen=True)
class Format:
    """One output format. `width`/`height` are mm for print, px for social."""

    name: str
    title: str  # shown on the contact sheet
    kind: str  # "poster", "flyer", "sticker" or "social"
    width: float
    height: float
    distance_m: float  # reading (viewing) distance: sizes the text
    scan_m: float  # where a phone scans it from: sizes the code
    qr_max_fraction: float  # widest the code (with quiet zone) may be, of the trim width
    min_text_pt: float  # smallest text size allowed, whatever the distance

    @property
    def is_print(self) -> bool:
        return self.kind != "social"

    @property
    def bleed_mm(self) -> float:
        # Stickers are die-cut by the printer from the same 3 mm bleed convention.
        return BLEED_MM if self.is_print else 0.0

    def px(self, mm: float) -> int:
        """Millimetres to whole pixels at print resolution (social: identity)."""
        if not self.is_print:
            return round(mm)
        return round(mm * PRINT_DPI / MM_PER_INCH)

    @property
    def px_per_mm(self) -> float:
        return PRINT_DPI / MM_PER_INCH if self.is_print else 1.0

    @property
    def trim_px(self) -> tuple[int, int]:
        return self.px(self.width), self.px(self.height)

    @property
    def canvas_px(self) -> tuple[int, int]:
        """The rendered canvas: trim size plus bleed on every side."""
        b = self.px(self.bleed_mm)
        w, h = self.trim_px
        return w + 2 * b, h + 2 * b

    @property
    def min_symbol_mm(self) -> float:
        """The bare QR symbol (no quiet zone) must be at least scan distance / 10 wide."""
        return self.scan_m * 1000 / 10

    @property
    def camera_px_per_mm(self) -> float:
        """What a phone camera resolves of the piece at its scan distance."""
        return CAMERA_FRAME_PX / (CAMERA_FOV_FACTOR * self.scan_m * 1000)

    @property
    def min_cap_mm(self) -> float:
        """Smallest cap height any line may have: reading distance / 300 (4.5 mm on posters)."""
        rule = self.distance_m * 1000 / READING_RATIO
        return max(rule, POSTER_MIN_CAP_MM) if self.kind == "poster" else rule

    @property
    def min_cap_px(self) -> int:
        if self.is_print:
            return math.ceil(self.min_cap_mm * self.px_per_mm)
        return math.ceil(self.min_cap_mm * self.width / SOCIAL_SCREEN_MM)

    def px_to_mm(self, px: float) -> float:
        """Pixels to millimetres on paper (social: on the assumed phone screen)."""
        if self.is_print:
            return px / self.px_per_mm
        return px * SOCIAL_SCREEN_MM / self.width

    def pt_to_px(self, pt: float) -> float:
        if not self.is_print:
            return pt  # social sizes are given in px directly
        return pt * PRINT_DPI / 72


# Reading distances: posters are read across a street or hall (A3 from 2 m,
# A4 from 1.5 m), flyers and stickers at arm's length or a step away. Posters
# are scanned from closer (A3 1.5 m, A4 1 m): someone who decides to report
# walks up to the poster, and a code sized for the reading distance would take
# 85-90 % of the width and leave the text too small to read from there.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("a3", "Affiche A3", "poster", 297, 420, 2.0, 1.5, 0.90, 12),
        Format("a4", "Affiche A4", "poster", 210, 297, 1.5, 1.0, 0.90, 9),
        Format("a5", "Tract A5", "flyer", 148, 210, 0.5, 0.5, 0.60, 8),
        Format("a6", "Tract A6", "flyer", 105, 148, 0.4, 0.4, 0.62, 7),
        Format("sticker", "Autocollant 100 × 100 mm", "sticker", 100, 100, 0.3, 0.3, 0.46, 6),
        # Social images are scanned from another screen at about 30 cm; sizes in px.
        Format("square", "Réseaux sociaux 1080 × 1080", "social", 1080, 1080, 0.3, 0.3, 0.46, 18),
        Format("story", "Story 1080 × 1920", "social", 1080, 1920, 0.3, 0.3, 0.62, 26),
    )
}
