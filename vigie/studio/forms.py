"""The studio's form fields: French names for the page, and requests read into store forms.

Only values from the known lists get through (formats, languages, text keys,
colour keys); everything else a request carries is ignored here, and the
store validates the rest before anything is written.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from vigie.campaign.formats import FORMATS
from vigie.campaign.spec import DEFAULT_COLORS
from vigie.campaign.texts import LANGUAGES, TEXT_KEYS

from .store import SettingsForm, VariantForm

LANGUAGE_NAMES = {"fr": "français", "en": "anglais", "ar": "arabe"}
LAYOUT_NAMES = {"bandeau": "Bandeau (titre sur un bandeau de couleur)", "classique": "Classique"}
# `code_path` in the campaign file: absent, true or false (vigie.campaign.codepages).
CODE_PATH_CHOICES = {
    "": "Selon le site : avec le code quand le site publie l'adresse par code (conseillé)",
    "true": "Toujours avec le code : refuser la campagne si le site ne publie pas cette adresse",
    "false": "Sans le code : l'adresse du formulaire",
}
TEXT_NAMES = {
    "headline": "Titre",
    "what": "Quoi signaler",
    "anonymous": "Anonyme et chiffré",
    "emergency": "Urgence",
    "scan": "Scannez le code",
    "check": "Vérifiez l'adresse",
}


def variant_form(f: MultiDict[str, str]) -> VariantForm:
    return VariantForm(
        original=f.get("original", ""),
        code=f.get("code", "").strip(),
        label=f.get("label", "").strip(),
        language=f.get("language", ""),
        formats=[x for x in f.getlist("formats") if x in FORMATS],
        texts={
            lang: {k: f[f"text_{lang}_{k}"] for k in TEXT_KEYS if f.get(f"text_{lang}_{k}")}
            for lang in LANGUAGES
        },
        colors={k: f.get(f"color_{k}", "").strip() for k in DEFAULT_COLORS},
    )


def settings_form(f: MultiDict[str, str]) -> SettingsForm:
    return SettingsForm(
        name=f.get("name", ""),
        report_url=f.get("report_url", ""),
        layout=f.get("layout", ""),
        languages=[x for x in f.getlist("languages") if x],
        crop_marks=f.get("crop_marks") == "on",
        code_path=code_path if (code_path := f.get("code_path", "")) in CODE_PATH_CHOICES else "",
        colors={k: f.get(f"color_{k}", "").strip() for k in DEFAULT_COLORS},
        texts={lang: {k: f.get(f"text_{lang}_{k}", "") for k in TEXT_KEYS} for lang in LANGUAGES},
    )
