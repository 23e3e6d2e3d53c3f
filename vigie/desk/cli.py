"""`vigie desk`: option parsing only; the work is in `vigie.desk.run.run`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} n'est pas un nombre de secondes") from None
    if not 1 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError("entre 1 seconde et 24 heures")
    return value


def register(sub: Any) -> None:
    from .run import DEFAULT_PORT
    from .settings import DEFAULT_SETTINGS
    from .state import DEFAULT_IDLE_SECONDS

    p: argparse.ArgumentParser = sub.add_parser(
        "desk", help="enquêteurs : les signalements dans le navigateur (127.0.0.1 seulement)"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (défaut {DEFAULT_PORT})")
    p.add_argument("--no-browser", action="store_true", help="affiche l'adresse sans l'ouvrir")
    p.add_argument(
        "--identity", "-i", action="append", type=Path, metavar="FILE",
        help="votre clé age (répétable ; défaut : $VIGIE_IDENTITY, sinon la dernière utilisée)",
    )  # fmt: skip
    p.add_argument(
        "--cache", type=Path, metavar="DIR",
        help="cache local (défaut : le dossier du stockage configuré sous .vigie/inbox/)",
    )  # fmt: skip
    p.add_argument(
        "--idle-timeout", type=_seconds, default=DEFAULT_IDLE_SECONDS, metavar="SECONDS",
        help=f"oublie la clé après ce temps sans activité (défaut {DEFAULT_IDLE_SECONDS:.0f} s)",
    )  # fmt: skip
    p.add_argument(
        "--settings", type=Path, default=DEFAULT_SETTINGS, metavar="FILE",
        help=f"où le chemin de la clé est retenu, jamais la clé (défaut {DEFAULT_SETTINGS})",
    )  # fmt: skip
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from vigie.cliutil import load_cli_config
    from vigie.errors import UserError
    from vigie.inbox.cli import identity_paths
    from vigie.localweb import PortInUse

    from .run import run

    try:
        return run(
            lambda: load_cli_config(args),
            port=args.port,
            open_browser=not args.no_browser,
            identity_files=identity_paths(args.identity),
            cache_dir=args.cache,
            idle_seconds=args.idle_timeout,
            settings_file=args.settings,
        )
    except PortInUse as exc:
        raise UserError(str(exc)) from None
