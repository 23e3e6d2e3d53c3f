"""Follow-up threads: the analysts' questions to an anonymous reporter, and the answers.

A tip whose reporter ticked follow-up carries, inside its ciphertext, an age
public key (`reply_key`), a mailbox id and a thread proof, all derived in their
browser from their « phrase de suivi » (vigie/followup.py, docs/followup.md).

* `reply` writes one message as `replies/<mailbox>/NN.age` (NN = 01..06, the
  layout's slots), an age file encrypted to the reporter's key **and** every
  analyst key (the cell keeps the record; `age -d -i analyst.key` opens it).
  Create-only writes (`put_new`): two analysts replying at once take two
  different slots, and neither message is lost. The plaintext is padded to
  1 KiB steps and dated to the day only.
* The reporter's answers come back as ordinary tips (`kind: followup`) with the
  same mailbox id and proof; `messages` threads them under the first tip. A
  mailbox id alone (what the store operator sees) cannot fake an answer: the
  proof never leaves ciphertext.
* Expiry: the store's lifecycle rule removes each message THREAD_DAYS after it
  was written, and `vigie inbox purge` removes a whole thread once its newest
  message is that old, and always with its tip (see SECURITY.md for why six
  weeks).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from vigie.core.envelope import STORE_METADATA, EnvelopeError, Tip, canonical_json, seal
from vigie.core.layout import MAX_REPLIES, REPLIES, REPLY_KEY_RE, reply_key, thread_prefix
from vigie.core.replies import MAX_REPLY_BYTES
from vigie.core.storage import TipStore

from .cache import Cache
from .errors import InboxError
from .reader import Entry, decrypt

MAGIC = b"vigie-reply/1\n"
PAD_STEP = 1024
MAX_PLAINTEXT = 5 * PAD_STEP  # with 17 age stanzas, still under MAX_REPLY_BYTES
TEXT_LIMIT = 1200  # characters: a question, not a letter
# Six weeks: long enough for a reporter who checks « dans quelques jours » now
# and then; short enough that a phrase found later (a seized or shared phone)
# reads as little as possible. The cell's own record of each question is the
# triage event `reply` writes (encrypted to the analysts, kept with the tip).
THREAD_DAYS = 42

#: `list` column values (JSON) and their French labels (table).
FOLLOWUP_LABELS = {
    "none": "-",
    "offered": "proposé",
    "replied": "question envoyée",
    "answer received": "réponse reçue",
}


@dataclass(frozen=True)
class Message:
    sender: str  # "analysts" | "reporter"
    date: str  # YYYY-MM-DD
    text: str
    order: int  # slot number (analysts) or position among the answers (reporter)

    def as_json(self) -> dict[str, str]:
        return {"from": self.sender, "date": self.date, "text": self.text}


def encode_message(text: str, day: str, slot: int) -> bytes:
    """The padded plaintext of one analysts' message (read by /suivi/ in the page)."""
    record = {
        "date": day,
        "format": "vigie-reply",
        "from": "analysts",
        "slot": slot,
        "text": text,
        "version": 1,
    }
    data = MAGIC + canonical_json(record) + b"\n"
    if len(data) > MAX_PLAINTEXT:
        raise InboxError("message trop long une fois encodé : raccourcissez-le")
    # Zero padding up to the next 1 KiB step: the stored size says only roughly
    # how long the question is.
    return data + b"\0" * (-len(data) % PAD_STEP)


