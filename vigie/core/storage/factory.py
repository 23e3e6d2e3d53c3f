"""Build the store named by `[intake] store` (`dir:PATH` or `s3://BUCKET/PREFIX`)."""

from __future__ import annotations

from typing import Any

from ..config import IntakeConfig
from .base import TipStore
from .dirstore import DirStore


def open_store(cfg: IntakeConfig, s3_client: Any = None) -> TipStore:
    """Build the store named by `[intake] store`. An S3 client may be injected."""
    if cfg.store.startswith("dir:"):
        return DirStore(cfg.store[4:])
    from .s3 import S3Store  # boto3 is only imported for s3:// stores

    return S3Store.from_config(cfg, client=s3_client)
