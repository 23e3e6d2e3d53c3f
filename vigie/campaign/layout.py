"""Where everything goes on a piece: two layouts, text legible at its distance, never clipped.

A piece is a vertical stack inside the safe area (trim minus margin). Its items
are text blocks, the QR code (from `campaign.qr`), optionally a row with the
code beside its texts (square pieces, where height is scarce) and a row of
logos. One unit size `u` scales every text, but no line goes under its floor:
a cap height of the format's reading distance / 300 (4.5 mm at least on
posters, see `campaign.formats`). The largest `u` that fits is found by
bisection with the code at its scan-distance minimum; if the text is then at
its largest, the room left grows the code. If even the floors do not fit, the
piece is refused with a message naming the line, never printed off the page.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from vigie.campaign.formats import FORMATS, Format, fr_num
from vigie.campaign.qr import QRPlan, larger_sizes, plan_qr
from vigie.campaign.spec import Campaign, Variant
from vigie.campaign.textfit import TextBlock, TextStyle, block_height, place, size_for_cap
from vigie.campaign.texts import ROLE_NAMES, PieceTexts, texts_for

Rect = tuple[int, int, int, int]
Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
Palette = dict[str, Color]

# Text sizes relative to the unit u: (multiplier, bold, colour key, centred).
ROLES: dict[str, tuple[float, bool, str, bool]] = {
    "headline": (2.0, True, "primary", True),
    "what": (1.0, False, "text", False),
    "anonymous": (1.0, False, "text", False),
    "scan": (0.9, False, "text", True),
    "address": (1.6, True, "text", True),
    "check": (0.85, False, "text", True),
    "emergency": (1.1, True, "accent", False),
}
SQUARE_HEADLINE = 1.5  # square pieces have less height for a big headline
# On square pieces the two body messages sit beside the code; the address stays under it.
SIDE_KEYS = ("what", "anonymous")


class LayoutError(ValueError):
    """The texts cannot fit this format at a legible size."""


@dataclass
class PiecePlan:
    code: str
    label: str
    lang: str
    fmt: Format
    url: str
    qr: QRPlan
    canvas: tuple[int, int]
    trim: Rect
    safe: Rect
    qr_pos: tuple[int, int] = (0, 0)
    bands: list[tuple[Rect, Color]] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    logos: list[Rect] = field(default_factory=list)
    background: Color = WHITE
    unit_px: int = 0
    address: str = ""
    draft: bool = False

    @property
    def name(self) -> str:
        return f"{self.code}-{self.lang}-{self.fmt.name}"


def _items(layout: str, square: bool) -> list[str]:
    if square:
        return ["headline", "qrrow", "scan", "address", "check", "emergency", "logos"]
    qr = ["scan", "qr", "address", "check"]
    if layout == "bandeau":
        return ["headline", "what", "anonymous", *qr, "emergency", "logos"]
    return ["headline", *qr, "what", "anonymous", "emergency", "logos"]


class _Stack:
    """Measures (and then places) the items for one unit size."""

    def __init__(
        self, plan: PiecePlan, camp: Campaign, texts: PieceTexts, square: bool, colors: Palette
    ) -> None:
        self.plan, self.camp, self.texts, self.square = plan, camp, texts, square
        self.colors = colors
        self.width = plan.safe[2] - plan.safe[0]
        self.items = _items(camp.layout, square)
        self.logo_h = round(0.055 * (plan.trim[3] - plan.trim[1])) if camp.logos else 0
        self.failed = ""  # the text that last failed to fit, for the error message
        fmt = plan.fmt
        floor_pt = math.ceil(fmt.pt_to_px(fmt.min_text_pt))
        # Each line's smallest size: its letters reach the format's cap height.
        self.floors = {
            key: max(floor_pt, size_for_cap(self._lang(key), ROLES[key][1], fmt.min_cap_px))
            for key in ROLES
        }

    def _lang(self, key: str) -> str:
        # The address is Latin and typed as printed.
        return "en" if key == "address" else self.texts.lang

    def style(self, key: str, u: int) -> TextStyle:
        mult, bold, color_key, centred = ROLES[key]
        if key == "headline" and self.square:
            mult = SQUARE_HEADLINE
        color = self.colors[color_key]
        if key == "headline" and self.camp.layout == "bandeau":
            color = WHITE  # on the primary-coloured band
        if key == "emergency" and self.camp.layout == "classique":
            color = WHITE  # on the accent-coloured band
        rtl = self.texts.rtl and key != "address"  # the address reads left to right
        return TextStyle(
            self._lang(key), rtl, bold, max(self.floors[key], round(mult * u)), color,
            "center" if centred else "start", url=key == "address",
        )  # fmt: skip

    def text(self, key: str) -> str:
        return self.plan.address if key == "address" else str(getattr(self.texts, key))

    def side_width(self) -> int:
        return self.width - self.plan.qr.total_px

    def heights(self, u: int) -> list[int] | None:
        out = []
        for item in self.items:
            if item == "qr":
                out.append(self.plan.qr.total_px)
            elif item == "logos":
                out.append(self.logo_h)
            elif item == "qrrow":
                side = self.side_height(u)
                if side is None:
                    return None
                out.append(max(self.plan.qr.total_px, side))
            else:
                h = block_height(self.text(item), self.style(item, u), self.width)
                if h is None:
                    self.failed = item
                    return None
                pad = 2 * round(0.6 * u) if self._banded(item) else 0
                out.append(h + pad)
        return out

    def _banded(self, key: str) -> bool:
        return (key == "headline" and self.camp.layout == "bandeau") or (
            key == "emergency" and self.camp.layout == "classique"
        )

    def place(self, u: int, heights: list[int]) -> None:
        plan = self.plan
        left, top, right, bottom = plan.safe
        visible = [(i, h) for i, h in zip(self.items, heights, strict=True) if h > 0]
        slack = (bottom - top) - sum(h for _, h in visible)
        # Gaps grow up to one unit; what is left frames the code group (above and below).
        gap = min(slack // max(1, len(visible) - 1), u)
        extra = slack - gap * (len(visible) - 1)
        y = top
        for item, h in visible:
            if item == ("qrrow" if self.square else "scan"):  # the code group starts
                y += extra // 2
            if item == "qr":
                plan.qr_pos = (left + (self.width - h) // 2, y)
            elif item == "logos":
                plan.logos.append((left, y, right, y + h))
            elif item == "qrrow":
                self._place_row(u, y, h)
            else:
                inner = y
                if self._banded(item):
                    pad = round(0.6 * u)
                    color = self.colors["primary" if item == "headline" else "accent"]
                    # Bands run into the bleed so a trimming error leaves no white sliver.
                    band_top = 0 if item == "headline" else y
                    band_bottom = y + h
                    if item == "emergency" and y + h + gap >= bottom:
                        band_bottom = plan.canvas[1]
                    plan.bands.append(((0, band_top, plan.canvas[0], band_bottom), color))
                    inner = y + pad
                block = place(self.text(item), self.style(item, u), left, self.width, inner, item)
                plan.blocks.append(block)
            if item == "check":  # ... and ends with the line about checking the address
                y += extra - extra // 2
            y += h + gap

    def _place_row(self, u: int, y: int, h: int) -> None:
        plan = self.plan
        left, _, right, _ = plan.safe
        size = plan.qr.total_px
        # The code sits on the reading-start side: left in LTR, right in RTL.
        qr_x = right - size if self.texts.rtl else left
        text_left = left if self.texts.rtl else left + size
        plan.qr_pos = (qr_x, y + (h - size) // 2)
        side = self.side_height(u)
        assert side is not None
        ty = y + (h - side) // 2
        for key in SIDE_KEYS:
            style = self.style(key, u)
            block = place(self.text(key), style, text_left, self.side_width(), ty, key)
            plan.blocks.append(block)
            ty += block.height + round(0.4 * u)

    def side_height(self, u: int) -> int | None:
        """Height of the texts beside the code, with a small gap between them."""
        total = round(0.4 * u) * (len(SIDE_KEYS) - 1)
        for key in SIDE_KEYS:
            h = block_height(self.text(key), self.style(key, u), self.side_width())
            if h is None:
                self.failed = key
                return None
            total += h
        return total


UnitCache = dict[tuple[str, str, int, str, tuple[tuple[str, str], ...]], tuple[int, int]]


def layout_piece(
    camp: Campaign, variant: Variant, lang: str, fmt_name: str, units: UnitCache | None = None
) -> PiecePlan:
    """Plan one piece; raises QRTooDense or LayoutError naming the format and the line.

    Within one campaign the layout depends on the variant only through the code's
    size and the printed address, so `units` (language, format, code size,
    address) -> (unit size, module size) saves re-fitting.
    """
    fmt = FORMATS[fmt_name]
    own = variant.texts.get(lang, {})
    texts = texts_for(lang, {**camp.texts.get(lang, {}), **own}, camp.numbers)
    colors = variant.colors or camp.colors
    url = camp.qr_url(variant.code, lang)  # the per-code page (or form) in the piece's language
    qr = plan_qr(url, fmt)
    bleed = fmt.px(fmt.bleed_mm)
    w, h = fmt.trim_px
    # At least 6 mm inside the trim: also clear of an office printer's unprintable edge.
    margin = round(max(fmt.px(6), 0.04 * w)) if fmt.is_print else round(0.06 * w)
    plan = PiecePlan(
        code=variant.code, label=variant.label, lang=lang, fmt=fmt, url=url, qr=qr,
        canvas=fmt.canvas_px, trim=(bleed, bleed, bleed + w, bleed + h),
        safe=(bleed + margin, bleed + margin, bleed + w - margin, bleed + h - margin),
        background=colors["background"], address=camp.address_for(variant.code, lang),
        draft=camp.draft,
    )  # fmt: skip
    square = abs(w - h) < 0.1 * w
    stack = _Stack(plan, camp, texts, square, colors)
    avail = plan.safe[3] - plan.safe[1]

    def fits(u: int) -> list[int] | None:
        heights = stack.heights(u)
        if heights is None:
            return None
        # Keep a minimum gap of 0.3u between items so nothing touches.
        needed = sum(heights) + round(0.3 * u) * (sum(1 for x in heights if x) - 1)
        return heights if needed <= avail else None

    key = (lang, fmt.name, qr.total_px, plan.address, tuple(sorted(own.items())))
    if units is not None and key in units:
        u, module_px = units[key]
        plan.qr = dataclasses.replace(qr, module_px=module_px)
        known = fits(u)
        assert known is not None  # same inputs, same fit
        plan.unit_px = u
        stack.place(u, known)
        return plan
    # Below `lo` every line sits at its floor: the most compact the piece can be.
    lo = max(1, math.floor(min(stack.floors[k] / ROLES[k][0] for k in ROLES)))
    hi = max(lo, round(w / 24))
    if fits(lo) is None:
        raise _refusal(camp, plan, stack, lo, avail)
    best = fits(hi)
    if best is None:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if fits(mid) is not None else (lo, mid)
        hi, best = lo, fits(lo)
    else:
        # The text is at its largest: spend what is left on a bigger code.
        # A bigger code leaves less room, so the fit is monotonic: bisect.
        sizes = larger_sizes(qr, fmt)  # largest first
        lo_i, hi_i = 0, len(sizes)  # sizes[hi_i:] are known to fit (the minimum code did)
        while lo_i < hi_i:
            mid = (lo_i + hi_i) // 2
            plan.qr = dataclasses.replace(qr, module_px=sizes[mid])
            if fits(hi) is not None:
                hi_i = mid
            else:
                lo_i = mid + 1
        plan.qr = dataclasses.replace(qr, module_px=sizes[hi_i]) if hi_i < len(sizes) else qr
        grown = fits(hi)
        assert grown is not None
        best = grown
    assert best is not None
    plan.unit_px = hi
    stack.place(hi, best)
    if units is not None:
        units[key] = (hi, plan.qr.module_px)
    return plan


def _refusal(camp: Campaign, plan: PiecePlan, stack: _Stack, u: int, avail: int) -> LayoutError:
    """A French message naming the line that cannot fit, and what to do about it."""
    fmt, lang = plan.fmt, plan.lang
    where = f"format {fmt.name}, langue {lang}"
    rule = f"capitales de {fr_num(fmt.min_cap_mm)} mm pour une lecture à {fr_num(fmt.distance_m)} m"
    heights = stack.heights(u)
    if heights is None:  # one word (or address part) is wider than the piece
        name = ROLE_NAMES.get(stack.failed, stack.failed)
        if stack.failed == "address":
            return LayoutError(
                f"{where} : {name} {plan.address!r} a une partie trop longue pour la largeur "
                f"de la pièce ({rule}) : choisissez une adresse de formulaire plus courte"
            )
        return LayoutError(
            f"{where} : {name} contient un mot trop long pour la largeur de la pièce "
            f"({rule}) : raccourcissez-le ([campaign.texts.{lang}] {stack.failed})"
        )
    sized = []
    for item, hgt in zip(stack.items, heights, strict=True):
        if item == "qrrow":  # the two texts beside the code: name the longer
            item = max(SIDE_KEYS, key=lambda k: len(stack.text(k)))
        if item in ROLES and item != "address":
            sized.append((hgt, item))
    _, longest = max(sized)
    over = sum(heights) + round(0.3 * u) * (sum(1 for x in heights if x) - 1) - avail
    return LayoutError(
        f"{where} : à la taille lisible minimale ({rule}), les textes dépassent la page de "
        f"{fr_num(fmt.px_to_mm(over), 0)} mm ; le plus long est {ROLE_NAMES[longest]} : "
        f"raccourcissez-le ([campaign.texts.{lang}] {longest}) ou retirez ce format"
    )
