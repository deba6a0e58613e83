import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from content.models import ContentItem, ContentStatus, InterestArea, MediaAsset
from core.auth import User
from core.storage import LocalStorage, storage_for
from tests.conftest import csrf_token_from, sign_in
from tests.content.conftest import image_bytes
from tests.content.factories import ContentItemFactory

S = ContentStatus


def item_form(client: FlaskClient, area: InterestArea, url: str = "/content/new", **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": csrf_token_from(client, url),
        "kind": "announcement",
        "interest_areas": [str(area.id)],
        "default_locale": "en",
        "publish_at": "2026-03-02T10:00",
        "expires_at": "",
        "priority": "60",
        "cta_url": "https://partners.example.com/prices",
        "text_en-title": "StorArray S5 now available",
        "text_en-summary": "Order codes are live.",
        "text_en-body": "From today you can **quote** it.",
        "text_en-cta_label": "See the price list",
        "text_nl-title": "StorArray S5 nu te bestellen",
        "text_nl-cta_label": "Bekijk de prijslijst",
    }
    form.update(overrides)
    return form


def items(session: Session) -> list[ContentItem]:
    return list(session.scalars(select(ContentItem).order_by(ContentItem.id)))


def test_a_marketer_creates_an_item_in_two_languages_with_times_entered_in_their_zone(
    client: FlaskClient, session: Session, marketer: User, storage_area: InterestArea
) -> None:
    sign_in(client, marketer)
    response = client.post("/content/new", data=item_form(client, storage_area))
    [item] = items(session)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/content/{item.id}"
    assert item.status is S.DRAFT
    assert [(v.locale, v.title, v.cta_label) for v in item.variants] == [
        ("en", "StorArray S5 now available", "See the price list"),
        ("nl", "StorArray S5 nu te bestellen", "Bekijk de prijslijst"),
    ]
    # Europe/Amsterdam is UTC+1 in March: 10:00 there is 09:00 UTC.
    assert item.publish_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert item.interest_areas == [storage_area]
    page = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert 'value="2026-03-02T10:00"' in page


