"""Single pieces: QR rules, text fit per format and language, RTL, verification, determinism."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import segno
import zxingcpp
from PIL import Image

from vigie.campaign.build import build_campaign
from vigie.campaign.formats import FORMATS, Format
from vigie.campaign.layout import LayoutError, layout_piece
from vigie.campaign.qr import QRTooDense, piece_url, plan_qr, render_qr
from vigie.campaign.render import draw_piece
from vigie.campaign.spec import Campaign, Variant, load_campaign
from vigie.campaign.textfit import ink_box
from vigie.campaign.verify import VerifyError, verify_page
from vigie.core.config import build_config

CFG = build_config({"site": {"report_url": "https://signaler.vigie-besancon.fr/signaler/"}})
LONG_URL = "https://signaler.example.fr/" + "/".join(c * 30 for c in "abcd") + "/"


CAMP_VARIANT = Variant("BSN-CENTRE", "Centre", ("fr",), ("a5",))


def campaign(tmp_path: Path, extra: str = "", layout: str = "bandeau") -> Campaign:
    path = tmp_path / "c.toml"
    path.write_text(
        f'[campaign]\nname = "T"\nlayout = "{layout}"\nlanguages = ["fr", "en", "ar"]\n{extra}\n'
        '[[variant]]\ncode = "BSN-CENTRE"\nlabel = "Centre"\n'
    )
    return load_campaign(path, CFG)


def test_piece_url_appends_the_code() -> None:
    assert piece_url("https://a.fr/s/", "BSN-X") == "https://a.fr/s/?c=BSN-X"
    assert piece_url("https://a.fr/s?lang=fr", "BSN-X") == "https://a.fr/s?lang=fr&c=BSN-X"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_qr_rules_per_format(fmt: str) -> None:
    f = FORMATS[fmt]
    plan = plan_qr("https://signaler.vigie-besancon.fr/signaler/?c=BSN-CENTRE", f)
    assert plan.error in ("Q", "H") and plan.quiet >= 4
    assert isinstance(plan.module_px, int) and plan.module_px >= 1
    assert plan.total_px <= f.qr_max_fraction * f.trim_px[0]
    if f.is_print:
        assert plan.modules * plan.module_px / f.px_per_mm >= f.scan_m * 100
        assert plan.total_px / f.px_per_mm >= 1.2 * f.scan_m * 100
    img = render_qr(plan)
    # Integer pixels per module, no resampling: only pure black and white, exact size.
    assert img.size == (plan.total_px, plan.total_px)
    colors = img.convert("L").getcolors()
    assert colors is not None
    assert {v for _, v in colors} == {0, 255}
    assert [r.text for r in zxingcpp.read_barcodes(img)] == [plan.url]


def test_a_url_too_long_for_a_sticker_is_refused() -> None:
    url = LONG_URL + "?c=BSN-CENTRE"
    with pytest.raises(QRTooDense, match=r"format sticker : l'adresse \(\d+ caractères\) demande"):
        plan_qr(url, FORMATS["sticker"])
    # The same URL is fine on a flyer, read from closer with more room.
    assert plan_qr(url, FORMATS["a5"]).version >= 10


@pytest.mark.parametrize("layout", ["bandeau", "classique"])
def test_texts_fit_every_format_and_language(tmp_path: Path, layout: str) -> None:
    camp = campaign(tmp_path, layout=layout)
    for lang in ("fr", "en", "ar"):
        for fmt in FORMATS:
            plan = layout_piece(camp, camp.variants[0], lang, fmt)
            left, top, right, bottom = plan.safe
            qx, qy = plan.qr_pos
            q = plan.qr.total_px
            boxes = []
            for block in plan.blocks:
                x0, y0, x1, y1 = ink_box(block)
                where = f"{layout} {lang} {fmt}: {block.lines[0].text!r}"
                assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, where
                assert x1 <= qx or x0 >= qx + q or y1 <= qy or y0 >= qy + q, where
                boxes.append((x0, y0, x1, y1))
            for i, a in enumerate(boxes):  # no two texts overlap
                for b in boxes[i + 1 :]:
                    assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            smallest = min(b.style.size_px for b in plan.blocks)
            assert smallest >= FORMATS[fmt].pt_to_px(FORMATS[fmt].min_text_pt) - 1


def test_overlong_text_is_refused_not_clipped(tmp_path: Path) -> None:
    long = " ".join(["signalement"] * 25)  # 300 characters in each of three texts
    texts = "".join(f'{key} = "{long}"\n' for key in ("what", "anonymous", "check"))
    camp = campaign(tmp_path, f"[campaign.texts.fr]\n{texts}")
    # An A4 poster read from 1.5 m needs 5 mm capitals: 900 characters do not fit.
    with pytest.raises(LayoutError, match="format a4, langue fr : à la taille lisible") as err:
        layout_piece(camp, camp.variants[0], "fr", "a4")
    # The message names the line to shorten (the longest of the three).
    assert "[campaign.texts.fr] what" in str(err.value) and "raccourcissez" in str(err.value)
    # The same texts still fit an A5 flyer, read from 50 cm: refusal is per format.
    assert layout_piece(camp, camp.variants[0], "fr", "a5").unit_px > 0


def test_rtl_piece_renders_right_aligned_and_decodes(tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    plan = layout_piece(camp, camp.variants[0], "ar", "a6")
    img = draw_piece(plan, ())
    check = verify_page(img, plan.url, plan.fmt, plan.qr.module_px, plan.name)
    assert check.print_ok and check.degraded_ok
    body = next(b for b in plan.blocks if b.style.align == "start" and b.style.rtl)
    # Right-to-left paragraphs hug the right edge of the safe area, not the left.
    assert all(abs(ink_box(dataclasses.replace(body, lines=(ln,)))[2] - plan.safe[2]) < 40
               for ln in body.lines)  # fmt: skip
    # The printed address stays left to right and Latin.
    address = next(b for b in plan.blocks if b.style.url)
    assert not address.style.rtl and address.lines[0].text.startswith("signaler.")


def test_verification_catches_a_code_pasted_over(tmp_path: Path) -> None:
    """A fake sticker over the real code: the build must name the piece and fail."""
    camp = campaign(tmp_path)
    plan = layout_piece(camp, camp.variants[0], "fr", "sticker")
    img = draw_piece(plan, ())
    fake = segno.make_qr("https://arnaque.example/", error="q")
    fake.save(str(tmp := tmp_path / "fake.png"), scale=plan.qr.module_px, border=4)
    fake_img = Image.open(tmp).convert("RGB").resize((plan.qr.total_px, plan.qr.total_px))
    img.paste(fake_img, plan.qr_pos)
    with pytest.raises(VerifyError, match="BSN-CENTRE-fr-sticker : le code lu à la résolution"):
        verify_page(img, plan.url, plan.fmt, plan.qr.module_px, plan.name)


def test_verification_catches_a_code_too_small_for_its_distance(tmp_path: Path) -> None:
    camp = campaign(tmp_path)
    plan = layout_piece(camp, camp.variants[0], "fr", "sticker")
    img = draw_piece(plan, ())
    far = Format("far", "far", "sticker", 100, 100, 4.0, 4.0, 0.46, 6)  # read from 4 m
    with pytest.raises(VerifyError, match="ne se lit pas comme un téléphone"):
        verify_page(img, plan.url, far, plan.qr.module_px, plan.name)


def test_two_builds_give_the_same_bytes(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (18, 53, 91)).save(logo)
    path = tmp_path / "d.toml"
    path.write_text(
        '[campaign]\nname = "D"\nlayout = "classique"\ncrop_marks = true\nlogos = ["logo.png"]\n'
        '[[variant]]\ncode = "BSN-A"\nlabel = "A"\nformats = ["a6", "sticker"]\n'
        '[[variant]]\ncode = "BSN-B"\nlabel = "B"\nlanguage = "ar"\nformats = ["square"]\n'
    )
    camp = load_campaign(path, CFG)
    one = build_campaign(camp, tmp_path / "one", workers=1)
    two = build_campaign(camp, tmp_path / "two", workers=2)
    assert one == two
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    # pdf+png per print piece, the A6 office pdf, png, sheet, manifest
    assert len(names) == 2 * 2 + 1 + 1 + 2
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_two_layouts_place_the_code_differently(tmp_path: Path) -> None:
    plans = {
        layout: layout_piece(campaign(tmp_path, layout=layout), CAMP_VARIANT, "fr", "a5")
        for layout in ("bandeau", "classique")
    }
    assert plans["bandeau"].qr_pos[1] > plans["classique"].qr_pos[1]  # code lower in bandeau
    assert [c for _, c in plans["classique"].bands] == [(179, 0, 27)]  # the emergency band


def test_logos_are_drawn_in_their_row(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (18, 53, 91)).save(logo)
    camp = campaign(tmp_path, 'logos = ["logo.png"]')
    plan = layout_piece(camp, camp.variants[0], "fr", "a6")
    img = draw_piece(plan, camp.logos)
    x0, y0, x1, y1 = plan.logos[0]
    assert img.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == (18, 53, 91)
    assert y1 <= plan.safe[3]


def test_the_code_grows_into_room_the_text_does_not_need(tmp_path: Path) -> None:
    """The trade: short texts at their largest leave room, and the code takes it."""
    short = "".join(f'{k} = "Signalez."\n' for k in ("what", "anonymous", "check", "scan"))
    roomy = campaign(tmp_path, f'[campaign.texts.fr]\nheadline = "Signalez."\n{short}')
    fmt = FORMATS["a4"]
    smallest = plan_qr(piece_url(roomy.report_url, "BSN-CENTRE"), fmt)
    grown = layout_piece(roomy, roomy.variants[0], "fr", "a4")
    assert grown.qr.module_px > smallest.module_px
    assert grown.qr.total_px <= fmt.qr_max_fraction * fmt.trim_px[0]
    # Never past the size that the reading distance itself would ask for.
    assert grown.qr.modules * grown.qr.module_px <= fmt.px(fmt.distance_m * 100) + grown.qr.modules
    # With the full default texts, the code stays at its scan-distance minimum.
    full = layout_piece(campaign(tmp_path), CAMP_VARIANT, "fr", "a4")
    assert full.qr.module_px == smallest.module_px
