"""Follow-up threads in the analysts' inbox, on dir: and on a real SeaweedFS.

A tip with follow-up goes through the real intake; `vigie inbox reply` writes
the question; the reporter's derived key and the plain `age` CLI with an
analyst's key both open it; an answer (kind followup, same mailbox and proof)
is threaded under the first tip by `show` and `show --json`; `list` says where
each thread stands; two analysts replying at once both keep their message;
purge removes the thread with its tip.
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.conftest import make_config
from tests.test_inbox_helpers import (
    assert_one_line_error,
    new_signing_key,
    place_tip,
    submit,
    vigie,
    write_toml,
)
from vigie import followup
from vigie.core import envelope, layout
from vigie.core.config import Config
from vigie.core.storage import TipStore
from vigie.inbox import thread
from vigie.inbox.cache import Cache
from vigie.inbox.keys import signing_key_path
from vigie.inbox.reader import open_sealed

KEYS = followup.derive(bytes(range(16)))


def offered(description: str = "Ça deale derrière le gymnase.") -> envelope.Tip:
    return envelope.Tip(
        category="spot",
        description=description,
        reply_key=KEYS.recipient,
        reply_mailbox=KEYS.mailbox,
        reply_proof=KEYS.proof,
    )


def answer(text: str, proof: str = KEYS.proof) -> envelope.Tip:
    return replace(offered(text), category="other", kind="followup", reply_proof=proof)


@pytest.fixture
def setup(
    backend_config: tuple[Config, TipStore], identity_file: Path, tmp_path: Path
) -> tuple[Config, TipStore, tuple[Any, ...]]:
    cfg, store = backend_config
    # A signing key beside the identity, as `vigie inbox keygen` makes: a reply
    # is also a (signed) triage event.
    # (A copy of the session's identity, so the signing key stays this test's.)
    key = tmp_path / "analyst.key"
    key.write_text(identity_file.read_text())
    key.chmod(0o600)
    signer = new_signing_key(signing_key_path(key))
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[signer])
    common = ("--config", conf, "--cache", tmp_path / "cache")
    return cfg, store, (*common, "-i", key)


def test_reply_thread_answer_list_show_and_purge(
    setup: tuple[Config, TipStore, tuple[Any, ...]],
    identity_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg, store, args = setup
    first = submit(cfg, store, offered())
    plain = submit(cfg, store, envelope.Tip(category="spot", description="Sans suivi."))

    # A tip without follow-up cannot be answered: a clear one-line refusal.
    r = vigie(capsys, "inbox", "reply", plain, "--message", "Quel bâtiment ?", *args)
    assert_one_line_error(r, "suivi")
    assert not list(store.list(layout.REPLIES))

    r = vigie(capsys, "inbox", "list", "--json", *args)
    status = {row["receipt"]: row["followup"] for row in json.loads(r.out)}
    assert status == {first: "offered", plain: "none"}

    question = "À quelles heures ? Quel bâtiment ?"
    r = vigie(capsys, "inbox", "reply", first, "--message", question, *args)
    assert r.code == 0, r.err
    (obj,) = store.list(layout.REPLIES)
    assert obj.key == layout.reply_key(KEYS.mailbox, 1)
    sealed = store.get(obj.key)
    # The reporter's derived key opens it, and so does the plain age CLI with
    # an analyst's key (the cell keeps the record).
    reporter = pyrage.x25519.Identity.from_str(KEYS.identity)
    message = thread.decode_message(open_sealed(sealed, [reporter]))
    assert (message.text, message.date) == (question, datetime.now(UTC).date().isoformat())
    out = subprocess.run(
        ["age", "-d", "-i", str(identity_file)], input=sealed, capture_output=True, check=True
    ).stdout
    assert len(out) % thread.PAD_STEP == 0 and question.encode() in out
    assert len(sealed) <= 8192

    second = tmp_path / "q2.txt"
    second.write_text("Et le week-end ?\n", encoding="utf-8")
    assert vigie(capsys, "inbox", "reply", first, "--message-file", second, *args).code == 0
    r = vigie(capsys, "inbox", "list", "--json", *args)
    assert {row["receipt"]: row["followup"] for row in json.loads(r.out)}[first] == "replied"

    # The reporter answers (an ordinary tip, kind followup); a forged answer
    # that knows the mailbox but not the proof is not threaded.
    reply = submit(cfg, store, answer("Vers 22 h, bâtiment C.\x1b[2J"))
    submit(cfg, store, answer("faux", proof="0" * 64))
    assert vigie(capsys, "inbox", "pull", "--config", args[1], "--cache", args[3]).code == 0
    r = vigie(capsys, "inbox", "list", "--json", *args)
    rows = {row["receipt"]: row["followup"] for row in json.loads(r.out)}
    assert rows[first] == "answer received" and rows[reply] == "answer received"
    assert {row["receipt"]: row["answer_to"] for row in json.loads(r.out)}[reply] == first
    table = vigie(capsys, "inbox", "list", *args).out
    assert "réponse reçue" in table and "Suivi" in table and f"réponse à {first}" in table

    r = vigie(capsys, "inbox", "show", first, "--json", *args)
    doc = json.loads(r.out)
    assert doc["tip"]["receipt"] == first
    today = datetime.now(UTC).date().isoformat()
    assert doc["thread"] == [
        {"from": "analysts", "date": today, "text": question},
        {"from": "analysts", "date": today, "text": "Et le week-end ?"},
        {"from": "reporter", "date": today, "text": "Vers 22 h, bâtiment C.\x1b[2J"},
    ]
    text = vigie(capsys, "inbox", "show", reply, *args).out
    assert "Fil de suivi" in text and question in text
    # The stranger's text never drives the terminal in the thread (the tip body
    # above it is listing.show's, whose sanitising is its own owner's).
    shown = text.split("Fil de suivi :")[1]
    assert "\x1b" not in shown and "\\u001b[2J" in shown
    # The question is also in the triage history (the record outlives the thread).
    history = vigie(capsys, "inbox", "show", first, *args).out
    assert f"Question envoyée au déclarant : {question}" in history

    # Purge: the first tip and its answer are past the retention: the thread goes too.
    later = date.today() + timedelta(days=120)
    from vigie.inbox import service

    analyst = service.Analyst(Path(args[3]), (identity_file,), lambda _: "")
    cfg_file = make_config(cfg.intake.store, list(cfg.analysts.recipients), tmp_path,
                           **({"s3_endpoint_url": cfg.intake.s3_endpoint_url}
                              if cfg.intake.s3_endpoint_url else {}))  # fmt: skip
    report = service.do_purge(cfg_file, analyst, None, apply=True, today=later)
    assert "message(s) de fil de suivi" in report
    assert not list(store.list(layout.REPLIES))


def test_two_analysts_replying_at_once_both_keep_their_message(
    setup: tuple[Config, TipStore, tuple[Any, ...]],
    identity: Any,
    tmp_path: Path,
) -> None:
    cfg, store, _ = setup
    tip = offered()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def analyst(n: int) -> None:
        try:
            barrier.wait()
            thread.reply(store, None, cfg.require_recipients(), tip, f"question {n}", date.today())
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=analyst, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    keys = sorted(o.key for o in store.list(layout.thread_prefix(KEYS.mailbox)))
    assert keys == [layout.reply_key(KEYS.mailbox, n) for n in range(1, 5)]
    texts = {thread.decode_message(open_sealed(store.get(k), [identity])).text for k in keys}
    assert texts == {f"question {n}" for n in range(4)}


def test_thread_is_bounded_and_messages_too(
    setup: tuple[Config, TipStore, tuple[Any, ...]],
) -> None:
    cfg, store, _ = setup
    for n in range(layout.MAX_REPLIES):
        thread.reply(store, None, cfg.require_recipients(), offered(), f"q{n}", date.today())
    with pytest.raises(Exception, match="complet"):
        thread.reply(store, None, cfg.require_recipients(), offered(), "encore", date.today())
    with pytest.raises(Exception, match="trop long"):
        thread.check_text("x" * (thread.TEXT_LIMIT + 1))


def test_expired_thread_is_purged_even_if_its_tip_stays(
    setup: tuple[Config, TipStore, tuple[Any, ...]],
    identity: Any,
    tmp_path: Path,
) -> None:
    cfg, store, _ = setup
    today = date.today()
    place_tip(cfg, store, offered(), today)
    old = today - timedelta(days=thread.THREAD_DAYS)
    thread.reply(store, None, cfg.require_recipients(), offered(), "ancienne", old)
    cache = Cache(tmp_path / "c")
    from vigie.inbox.cache import pull

    pull(store, cache)
    from vigie.inbox.reader import read_tips

    entries = read_tips(cache, [identity])
    assert thread.doomed_threads(cache, [identity], entries, set(), today) == [
        layout.reply_key(KEYS.mailbox, 1)
    ]
    assert thread.doomed_threads(cache, [identity], entries, set(), today - timedelta(1)) == []


def test_answers_are_not_counted_as_tips_in_stats(
    setup: tuple[Config, TipStore, tuple[Any, ...]],
    identity_file: Path,
    tmp_path: Path,
) -> None:
    from vigie.inbox import service

    cfg, store, _ = setup
    today = date.today()
    # Statistics cover closed months only: the tips are from last month.
    last_month = today.replace(day=1) - timedelta(days=1)
    for _ in range(5):
        place_tip(cfg, store, offered(), last_month)
    for n in range(3):
        place_tip(cfg, store, answer(f"réponse {n}"), last_month)
    analyst = service.Analyst(
        tmp_path / "cache", (identity_file,), lambda _: "", **service.trust(cfg)
    )
    since = last_month.strftime("%Y-%m")
    service.do_stats(cfg, analyst, since, tmp_path / "out", None, today=today)
    doc = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    assert doc["total"] == 5


def test_an_unpinned_signer_cannot_send_a_question(
    backend_config: tuple[Config, TipStore],
    identity_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: the question was written to the reporter's thread, and its triage
    record (signed by a key nobody pins) was then ignored by every reader."""
    cfg, store = backend_config
    key = tmp_path / "analyst.key"
    key.write_text(identity_file.read_text())
    key.chmod(0o600)
    new_signing_key(signing_key_path(key))  # made, never pinned
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[])
    args = ("--config", conf, "--cache", tmp_path / "cache", "-i", key)
    first = submit(cfg, store, offered())
    r = vigie(capsys, "inbox", "reply", first, "--message", "Quel bâtiment ?", *args)
    assert r.code == 2 and "signing_keys" in r.err
    assert not list(store.list(layout.REPLIES))  # nothing reached the reporter's thread
