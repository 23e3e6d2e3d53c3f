"""Remove metadata from JPEG and PNG photos without re-encoding (no-JS form path).

The browser path re-encodes photos through a canvas before encryption; on the
no-JavaScript path the photo reaches the intake as sent, so the intake drops
every metadata segment (EXIF with GPS and camera serial, XMP, IPTC, comments,
ICC profiles that can carry device names) before encrypting. Pure Python, no
Pillow: the Lambda stays small and the pixels are kept bit for bit.
"""

from __future__ import annotations

import struct
import zlib

from .envelope import EnvelopeError

_JPEG_SOI = b"\xff\xd8"
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
# PNG chunks kept: what is needed to draw the picture. Everything else
# (eXIf, tEXt, iTXt, zTXt, tIME, iCCP, ...) is dropped.
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT"}


def sniff_type(data: bytes) -> str:
    if data.startswith(_JPEG_SOI):
        return "image/jpeg"
    if data.startswith(_PNG_SIG):
        return "image/png"
    raise EnvelopeError("bad_attachment", "seules les photos JPEG ou PNG sont acceptées")


def _bad() -> EnvelopeError:
    return EnvelopeError("bad_attachment", "photo illisible ou endommagée")


def _scan_end(data: bytes, pos: int) -> int:
    """Index of the first marker after entropy-coded data starting at `pos`.

    Inside scan data 0xFF is followed by 0x00 (a stuffed byte), a restart marker
    (0xD0-0xD7) or more 0xFF fill bytes; anything else is the next real marker.
    """
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise _bad()
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


def strip_jpeg(data: bytes) -> bytes:
    """Keep only what decodes the picture, up to its end-of-image marker.

    Everything after EOI goes too: phones append whole extra images there
    (depth maps, motion photos), each with its own EXIF and GPS.
    """
    out = [_JPEG_SOI]
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise _bad()
        marker = data[pos + 1] if pos + 1 < len(data) else -1
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI: the picture ends here, whatever follows
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker == -1 or pos + 4 > len(data):
            raise _bad()
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise _bad()
        # APP0 (JFIF) and APP14 (Adobe colour transform) are needed to decode;
        # the other APPn and COM segments carry metadata (EXIF/GPS, XMP, ICC, ...).
        if not ((0xE1 <= marker <= 0xEF and marker != 0xEE) or marker == 0xFE):
            out.append(data[pos:end])
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            stop = _scan_end(data, end)
            out.append(data[end:stop])
            end = stop
        pos = end
    raise _bad()


def strip_png(data: bytes) -> bytes:
    out = [_PNG_SIG]
    pos = len(_PNG_SIG)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise _bad()
        chunk = data[pos:end]
        if zlib.crc32(chunk[4:-4]) != struct.unpack(">I", chunk[-4:])[0]:
            raise _bad()
        if ctype in _PNG_KEEP:
            out.append(chunk)
        pos = end
        if ctype == b"IEND":
            return b"".join(out)
    raise _bad()


def strip_metadata(data: bytes) -> tuple[str, bytes]:
    """Return (media type, photo without metadata) or raise EnvelopeError."""
    kind = sniff_type(data)
    return kind, strip_jpeg(data) if kind == "image/jpeg" else strip_png(data)
