"""The `vigie` console command: parses options, then calls one function per subcommand.

Each command group lives in its own module exposing `register(subparsers)`; the
module wires argparse to a function in a module that knows nothing of argparse.
Errors that users can fix (bad config, bad input) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

from vigie.errors import UserError, run_guarded

__all__ = ["UserError", "build_parser", "main"]

# Command groups, imported lazily so `vigie --help` stays fast and one broken
# optional dependency does not take every command down.
COMMAND_MODULES: tuple[str, ...] = (
    "vigie.serve_cli",
    "vigie.site.cli",
    "vigie.inbox.cli",
    "vigie.desk.cli",
    "vigie.campaign.cli",
    "vigie.deploy.cli",
    "vigie.studio.cli",
)


CONFIG_HELP = "configuration file (default: $VIGIE_CONFIG, else ./vigie.toml)"


def _config_parent() -> argparse.ArgumentParser:
    """`--config FILE` for every subcommand, so `vigie serve --config FILE` works too.

    SUPPRESS keeps a subcommand without it from resetting a value given before
    the subcommand.
    """
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)
    return parent


class _CommandParser(argparse.ArgumentParser):
    """Every (sub)command parser inherits `--config` through argparse's `parents=`.

    argparse builds nested subcommand parsers with the class of their parent,
    so a command group added later gets the option without registering it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["parents"] = [*kwargs.get("parents", ()), _config_parent()]
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Vigie: anonymous, encrypted tip line (site, intake, campaign, inbox).",
    )
    parser.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_guarded(lambda: args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
