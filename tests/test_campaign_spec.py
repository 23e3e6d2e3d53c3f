"""Campaign file validation: every bad field gives its own message, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vigie.campaign.build import check_campaign
from vigie.campaign.spec import CampaignError, NotPublicError, load_campaign
from vigie.cli import main
from vigie.core.config import build_config, load_config

CFG = build_config({"site": {"report_url": "https://signaler.vigie-besancon.fr/signaler/"}})

GOOD = """
[campaign]
name = "Test"
{campaign}
[[variant]]
code = "BSN-CENTRE"
label = "Centre"
{variant}
"""


def write(tmp_path: Path, campaign: str = "", variant: str = "", raw: str | None = None) -> Path:
    path = tmp_path / "camp.toml"
    path.write_text(raw if raw is not None else GOOD.format(campaign=campaign, variant=variant))
    return path


def test_minimal_file_takes_defaults_from_vigie_toml(tmp_path: Path) -> None:
    camp = load_campaign(write(tmp_path), CFG)
    assert camp.report_url == "https://signaler.vigie-besancon.fr/signaler/"
    assert camp.short_address == "signaler.vigie-besancon.fr/signaler"
    assert camp.variants[0].languages == ("fr",)
    assert camp.variants[0].formats == ("a3", "a4", "a5", "a6", "sticker", "square", "story")
    assert camp.layout == "bandeau"
    # Not in [site] campaigns: the code keeps ?c=, and the comms team is told why.
    assert not camp.code_pages and not camp.print_code
    assert camp.qr_url("BSN-CENTRE") == "https://signaler.vigie-besancon.fr/signaler/?c=BSN-CENTRE"
    (warning,) = camp.warnings
    assert "le site ne publie pas d'adresse par code pour cette campagne" in warning
    assert "sans JavaScript" in warning and "[site] campaigns" in warning


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/signaler/",
        "https://localhost/signaler/",
        "http://signaler.exemple.fr/",
    ],
)
def test_a_report_url_not_public_https_needs_draft(tmp_path: Path, url: str) -> None:
    path = write(tmp_path)
    with pytest.raises(NotPublicError, match=r"n'est pas une adresse HTTPS publique.*--draft"):
        load_campaign(path, build_config({"site": {"report_url": url}}))
    camp = load_campaign(path, build_config({"site": {"report_url": url}}), draft=True)
    assert camp.draft and "BROUILLON — NE PAS IMPRIMER" in camp.warnings[0]


def test_cli_refuses_localhost_without_draft_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, variant="formats = ['sticker']")
    cfg = tmp_path / "vigie.toml"
    cfg.write_text('[site]\nreport_url = "http://127.0.0.1:8000/signaler/"\n')
    out = tmp_path / "out"
    code = main(["--config", str(cfg), "campaign", "build", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "n'est pas une adresse HTTPS publique" in err and "--draft" in err
    assert not out.exists()


def published(*campaign_files: Path, url: str = "https://signaler.vigie-besancon.fr/") -> Any:
    """A deployment config whose site publishes the per-code pages of these files."""
    site = {"url": url, "report_url": "https://signaler.vigie-besancon.fr/signaler/"}
    return build_config({"site": {**site, "campaigns": [str(p) for p in campaign_files]}})


def test_a_listed_campaign_leads_to_its_per_code_pages(tmp_path: Path) -> None:
    path = write(tmp_path)
    camp = load_campaign(path, published(path))
    assert camp.code_pages and camp.print_code and camp.warnings == ()
    assert camp.qr_url("BSN-CENTRE") == "https://signaler.vigie-besancon.fr/s/BSN-CENTRE/"
    assert camp.qr_url("BSN-CENTRE", "ar") == "https://signaler.vigie-besancon.fr/ar/s/BSN-CENTRE/"
    # The printed address follows the site: with the code.
    assert camp.address_for("BSN-CENTRE") == "signaler.vigie-besancon.fr/s/BSN-CENTRE"
    plan = check_campaign(camp)[0]
    address = next(b for b in plan.blocks if b.role == "address")
    assert "".join(line.text for line in address.lines) == "signaler.vigie-besancon.fr/s/BSN-CENTRE"
    assert plan.url == "https://signaler.vigie-besancon.fr/s/BSN-CENTRE/"


@pytest.mark.parametrize(
    ("value", "printed"),
    [("true", "s/BSN-CENTRE"), ('"/s/{code}/"', "s/BSN-CENTRE"), ("false", "signaler")],
)
def test_code_path_chooses_the_printed_address(tmp_path: Path, value: str, printed: str) -> None:
    path = write(tmp_path, campaign=f"code_path = {value}")
    camp = load_campaign(path, published(path))
    assert camp.address_for("BSN-CENTRE") == f"signaler.vigie-besancon.fr/{printed}"
    # Whatever is printed, the QR code leads to the per-code page.
    assert camp.qr_url("BSN-CENTRE") == "https://signaler.vigie-besancon.fr/s/BSN-CENTRE/"


def test_the_campaign_file_is_matched_as_the_site_build_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[site] campaigns` is relative to vigie.toml's folder; the campaign path to the cwd."""
    write(tmp_path)
    (tmp_path / "sub").mkdir()
    conf = tmp_path / "sub" / "vigie.toml"
    conf.write_text(
        '[site]\nurl = "https://signaler.vigie-besancon.fr/"\n'
        'report_url = "https://signaler.vigie-besancon.fr/signaler/"\n'
        'campaigns = ["../camp.toml"]\n'
    )
    monkeypatch.chdir(tmp_path)
    cfg = load_config(str(conf), {})
    assert load_campaign(Path("camp.toml"), cfg).code_pages
    assert load_campaign(tmp_path / "sub" / ".." / "camp.toml", cfg).code_pages
    (tmp_path / "other.toml").write_text((tmp_path / "camp.toml").read_text())
    assert not load_campaign(Path("other.toml"), cfg).code_pages


