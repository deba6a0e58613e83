"""Kits in an S3 bucket (moto's server on loopback): stored there, downloaded from there, rebuilt when
the store lost one, and an unreachable store reported rather than served half-written or as a 500."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import urllib.request
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.kits.models import Kit, KitStatus
from campaigns.kits.pieces import save_piece
from campaigns.planning.models import Campaign, CampaignStatus
from core.config import Settings
from subscribers.models import Partner, PartnerUser
from tests.campaigns.factories import CampaignFactory
from tests.campaigns.portal.conftest import build_now, draft, portal_client
from tests.conftest import make_settings
from tests.s3 import Bucket


@pytest.fixture
def settings(tmp_path: Path, engine: Engine, s3_bucket: Bucket) -> Settings:
    """This module's apps keep their files in the test's bucket."""
    return make_settings(tmp_path, engine.url.render_as_string(hide_password=False), **s3_bucket.environ())


def kit_for(session: Session, partner: Partner) -> Kit:
    return session.scalars(select(Kit).where(Kit.partner_id == partner.id)).one()


def object_of(bucket: Bucket, kit: Kit) -> bytes:
    answer = bucket.server.client().get_object(Bucket=bucket.name, Key=f"{bucket.prefix}/{kit.storage_key}")
    return answer["Body"].read()


def test_kits_and_images_go_to_the_bucket_and_a_download_streams_the_zip_from_it(
    app: Flask, client: FlaskClient, session: Session, s3_bucket: Bucket, settings: Settings,
    live_campaign: Campaign, marketer_at_acme: PartnerUser,
) -> None:  # fmt: skip
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    keys = s3_bucket.object_names()
    assert f"channelcast/{kit.storage_key}" in keys
    assert sum(key.startswith("channelcast/media/") for key in keys) == 2
    assert not (settings.instance_dir / "storage").exists()
    response = portal_client(client, marketer_at_acme).get(f"/portal/kits/{kit.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(kit.size)
    assert response.data == object_of(s3_bucket, kit)
    assert hashlib.sha256(response.data).hexdigest() == kit.sha256


def test_with_presigned_downloads_the_partner_is_sent_to_a_short_lived_url_of_the_zip(
    tmp_path: Path, engine: Engine, s3_bucket: Bucket, session: Session, live_campaign: Campaign,
    marketer_at_acme: PartnerUser, app: Flask, client: FlaskClient,
) -> None:  # fmt: skip
    app.config["CHANNELCAST"] = make_settings(
        tmp_path, engine.url.render_as_string(hide_password=False), STORAGE_DOWNLOADS="presigned", **s3_bucket.environ()
    )
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    response = portal_client(client, marketer_at_acme).get(f"/portal/kits/{kit.id}/download")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(s3_bucket.server.url)
    assert "Expires=300" in location or "X-Amz-Expires=300" in location
    with urllib.request.urlopen(location, timeout=10) as answer:  # noqa: S310 (loopback)
        assert hashlib.sha256(answer.read()).hexdigest() == kit.sha256
        assert answer.headers["Content-Disposition"] == 'attachment; filename="storage-trade-in-acme-it-lodz-nl.zip"'
    assert session.scalars(select(Event).where(Event.kind == EventKind.KIT_DOWNLOAD)).all()


def test_a_kit_the_store_lost_is_rebuilt_when_it_is_opened_not_a_server_error(
    app: Flask, client: FlaskClient, session: Session, s3_bucket: Bucket,
    live_campaign: Campaign, marketer_at_acme: PartnerUser,
) -> None:  # fmt: skip
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    s3_bucket.server.client().delete_object(Bucket=s3_bucket.name, Key=f"{s3_bucket.prefix}/{kit.storage_key}")
    portal = portal_client(client, marketer_at_acme)
    page = portal.get(f"/portal/kits/{kit.id}")
    assert page.status_code == 200
    assert "flyer.pdf" in page.get_data(as_text=True)
    s3_bucket.server.client().delete_object(Bucket=s3_bucket.name, Key=f"{s3_bucket.prefix}/{kit.storage_key}")
    response = portal.get(f"/portal/kits/{kit.id}/download")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "manifest.json" in archive.namelist()
    session.refresh(kit)
    assert kit.status is KitStatus.READY
    assert object_of(s3_bucket, kit) == response.data


def test_an_unreachable_store_while_kits_build_is_reported_and_the_next_tick_builds_them(
    app: Flask, client: FlaskClient, session: Session, s3_bucket: Bucket,
    live_campaign: Campaign, marketer_at_acme: PartnerUser,
) -> None:  # fmt: skip
    with s3_bucket.server.outage():
        summary = build_now(app, session)
        assert summary.built == 0
        assert "object storage unreachable" in str(summary)
        assert "retried next tick" in str(summary)
        assert session.scalars(select(Kit)).all() == []  # nothing recorded, so nothing half-made is offered
    summary = build_now(app, session)  # a minute later, the store is back
    assert summary.built == 1
    kit = kit_for(session, marketer_at_acme.partner)
    response = portal_client(client, marketer_at_acme).get(f"/portal/kits/{kit.id}/download")
    assert hashlib.sha256(response.data).hexdigest() == kit.sha256


def test_a_store_lost_between_building_and_storing_keeps_the_last_good_kit_and_a_download_says_try_again(
    app: Flask, client: FlaskClient, session: Session, s3_bucket: Bucket, acme: Partner,
    marketer_at_acme: PartnerUser,
) -> None:  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    campaign = CampaignFactory.create(
        name="Cloud week", status=CampaignStatus.LIVE, target_tiers=["gold"],
        launch_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=9),
    )  # fmt: skip
    save_piece(session, campaign, "nl", draft("nl", []))  # no images: nothing to read before storing
    build_now(app, session)
    good = kit_for(session, acme)
    good_sha, good_key = good.sha256, good.storage_key
    acme.brand_primary_color = "#7a1f5c"
    acme.brand_version = "changed"
    session.flush()
    portal = portal_client(client, marketer_at_acme)
    with s3_bucket.server.outage():
        summary = build_now(app, session)
        assert (summary.built, summary.not_stored) == (0, 1)
        assert "1 built kits not stored, object storage unreachable" in str(summary)
        session.refresh(good)
        assert (good.sha256, good.storage_key, good.status) == (good_sha, good_key, KitStatus.READY)
        unavailable = portal.get(f"/portal/kits/{good.id}/download")
        assert unavailable.status_code == 503
        assert unavailable.headers["Retry-After"] == "60"
        assert "binnen een à twee minuten" in unavailable.get_data(as_text=True)
    assert hashlib.sha256(portal.get(f"/portal/kits/{good.id}/download").data).hexdigest() == good_sha
    assert build_now(app, session).built == 1  # the changed brand, once the store is back
    session.refresh(good)
    assert good.sha256 != good_sha
