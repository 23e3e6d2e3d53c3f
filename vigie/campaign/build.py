"""Build a campaign: plan every piece, render them over all cores, verify, then publish.

Order matters for safety: the whole campaign is planned first (file valid,
every code scannable at its distance, every text fitting), so an invalid file
writes nothing. Pieces are then rendered into a staging folder inside the
output folder and moved into place only when every code has been read back;
a failed build names the piece and leaves no half-made set behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from vigie.campaign.contact import Thumb, contact_sheet, make_thumb
from vigie.campaign.formats import PRINT_DPI
from vigie.campaign.layout import LayoutError, PiecePlan, UnitCache, layout_piece
from vigie.campaign.pdf import MmRect, PdfPage, Rgb, write_pdf
from vigie.campaign.qr import QRTooDense
from vigie.campaign.render import draw_piece, trim
from vigie.campaign.report import line_report
from vigie.campaign.spec import Campaign, CampaignError
from vigie.campaign.verify import VerifyError, verify_page

MANIFEST = "manifest.json"
CONTACT_SHEET = "contact-sheet.pdf"
# The office PDF (exact page, no bleed, no marks) is made for paper sizes an
# office printer takes; stickers are die-cut by a print shop only.
OFFICE_KINDS = ("poster", "flyer")
OFFICE_SUFFIX = "-bureau.pdf"
# zlib level 3 rather than 6: files ~30-50% larger, encoding about twice as fast
# (measured on an A4 piece); print shops take size, people wait on time.
PNG_LEVEL = 3


class BuildError(CampaignError):
    """Rendering or verification failed; the message names the piece."""


@dataclass(frozen=True)
class Job:
    variant_index: int
    lang: str
    fmt: str


def plan_jobs(camp: Campaign) -> list[Job]:
    return [
        Job(i, lang, fmt)
        for i, v in enumerate(camp.variants)
        for lang in v.languages
        for fmt in v.formats
    ]


def _plan(camp: Campaign, job: Job, units: UnitCache) -> PiecePlan:
    variant = camp.variants[job.variant_index]
    try:
        return layout_piece(camp, variant, job.lang, job.fmt, units)
    except (QRTooDense, LayoutError) as exc:
        raise CampaignError(
            f"{camp.source} : pièce {variant.code}-{job.lang}-{job.fmt} : {exc}"
        ) from None


def check_campaign(camp: Campaign) -> list[PiecePlan]:
    """Everything `build` checks before drawing: codes and texts fit every piece."""
    units: UnitCache = {}
    return [_plan(camp, job, units) for job in plan_jobs(camp)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bleed_rects(plan: PiecePlan) -> tuple[tuple[MmRect, Rgb], ...]:
    """The coloured bands, in mm from the trim corner, for the PDF's vector bleed."""
    x0, y0 = plan.trim[0], plan.trim[1]
    per_mm = plan.fmt.px_per_mm
    return tuple(
        (
            (
                (r[0] - x0) / per_mm,
                (r[1] - y0) / per_mm,
                (r[2] - x0) / per_mm,
                (r[3] - y0) / per_mm,
            ),
            c,
        )
        for r, c in plan.bands
    )


