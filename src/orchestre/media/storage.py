"""Where media files are kept: a local folder (the default) or an S3-compatible object store.

Every read and write of a stored media file goes through a `MediaStorage`, addressed by the
asset's key (`<workspace id>/<media id>.<ext>`). Keys are never reused (a new file gets a new
media id), so a local copy of an object, once downloaded, stays true: the S3 storage keeps
such copies under `<media root>/.cache/` for the work that needs a file on disk (probing,
image and video conversion, the connectors' uploads to networks).

The application keeps enforcing workspace permissions on downloads: the route checks the
asset first, then streams the bytes or redirects to a presigned address that expires within
minutes (`Settings.media_s3_downloads`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from orchestre.config import Settings
from orchestre.errors import NotFound

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
CACHE = ".cache"
INCOMING = ".incoming"


class StorageUnavailable(OSError):
    """The object store refused or could not be reached: worth trying again later."""


def _missing(key: str) -> NotFound:
    return NotFound(
        "The file of this media is missing from storage; upload it again.",
        code="media_file_missing",
    )


class MediaStorage(Protocol):
    """The operations media work needs, whatever keeps the bytes."""

    @property
    def work_dir(self) -> Path:
        """A folder on this machine for temporary files (uploads being received, conversions)."""

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Store a local file under `key`; the source file is moved or removed."""

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def read_bytes(self, key: str) -> bytes: ...

    def local_path(self, key: str) -> Path:
        """A file on this machine with the object's bytes (NotFound when absent)."""

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks, for streaming (NotFound when absent)."""

    def exists(self, key: str) -> bool: ...

    def delete(self, *keys: str) -> None:
        """Remove the objects (absent ones are ignored)."""

    def presigned_url(self, key: str, content_type: str, filename: str) -> str | None:
        """A short-lived download address, or None: the application serves the bytes."""


@dataclass
class LocalStorage:
    """Files in a folder: `<root>/<key>`."""

    root: Path

    @property
    def work_dir(self) -> Path:
        return self.root / INCOMING

    def _path(self, key: str) -> Path:
        root = self.root.resolve()
        path = (root / key).resolve()
        if not key or not path.is_relative_to(root) or path == root:
            raise _missing(key)
        return path

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, final)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        final.write_bytes(data)

    def read_bytes(self, key: str) -> bytes:
        return self.local_path(key).read_bytes()

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise _missing(key)
        return path

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        path = self.local_path(key)
        return _file_chunks(path)

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except NotFound:
            return False

    def delete(self, *keys: str) -> None:
        for key in keys:
            with contextlib.suppress(FileNotFoundError, NotFound):
                self._path(key).unlink()

    def presigned_url(self, key: str, content_type: str, filename: str) -> str | None:
        return None


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


@dataclass(frozen=True)
class S3Config:
    """An S3-compatible bucket and how to reach it (the secret never appears in repr)."""

    bucket: str
    endpoint_url: str | None
    region: str
    access_key_id: str | None
    secret_access_key: str | None
    prefix: str = ""
    addressing_style: str = "path"
    url_seconds: int = 300

    def __repr__(self) -> str:
        return f"S3Config(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"


class S3Storage:
    """Objects in a bucket of any S3-compatible store (AWS S3, MinIO, Garage, Ceph, ...)."""

    def __init__(self, config: S3Config, cache_root: Path, *, redirect: bool = False) -> None:
        import boto3  # imported here: a local-disk deployment never loads it
        from botocore.config import Config

        self.config = config
        self.cache_root = cache_root
        self.redirect = redirect
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": config.addressing_style},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            ),
        )

    @property
    def work_dir(self) -> Path:
        return self.cache_root / INCOMING

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise _missing(key)
        return self.config.prefix + key

    def _call(self, key: str, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(
                Bucket=self.config.bucket, Key=self._key(key), **kwargs
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404", "NotFound"):
                raise _missing(key) from exc
            log.warning("media storage: %s of an object failed (%s)", operation, code)
            raise StorageUnavailable(f"media storage refused {operation} ({code})") from exc
        except BotoCoreError as exc:
            log.warning("media storage: %s failed (%s)", operation, type(exc).__name__)
            raise StorageUnavailable(f"media storage unreachable ({type(exc).__name__})") from exc

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        try:
            with source.open("rb") as handle:
                self._call(key, "put_object", Body=handle, ContentType=content_type)
        finally:
            source.unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._call(key, "put_object", Body=data, ContentType=content_type)

    def read_bytes(self, key: str) -> bytes:
        answer = self._call(key, "get_object")
        data: bytes = answer["Body"].read()
        return data

    def local_path(self, key: str) -> Path:
        self._key(key)
        cached = self.cache_root / CACHE / key
        if cached.is_file():
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        answer = self._call(key, "get_object")
        with tempfile.NamedTemporaryFile(dir=cached.parent, delete=False, suffix=".part") as out:
            temp = Path(out.name)
            try:
                shutil.copyfileobj(answer["Body"], out, CHUNK_BYTES)
            except BaseException:
                out.close()
                temp.unlink(missing_ok=True)
                raise
        os.replace(temp, cached)
        return cached

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        body = self._call(key, "get_object")["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                while chunk := body.read(CHUNK_BYTES):
                    yield chunk
            finally:
                body.close()

        return chunks()

    def exists(self, key: str) -> bool:
        try:
            self._call(key, "head_object")
        except NotFound:
            return False
        return True

    def delete(self, *keys: str) -> None:
        for key in keys:
            with contextlib.suppress(NotFound):
                self._call(key, "delete_object")
            (self.cache_root / CACHE / key).unlink(missing_ok=True)

    def presigned_url(self, key: str, content_type: str, filename: str) -> str | None:
        if not self.redirect:
            return None
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.config.bucket,
                "Key": self._key(key),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f"inline; filename*=UTF-8''{quote(filename)}",
            },
            ExpiresIn=self.config.url_seconds,
        )
        return url


_shared: dict[tuple[object, ...], S3Storage] = {}


def media_storage(settings: Settings) -> MediaStorage:
    """The storage the settings name (`ORCHESTRE_MEDIA_STORAGE=local|s3`).

    S3 clients are kept per configuration: creating one reads botocore's data files.
    """
    if settings.media_storage == "local":
        return LocalStorage(settings.media_dir)
    if not settings.media_s3_bucket:
        raise ValueError("ORCHESTRE_MEDIA_S3_BUCKET is required when ORCHESTRE_MEDIA_STORAGE=s3")
    secret = settings.media_s3_secret_access_key
    config = S3Config(
        bucket=settings.media_s3_bucket,
        endpoint_url=settings.media_s3_endpoint_url,
        region=settings.media_s3_region,
        access_key_id=settings.media_s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
        prefix=settings.media_s3_prefix,
        addressing_style=settings.media_s3_addressing_style,
        url_seconds=settings.media_s3_url_seconds,
    )
    redirect = settings.media_s3_downloads == "redirect"
    ident = (config.bucket, config.endpoint_url, config.region, config.access_key_id,
             config.secret_access_key, config.prefix, config.addressing_style,
             config.url_seconds, str(settings.media_dir), redirect)  # fmt: skip
    storage = _shared.get(ident)
    if storage is None:
        storage = _shared[ident] = S3Storage(config, settings.media_dir, redirect=redirect)
    return storage
