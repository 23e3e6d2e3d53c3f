"""How `vigie serve` reads a request body: one framing, a known size, a deadline.

Kept apart from the handler (vigie.serve) because each rule here is a refusal
of a request-smuggling or resource trick, and each has its regression test in
tests/test_adversarial_hostile.py and tests/test_serve_gate.py:
- two `Content-Length` values, or one with `Transfer-Encoding`: 400 (two
  framings for one body is how requests are smuggled past a proxy);
- no `Content-Length` (chunked bodies): 411, the size must be known first;
- over the limit: 413 before reading, except a form post up to
  `OVERSIZE_READ_FACTOR` times the limit, which is read and handed to the
  intake so that the person gets the form back with what they typed;
- a body slower than its deadline (vigie.deadlines): 408; shorter than
  declared: 400; longer than declared (bytes waiting that are not the next
  request): 400, since a tip cut short inside its last age chunk is invisible
  without the key.
"""

from __future__ import annotations

import io
import re
import socket
from email.message import Message

from vigie.core.formrefusal import OVERSIZE_READ_FACTOR
from vigie.core.http import ApiError
from vigie.core.intake import too_large
from vigie.deadlines import BODY_TIMEOUT, read_body

_DIGITS = re.compile(r"[0-9]{1,12}")  # str.isdigit() accepts "²", which int() refuses
_REQUEST_START = re.compile(rb"[A-Z]{1,10}( |$)")
BODY_METHODS = ("POST", "PUT", "PATCH")


def invalid() -> ApiError:
    return ApiError(400, "bad_framing", "Requête HTTP invalide.")


def read_request_body(
    headers: Message,
    connection: socket.socket,
    rfile: io.BufferedReader,
    max_body: int,
    is_form: bool,
) -> bytes:
    """The body of a POST/PUT/PATCH, whole and alone, or the ApiError to answer."""
    lengths = headers.get_all("Content-Length") or []
    chunked = headers.get("Transfer-Encoding") is not None
    if len(set(lengths)) > 1 or (chunked and lengths):
        raise invalid()
    if not lengths or not _DIGITS.fullmatch(lengths[0].strip()):
        raise ApiError(411, "length_required", "Content-Length obligatoire.")
    length = int(lengths[0])
    if length > max_body and not (is_form and length <= OVERSIZE_READ_FACTOR * max_body):
        raise too_large(max_body)
    try:
        body = read_body(connection, rfile, length)
    except (TimeoutError, OSError):
        raise ApiError(408, "timeout", "Envoi trop lent : réessayez.") from None
    if len(body) != length:
        raise ApiError(400, "truncated", "Envoi incomplet : réessayez.")
    if more_than_declared(connection, rfile):
        raise invalid()
    return body


def more_than_declared(connection: socket.socket, rfile: io.BufferedReader) -> bool:
    """True if body bytes are already waiting beyond the declared length.

    Anything waiting that is not the start of a pipelined request (blank lines
    allowed) means the length lied. Only what has already arrived is seen: this
    never waits.
    """
    connection.settimeout(0.0)
    try:
        waiting = rfile.peek(64)[:64]
    except OSError:
        waiting = b""
    finally:
        connection.settimeout(BODY_TIMEOUT)
    waiting = waiting.lstrip(b"\r\n")
    return bool(waiting) and not _REQUEST_START.match(waiting)
