"""What a planned piece tells people: each text line's cap height, the code's size, in French.

Shared by the manifest, `vigie campaign check` and the studio, so all three
say the same thing.
"""

from __future__ import annotations

from vigie.campaign.formats import fr_num as _mm
from vigie.campaign.layout import PiecePlan
from vigie.campaign.spec import Campaign
from vigie.campaign.texts import ROLE_NAMES, ROLE_SHORT


def line_report(plan: PiecePlan) -> list[dict[str, object]]:
    """Each text line of the piece with its cap height, for the manifest and `check`.

    The cap height is the ink height of the script's reference letter (H, or
    alif in Arabic) as the renderer draws it at the line's size.
    """
    fmt = plan.fmt
    out: list[dict[str, object]] = []
    for block in plan.blocks:
        cap = block.style.cap_px
        out.append(
            {
                "role": block.role,
                "name": ROLE_NAMES.get(block.role, block.role),
                "lines": len(block.lines),
                "cap_px": cap,
                "cap_mm": round(fmt.px_to_mm(cap), 2),
                "ok": cap >= fmt.min_cap_px,
            }
        )
    return out


def qr_summary(plan: PiecePlan) -> str:
    fmt, qr = plan.fmt, plan.qr
    if not fmt.is_print:
        return f"QR v{qr.version}-{qr.error}, module {qr.module_px} px"
    return (
        f"QR v{qr.version}-{qr.error} de {_mm(fmt.px_to_mm(qr.total_px))} mm "
        f"(module {_mm(fmt.px_to_mm(qr.module_px))} mm, scan à {_mm(fmt.scan_m)} m)"
    )


def plan_summary(plan: PiecePlan) -> str:
    fmt = plan.fmt
    lines = ", ".join(
        f"{ROLE_SHORT[str(e['role'])]} {_mm(float(str(e['cap_mm'])))}" for e in line_report(plan)
    )
    where = "à l'écran" if not fmt.is_print else f"à {_mm(fmt.distance_m)} m"
    return (
        f"{plan.name} : {qr_summary(plan)} ; capitales en mm (minimum {_mm(fmt.min_cap_mm)} "
        f"pour une lecture {where}) : {lines}"
    )


def code_summary(camp: Campaign) -> str:
    """Where the QR codes lead, and whether the campaign code survives without JavaScript."""
    if camp.code_pages:
        example = camp.qr_url("CODE")
        return (
            f"QR codes : adresse par code du site, dans la langue de la pièce ({example}) : "
            "le code de campagne arrive dans le signalement même sans JavaScript"
        )
    return (
        f"QR codes : {camp.report_url}?c=CODE (pas d'adresse par code sur le site) : sans "
        "JavaScript, le code de campagne est perdu (voir l'avertissement)"
    )
