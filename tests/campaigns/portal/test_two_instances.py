"""Two app instances (own instance folders, own engines and S3 clients) sharing PostgreSQL, one S3
bucket and Redis: a kit one of them builds downloads from the other, and a sign-in limit counted
on one holds on the other."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import select, text

from bench import kit_samples as samples
from campaigns.kits.models import Kit
from campaigns.kits.pieces import save_piece
from campaigns.planning.models import CampaignStatus
from content.media import store_upload
from core import migrate
from core.db import Database, make_engine
from core.storage import storage_for
from subscribers.portal import SESSION_KEY, create_partner_user
from tests import factories
from tests.campaigns.factories import CampaignFactory
from tests.campaigns.portal.conftest import Upload, draft
from tests.conftest import PG_SCHEMA, TEST_DATABASE_URL, csrf_token_from, fresh_database_url, make_settings
from tests.s3 import Bucket
from tests.subscribers.factories import PartnerFactory
from wsgi import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = [pytest.mark.pg, pytest.mark.slow]


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {REDIS_URL} for shared rate limits: {error}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def instances(tmp_path: Path, s3_bucket: Bucket, redis_url: str) -> Iterator[tuple[Flask, Flask]]:
    url = fresh_database_url("postgresql", tmp_path, "two_instances")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    shared = {"RATELIMIT_STORAGE_URI": redis_url, "PORTAL_SIGN_IN_PER_HOUR": "1", **s3_bucket.environ()}
    apps = tuple(create_app(make_settings(tmp_path / name, url, **shared)) for name in ("a", "b"))
    yield apps[0], apps[1]
    for app in apps:
        app.extensions["channelcast.db"].engine.dispose()
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:  # only this test's schema: the suite's stays
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}_two_instances" CASCADE'))
    admin.dispose()


def seed_live_campaign(app: Flask, email: str) -> int:
    """Through instance A: a gold partner with a marketer and a live campaign with an image."""
    database: Database = app.extensions["channelcast.db"]
    now = dt.datetime.now(dt.UTC)
    with app.app_context(), database.unit_of_work() as session:
        factories.use_session(session)
        partner = PartnerFactory.create(name="Acme IT", tier="gold", default_locale="en", country="GB")
        user = create_partner_user(session, partner, email, name="Sam Marketer", locale="en")
        campaign = CampaignFactory.create(
            name="Cloud week", status=CampaignStatus.LIVE, target_tiers=["gold"],
            launch_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=9),
        )  # fmt: skip
        image = store_upload(session, storage_for(app), Upload(samples.photo(seed=3), "rack.jpg"), uploaded_by=None)
        save_piece(session, campaign, "en", draft("en", [image.id]))
        session.flush()
        return user.id


def test_a_kit_built_by_one_instance_downloads_from_the_other_and_limits_are_shared(
    instances: tuple[Flask, Flask], s3_bucket: Bucket, tmp_path: Path
) -> None:
    app_a, app_b = instances
    email = f"sam-{uuid.uuid4().hex[:8]}@acme-it.example"  # a key of its own in the shared Redis
    user_id = seed_live_campaign(app_a, email)

    built = app_a.test_cli_runner().invoke(args=["kits", "build", "--processes", "1"])
    assert built.exit_code == 0, built.output
    assert "1 kits built" in built.output

    with app_b.app_context():
        kit = app_b.extensions["channelcast.db"].session.scalars(select(Kit)).one()
    client_b = app_b.test_client()
    with client_b.session_transaction() as web_session:
        web_session[SESSION_KEY] = user_id
    response = client_b.get(f"/portal/kits/{kit.id}/download")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == kit.sha256
    assert f"channelcast/{kit.storage_key}" in s3_bucket.object_names()
    assert not (tmp_path / "a" / "instance" / "storage").exists()
    assert not (tmp_path / "b" / "instance" / "storage").exists()

    # One sign-in link an hour for this address: asked on A, refused on B.
    address = {"REMOTE_ADDR": f"127.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"}
    answers = []
    for app in (app_a, app_b):
        client = app.test_client()
        client.environ_base.update(address)
        token = csrf_token_from(client, "/portal/sign-in")
        answers.append(client.post("/portal/sign-in", data={"csrf_token": token, "email": email}).status_code)
    assert answers == [302, 429]
