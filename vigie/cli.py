"""The `vigie` console command: parses options, then calls one function per subcommand.

Each command group lives in its own module exposing `register(subparsers)`; the
module wires argparse to a function in a module that knows nothing of argparse.
Errors that users can fix (bad config, bad input) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from vigie.core.config import ConfigError

# Command groups, imported lazily so `vigie --help` stays fast and one broken
# optional dependency does not take every command down.
COMMAND_MODULES: tuple[str, ...] = (
    "vigie.serve_cli",
    "vigie.site.cli",
    "vigie.inbox.cli",
    "vigie.campaign.cli",
    "vigie.deploy.cli",
)


class UserError(Exception):
    """An error the user can act on: printed as one line, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Vigie: anonymous, encrypted tip line (site, intake, campaign, inbox).",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: $VIGIE_CONFIG, else ./vigie.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _accept_config_anywhere(parser)
    return parser


def _accept_config_anywhere(parser: argparse.ArgumentParser) -> None:
    """`vigie serve --config FILE` works as well as `vigie --config FILE serve`.

    Every subcommand also takes --config; SUPPRESS keeps a subcommand without
    it from resetting a value given before the subcommand.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if not any("--config" in a.option_strings for a in child._actions):
                    child.add_argument(
                        "--config",
                        metavar="FILE",
                        default=argparse.SUPPRESS,
                        help="configuration file (default: $VIGIE_CONFIG, else ./vigie.toml)",
                    )
                _accept_config_anywhere(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (ConfigError, UserError) as exc:
        print(f"vigie: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vigie: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
