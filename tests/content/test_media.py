import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.media import RENDITIONS, MediaError, MediaLimits, display_name, master_key, rendition, store_upload
from content.models import MediaAsset
from core.auth import User
from core.storage import LocalStorage
from tests.content.conftest import NamedFile, black_png, image_bytes

pytestmark = pytest.mark.usefixtures("session")


def stored_files(storage: LocalStorage) -> list[str]:
    return sorted(str(path.relative_to(storage.root)) for path in storage.root.rglob("*") if path.is_file())


def asset_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(MediaAsset)) or 0


def test_a_png_is_stored_under_its_hash_with_its_size_and_the_uploader(
    session: Session, storage: LocalStorage, marketer: User
) -> None:
    asset = store_upload(
        session, storage, NamedFile(image_bytes((800, 400)), "Launch banner.png"), uploaded_by=marketer
    )
    assert (asset.width, asset.height, asset.format) == (800, 400, "png")
    assert asset.original_filename == "Launch banner.png"
    assert asset.uploaded_by == marketer
    assert stored_files(storage) == [master_key(asset)]
    assert master_key(asset) == f"media/{asset.sha256[:2]}/{asset.sha256}.png"


def test_the_same_picture_uploaded_twice_is_one_asset(session: Session, storage: LocalStorage) -> None:
    first = store_upload(session, storage, NamedFile(image_bytes(), "a.png"), uploaded_by=None)
    second = store_upload(session, storage, NamedFile(image_bytes(), "b.png"), uploaded_by=None)
    assert first.id == second.id
    assert asset_count(session) == 1


def test_a_filename_with_dot_dot_slash_is_only_a_label_and_never_a_path(
    session: Session, storage: LocalStorage
) -> None:
    asset = store_upload(session, storage, NamedFile(image_bytes(), "../../../etc/passwd.png"), uploaded_by=None)
    assert asset.original_filename == "passwd.png"
    assert all(path.startswith("media/") for path in stored_files(storage))
    assert not (storage.root.parent / "etc").exists()


@pytest.mark.parametrize(
    ("name", "shown"),
    [("..\\..\\boot.ini.png", "boot.ini.png"), (".hidden.png", "hidden.png"), ("ok\x00\n.png", "ok.png"), (None, "")],
)
def test_uploaded_names_are_cleaned_for_display(name: str | None, shown: str) -> None:
    assert display_name(name) == shown


def test_a_huge_pixel_count_in_a_small_png_is_refused_as_too_many_pixels(
    session: Session, storage: LocalStorage, pixel_bomb_png: bytes
) -> None:
    assert len(pixel_bomb_png) < 120_000
    with pytest.raises(MediaError, match="too many pixels: 20,000 x 20,000"):
        store_upload(session, storage, NamedFile(pixel_bomb_png, "bomb.png"), uploaded_by=None)
    assert stored_files(storage) == []
    assert asset_count(session) == 0


def test_pillows_own_bomb_guard_is_caught_and_explained(session: Session, storage: LocalStorage) -> None:
    """Past twice Pillow's limit, Pillow refuses while reading the header: a message, not a crash."""
    bomb = black_png(30_000)
    limits = MediaLimits(max_bytes=10_000_000, max_pixels=10**12)
    with pytest.raises(MediaError, match="too many pixels to process safely"):
        store_upload(session, storage, NamedFile(bomb, "bomb.png"), uploaded_by=None, limits=limits)


def test_a_limit_above_pillows_is_capped_at_pillows(
    session: Session, storage: LocalStorage, pixel_bomb_png: bytes
) -> None:
    limits = MediaLimits(max_bytes=10_000_000, max_pixels=10**12)
    with pytest.raises(MediaError, match="the most we accept is 200"):
        store_upload(session, storage, NamedFile(pixel_bomb_png, "bomb.png"), uploaded_by=None, limits=limits)


def test_an_html_file_named_png_is_refused(session: Session, storage: LocalStorage) -> None:
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    with pytest.raises(MediaError, match="not a PNG, JPEG, WebP or GIF image"):
        store_upload(session, storage, NamedFile(html, "innocent.png"), uploaded_by=None)
    assert stored_files(storage) == []