def test_a_form_on_another_site_keeps_the_query(tmp_path: Path) -> None:
    """Listed, but the campaign's form is not on the config's site: its pages are not there."""
    path = write(tmp_path)
    camp = load_campaign(path, published(path, url="https://vigie.autre-site.fr/"))
    assert not camp.code_pages
    assert camp.qr_url("BSN-CENTRE") == "https://signaler.vigie-besancon.fr/signaler/?c=BSN-CENTRE"
    assert "n'est pas sur le site que décrit" in camp.warnings[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # The value used to be ignored: this one printed .../s/BSN-CENTRE, a 404-free
        # address only by luck. The site owns the path; another one is refused.
        ('"/p/{code}/"', "le site publie les adresses par code à '/s/{code}/'"),
        ('"/s/"', "le site publie les adresses par code à '/s/{code}/'"),
        ("3", "true ou false attendu, trouvé 3"),
    ],
)
def test_a_code_path_the_site_does_not_have_is_refused_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    path = write(tmp_path, campaign=f"code_path = {value}", variant="formats = ['sticker']")
    conf = tmp_path / "vigie.toml"
    conf.write_text(
        '[site]\nurl = "https://signaler.vigie-besancon.fr/"\n'
        'report_url = "https://signaler.vigie-besancon.fr/signaler/"\ncampaigns = ["camp.toml"]\n'
    )
    out = tmp_path / "out"
    for action in (["check", str(path)], ["build", str(path), "--out", str(out)]):
        assert main(["--config", str(conf), "campaign", *action]) == 2
        err = capsys.readouterr().err
        assert f"[campaign] code_path : {message}" in err, err
    assert not out.exists()


@pytest.mark.parametrize("value", ["true", '"/s/{code}/"'])
def test_printing_a_per_code_address_the_site_does_not_publish_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """Before: a poster printed host/s/CODE although the site had no such page (a 404)."""
    path = write(tmp_path, campaign=f"code_path = {value}", variant="formats = ['sticker']")
    conf = tmp_path / "vigie.toml"
    conf.write_text('[site]\nreport_url = "https://signaler.vigie-besancon.fr/signaler/"\n')
    out = tmp_path / "out"
    for action in (["check", str(path)], ["build", str(path), "--out", str(out)]):
        assert main(["--config", str(conf), "campaign", *action]) == 2
        err = capsys.readouterr().err
        assert "[campaign] code_path : l'adresse imprimée contiendrait le code (/s/CODE/)" in err
        assert "le site ne publie pas d'adresse par code pour cette campagne" in err
    assert not out.exists()


