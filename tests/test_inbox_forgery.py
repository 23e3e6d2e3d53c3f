"""Finding 3: whoever can write to the bucket cannot forge triage or pass off a tip.

Events and tips are encrypted to *public* keys, so the review forged both with
nothing more: a `state/R/99991231T235959…` event kept a tip at `rejected /
Commandant Durand` after the cell marked it actioned (and a purge would then
delete it), an object written straight to `tips/2026-06-02/…` showed as an
ordinary tip, and junk under `state/R/` blocked purge for ever. Now events are
signed by pinned analyst keys and tips by the pinned intake key.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.support.intake_client import (
    TEST_SIGNING_PUBLIC,
    intake_client,
    new_key,
    post_tip,
    submit_tip,
)
from tests.test_inbox_helpers import new_signing_key, place_tip, vigie, write_toml
from vigie.core import envelope, layout, signing
from vigie.core.config import ConfigError, load_config
from vigie.core.envelope import canonical_json, seal
from vigie.core.runtime import build_intake
from vigie.core.storage import DirStore
from vigie.inbox import service, triage
from vigie.inbox.cache import Cache, pull
from vigie.inbox.purge import plan_and_purge

TODAY = date(2026, 12, 1)
OLD = TODAY - timedelta(days=120)


def _forge_v1(receipt: str, recipients: list[str]) -> bytes:
    """The review's forgery: an unsigned event, made with the public keys alone."""
    return seal(
        canonical_json({
            "assignee": "Commandant Durand", "at": "9999-12-31T23:59:59+00:00",
            "format": "vigie-triage", "note": "", "receipt": receipt, "status": "rejected",
            "version": 1,
        }),
        recipients,
    )  # fmt: skip


def _forge_v2(receipt: str, recipients: list[str], key: Any, claim: str, at: str) -> bytes:
    """A version-2 event signed by `key` but claiming to be from `claim`."""
    event = {"assignee": "Commandant Durand", "at": at, "note": "", "receipt": receipt,
             "signer": claim, "status": "rejected"}  # fmt: skip
    sig = signing.sign(key, b"vigie-triage/2\n", canonical_json(event))
    import base64

    payload = {"event": event, "format": "vigie-triage",
               "signature": base64.b64encode(sig).decode(), "version": 2}  # fmt: skip
    return seal(canonical_json(payload), recipients)


def test_forged_events_never_change_a_status_nor_make_purge_delete(
    tmp_path: Path, identity: Any
) -> None:
    recipients = [str(identity.to_public())]
    cfg = make_config(f"dir:{tmp_path / 'store'}", recipients, tmp_path)
    store = DirStore(tmp_path / "store")
    analyst, attacker = signing.SigningKey.generate(), signing.SigningKey.generate()
    pinned = [signing.public_text(analyst)]
    tip = envelope.Tip(category="stash", description="garage")
    a, b = place_tip(cfg, store, tip, OLD), place_tip(cfg, store, tip, OLD)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    triage.mark(store, None, recipients, a, "in-progress", assignee="Lt Martin", now=start,
                signer=analyst)  # fmt: skip
    good = triage.mark(store, None, recipients, a, "actioned", now=start + timedelta(days=1),
                       signer=analyst)  # fmt: skip
    triage.mark(store, None, recipients, b, "in-progress", now=start, signer=analyst)

    def drop(receipt: str, stamp: str, data: bytes) -> None:
        assert store.put_new(layout.event_key(receipt, stamp, "deadbeef"), data)

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    drop(a, "99991231T235959000000Z", _forge_v1(a, recipients))
    drop(a, "99991231T235959000001Z",
         _forge_v2(a, recipients, attacker, signing.public_text(attacker), "2026-11-30T00:00:00+00:00"))  # fmt: skip  # noqa: E501
    drop(a, "99991231T235959000002Z",
         _forge_v2(a, recipients, attacker, pinned[0], "2026-11-30T00:00:00+00:00"))  # fmt: skip
    drop(a, "99991231T235959000003Z", _forge_v2(a, recipients, analyst, pinned[0], future))
    # A genuine "in-progress" of B copied under A's folder, and A's own "actioned" replayed.
    b_event = next(o.key for o in store.list(f"{layout.STATE}{b}/"))
    drop(a, "99991231T235959000004Z", store.get(b_event))
    drop(a, "99991231T235959000005Z", store.get(good))
    drop(b, "99991231T235959000000Z", b"junk that is not even an age file")
    # C: marked actioned before events were signed (a kept/ copy and an unsigned event).
    c = place_tip(cfg, store, tip, OLD)
    store.put_new(layout.kept_key(OLD, c), store.get(layout.tip_key(OLD, c)))
    drop(c, "20260801T000000000000Z", _forge_v1(c, recipients))

    cache = Cache(tmp_path / "cache")
    pull(store, cache)
    states = triage.read_states(cache, [identity], pinned)
    assert (states[a].status, states[a].assignee) == ("actioned", "Lt Martin")
    assert [e.status for e in states[a].events] == ["in-progress", "actioned"]  # replay once
    reasons = " | ".join(states[a].ignored)
    for why in ("non signé", "clé non épinglée", "signature invalide", "daté du futur",
                "copié depuis un autre signalement"):  # fmt: skip
        assert why in reasons, reasons
    assert len(states[a].ignored) == 5 and len(states[b].ignored) == 1

    report = plan_and_purge(store, cache, [identity], 90, None, TODAY, apply=True,
                            signing_keys=pinned)  # fmt: skip
    assert report.kept_actioned == [a] and report.kept_unknown == []
    # Junk under state/B/ no longer blocks B's purge; it goes with B.
    assert [r for r, _ in report.deleted] == [b] and report.ignored_events == 7
    # A kept/ copy with unverifiable events is kept: deleting on a doubt is not undoable.
    assert report.kept_unverified == [c]
    left = {o.key for o in store.list("")}
    assert layout.tip_key(OLD, a) in left and not any(b in k for k in left)


