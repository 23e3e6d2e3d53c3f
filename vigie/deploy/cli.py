"""`vigie deploy [--out DIR] [--apply]`: argparse only (logic in vigie.deploy.build)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _deploy(args: argparse.Namespace) -> int:
    import subprocess

    from vigie.cliutil import load_cli_config
    from vigie.deploy.build import DEFAULT_OUT, DeployError, build_deployment
    from vigie.deploy.commands import apply, script
    from vigie.errors import UserError

    cfg = load_cli_config(args)
    try:
        built = build_deployment(cfg, Path(args.out) if args.out else DEFAULT_OUT)
    except DeployError as exc:
        raise UserError(str(exc)) from None
    print(f"Stack built and checked by cfn-lint in {built.out}/")
    if not args.apply:
        print("\nWith your own AWS credentials (also in deploy-commands.sh):\n")
        print(script(built.steps), end="")
        return 0
    try:
        apply(built.steps)
    except (subprocess.CalledProcessError, RuntimeError, FileNotFoundError) as exc:
        raise UserError(f"deployment stopped: {exc}") from None
    print("Deployed. First time? See docs/deploy.md (DNS, HSTS preload, analysts' access).")
    return 0


def register(subparsers: Any) -> None:
    deploy = subparsers.add_parser(
        "deploy", help="build the AWS stack (site, intake, storage, edge), lint it, print commands"
    )
    deploy.add_argument("--out", metavar="DIR", help="output directory (default: build/deploy)")
    deploy.add_argument(
        "--apply",
        action="store_true",
        help="run the printed aws commands with your own credentials (nothing is stored)",
    )
    deploy.set_defaults(func=_deploy)
