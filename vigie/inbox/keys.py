"""Analyst identities: create them (`keygen`) and load them to decrypt tips.

An identity file is the same text `age-keygen` writes:

    # created: 2026-11-28T15:40:00Z
    # public key: age1...
    AGE-SECRET-KEY-1...

By default it is then encrypted with a passphrase (age's scrypt recipient) and
ASCII-armored, exactly like `age-keygen | age -p -a > key.age`, so the plain
`age -d -i key.age` CLI opens tips with it too. A stolen laptop then does not
give away every tip: the key alone is useless without the passphrase.
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

from vigie.core.envelope import ARMOR_BEGIN, ARMOR_END, EnvelopeError, dearmor

from .errors import InboxError

# Asks for a passphrase; the prompt names the file. Injected so tests and
# scripts can supply one without a terminal.
PassphraseSource = Callable[[str], str]


@dataclass(frozen=True)
class NewKey:
    path: Path
    public_key: str
    protected: bool


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


def keygen(out: Path, passphrase: str | None) -> NewKey:
    """Generate an X25519 identity; encrypt it with `passphrase` unless it is None."""
    identity = pyrage.x25519.Identity.generate()
    text = identity_text(identity).encode("ascii")
    if passphrase is not None:
        if len(passphrase) < 8:
            raise InboxError("phrase de passe trop courte (8 caractères au moins)")
        text = armor(bytes(pyrage.passphrase.encrypt(text, passphrase)))
    write_private(out, text)
    return NewKey(path=out, public_key=str(identity.to_public()), protected=passphrase is not None)


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


def load_identity_file(path: Path, ask: PassphraseSource) -> list[Any]:
    """Read one identity file (plain or passphrase-protected); clear errors only."""
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
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise InboxError(f"{path} : ce n'est pas un fichier de clé age") from None
    return _parse_identities(path, text)


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
