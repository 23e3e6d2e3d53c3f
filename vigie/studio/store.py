"""The campaign file as the studio edits it: tomlkit keeps comments, spec.py validates.

The studio and `vigie campaign` read the same CAMPAIGN.toml. Every change is
made on a fresh read of the file (a CLI edit in between is never lost), checked
the way `vigie campaign build` checks it (file rules, then every piece planned),
and only then written, atomically: a refused change leaves the file as it was,
and the form keeps what the person typed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Table

from vigie.campaign.build import check_campaign
from vigie.campaign.checks import code_problem, color_problems
from vigie.campaign.formats import FORMATS
from vigie.campaign.spec import DEFAULT_COLORS, LAYOUTS, Campaign, CampaignError, parse_campaign
from vigie.campaign.texts import DEFAULT_TEXTS, LANGUAGES, TEXT_KEYS
from vigie.core.config import Config

LABEL_MAX = 120
COLOR_NAMES = {
    "primary": "Couleur principale (bandeau, titre)",
    "accent": "Couleur d'accent (ligne urgence)",
    "background": "Fond",
    "text": "Texte",
}


class FormError(Exception):
    """A change refused; `fields` maps a form field to its French message."""

    def __init__(self, fields: dict[str, str], general: str = "") -> None:
        super().__init__(general or "; ".join(fields.values()))
        self.fields = fields
        self.general = general


@dataclass
class VariantForm:
    original: str = ""  # the code being edited; "" for a new variant
    code: str = ""
    label: str = ""
    language: str = ""  # "" = every language of the campaign
    formats: list[str] = field(default_factory=list)
    # This variant's own overrides; "" (or absent) = the campaign's.
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)


@dataclass
class SettingsForm:
    name: str = ""
    report_url: str = ""  # "" = [site] report_url of vigie.toml
    layout: str = LAYOUTS[0]
    languages: list[str] = field(default_factory=lambda: ["fr"])
    crop_marks: bool = False
    code_path: str = ""  # "" (follow the site), "true" or "false": forms.CODE_PATH_CHOICES
    colors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLORS))
    texts: dict[str, dict[str, str]] = field(default_factory=dict)


def color_errors(colors: dict[str, str]) -> dict[str, str]:
    """Form field -> message, by the campaign file's own colour rule (spec.color_problems)."""
    return {f"color_{k}": f"{COLOR_NAMES[k]} : {m}" for k, m in color_problems(colors).items()}


