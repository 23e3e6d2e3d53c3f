"""Small helpers shared by the command modules: config loading at the edge."""

from __future__ import annotations

import argparse
import os

from vigie.core.config import Config, load_config


def load_cli_config(args: argparse.Namespace) -> Config:
    """Read the configuration once, here at the edge (--config, $VIGIE_CONFIG, ./vigie.toml)."""
    return load_config(getattr(args, "config", None), os.environ)
