"""The brand editor: every field checked, nothing unsafe saved, logos through the media service, a live preview."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from bench import kit_samples
from subscribers.models import Partner, PartnerUser
from tests.campaigns.portal.conftest import portal_client
from tests.conftest import csrf_token_from

GOOD = {
    "primary_color": "#0B5CAD",
    "accent_color": "#f5a623",
    "website": "https://acme-it.example",
    "phone": "020 555 0101",
    "email": "Hello@Acme-IT.example",
    "postal_address": "Herengracht 12\n1015 BZ Amsterdam",
    "tagline": "Your storage people",
}


def post_brand(client: FlaskClient, path: str = "/portal/brand", **changes: object) -> tuple[int, str]:
    data: dict[str, object] = {**GOOD, **changes, "csrf_token": csrf_token_from(client, "/portal/brand")}
    response = client.post(path, data=data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def editor(client: FlaskClient, marketer_at_acme: PartnerUser) -> FlaskClient:
    return portal_client(client, marketer_at_acme)


def test_a_good_brand_is_saved_with_the_phone_in_international_format(
    editor: FlaskClient, session: Session, acme: Partner
) -> None:
    version = acme.brand_version
    status, _page = post_brand(editor)
    assert status == 302
    session.refresh(acme)
    assert acme.brand_phone == "+31 20 555 0101"  # parsed in the partner's country
    assert (acme.brand_primary_color, acme.brand_email) == ("#0b5cad", "hello@acme-it.example")
    assert acme.brand_version != version


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("primary_color", "red;background:url(x)", "hexkleur"),
        ("accent_color", '#fff" onmouseover="x', "hexkleur"),
        ("website", "javascript:alert(1)", "https://"),
        ("tagline", "<b>Best</b> IT", "platte tekst"),
        ("phone", "12345", "telefoonnummer"),
        ("email", "not an address", "e-mailadres"),
    ],
)
def test_bad_values_get_field_errors_and_nothing_is_saved(
    editor: FlaskClient, session: Session, acme: Partner, field: str, value: str, message: str
) -> None:
    before = acme.brand_version
    status, page = post_brand(editor, **{field: value})
    assert status == 400
    assert message in page
    assert 'aria-invalid="true"' in page
    session.refresh(acme)
    assert acme.brand_version == before


def test_a_colour_that_white_text_cannot_be_read_on_is_flagged_with_a_readable_shade(editor: FlaskClient) -> None:
    status, page = post_brand(editor, primary_color="#f5e663")
    assert status == 302
    page = editor.get("/portal/brand").get_data(as_text=True)
    assert "Onder 4,5:1" in page
    assert "contrast--low" in page
    advice = editor.get("/portal/brand/advice?colour=%23f5e663").get_json()
    assert advice["readable"] is False
    assert advice["ratio"] < 4.5
    assert advice["suggestion"].startswith("#")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A tiny file whose header claims a huge picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "SVG"),
        (bomb_png(30_000, 30_000), "bomb.png", "pixels"),
        (bomb_png(30_000, 100), "wide.png", "30.000 x 100"),  # Sanne reads Dutch: 30.000
    ],
)
def test_unsafe_logos_are_refused_with_a_clear_message(
    editor: FlaskClient, acme: Partner, data: bytes, filename: str, message: str
) -> None:
    status, page = post_brand(editor, logo=(io.BytesIO(data), filename))
    assert status == 400
    assert message in page
    assert acme.logo_path == ""


def test_a_cmyk_logo_is_converted_and_stored(editor: FlaskClient, session: Session, acme: Partner) -> None:
    buffer = io.BytesIO()
    Image.new("CMYK", (400, 200), (0, 200, 200, 0)).save(buffer, "JPEG")
    status, _page = post_brand(editor, logo=(io.BytesIO(buffer.getvalue()), "cmyk.jpg"))
    assert status == 302
    session.refresh(acme)
    assert acme.logo_path.startswith("media/")
    assert "/media/" in editor.get("/portal/brand").get_data(as_text=True)


def test_the_preview_follows_unsaved_colours_and_logo_under_the_email_csp(editor: FlaskClient, acme: Partner) -> None:
    data: dict[str, object] = {
        **GOOD,
        "primary_color": "#7a1f5c",
        "csrf_token": csrf_token_from(editor, "/portal/brand"),
    }
    data["logo"] = (io.BytesIO(kit_samples.logo()), "logo.png")
    response = editor.post("/portal/brand/preview", data=data, content_type="multipart/form-data")
    status, html = response.status_code, response.get_data(as_text=True)
    assert status == 200
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "#7a1f5c" in html
    assert 'id="banner-preview"' in html
    assert "data:image/png;base64" in html
    assert acme.brand_primary_color == "#0b5cad"  # a preview saves nothing


def test_the_preview_of_a_bad_colour_explains_instead_of_rendering(editor: FlaskClient) -> None:
    data = {**GOOD, "primary_color": "red", "csrf_token": csrf_token_from(editor, "/portal/brand")}
    response = editor.post("/portal/brand/preview", data=data)
    assert response.status_code == 400
    assert "Verbeter de gemarkeerde velden" in response.get_data(as_text=True)


def test_the_preview_of_an_svg_logo_explains_in_the_marketers_language(editor: FlaskClient) -> None:
    data: dict[str, object] = {**GOOD, "csrf_token": csrf_token_from(editor, "/portal/brand")}
    data["logo"] = (io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'), "logo.svg")
    response = editor.post("/portal/brand/preview", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "SVG-bestanden worden niet geaccepteerd" in response.get_data(as_text=True)  # Sanne reads Dutch
