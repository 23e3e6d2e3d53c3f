"""The studio's server side, behind the real `LocalGuard`: validation, files, drafts, downloads.

Requests go through Werkzeug's test client into the guarded WSGI app (the same
stack the browser reaches), after the one-time token exchange; state-changing
requests carry the page's CSRF token and same-origin headers as a browser does.
"""

from __future__ import annotations

import io
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.test import Client, TestResponse

from tests.support.legibility import mark_share
from vigie.core.config import build_config
from vigie.studio.run import make_guarded_app

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
HTTPS = build_config({"site": {"report_url": "https://signaler.vigie-besancon.fr/signaler/"}})
LOCAL = build_config({})  # the demo's http://127.0.0.1:8000/signaler/


class Session:
    def __init__(self, folder: Path, cfg: Any, draft: bool = False, copy: bool = True) -> None:
        if copy:
            for name in ("besancon.toml", "logo-vigie.png"):
                shutil.copy(ROOT / "campaign" / "examples" / name, folder / name)
        self.file = folder / "besancon.toml"
        self.out = folder / "out"
        guard = make_guarded_app(cfg, self.file, self.out, draft, PORT)
        self.client = Client(guard)
        token = guard.url.split("token=")[1]
        assert self.client.get(f"/session?token={token}", base_url=BASE).status_code == 303

    def get(self, path: str) -> TestResponse:
        return self.client.get(path, base_url=BASE)

    def settings_fields(self) -> dict[str, Any]:
        """The settings form as the page fills it in."""
        page = self.get("/reglages").get_data(as_text=True)
        fields: dict[str, Any] = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page))
        fields["layout"] = "bandeau"
        fields["languages"] = ["fr"]
        fields["code_path"] = ""  # radio buttons: "follow the site" is the default
        fields.pop("csrf")
        return fields

    def post(self, path: str, data: dict[str, Any]) -> TestResponse:
        page = self.get("/reglages" if self.file.exists() else "/").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        headers = {"Origin": BASE, "Sec-Fetch-Site": "same-origin"}
        return self.client.post(
            path, base_url=BASE, data={"csrf": csrf.group(1), **data}, headers=headers
        )


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Session]:
    yield Session(tmp_path, HTTPS)


def test_a_bad_variant_is_refused_in_french_and_keeps_what_was_typed(studio: Session) -> None:
    before = studio.file.read_bytes()
    typed = {"original": "", "code": "bsn tram", "label": "Tram « T1 » <b>", "formats": []}
    r = studio.post("/variantes", typed)
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Rien n'a été enregistré" in page
    assert "&#39;bsn tram&#39; n&#39;est pas un code de campagne" in page
    assert "Choisissez au moins un format." in page
    # What was typed comes back (escaped), and the file is untouched.
    assert 'value="bsn tram"' in page and 'value="Tram « T1 » &lt;b&gt;"' in page
    assert studio.file.read_bytes() == before
    # A code already used by another variant is refused too.
    r = studio.post("/variantes", {**typed, "code": "BSN-GARE", "formats": ["a4"]})
    assert r.status_code == 400 and "déjà le code d&#39;une autre variante" in r.get_data(True)
    assert studio.file.read_bytes() == before


def test_a_text_too_long_for_a_poster_names_the_line_and_writes_nothing(
    studio: Session,
) -> None:
    before = studio.file.read_bytes()
    long = " ".join(["signalement"] * 25)
    form = studio.settings_fields()
    r = studio.post("/reglages", {**form, "text_fr_what": long})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "pièce BSN-CENTRE-fr-a3 : format a3, langue fr : à la taille lisible minimale" in page
    assert "le plus long est le texte « quoi signaler »" in page
    assert f">{long}</textarea>" in page  # kept for the next try
    assert studio.file.read_bytes() == before