def test_the_cli_shows_what_was_ignored_and_refuses_an_unpinned_signer(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipients = [str(identity.to_public())]
    cfg = make_config(f"dir:{tmp_path / 'store'}", recipients, tmp_path)
    store = DirStore(tmp_path / "store")
    receipt = place_tip(cfg, store, envelope.Tip(category="spot", description="x"), TODAY)
    mine, stranger = tmp_path / "mine.sign", tmp_path / "stranger.sign"
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[new_signing_key(mine)])
    new_signing_key(stranger)
    keys = ("--config", conf)
    where = ("--cache", tmp_path / "cache", "-i", identity_file)
    vigie(capsys, *keys, "inbox", "pull", "--cache", tmp_path / "cache")
    r = vigie(capsys, *keys, "inbox", "mark", receipt, *where, "--signing-key", stranger,
              "--status", "rejected")  # fmt: skip
    assert r.code == 2 and "n'est pas dans" in r.err and "signing_keys" in r.err
    r = vigie(capsys, *keys, "inbox", "mark", receipt, *where, "--signing-key", mine,
              "--status", "actioned", "--assignee", "Lt Martin")  # fmt: skip
    assert r.code == 0, r.err
    assert store.put_new(layout.event_key(receipt, "99991231T235959000000Z", "deadbeef"),
                         _forge_v1(receipt, recipients))  # fmt: skip
    vigie(capsys, *keys, "inbox", "pull", "--cache", tmp_path / "cache")
    r = vigie(capsys, *keys, "inbox", "list", *where, "--json")
    (row,) = json.loads(r.out)
    assert (row["status"], row["assignee"], row["ignored_events"]) == ("actioned", "Lt Martin", 1)
    r = vigie(capsys, *keys, "inbox", "show", receipt, *where)
    assert "Événements de suivi IGNORÉS" in r.out and "non signé" in r.out
    assert "Commandant Durand" not in r.out.split("IGNORÉS")[0]