def decode_message(plaintext: bytes) -> Message:
    if not plaintext.startswith(MAGIC):
        raise EnvelopeError("bad_reply", "message de suivi inconnu")
    end = plaintext.find(b"\n", len(MAGIC))
    if end < 0:
        raise EnvelopeError("bad_reply", "message de suivi incomplet")
    try:
        record = json.loads(plaintext[len(MAGIC) : end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EnvelopeError("bad_reply", "message de suivi illisible") from None
    if plaintext[end + 1 :].strip(b"\0") or not isinstance(record, dict):
        raise EnvelopeError("bad_reply", "message de suivi mal formé")
    if record.get("format") != "vigie-reply" or not isinstance(record.get("text"), str):
        raise EnvelopeError("bad_reply", "message de suivi mal formé")
    return Message("analysts", str(record.get("date", "")), record["text"], int(record["slot"]))


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InboxError("message vide")
    if len(text) > TEXT_LIMIT:
        raise InboxError(f"message trop long ({len(text)} caractères, {TEXT_LIMIT} au maximum)")
    return text


def reply(
    store: TipStore,
    cache: Cache | None,
    analysts: Sequence[str],
    tip: Tip,
    text: str,
    today: date,
) -> str:
    """Write one message to the tip's thread; return its object key."""
    if not tip.has_followup:
        raise InboxError("ce signalement n'a pas proposé de suivi : impossible de répondre")
    text = check_text(text)
    used = [
        int(m.group(2))
        for obj in store.list(thread_prefix(tip.reply_mailbox))
        if (m := REPLY_KEY_RE.match(obj.key))
    ]
    for slot in range(max(used, default=0) + 1, MAX_REPLIES + 1):
        sealed = seal(encode_message(text, today.isoformat(), slot), [tip.reply_key, *analysts])
        if len(sealed) > MAX_REPLY_BYTES:
            raise InboxError("message trop long une fois chiffré : raccourcissez-le")
        key = reply_key(tip.reply_mailbox, slot)
        # Create-only: if another analyst took this slot a moment ago, take the next.
        if store.put_new(key, sealed, STORE_METADATA):
            if cache is not None:
                cache.put(key, sealed)
            return key
    raise InboxError(
        f"le fil de suivi est complet ({MAX_REPLIES} messages) : attendez qu'il expire "
        f"({THREAD_DAYS} jours après le dernier message)"
    )


def thread_keys(cache: Cache, mailbox: str) -> list[str]:
    return sorted(k for k in cache.keys(thread_prefix(mailbox)) if REPLY_KEY_RE.match(k))


def analyst_messages(
    cache: Cache, identities: Sequence[Any], mailbox: str
) -> tuple[list[Message], int]:
    """Decrypted questions of a thread, and how many could not be read."""
    out, bad = [], 0
    for key in thread_keys(cache, mailbox):
        kind, plaintext, _ = decrypt(cache.get(key), identities)
        try:
            if kind != "ok":
                raise EnvelopeError("bad_reply", "illisible")
            out.append(decode_message(plaintext))
        except (EnvelopeError, KeyError, TypeError, ValueError):
            bad += 1
    return out, bad


def answers(entries: Iterable[Entry], tip: Tip) -> list[Entry]:
    """The reporter's answers to `tip`: same mailbox *and* proof, in arrival order."""
    return [
        e
        for e in entries
        if e.tip is not None
        and e.tip.kind == "followup"
        and e.tip.reply_mailbox == tip.reply_mailbox
        and e.tip.reply_proof == tip.reply_proof
    ]


def messages(
    cache: Cache, identities: Sequence[Any], entry: Entry, entries: Sequence[Entry]
) -> list[Message]:
    """The whole thread in order: by day, questions before answers on the same day."""
    if entry.tip is None or not entry.tip.has_followup:
        return []
    asked, _ = analyst_messages(cache, identities, entry.tip.reply_mailbox)
    answered = [
        Message("reporter", e.day, e.tip.description if e.tip else "", n)
        for n, e in enumerate(answers(entries, entry.tip))
    ]
    rank = {"analysts": 0, "reporter": 1}
    return sorted([*asked, *answered], key=lambda m: (m.date, rank[m.sender], m.order))


class ThreadIndex:
    """Every tip's thread found at once: first tips and answers by (mailbox, proof).

    A list page asks each row where its thread stands; scanning all tips for
    each row made a flood of 3,000 tips offering follow-up cost 2.9 s a page
    (quadratic). Built once per listing, each question is a dictionary lookup.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.first: dict[tuple[str, str], Entry] = {}
        self.answers: dict[tuple[str, str], list[Entry]] = {}
        for e in entries:
            if e.tip is None:
                continue
            thread = (e.tip.reply_mailbox, e.tip.reply_proof)
            if e.tip.kind == "followup":
                self.answers.setdefault(thread, []).append(e)
            elif e.tip.kind == "tip":
                self.first.setdefault(thread, e)

    def status(self, cache: Cache, entry: Entry) -> str:
        tip = entry.tip
        if tip is None or not tip.has_followup:
            return "none"
        if tip.kind == "followup" or self.answers.get((tip.reply_mailbox, tip.reply_proof)):
            return "answer received"
        if thread_keys(cache, tip.reply_mailbox):
            return "replied"
        return "offered"

    def parent_of(self, entry: Entry) -> Entry | None:
        tip = entry.tip
        if tip is None or tip.kind != "followup":
            return None
        return self.first.get((tip.reply_mailbox, tip.reply_proof))


def status(cache: Cache, entry: Entry, entries: Sequence[Entry]) -> str:
    """Where one tip's thread stands (a list of many tips: build one ThreadIndex)."""
    return ThreadIndex(entries).status(cache, entry)


def parent_of(entry: Entry, entries: Sequence[Entry]) -> Entry | None:
    """For a reporter's answer, the first tip of its thread (mailbox and proof match)."""
    return ThreadIndex(entries).parent_of(entry)


def safe(text: str) -> str:
    """Reporter text for a terminal: control and format characters shown, not obeyed."""
    return "".join(
        c if c == "\n" or unicodedata.category(c)[0] != "C" else f"\\u{ord(c):04x}" for c in text
    )


def render(thread: Sequence[Message]) -> list[str]:
    if not thread:
        return []
    lines = ["", "Fil de suivi :"]
    for m in thread:
        who = "Enquêteurs" if m.sender == "analysts" else "Déclarant"
        lines.append(f"  {m.date}  {who} :")
        lines += [f"    {line}" for line in safe(m.text).splitlines() or [""]]
    return lines


def mailboxes(cache: Cache) -> set[str]:
    """Every mailbox with a thread in the cache."""
    return {m.group(1) for k in cache.keys(REPLIES) if (m := REPLY_KEY_RE.match(k))}


def doomed_threads(
    cache: Cache,
    identities: Sequence[Any],
    entries: Sequence[Entry],
    deleted: set[str],
    today: date,
) -> list[str]:
    """Thread objects purge removes: a thread goes with its tip (once no kept tip
    still uses that mailbox), or when its newest message is THREAD_DAYS old."""
    gone: set[str] = set()
    live: set[str] = set()
    for e in entries:
        if e.tip is not None and e.tip.has_followup:
            (gone if e.receipt in deleted else live).add(e.tip.reply_mailbox)
    doomed: list[str] = []
    for mailbox in sorted(mailboxes(cache)):
        if (mailbox in gone and mailbox not in live) or expired(cache, identities, mailbox, today):
            doomed += thread_keys(cache, mailbox)
    return doomed


def expired(cache: Cache, identities: Sequence[Any], mailbox: str, today: date) -> bool:
    """True when the thread's newest readable message is THREAD_DAYS old or more."""
    found, _ = analyst_messages(cache, identities, mailbox)
    days = [date.fromisoformat(m.date) for m in found if m.date]
    return bool(days) and (today - max(days)).days >= THREAD_DAYS
