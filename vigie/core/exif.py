"""Photos on the no-JS form path: decoded and re-encoded by the intake (Pillow).

The browser path re-encodes photos through a canvas before encryption; on the
no-JavaScript path the photo reaches the intake as sent. Cutting metadata
segments out of the file missed what hides in the segments a decoder needs
(a JFXX thumbnail in APP0 carries its own EXIF and GPS; APP14), so the intake
now keeps only the pixels: decode, apply the EXIF orientation, copy the pixels
into a new image that has no metadata at all, and encode a fresh JPEG. Nothing
of the original file survives but what the pixels show.

Bounded cost, whatever is sent: the declared dimensions are checked before any
pixel is decoded (and Pillow's own decompression-bomb limit is set to the same
figure); JPEGs are decoded with `draft()`, which scales in the DCT domain (a
12 MP phone photo decodes at half size, about four times cheaper); the result
is at most `MAX_SIDE` pixels on its long side. bench/photos.py measured that
2000 px / quality 80 keep plates and faces as legible as the browser's 2048 px /
0.6 (docs/form.md, "Photo size and quality").
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageOps

from .envelope import MAX_ATTACHMENT_BYTES, EnvelopeError

# Long side of the stored photo, in pixels. Not the browser's 2048: 2000 is
# just under half of a 12 MP photo's 4000-4032 px, so draft() decodes at half
# size (0.10 s of CPU a photo; 2048 forces a full decode: 0.24 s, and two
# phone photos would exceed the post's pixel budget). Measured as legible
# (bench/photos.py): plates at 10 m read 0.92 of 24 (1600/0.85: 0.92).
MAX_SIDE = 2000
# JPEG quality, lowered only if a photo would not fit. Not the browser's 0.6:
# here the bytes never cross the reporter's network (the original was sent),
# so nothing is gained by going lower; at 2000/80 faces' SSIM is 0.91.
QUALITIES = (80, 65, 50)
# Declared size limits, checked before decoding. A JPEG is decoded at 1/2, 1/4
# or 1/8 scale (draft), so even 64 MP costs at most a 2000 px-class decode;
# a PNG has no such shortcut and decodes in full (8.5 MP RGBA = 34 MiB).
MAX_JPEG_PIXELS = 64_000_000
MAX_PNG_PIXELS = 8_500_000  # a phone screenshot is 3–5 MP
# Pixels actually decoded for one form post (a JPEG at its draft scale): about
# 0.8 s of CPU at worst on the 2-core dev machine, whatever the photos claim.
MAX_DECODED_PIXELS_PER_POST = 20_000_000  # five 4 MP screenshots
# Pillow refuses (DecompressionBombError) above twice this: set it explicitly,
# never rely on the library's default.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS

_JPEG_SOI = b"\xff\xd8\xff"
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
# Pillow walks a JPEG's segments up to the first scan, and a PNG's chunks, in
# Python: 4 MB of empty APP1 segments cost it a second. Counted here first,
# with a loop that stops at the limit. A phone JPEG has 10-20 segments before
# its scan (a few dozen with extended XMP); a PNG's IDAT comes in chunks of
# 8 KiB or more.
MAX_JPEG_SEGMENTS = 128
# A progressive JPEG is decoded scan by scan, each pass over the whole image:
# 5000 tiny repeated scans cost libjpeg 0.3 s, the 300,000 that fit in 4 MB
# would cost it seconds. Encoders write about 10.
MAX_JPEG_SCANS = 64
MAX_PNG_CHUNKS = 4096


def sniff_type(data: bytes) -> str:
    """The photo's type from its magic bytes (what it claims to be is not asked)."""
    if data.startswith(_JPEG_SOI):
        return "image/jpeg"
    if data.startswith(_PNG_SIG):
        return "image/png"
    raise EnvelopeError("bad_attachment", "seules les photos JPEG ou PNG sont acceptées")


