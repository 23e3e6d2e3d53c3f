"""A minimal, deterministic PDF writer: lossless Flate images, exact boxes in millimetres.

Pillow's PDF output stores RGB pages as JPEG, and JPEG ringing around QR
modules is a print defect; so pages are written here by hand: one RGB image
XObject per page (raw pixels, zlib-compressed), placed to fill the bleed box,
TrimBox/BleedBox/MediaBox given exactly, optional crop marks drawn as vectors.
No dates, no IDs, no producer string: the same pages give the same bytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from PIL import Image

MM_TO_PT = 72 / 25.4
MARK_OFFSET_MM = 5.0  # crop marks start this far outside the trim edge (past the bleed)
MARK_LENGTH_MM = 5.0
SLUG_MM = MARK_OFFSET_MM + MARK_LENGTH_MM  # margin added around the trim for the marks


@dataclass(frozen=True)
class PdfPage:
    image: Image.Image  # RGB, covers the bleed box exactly
    trim_w_mm: float
    trim_h_mm: float
    bleed_mm: float
    crop_marks: bool = False


def _num(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return "[" + " ".join(_num(v * MM_TO_PT) for v in (x0, y0, x1, y1)) + "]"


def _crop_marks(page: PdfPage, origin: float) -> str:
    """Hairline marks at each trim corner, outside the bleed so they are cut off."""
    x0, y0 = origin, origin
    x1, y1 = origin + page.trim_w_mm, origin + page.trim_h_mm
    a, b = MARK_OFFSET_MM, MARK_OFFSET_MM + MARK_LENGTH_MM
    segs = []
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            segs.append((x + sx * a, y, x + sx * b, y))  # horizontal mark
            segs.append((x, y + sy * a, x, y + sy * b))  # vertical mark
    ops = ["q 0.25 w 0 0 0 1 K"]  # 0.25 pt, CMYK registration-ish black
    for sx0, sy0, sx1, sy1 in segs:
        pts = [_num(v * MM_TO_PT) for v in (sx0, sy0, sx1, sy1)]
        ops.append(f"{pts[0]} {pts[1]} m {pts[2]} {pts[3]} l S")
    ops.append("Q")
    return "\n".join(ops)


def write_pdf(pages: list[PdfPage], level: int = 3) -> bytes:
    """Serialise pages to PDF 1.4 bytes."""
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in at the end
    pages_obj = add(b"")
    kids = []
    for page in pages:
        img = page.image.convert("RGB")
        data = zlib.compress(img.tobytes(), level)
        xobj = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % (img.width, img.height, len(data))
            + data
            + b"\nendstream"
        )
        trim_w, trim_h = page.trim_w_mm, page.trim_h_mm
        slug = SLUG_MM if page.crop_marks else page.bleed_mm
        origin = slug  # trim box origin in mm from the media box corner
        media_w, media_h = page.trim_w_mm + 2 * slug, page.trim_h_mm + 2 * slug
        bx0, by0 = origin - page.bleed_mm, origin - page.bleed_mm
        bw, bh = page.trim_w_mm + 2 * page.bleed_mm, page.trim_h_mm + 2 * page.bleed_mm
        content = (
            f"q {_num(bw * MM_TO_PT)} 0 0 {_num(bh * MM_TO_PT)} "
            f"{_num(bx0 * MM_TO_PT)} {_num(by0 * MM_TO_PT)} cm /Im0 Do Q"
        )
        if page.crop_marks:
            content += "\n" + _crop_marks(page, origin)
        raw = content.encode("ascii")
        stream = add(b"<< /Length %d >>\nstream\n" % len(raw) + raw + b"\nendstream")
        page_obj = add(
            (
                f"<< /Type /Page /Parent {pages_obj} 0 R "
                f"/MediaBox {_box(0, 0, media_w, media_h)} "
                f"/BleedBox {_box(bx0, by0, bx0 + bw, by0 + bh)} "
                f"/TrimBox {_box(origin, origin, origin + trim_w, origin + trim_h)} "
                f"/Resources << /XObject << /Im0 {xobj} 0 R >> >> /Contents {stream} 0 R >>"
            ).encode("ascii")
        )
        kids.append(page_obj)
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode("ascii")
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    ).encode("ascii")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)
