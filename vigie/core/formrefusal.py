"""The no-JS form's refusal page: one owner for the intake (Lambda) and `vigie serve`.

Whoever refuses a form post (the intake's own checks, `vigie serve`'s framing,
its busy gate or its per-network cap, Chalice's 415/405) answers the same
HTML page: in the reporter's language, with the form again filled with what
they typed when the body could be read, otherwise with the truth (nothing was
stored, this page cannot give back what was typed). Never JSON: the person is
looking at it in a browser.

The language: the body's hidden `lang` field when the body is read, else the
`lang` query parameter of the form's `action` (`/api/tips/form?lang=en`, set
by the site build, hooks/form_page.py), so a refusal sent before the body is
read (too big, per-network cap) still speaks the page's language. That
parameter reveals only the page language the person chose, which the body
carries anyway; it is never stored or logged (`pick_lang` maps anything else
to French).

Nothing here stores or logs anything: the page is built from the request it
refuses and answered `no-store` (vigie.core.http's security headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from . import envelope, pages
from .config import Config, whole_megabytes
from .formpath import HONEYPOT, parse_form
from .http import ApiError, Request, Response
from .i18n import pick_lang
from .messages import localize
from .refill import refill_form

FORM_PATH = "/api/tips/form"

#: How far over the limit an oversized form is still read for its text fields
#: (`vigie serve` reads that much before handing it over; Lambda's own payload cap
#: is lower). Past it the refusal comes without the form.
OVERSIZE_READ_FACTOR = 2


def typed_fields(request: Request, limit: int) -> dict[str, str] | None:
    """The text fields of a refused no-JS form, its photos dropped (None if unreadable).

    A phone photo too big for the form must not cost the person what they typed:
    the body is already in memory, and the strict multipart parser is linear in
    it (vigie.core.multipart), so this is one pass over at most
    OVERSIZE_READ_FACTOR × `limit` bytes, nothing stored or logged.
    """
    body = request.body
    if not body or len(body) > OVERSIZE_READ_FACTOR * limit:
        return None
    try:
        fields, _photos = parse_form(request.header("content-type"), body)
    except ApiError:
        return None
    return fields


def query_lang(query: Mapping[str, str] | None) -> str:
    """The page language the form's `action` carries (`?lang=`), French otherwise."""
    return pick_lang((query or {}).get("lang"))


def form_request(target: str, headers: Mapping[str, str], body: bytes) -> Request:
    """A form post as `vigie serve` read it (its request target, head and body, if any).

    Only `lang` is ever read from the query, which is bounded here."""
    return Request(
        method="POST",
        path=FORM_PATH,
        headers={k.lower(): v for k, v in headers.items()},
        query=dict(parse_qsl(target.partition("?")[2][:256])),
        body=body,
    )


def form_action(config: Config, lang: str) -> str:
    """Where the no-JS form posts, as the site's form page spells it (with its language)."""
    return config.intake.url.rstrip("/") + "/tips/form?lang=" + pick_lang(lang)


def localize_refusal(config: Config, error: ApiError, lang: str) -> ApiError:
    """The refusal in the reporter's language (vigie.core.messages), filled from config."""
    return localize(
        error,
        lang,
        police=config.emergency.police,
        max_mb=whole_megabytes(config.intake.max_body_bytes),
        max_photos=envelope.MAX_ATTACHMENTS,
    )


def form_refusal(
    config: Config, error: ApiError, lang: str, fields: dict[str, str] | None
) -> Response:
    """The refusal page, with the form filled from `fields` (None: the body was not read)."""
    error = localize_refusal(config, error, lang)
    # Never for a robot (the hidden honeypot field filled): it gets nothing back.
    person = fields is not None and not fields.get(HONEYPOT, "").strip()
    form = (
        refill_form(fields, error.code, error.message, form_action(config, lang), lang)
        if person and fields is not None
        else ""
    )
    return pages.error_page(error, config.emergency, lang, form)


def refuse_form_request(
    config: Config, error: ApiError, request: Request, body_read: bool
) -> Response:
    """The refusal page for a form request refused outside the intake's own parsing.

    `body_read`: the body is in `request` (e.g. `vigie serve`'s busy 503), so
    the form comes back filled; otherwise only `?lang=` is known."""
    fields = typed_fields(request, config.intake.max_body_bytes) if body_read else None
    lang = pick_lang(fields.get("lang")) if fields and fields.get("lang") else None
    return form_refusal(config, error, lang or query_lang(request.query), fields)
