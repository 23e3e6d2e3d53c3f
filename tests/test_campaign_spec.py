"""Campaign file validation: every bad field gives its own message, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.campaign.build import check_campaign
from vigie.campaign.spec import CampaignError, load_campaign
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


def test_plain_http_report_url_is_accepted_with_a_warning(tmp_path: Path) -> None:
    camp = load_campaign(write(tmp_path), build_config({}))
    assert "not a public HTTPS address" in camp.warnings[0]


BAD = [
    ({"raw": "[campaign\nname="}, "not valid TOML"),
    ({"raw": "[[variant]]\ncode='BSN'\nlabel='x'\n"}, "[campaign]: missing table"),
    ({"raw": "[campaign]\nname='x'\n"}, "[[variant]]: expected at least one"),
    ({"campaign": "colour = 'red'"}, "[campaign] colour: unknown key"),
    ({"campaign": "report_url = 'ftp://x.fr/'"}, "[campaign] report_url: expected an http(s) URL"),
    ({"campaign": "languages = ['fr', 'de']"}, "[campaign] languages: unknown value 'de'"),
    ({"campaign": "languages = []"}, "[campaign] languages: expected a non-empty list"),
    ({"campaign": "formats = ['a2']"}, "[campaign] formats: unknown value 'a2'"),
    ({"campaign": "layout = 'fancy'"}, "[campaign] layout: expected one of bandeau, classique"),
    ({"campaign": "crop_marks = 'yes'"}, "[campaign] crop_marks: expected true or false"),
    ({"campaign": "logos = ['missing.png']"}, "[campaign] logos: 'missing.png' is not a readable"),
    (
        {"campaign": "[campaign.colors]\nprimary = 'blue'"},
        "[campaign.colors] primary: expected #RRGGBB",
    ),
    ({"campaign": "[campaign.colors]\ntext = '#dddddd'"}, "[campaign.colors] text: contrast"),
    ({"campaign": "[campaign.texts.fr]\nslogan = 'x'"}, "[campaign.texts.fr] slogan: unknown key"),
    ({"campaign": "[campaign.texts.de]\nheadline = 'x'"}, "[campaign.texts.de]: unknown language"),
    ({"campaign": "[campaign.texts.fr]\nemergency = 'Appelez le {pompiers}'"}, "bad placeholder"),
    ({"variant": "language = 'de'"}, "[[variant]] #1 language: expected one of fr, en, ar"),
    ({"variant": "formats = ['poster']"}, "[[variant]] #1 formats: unknown value 'poster'"),
    ({"variant": "colour = 1"}, "[[variant]] #1 colour: unknown key"),
    (
        {"raw": GOOD.format(campaign="", variant="").replace("BSN-CENTRE", "bsn centre")},
        "[[variant]] #1 code: 'bsn centre' is not a campaign code",
    ),
    (
        {"raw": GOOD.format(campaign="", variant="").replace("BSN-CENTRE", "BSN-SAINTFERJEUX1")},
        "is not a campaign code",
    ),
    (
        {"raw": GOOD.format(campaign="", variant="") + "[[variant]]\ncode='BSN-CENTRE'\nlabel='b'"},
        "[[variant]] #2 code: 'BSN-CENTRE' is used by another variant",
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
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_cli_refuses_invalid_file_in_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, campaign="layout = 'fancy'")
    out = tmp_path / "out"
    code = main(["campaign", "build", str(path), "--out", str(out), "--quiet"])
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
    assert "OK, 2 pièces" in capsys.readouterr().out
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
