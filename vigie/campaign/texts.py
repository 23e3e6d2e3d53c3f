"""The words printed on every piece, per language, and their right-to-left flag.

Each piece carries a headline, the three messages (what to report; anonymous and
encrypted; emergency -> 17), a call to scan or type the address, and the line
that tells people to check the address (fake stickers pasted over real codes are
a known scam). A campaign may override any text per language; placeholders
{police}, {european} and {sms} take the emergency numbers from vigie.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TEXT_KEYS: tuple[str, ...] = ("headline", "what", "anonymous", "emergency", "scan", "check")

# Languages read right to left: laid out with raqm's RTL direction, right-aligned.
RTL_LANGUAGES = frozenset({"ar"})

DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "headline": "Trafic de drogue près de chez vous ? Signalez-le.",
        "what": (
            "Décrivez des faits précis : le lieu, les jours et les heures, les véhicules "
            "et plaques, les guetteurs, une cache."
        ),
        "anonymous": (
            "Anonyme : on ne vous demande pas votre nom. Votre message est chiffré de bout "
            "en bout, seuls les enquêteurs peuvent le lire."
        ),
        "emergency": (
            "Urgence, danger immédiat : appelez le {police} (ou le {european}, SMS au {sms})."
        ),
        "scan": "Scannez le code ou tapez :",
        "check": (
            "Avant d'écrire, vérifiez que votre navigateur affiche exactement cette adresse. "
            "Méfiez-vous des faux autocollants."
        ),
    },
    "en": {
        "headline": "Drug dealing near you? Report it.",
        "what": (
            "Describe precise facts: the place, days and times, vehicles and number plates, "
            "lookouts, a stash."
        ),
        "anonymous": (
            "Anonymous: nobody asks for your name. Your report is end-to-end encrypted; "
            "only the investigators can read it."
        ),
        "emergency": "Emergency, danger now: call {police} (or {european}, text {sms}).",
        "scan": "Scan the code or type:",
        "check": (
            "Check that your browser shows exactly this address before typing anything. "
            "Beware of fake stickers."
        ),
    },
    "ar": {
        "headline": "تجارة مخدرات قرب منزلك؟ أبلغ عنها.",
        "what": (
            "صف وقائع دقيقة: المكان، الأيام والساعات، السيارات ولوحات الترقيم، "
            "المراقبين، مكان الإخفاء."
        ),
        "anonymous": (
            "بلاغ مجهول الهوية: لا أحد يطلب اسمك. رسالتك مشفّرة من طرف إلى طرف، "
            "ولا يقرؤها إلا المحققون."
        ),
        "emergency": (
            "في حالة طوارئ أو خطر فوري: اتصل بالرقم {police} (أو {european}، "
            "أو رسالة نصية إلى {sms})."
        ),
        "scan": "امسح الرمز أو اكتب:",
        "check": (
            "تأكد أن المتصفح يعرض هذا العنوان بالضبط قبل كتابة أي شيء. احذر من الملصقات المزيفة."
        ),
    },
}

LANGUAGES: tuple[str, ...] = tuple(DEFAULT_TEXTS)

# How the comms team's messages name each line (French, like every message to them).
ROLE_NAMES: dict[str, str] = {
    "headline": "le titre",
    "what": "le texte « quoi signaler »",
    "anonymous": "le texte « anonyme et chiffré »",
    "scan": "la ligne « scannez le code »",
    "address": "l'adresse courte",
    "check": "la ligne « vérifiez l'adresse »",
    "emergency": "la ligne « urgence »",
}
ROLE_SHORT: dict[str, str] = {
    "headline": "titre",
    "what": "quoi signaler",
    "anonymous": "anonyme",
    "scan": "scannez",
    "address": "adresse",
    "check": "vérifiez",
    "emergency": "urgence",
}


@dataclass(frozen=True)
class PieceTexts:
    lang: str
    rtl: bool
    headline: str
    what: str
    anonymous: str
    emergency: str
    scan: str
    check: str


def texts_for(lang: str, overrides: Mapping[str, str], numbers: Mapping[str, str]) -> PieceTexts:
    """The final texts of one language: defaults, then overrides, numbers filled in."""
    merged = {**DEFAULT_TEXTS[lang], **overrides}
    # format_map on a fixed key set: an override cannot reach anything else.
    filled = {k: merged[k].format_map(dict(numbers)) for k in TEXT_KEYS}
    return PieceTexts(lang=lang, rtl=lang in RTL_LANGUAGES, **filled)
