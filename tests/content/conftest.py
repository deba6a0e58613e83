"""Fixtures for the content library: areas, a storage directory, images made on the spot."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.storage import LocalStorage, Storage, storage_for
from tests.content.factories import InterestAreaFactory


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def app_storage(app: Flask) -> Storage:
    return storage_for(app)


@pytest.fixture
def storage_area(session: Session) -> InterestArea:
    return InterestAreaFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})


@pytest.fixture
def cloud_area(session: Session) -> InterestArea:
    return InterestAreaFactory.create(slug="cloud", names={"en": "Cloud"})


class NamedFile(io.BytesIO):
    """An upload as the service sees it: bytes and the name the uploader's laptop gave them."""

    def __init__(self, data: bytes, filename: str = "picture.png") -> None:
        super().__init__(data)
        self.filename: str | None = filename


def image_bytes(
    size: tuple[int, int] = (800, 400), image_format: str = "PNG", colour: str = "#0b5cad", **options: object
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def black_png(side: int) -> bytes:
    """A real side x side PNG, 1 bit per pixel and all black: tiny on disk, huge in memory."""
    row = b"\x00" + bytes(side // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row * 1_000) for _ in range(side // 1_000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def pixel_bomb_png() -> bytes:
    """20,000 x 20,000 pixels (400 megapixels) in about 50 KB."""
    return black_png(20_000)
