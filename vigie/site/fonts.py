"""Self-hosted fonts, subset: Atkinson Hyperlegible (Latin) and Noto Sans Arabic.

The build makes the woff2 files itself (nothing binary is committed): fontTools'
subsetter keeps only the glyphs below and compresses with brotli. Output is
deterministic for given inputs, so it is cached under `build/.cache/fonts/`
keyed by a hash of the source font, the character set and the tool versions.

Only Regular and Bold are shipped: italic is rare in plain-language pages and
the browser can slant the regular face, which saves a third of the font bytes
on every first visit (the home page budget is 80 KB including fonts).

Arabic, which Atkinson lacks, uses Noto Sans Arabic (the campaign's face): the
package ships a variable font, so the build takes its Regular (400) and Bold
(700) instances, then subsets them to the Arabic letters, marks, digits and
punctuation. `vigie.css` declares them with a `unicode-range`, so French and
English pages never download them. `uncovered(text)` is the build's check that
every character a page shows is in one of the subsets (hooks/fonts.py).
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

# The Arabic block's letters (hamza to yeh), tatweel, the short-vowel marks
# (fatha to sukun, shadda), superscript alef, Arabic-Indic digits, the Arabic
# comma, semicolon and question mark, and the joiners and direction marks text
# may carry. Latin characters on Arabic pages (numbers, "Vigie") use Atkinson.
ARABIC_CHARS = (
    "".join(chr(c) for c in range(0x0621, 0x063B))
    + "".join(chr(c) for c in range(0x0640, 0x0653))
    + "\u0670"
    + "".join(chr(c) for c in range(0x0660, 0x066A))
    + "\u060c\u061b\u061f\u066b\u066c\u200c\u200d\u200e\u200f"
)

# Face name in the output -> file in the fontpkg package.
FACES: dict[str, str] = {
    "atkinson-regular": "AtkinsonHyperlegible-Regular.ttf",
    "atkinson-bold": "AtkinsonHyperlegible-Bold.ttf",
}
ARABIC_FILE = "NotoSansArabic[wdth,wght].ttf"
# Face name -> the variable font's axis values for that instance.
ARABIC_FACES: dict[str, dict[str, float]] = {
    "noto-arabic-regular": {"wdth": 100, "wght": 400},
    "noto-arabic-bold": {"wdth": 100, "wght": 700},
}
COVERED = frozenset(FRENCH_CHARS + ARABIC_CHARS + "\n\r\t")


def uncovered(text: str) -> set[str]:
    """The characters of `text` that no shipped face covers (empty: all good)."""
    return {c for c in text if c not in COVERED}


def source_dir() -> Path:
    """Where the PyPI package `fontpkg-atkinson-hyperlegible` keeps the TTF files."""
    import fontpkg_atkinson_hyperlegible

    return Path(fontpkg_atkinson_hyperlegible.__file__).parent / "files"


def arabic_source() -> Path:
    """The Noto Sans Arabic variable font from `fontpkg-noto-sans-arabic`."""
    import fontpkg_noto_sans_arabic

    return Path(fontpkg_noto_sans_arabic.__file__).parent / "files" / ARABIC_FILE


def _tool_versions() -> str:
    return ";".join(f"{p}={metadata.version(p)}" for p in ("fonttools", "brotli"))


def subset_woff2(
    ttf: bytes, chars: str = FRENCH_CHARS, axes: dict[str, float] | None = None
) -> bytes:
    """Subset one TTF (at the `axes` instance if variable) to `chars`, as woff2 bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    options = subset.Options()
    options.flavor = "woff2"
    # Hinting helps little on phone screens and costs about a third of the size.
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [1, 2]  # family and style: enough for the browser
    options.notdef_outline = True
    font = TTFont(io.BytesIO(ttf))
    if axes:
        font = instancer.instantiateVariableFont(font, axes)
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
    src = source_dir()
    jobs: list[tuple[str, bytes, str, dict[str, float] | None]] = [
        (name, (src / filename).read_bytes(), FRENCH_CHARS, None)
        for name, filename in FACES.items()
    ]
    arabic = arabic_source().read_bytes()
    jobs += [(name, arabic, ARABIC_CHARS, axes) for name, axes in ARABIC_FACES.items()]
    written: list[Path] = []
    for name, ttf, chars, axes in jobs:
        inputs = ttf + chars.encode() + repr(axes).encode() + _tool_versions().encode()
        key = hashlib.sha256(inputs).hexdigest()[:24]
        data: bytes | None = None
        cached = cache_dir / f"{name}-{key}.woff2" if cache_dir else None
        if cached is not None and cached.is_file():
            data = cached.read_bytes()
        if data is None:
            data = subset_woff2(ttf, chars, axes)
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
