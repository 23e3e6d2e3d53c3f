"""A minimal, deterministic PDF writer: lossless Flate images, exact boxes in millimetres.

Pillow's PDF output stores RGB pages as JPEG, and JPEG ringing around QR
modules is a print defect; so pages are written here by hand. The page image is
the very PNG we publish: its zlib stream (PNG-filtered scanlines) is valid PDF
Flate data with the PNG predictor, so it is embedded as is, lossless and
without a second encoding. It fills the trim box; the 3 mm bleed around it is
drawn as vector rectangles (background, and bands that run off the edge).
TrimBox/BleedBox/MediaBox are exact; crop marks are optional vectors.
No dates, no IDs, no producer string: the same pages give the same bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MM_TO_PT = 72 / 25.4
MARK_OFFSET_MM = 5.0  # crop marks start this far outside the trim edge (past the bleed)
MARK_LENGTH_MM = 5.0
SLUG_MM = MARK_OFFSET_MM + MARK_LENGTH_MM  # margin added around the trim for the marks


Rgb = tuple[int, int, int]
MmRect = tuple[float, float, float, float]  # x0, y0, x1, y1 from the trim's top-left, y down


@dataclass(frozen=True)
class PdfPage:
    png: bytes  # 8-bit RGB, non-interlaced PNG of the trim area
    trim_w_mm: float
    trim_h_mm: float
    bleed_mm: float = 0.0
    background: Rgb = (255, 255, 255)
    bleed_rects: tuple[tuple[MmRect, Rgb], ...] = ()
    crop_marks: bool = False


def png_stream(png: bytes) -> tuple[int, int, bytes]:
    """(width, height, zlib data) of an 8-bit RGB PNG, refusing any other kind."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, bytearray(), b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if (depth, color, interlace) != (8, 2, 0):
        raise ValueError("expected an 8-bit RGB non-interlaced PNG")
    return width, height, bytes(idat)


def _rgb(c: Rgb) -> str:
    return " ".join(_num(v / 255) for v in c)


def _num(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _rect(x0: float, y0: float, x1: float, y1: float) -> str:
    """PDF `re` operands (x y w h) in points from mm corners."""
    return " ".join(_num(v * MM_TO_PT) for v in (x0, y0, x1 - x0, y1 - y0))


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


def write_pdf(pages: list[PdfPage]) -> bytes:
    """Serialise pages to PDF 1.4 bytes."""
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in at the end
    pages_obj = add(b"")
    kids = []
    for page in pages:
        width, height, data = png_stream(page.png)
        xobj = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 "
            b"/Colors 3 /BitsPerComponent 8 /Columns %d >> /Length %d >>\nstream\n"
            % (width, height, width, len(data))
            + data
            + b"\nendstream"
        )
        trim_w, trim_h = page.trim_w_mm, page.trim_h_mm
        slug = SLUG_MM if page.crop_marks else page.bleed_mm
        origin = slug  # trim box origin in mm from the media box corner
        media_w, media_h = page.trim_w_mm + 2 * slug, page.trim_h_mm + 2 * slug
        bx0, by0 = origin - page.bleed_mm, origin - page.bleed_mm
        bw, bh = page.trim_w_mm + 2 * page.bleed_mm, page.trim_h_mm + 2 * page.bleed_mm
        ops = []
        if page.bleed_mm:
            # The bleed, as vectors under the image (clipped to the bleed box):
            # background, then the bands that run off the edge.
            bleed_box = _rect(bx0, by0, bx0 + bw, by0 + bh)
            ops.append(f"q {bleed_box} re W n {_rgb(page.background)} rg {bleed_box} re f")
            for (x0, y0, x1, y1), color in page.bleed_rects:
                top, bottom = origin + trim_h - y0, origin + trim_h - y1
                ops.append(f"{_rgb(color)} rg {_rect(origin + x0, bottom, origin + x1, top)} re f")
            ops.append("Q")
        ops.append(
            f"q {_num(trim_w * MM_TO_PT)} 0 0 {_num(trim_h * MM_TO_PT)} "
            f"{_num(origin * MM_TO_PT)} {_num(origin * MM_TO_PT)} cm /Im0 Do Q"
        )
        content = "\n".join(ops)
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
