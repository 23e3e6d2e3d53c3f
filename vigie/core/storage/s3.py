"""S3-compatible backend (AWS S3, SeaweedFS, ...) for the TipStore interface.

Writes are conditional (`If-None-Match: *`), so a retried submission can never
overwrite or duplicate a tip. Server-side encryption is requested from AWS
(`SSE-S3`); stores that do not support the header are configured without it
via an endpoint URL. Timeouts are short: a slow store must turn into a 503 the
browser can retry, not a Lambda that hangs until API Gateway's 29 s limit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from ..config import IntakeConfig
from ..layout import READY_KEY
from .base import ObjectMissing, StoredObject, StoreUnavailable, check_key

# Error codes meaning "an object already exists under that key".
_EXISTS = {"PreconditionFailed", "412"}


def make_s3_client(cfg: IntakeConfig) -> Any:
    """A boto3 S3 client for the configured endpoint (imported lazily: cold start)."""
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3",
        region_name=cfg.s3_region,
        endpoint_url=cfg.s3_endpoint_url or None,
        config=BotoConfig(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"} if cfg.s3_endpoint_url else None,
        ),
    )


class S3Store:
    def __init__(self, client: Any, bucket: str, prefix: str, sse: bool) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.sse = sse
        self.description = f"s3://{bucket}/{self.prefix}"

    @classmethod
    def from_config(cls, cfg: IntakeConfig, client: Any = None) -> S3Store:
        bucket, _, prefix = cfg.store[len("s3://") :].partition("/")
        # SSE-S3 is requested on AWS itself; other S3 stores encrypt (or not) at rest
        # by their own configuration and may reject the header.
        return cls(client or make_s3_client(cfg), bucket, prefix, sse=not cfg.s3_endpoint_url)

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_new(self, key: str, data: bytes, metadata: Mapping[str, str] | None = None) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        extra: dict[str, Any] = {"Metadata": dict(metadata or {})}
        if self.sse:
            extra["ServerSideEncryption"] = "AES256"
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*", **extra
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _EXISTS:
                return False
            raise StoreUnavailable(f"storage refused the write ({code or 'error'})") from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"storage unreachable ({type(exc).__name__})") from None
        return True

    def stored(self, key: str, marker: str) -> bool:
        """True if `key` is known stored: its empty `marker` exists (one HEAD).

        Why a marker: the intake may not read tips (P10), and the conditional
        write alone answers 412 only after the whole body has crossed (SeaweedFS
        reads it first even with `Expect: 100-continue`; AWS documents early
        refusals on headers but not that `If-None-Match` is one of them). The
        marker is written after its tip, so a marker seen means the tip was
        stored; a missing or unreadable one means "not known", and the
        conditional write still decides (one more upload, never a second tip).
        """
        try:
            return self.exists(marker)
        except StoreUnavailable:
            return False

    def put_once(
        self, key: str, data: bytes, metadata: Mapping[str, str] | None, marker: str
    ) -> bool:
        """`put_new`, then the `marker` that lets `stored` answer for it."""
        created = self.put_new(key, data, metadata)
        # The tip is stored: answer so even if the marker is not (the next replay
        # just uploads once more, and the conditional write refuses it).
        with contextlib.suppress(StoreUnavailable):
            self.put_new(marker, b"", metadata)
        return created

    def probe(self) -> None:
        """Readiness, read-only once ready: a HEAD of the fixed marker `intake/ready`.

        Only when the marker is not there yet (or the role may not read it) does
        the probe write it, with a conditional put (412 if it exists, which S3
        answers only after authenticating the request). So a health check costs
        one HEAD, never a write, once the marker exists.
        """
        if not self.exists(READY_KEY):
            self.put_new(READY_KEY, b"ok")

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            # 404: absent. 403: absent too, as S3 answers a role that may read
            # objects but not list the bucket (or a role that may not read).
            if code in {"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"}:
                return False
            raise StoreUnavailable(f"storage refused the check ({code or 'error'})") from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"storage unreachable ({type(exc).__name__})") from None
        return True

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        from botocore.exceptions import BotoCoreError, ClientError

        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        cut = len(self.prefix) + 1 if self.prefix else 0
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(key=item["Key"][cut:], size=int(item["Size"]))
        except (ClientError, BotoCoreError):
            raise StoreUnavailable("storage listing failed") from None

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in {"NoSuchKey", "404"}:
                raise ObjectMissing(key) from None
            raise StoreUnavailable("storage read failed") from None
        except BotoCoreError:
            raise StoreUnavailable("storage unreachable") from None

    def get_optional(self, key: str) -> bytes | None:
        """None for a missing key. The intake's role may read `replies/` but not
        list the bucket, and S3 then answers 403 AccessDenied (not 404) for a
        key that does not exist: it will not say what exists to someone who
        cannot list. Both mean "no message in this slot" here; a real
        permission fault looks the same and the reporter simply sees nothing
        (tests/test_deploy.py pins the role)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code"))
            if code in {"NoSuchKey", "404", "AccessDenied", "403"}:
                return None
            raise StoreUnavailable("storage read failed") from None
        except BotoCoreError:
            raise StoreUnavailable("storage unreachable") from None

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError):
            raise StoreUnavailable("storage delete failed") from None
