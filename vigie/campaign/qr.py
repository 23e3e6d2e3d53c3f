"""QR codes sized for the street: error correction Q/H, 4-module quiet zone, whole pixels.

The code is drawn module by module at an integer number of pixels per module
and pasted unscaled, so no resampling ever blurs an edge. Its size follows the
format's scan distance (the layout may grow it, see `larger_sizes`); a URL
that would need modules smaller than a phone can resolve at that distance is
refused with a clear message instead of being printed and failing in the street.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import segno
from PIL import Image

from vigie.campaign.formats import MIN_CAMERA_PX_PER_MODULE, QR_MARGIN_FACTOR, Format, fr_num

QUIET_ZONE = 4  # modules, the minimum the QR standard allows
SOCIAL_MIN_MODULE_PX = 6  # a screenshot scanned from another screen


class QRTooDense(ValueError):
    """The URL makes the code too dense for this format."""


@dataclass(frozen=True)
class QRPlan:
    url: str
    version: int
    error: str  # "Q" or "H"
    modules: int  # symbol width in modules, without the quiet zone
    module_px: int
    quiet: int  # quiet-zone width in modules (>= 4)

    @property
    def total_px(self) -> int:
        return (self.modules + 2 * self.quiet) * self.module_px


def piece_url(report_url: str, code: str) -> str:
    """The fallback QR target: report_url?c=CODE (appended to any existing query).

    Used only when the site publishes no per-code page for the campaign
    (`Campaign.qr_url`, vigie.campaign.codepages): only form.js reads `?c=`, so
    a tip sent without JavaScript from there carries no code. `report_url` is
    the form in the piece's language (`Campaign.form_url`): /signaler/,
    /en/signaler/, /ar/signaler/.
    """
    parts = urlsplit(report_url)
    query = f"{parts.query}&c={code}" if parts.query else f"c={code}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@lru_cache(maxsize=256)
def _symbol(url: str) -> segno.QRCode:
    # Q at least; segno raises to H when that fits in the same version.
    return segno.make_qr(url, error="q", boost_error=True)


def plan_qr(url: str, fmt: Format) -> QRPlan:
    """The smallest code for `fmt` that scans from its scan distance; QRTooDense if none fits."""
    qr = _symbol(url)
    n = int(qr.symbol_size(border=0)[0])
    version = int(qr.version)
    max_total_px = math.floor(fmt.qr_max_fraction * fmt.trim_px[0])
    if not fmt.is_print:
        module_px = max_total_px // (n + 2 * QUIET_ZONE)
        if module_px < SOCIAL_MIN_MODULE_PX:
            raise QRTooDense(
                f"format {fmt.name} : l'adresse demande un QR code de version {qr.version} "
                f"({n} modules) ; ses modules feraient {module_px} px, il en faut au moins "
                f"{SOCIAL_MIN_MODULE_PX} : raccourcissez l'adresse du formulaire ou le code"
            )
        return QRPlan(url, version, qr.error.upper(), n, int(module_px), QUIET_ZONE)
    min_module_mm = MIN_CAMERA_PX_PER_MODULE / fmt.camera_px_per_mm
    module_mm = max(fmt.min_symbol_mm / n, min_module_mm)
    module_px = math.ceil(module_mm * fmt.px_per_mm)
    # The code with its quiet zone must also beat distance/10 by the margin factor.
    while (n + 2 * QUIET_ZONE) * module_px < QR_MARGIN_FACTOR * fmt.px(fmt.min_symbol_mm):
        module_px += 1
    plan = QRPlan(url, version, qr.error.upper(), n, int(module_px), QUIET_ZONE)
    if plan.total_px > max_total_px:
        total_mm = plan.total_px / fmt.px_per_mm
        raise QRTooDense(
            f"format {fmt.name} : l'adresse ({len(url)} caractères) demande un QR code de "
            f"version {qr.version} ({n} modules) ; pour être scanné à {fr_num(fmt.scan_m)} m il "
            f"mesurerait {total_mm:.0f} mm, plus que les {max_total_px / fmt.px_per_mm:.0f} mm "
            "que permet le format : raccourcissez l'adresse du formulaire ou le code"
        )
    return plan


def larger_sizes(plan: QRPlan, fmt: Format) -> range:
    """Module sizes above the minimum, largest first, up to a code sized for the reading distance.

    The layout spends room left over once the text is at its largest on a bigger
    code (scannable from farther), never more than the format's width share.
    """
    if not fmt.is_print:
        return range(0)
    max_total_px = math.floor(fmt.qr_max_fraction * fmt.trim_px[0])
    by_width = max_total_px // (plan.modules + 2 * plan.quiet)
    by_reading = math.ceil(fmt.px(fmt.distance_m * 100) / plan.modules)
    return range(min(by_width, by_reading), plan.module_px, -1)


def render_qr(plan: QRPlan) -> Image.Image:
    """The code as a 1-bit image, black on white, exactly module_px per module."""
    qr = _symbol(plan.url)
    size = plan.modules + 2 * plan.quiet
    small = Image.new("1", (size, size), 1)
    pixels = small.load()
    assert pixels is not None
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + plan.quiet, y + plan.quiet] = 0
    # NEAREST at an integer factor replicates each module exactly: no resampling.
    return small.resize((plan.total_px, plan.total_px), Image.Resampling.NEAREST)
