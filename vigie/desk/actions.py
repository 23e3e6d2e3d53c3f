"""The desk's two store-writing actions beyond `mark`: a question to the reporter, and
the bulk rejection of suspected junk. Thin handlers over `DeskState` (which calls
the same service functions as `vigie inbox reply` and `vigie inbox mark --apply`).

Both keep what the analyst typed or chose when they are refused: a failed reply
shows the tip page again with the question in its box; a bulk action is a dry
run first, and its confirmation applies only to the exact list it showed (a
pull or another analyst's change in between makes it show the new list again,
never mark tips nobody looked at).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from vigie.core.config import ConfigError
from vigie.core.storage import ObjectMissing, StoreUnavailable
from vigie.inbox.errors import InboxError
from vigie.inbox.triage import STATUS_LABELS

from . import views

if TYPE_CHECKING:
    from .app import DeskApp

BULK_STATUS = "rejected"
SAMPLE = 20  # receipts listed on the confirmation page (the count is always exact)


def reply(app: DeskApp, request: Request, receipt: str) -> Response:
    """Send a question to the reporter of `receipt` (the thread's first tip)."""
    entry, _state = app._entry(receipt)
    message = request.form.get("message", "")
    if entry.tip is None or not entry.tip.has_followup:
        return app.on_tip(
            request, receipt, status=400, reply_error="Ce signalement n'a pas proposé de suivi."
        )
    try:
        app.notice = app.state.reply(receipt, message)
    except StoreUnavailable as exc:
        return app.on_tip(request, receipt, status=503, reply_error=f"Stockage injoignable : {exc}")
    except (InboxError, ObjectMissing, ConfigError) as exc:
        if not app.state.unlocked:
            raise  # the dispatcher asks for the passphrase again
        return app.on_tip(request, receipt, status=400, reply_error=_sentence(str(exc)))
    return redirect(f"/tips/{receipt}#fil", 303)


def bulk(app: DeskApp, request: Request) -> Response:
    """Dry run (no `confirm` field), then apply to the list the dry run showed."""
    query, errors = views.parse_query(request.form)
    entries, states = app.state.snapshot()
    chosen = views.listing_view(entries, states, query, app.state.cache).to_reject
    fingerprint = views.fingerprint(chosen)
    given = request.form.get("confirm", "")
    error, status = "", 200
    if given and given == fingerprint and chosen:
        try:
            app.notice = app.state.mark_many([r["receipt"] for r in chosen], BULK_STATUS)
        except InboxError as exc:
            if not app.state.unlocked:
                raise
            error, status = _sentence(str(exc)), 400
        else:
            return redirect(query.link(), 303)
    elif given:
        error = "La liste a changé depuis la simulation : vérifiez-la à nouveau avant de confirmer."
        status = 409
    return app.render(
        request,
        "bulk.html",
        status=status,
        query=query,
        errors=errors,
        error=error,
        chosen=chosen[:SAMPLE],
        count=len(chosen),
        fingerprint=fingerprint,
        label=STATUS_LABELS[BULK_STATUS],
        back=query.link(),
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text
