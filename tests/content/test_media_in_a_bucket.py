"""Images in an S3 bucket (moto's server on loopback): renditions made once and served from it, a lost one
made again, and an unreachable store an error the uploader or the email client can live with."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from content.media import MediaError, rendition_key, store_upload
from content.models import MediaAsset
from core.config import Settings
from core.storage import storage_for
from tests.conftest import make_settings
from tests.content.conftest import NamedFile, image_bytes
from tests.s3 import Bucket


@pytest.fixture
def settings(tmp_path: Path, engine: Engine, s3_bucket: Bucket) -> Settings:
    return make_settings(tmp_path, engine.url.render_as_string(hide_password=False), **s3_bucket.environ())


def test_a_rendition_is_made_once_into_the_bucket_and_made_again_if_the_store_loses_it(
    app: Flask, client: FlaskClient, session: Session, s3_bucket: Bucket
) -> None:
    with app.app_context():
        hero = NamedFile(image_bytes((1600, 900)), "hero.png")
        asset = store_upload(session, storage_for(app), hero, uploaded_by=None)
    url = f"/media/{asset.sha256}/email-600"
    first = client.get(url)
    assert first.status_code == 200
    key = f"{s3_bucket.prefix}/{rendition_key(asset, 'email-600')}"
    assert key in s3_bucket.object_names()
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    s3_bucket.server.client().delete_object(Bucket=s3_bucket.name, Key=key)
    again = client.get(url)
    assert again.status_code == 200
    assert again.data == first.data
    assert key in s3_bucket.object_names()


def test_an_unreachable_store_refuses_an_upload_with_a_message_and_serves_503_not_500(
    app: Flask, client: FlaskClient, session: Session, s3_bucket: Bucket
) -> None:
    with app.app_context():
        asset = store_upload(session, storage_for(app), NamedFile(image_bytes(), "a.png"), uploaded_by=None)
        with s3_bucket.server.outage():
            with pytest.raises(MediaError, match="cannot be reached, so nothing was saved"):
                store_upload(session, storage_for(app), NamedFile(image_bytes((300, 200)), "b.png"), uploaded_by=None)
            answer = client.get(f"/media/{asset.sha256}/thumb")
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == "30"
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 1
