"""Files the service keeps (images, their renditions, kits) behind one small interface.

`STORAGE_URL` chooses where: `file:///srv/channelcast/storage` (a directory on this machine, the
default under `instance/`) or `s3://bucket/prefix` (any S3-compatible object store, shared by every
web, scheduler and worker machine). Both behave the same to callers:

- Keys are relative paths made by our code (`media/ab/ab12....png`), never by a user: a key with
  `..`, a leading slash or odd characters is refused.
- A write is all or nothing: locally a temporary file in the same folder, then a rename; on S3 a
  single PUT (or a multipart upload, which only becomes visible when complete). A reader never
  sees half a file, and two writers of the same content-addressed key cannot corrupt it.
- A missing key raises `MissingObject`; a store that cannot be reached (after the client's own
  retries) raises `StorageUnavailable`, so callers can rebuild, retry later or say so, never 500.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app

from core.config import Settings
from core.files import write_atomically

if TYPE_CHECKING:
    from boto3.session import Session as BotoSession
    from mypy_boto3_s3 import S3Client

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*")
CHUNK_BYTES = 256 * 1024
log = logging.getLogger("channelcast.storage")


class MissingObject(KeyError):
    """No file under this key (never written, deleted, or lost by the store)."""


class StorageUnavailable(OSError):
    """The store did not answer (down, unreachable, refusing); nothing was written."""


class ByteStream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

    def close(self) -> None: ...


@dataclass
class StoredObject:
    """An open stored file: read it in chunks (`chunks()`) or whole (`stream.read()`); close it after."""

    stream: ByteStream
    size: int

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.stream.read(CHUNK_BYTES):
                yield chunk
        finally:
            self.stream.close()


class Storage(Protocol):
    """Where files live: a local directory or an S3 bucket."""

    def write(self, key: str, data: bytes) -> None: ...

    def write_file(self, key: str, path: Path) -> None:
        """Store a file from disk without holding it in memory (kits)."""

    def read(self, key: str) -> bytes: ...

    def open(self, key: str) -> StoredObject: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def download_url(self, key: str, *, filename: str, content_type: str, seconds: int) -> str | None:
        """A short-lived URL a browser can fetch the file from directly, or None: stream it yourself."""


def check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_key(prefix: str, digest: str, extension: str) -> str:
    """`prefix/ab/ab12...ef.ext`: two-letter folders keep directories small."""
    return check_key(f"{prefix}/{digest[:2]}/{digest}.{extension}")


class LocalStorage:
    """Files under one directory (`STORAGE_URL=file:///...`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data, prefix=".incoming-")

    def write_file(self, key: str, path: Path) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".incoming-{os.getpid()}-{threading.get_ident()}-{target.name}")
        try:
            with path.open("rb") as source, partial.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK_BYTES)
                out.flush()
                os.fsync(out.fileno())  # on disk before the rename makes it visible
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise MissingObject(key) from None

    def open(self, key: str) -> StoredObject:
        path = self.path(key)
        try:
            return StoredObject(path.open("rb"), path.stat().st_size)
        except FileNotFoundError:
            raise MissingObject(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def download_url(self, key: str, *, filename: str, content_type: str, seconds: int) -> str | None:
        return None  # the app streams local files itself


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "some/prefix" (no slashes at either end)
    endpoint_url: str = ""  # "" means AWS itself
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""
    session_token: str = ""


class S3Storage:
    """Objects in one bucket under an optional prefix, through boto3.

    The client is made lazily per process: kit builds fork a pool, gunicorn forks workers, and a
    boto3 client must not cross a fork.
    """

    def __init__(self, location: S3Location, *, attempts: int = 3, timeout_seconds: int = 10) -> None:
        self.location = location
        self.attempts = attempts
        self.timeout_seconds = timeout_seconds
        self._client: S3Client | None = None
        self._client_pid = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Storage(s3://{self.location.bucket}/{self.location.prefix})"

    @property
    def client(self) -> S3Client:
        with self._lock:
            if self._client is None or self._client_pid != os.getpid():
                self._client, self._client_pid = self._new_client(), os.getpid()
            return self._client

    def _new_client(self) -> S3Client:
        from botocore.config import Config

        where = self.location
        options: dict[str, Any] = {
            "config": Config(
                retries={"max_attempts": self.attempts, "mode": "standard"},
                connect_timeout=self.timeout_seconds,
                read_timeout=self.timeout_seconds * 3,
                signature_version="s3v4",
                s3={"addressing_style": "path" if where.endpoint_url else "auto"},
            )
        }
        if where.endpoint_url:
            options["endpoint_url"] = where.endpoint_url
        if where.region:
            options["region_name"] = where.region
        if where.access_key_id:  # else boto3's own chain: environment, ~/.aws, instance role
            options["aws_access_key_id"] = where.access_key_id
            options["aws_secret_access_key"] = where.secret_access_key
            if where.session_token:
                options["aws_session_token"] = where.session_token
        return _boto_session().client("s3", **options)

    def object_name(self, key: str) -> str:
        check_key(key)
        return f"{self.location.prefix}/{key}" if self.location.prefix else key

    def write(self, key: str, data: bytes) -> None:
        with _s3_errors(key):
            self.client.put_object(Bucket=self.location.bucket, Key=self.object_name(key), Body=data)

    def write_file(self, key: str, path: Path) -> None:
        # One PUT streamed from the file (kits are a few MB, far below S3's 5 GB for one request);
        # S3 shows the object only once all of it has arrived.
        with _s3_errors(key), path.open("rb") as source:
            self.client.put_object(Bucket=self.location.bucket, Key=self.object_name(key), Body=source)

    def read(self, key: str) -> bytes:
        stored = self.open(key)
        try:
            with _s3_errors(key):
                return stored.stream.read()
        finally:
            stored.stream.close()

    def open(self, key: str) -> StoredObject:
        with _s3_errors(key):
            answer = self.client.get_object(Bucket=self.location.bucket, Key=self.object_name(key))
        return StoredObject(answer["Body"], int(answer["ContentLength"]))

    def exists(self, key: str) -> bool:
        try:
            with _s3_errors(key):
                self.client.head_object(Bucket=self.location.bucket, Key=self.object_name(key))
        except MissingObject:
            return False
        return True

    def delete(self, key: str) -> None:
        with _s3_errors(key):
            self.client.delete_object(Bucket=self.location.bucket, Key=self.object_name(key))

    def download_url(self, key: str, *, filename: str, content_type: str, seconds: int) -> str | None:
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self.object_name(key),
                "ResponseContentDisposition": f'attachment; filename="{safe_name}"',
                "ResponseContentType": content_type,
            },
            ExpiresIn=seconds,
        )
        return url


