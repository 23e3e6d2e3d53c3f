"""QR codes sized for the street: error correction Q/H, 4-module quiet zone, whole pixels.

The code is drawn module by module at an integer number of pixels per module
and pasted unscaled, so no resampling ever blurs an edge. Its size follows the
format's viewing distance; a URL that would need modules smaller than a phone
can resolve at that distance is refused with a clear message instead of being
printed and failing in the street.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import segno
from PIL import Image

from vigie.campaign.formats import MIN_CAMERA_PX_PER_MODULE, QR_MARGIN_FACTOR, Format

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
    """The QR target: report_url?c=CODE (appended to any existing query).

    `report_url` is the form in the piece's language (`Campaign.form_url`):
    French posters keep /signaler/, English ones lead to /en/signaler/, Arabic
    ones to /ar/signaler/.
    """
    parts = urlsplit(report_url)
    query = f"{parts.query}&c={code}" if parts.query else f"c={code}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _symbol(url: str) -> segno.QRCode:
    # Q at least; segno raises to H when that fits in the same version.
    return segno.make_qr(url, error="q", boost_error=True)


def plan_qr(url: str, fmt: Format) -> QRPlan:
    """Size the code for `fmt`; raise QRTooDense if it cannot be scanned at its distance."""
    qr = _symbol(url)
    n = int(qr.symbol_size(border=0)[0])
    version = int(qr.version)
    max_total_px = math.floor(fmt.qr_max_fraction * fmt.trim_px[0])
    if not fmt.is_print:
        module_px = max_total_px // (n + 2 * QUIET_ZONE)
        if module_px < SOCIAL_MIN_MODULE_PX:
            raise QRTooDense(
                f"format {fmt.name}: the URL needs a version {qr.version} code ({n} modules); "
                f"modules would be {module_px} px, at least {SOCIAL_MIN_MODULE_PX} px needed"
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
            f"format {fmt.name}: the URL ({len(url)} characters) needs a version "
            f"{qr.version} code ({n} modules); to scan from {fmt.distance_m:g} m it would be "
            f"{total_mm:.0f} mm wide, more than the {max_total_px / fmt.px_per_mm:.0f} mm "
            "the format allows: use a shorter report address or campaign code"
        )
    return plan


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
