"""The follow-up parts of the built site: /suivi/ and the form's opt-in, without a browser.

/suivi/ gets the same build-time treatment as /signaler/ (keys and limits
baked, every script with SRI, quick exit from the shared template); both pages
say in plain HTML what follow-up needs when JavaScript is off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pyrage
import pytest

from vigie.core.config import build_config
from vigie.site.build import build_site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    keys = [str(pyrage.x25519.Identity.generate().to_public())]
    cfg = build_config({"analysts": {"recipients": keys}}, {}, source="<test>")
    return build_site(cfg, tmp_path_factory.mktemp("site")), keys


def test_suivi_scripts_carry_sri_and_the_keys_are_baked(built: tuple[Path, list[str]]) -> None:
    out, keys = built
    text = (out / "suivi" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script src="([^"]+/form/[^"]+)" integrity="([^"]+)"', text)
    assert [Path(src).name for src, _ in scripts] == ["tip.js", "send.js", "suivi.js"]
    for src, integrity in scripts:
        data = (out / "suivi" / src).resolve().read_bytes()
        assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    block = re.search(
        r'<script type="application/json" id="vigie-form-config">(.*?)</script>', text
    )
    assert block is not None and json.loads(block.group(1))["recipients"] == keys
    # The crypto bundles, loaded by tip.js with the integrity baked in the page.
    bundles = json.loads(block.group(1))["bundles"]
    assert sorted(bundles) == ["age", "phrase"]
    for spec in bundles.values():
        data = (out / "suivi" / spec["src"]).resolve().read_bytes()
        digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
        assert spec["integrity"] == f"sha384-{digest}"
    assert 'id="vigie-exit"' in text  # the quick exit, as on every page


def test_required_ids_and_the_no_js_explanations(built: tuple[Path, list[str]]) -> None:
    out, _ = built
    suivi = (out / "suivi" / "index.html").read_text(encoding="utf-8")
    for element_id in ("phrase", "vigie-replies", "answer", "vigie-answer-submit"):
        assert f'id="{element_id}"' in suivi, element_id
    # Without JavaScript: the explanation is visible, the reading form is hidden.
    assert re.search(r'<p id="vigie-suivi-nojs"[^>]*>[^<]*JavaScript', suivi)
    assert re.search(r'<form id="vigie-suivi"[^>]* hidden', suivi)
    form = (out / "signaler" / "index.html").read_text(encoding="utf-8")
    assert 'id="followup"' in form and 'id="vigie-followup-phrase"' in form
    assert "Je veux pouvoir recevoir une question des enquêteurs" in form
    # The checkbox is not shown (nor submitted: it has no name) on the no-JS path,
    # and the one-way nature is said next to where it would be.
    assert re.search(r'<div id="vigie-followup-choice"[^>]* hidden', form)
    assert not re.search(r'<input[^>]*id="followup"[^>]*name=', form)
    assert re.search(r'<p id="vigie-followup-nojs"[^>]*>[^<]*sens unique', form)


@pytest.mark.privacy
def test_page_scripts_never_touch_browser_storage() -> None:
    for name in ("followup.js", "suivi.js"):
        code = (ROOT / "site" / "assets" / "form" / name).read_text(encoding="utf-8")
        body = re.sub(r"/\*.*?\*/", "", code, flags=re.S)  # the header comment names them
        for api in ("localStorage", "sessionStorage", "document.cookie", "indexedDB", "innerHTML"):
            assert api not in body, (name, api)


def _config(html: str) -> dict[str, object]:
    block = re.search(
        r'<script type="application/json" id="vigie-form-config">(.*?)</script>', html
    )
    assert block is not None
    data = json.loads(block.group(1))
    assert isinstance(data, dict)
    return data


FOLLOWUP_IDS = re.compile(r'id="((?:vigie-)?followup[a-z0-9-]*)"')


def test_follow_up_exists_in_every_language_with_its_words(
    built: tuple[Path, list[str]],
) -> None:
    """The form's follow-up block has the French page's ids in every language, and
    /suivi/ and /signaler/ carry the follow-up messages of their own language."""
    from vigie.core.envelope import LANGS
    from vigie.site.i18n import all_texts

    out, _ = built
    french = (out / "signaler" / "index.html").read_text(encoding="utf-8")
    ids = FOLLOWUP_IDS.findall(french)
    assert "followup" in ids and "vigie-followup-receipt" in ids and len(ids) > 15
    for lang in LANGS:
        prefix = out if lang == "fr" else out / lang
        form = (prefix / "signaler" / "index.html").read_text(encoding="utf-8")
        assert FOLLOWUP_IDS.findall(form) == ids, lang
        assert re.search(r'<script src="[^"]+/followup\.js" integrity=', form), lang
        texts = all_texts()[lang]["form"]
        for page in (form, (prefix / "suivi" / "index.html").read_text(encoding="utf-8")):
            config = _config(page)
            assert config["lang"] == lang
            assert config["text"] == texts
    assert "Revenez dans quelques jours" in all_texts()["fr"]["form"]["suivi_none"]
    assert "Come back in a few days" in all_texts()["en"]["form"]["suivi_none"]
    assert "عودوا بعد بضعة أيام" in all_texts()["ar"]["form"]["suivi_none"]