def test_check_says_when_a_scan_without_javascript_loses_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, variant="formats = ['sticker']")
    conf = tmp_path / "vigie.toml"
    conf.write_text('[site]\nreport_url = "https://signaler.vigie-besancon.fr/signaler/"\n')
    assert main(["--config", str(conf), "campaign", "check", str(path)]) == 0
    captured = capsys.readouterr()
    assert "vigie : attention :" in captured.err and "sans JavaScript" in captured.err
    assert "?c=CODE (pas d'adresse par code sur le site) : sans JavaScript, le code de " in (
        captured.out
    )
    conf.write_text(conf.read_text() + 'url = "https://signaler.vigie-besancon.fr/"\n')
    conf.write_text(conf.read_text() + 'campaigns = ["camp.toml"]\n')
    assert main(["--config", str(conf), "campaign", "check", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "(https://signaler.vigie-besancon.fr/s/CODE/) : le code de campagne arrive" in (
        captured.out
    )


BAD = [
    ({"raw": "[campaign\nname="}, "TOML invalide"),
    ({"raw": "[[variant]]\ncode='BSN'\nlabel='x'\n"}, "[campaign] : table manquante"),
    ({"raw": "[campaign]\nname='x'\n"}, "[[variant]] : au moins une [[variant]]"),
    ({"campaign": "colour = 'red'"}, "[campaign] colour : clé inconnue"),
    (
        {"campaign": "report_url = 'ftp://x.fr/'"},
        "[campaign] report_url : adresse http(s) attendue",
    ),
    ({"campaign": "languages = ['fr', 'de']"}, "[campaign] languages : valeur inconnue 'de'"),
    ({"campaign": "languages = []"}, "[campaign] languages : liste non vide"),
    ({"campaign": "formats = ['a2']"}, "[campaign] formats : valeur inconnue 'a2'"),
    (
        {"campaign": "layout = 'fancy'"},
        "[campaign] layout : valeurs possibles : bandeau, classique",
    ),
    ({"campaign": "crop_marks = 'yes'"}, "[campaign] crop_marks : true ou false attendu"),
    ({"campaign": "code_path = '/s/'"}, "[campaign] code_path : le site publie les adresses"),
    (
        {"campaign": "logos = ['missing.png']"},
        "[campaign] logos : 'missing.png' n'est pas une image",
    ),
    (
        {"campaign": "[campaign.colors]\nprimary = 'blue'"},
        "[campaign.colors] primary : #RRVVBB attendu",
    ),
    ({"campaign": "[campaign.colors]\ntext = '#dddddd'"}, "[campaign.colors] text : contraste"),
    (
        {"campaign": "[campaign.texts.fr]\nslogan = 'x'"},
        "[campaign.texts.fr] slogan : clé inconnue",
    ),
    ({"campaign": "[campaign.texts.de]\nheadline = 'x'"}, "[campaign.texts.de] : langue inconnue"),
    ({"campaign": "[campaign.texts.fr]\nemergency = 'Appelez le {pompiers}'"}, "repère inconnu"),
    ({"variant": "language = 'de'"}, "[[variant]] #1 language : langues possibles : fr, en, ar"),
    ({"variant": "formats = ['poster']"}, "[[variant]] #1 formats : valeur inconnue 'poster'"),
    ({"variant": "colour = 1"}, "[[variant]] #1 colour : clé inconnue"),
    (
        {"raw": GOOD.format(campaign="", variant="").replace("BSN-CENTRE", "bsn centre")},
        "[[variant]] #1 code : 'bsn centre' n'est pas un code de campagne",
    ),
    (
        {"raw": GOOD.format(campaign="", variant="").replace("BSN-CENTRE", "BSN-SAINTFERJEUX1")},
        "n'est pas un code de campagne",
    ),
    (
        {"raw": GOOD.format(campaign="", variant="") + "[[variant]]\ncode='BSN-CENTRE'\nlabel='b'"},
        "[[variant]] #2 code : 'BSN-CENTRE' est déjà le code d'une autre variante",
    ),
    ({"raw": GOOD.format(campaign="", variant="").replace('label = "Centre"', "")}, "label"),
]


@pytest.mark.parametrize(("parts", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_each_bad_field_names_file_key_and_expectation(
    tmp_path: Path, parts: dict[str, str], message: str
) -> None:
    path = write(tmp_path, **parts)
    with pytest.raises(CampaignError) as err:
        load_campaign(path, CFG)
    assert str(err.value).startswith(f"{path} : ")
    assert message in str(err.value)


def test_cli_refuses_invalid_file_in_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, campaign="layout = 'fancy'")
    out = tmp_path / "out"
    code = main(["campaign", "build", str(path), "--out", str(out), "--quiet", "--draft"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "layout" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_a_too_dense_code_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Valid TOML and fields, but the code cannot be scanned on a sticker: still nothing written.
    long_url = "https://signaler.example.fr/" + "/".join(c * 30 for c in "abcd") + "/"
    path = write(tmp_path, campaign=f"report_url = '{long_url}'", variant="formats = ['sticker']")
    out = tmp_path / "out"
    code = main(["campaign", "build", str(path), "--out", str(out)])
    assert code == 2
    assert "BSN-CENTRE-fr-sticker" in capsys.readouterr().err
    assert not out.exists()


def test_check_validates_without_rendering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, variant="formats = ['a4', 'sticker']")
    before = sorted(p.name for p in tmp_path.iterdir())
    cfg = tmp_path / "vigie.toml"
    cfg.write_text('[site]\nreport_url = "https://signaler.vigie-besancon.fr/signaler/"\n')
    assert main(["--config", str(cfg), "campaign", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK, 2 pièces" in out
    # Each piece's line gives the code size and every text line's cap height.
    a4 = next(line for line in out.splitlines() if line.startswith("BSN-CENTRE-fr-a4 : "))
    assert "minimum 5 pour une lecture à 1,5 m" in a4 and "scan à 1 m" in a4
    for name in ("titre", "quoi signaler", "anonyme", "scannez", "adresse", "vérifiez", "urgence"):
        assert f" {name} " in a4
    assert sorted(p.name for p in tmp_path.iterdir()) == [*before, "vigie.toml"]


def test_check_campaign_plans_every_piece(tmp_path: Path) -> None:
    camp = load_campaign(write(tmp_path, campaign="languages = ['fr', 'en', 'ar']"), CFG)
    plans = check_campaign(camp)
    assert len(plans) == 3 * 7
    # One form address per language: French unchanged, then /en/ and /ar/.
    assert {p.url for p in plans} == {
        f"https://signaler.vigie-besancon.fr/{prefix}signaler/?c=BSN-CENTRE"
        for prefix in ("", "en/", "ar/")
    }


def test_a_variant_may_have_its_own_texts_and_colours(tmp_path: Path) -> None:
    own = (
        '[variant.colors]\nprimary = "#005a32"\n'
        '[variant.texts.fr]\nheadline = "Planoise : vous voyez un trafic ? Signalez-le."\n'
    )
    raw = GOOD.format(campaign="", variant=own) + '[[variant]]\ncode = "BSN-GARE"\nlabel = "Gare"\n'
    camp = load_campaign(write(tmp_path, raw=raw), CFG)
    mine, other = camp.variants
    assert mine.colors is not None and mine.colors["primary"] == (0, 90, 50)
    assert mine.colors["accent"] == (179, 0, 27)  # the campaign's (default) accent
    assert other.colors is None and other.texts == {}
    plans = {p.code: p for p in check_campaign(camp) if p.fmt.name == "a4"}
    headline = {c: next(b for b in p.blocks if b.role == "headline") for c, p in plans.items()}
    assert headline["BSN-CENTRE"].lines[0].text.startswith("Planoise")
    assert not headline["BSN-GARE"].lines[0].text.startswith("Planoise")
    assert plans["BSN-CENTRE"].bands[0][1] == (0, 90, 50)  # the headline band
    bad = GOOD.format(campaign="", variant='[variant.colors]\ntext = "#eeeeee"\n')
    with pytest.raises(
        CampaignError, match=r"\[\[variant\]\] #1 \[variant.colors\] text : contraste"
    ):
        load_campaign(write(tmp_path, raw=bad), CFG)
