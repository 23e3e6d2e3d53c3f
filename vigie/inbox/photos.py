"""Attachments are a stranger's bytes: check what they really are before writing or showing them.

A tip says "image/jpeg", but the bytes are whatever the sender put there: HTML
written as `photo.jpg` opens in a browser as a page; an 875 KB PNG can decode
to 858 MiB and exhaust the analyst's machine when a viewer opens it. So, before
an attachment is written to disk (`show --attachments`) or displayed:

* the magic bytes must be those of a JPEG or a PNG, and Pillow must recognise
  the same format from the header;
* the decoded size (width × height, read from the header before any decoding)
  must stay under `MAX_PIXELS`, Pillow's decompression-bomb limit, set here
  explicitly (and its warning made an error) rather than inherited;
* the image must then decode whole (a truncated or malformed file is refused).

A real image whose declared type is wrong gets the extension of what it really
is (renamed); anything else is refused with a reason and never written. Nothing
is lost: the tip's ciphertext stays in the store and the cache (`age -d`).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from vigie.core.envelope import Attachment

# 50 megapixels: above any phone camera (48 MP sensors) and about 200 MB once
# decoded to RGBA; the review's bomb (858 MiB decoded) is far above it.
MAX_PIXELS = 50_000_000
MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff", "JPEG", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "PNG", "png"),
}


@dataclass(frozen=True)
class Checked:
    """What an attachment really is: `ext` to write it with, or `problem` (never written)."""

    declared: str
    real: str = ""  # the MIME type the bytes really are ("" when refused)
    ext: str = ""
    width: int = 0
    height: int = 0
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def renamed(self) -> bool:
        return self.ok and self.real != self.declared


def _sniff(data: bytes) -> str:
    return next((mime for mime, (magic, _f, _e) in MAGIC.items() if data.startswith(magic)), "")


def check(att: Attachment) -> Checked:
    """Inspect one attachment without trusting its declared type."""
    real = _sniff(att.data)
    if not real:
        return Checked(att.type, problem="contenu qui n'est ni une image JPEG ni une image PNG")
    _magic, pil_format, ext = MAGIC[real]
    # Set explicitly (a process-wide Pillow setting): beyond it Pillow warns, and
    # beyond twice it raises DecompressionBombError; we refuse before either.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(att.data)) as img:
                # Image.open read the header only and already refused a size over
                # the limit (the warning is an error here): nothing was decoded yet.
                width, height = img.size
                if img.format != pil_format:
                    return Checked(att.type, problem="en-tête d'image incohérent")
                img.load()  # decodes whole: a truncated or malformed file raises here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Checked(
            att.type,
            problem=f"image démesurée (plus de {MAX_PIXELS // 1_000_000} millions de pixels "
            "une fois décodée)",
        )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return Checked(att.type, problem="image illisible ou tronquée")
    return Checked(att.type, real=real, ext=ext, width=width, height=height)
