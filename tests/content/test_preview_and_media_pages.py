import io

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from content.media import store_upload
from content.models import ContentStatus, InterestArea
from core.auth import User
from core.storage import Storage
from tests.conftest import csrf_token_from, sign_in
from tests.content.conftest import NamedFile, image_bytes
from tests.content.factories import ContentItemFactory

HOSTILE_BODY = "Hi <script>alert('x')</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"


def test_the_live_preview_renders_the_card_through_mjml_without_anything_hostile(
    client: FlaskClient, marketer: User
) -> None:
    sign_in(client, marketer)
    token = csrf_token_from(client, "/content/new")
    response = client.post(
        "/content/preview",
        data={
            "csrf_token": token,
            "kind": "event",
            "title": "Partner day <b>Berlin</b>",
            "summary": "Join us",
            "body": HOSTILE_BODY,
            "cta_label": "Register",
            "cta_url": "javascript:alert(2)",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.startswith("<!doctype html>")
    assert "Partner day &lt;b&gt;Berlin&lt;/b&gt;" in page
    assert "EVENT" in page
    lowered = page.lower()
    for forbidden in ("<script", "onerror", "javascript:", "alert("):
        assert forbidden not in lowered, forbidden
    assert ">Register<" not in page  # a button needs a safe link, else it is left out
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_preview_of_a_saved_item_falls_back_to_its_default_language(
    client: FlaskClient, marketer: User, storage_area: InterestArea
) -> None:
    item = ContentItemFactory.create(interest_areas=[storage_area], locales=("en", "de"), title="Neu")
    sign_in(client, marketer)
    assert "Neu (de)" in client.get(f"/content/{item.id}/preview?locale=de").get_data(as_text=True)
    assert "Neu (en)" in client.get(f"/content/{item.id}/preview?locale=pl").get_data(as_text=True)


def test_a_viewer_may_see_the_saved_preview_but_not_use_the_live_one(
    client: FlaskClient, viewer: User, storage_area: InterestArea
) -> None:
    item = ContentItemFactory.create(interest_areas=[storage_area], status=ContentStatus.DRAFT)
    sign_in(client, viewer)
    assert client.get(f"/content/{item.id}/preview").status_code == 200
    token = csrf_token_from(client, "/content/")
    assert client.post("/content/preview", data={"csrf_token": token, "kind": "article"}).status_code == 403


def test_renditions_are_served_with_long_caching_and_a_safe_content_type(
    client: FlaskClient, session: Session, app_storage: Storage
) -> None:
    asset = store_upload(session, app_storage, NamedFile(image_bytes((1600, 800))), uploaded_by=None)
    response = client.get(f"/media/{asset.sha256}/email-600")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.data)).size == (600, 300)
    again = client.get(f"/media/{asset.sha256}/email-600", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_only_known_renditions_of_known_images_are_served(
    client: FlaskClient, session: Session, app_storage: Storage
) -> None:
    asset = store_upload(session, app_storage, NamedFile(image_bytes()), uploaded_by=None)
    assert client.get(f"/media/{asset.sha256}/original").status_code == 404
    assert client.get(f"/media/{'0' * 64}/thumb").status_code == 404
    assert client.get("/media/..%2f..%2fetc%2fpasswd/thumb").status_code == 404
