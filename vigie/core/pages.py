"""HTML answers for the no-JavaScript form path (receipt and error pages), per language.

Self-contained (inline style only, no script, no external asset) so they render
the same under the intake's strict CSP, and they repeat the emergency numbers.
They are written in the reporter's language (the form's hidden `lang` field,
or its action's `?lang=` when the body was not read: vigie.core.formrefusal;
French, English or Arabic, right to left), with links back to that language's
pages. The texts below must be reviewed by a native speaker before a real
deployment (see README, "Languages").
"""

from __future__ import annotations

from .config import EmergencyConfig
from .http import ApiError, Response, escape
from .i18n import DEFAULT_LANG, direction, site_path
from .quickexit import QUICK_EXIT_URL
from .quickexit import SCRIPT as QUICK_EXIT_SCRIPT

# Words of the two pages; {police}/{european}/{sms} are links, {receipt} and
# {day} are filled in (escaped) by the functions below.
TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "banner": "Urgence ? Appelez le {police}\n(ou le {european} ;\npar SMS : {sms}).",
        "sent_title": "Signalement envoyé",
        "sent": """<p>Votre signalement a bien été reçu et enregistré chiffré.
Seuls les enquêteurs chargés des stupéfiants peuvent le lire.</p>
<p>Votre numéro de dépôt :</p>
<p class="recu"><strong>{receipt}</strong></p>
<p>Reçu le {day}. Ce numéro prouve que votre signalement est bien arrivé ; il ne
contient rien qui permette de vous identifier. Gardez-le pour vous, ne le montrez à
personne. Si vous envoyez plus tard un autre signalement sur la même affaire,
recopiez ce numéro dedans : la cellule pourra relier les deux.</p>
<p>Vous ne recevrez pas de réponse : c'est normal, l'enquête prend du temps et doit
rester discrète.</p>
<p>Votre navigateur garde cette visite dans son historique : si quelqu'un d'autre
utilise cet appareil, effacez l'historique de ce site. La prochaine fois, préférez
une fenêtre de navigation privée.</p>""",
        "home": "Retour à l'accueil",
        "exit": "Quitter vite",
        "exit_hint": "Quitter ce site tout de suite (ou appuyez deux fois sur Échap)",
        "refused_title": "Signalement non envoyé",
        # Said when the page has no form to give back (the body was not read):
        # Back reloads the no-store form page empty, so never promise it.
        "refused": """<p>Rien n'a été enregistré.
Cette page ne peut pas vous rendre ce que vous avez écrit : il faudra le saisir à nouveau.</p>""",
        "back": "Revenir au formulaire",
        "nothing": "Rien n'a été enregistré.",
        "lost": "Cette page ne peut pas vous rendre ce que vous avez écrit : il faudra "
        "le saisir à nouveau.",
    },
    "en": {
        "banner": "Emergency? Call {police}\n(or {european};\nby text message: {sms}).",
        "sent_title": "Report sent",
        "sent": """<p>Your report was received and stored encrypted.
Only the investigators in charge of drugs can read it.</p>
<p>Your receipt number:</p>
<p class="recu"><strong>{receipt}</strong></p>
<p>Received on {day}. This number proves that your report arrived; it contains
nothing that could identify you. Keep it to yourself, do not show it to anyone.
If you later send another report about the same matter, copy this number into
it: the unit can then link the two.</p>
<p>You will not get an answer: this is normal, the investigation takes time and
must stay discreet.</p>
<p>Your browser keeps this visit in its history: if someone else uses this
device, delete this site's history. Next time, prefer a private window.</p>""",
        "home": "Back to the home page",
        "exit": "Leave now",
        "exit_hint": "Leave this site at once (or press Escape twice)",
        "refused_title": "Report not sent",
        "refused": """<p>Nothing was stored.
This page cannot give back what you wrote: you will need to type it again.</p>""",
        "back": "Back to the form",
        "nothing": "Nothing was stored.",
        "lost": "This page cannot give back what you wrote: you will need to type it again.",
    },
    "ar": {
        "banner": "حالة طارئة؟ اتصلوا بالرقم {police}\n(أو {european}؛\nوبرسالة نصية: {sms}).",
        "sent_title": "أُرسل البلاغ",
        "sent": """<p>وصل بلاغكم وحُفظ مشفَّرًا.
لا يستطيع قراءته إلا المحققون المكلفون بملف المخدرات.</p>
<p>رقم الإيصال الخاص بكم:</p>
<p class="recu"><strong dir="ltr">{receipt}</strong></p>
<p>تاريخ الاستلام: <span dir="ltr">{day}</span>. يُثبت هذا الرقم أن بلاغكم وصل؛ وهو لا
يحتوي على أي شيء يسمح بمعرفة هويتكم. احتفظوا به لأنفسكم ولا تُظهروه لأحد. إذا
أرسلتم لاحقًا بلاغًا آخر عن القضية نفسها، فانسخوا هذا الرقم فيه: ستتمكن الخلية
من الربط بين البلاغين.</p>
<p>لن يصلكم رد: هذا أمر طبيعي، فالتحقيق يستغرق وقتًا ويجب أن يبقى سريًا.</p>
<p>يحتفظ متصفحكم بهذه الزيارة في سجله: إذا كان شخص آخر يستخدم هذا الجهاز، فامسحوا
سجل هذا الموقع. في المرة القادمة، استخدموا نافذة تصفح خاصة.</p>""",
        "home": "العودة إلى الصفحة الرئيسية",
        "exit": "مغادرة فورية",
        "exit_hint": "مغادرة هذا الموقع فورًا (أو اضغطوا مرتين على زر Échap)",
        "refused_title": "لم يُرسَل البلاغ",
        "refused": """<p>لم يُحفَظ أي شيء.
لا تستطيع هذه الصفحة أن تعيد إليكم ما كتبتموه: ستحتاجون إلى كتابته من جديد.</p>""",
        "back": "العودة إلى النموذج",
        "nothing": "لم يُحفَظ أي شيء.",
        "lost": "لا تستطيع هذه الصفحة أن تعيد إليكم ما كتبتموه: ستحتاجون إلى كتابته من جديد.",
    },
}


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANG])


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;
line-height:1.5;color:#1a1a1a;background:#fff}
.urgence{background:#8b0000;color:#fff;padding:.5rem 1rem;font-weight:bold}
.urgence a{color:#fff}
.recu{font-size:min(1.6rem,6.5vw);font-family:monospace;letter-spacing:.05em;
background:#eef3ff;border:2px solid #1f3a93;padding:.5rem .8rem;display:inline-block;
white-space:nowrap;user-select:all}
.erreur{color:#b00020;font-weight:bold}
input[type=text],textarea{width:100%;box-sizing:border-box;font:inherit;padding:.3rem}
button{font:inherit;padding:.5rem 1rem}
.exit{display:inline-block;margin:.5rem 0;padding:.4rem .8rem;border:2px solid #b71c1c;
border-radius:.3rem;background:#fff;color:#b71c1c;font-weight:bold;text-decoration:none}
a{color:#1f3a93}
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}
.recu{background:#1d2440;color:#fff}a{color:#9ab4ff}}
"""


def _tel(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def _page(title: str, body: str, emergency: EmergencyConfig, lang: str) -> str:
    e = emergency
    police, european, sms = (escape(n) for n in (e.police, e.european, e.sms))
    banner = _texts(lang)["banner"].format(
        # dir="ltr": a number reads left to right on an Arabic page too.
        police=f'<a dir="ltr" href="tel:{_tel(e.police)}">{police}</a>',
        european=f'<a dir="ltr" href="tel:{_tel(e.european)}">{european}</a>',
        sms=f'<a dir="ltr" href="sms:{_tel(e.sms)}">{sms}</a>',
    )
    lang = lang if lang in TEXTS else DEFAULT_LANG
    return f"""<!doctype html>
<html lang="{lang}" dir="{direction(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)} – Vigie</title><style>{_STYLE}</style></head>
<body>
<header>
<p class="urgence" role="note">{banner}</p>
<p><a class="exit" id="vigie-exit" href="{QUICK_EXIT_URL}" rel="noreferrer noopener"
title="{escape(_texts(lang)["exit_hint"])}">{escape(_texts(lang)["exit"])}</a></p>
</header>
<main>
<h1>{escape(title)}</h1>
{body}
</main>
<script>{QUICK_EXIT_SCRIPT}</script>
</body></html>
"""


def receipt_page(
    receipt: str, day: str, emergency: EmergencyConfig, lang: str = DEFAULT_LANG
) -> Response:
    t = _texts(lang)
    body = t["sent"].format(receipt=escape(receipt), day=escape(day))
    body += f'\n<p><a href="{site_path(_known(lang))}">{escape(t["home"])}</a></p>'
    return Response.html(201, _page(t["sent_title"], body, emergency, lang))


def error_page(
    error: ApiError, emergency: EmergencyConfig, lang: str = DEFAULT_LANG, form_html: str = ""
) -> Response:
    """`error.message` is shown as is: the caller puts it in `lang` (messages.localize).

    `form_html` (vigie.core.refill) is the form again, filled with what was typed:
    then the page says so instead of counting on the Back button."""
    t = _texts(lang)
    if form_html:
        body = f"<p>{escape(error.message)}</p>\n<p>{t['nothing']}</p>\n{form_html}"
    else:
        body = f"<p>{escape(error.message)}</p>\n{t['refused']}"
    body += f'\n<p><a href="{site_path(_known(lang), "signaler/")}">{escape(t["back"])}</a></p>'
    extra = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    return Response.html(error.status, _page(t["refused_title"], body, emergency, lang), **extra)


def _known(lang: str) -> str:
    return lang if lang in TEXTS else DEFAULT_LANG


def edge_page(error: ApiError, emergency: EmergencyConfig, max_mb: int) -> str:
    """The edge's own refusal of a no-JS form post (AWS WAF), in all three languages.

    The edge refuses before the intake sees the body (`too_large`: past what
    Lambda can receive; `rate_limited`: a network over its rate), so it cannot
    know the page's language nor give back what was typed: the page says so, in
    French, English and Arabic (`error.message` is the French reference,
    vigie.core.messages the others), under one emergency banner and quick exit.
    Static: WAF serves it as is (at most 10,240 characters, checked by the
    deploy tests).
    """
    from .messages import message

    sections = []
    for lang in TEXTS:
        t = _texts(lang)
        text = message(error.code, lang, error.message, max_mb=max_mb, police=emergency.police)
        sections.append(
            f'<section lang="{lang}" dir="{direction(lang)}"><h2>{escape(t["refused_title"])}'
            f"</h2><p>{escape(text)}</p><p>{escape(t['nothing'])} {escape(t['lost'])}</p>"
            f'<p><a href="{site_path(lang, "signaler/")}">{escape(t["back"])}</a></p></section>'
        )
    return _page(_texts(DEFAULT_LANG)["refused_title"], "\n".join(sections), emergency, "fr")
