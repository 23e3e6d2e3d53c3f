"""Campaign file validation: every bad field gives its own message, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.campaign.build import check_campaign
from vigie.campaign.spec import CampaignError, NotPublicError, load_campaign
from vigie.cli import main
from vigie.core.config import build_config

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
    assert camp.warnings == ()


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


def test_code_path_puts_the_code_in_the_short_address(tmp_path: Path) -> None:
    camp = load_campaign(write(tmp_path), CFG)
    assert camp.address_for("BSN-CENTRE") == "signaler.vigie-besancon.fr/signaler"  # default
    camp = load_campaign(write(tmp_path, campaign='code_path = "/s/{code}/"'), CFG)
    assert camp.address_for("BSN-CENTRE") == "signaler.vigie-besancon.fr/s/BSN-CENTRE"
    plan = check_campaign(camp)[0]
    address = next(b for b in plan.blocks if b.role == "address")
    assert "".join(line.text for line in address.lines) == "signaler.vigie-besancon.fr/s/BSN-CENTRE"
    # The QR code still carries the code as a parameter of the form's address.
    assert plan.url == "https://signaler.vigie-besancon.fr/signaler/?c=BSN-CENTRE"


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
    ({"campaign": "code_path = '/s/'"}, "[campaign] code_path : chemin du site par code"),
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
