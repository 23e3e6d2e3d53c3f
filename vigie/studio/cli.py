"""`vigie studio`: option parsing only; the work is in `vigie.studio.run.run`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8002
DEFAULT_FILE = Path("campaign") / "campagne.toml"
DEFAULT_OUT = Path("build") / "studio"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "studio", help="équipe communication : la campagne dans le navigateur (127.0.0.1 seulement)"
    )
    p.add_argument(
        "campaign_file", nargs="?", type=Path, default=DEFAULT_FILE, metavar="CAMPAGNE.toml",
        help=f"fichier de campagne (défaut : {DEFAULT_FILE} ; créé depuis le studio s'il manque)",
    )  # fmt: skip
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (défaut {DEFAULT_PORT})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="fichiers produits")
    p.add_argument("--no-browser", action="store_true", help="affiche l'adresse sans l'ouvrir")
    p.add_argument(
        "--draft", action="store_true",
        help="brouillon : accepte une adresse de formulaire locale ; tout porte « BROUILLON »",
    )  # fmt: skip
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from vigie.cliutil import load_cli_config
    from vigie.errors import UserError
    from vigie.localweb import PortInUse

    from .run import run

    try:
        return run(
            lambda: load_cli_config(args), campaign_file=args.campaign_file, port=args.port,
            out_root=args.out, open_browser=not args.no_browser, draft=args.draft,
        )  # fmt: skip
    except PortInUse as exc:
        raise UserError(str(exc)) from None
