"""Legibility and drafts: every line of every format and layout, long texts and Arabic included.

Cap heights are measured in the rendered pixels (`tests.support.legibility`),
never taken from the requested font size. Drafts are built for real and every
page, PNG and PDF, must carry the « BROUILLON — NE PAS IMPRIMER » mark.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.support.legibility import mark_share, measured_caps
from vigie.campaign.formats import FORMATS
from vigie.campaign.layout import layout_piece
from vigie.campaign.render import draw_piece, trim
from vigie.campaign.spec import load_campaign
from vigie.cli import main
from vigie.core.config import Config, build_config

ROOT = Path(__file__).resolve().parent.parent
CFG = build_config({"site": {"report_url": "https://signaler.vigie-besancon.fr/signaler/"}})
LONG = """
[campaign]
name = "Besançon — quartiers, campagne longue"
languages = ["fr", "ar"]
layout = "{layout}"
code_path = "/s/{{code}}/"

[campaign.texts.fr]
headline = "Trafic de drogue dans votre rue, votre cage d'escalier ? Signalez-le."

[campaign.texts.ar]
headline = "تجارة مخدرات في شارعك أو عمارتك؟ أبلغ عنها دون ذكر اسمك."

[[variant]]
code = "BSN-SAINTFERJEU-NORD"
label = "Saint-Ferjeux, Rosemont et la Butte — abribus, halls et parkings (arabe et français)"
"""


def _published(path: Path) -> Config:
    """A config whose site publishes the per-code pages of `path` (code_path needs them)."""
    site = {"url": "https://signaler.vigie-besancon.fr/", "campaigns": [str(path)]}
    return build_config({"site": {**site, "report_url": CFG.site.report_url}})


def _write(tmp: Path, text: str) -> Path:
    shutil.copy(ROOT / "campaign" / "examples" / "logo-vigie.png", tmp / "logo-vigie.png")
    path = tmp / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("layout", ["bandeau", "classique"])
def test_long_texts_and_arabic_are_legible_in_every_format(tmp_path: Path, layout: str) -> None:
    path = _write(tmp_path, LONG.format(layout=layout))
    camp = load_campaign(path, _published(path))
    variant = camp.variants[0]
    for fmt in FORMATS.values():
        for lang in ("fr", "ar"):
            plan = layout_piece(camp, variant, lang, fmt.name)
            # The pixels the PNG gets: the canvas cut to the trim.
            caps = measured_caps(trim(draw_piece(plan, camp.logos), plan), plan, plan.trim[:2])
            assert len(caps) == 7
            for role, px in caps.items():
                # One pixel of anti-aliasing either way (0.08 mm at 300 dpi).
                assert px >= fmt.min_cap_px - 1, f"{layout} {fmt.name} {lang} {role}: {px} px"
            address = next(b for b in plan.blocks if b.role == "address")
            assert "".join(x.text for x in address.lines).endswith("/s/BSN-SAINTFERJEU-NORD")


def test_a_line_that_cannot_fit_is_named_in_french(tmp_path: Path) -> None:
    text = LONG.format(layout="bandeau").replace(
        'headline = "Trafic',
        'emergency = "' + "Appelez le 17 sans attendre. " * 8 + '"\nheadline = "Trafic',
    )
    path = _write(tmp_path, text)
    camp = load_campaign(path, _published(path))
    with pytest.raises(ValueError, match=r"format a4, langue fr : .*la ligne « urgence »"):
        layout_piece(camp, camp.variants[0], "fr", "a4")


def test_a_draft_carries_the_mark_on_every_page_and_still_scans(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[campaign]\nname = "Essai"\nreport_url = "http://127.0.0.1:8000/signaler/"\n'
        '[[variant]]\ncode = "BSN-ESSAI"\nlabel = "Essai"\nformats = ["a4", "sticker", "square"]\n',
    )
    out = tmp_path / "out"
    assert main(["campaign", "build", str(path), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    assert main(["campaign", "build", str(path), "--out", str(out), "--quiet", "--draft"]) == 0
    pages = []
    for pdf in sorted(out.glob("*.pdf")):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / pdf.stem)], check=True
        )
        pages.append(tmp_path / f"{pdf.stem}-1.png")
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 3 and len(pages) == 4  # print a4, office a4, sticker, contact sheet
    for page in [*pngs, *pages]:
        if page.stem.startswith("contact-sheet"):
            continue
        assert mark_share(Image.open(page)) > 0.005, page.name
    for png in pngs:  # the code still decodes through the draft
        decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))]
        assert decoded == ["http://127.0.0.1:8000/signaler/?c=BSN-ESSAI"]
    # A public build of the same piece has no mark.
    camp = load_campaign(
        _write(tmp_path, path.read_text().replace("http://127.0.0.1:8000", "https://s.vigie.fr")),
        CFG,
    )
    assert not camp.draft
    plan = layout_piece(camp, camp.variants[0], "fr", "a4")
    assert mark_share(trim(draw_piece(plan, camp.logos), plan)) < 0.001