_sessions: dict[int, BotoSession] = {}
_sessions_lock = threading.Lock()


def _boto_session() -> BotoSession:
    """One boto3 session per process: making a client from it reuses the parsed service models
    (about a second saved per client), and sessions, like clients, must not cross a fork."""
    import boto3

    with _sessions_lock:
        return _sessions.setdefault(os.getpid(), boto3.session.Session())


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    """botocore's errors as ours: a missing key is MissingObject, anything unreachable StorageUnavailable."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in ("NoSuchKey", "404", "NotFound") or status == 404:
            raise MissingObject(key) from None
        if status >= 500 or code in ("SlowDown", "ServiceUnavailable", "RequestTimeout"):
            raise StorageUnavailable(f"object storage answered {status} {code} for {key}") from error
        raise  # a 403 or a missing bucket is a configuration mistake: fail loudly
    except (BotoCoreError, ConnectionError, TimeoutError) as error:
        raise StorageUnavailable(f"object storage unreachable for {key}: {error}") from error


def parse_storage_url(url: str) -> tuple[str, str, str]:
    """`file:///dir` -> ("file", "/dir", ""); `s3://bucket/prefix` -> ("s3", "bucket", "prefix")."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file", parts.path, ""
    return parts.scheme, parts.netloc, parts.path.strip("/")


def storage_from_settings(settings: Settings) -> Storage:
    """The storage STORAGE_URL names (checked by core.config): a directory or a bucket."""
    scheme, where, prefix = parse_storage_url(settings.storage_url)
    if scheme == "file":
        return LocalStorage(Path(where))
    return S3Storage(
        S3Location(
            bucket=where,
            prefix=prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.aws_region,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=settings.aws_secret_access_key,
            session_token=settings.aws_session_token,
        )
    )


def init_app(app: Flask, storage: Storage) -> None:
    app.extensions["channelcast.storage"] = storage


def storage_for(app: Flask | None = None) -> Storage:
    """The app's storage (the current app's when none is given)."""
    storage: Storage = (app or current_app).extensions["channelcast.storage"]
    return storage
