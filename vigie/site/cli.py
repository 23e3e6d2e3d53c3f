"""`vigie site build [--out DIR] [--no-strict]` and `vigie site headers`: argparse only."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _build(args: argparse.Namespace) -> int:
    from vigie.cliutil import load_cli_config
    from vigie.errors import UserError
    from vigie.site.build import SiteBuildError, build_site

    cfg = load_cli_config(args)
    try:
        out = build_site(cfg, Path(args.out) if args.out else None, strict=not args.no_strict)
    except SiteBuildError as exc:
        raise UserError(str(exc)) from None
    print(f"Site built in {out}")
    return 0


def _headers(args: argparse.Namespace) -> int:
    from vigie.cliutil import load_cli_config
    from vigie.site.values import security_headers

    print(json.dumps(security_headers(load_cli_config(args)), indent=2))
    return 0


def register(subparsers: Any) -> None:
    site = subparsers.add_parser("site", help="the awareness site (MkDocs)")
    site_sub = site.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    build = site_sub.add_parser("build", help="build the static site from vigie.toml")
    build.add_argument("--out", metavar="DIR", help="output directory (default: build/site)")
    build.add_argument("--no-strict", action="store_true", help="do not fail on MkDocs warnings")
    build.set_defaults(func=_build)
    headers = site_sub.add_parser(
        "headers", help="print the HTTP security headers (JSON) for the host or CDN"
    )
    headers.set_defaults(func=_headers)
