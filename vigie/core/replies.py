"""`POST /api/replies`: a follow-up thread's ciphertext, for whoever knows its mailbox id.

The reporter's page (/suivi/) derives the mailbox id from their phrase, solves
the same proof-of-work as a tip, and posts `{"mailbox": "<64 hex>"}`: in the
body, never in a URL (URLs end up in access logs and histories). The intake
reads every numbered slot of that thread (layout.MAX_REPLIES GETs, whether the
messages exist or not) and answers **one fixed size** either way: the same
bytes on the wire for an empty mailbox, an unknown one, or a full thread, so
the answer's length says nothing to someone watching the connection.

The intake never decrypts: messages are age files for the reporter's derived
key and the analysts'. Its role gains only `s3:GetObject` on `replies/`; with
no `s3:ListBucket`, S3 answers 403 instead of 404 for a missing slot, which the
store's `get_optional` reads as "absent".
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import replace

from .http import ApiError, Request, Response
from .layout import MAILBOX_RE, MAX_REPLIES, reply_key
from .pow import ProofOfWork, check_idempotency_key
from .storage import StoreUnavailable, TipStore

log = logging.getLogger("vigie.intake")

MAX_BODY = 256  # {"mailbox": "<64 hex>"} is 77 bytes
#: Largest stored message the intake hands out (the inbox refuses to write more).
MAX_REPLY_BYTES = 8192
_B64_MAX = 4 * -(-MAX_REPLY_BYTES // 3)
#: Every answer is exactly this long: all slots full at the maximum size, plus
#: the JSON around them, rounded up to 1 KiB.
ANSWER_BYTES = -(-(MAX_REPLIES * (_B64_MAX + 3) + 64) // 1024) * 1024


def check_pow(pow: ProofOfWork, request: Request) -> None:
    """The same proof-of-work as a tip (one place to re-point if the scheme changes)."""
    key = check_idempotency_key(request.header("idempotency-key"))
    parsed, _proof = pow.check_signed(request.header("x-altcha"), key)
    pow.check_work(parsed)  # the one scrypt run, after the cheap signature check


def parse_mailbox(request: Request) -> str:
    declared = request.header("content-length")
    if declared is not None and not re.fullmatch(r"[0-9]{1,12}", declared.strip()):
        raise ApiError(400, "bad_content_length", "En-tête Content-Length invalide.")
    if (declared and int(declared) > MAX_BODY) or len(request.body) > MAX_BODY:
        raise ApiError(413, "too_large", "Requête trop volumineuse.")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    mailbox = data.get("mailbox") if isinstance(data, dict) else None
    if not isinstance(mailbox, str) or not MAILBOX_RE.match(mailbox):
        raise ApiError(400, "bad_mailbox", "Identifiant de boîte de suivi invalide.")
    return mailbox


def answer_body(messages: list[bytes]) -> bytes:
    """`{"pad": "0…", "replies": [base64, …]}`, padded to exactly ANSWER_BYTES."""
    replies = [base64.b64encode(m).decode("ascii") for m in messages]
    bare = json.dumps({"pad": "", "replies": replies}, separators=(",", ":")).encode()
    # Cannot fail: read_thread hands out at most MAX_REPLIES objects of at most
    # MAX_REPLY_BYTES each, and ANSWER_BYTES has room for all of them.
    assert len(bare) <= ANSWER_BYTES
    return json.dumps(
        {"pad": "0" * (ANSWER_BYTES - len(bare)), "replies": replies}, separators=(",", ":")
    ).encode()


def read_thread(store: TipStore, mailbox: str) -> list[bytes]:
    """Every message present in the thread's slots, in slot order."""
    found = []
    for slot in range(1, MAX_REPLIES + 1):
        data = store.get_optional(reply_key(mailbox, slot))
        if data is None:
            continue
        if len(data) > MAX_REPLY_BYTES:
            log.warning("reply slot over the size limit skipped")
            continue
        found.append(data)
    return found


def answer(store: TipStore, pow: ProofOfWork, request: Request) -> Response:
    """Cheapest checks first: proof-of-work, then the small body, then the reads."""
    check_pow(pow, request)
    mailbox = parse_mailbox(request)
    try:
        messages = read_thread(store, mailbox)
    except StoreUnavailable as exc:
        log.warning("store read failed: %s", exc)
        raise ApiError(
            503,
            "storage_unavailable",
            "Le service est momentanément indisponible : réessayez dans quelques instants.",
            retry_after=5,
        ) from None
    # Response.json's headers (no-store, CSP...), with the padded body.
    return replace(Response.json(200, {}), body=answer_body(messages))