class CampaignFile:
    """One CAMPAIGN.toml on disk, read fresh for every request."""

    def __init__(self, path: Path, cfg: Config, draft: bool) -> None:
        self.path = path
        self.cfg = cfg
        self.draft = draft

    def exists(self) -> bool:
        return self.path.is_file()

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def _document(self) -> Any:
        """The file as tomlkit keeps it (comments included); FormError if it is not TOML."""
        try:
            return tomlkit.parse(self.text())
        except tomlkit.exceptions.ParseError as exc:
            raise FormError({}, f"le fichier n'est pas du TOML valide : {exc}") from None

    def load(self) -> Campaign:
        """The campaign as `vigie campaign build` sees it (NotPublicError without draft)."""
        return parse_campaign(self.text(), self.path, self.cfg, self.draft)

    # -- reading for forms ---------------------------------------------------

    def variant_form(self, code: str) -> VariantForm | None:
        doc = self._document()
        for table in _variants(doc):
            if table.get("code") == code:
                return VariantForm(
                    original=code,
                    code=code,
                    label=str(table.get("label", "")),
                    language=str(table.get("language", "")),
                    formats=[str(f) for f in table.get("formats", [])],
                    texts={
                        str(lang): {str(k): str(v) for k, v in t.items()}
                        for lang, t in table.get("texts", {}).items()
                    },
                    colors={str(k): str(v) for k, v in table.get("colors", {}).items()},
                )
        return None

    def campaign_texts(self) -> dict[str, dict[str, str]]:
        """Each language's texts as the campaign sets them (defaults, then its overrides)."""
        form = self.settings_form()
        return {lang: {**DEFAULT_TEXTS[lang], **form.texts.get(lang, {})} for lang in LANGUAGES}

    def variant_color_errors(self, colors: dict[str, str]) -> dict[str, str]:
        """The contrast rule on the campaign's colours overridden by a variant's."""
        merged = {**self.settings_form().colors, **{k: v for k, v in colors.items() if v}}
        return color_errors(merged)

    def settings_form(self) -> SettingsForm:
        camp = self._document().get("campaign", {})
        colors = dict(DEFAULT_COLORS)
        colors.update({k: str(v) for k, v in camp.get("colors", {}).items()})
        texts = {
            lang: {k: str(v) for k, v in table.items()}
            for lang, table in camp.get("texts", {}).items()
        }
        return SettingsForm(
            name=str(camp.get("name", "")),
            report_url=str(camp.get("report_url", "")),
            layout=str(camp.get("layout", LAYOUTS[0])),
            languages=[str(x) for x in camp.get("languages", ["fr"])],
            crop_marks=bool(camp.get("crop_marks", False)),
            code_path=_code_path_choice(camp.get("code_path")),
            colors=colors,
            texts=texts,
        )

    # -- changes -------------------------------------------------------------

    def create(self, name: str, report_url: str) -> Campaign:
        if self.exists():
            raise FormError({}, f"{self.path} existe déjà")
        if not name.strip():
            raise FormError({"name": "Donnez un nom à la campagne."})
        doc = tomlkit.document()
        doc.add(tomlkit.comment("Campagne Vigie, créée avec vigie studio."))
        doc.add(
            tomlkit.comment("Vérifier : vigie campaign check ; fabriquer : vigie campaign build")
        )
        camp = tomlkit.table()
        camp["name"] = name.strip()
        if report_url.strip():
            camp["report_url"] = report_url.strip()
        camp["languages"] = ["fr"]
        camp["formats"] = ["a4", "a6", "sticker"]
        doc["campaign"] = camp
        # A first variant, so the file is valid at once; the team renames it.
        first = tomlkit.table()
        first["code"] = "BSN-CENTRE"
        first["label"] = "Centre-ville"
        aot = tomlkit.aot()
        aot.append(first)
        doc["variant"] = aot
        return self._write(doc)

    def save_variant(self, form: VariantForm) -> Campaign:
        return self._write(self._variant_doc(form))

    def try_variant(self, form: VariantForm) -> tuple[Campaign, str]:
        """The campaign as it would be with this variant, and its text; nothing is written."""
        text = tomlkit.dumps(self._variant_doc(form))
        self._validate(text)
        try:
            return parse_campaign(text, self.path, self.cfg, self.draft), text
        except CampaignError as exc:  # e.g. a local report_url without --draft
            raise FormError({}, _plain(str(exc), self.path)) from None

    def _variant_doc(self, form: VariantForm) -> Any:
        """The file's document with this variant added or changed; FormError naming fields."""
        errors = _variant_errors(form)
        doc = self._document()
        variants = _variants(doc)
        taken = {str(t.get("code")) for t in variants if t.get("code") != form.original}
        if "code" not in errors and form.code in taken:
            errors["code"] = f"{form.code} est déjà le code d'une autre variante."
        errors.update(self.variant_color_errors(form.colors))
        if errors:
            raise FormError(errors)
        table = next(
            (t for t in variants if form.original and t.get("code") == form.original), None
        )
        if table is None:
            table = tomlkit.table()
            if "variant" not in doc:
                doc["variant"] = tomlkit.aot()
            doc["variant"].append(table)
        table["code"] = form.code
        table["label"] = form.label
        if form.language:
            table["language"] = form.language
        elif "language" in table:
            del table["language"]
        table["formats"] = list(form.formats)
        _set_table(table, "colors", {k: v.lower() for k, v in form.colors.items() if v})
        texts = {
            lang: {k: " ".join(v.split()) for k, v in typed.items() if v.strip()}
            for lang, typed in form.texts.items()
        }
        _set_table(table, "texts", {lang: t for lang, t in texts.items() if t})
        return doc

    def delete_variant(self, code: str) -> Campaign:
        doc = self._document()
        variants = doc.get("variant")
        if not isinstance(variants, AoT):
            raise FormError({}, "Aucune variante à supprimer.")
        kept = [t for t in variants if t.get("code") != code]
        if len(kept) == len(variants):
            raise FormError({}, f"Aucune variante {code}.")
        if not kept:
            raise FormError({}, "Une campagne garde au moins une variante.")
        aot = tomlkit.aot()
        for t in kept:
            aot.append(t)
        doc["variant"] = aot
        return self._write(doc)

    def save_settings(self, form: SettingsForm) -> Campaign:
        errors = color_errors(form.colors)
        if not form.name.strip():
            errors["name"] = "Donnez un nom à la campagne."
        if form.layout not in LAYOUTS:
            errors["layout"] = "Choisissez une mise en page."
        if not form.languages or any(x not in LANGUAGES for x in form.languages):
            errors["languages"] = "Choisissez au moins une langue."
        if errors:
            raise FormError(errors)
        doc = self._document()
        camp = doc.get("campaign")
        if not isinstance(camp, Table):
            camp = tomlkit.table()
            doc["campaign"] = camp
        camp["name"] = form.name.strip()
        _set_or_drop(camp, "report_url", form.report_url.strip())
        camp["layout"] = form.layout
        camp["languages"] = list(form.languages)
        camp["crop_marks"] = form.crop_marks
        if form.code_path in ("true", "false"):
            camp["code_path"] = form.code_path == "true"
        elif "code_path" in camp:
            del camp["code_path"]  # follow the site
        colors = camp.get("colors")
        if not isinstance(colors, Table):
            colors = tomlkit.table()
            camp["colors"] = colors
        for key, value in form.colors.items():
            colors[key] = value.lower()
        texts = camp.get("texts")
        if not isinstance(texts, Table):
            texts = tomlkit.table()
            camp["texts"] = texts
        for lang in LANGUAGES:
            typed = {
                k: " ".join(v.split())
                for k, v in form.texts.get(lang, {}).items()
                if k in TEXT_KEYS
            }
            table = texts.get(lang)
            if not isinstance(table, Table):
                table = tomlkit.table()
            for key in TEXT_KEYS:
                _set_or_drop(table, key, typed.get(key, ""))
            if len(table):
                texts[lang] = table
            elif lang in texts:
                del texts[lang]
        if not len(texts):
            del camp["texts"]
        return self._write(doc)

    def _validate(self, text: str) -> Campaign:
        """The checks of a build: the file's rules, then every piece planned; FormError."""
        try:
            # draft=True: a local report_url must not block editing; builds still refuse it.
            camp = parse_campaign(text, self.path, self.cfg, draft=True)
            check_campaign(camp)
        except CampaignError as exc:
            raise FormError({}, _plain(str(exc), self.path)) from None
        return camp

    def _write(self, doc: Any) -> Campaign:
        """Validate the new text like a build would, then replace the file atomically."""
        text = tomlkit.dumps(doc)
        camp = self._validate(text)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".studio-", suffix=".toml", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return camp


