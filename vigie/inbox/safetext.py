"""Text written by strangers, made safe to print: the one owner of that rule.

A tip's fields and triage notes are typed by anyone, traffickers included. Sent
raw to an analyst's terminal, control characters are commands: `ESC ] 0 ;`
retitles the window, `ESC [ 99 A ESC [ J` moves up and erases genuine rows of a
listing, OSC 52 writes the clipboard, OSC 8 hides a link under innocent text;
bidirectional overrides reorder what the eye reads ("gnikrap" shown as
"parking"). So everything printed from a tip or an event goes through here:

* C0 controls (U+0000–U+001F) become their visible Control Pictures (`␛`, `␍`,
  `␇`...), except `\\n` and `\\t` where the layout allows them (`block`);
* DEL, the C1 controls (U+0080–U+009F: a lone U+009B is CSI on some terminals)
  and the bidi/invisible direction marks become `\\u{…}`, visibly.

The JSON variant (`dumps`) keeps the data lossless instead: JSON already escapes
C0; DEL, C1 and the direction marks are escaped as `\\uXXXX` too.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Bidi embeddings/overrides/isolates and marks, plus the Unicode line and paragraph
# separators (line breaks that escape `\n`-based layout checks).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
_HEX_CLASS = "\x7f-\x9f" + _BIDI
_UNSAFE = re.compile(f"[\x00-\x1f{_HEX_CLASS}]")
_UNSAFE_JSON = re.compile(f"[{_HEX_CLASS}]")
# The characters a layout may keep as they are.
LINE_KEEP = ""
BLOCK_KEEP = "\n\t"


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 CONTROL PICTURES: ␀ … ␟, ␛ for ESC
    return f"\\u{{{code:x}}}"


def clean(text: str, keep: str = LINE_KEEP) -> str:
    """`text` with every unsafe character shown visibly, except those in `keep`."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _visible(m.group()), text)


def line(value: Any) -> str:
    """One line of a table or a `Field : value` row: no newline survives."""
    return clean(str(value))


def block(value: Any) -> str:
    """A multi-line text (a description, a note): newlines and tabs kept."""
    return clean(str(value), BLOCK_KEEP)


def has_unsafe(text: str, keep: str = BLOCK_KEEP) -> bool:
    """True if `text` holds a character `clean` would replace (tests, checks)."""
    return any(m.group() not in keep for m in _UNSAFE.finditer(text))


def dumps(data: Any, indent: int | None = 2) -> str:
    """JSON for a terminal or a file: no raw C0, DEL, C1 or bidi control anywhere.

    Those characters can only appear inside JSON strings, where `\\uXXXX` is the
    same character for any JSON reader: the escaping loses nothing.
    """
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
