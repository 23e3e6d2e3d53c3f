"""The no-JavaScript path: parse a plain HTML form post into a `Tip`.

Used when the browser runs no JavaScript or has no WebCrypto (not a secure
context). The fields are the form's own names; photos are re-encoded here
(vigie.core.exif: metadata gone, size reduced) because the browser could not
do it. Parsing is strict, bounded and linear (vigie.core.multipart): any
malformed or non-UTF-8 input is a 400, never an exception.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from . import envelope
from .http import ApiError
from .i18n import pick_lang

TEXT_FIELDS = (
    "category", "place", "landmark", "when", "description", "vehicles", "campaign", "lang"
)  # fmt: skip
HONEYPOT = "website"
_MAX_FIELDS = 40


def bad_form(message: str = "Le formulaire envoyé est mal formé.") -> ApiError:
    return ApiError(400, "bad_form", message)


def parse_form(content_type: str | None, body: bytes) -> tuple[dict[str, str], list[bytes]]:
    """Return (text fields, photo bytes) from an urlencoded or multipart body."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(
                body.decode("ascii"),
                keep_blank_values=True,
                strict_parsing=False,
                encoding="utf-8",
                errors="strict",
                max_num_fields=_MAX_FIELDS,
            )
        except (UnicodeDecodeError, ValueError):
            raise bad_form() from None
        return _texts(pairs), []
    if media == "multipart/form-data":
        return _multipart(content_type or "", body)
    raise ApiError(
        415, "unsupported_media_type", "Type de contenu non pris en charge pour ce formulaire."
    )


def _texts(pairs: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in TEXT_FIELDS or name == HONEYPOT:
            # Browsers send CRLF in textareas; keep the text as typed, normalised.
            fields[name] = value.replace("\r\n", "\n")
    return fields


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], list[bytes]]:
    # Strict and linear (vigie.core.multipart): never the stdlib `email` parser,
    # whose header parsing is quadratic in hostile input. Imported here, like
    # Pillow below: the Lambda's cold start for the JS path does not pay for them.
    from . import multipart

    try:
        parts = multipart.parse(content_type, body, _MAX_FIELDS)
    except multipart.MultipartError:
        raise bad_form() from None
    pairs: list[tuple[str, str]] = []
    photos: list[bytes] = []
    for part in parts:
        if part.filename is not None:
            if part.name == "photos" and part.data:  # an empty file input sends an empty part
                photos.append(part.data)
            continue
        try:
            pairs.append((part.name, part.data.decode("utf-8")))
        except UnicodeDecodeError:
            raise bad_form("Le texte envoyé n'est pas en UTF-8.") from None
    return _texts(pairs), photos


def build_form_tip(fields: dict[str, str], photos: list[bytes]) -> envelope.Tip:
    if fields.get(HONEYPOT, "").strip():
        # Filled by robots only (the field is hidden from people and screen readers).
        raise bad_form("Le formulaire n'a pas pu être accepté.")
    if len(photos) > envelope.MAX_ATTACHMENTS:
        raise bad_form(f"{envelope.MAX_ATTACHMENTS} photos au maximum.")
    from .exif import PixelBudget, strip_metadata

    budget = PixelBudget()  # the photos of one post share one decoding budget
    try:
        attachments = tuple(
            envelope.Attachment(type=kind, data=data)
            for kind, data in (strip_metadata(p, budget) for p in photos)
        )
        tip = envelope.Tip(
            category=fields.get("category", "") or "other",
            description=fields.get("description", "").strip(),
            place=fields.get("place", "").strip(),
            landmark=fields.get("landmark", "").strip(),
            when=fields.get("when", "").strip(),
            vehicles=fields.get("vehicles", "").strip(),
            campaign=envelope.normalize_campaign(fields.get("campaign", "")),
            channel="form",
            # The page's language (hidden field); anything else is French.
            lang=pick_lang(fields.get("lang")),
            attachments=attachments,
        )
        return envelope.validate_tip(tip)
    except envelope.EnvelopeError as exc:
        raise ApiError(400, exc.code, _sentence(str(exc))) from None


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
