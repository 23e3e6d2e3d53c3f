"""Self-hosted Atkinson Hyperlegible, subset to the characters French text needs.

The build makes the woff2 files itself (nothing binary is committed): fontTools'
subsetter keeps only the glyphs below and compresses with brotli. Output is
deterministic for given inputs, so it is cached under `build/.cache/fonts/`
keyed by a hash of the source font, the character set and the tool versions.

Only Regular and Bold are shipped: italic is rare in plain-language pages and
the browser can slant the regular face, which saves a third of the font bytes
on every first visit (the home page budget is 80 KB including fonts).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from importlib import metadata
from pathlib import Path

# Printable ASCII, the Latin-1 letters and signs French uses, œ/Œ, Ÿ, and the
# typographic punctuation French text is written with (« », ’, …, –, —, €,
# non-breaking and narrow non-breaking spaces before ; : ! ?).
FRENCH_CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "\u00a0«»°©·×àâäæçéèêëîïôöùûüÿÀÂÄÆÇÉÈÊËÎÏÔÖÙÛÜŒœŸ"
    + "\u2009\u202f\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022\u20ac\u2192"
)

# Face name in the output -> file in the fontpkg package.
FACES: dict[str, str] = {
    "atkinson-regular": "AtkinsonHyperlegible-Regular.ttf",
    "atkinson-bold": "AtkinsonHyperlegible-Bold.ttf",
}


def source_dir() -> Path:
    """Where the PyPI package `fontpkg-atkinson-hyperlegible` keeps the TTF files."""
    import fontpkg_atkinson_hyperlegible

    return Path(fontpkg_atkinson_hyperlegible.__file__).parent / "files"


def _tool_versions() -> str:
    return ";".join(f"{p}={metadata.version(p)}" for p in ("fonttools", "brotli"))


def subset_woff2(ttf: bytes, chars: str = FRENCH_CHARS) -> bytes:
    """Subset one TTF to `chars` and return it as woff2 bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    # Hinting helps little on phone screens and costs about a third of the size.
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [1, 2]  # family and style: enough for the browser
    options.notdef_outline = True
    font = TTFont(io.BytesIO(ttf))
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out, reorderTables=False)
    return out.getvalue()


def write_fonts(out_dir: Path, cache_dir: Path | None = None) -> list[Path]:
    """Write every face as `out_dir/<name>.woff2` (using the cache when it matches)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    src = source_dir()
    for name, filename in FACES.items():
        ttf = (src / filename).read_bytes()
        inputs = ttf + FRENCH_CHARS.encode() + _tool_versions().encode()
        key = hashlib.sha256(inputs).hexdigest()[:24]
        data: bytes | None = None
        cached = cache_dir / f"{name}-{key}.woff2" if cache_dir else None
        if cached is not None and cached.is_file():
            data = cached.read_bytes()
        if data is None:
            data = subset_woff2(ttf)
            if cached is not None:
                _atomic_write(cached, data)
        target = out_dir / f"{name}.woff2"
        _atomic_write(target, data)
        written.append(target)
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    """Write through a temp file and rename: parallel test builds share the cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
