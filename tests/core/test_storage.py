from pathlib import Path

import pytest

from core.storage import LocalStorage, content_key, sha256_hex


def test_files_are_written_read_and_deleted_by_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = content_key("media", sha256_hex(b"pixels"), "png")
    storage.write(key, b"pixels")
    assert storage.exists(key)
    assert storage.read(key) == b"pixels"
    storage.delete(key)
    assert not storage.exists(key)


def test_writes_leave_no_temporary_files_behind(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for version in (b"one", b"two"):
        storage.write("kits/a/b.zip", version)
    assert [path.name for path in (tmp_path / "kits" / "a").iterdir()] == ["b.zip"]
    assert storage.read("kits/a/b.zip") == b"two"


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "media/../../x", "media//x", "Media/X", "media/x y", ""])
def test_keys_that_could_leave_the_storage_directory_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        LocalStorage(tmp_path).write(key, b"x")
