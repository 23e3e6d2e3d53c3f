"""Strict, bounded `multipart/form-data` parsing for the no-JS form, in linear time.

Never the standard library's `email` parser: its header parser is quadratic
(CPython gh-136063), and a 48 KB part header of `;` held `vigie serve` for
35 s. Instead, cheapest checks first:

1. the top-level `Content-Type` is at most 256 characters and matches one
   anchored pattern (`multipart/form-data; boundary=...`, RFC 2046 boundary);
2. the parts are counted with one `bytes.count` before anything is parsed;
3. the framing is python-multipart's `MultipartParser` (a streaming state
   machine, linear in the body) with its own limits: 4 header lines per part,
   1 KiB per line, and the whole body's size;
4. `Content-Disposition` is matched here by one anchored pattern with no
   nested repetition, accepting only what browsers send (WHATWG HTML's
   multipart/form-data encoding: `form-data; name="..."[; filename="..."]`).
   No RFC 2231 continuations, no encoded words, no nested multipart: a part's
   body is bytes, whatever its declared type.

Any deviation is `MultipartError`; the caller turns it into a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser

MAX_CONTENT_TYPE = 256
MAX_PART_HEADERS = 4  # browsers send two: Content-Disposition and Content-Type
MAX_HEADER_LINE = 1024  # bytes, one part header line (a long UTF-8 file name fits)

# RFC 2046 §5.1.1: 1 to 70 characters, no trailing space (none at all unquoted).
_BCHARS = r"[0-9A-Za-z'()+_,\-./:=?]"
_BOUNDARY = rf'(?:"({_BCHARS}{{1,70}})"|({_BCHARS}{{1,70}}))'
_CONTENT_TYPE = re.compile(
    rf"multipart/form-data[ \t]*;[ \t]*boundary={_BOUNDARY}[ \t]*", re.IGNORECASE
)
# One parameter: `; name="value"` or `; name=token`. Quoted values hold no quote
# or line break: browsers percent-encode `"`, CR and LF in names (a backslash is
# sent as is, so it is a plain character here, never an escape).
_PARAM = r'[ \t]*;[ \t]*(name|filename)=(?:"([^"\r\n]*)"|([!#$%&\'*+.^_`|~0-9A-Za-z-]+))'
_DISPOSITION = re.compile(rf"[ \t]*form-data((?:{_PARAM}){{1,2}})[ \t]*", re.IGNORECASE)
_PARAMS = re.compile(_PARAM, re.IGNORECASE)


_PART_HEADERS = frozenset({b"content-disposition", b"content-type"})


class MultipartError(ValueError):
    """The body is not a well-formed, browser-shaped multipart/form-data form."""


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None  # None for a text field; "" for an empty file input
    data: bytes


def boundary_of(content_type: str) -> bytes:
    """The boundary from a `multipart/form-data` Content-Type, strictly."""
    if len(content_type) > MAX_CONTENT_TYPE:
        raise MultipartError("content type too long")
    match = _CONTENT_TYPE.fullmatch(content_type)
    if not match:
        raise MultipartError("not a multipart/form-data content type with a boundary")
    return (match.group(1) or match.group(2)).encode("ascii")


def disposition(value: bytes) -> tuple[str, str | None]:
    """(name, filename or None) from a Content-Disposition value, strictly."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartError("part header is not UTF-8") from None
    match = _DISPOSITION.fullmatch(text)
    if not match:
        raise MultipartError("unexpected Content-Disposition")
    params: dict[str, str] = {}
    for param in _PARAMS.finditer(match.group(1)):
        key = param.group(1).lower()
        if key in params:
            raise MultipartError("repeated Content-Disposition parameter")
        params[key] = param.group(2) if param.group(2) is not None else param.group(3)
    if "name" not in params:
        raise MultipartError("part without a name")
    return params["name"], params.get("filename")


class _Collector:
    """Callbacks for MultipartParser: gather each part's headers and bytes."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.ended = False
        self._field = bytearray()
        self._value = bytearray()
        self._headers: list[tuple[bytes, bytes]] = []
        self._data: list[bytes] = []

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": lambda d, s, e: self._data.append(d[s:e]),
            "on_part_end": self._end,
            "on_end": self._finish,
        }

    def _begin(self) -> None:
        self._headers, self._data = [], []

    def _header_end(self) -> None:
        self._headers.append((bytes(self._field).strip().lower(), bytes(self._value).strip()))
        self._field.clear()
        self._value.clear()

    def _end(self) -> None:
        if any(k not in _PART_HEADERS for k, _ in self._headers):
            # Browsers send these two only; anything else (Content-Transfer-Encoding,
            # ...) would change how the bytes are meant to be read: refuse.
            raise MultipartError("unexpected part header")
        found = [v for k, v in self._headers if k == b"content-disposition"]
        if len(found) != 1:
            raise MultipartError("a part needs exactly one Content-Disposition")
        name, filename = disposition(found[0])
        self.parts.append(Part(name, filename, b"".join(self._data)))

    def _finish(self) -> None:
        self.ended = True


def parse(content_type: str, body: bytes, max_parts: int) -> list[Part]:
    """Every part of a multipart/form-data body, or MultipartError (never another error)."""
    boundary = boundary_of(content_type)
    # Counted before parsing, in one linear pass: `--boundary` opens every part and
    # closes the last one. (It cannot occur inside a genuine part: that is what a
    # boundary is.)
    if body.count(b"--" + boundary) > max_parts + 1:
        raise MultipartError("too many parts")
    collector = _Collector()
    parser = MultipartParser(
        boundary,
        collector.callbacks(),  # type: ignore[arg-type]
        max_size=max(1, len(body)),
        max_header_count=MAX_PART_HEADERS,
        max_header_size=MAX_HEADER_LINE,
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        raise MultipartError("malformed multipart body") from None
    if not collector.ended:
        raise MultipartError("truncated multipart body")
    return collector.parts
