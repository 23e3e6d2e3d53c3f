"""The example campaign, built once per session: sizes in mm, lossless codes, every piece scans.

PDFs are read back with Debian's poppler tools (pdfinfo, pdftoppm, pdfimages),
an independent reader, and codes are decoded with zxing-cpp.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from tests.support.legibility import measured_caps
from vigie.campaign.build import build_campaign
from vigie.campaign.formats import FORMATS
from vigie.campaign.layout import layout_piece
from vigie.campaign.pdf import SLUG_MM
from vigie.campaign.spec import load_campaign
from vigie.cli import main
from vigie.core.config import build_config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "campaign" / "examples" / "besancon.toml"
CFG = build_config({"site": {"report_url": "https://signaler.vigie-besancon.fr/signaler/"}})
PT = 72 / 25.4

pytestmark = pytest.mark.xdist_group("campaign_example")


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("campaign") / "out"
    manifest = build_campaign(load_campaign(EXAMPLE, CFG), out, workers=2)
    yield out, manifest


def decode(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


def boxes(pdf: Path) -> dict[str, list[float]]:
    out = subprocess.run(["pdfinfo", "-box", str(pdf)], capture_output=True, text=True, check=True)
    found = {}
    for line in out.stdout.splitlines():
        name, _, rest = line.partition(":")
        if name.endswith("Box"):
            found[name] = [float(v) for v in rest.split()]
    return found


def test_manifest_lists_every_piece_with_url_and_qr_size(example: tuple[Path, Any]) -> None:
    out, manifest = example
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == manifest
    pieces = manifest["pieces"]
    assert len(pieces) == 13
    names = {p["name"] for p in pieces}
    assert {"BSN-CENTRE-fr-a3", "BSN-PLANOISE-AR-ar-a4", "BSN-RESEAUX-fr-story"} <= names
    for p in pieces:
        # Each piece leads to the form in its own language (French unchanged).
        prefix = "" if p["language"] == "fr" else f"{p['language']}/"
        form = f"https://signaler.vigie-besancon.fr/{prefix}signaler/"
        assert p["url"] == f"{form}?c={p['variant']}"
        assert p["qr"]["error_correction"] in ("Q", "H")
        assert p["qr"]["quiet_zone_modules"] >= 4
        for kind, name in p["files"].items():
            assert (out / name).is_file(), kind
        fmt = FORMATS[p["format"]]
        if fmt.is_print:
            # Width from the viewing distance: bare symbol >= distance / 10.
            symbol_mm = p["qr"]["module_mm"] * p["qr"]["modules"]
            assert symbol_mm >= fmt.scan_m * 100 - 0.01
            assert set(p["files"]) == (
                {"pdf", "png"} if fmt.kind == "sticker" else {"pdf", "office_pdf", "png"}
            )
        assert p["verified"] == {
            "print_resolution": True,
            "phone_view": True,
            "camera_px_per_module": p["verified"]["camera_px_per_module"],
        }
    assert (out / "contact-sheet.pdf").is_file()
    assert not [n for n in (p.name for p in out.iterdir()) if n.startswith(".staging")]


def test_every_pdf_page_is_exact_in_millimetres(example: tuple[Path, Any]) -> None:
    out, manifest = example
    seen = set()
    for p in manifest["pieces"]:
        if "pdf" not in p["files"]:
            continue
        fmt = FORMATS[p["format"]]
        b = boxes(out / p["files"]["pdf"])
        tx0, ty0, tx1, ty1 = b["TrimBox"]
        assert tx1 - tx0 == pytest.approx(fmt.width * PT, abs=0.01)
        assert ty1 - ty0 == pytest.approx(fmt.height * PT, abs=0.01)
        bx0, by0, bx1, by1 = b["BleedBox"]
        for inner, outer in ((tx0, bx0), (ty0, by0), (bx1, tx1), (by1, ty1)):
            assert inner - outer == pytest.approx(3 * PT, abs=0.01)
        # Crop marks are on in the example: the media box leaves room for them.
        mx0, my0, mx1, my1 = b["MediaBox"]
        assert mx1 - mx0 == pytest.approx((fmt.width + 2 * SLUG_MM) * PT, abs=0.01)
        assert my1 - my0 == pytest.approx((fmt.height + 2 * SLUG_MM) * PT, abs=0.01)
        seen.add(fmt.name)
    assert seen == {"a3", "a4", "a5", "a6", "sticker"}


def test_every_piece_decodes_from_its_pdf_and_png(example: tuple[Path, Any]) -> None:
    out, manifest = example
    for p in manifest["pieces"]:
        assert decode(Image.open(out / p["files"]["png"])) == [p["url"]], p["name"]
        if "pdf" in p["files"]:
            prefix = out / f"render-{p['name']}"
            subprocess.run(
                ["pdftoppm", "-r", "120", "-gray", "-png", str(out / p["files"]["pdf"]), prefix],
                check=True,
            )
            page = Path(f"{prefix}-1.png")
            assert decode(Image.open(page)) == [p["url"]], p["name"]
            page.unlink()


def test_pdf_carries_the_page_losslessly(example: tuple[Path, Any], tmp_path: Path) -> None:
    out, manifest = example
    piece = next(p for p in manifest["pieces"] if p["name"] == "BSN-CENTRE-fr-sticker")
    listing = subprocess.run(
        ["pdfimages", "-list", str(out / piece["files"]["pdf"])],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert " image " in listing and "jpeg" not in listing.lower()
    subprocess.run(
        ["pdfimages", "-png", str(out / piece["files"]["pdf"]), str(tmp_path / "img")], check=True
    )
    embedded = Image.open(tmp_path / "img-000.png").convert("RGB")
    web = Image.open(out / piece["files"]["png"]).convert("RGB")
    # The page image in the PDF is pixel-identical to the PNG: no lossy step anywhere.
    assert embedded.size == web.size
    assert embedded.tobytes() == web.tobytes()


def test_contact_sheet_has_every_piece(example: tuple[Path, Any]) -> None:
    out, _ = example
    info = subprocess.run(
        ["pdfinfo", str(out / "contact-sheet.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Pages:           2" in info  # 13 pieces at 8 per page


def test_cli_build_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    camp = tmp_path / "c.toml"
    camp.write_text(
        '[campaign]\nname = "Q"\nreport_url = "https://s.vigie.fr/"\n'
        '[[variant]]\ncode = "BSN-TRAM"\nlabel = "Tram"\nformats = ["sticker"]\n'
    )
    conf = tmp_path / "vigie.toml"  # its site publishes the per-code pages: no warning
    conf.write_text('[site]\nurl = "https://s.vigie.fr/"\ncampaigns = ["c.toml"]\n')
    argv = ["--config", str(conf), "campaign", "build", str(camp), "--out", str(tmp_path / "o")]
    assert main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert (tmp_path / "o" / "BSN-TRAM-fr-sticker.pdf").is_file()


def test_office_pdf_is_the_exact_page_without_bleed(example: tuple[Path, Any]) -> None:
    out, manifest = example
    seen = set()
    for p in manifest["pieces"]:
        if "office_pdf" not in p["files"]:
            continue
        fmt = FORMATS[p["format"]]
        pdf = out / p["files"]["office_pdf"]
        b = boxes(pdf)
        # An office printer gets exactly the paper size: nothing to scale or crop.
        for name in ("MediaBox", "CropBox", "TrimBox", "BleedBox"):
            x0, y0, x1, y1 = b[name]
            assert (x0, y0) == (0, 0), name
            assert x1 == pytest.approx(fmt.width * PT, abs=0.01), name
            assert y1 == pytest.approx(fmt.height * PT, abs=0.01), name
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        if fmt.name == "a4":
            assert "Page size:       595.276 x 841.89 pts (A4)" in info.stdout
        prefix = out / f"office-{p['name']}"
        subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(pdf), prefix], check=True)
        page = Path(f"{prefix}-1.png")
        assert decode(Image.open(page)) == [p["url"]], p["name"]
        page.unlink()
        seen.add(fmt.name)
    assert seen == {"a3", "a4", "a5", "a6"}


def test_every_line_is_legible_at_its_distance(example: tuple[Path, Any]) -> None:
    """Cap heights measured in the published PNGs, against distance / 300 (4.5 mm on posters)."""
    out, manifest = example
    camp = load_campaign(EXAMPLE, CFG)
    variants = {v.code: v for v in camp.variants}
    for p in manifest["pieces"]:
        fmt = FORMATS[p["format"]]
        plan = layout_piece(camp, variants[p["variant"]], p["language"], p["format"])
        caps = measured_caps(Image.open(out / p["files"]["png"]), plan, plan.trim[:2])
        recorded = {line["role"]: line for line in p["legibility"]["lines"]}
        assert set(caps) == set(recorded) == {
            "headline", "what", "anonymous", "scan", "address", "check", "emergency"
        }  # fmt: skip
        for role, px in caps.items():
            where = f"{p['name']} {role}: {px} px, rule {fmt.min_cap_px} px"
            # One pixel of anti-aliasing either way (0.08 mm at 300 dpi).
            assert px >= fmt.min_cap_px - 1, where
            assert abs(px - recorded[role]["cap_px"]) <= 0.12 * px, where
            assert recorded[role]["ok"], where
        if fmt.kind == "poster":
            assert fmt.min_cap_mm >= 4.5
            assert fmt.min_cap_px >= 4.5 * fmt.px_per_mm
