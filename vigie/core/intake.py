"""The intake's logic: health, challenge, encrypted tips, and the no-JS form path.

Every route answers a `Response`; every refusal is an `ApiError` with a 4xx
status, a stable code and a French message (503 + Retry-After only when the
store is down). The checks run cheapest first so junk costs almost nothing:
declared size, idempotency key, the proof-of-work's signature and binding (one
HMAC), the body's size and age structure, then the proof's one scrypt run, the
adaptive-difficulty slot (vigie.core.load) and a single conditional write.

Privacy: nothing here reads or logs client addresses, user agents, referrers
or bodies. The only log lines are refusal codes and store failures.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import envelope, pages, replies
from .config import Config, whole_megabytes
from .formpath import build_form_tip, parse_form
from .formrefusal import form_refusal, localize_refusal, query_lang, typed_fields
from .http import ApiError, Request, Response
from .i18n import pick_lang
from .layout import (
    FORM_BUDGET,
    SEEN,
    SEEN_KEY_RE,
    SLOT_PREFIXES,
    effort_key,
    format_receipt,
    seen_key,
    signature_key,
    tip_key,
)
from .load import Slots, stale_slot_keys
from .pow import ProofOfWork, check_idempotency_key, effort_class
from .storage import StoreUnavailable, TipStore

log = logging.getLogger("vigie.intake")

RETRY_AFTER_SECONDS = 5


def store_unavailable() -> ApiError:
    return ApiError(
        503,
        "storage_unavailable",
        "Le service d'enregistrement est momentanément indisponible. Votre signalement "
        "n'a pas été enregistré : réessayez dans quelques instants.",
        retry_after=RETRY_AFTER_SECONDS,
    )


def check_declared_size(request: Request, limit: int) -> None:
    """Refuse from Content-Length alone, before the body is touched."""
    declared = request.header("content-length")
    if declared is not None:
        # Not str.isdigit(): it accepts "²", which int() then refuses (a 500).
        if not re.fullmatch(r"[0-9]{1,12}", declared.strip()):
            raise ApiError(400, "bad_content_length", "En-tête Content-Length invalide.")
        if int(declared) > limit:
            raise too_large(limit)


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"Envoi trop volumineux (maximum {whole_megabytes(limit)} Mo, photos comprises). "
        "Retirez une photo ou réduisez sa taille.",
    )


def check_body(request: Request, limit: int) -> bytes:
    check_declared_size(request, limit)
    body = request.body
    if len(body) > limit:
        raise too_large(limit)
    if not body:
        raise ApiError(400, "empty_body", "Le corps de la requête est vide.")
    return body


@dataclass
class Intake:
    """One configured intake. Holds only public keys and the HMAC secret."""

    config: Config
    store: TipStore
    secret: bytes
    clock: Callable[[], float]
    # The intake's Ed25519 key (vigie.core.signing): every stored tip gets a signed
    # sidecar so analysts can tell it from an object written straight to the bucket.
    signer: Any = None
    pow: ProofOfWork = field(init=False)
    slots: Slots = field(init=False)

    def __post_init__(self) -> None:
        self.pow = ProofOfWork(
            hmac_key=self._subkey(b"altcha"),
            cost=self.config.intake.pow_cost,
            bits=self.config.intake.pow_bits,
            expires_seconds=self.config.intake.pow_expires_seconds,
            clock=self.clock,
        )
        # Slot names: a keyed hash of the hour, so the store shows no time (finding 7).
        self.slots = Slots(self._subkey(b"slot-names"), self._put_slot, self.clock)

    def _subkey(self, label: bytes) -> bytes:
        # Domain separation: one configured secret, independent keys per use.
        return hmac.new(self.secret, b"vigie/" + label, hashlib.sha256).digest()

    def receipt_for(self, idempotency_key: str) -> str:
        mac = hmac.new(self._subkey(b"receipt"), idempotency_key.encode(), hashlib.sha256)
        return format_receipt(mac.digest())

    # ------------------------------------------------------------------ routes

    def health(self, request: Request | None = None) -> Response:
        try:
            self.store.probe()
        except StoreUnavailable:
            return Response.json(
                503,
                {"status": "unavailable", "storage": "unavailable"},
                Retry_After=str(RETRY_AFTER_SECONDS),
            )
        return Response.json(200, {"status": "ok", "storage": "ready"})

    def challenge(self, request: Request) -> Response:
        # The key travels in a header, never in the URL: URLs end up in logs, and
        # the receipt is HMAC(secret, key) (finding 8).
        key = check_idempotency_key(request.header("idempotency-key"))
        return Response.json(200, self.pow.challenge(key))

    def submit_tip(self, request: Request) -> Response:
        cfg = self.config.intake
        check_declared_size(request, cfg.max_body_bytes)
        key = check_idempotency_key(request.header("idempotency-key"))
        parsed, proof = self.pow.check_signed(request.header("x-altcha"), key)
        body = check_body(request, cfg.max_body_bytes)
        try:
            info = envelope.check_age(body, len(self.config.require_recipients()))
        except envelope.EnvelopeError as exc:
            raise ApiError(400, exc.code, f"Signalement refusé : {exc}.") from None
        self.pow.check_work(parsed)  # the one scrypt run, only for a well-formed tip
        receipt = self.receipt_for(key)
        # A replay (a retry after a lost answer, or junk resent) of a tip known
        # stored (its `intake/seen/` marker; never a HEAD of the tip, which would
        # need the right to read tips, P10) claims no difficulty slot (one solved
        # proof replayed must not fill a level for everyone) and uploads nothing.
        # Not known: the conditional writes still refuse a second copy.
        replay = self._stored(proof.day, receipt)
        if not replay:
            self.slots.admit(
                proof.zeros, cfg.pow_bits, cfg.pow_max_bits, cfg.expected_tips_per_hour
            )
        created = not replay and self._put_signed(proof.day, receipt, info.data, replayable=True)
        # Then the effort class (2 bits) as an empty object of its own: the analysts
        # rank by it. After the tip, so a failure here is a 503 whose retry (same
        # key) finds the tip stored and writes the marker.
        self._put(effort_key(proof.day, receipt, effort_class(proof.zeros, cfg.pow_bits)), b"")
        return Response.json(201 if created else 200, {"receipt": receipt, "received": proof.day})

    def _put_slot(self, key: str) -> bool:
        return self._put(key, b"")

    def sweep(self) -> int:
        """Delete past hours' slot objects and replay markers older than a day
        (`vigie serve`; on S3 lifecycle rules do it)."""
        current = self.slots.current_tags()
        names = (o.key for prefix in SLOT_PREFIXES for o in self.store.list(prefix))
        stale = list(stale_slot_keys(names, current))
        yesterday = dt.datetime.fromtimestamp(self.clock() - 86400, dt.UTC).strftime("%Y-%m-%d")
        for marker in self.store.list(SEEN):
            match = SEEN_KEY_RE.match(marker.key)
            if match and match.group(1) < yesterday:
                stale.append(marker.key)
        for name in stale:
            self.store.delete(name)
        return len(stale)

    def read_replies(self, request: Request) -> Response:
        """A follow-up thread's ciphertext, one fixed-size answer (see replies.py)."""
        return replies.answer(self.store, self.pow, request)

    def _put_signed(self, day: str, receipt: str, data: bytes, replayable: bool = False) -> bool:
        """The signature first, then the tip: a visible tip always has its sidecar.

        Both are create-only. A retry after a failure in between finds the
        signature written and writes the tip; a replay finds both and writes none
        (`replayable`: a name the client chose, whose replay moves no body).
        """
        key = tip_key(day, receipt)
        if self.signer is not None:
            from .signing import tip_sidecar

            self._put(signature_key(key), tip_sidecar(self.signer, day, receipt, data))
        return self._put(key, data, seen_key(day, receipt) if replayable else None)

    def _stored(self, day: str, receipt: str) -> bool:
        return self.store.stored(tip_key(day, receipt), seen_key(day, receipt))

    def _put(self, key: str, data: bytes, marker: str | None = None) -> bool:
        try:
            if marker is not None:
                return self.store.put_once(key, data, envelope.STORE_METADATA, marker)
            return self.store.put_new(key, data, envelope.STORE_METADATA)
        except StoreUnavailable as exc:
            log.warning("store write failed: %s", exc)
            raise store_unavailable() from None

    def submit_form(self, request: Request) -> Response:
        """The no-JS path: parse, strip photo metadata, encrypt at once, store."""
        # Until the form's own `lang` field is read: the page language its
        # action carries (`?lang=`), so a refusal before parsing speaks it too.
        lang = query_lang(request.query)
        fields: dict[str, str] | None = None  # once the body could be read
        try:
            try:
                body = check_body(request, self.config.intake.max_body_bytes)
            except ApiError as exc:
                if exc.code == "too_large":  # the typed text still comes back
                    fields = typed_fields(request, self.config.intake.max_body_bytes)
                    if fields and fields.get("lang"):
                        lang = pick_lang(fields["lang"])
                raise
            fields, photos = parse_form(request.header("content-type"), body)
            if fields.get("lang"):
                lang = pick_lang(fields["lang"])
            tip = build_form_tip(fields, photos)
            self.claim_form_slot()
            receipt, day = self.store_form_tip(tip)
        except ApiError as exc:
            log.info("form refused: %s", exc.code)
            # What was typed comes back in the answer (built from this request,
            # never stored or logged): a refusal must not lose it.
            return form_refusal(self.config, exc, lang, fields)
        return pages.receipt_page(receipt, day, self.config.emergency, lang)

    def localize(self, error: ApiError, lang: str) -> ApiError:
        """The refusal in the reporter's language (vigie.core.messages), filled from config."""
        return localize_refusal(self.config, error, lang)

    def refuse(self, error: ApiError, request: Request) -> Response:
        """A JSON refusal in the language the form sent (its `X-Vigie-Lang` header).

        A header of Vigie's own, not `Accept-Language`: the page sends only its
        language (fr, en, ar), and no browser's own, often distinctive, list of
        languages is ever forwarded to the intake (CloudFront passes only the
        headers the API contract names)."""
        return self.localize(error, pick_lang(request.header("x-vigie-lang"))).to_json()

    def store_form_tip(self, tip: envelope.Tip) -> tuple[str, str]:
        """Encrypt a tip received in clear (no-JS path) and store it at once."""
        recipients = self.config.require_recipients()
        # The plaintext exists only inside this call; only ciphertext leaves it.
        sealed = envelope.seal(envelope.serialize_tip(tip), recipients)
        day = self.today()
        fresh_key = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()
        receipt = self.receipt_for("form-" + fresh_key)
        if not self._put_signed(day, receipt, sealed):
            raise store_unavailable()  # a random key cannot collide; treat as a fault
        return receipt, day

    def today(self) -> str:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).strftime("%Y-%m-%d")

    def claim_form_slot(self) -> None:
        """Global hourly budget for the no-JS path, held in the store (no IP, no memory).

        Each submission claims one of N slot objects of the current hour with a
        conditional write, trying every slot before refusing: a 429 means the
        hour's budget is really spent (no random refusal before). One script is
        kept from spending it by the per-network cap (vigie serve / AWS WAF).
        """
        if self.slots.claim(FORM_BUDGET, self.config.intake.form_budget_per_hour):
            return
        e = self.config.emergency
        chat = e.national_chat.removeprefix("https://").removeprefix("www.")
        raise ApiError(
            429,
            "form_budget_exhausted",
            "Trop de signalements sans JavaScript ont été envoyés cette heure-ci. Réessayez "
            "plus tard ou avec un navigateur qui exécute JavaScript (le formulaire chiffré "
            f"n'a pas cette limite). Pour parler à un policier : {chat}. En cas d'urgence, "
            f"appelez le {e.police}.",
        )
