"""Small helpers shared by the command modules: config loading at the edge."""

from __future__ import annotations

import argparse
import os

from vigie.core.config import Config, load_config

# Where one command's parsed options keep the configuration once it is read.
_LOADED = "_vigie_loaded_config"


def load_cli_config(args: argparse.Namespace) -> Config:
    """Read the configuration once, here at the edge (--config, $VIGIE_CONFIG, ./vigie.toml).

    Kept on the command's own options: a command's helpers may all ask for it
    (the cache folder, the pinned keys, the store), the file is read once.
    """
    loaded = getattr(args, _LOADED, None)
    if isinstance(loaded, Config):
        return loaded
    cfg = load_config(getattr(args, "config", None), os.environ)
    setattr(args, _LOADED, cfg)
    return cfg
