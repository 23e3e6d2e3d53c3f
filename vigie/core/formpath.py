"""The no-JavaScript path: parse a plain HTML form post into a `Tip`.

Used when the browser runs no JavaScript or has no WebCrypto (not a secure
context). The fields are the form's own names; photos are stripped of
metadata here because the browser could not do it. Parsing is strict and
bounded: any malformed or non-UTF-8 input is a 400, never an exception.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
from urllib.parse import parse_qsl

from . import envelope
from .exif import strip_metadata
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
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    except Exception:  # the parser is lenient, but be certain bad input stays a 400
        raise bad_form() from None
    if not message.is_multipart():
        raise bad_form()
    parts = message.get_payload()
    if not isinstance(parts, list) or len(parts) > _MAX_FIELDS:
        raise bad_form()
    pairs: list[tuple[str, str]] = []
    photos: list[bytes] = []
    for part in parts:
        if not isinstance(part, email.message.Message):
            raise bad_form()
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise bad_form()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise bad_form()
        if part.get_filename() is not None:
            if name == "photos" and payload:  # an empty file input sends an empty part
                photos.append(payload)
            continue
        try:
            pairs.append((name, payload.decode("utf-8")))
        except UnicodeDecodeError:
            raise bad_form("Le texte envoyé n'est pas en UTF-8.") from None
    return _texts(pairs), photos


def build_form_tip(fields: dict[str, str], photos: list[bytes]) -> envelope.Tip:
    if fields.get(HONEYPOT, "").strip():
        # Filled by robots only (the field is hidden from people and screen readers).
        raise bad_form("Le formulaire n'a pas pu être accepté.")
    if len(photos) > envelope.MAX_ATTACHMENTS:
        raise bad_form(f"{envelope.MAX_ATTACHMENTS} photos au maximum.")
    try:
        attachments = tuple(
            envelope.Attachment(type=kind, data=data)
            for kind, data in (strip_metadata(p) for p in photos)
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
