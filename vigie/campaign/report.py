"""One line of French per planned piece: code size and each text line's cap height.

Shared by `vigie campaign check` and the studio, so both say the same thing.
"""

from __future__ import annotations

from vigie.campaign.formats import fr_num as _mm
from vigie.campaign.layout import ROLE_SHORT, PiecePlan, line_report


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
