"""One storage interface, two homes: a local directory and an S3 bucket (moto's server on loopback)."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from core.config import load_settings
from core.storage import (
    LocalStorage,
    MissingObject,
    S3Storage,
    Storage,
    StorageUnavailable,
    content_key,
    sha256_hex,
    storage_from_settings,
)
from tests.s3 import Bucket


def s3_storage(bucket: Bucket, tmp_path: Path) -> Storage:
    environ = {"INSTANCE_DIR": str(tmp_path / "instance"), **bucket.environ()}
    return storage_from_settings(load_settings(environ))


@pytest.fixture(params=["directory", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "directory":
        return LocalStorage(tmp_path / "files")
    return s3_storage(request.getfixturevalue("s3_bucket"), tmp_path)


def test_files_are_written_read_streamed_and_deleted_by_key(storage: Storage, tmp_path: Path) -> None:
    key = content_key("media", sha256_hex(b"pixels"), "png")
    storage.write(key, b"pixels")
    assert storage.exists(key)
    assert storage.read(key) == b"pixels"
    big = tmp_path / "kit.zip"
    big.write_bytes(bytes(range(256)) * 4096)  # 1 MiB: several chunks
    storage.write_file("kits/ab/kit.zip", big)
    stored = storage.open("kits/ab/kit.zip")
    assert stored.size == big.stat().st_size
    assert b"".join(stored.chunks()) == big.read_bytes()
    storage.delete(key)
    assert not storage.exists(key)


def test_a_missing_file_says_so_rather_than_failing_with_a_store_error(storage: Storage) -> None:
    with pytest.raises(MissingObject):
        storage.read("kits/00/nothing.zip")
    with pytest.raises(MissingObject):
        storage.open("kits/00/nothing.zip")
    assert not storage.exists("kits/00/nothing.zip")


def test_writing_again_replaces_the_file_whole(storage: Storage) -> None:
    for version in (b"one", b"two"):
        storage.write("kits/a/b.zip", version)
    assert storage.read("kits/a/b.zip") == b"two"


def test_local_writes_leave_no_temporary_files_behind(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.write("kits/a/b.zip", b"one")
    (tmp_path / "source.zip").write_bytes(b"two")
    storage.write_file("kits/a/b.zip", tmp_path / "source.zip")
    assert [path.name for path in (tmp_path / "kits" / "a").iterdir()] == ["b.zip"]
    assert storage.read("kits/a/b.zip") == b"two"


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "media/../../x", "media//x", "Media/X", "media/x y", ""])
def test_keys_that_could_leave_the_storage_directory_or_prefix_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        storage.write(key, b"x")


def test_objects_live_under_the_configured_prefix_of_the_bucket(s3_bucket: Bucket, tmp_path: Path) -> None:
    storage = s3_storage(s3_bucket, tmp_path)
    storage.write("media/ab/ab12.png", b"pixels")
    assert s3_bucket.object_names() == ["channelcast/media/ab/ab12.png"]
    assert not (tmp_path / "instance" / "storage").exists()


def test_a_presigned_url_downloads_the_file_as_an_attachment_without_credentials(
    s3_bucket: Bucket, tmp_path: Path
) -> None:
    storage = s3_storage(s3_bucket, tmp_path)
    storage.write("kits/ab/ab12.zip", b"PK zip bytes")
    url = storage.download_url("kits/ab/ab12.zip", filename="kit-nl.zip", content_type="application/zip", seconds=60)
    assert url is not None
    assert url.startswith(s3_bucket.server.url)
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.read() == b"PK zip bytes"
        assert response.headers["Content-Disposition"] == 'attachment; filename="kit-nl.zip"'
    assert LocalStorage(tmp_path).download_url("kits/x.zip", filename="x", content_type="x", seconds=60) is None


def test_an_unreachable_store_raises_storage_unavailable_within_seconds(s3_bucket: Bucket, tmp_path: Path) -> None:
    storage = s3_storage(s3_bucket, tmp_path)
    assert isinstance(storage, S3Storage)
    storage.write("kits/ab/kept.zip", b"kept")
    started = time.monotonic()
    with s3_bucket.server.outage():
        with pytest.raises(StorageUnavailable):
            storage.write("kits/ab/new.zip", b"new")
        with pytest.raises(StorageUnavailable):
            storage.read("kits/ab/kept.zip")
    assert time.monotonic() - started < 20  # bounded retries, not a hang
    assert storage.read("kits/ab/kept.zip") == b"kept"
    assert not storage.exists("kits/ab/new.zip")
