"""`vigie serve`: option parsing only; the work is in `vigie.localrun.run`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve", help="serve the site and the intake together on one local origin"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--site-dir", type=Path, default=None, help="built site (default build/site)")
    p.add_argument("--no-build", action="store_true", help="serve the site as already built")
    p.add_argument(
        "--demo",
        action="store_true",
        help="when no analyst key is configured, generate and use a DEMO key in .vigie/demo/",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from vigie.cliutil import load_cli_config
    from vigie.errors import UserError
    from vigie.localrun import run
    from vigie.localweb import PortInUse

    try:
        return run(
            load_cli_config(args),
            host=args.host,
            port=args.port,
            site_dir=args.site_dir,
            build=not args.no_build,
            demo=args.demo,
        )
    except PortInUse as exc:
        raise UserError(str(exc)) from None