def check_structure(data: bytes, kind: str) -> None:
    """Refuse, in a bounded number of steps, a file made of thousands of tiny pieces."""
    if kind == "image/png":
        pos = len(_PNG_SIG)
        for _ in range(MAX_PNG_CHUNKS):
            if pos + 8 > len(data):
                raise _bad()
            (length,) = struct.unpack_from(">I", data, pos)
            if data[pos + 4 : pos + 8] == b"IEND":
                return
            pos += 12 + length
        raise _bad()
    pos = 2
    for _ in range(MAX_JPEG_SEGMENTS):
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise _bad()
        marker = data[pos + 1]
        if marker == 0xFF:  # a fill byte (allowed before a marker): one step too
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the C decoder takes over from here
            # In entropy-coded data every 0xFF is followed by 0x00 or a restart
            # marker, so up to the picture's end these two bytes are real markers.
            end = data.find(b"\xff\xd9", pos)
            if data.count(b"\xff\xda", pos, end if end > 0 else len(data)) > MAX_JPEG_SCANS:
                raise _bad()
            return
        if marker in (0x00, 0x01) or 0xD0 <= marker <= 0xD9:
            raise _bad()  # stuffing or a stray marker before the scan
        (length,) = struct.unpack_from(">H", data, pos + 2)
        pos += 2 + length
    raise _bad()


def _bad() -> EnvelopeError:
    return EnvelopeError("bad_attachment", "photo illisible ou endommagée")


def _too_big() -> EnvelopeError:
    return EnvelopeError("bad_attachment", "photo aux dimensions trop grandes")


class PixelBudget:
    """Decoded pixels left for one form post (five photos share it)."""

    def __init__(self, pixels: int = MAX_DECODED_PIXELS_PER_POST) -> None:
        self.left = pixels

    def take(self, pixels: int) -> None:
        if pixels > self.left:
            raise EnvelopeError("bad_attachment", "photos trop grandes pour un seul envoi")
        self.left -= pixels


def _pixels(data: bytes, kind: str, budget: PixelBudget, max_side: int) -> Image.Image:
    """Decode to an RGB image of at most `max_side`, upright, with no metadata."""
    fmt, limit = ("JPEG", MAX_JPEG_PIXELS) if kind == "image/jpeg" else ("PNG", MAX_PNG_PIXELS)
    with Image.open(io.BytesIO(data), formats=[fmt]) as img:
        width, height = img.size
        if width < 1 or height < 1:
            raise _bad()
        if width * height > limit:
            raise _too_big()
        scale = min(1.0, max_side / max(width, height))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if fmt == "JPEG":
            img.draft("RGB", target)  # decode at the smallest 1/2^n scale >= target
        budget.take(img.size[0] * img.size[1])  # after draft: what will be decoded
        img.load()
        upright = ImageOps.exif_transpose(img)  # orientation first, then EXIF is dropped
        if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
            # JPEG has no transparency: white underneath, as the browser path does.
            rgba = upright.convert("RGBA")
            rgb = Image.new("RGB", rgba.size, (255, 255, 255))
            rgb.paste(rgba, mask=rgba.getchannel("A"))
        else:
            rgb = upright.convert("RGB")
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        # A new image holds the pixels only: no info dict (EXIF, ICC, comment,
        # XMP, thumbnails) can follow the pixels into the output.
        clean = Image.new("RGB", rgb.size)
        clean.paste(rgb)
        return clean


def strip_metadata(
    data: bytes,
    budget: PixelBudget | None = None,
    *,
    max_side: int = MAX_SIDE,
    qualities: tuple[int, ...] = QUALITIES,
) -> tuple[str, bytes]:
    """Return ("image/jpeg", a fresh JPEG of the photo's pixels) or raise EnvelopeError.

    `max_side` and `qualities` are for bench/photos.py, which measures other
    settings with this very code; the intake always uses the defaults.
    """
    kind = sniff_type(data)
    check_structure(data, kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            clean = _pixels(data, kind, budget or PixelBudget(), max_side)
    except EnvelopeError:
        raise
    except Image.DecompressionBombError:
        raise _too_big() from None
    except Exception:  # Pillow's decoders raise many types; all mean "unreadable"
        raise _bad() from None
    for quality in qualities:
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= MAX_ATTACHMENT_BYTES:
            return "image/jpeg", out.getvalue()
    raise EnvelopeError("bad_attachment", "photo trop volumineuse, même réduite")
