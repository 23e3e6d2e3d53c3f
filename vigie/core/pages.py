"""French HTML answers for the no-JavaScript form path (receipt and error pages).

Self-contained (inline style only, no script, no external asset) so they render
the same under the intake's strict CSP, and they repeat the emergency numbers.
"""

from __future__ import annotations

from .config import EmergencyConfig
from .http import ApiError, Response, escape

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;
line-height:1.5;color:#1a1a1a;background:#fff}
.urgence{background:#8b0000;color:#fff;padding:.5rem 1rem;font-weight:bold}
.urgence a{color:#fff}
.recu{font-size:1.6rem;font-family:monospace;letter-spacing:.1em;
background:#eef3ff;border:2px solid #1f3a93;padding:.5rem 1rem;display:inline-block}
a{color:#1f3a93}
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}
.recu{background:#1d2440;color:#fff}a{color:#9ab4ff}}
"""


def _tel(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def _page(title: str, body: str, emergency: EmergencyConfig) -> str:
    e = emergency
    police, european, sms = (escape(n) for n in (e.police, e.european, e.sms))
    banner = (
        f'Urgence ? Appelez le <a href="tel:{_tel(e.police)}">{police}</a>\n'
        f'(ou le <a href="tel:{_tel(e.european)}">{european}</a> ;\n'
        f'par SMS : <a href="sms:{_tel(e.sms)}">{sms}</a>).'
    )
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)} – Vigie</title><style>{_STYLE}</style></head>
<body>
<p class="urgence" role="note">{banner}</p>
<main>
<h1>{escape(title)}</h1>
{body}
</main>
</body></html>
"""


def receipt_page(receipt: str, day: str, emergency: EmergencyConfig) -> Response:
    body = f"""<p>Votre signalement a bien été reçu et enregistré chiffré.
Seuls les enquêteurs chargés des stupéfiants peuvent le lire.</p>
<p>Votre numéro de reçu :</p>
<p class="recu"><strong>{escape(receipt)}</strong></p>
<p>Reçu le {escape(day)}. Notez ce numéro si vous le souhaitez ; il ne contient rien
qui permette de vous identifier. Vous ne recevrez pas de réponse : c'est normal,
l'enquête prend du temps et doit rester discrète.</p>
<p><a href="/">Retour à l'accueil</a></p>"""
    return Response.html(201, _page("Signalement envoyé", body, emergency))


def error_page(error: ApiError, emergency: EmergencyConfig) -> Response:
    body = f"""<p>{escape(error.message)}</p>
<p>Rien n'a été enregistré. Revenez au formulaire avec le bouton « Retour » de votre
navigateur : ce que vous avez écrit y est peut-être encore.</p>
<p><a href="/signaler/">Revenir au formulaire</a></p>"""
    extra = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    return Response.html(error.status, _page("Signalement non envoyé", body, emergency), **extra)
