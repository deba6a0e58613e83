"""Files the service keeps (images, their renditions, kits) behind one small interface.

Keys are relative paths made by our code (`media/ab/ab12....png`), never by a user: a key with
`..`, a leading slash or odd characters is refused. Writes are atomic (a temporary file in the
same folder, then a rename), so a reader never sees half a file and two writers of the same
content-addressed key cannot corrupt it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

from core.files import write_atomically

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*")


class Storage(Protocol):
    """Where files live; the local directory is the default, object storage could follow."""

    def write(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


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
    """Files under one directory (STORAGE_DIR)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data, prefix=".incoming-")

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def init_app(app: Flask, root: Path) -> None:
    app.extensions["channelcast.storage"] = LocalStorage(root)


def storage_for(app: Flask | None = None) -> Storage:
    """The app's storage (the current app's when none is given)."""
    storage: Storage = (app or current_app).extensions["channelcast.storage"]
    return storage