def test_an_svg_is_refused_with_a_request_for_png_jpeg_or_webp(session: Session, storage: LocalStorage) -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    with pytest.raises(MediaError, match="Export the image as PNG, JPEG or WebP"):
        store_upload(session, storage, NamedFile(svg, "logo.svg"), uploaded_by=None)


def test_a_truncated_image_is_refused_as_damaged(session: Session, storage: LocalStorage) -> None:
    with pytest.raises(MediaError, match="damaged or incomplete"):
        store_upload(session, storage, NamedFile(image_bytes(image_format="JPEG")[:400], "cut.jpg"), uploaded_by=None)


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(session: Session, storage: LocalStorage) -> None:
    with pytest.raises(MediaError, match="larger than 1 MB"):
        store_upload(
            session,
            storage,
            NamedFile(b"\x00" * 3_000_000),
            uploaded_by=None,
            limits=MediaLimits(max_bytes=1024 * 1024),
        )


def test_a_gif_with_500_frames_keeps_only_its_first_frame(session: Session, storage: LocalStorage) -> None:
    frames = [Image.new("P", (40, 30), color=index % 200) for index in range(500)]
    frames[0] = Image.new("RGB", (40, 30), "#ff0000").convert("P")
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0)
    asset = store_upload(session, storage, NamedFile(buffer.getvalue(), "anim.gif"), uploaded_by=None)
    stored = Image.open(io.BytesIO(storage.read(master_key(asset))))
    assert stored.format == "PNG"
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_exif_orientation_is_applied_and_every_piece_of_metadata_is_dropped(
    session: Session, storage: LocalStorage
) -> None:
    photo = Image.new("RGB", (60, 20), "#336699")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 22.0, 0.0)  # where the photo was taken
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", exif=exif, comment=b"taken at home")
    asset = store_upload(session, storage, NamedFile(buffer.getvalue(), "IMG_0001.JPG"), uploaded_by=None)
    assert (asset.width, asset.height, asset.format) == (20, 60, "jpeg")
    stored = Image.open(io.BytesIO(storage.read(master_key(asset))))
    assert dict(stored.getexif()) == {}
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(stored.info)


def test_webp_uploads_are_accepted_and_stored_as_jpeg(session: Session, storage: LocalStorage) -> None:
    asset = store_upload(session, storage, NamedFile(image_bytes(image_format="WEBP"), "pic.webp"), uploaded_by=None)
    assert asset.format == "jpeg"


def test_transparency_survives_as_png(session: Session, storage: LocalStorage) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(buffer, "PNG")
    asset = store_upload(session, storage, NamedFile(buffer.getvalue(), "logo.png"), uploaded_by=None)
    assert rendition(storage, asset, "thumb").content_type == "image/png"


@pytest.mark.parametrize(
    ("kind", "size"),
    [
        ("email-600", (600, 300)),
        ("email-1200", (1200, 600)),
        ("social-1200x628", (1200, 628)),
        ("social-1080x1080", (1080, 1080)),
        ("thumb", (320, 160)),
    ],
)
def test_renditions_have_their_standard_sizes(
    session: Session, storage: LocalStorage, kind: str, size: tuple[int, int]
) -> None:
    asset = store_upload(session, storage, NamedFile(image_bytes((2000, 1000))), uploaded_by=None)
    image = rendition(storage, asset, kind)
    assert image.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == size


def test_renditions_are_made_once_and_read_from_storage_afterwards(session: Session, storage: LocalStorage) -> None:
    asset = store_upload(session, storage, NamedFile(image_bytes((1000, 500))), uploaded_by=None)
    first = rendition(storage, asset, "email-600")
    key = f"renditions/{asset.sha256[:2]}/{asset.sha256}/email-600"
    storage.write(key, first.data + b"marker")  # if it were made again, the marker would vanish
    assert rendition(storage, asset, "email-600").data.endswith(b"marker")


def test_small_images_are_not_blown_up_for_email(session: Session, storage: LocalStorage) -> None:
    asset = store_upload(session, storage, NamedFile(image_bytes((300, 200))), uploaded_by=None)
    assert Image.open(io.BytesIO(rendition(storage, asset, "email-1200").data)).size == (300, 200)


def test_every_rendition_kind_is_listed() -> None:
    assert set(RENDITIONS) == {"email-600", "email-1200", "social-1200x628", "social-1080x1080", "thumb"}