def _code_path_choice(value: Any) -> str:
    """The file's `code_path` as the form's choice; the older "/s/{code}/" means true."""
    if value is True or (isinstance(value, str) and value):
        return "true"
    return "false" if value is False else ""


def _plain(message: str, path: Path) -> str:
    """Drop the file name prefix: the studio shows one file at a time."""
    prefix = f"{path} : "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _variants(doc: Any) -> list[Any]:
    variants = doc.get("variant")
    return list(variants) if isinstance(variants, AoT) else []


def _set_table(table: Any, key: str, values: dict[str, Any]) -> None:
    """A sub-table of a variant, or none at all when it would be empty."""
    if key in table:
        del table[key]
    if values:
        sub = tomlkit.table()
        for k, v in values.items():
            if isinstance(v, dict):
                inner = tomlkit.table()
                for ik, iv in v.items():
                    inner[ik] = iv
                sub[k] = inner
            else:
                sub[k] = v
        table[key] = sub


def _set_or_drop(table: Any, key: str, value: str) -> None:
    if value:
        table[key] = value
    elif key in table:
        del table[key]


def _variant_errors(form: VariantForm) -> dict[str, str]:
    errors = {}
    problem = code_problem(form.code)
    if problem:
        errors["code"] = problem
    if not form.label.strip():
        errors["label"] = "Donnez un nom lisible à la variante (quartier, canal)."
    elif len(form.label) > LABEL_MAX:
        errors["label"] = f"{LABEL_MAX} caractères au plus."
    if form.language and form.language not in LANGUAGES:
        errors["language"] = "Choisissez une langue de la liste."
    if not form.formats:
        errors["formats"] = "Choisissez au moins un format."
    elif any(f not in FORMATS for f in form.formats):
        errors["formats"] = "Choisissez des formats de la liste."
    return errors
