"""Object storage behind one small interface, with two backends chosen by config.

* `base` — the interface (`TipStore`), its errors and the key check;
* `dirstore` — `dir:PATH`, the embedded default (link()-atomic writes);
* `s3` — `s3://BUCKET/PREFIX`, any S3-compatible store via boto3, conditional
  writes with `If-None-Match: *`;
* `factory` — `open_store(cfg)`, which imports boto3 only for `s3://` stores
  (this package's import never does: the `dir:` cold start stays small).

Keys are relative, '/'-separated, e.g. `tips/2026-11-28/VG-....age` (the
layout's one owner is `vigie.core.layout`). Stored metadata is limited to size
and envelope version; no client detail of any kind.
"""

from .base import ObjectMissing, StoredObject, StoreUnavailable, TipStore, check_key
from .dirstore import DirStore
from .factory import open_store

__all__ = [
    "DirStore",
    "ObjectMissing",
    "StoreUnavailable",
    "StoredObject",
    "TipStore",
    "check_key",
    "open_store",
]
