"""Analyst identities: create them (`keygen`) and load them to decrypt tips.

An identity file is the same text `age-keygen` writes:

    # created: 2026-11-28T15:40:00Z
    # public key: age1...
    AGE-SECRET-KEY-1...

By default it is then encrypted with a passphrase (age's scrypt recipient) and
ASCII-armored, exactly like `age-keygen | age -p -a > key.age`, so the plain
`age -d -i key.age` CLI opens tips with it too. A stolen laptop then does not
give away every tip: the key alone is useless without the passphrase.

Beside it, `keygen` writes the analyst's Ed25519 **signing key** (`KEY.sign`,
vigie.core.signing), protected the same way with the same passphrase: triage
events are signed with it, and only events signed by a key pinned in
`[analysts] signing_keys` count (anyone can encrypt an event to public keys).
"""

from __future__ import annotations

import base64
import getpass
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage

from vigie.core.agefile import ARMOR_BEGIN, ARMOR_END, EnvelopeError, dearmor

from .errors import InboxError

# Asks for a passphrase; the prompt names the file. Injected so tests and
# scripts can supply one without a terminal.
PassphraseSource = Callable[[str], str]


SIGNING_SECRET_PREFIX = "VIGIE-ED25519-SECRET-KEY-"  # noqa: S105 - a format prefix


@dataclass(frozen=True)
class NewKey:
    path: Path
    public_key: str
    protected: bool
    signing_path: Path | None = None
    signing_public_key: str = ""


def signing_key_path(identity_file: Path) -> Path:
    """Where `keygen` puts the signing key of an identity file: `KEY.sign`."""
    return identity_file.with_name(identity_file.name + ".sign")


def signing_text(key: Any) -> str:
    from vigie.core import signing

    return (
        "# Vigie signing key (Ed25519) for triage events: keep it like your age key.\n"
        f"# public key: {signing.public_text(key)}\n"
        f"{SIGNING_SECRET_PREFIX}{bytes(key).hex()}\n"
    )


def identity_text(identity: Any, now: datetime | None = None) -> str:
    created = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"# created: {created}\n# public key: {identity.to_public()}\n{identity}\n"


def armor(data: bytes) -> bytes:
    """ASCII armor as age writes it (64-column base64 between BEGIN/END lines)."""
    b64 = base64.b64encode(data)
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return b"\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + b"\n"


def write_private(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600 from the first byte on; refuse to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InboxError(f"{path} existe déjà : choisissez un autre nom de fichier") from None
    except OSError as exc:
        raise InboxError(f"{path} : impossible d'écrire ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _protect(text: bytes, passphrase: str | None) -> bytes:
    if passphrase is None:
        return text
    return armor(bytes(pyrage.passphrase.encrypt(text, passphrase)))


def keygen(out: Path, passphrase: str | None) -> NewKey:
    """Generate an X25519 identity and an Ed25519 signing key (`out` and `out.sign`),
    both encrypted with `passphrase` unless it is None."""
    from vigie.core import signing

    if passphrase is not None and len(passphrase) < 8:
        raise InboxError("phrase de passe trop courte (8 caractères au moins)")
    identity = pyrage.x25519.Identity.generate()
    signer = signing.SigningKey.generate()
    sign_path = signing_key_path(out)
    if sign_path.exists():
        raise InboxError(f"{sign_path} existe déjà : choisissez un autre nom de fichier")
    write_private(out, _protect(identity_text(identity).encode("ascii"), passphrase))
    write_private(sign_path, _protect(signing_text(signer).encode("ascii"), passphrase))
    return NewKey(
        path=out,
        public_key=str(identity.to_public()),
        protected=passphrase is not None,
        signing_path=sign_path,
        signing_public_key=signing.public_text(signer),
    )


def _is_encrypted(raw: bytes) -> bool:
    head = raw.lstrip()[:64]
    return head.startswith(b"age-encryption.org/v1") or head.startswith(ARMOR_BEGIN)


def _parse_identities(path: Path, text: str) -> list[Any]:
    found: list[Any] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                raise InboxError(f"{path} : clé secrète age illisible") from None
        elif line and not line.startswith("#"):
            raise InboxError(f"{path} : ce n'est pas un fichier de clé age")
    if not found:
        raise InboxError(f"{path} : aucune clé secrète age dans ce fichier")
    return found


def _open_key_file(path: Path, ask: PassphraseSource, kind: str = "age") -> str:
    """The text of a key file, decrypted with the passphrase if it is protected."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InboxError(f"{path} : fichier de clé illisible ({exc.strerror})") from None
    if _is_encrypted(raw):
        try:
            sealed = dearmor(raw)
        except EnvelopeError:
            raise InboxError(f"{path} : fichier de clé chiffré mais abîmé") from None
        passphrase = ask(str(path))
        try:
            raw = bytes(pyrage.passphrase.decrypt(sealed, passphrase))
        except pyrage.DecryptError:
            raise InboxError(f"{path} : phrase de passe incorrecte (ou fichier abîmé)") from None
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise InboxError(f"{path} : ce n'est pas un fichier de clé {kind}") from None


def load_identity_file(path: Path, ask: PassphraseSource) -> list[Any]:
    """Read one identity file (plain or passphrase-protected); clear errors only."""
    return _parse_identities(path, _open_key_file(path, ask))


def load_signing_key(path: Path, ask: PassphraseSource) -> Any:
    """Read a signing key file written by `keygen` (nacl SigningKey)."""
    from vigie.core import signing

    if not path.exists():
        raise InboxError(
            f"{path} : clé de signature introuvable (créée par `vigie inbox keygen` à côté "
            "de votre clé age ; indiquez-la avec --signing-key)"
        )
    for line in _open_key_file(path, ask, "de signature").splitlines():
        if line.startswith(SIGNING_SECRET_PREFIX):
            try:
                return signing.seed_key(bytes.fromhex(line[len(SIGNING_SECRET_PREFIX) :].strip()))
            except (ValueError, signing.SigningError):
                break
    raise InboxError(f"{path} : ce n'est pas une clé de signature Vigie")


def load_identities(paths: Sequence[Path], ask: PassphraseSource) -> list[Any]:
    if not paths:
        raise InboxError(
            "indiquez votre clé avec --identity FICHIER (ou la variable VIGIE_IDENTITY)"
        )
    identities: list[Any] = []
    for path in paths:
        identities.extend(load_identity_file(path, ask))
    return identities


def _ask(prompt: str) -> str:
    """Read a secret on the terminal, never echoed. Without a terminal, fail with a hint.

    getpass would otherwise fall back to reading stdin with echo on: a passphrase
    must never be read from a pipe or land in a log by accident.
    """
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        raise InboxError(
            "pas de terminal pour demander la phrase de passe : utilisez --passphrase-file"
        ) from None
    try:
        return getpass.getpass(prompt)
    except (EOFError, OSError):
        raise InboxError("phrase de passe non saisie") from None


def terminal_passphrase(path: str) -> str:
    return _ask(f"Phrase de passe de {path} : ")


def file_passphrase(passphrase_file: Path) -> PassphraseSource:
    """Read the passphrase from a file (first line), for scripts and tests."""

    def ask(_path: str) -> str:
        try:
            return passphrase_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError):
            raise InboxError(f"{passphrase_file} : phrase de passe illisible") from None

    return ask


def new_passphrase(ask_twice: bool = True) -> str:
    """Ask for a new passphrase twice on the terminal."""
    first = _ask("Nouvelle phrase de passe (8 caractères au moins) : ")
    if ask_twice and _ask("Retapez-la : ") != first:
        raise InboxError("les deux phrases de passe diffèrent")
    return first
