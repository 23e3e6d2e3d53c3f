"""The intake answers in the reporter's language: receipts, refusal pages, JSON messages.

Through the real Chalice app: the no-JS form's hidden `lang` field picks the
HTML page's language (and the tip's), the encrypted path's X-Vigie-Lang
header (set by send.js to the page's language) picks the JSON message's.
Every refusal code the intake can raise has an English and an Arabic text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyrage
import pytest

from tests.support.intake_client import get_challenge, intake_client, new_key, tip_headers
from vigie.core import envelope, layout
from vigie.core.i18n import pick_lang
from vigie.core.messages import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
FORM = {"category": "spot", "description": "Vente tous les soirs devant le 12.", "website": ""}


def _post_form(client: Any, fields: dict[str, str]) -> Any:
    return client.http.post(
        "/api/tips/form",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode(fields).encode(),
    )


def _only_tip(store: Any, identity: Any) -> envelope.Tip:
    (key,) = [o.key for o in store.list(layout.TIPS) if o.key.endswith(".age")]
    return envelope.parse_tip(pyrage.decrypt(store.get(key), [identity]))


@pytest.mark.parametrize(
    ("lang", "title", "home"),
    [
        ("fr", "Signalement envoyé", 'href="/"'),
        ("en", "Report sent", 'href="/en/"'),
        ("ar", "أُرسل البلاغ", 'href="/ar/"'),
    ],
)
def test_no_js_receipt_page_and_tip_are_in_the_form_language(
    backend_config: Any, identity: Any, lang: str, title: str, home: str
) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        response = _post_form(client, {**FORM, "lang": lang})
    assert response.status_code == 201
    page = response.body.decode()
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert f"<h1>{title}</h1>" in page and home in page and 'href="tel:17"' in page
    assert _only_tip(store, identity).lang == lang


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "La description est obligatoire."),
        ("en", MESSAGES["en"]["empty_description"]),
        ("ar", MESSAGES["ar"]["empty_description"]),
    ],
)
def test_no_js_refusal_page_is_in_the_form_language(
    backend_config: Any, lang: str, expected: str
) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        response = _post_form(client, {**FORM, "description": " ", "lang": lang})
    assert response.status_code == 400
    page = response.body.decode()
    assert f'<html lang="{lang}"' in page and expected in page
    back = "/signaler/" if lang == "fr" else f"/{lang}/signaler/"
    assert f'href="{back}"' in page
    assert [o.key for o in store.list(layout.TIPS)] == []


@pytest.mark.parametrize("value", ["de", "", "<script>", "en-GB" * 40, "ar\r\nX: y"])
def test_unknown_language_values_fall_back_to_french_or_their_primary_tag(value: str) -> None:
    assert pick_lang(value) in ("fr", "en", "ar")
    assert pick_lang("en-GB,fr;q=0.5") == "en" and pick_lang("AR") == "ar"
    assert pick_lang("de") == "fr" and pick_lang(None) == "fr"


def test_no_js_tip_with_a_strange_language_is_stored_in_french(
    backend_config: Any, identity: Any
) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        assert _post_form(client, {**FORM, "lang": "xx"}).status_code == 201
    assert _only_tip(store, identity).lang == "fr"


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_json_refusal_message_follows_accept_language(backend_config: Any, lang: str) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        key = new_key()
        headers = {**tip_headers(key, get_challenge(client, key)), "X-Vigie-Lang": lang}
        response = client.http.post("/api/tips", headers=headers, body=b"not an age file")
    assert response.status_code == 400
    data = json.loads(response.body)
    assert data["error"] == "not_age"
    if lang == "fr":
        assert data["message"].startswith("Signalement refusé")
    else:
        assert data["message"] == MESSAGES[lang]["not_age"]


def test_json_too_large_message_has_the_configured_limit(backend_config: Any) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        headers = {"Content-Type": "application/octet-stream", "X-Vigie-Lang": "ar"}
        headers["Content-Length"] = str(cfg.intake.max_body_bytes + 1)
        response = client.http.post("/api/tips", headers=headers, body=b"x")
    data = json.loads(response.body)
    assert response.status_code == 413 and data["error"] == "too_large"
    assert str(cfg.intake.max_body_bytes // (1024 * 1024)) in data["message"]
    assert "{" not in data["message"]


def test_every_refusal_code_has_an_english_and_an_arabic_message() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "vigie" / "core").glob("*.py")
    )
    sources += (ROOT / "intake_lambda" / "app.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'ApiError\(\s*\d{3},\s*"([a-z_]+)"', sources))
    codes |= set(re.findall(r'EnvelopeError\(\s*"([a-z_]+)"', sources))
    codes.add("bad_form")  # formpath.bad_form(): the no-JS form refusals
    assert {"pow_invalid", "too_large", "empty_description", "not_age"} <= codes
    for lang in ("en", "ar"):
        assert codes - set(MESSAGES[lang]) == set(), lang
        assert set(MESSAGES[lang]) == set(MESSAGES["en"]), lang
        for code, text in MESSAGES[lang].items():
            assert set(re.findall(r"\{(\w+)\}", text)) <= {"police", "max_mb", "max_photos"}, code


def test_a_translated_refusal_keeps_its_details() -> None:
    """Found in review: in English or Arabic, `pow_harder` lost its `bits`, so the
    page could not retry with a better proof and a flood became a plain failure."""
    import json

    from vigie.core.http import ApiError
    from vigie.core.messages import localize

    for lang in ("en", "ar"):
        answer = localize(ApiError(429, "pow_harder", "x", details={"bits": 5}), lang).to_json()
        data = json.loads(answer.body)
        assert data["bits"] == 5 and data["message"] != "x", lang
