"""The no-JS form shown again after a refusal, with what the person typed.

A refusal must never throw away what someone wrote: pressing Back does not
bring it back (the form page is `no-store`, so the browser reloads it empty).
So when the intake refuses a form it could read (a missing description, an
unreadable photo, the hour's budget spent...), its answer page carries the
form again, filled from the very request it refuses, with the reason next to
the field when the reason names one. Nothing of it is stored, logged or cached
(the answer is `no-store`); every value is escaped. Photos cannot be put back
by a page (browsers forbid it): the page says to choose them again.

The words below follow the form pages of each language (site/signaler/) and
must be reviewed by a native speaker like them.
"""

from __future__ import annotations

from .http import escape
from .i18n import CATEGORY_LABELS, DEFAULT_LANG

# Which field a refusal is about (others are said at the top of the form).
FIELD_OF = {
    "empty_description": "description",
    "bad_category": "category",
    "bad_attachment": "photos",
    "too_many_attachments": "photos",
    "too_large": "photos",
}

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "intro": "Ce que vous avez écrit est ci-dessous : corrigez ce qui est indiqué, "
        "puis envoyez à nouveau.",
        "category": "Type de fait (obligatoire)",
        "place": "Lieu",
        "landmark": "Repère à proximité",
        "when": "Jours et heures",
        "description": "Ce que vous avez vu (obligatoire)",
        "vehicles": "Véhicules",
        "photos": "Photos (à choisir à nouveau : une page ne peut pas les garder)",
        "submit": "Envoyer le signalement",
    },
    "en": {
        "intro": "What you wrote is below: correct what is shown, then send it again.",
        "category": "Type of activity (required)",
        "place": "Place",
        "landmark": "Landmark nearby",
        "when": "Days and times",
        "description": "What you saw (required)",
        "vehicles": "Vehicles",
        "photos": "Photos (choose them again: a page cannot keep them)",
        "submit": "Send the report",
    },
    "ar": {
        "intro": "ما كتبتموه موجود أدناه: صحّحوا ما هو مُشار إليه، ثم أرسلوا من جديد.",
        "category": "نوع الواقعة (إلزامي)",
        "place": "المكان",
        "landmark": "علامة قريبة",
        "when": "الأيام والساعات",
        "description": "ما رأيتموه (إلزامي)",
        "vehicles": "المركبات",
        "photos": "الصور (اختاروها من جديد: لا تستطيع الصفحة الاحتفاظ بها)",
        "submit": "إرسال البلاغ",
    },
}
_TEXT = ("place", "landmark", "when")
_LONG = ("description", "vehicles")


def refill_form(
    fields: dict[str, str], error_code: str, message: str, action: str, lang: str
) -> str:
    """The form, filled with `fields`, posting to `action`; `message` by its field."""
    words = WORDS.get(lang, WORDS[DEFAULT_LANG])
    where = FIELD_OF.get(error_code, "")

    def reason(field: str) -> str:
        if field != where:
            return ""
        return f'<p class="erreur" id="{field}-error" role="alert">{escape(message)}</p>'

    def described(field: str) -> str:
        return f' aria-describedby="{field}-error" aria-invalid="true"' if field == where else ""

    chosen = fields.get("category", "")
    radios = "".join(
        f'<p><input type="radio" id="category-{value}" name="category" value="{value}"'
        f"{' checked' if value == chosen else ''}{' required' if i == 0 else ''}>"
        f' <label for="category-{value}">{escape(label)}</label></p>'
        for i, (value, label) in enumerate(CATEGORY_LABELS[lang].items())
    )
    parts = [
        f'<form method="post" action="{escape(action)}" enctype="multipart/form-data" '
        'accept-charset="utf-8">',
        f"<p>{escape(words['intro'])}</p>",
        f"<fieldset{described('category')}><legend>{escape(words['category'])}</legend>",
        reason("category"),
        radios,
        "</fieldset>",
    ]
    for field in _TEXT:
        parts.append(
            f'<p><label for="{field}">{escape(words[field])}</label><br>'
            f'<input type="text" id="{field}" name="{field}" dir="auto" '
            f'value="{escape(fields.get(field, ""))}"></p>'
        )
    for field in _LONG:
        required = " required" if field == "description" else ""
        parts.append(
            f'<p><label for="{field}">{escape(words[field])}</label><br>{reason(field)}'
            f'<textarea id="{field}" name="{field}" rows="5" dir="auto"{required}'
            f"{described(field)}>{escape(fields.get(field, ''))}</textarea></p>"
        )
    parts += [
        f'<p><label for="photos">{escape(words["photos"])}</label><br>{reason("photos")}'
        f'<input type="file" id="photos" name="photos" accept="image/jpeg,image/png" multiple'
        f"{described('photos')}></p>",
        # The code and the language travel on, as the first post carried them.
        f'<input type="hidden" name="campaign" value="{escape(fields.get("campaign", ""))}">',
        f'<input type="hidden" name="lang" value="{escape(lang)}">',
        f'<button type="submit">{escape(words["submit"])}</button>',
        "</form>",
    ]
    return "\n".join(p for p in parts if p)
