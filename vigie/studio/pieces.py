"""Previews and downloads for the studio, made by the campaign generator itself.

A preview is the real piece: planned by `campaign.layout`, drawn by
`campaign.render` (draft mark included), its code read back by
`campaign.verify` at print resolution and as a phone sees it. Only the image
sent to the screen is reduced. Downloads come from `campaign.build`, so the
studio's files are byte for byte what `vigie campaign build` writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from vigie.campaign.build import MANIFEST, build_campaign
from vigie.campaign.formats import fr_num
from vigie.campaign.layout import PiecePlan, layout_piece
from vigie.campaign.qr import QRTooDense
from vigie.campaign.render import draw_piece, trim
from vigie.campaign.report import line_report, qr_summary
from vigie.campaign.spec import Campaign, Variant
from vigie.campaign.verify import VerifyError, verify_page

PREVIEW_MAX_PX = 720  # the longer side of the on-screen image
_CACHE_SIZE = 48
WHOLE = "campagne"  # download folder of the whole campaign (not a valid variant code)


@dataclass(frozen=True)
class Preview:
    name: str
    lang: str
    fmt: str
    title: str
    png: bytes  # reduced, for the screen
    error: str = ""  # the refusal, in French, when the piece cannot be made
    url: str = ""  # what the code opens
    address: str = ""  # the short address printed under it
    print_ok: bool = False
    phone_ok: bool = False
    camera_px_per_module: float = 0.0
    qr: str = ""
    qr_version: int = 0
    module: str = ""
    lines: tuple[dict[str, Any], ...] = ()
    min_cap: str = ""


def fingerprint(text: str, draft: bool) -> str:
    return hashlib.sha256(f"{draft}\n{text}".encode()).hexdigest()


def _screen_png(img: Image.Image) -> bytes:
    factor = max(1, max(img.size) // PREVIEW_MAX_PX)
    small = img.reduce(factor) if factor > 1 else img
    out = io.BytesIO()
    small.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _module(plan: PiecePlan) -> str:
    fmt = plan.fmt
    if not fmt.is_print:
        return f"{plan.qr.module_px} px"
    return f"{fr_num(fmt.px_to_mm(plan.qr.module_px), 2)} mm"


def make_preview(camp: Campaign, variant: Variant, lang: str, fmt_name: str) -> Preview:
    """Plan, draw and verify one piece; a refusal becomes the preview's error."""
    name = f"{variant.code}-{lang}-{fmt_name}"
    try:
        plan = layout_piece(camp, variant, lang, fmt_name)
    except (QRTooDense, ValueError) as exc:
        return Preview(name, lang, fmt_name, fmt_name, b"", error=str(exc))
    canvas = draw_piece(plan, camp.logos)
    page = trim(canvas, plan)
    base = Preview(
        name, lang, fmt_name, plan.fmt.title, _screen_png(page), url=plan.url,
        address=plan.address, qr=qr_summary(plan),
        qr_version=plan.qr.version, module=_module(plan),
        lines=tuple(line_report(plan)), min_cap=fr_num(plan.fmt.min_cap_mm),
    )  # fmt: skip
    try:
        check = verify_page(canvas, plan.url, plan.fmt, plan.qr.module_px, plan.name)
    except VerifyError as exc:
        return dataclasses.replace(base, error=str(exc))
    return dataclasses.replace(
        base, print_ok=check.print_ok, phone_ok=check.degraded_ok,
        camera_px_per_module=check.camera_px_per_module,
    )  # fmt: skip


class Previews:
    """A small cache: the preview page and its images ask for the same pieces."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str, str, str], Preview] = OrderedDict()

    def peek(self, key: str, code: str, lang: str, fmt: str) -> Preview | None:
        """A piece already drawn for this file text (`key`), or None: never draws."""
        with self._lock:
            return self._cache.get((key, code, lang, fmt))

    def get(self, key: str, camp: Campaign, variant: Variant, lang: str, fmt: str) -> Preview:
        cache_key = (key, variant.code, lang, fmt)
        with self._lock:
            hit = self._cache.get(cache_key)
            if hit is not None:
                self._cache.move_to_end(cache_key)
                return hit
        made = make_preview(camp, variant, lang, fmt)
        with self._lock:
            self._cache[cache_key] = made
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return made


def build_files(camp: Campaign, variant: Variant | None, out_root: Path) -> dict[str, Any]:
    """Build one variant (or the whole campaign) into out_root/CODE; return the manifest."""
    if variant is not None:
        camp = dataclasses.replace(camp, variants=(variant,))
    # One worker: the studio serves requests on threads, and forking from a
    # threaded process is fragile; a variant is a handful of pieces.
    return build_campaign(camp, out_root / (variant.code if variant else WHOLE), workers=1)


def built_files(out_root: Path, folder: str) -> dict[str, Any] | None:
    """The manifest of the last build in out_root/folder, or None."""
    path = out_root / folder / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest


def downloadable(manifest: dict[str, Any]) -> set[str]:
    """Every file name the build wrote: the only names the studio will serve."""
    names = {str(manifest.get("contact_sheet", ""))}
    for piece in manifest.get("pieces", []):
        names.update(str(v) for v in piece.get("files", {}).values())
    names.discard("")
    return names
