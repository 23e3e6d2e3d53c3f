"""Decode every printed code back from the rendered page, as a printer and as a phone sees it.

Two reads per piece with zxing-cpp: the page at print resolution, then the
page degraded the way a phone camera at the format's scan distance sees it
(downscaled to the camera's pixels per millimetre by area averaging, like a
sensor, then slightly blurred). Each read must find exactly one code whose
text is exactly the piece's URL.
"""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageFilter

from vigie.campaign.formats import Format

# Social images are scanned off another screen: about half their pixels survive.
SOCIAL_SCALE = 0.5
BLUR_RADIUS = 0.6  # camera pixels: a slightly soft focus


class VerifyError(ValueError):
    """A printed code does not decode to exactly its URL."""


@dataclass(frozen=True)
class Verification:
    print_ok: bool
    degraded_ok: bool
    camera_scale: float  # degraded pixels per print pixel
    camera_px_per_module: float


def _decode(img: Image.Image) -> list[str]:
    results = zxingcpp.read_barcodes(
        img, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [r.text for r in results]


def degrade(page: Image.Image, fmt: Format) -> tuple[Image.Image, float]:
    """The page as a phone camera resolves it at the viewing distance."""
    scale = SOCIAL_SCALE if not fmt.is_print else fmt.camera_px_per_mm / fmt.px_per_mm
    size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
    small = page.convert("L").resize(size, Image.Resampling.BOX)
    return small.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)), scale


def verify_page(
    page: Image.Image, url: str, fmt: Format, module_px: int, name: str
) -> Verification:
    """Raise VerifyError naming the piece unless both reads give exactly `url`."""
    gray = page.convert("L")
    found = _decode(gray)
    if found != [url]:
        raise VerifyError(
            f"{name} : le code lu à la résolution d'impression donne {found!r}, attendu [{url!r}]"
        )
    degraded, scale = degrade(gray, fmt)
    found = _decode(degraded)
    if found != [url]:
        raise VerifyError(
            f"{name} : le code ne se lit pas comme un téléphone le verrait "
            f"({scale * module_px:.1f} pixels caméra par module) : lu {found!r}"
        )
    return Verification(True, True, round(scale, 5), round(scale * module_px, 2))