def test_an_image_uploaded_with_the_item_becomes_its_hero_image_and_is_previewed(
    client: FlaskClient, session: Session, marketer: User, storage_area: InterestArea
) -> None:
    sign_in(client, marketer)
    form = item_form(client, storage_area, image=(io.BytesIO(image_bytes((900, 450))), "hero.png"))
    client.post("/content/new", data=form, content_type="multipart/form-data")
    [item] = items(session)
    assert item.hero_image is not None
    assert item.hero_image.original_filename == "hero.png"
    page = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert f"/media/{item.hero_image.sha256}/thumb" in page


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        (
            {"publish_at": "2026-03-10T10:00", "expires_at": "2026-03-09T10:00"},
            "publish_at",
            "not before the expiry time",
        ),
        ({"publish_at": "2026-03-29T02:30"}, "publish_at", "does not exist in Europe/Amsterdam"),
        ({"cta_url": "javascript:alert(1)"}, "cta_url", "starts with https://"),
        ({"cta_url": "ftp://files.example.com/x"}, "cta_url", "starts with https://"),
        ({"text_en-title": "x" * 201}, "text_en-title", "Keep the title to 200 characters; it has 201"),
        ({"text_de-title": "y" * 250}, "text_de-title", "Keep the title to 200 characters; it has 250"),
        (
            {"text_en-title": "", "text_en-summary": "", "text_en-body": "", "text_en-cta_label": ""},
            "text_en-title",
            "The default language needs a title",
        ),
        ({"text_en-title": ""}, "text_en-title", "Give this language a title"),
        ({"text_fr-summary": "Un résumé sans titre"}, "text_fr-title", "Give this language a title"),
        ({"text_en-cta_label": ""}, "text_en-cta_label", "Give the button a label in this language"),
        ({"text_nl-cta_label": ""}, "text_nl-cta_label", "Give the button a label in this language"),
        ({"text_nl-cta_url": "javascript:alert(1)"}, "text_nl-cta_url", "starts with https://"),
        (
            {"cta_url": "", "text_nl-cta_label": ""},
            "text_en-cta_label",
            "Give the button's web address, or clear its label",
        ),
    ],
)
def test_a_bad_value_gets_a_form_error_on_its_own_field_and_nothing_is_saved(
    client: FlaskClient,
    session: Session,
    marketer: User,
    storage_area: InterestArea,
    overrides: dict[str, str],
    field_id: str,
    message: str,
) -> None:
    sign_in(client, marketer)
    response = client.post("/content/new", data=item_form(client, storage_area, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    errors = re.findall(rf'<p class="field__error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    assert len(errors) == 1
    assert message in html.unescape(errors[0])
    assert re.search(rf'aria-describedby="[^"]*{re.escape(field_id)}-error"[^>]*id="{re.escape(field_id)}"', page)
    assert items(session) == []


def test_a_60_mb_upload_gets_the_413_page_and_nothing_is_stored(
    app: Flask, client: FlaskClient, session: Session, marketer: User, storage_area: InterestArea
) -> None:
    sign_in(client, marketer)
    form = item_form(
        client, storage_area, image=FileStorage(io.BytesIO(b"\x89PNG" + bytes(60 * 1024 * 1024)), "huge.png")
    )
    # Encoded in memory: werkzeug's test client would spool 60 MB to a temporary file it never closes.
    boundary, body = encode_multipart(MultiDict(form))
    response = client.post("/content/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)
    assert items(session) == []
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 0
    store = storage_for(app)
    root = store.root if isinstance(store, LocalStorage) else None
    assert root is None or not any(path.is_file() for path in root.rglob("*"))


def test_an_html_file_named_png_is_refused_on_the_image_field(
    client: FlaskClient, session: Session, marketer: User, storage_area: InterestArea
) -> None:
    sign_in(client, marketer)
    form = item_form(client, storage_area, image=(io.BytesIO(b"<html><script>alert(1)</script></html>"), "cat.png"))
    response = client.post("/content/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'id="image-error">This file is not a PNG, JPEG, WebP or GIF image' in response.get_data(as_text=True)
    assert items(session) == []


def test_saving_without_the_csrf_token_is_refused(
    client: FlaskClient, session: Session, marketer: User, storage_area: InterestArea
) -> None:
    sign_in(client, marketer)
    form = item_form(client, storage_area)
    del form["csrf_token"]
    response = client.post("/content/new", data=form)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert items(session) == []


def test_a_viewer_reads_an_item_but_cannot_change_or_move_it(
    client: FlaskClient, session: Session, viewer: User, storage_area: InterestArea
) -> None:
    item = ContentItemFactory.create(status=S.DRAFT, interest_areas=[storage_area], title="Read me")
    sign_in(client, viewer)
    page = client.get(f"/content/{item.id}").get_data(as_text=True)
    assert "Read me (en)" in page
    assert "You can read this item" in page
    assert ">Save</button>" not in page
    assert "Send for review" not in page
    token = csrf_token_from(client, "/content/")
    assert client.post(f"/content/{item.id}", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/content/{item.id}/move", data={"csrf_token": token, "to": "in_review"}).status_code == 403
    assert client.get("/content/new").status_code == 403
    session.refresh(item)
    assert item.status is S.DRAFT


def test_signed_out_visitors_are_sent_to_sign_in_and_unknown_items_are_404(client: FlaskClient, marketer: User) -> None:
    assert client.get("/content/").status_code == 302
    sign_in(client, marketer)
    assert client.get("/content/999999").status_code == 404


def test_moving_an_item_through_the_workflow_from_the_editor(
    client: FlaskClient, session: Session, marketer: User, storage_area: InterestArea
) -> None:
    item = ContentItemFactory.create(status=S.DRAFT, interest_areas=[storage_area], publish_at=None)
    sign_in(client, marketer)
    token = csrf_token_from(client, f"/content/{item.id}")
    client.post(f"/content/{item.id}/move", data={"csrf_token": token, "to": "in_review"})
    page = client.post(f"/content/{item.id}/move", data={"csrf_token": token, "to": "archived"}, follow_redirects=True)
    session.refresh(item)
    assert item.status is S.ARCHIVED
    assert "The item is now: Archived." in page.get_data(as_text=True)
    refused = client.post(
        f"/content/{item.id}/move", data={"csrf_token": token, "to": "published"}, follow_redirects=True
    )
    assert "state Archived cannot move to Published" in refused.get_data(as_text=True)
    session.refresh(item)
    assert item.status is S.ARCHIVED


def test_the_library_filters_by_area_kind_status_missing_language_tier_and_title(
    client: FlaskClient, marketer: User, storage_area: InterestArea, cloud_area: InterestArea
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], title="Flash array launch", locales=("en", "nl"))
    ContentItemFactory.create(
        interest_areas=[cloud_area], title="Cloud credits", status=S.DRAFT, allowed_tiers=("platinum",)
    )
    sign_in(client, marketer)

    def listed(query: str) -> list[str]:
        page = client.get(f"/content/?{query}").get_data(as_text=True)
        return [title for title in ("Flash array launch", "Cloud credits") if title in page]

    assert listed("") == ["Flash array launch", "Cloud credits"]
    assert listed(f"area={cloud_area.id}") == ["Cloud credits"]
    assert listed("status=draft") == ["Cloud credits"]
    assert listed("kind=event") == []
    assert listed("missing=nl") == ["Cloud credits"]
    assert listed("tier=gold") == ["Flash array launch"]
    assert listed("q=FLASH") == ["Flash array launch"]
    assert listed("q=100%25") == []
    assert listed("status=nonsense&kind=<script>") == ["Flash array launch", "Cloud credits"]


def test_the_library_marks_missing_translations(
    client: FlaskClient, marketer: User, storage_area: InterestArea
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], locales=("en", "de"))
    page = sign_in(client, marketer).get("/content/").get_data(as_text=True)
    missing = page.split("Missing:")[1].split("</td>")[0]
    assert '<span lang="sv">Svenska</span>' in missing
    assert "Deutsch" not in missing