def test_edit_keeps_comments_and_the_cli_reads_the_result(studio: Session) -> None:
    r = studio.post(
        "/variantes",
        {"original": "BSN-GARE", "code": "BSN-GARE", "label": "Gare Viotte", "language": "",
         "formats": ["a6"]},
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["Location"].endswith("/variantes/BSN-GARE/apercu")
    text = studio.file.read_text()
    assert "# Exemple complet de campagne Vigie pour Besançon." in text
    gare = next(v for v in tomllib.loads(text)["variant"] if v["code"] == "BSN-GARE")
    assert gare == {"code": "BSN-GARE", "label": "Gare Viotte", "formats": ["a6"]}
    r = studio.post("/variantes/BSN-GARE/supprimer", {})
    assert r.status_code == 303
    assert "BSN-GARE" not in [v["code"] for v in tomllib.loads(studio.file.read_text())["variant"]]


def test_a_variant_gets_its_own_headline_and_colour(studio: Session) -> None:
    form = {"original": "BSN-GARE", "code": "BSN-GARE", "label": "Gare", "formats": ["a6"]}
    r = studio.post("/variantes", {**form, "color_accent": "#ffcccc"})
    assert r.status_code == 400
    assert "Couleur d&#39;accent (ligne urgence) : contraste avec le fond" in r.get_data(True)
    r = studio.post(
        "/variantes",
        {
            **form,
            "color_primary": "#005A32",
            "text_en_headline": "Dealing at the station?  Tell us.",
        },
    )
    assert r.status_code == 303
    gare = next(
        v for v in tomllib.loads(studio.file.read_text())["variant"] if v["code"] == "BSN-GARE"
    )
    assert gare["colors"] == {"primary": "#005a32"}
    assert gare["texts"] == {"en": {"headline": "Dealing at the station? Tell us."}}
    # Empty fields keep the campaign's: the edit form shows them empty, as saved.
    page = studio.get("/variantes/BSN-GARE").get_data(as_text=True)
    assert 'name="color_text" value=""' in page
    assert "Dealing at the station? Tell us.</textarea>" in page
    # With every language of the campaign (French only), the English text stays on the form.
    assert "Textes propres à cette variante, en anglais" in page
    r = studio.post("/variantes", {**form, "text_en_headline": "Tell us."})
    assert r.status_code == 303
    page = studio.get("/variantes/BSN-GARE").get_data(as_text=True)
    assert ">Tell us.</textarea>" in page


def test_settings_colours_follow_the_contrast_rule(studio: Session) -> None:
    before = studio.file.read_bytes()
    form = {
        "name": "Besançon", "layout": "classique", "languages": ["fr", "ar"],
        "color_primary": "#12355b", "color_accent": "#b3001b", "color_background": "#ffffff",
        "color_text": "#dddddd", "text_fr_headline": "Vous voyez un trafic ? Signalez-le.",
    }  # fmt: skip
    r = studio.post("/reglages", form)
    assert r.status_code == 400
    assert "Texte : contraste avec le fond de 1,4:1, il faut au moins 4,5:1" in r.get_data(True)
    assert studio.file.read_bytes() == before
    r = studio.post("/reglages", {**form, "color_text": "#1a1a1a", "code_path": "false"})
    assert r.status_code == 303
    camp = tomllib.loads(studio.file.read_text())["campaign"]
    assert camp["layout"] == "classique" and camp["languages"] == ["fr", "ar"]
    assert camp["texts"]["fr"] == {"headline": "Vous voyez un trafic ? Signalez-le."}
    assert camp["code_path"] is False


def test_the_printed_address_follows_what_the_site_publishes(tmp_path: Path) -> None:
    form = {
        "name": "Besançon", "layout": "bandeau", "languages": ["fr", "ar"],
        "color_primary": "#12355b", "color_accent": "#b3001b", "color_background": "#ffffff",
        "color_text": "#1a1a1a", "code_path": "true",
    }  # fmt: skip
    # The site of this config does not list the file: a per-code address would 404.
    studio = Session(tmp_path, HTTPS)
    before = studio.file.read_bytes()
    page = studio.get("/").get_data(as_text=True)
    assert "le site ne publie pas d'adresse par code pour cette campagne" in page
    r = studio.post("/reglages", form)
    assert r.status_code == 400
    assert "l&#39;adresse imprimée contiendrait le code" in r.get_data(as_text=True)
    assert studio.file.read_bytes() == before
    # Listed: the QR codes and the printed addresses lead to the per-code pages.
    site = {"url": "https://signaler.vigie-besancon.fr/", "report_url": HTTPS.site.report_url}
    cfg = build_config({"site": {**site, "campaigns": [str(studio.file)]}})
    studio = Session(tmp_path, cfg, copy=False)
    assert "code de campagne arrive dans le signalement même sans JavaScript" in (
        studio.get("/").get_data(as_text=True)
    )
    assert studio.post("/reglages", form).status_code == 303
    assert tomllib.loads(studio.file.read_text())["campaign"]["code_path"] is True
    page = studio.get("/variantes/BSN-CENTRE/apercu").get_data(as_text=True)
    assert page.count("Lecture comme un téléphone : réussie") == 8  # 4 formats x 2 languages
    # Each language's per-code page: French at /s/CODE/, Arabic at /ar/s/CODE/.
    base = "signaler.vigie-besancon.fr"
    assert page.count(f"Le code ouvre <code>https://{base}/s/BSN-CENTRE/<") == 4
    assert page.count(f"Le code ouvre <code>https://{base}/ar/s/BSN-CENTRE/<") == 4
    assert page.count(f"adresse imprimée : <code>{base}/s/BSN-CENTRE<") == 4
    assert page.count(f"adresse imprimée : <code>{base}/ar/s/BSN-CENTRE<") == 4
    # "Sans le code": the plain form's address is printed; the QR still leads to /s/CODE/.
    assert studio.post("/reglages", {**form, "code_path": "false"}).status_code == 303
    assert tomllib.loads(studio.file.read_text())["campaign"]["code_path"] is False
    page = studio.get("/variantes/BSN-CENTRE/apercu").get_data(as_text=True)
    assert page.count(f"adresse imprimée : <code>{base}/signaler<") == 4
    assert page.count(f"Le code ouvre <code>https://{base}/s/BSN-CENTRE/<") == 4


def _json(answer: Any) -> Any:
    body = answer.json
    assert body is not None, answer
    return body


def test_as_you_type_checks_answer_the_server_rules(studio: Session) -> None:
    assert _json(studio.get("/verifier?code=BSN-TRAM")) == {"code": ""}
    assert "n'est pas un code de campagne" in _json(studio.get("/verifier?code=bsn"))["code"]
    colors = "color_primary=%23ffff00&color_accent=%23b3001b&color_background=%23ffffff"
    answer = _json(studio.get(f"/verifier?{colors}&color_text=%231a1a1a"))
    assert "contraste" in answer["color_primary"] and answer["color_text"] == ""


def test_downloads_only_serve_what_the_build_wrote(studio: Session) -> None:
    assert studio.get("/fichiers/BSN-GARE/BSN-GARE-en-a4.pdf").status_code == 404  # not built
    r = studio.post("/fichiers/BSN-GARE", {})
    assert r.status_code == 303
    page = studio.get("/fichiers/BSN-GARE").get_data(as_text=True)
    assert "PDF bureau" in page and "Planche contact" in page
    r = studio.get("/fichiers/BSN-GARE/BSN-GARE-en-a4-bureau.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF-1.4")
    assert r.headers["Content-Disposition"] == 'attachment; filename="BSN-GARE-en-a4-bureau.pdf"'
    for bad in ("manifest.json", "..%2Fbesancon.toml", "%2Fetc%2Fpasswd", "x.pdf"):
        assert studio.get(f"/fichiers/BSN-GARE/{bad}").status_code == 404, bad
    assert studio.get("/fichiers/..%2F..%2Fetc/passwd").status_code == 404


def test_a_local_report_url_blocks_print_without_draft(tmp_path: Path) -> None:
    studio = Session(tmp_path, LOCAL)
    home = studio.get("/").get_data(as_text=True)
    assert "n&#39;est pas une adresse HTTPS publique" in home and "--draft" in home
    preview = studio.get("/variantes/BSN-GARE/apercu")
    assert preview.status_code == 409 and "--draft" in preview.get_data(as_text=True)
    assert studio.post("/fichiers/BSN-GARE", {}).status_code == 303
    assert not (tmp_path / "out").exists()


def test_with_draft_every_preview_is_marked(tmp_path: Path) -> None:
    studio = Session(tmp_path, LOCAL, draft=True)
    page = studio.get("/variantes/BSN-GARE/apercu").get_data(as_text=True)
    assert "BROUILLON — NE PAS IMPRIMER" in page
    png = studio.get("/apercu/BSN-GARE/en/sticker.png")
    assert png.status_code == 200
    assert mark_share(Image.open(io.BytesIO(png.data))) > 0.005  # the same mark as the files
    studio.post("/fichiers/BSN-GARE", {})
    page = studio.get("/fichiers/BSN-GARE").get_data(as_text=True)
    assert "BROUILLON, NE PAS IMPRIMER" in page


def test_a_missing_file_is_created_from_the_studio(tmp_path: Path) -> None:
    studio = Session(tmp_path, HTTPS, copy=False)
    assert "Nouvelle campagne" in studio.get("/").get_data(as_text=True)
    r = studio.post("/creer", {"name": "Quartiers nord", "report_url": ""})
    assert r.status_code == 303
    data = tomllib.loads(studio.file.read_text())
    assert data["campaign"]["name"] == "Quartiers nord" and len(data["variant"]) == 1
    assert "Quartiers nord" in studio.get("/").get_data(as_text=True)
    # The whole campaign's files, contact sheet included, from the same build code.
    assert studio.post("/fichiers/campagne", {}).status_code == 303
    page = studio.get("/fichiers/campagne").get_data(as_text=True)
    assert "de toute la campagne" in page
    sheet = studio.get("/fichiers/campagne/contact-sheet.pdf")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF-1.4")


def test_a_file_broken_by_hand_is_explained_not_crashed(studio: Session) -> None:
    studio.file.write_text("[campaign\nname = ", encoding="utf-8")
    for path in ("/", "/variantes/BSN-GARE", "/reglages", "/variantes/BSN-GARE/apercu"):
        r = studio.get(path)
        assert r.status_code in (200, 400, 409), path
        assert "TOML" in r.get_data(as_text=True), path


def test_a_trial_previews_the_form_without_writing(studio: Session) -> None:
    before = studio.file.read_bytes()
    form = {
        "code": "BSN-ESSAI", "label": "Essai", "language": "fr", "formats": ["sticker"],
        "text_fr_headline": "Un essai de titre ? Signalez-le.",
    }  # fmt: skip
    r = studio.post("/variantes/essai", form)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "rien n'est encore enregistré" in page
    assert "Lecture comme un téléphone : réussie" in page
    assert ">Un essai de titre ? Signalez-le.</textarea>" in page  # the form, to go on
    src = re.search(r'src="(/apercu/BSN-ESSAI/fr/sticker\.png\?v=[0-9a-f]{64})"', page)
    assert src is not None
    png = studio.get(src.group(1))
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert studio.file.read_bytes() == before
    # Not saved: without the trial's key there is no such piece.
    assert studio.get("/apercu/BSN-ESSAI/fr/sticker.png").status_code == 404
    bad = studio.post("/variantes/essai", {**form, "code": "essai"})
    assert bad.status_code == 400 and "n&#39;est pas un code de campagne" in bad.get_data(True)