def test_tips_not_stored_by_the_intake_are_flagged_as_injected(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = DirStore(tmp_path / "store")
    genuine = submit_tip(cfg, store, envelope.Tip(category="spot", description="vrai"))
    (genuine_key,) = [o.key for o in store.list(layout.TIPS) if o.key.endswith(".age")]
    sidecar = store.get(layout.signature_key(genuine_key))
    # The review's injection: written straight to the bucket, back-dated, "form" channel.
    fake = envelope.Tip(category="delivery", description="faux", channel="form")
    injected = place_tip(cfg, store, fake, date(2026, 6, 2), signed=False)
    # The genuine signature copied beside another object, and a genuine name re-filled.
    moved = place_tip(cfg, store, fake, date(2026, 6, 2), signed=False)
    store.put_new(layout.signature_key(layout.tip_key("2026-06-02", moved)), sidecar)
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    where = ("--config", conf, "inbox", "list", "--cache", tmp_path / "c", "-i", identity_file)
    vigie(capsys, "--config", conf, "inbox", "pull", "--cache", tmp_path / "c")
    r = vigie(capsys, *where, "--json")
    origins = {row["receipt"]: row["origin"] for row in json.loads(r.out)}
    assert origins == {genuine: "intake", injected: "unsigned", moved: "forged"}
    r = vigie(capsys, *where)
    assert "2 INJECTÉ(S)" in r.out and f"{injected} ⚠" in r.out and f"{genuine} ⚠" not in r.out
    # Without a pinned key nothing can be verified, and the listing says so.
    bare = tmp_path / "bare.toml"
    bare.write_text(f'[intake]\nstore = "dir:{tmp_path / "store"}"\n'
                    f'signing_key_file = "{tmp_path / "none"}"\n')  # fmt: skip
    r = vigie(capsys, "--config", bare, "inbox", "list", "--cache", tmp_path / "c", "-i",
              identity_file)  # fmt: skip
    assert "Origine non vérifiée" in r.out and "signing_public_key" in r.out


def test_the_intake_signing_key_is_a_local_secret_or_from_the_environment(
    tmp_path: Path, identity: Any
) -> None:
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    with pytest.raises(ConfigError, match="VIGIE_SIGNING_KEY"):
        build_intake(cfg, {"VIGIE_SECRET": "ab" * 32})  # Lambda without it: refuses to start
    intake = build_intake(cfg, {}, create_secret=True)  # `vigie serve`: created once, 0600
    path = Path(cfg.intake.signing_key_file)
    assert path.stat().st_mode & 0o777 == 0o600
    public = signing.public_text(intake.signer)
    assert signing.public_text(build_intake(cfg, {}).signer) == public
    seed = bytes(range(32, 64)).hex()
    from_env = build_intake(cfg, {"VIGIE_SECRET": "ab" * 32, "VIGIE_SIGNING_KEY": seed})
    assert signing.public_text(from_env.signer) == TEST_SIGNING_PUBLIC
    # A pinned public key that is not this key's half: refuse to sign tips analysts would flag.
    pinned = tmp_path / "pinned.toml"
    pinned.write_text(
        f'[intake]\nstore = "dir:{tmp_path / "store"}"\nsecret_file = "{tmp_path / "s"}"\n'
        f'signing_key_file = "{path}"\nsigning_public_key = "{TEST_SIGNING_PUBLIC}"\n'
        f'[analysts]\nrecipients = ["{identity.to_public()}"]\n'
    )
    with pytest.raises(ConfigError, match="not the public half"):
        build_intake(load_config(pinned, {}), {}, create_secret=True)
    # The demo/`make run` case: nothing pinned, the inbox reads the local key's half.
    assert service.intake_public_key(cfg) == public


def test_the_intake_signs_each_tip_and_a_replay_writes_nothing_new(
    tmp_path: Path, identity: Any
) -> None:
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = DirStore(tmp_path / "store")
    sealed = envelope.seal(
        envelope.serialize_tip(envelope.Tip(category="spot", description="une fois")),
        cfg.require_recipients(),
    )
    with intake_client(cfg, store) as client:
        key = new_key()
        first = post_tip(client, sealed, key)
        stored = {o.key: store.get(o.key) for o in store.list(layout.TIPS)}
        again = post_tip(client, sealed + b"", key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert {o.key: store.get(o.key) for o in store.list(layout.TIPS)} == stored
    tip_name, sig_name = sorted(stored)
    receipt = json.loads(first.body)["receipt"]
    assert sig_name == layout.signature_key(tip_name) and receipt in tip_name
    day = tip_name.split("/")[1]
    assert signing.tip_sidecar_valid(TEST_SIGNING_PUBLIC, day, receipt, stored[tip_name],
                                     stored[sig_name])  # fmt: skip
    # The signed message holds the day, not the time: the sidecar says nothing more.
    assert not signing.tip_sidecar_valid(TEST_SIGNING_PUBLIC, "2026-01-01", receipt,
                                         stored[tip_name], stored[sig_name])  # fmt: skip


def test_the_signing_key_is_protected_like_the_age_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("une phrase de passe assez longue\n")
    key = tmp_path / "marie.age"
    r = vigie(capsys, "inbox", "keygen", "--out", key, "--passphrase-file", secret)
    assert r.code == 0, r.err
    age_public = r.out.split("Clé publique : ")[1].split()[0]
    sign_public = r.out.split("Clé publique de signature : ")[1].split()[0]
    sign_file = tmp_path / "marie.age.sign"
    raw = sign_file.read_bytes()
    assert sign_file.stat().st_mode & 0o777 == 0o600
    assert raw.startswith(envelope.ARMOR_BEGIN) and b"SECRET-KEY" not in raw
    cfg = make_config(f"dir:{tmp_path / 'store'}", [age_public], tmp_path)
    store = DirStore(tmp_path / "store")
    receipt = place_tip(cfg, store, envelope.Tip(category="spot", description="x"), TODAY)
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[sign_public])
    cache = tmp_path / "cache"
    vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache)
    base = ("--config", conf, "inbox", "mark", receipt, "--cache", cache, "-i", key)
    # (Each passphrase costs a deliberate scrypt: one wrong one is tested for age keys.)
    r = vigie(capsys, *base, "--passphrase-file", secret, "--status", "actioned")
    assert r.code == 0 and "exploité" in r.out, r.err
    (event,) = [o.key for o in store.list(f"{layout.STATE}{receipt}/")]
    assert event in r.out