def render_job(camp: Campaign, plan: PiecePlan, staging: str) -> tuple[dict[str, Any], Thumb]:
    """Render, verify and write one planned piece (runs in a worker process)."""
    fmt = plan.fmt
    canvas = draw_piece(plan, camp.logos)
    check = verify_page(canvas, plan.url, fmt, plan.qr.module_px, plan.name)
    web = trim(canvas, plan)
    files: dict[str, str] = {}
    png = Path(staging) / f"{plan.name}.png"
    encoded = io.BytesIO()
    dpi = {"dpi": (PRINT_DPI, PRINT_DPI)} if fmt.is_print else {}
    web.save(encoded, format="PNG", compress_level=PNG_LEVEL, **dpi)
    png.write_bytes(encoded.getvalue())
    files["png"] = png.name
    if fmt.is_print:
        # The PDF embeds this same PNG stream: encoded once, identical pixels in both.
        pdf = Path(staging) / f"{plan.name}.pdf"
        page = PdfPage(
            encoded.getvalue(), fmt.width, fmt.height, fmt.bleed_mm, plan.background,
            _bleed_rects(plan), camp.crop_marks,
        )  # fmt: skip
        pdf.write_bytes(write_pdf([page]))
        files = {"pdf": pdf.name, **files}
        if fmt.kind in OFFICE_KINDS:
            # Exactly the paper size: an office printer neither scales nor crops
            # it. The layout keeps every text and the code at least 6 mm inside.
            office = Path(staging) / f"{plan.name}{OFFICE_SUFFIX}"
            office.write_bytes(write_pdf([PdfPage(encoded.getvalue(), fmt.width, fmt.height)]))
            files["office_pdf"] = office.name
    module_mm = plan.qr.module_px / fmt.px_per_mm if fmt.is_print else None
    entry: dict[str, Any] = {
        "name": plan.name,
        "variant": plan.code,
        "label": plan.label,
        "language": plan.lang,
        "format": fmt.name,
        "size": {"width": fmt.width, "height": fmt.height, "unit": "mm" if fmt.is_print else "px"},
        "url": plan.url,
        # True: the QR leads to the site's per-code page, whose form carries the
        # code without JavaScript; False: ?c=CODE, lost without JavaScript.
        "code_without_js": camp.code_pages,
        "short_address": plan.address,
        "draft": plan.draft,
        "files": files,
        "sha256": {k: _sha256(Path(staging) / v) for k, v in files.items()},
        "qr": {
            "version": plan.qr.version,
            "error_correction": plan.qr.error,
            "modules": plan.qr.modules,
            "quiet_zone_modules": plan.qr.quiet,
            "module_px": plan.qr.module_px,
            "module_mm": round(module_mm, 3) if module_mm else None,
            "width_mm": round(plan.qr.total_px / fmt.px_per_mm, 2) if fmt.is_print else None,
            "viewing_distance_m": fmt.distance_m if fmt.is_print else None,
            "scan_distance_m": fmt.scan_m if fmt.is_print else None,
        },
        "legibility": {
            "reading_distance_m": fmt.distance_m,
            "min_cap_mm": round(fmt.min_cap_mm, 2),
            "min_cap_px": fmt.min_cap_px,
            "lines": line_report(plan),
        },
        "verified": {
            "print_resolution": check.print_ok,
            "phone_view": check.degraded_ok,
            "camera_px_per_module": check.camera_px_per_module,
        },
    }
    label = (plan.name, plan.label, plan.url, f"QR v{plan.qr.version}-{plan.qr.error}")
    return entry, make_thumb(web, label)


def _render_all(
    camp: Campaign, plans: list[PiecePlan], staging: str, workers: int, tick: Callable[[], None]
) -> list[tuple[dict[str, Any], Thumb]]:
    results: list[tuple[dict[str, Any], Thumb] | None] = [None] * len(plans)
    if workers <= 1:
        for i, plan in enumerate(plans):
            results[i] = render_job(camp, plan, staging)
            tick()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(render_job, camp, plan, staging): i for i, plan in enumerate(plans)
            }
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                tick()
    return [r for r in results if r is not None]


def _tick(bar: tqdm[Any]) -> None:
    bar.update(1)


def build_campaign(
    camp: Campaign, out_dir: Path, workers: int | None = None, progress: bool = False
) -> dict[str, Any]:
    """Render every piece to out_dir; return the manifest. Raise BuildError naming a piece."""
    plans = check_campaign(camp)  # nothing is written for an invalid campaign
    workers = min(len(plans), workers or os.cpu_count() or 1)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".staging-", dir=out_dir)
    except OSError as exc:
        raise CampaignError(
            f"--out {out_dir} : impossible d'écrire dans ce dossier ({exc.strerror})"
        ) from None
    try:
        with tqdm(total=len(plans), disable=not progress, unit="pièce", desc="Campagne") as bar:
            results = _render_all(camp, plans, staging, workers, lambda: _tick(bar))
        manifest = {
            "campaign": camp.name,
            "report_url": camp.report_url,
            "draft": camp.draft,
            "short_address": camp.short_address,
            "code_pages": camp.code_pages,
            "warnings": list(camp.warnings),
            "layout": camp.layout,
            "crop_marks": camp.crop_marks,
            "contact_sheet": CONTACT_SHEET,
            "pieces": [entry for entry, _ in results],
        }
        title = f"BROUILLON — NE PAS IMPRIMER — {camp.name}" if camp.draft else camp.name
        sheet = contact_sheet(title, [thumb for _, thumb in results])
        (Path(staging) / CONTACT_SHEET).write_bytes(sheet)
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (Path(staging) / MANIFEST).write_text(text, encoding="utf-8")
        for name in sorted(os.listdir(staging)):
            os.replace(Path(staging) / name, out_dir / name)
        return manifest
    except VerifyError as exc:
        raise BuildError(f"{camp.source} : vérification échouée : {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
