"""HTTP done properly: idempotency keys, ETags, size and type limits, field-naming errors, cursors, rate limits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import time_machine
from flask import Flask
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from campaigns.planning.models import CampaignStatus
from content.models import ContentItem
from core.api.idempotency import purge_expired_keys
from core.api.models import IdempotencyRecord
from core.db import utc_now
from subscribers.models import SuppressionReason
from subscribers.suppression import suppress
from tests.api_helpers import call, make_token
from tests.campaigns.factories import CampaignFactory
from tests.conftest import make_settings, refreshed
from wsgi import create_app

DRAFT = {"texts": {"en": {"title": "Hyperconverged, explained"}}, "priority": 60}


@pytest.fixture
def token(app: Flask, session: Session) -> str:
    return make_token(app, session)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# ---------------------------------------------------------------------------------------------- idempotency


def test_a_replayed_post_returns_the_first_answer_and_creates_nothing_more(
    app: Flask, session: Session, token: str
) -> None:
    client = app.test_client()
    headers = {"Idempotency-Key": "3f2c0d9e-key"}
    first = call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers=headers)
    again = call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert count(session, ContentItem) == 1
    # Another key is another request.
    assert (
        call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers={"Idempotency-Key": "k2"}).status_code
        == 201
    )
    assert count(session, ContentItem) == 2


def test_the_same_key_with_another_body_is_refused_naming_the_header(app: Flask, session: Session, token: str) -> None:
    client = app.test_client()
    headers = {"Idempotency-Key": "same-key"}
    assert call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers=headers).status_code == 201
    other = call(client, "POST", "/api/v1/content-items", token, json={**DRAFT, "priority": 61}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(session, ContentItem) == 1


def test_a_refused_request_keeps_no_answer_so_the_corrected_one_can_use_the_key(
    app: Flask, session: Session, token: str
) -> None:
    client = app.test_client()
    headers = {"Idempotency-Key": "fix-and-retry"}
    bad = call(client, "POST", "/api/v1/content-items", token, json={"texts": {"en": {"title": ""}}}, headers=headers)
    assert bad.status_code == 422
    assert call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers=headers).status_code == 201


def test_an_expired_key_may_be_used_again_for_a_new_request(app: Flask, session: Session, token: str) -> None:
    client = app.test_client()
    call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers={"Idempotency-Key": "reused"})
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)):
        other = {**DRAFT, "priority": 10}
        again = call(client, "POST", "/api/v1/content-items", token, json=other, headers={"Idempotency-Key": "reused"})
    assert again.status_code == 201
    assert "Idempotency-Replayed" not in again.headers
    assert count(session, ContentItem) == 2


def test_keys_expire_after_a_day_and_are_purged(app: Flask, session: Session, token: str) -> None:
    client = app.test_client()
    call(client, "POST", "/api/v1/content-items", token, json=DRAFT, headers={"Idempotency-Key": "old"})
    assert count(session, IdempotencyRecord) == 1
    assert purge_expired_keys(session, utc_now() + dt.timedelta(hours=23)) == 0
    assert purge_expired_keys(session, utc_now() + dt.timedelta(hours=24, seconds=1)) == 1
    assert count(session, IdempotencyRecord) == 0


# ---------------------------------------------------------------------------------------------- ETags


def test_a_stale_etag_gets_412_and_the_campaign_stays_a_draft(app: Flask, session: Session, token: str) -> None:
    client = app.test_client()
    campaign = CampaignFactory.create(launch_at=utc_now() + dt.timedelta(days=5))
    read = call(client, "GET", f"/api/v1/campaigns/{campaign.id}", token)
    etag = read.headers["ETag"]
    campaign.name = "Renamed in the admin meanwhile"
    session.flush()
    stale = call(client, "POST", f"/api/v1/campaigns/{campaign.id}/schedule", token, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert refreshed(session, campaign).status is CampaignStatus.DRAFT
    fresh = call(client, "GET", f"/api/v1/campaigns/{campaign.id}", token).headers["ETag"]
    assert fresh != etag
    done = call(client, "POST", f"/api/v1/campaigns/{campaign.id}/schedule", token, headers={"If-Match": fresh})
    assert done.status_code == 200
    assert done.get_json()["status"] == "scheduled"
    assert refreshed(session, campaign).status is CampaignStatus.SCHEDULED


def test_an_update_without_if_match_gets_428(app: Flask, session: Session, token: str) -> None:
    campaign = CampaignFactory.create(launch_at=utc_now() + dt.timedelta(days=5))
    response = call(app.test_client(), "POST", f"/api/v1/campaigns/{campaign.id}/schedule", token)
    assert response.status_code == 428
    assert response.get_json()["required_header"] == "If-Match"
    assert refreshed(session, campaign).status is CampaignStatus.DRAFT


# ---------------------------------------------------------------------------------------------- bodies


def test_a_20_mb_body_gets_413_and_nothing_is_written(app: Flask, session: Session, token: str) -> None:
    body = b'{"texts": {"en": {"title": "' + b"x" * (20 * 1024 * 1024) + b'"}}}'
    response = call(
        app.test_client(), "POST", "/api/v1/content-items", token, data=body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "5 MB" in response.get_json()["detail"]
    assert count(session, ContentItem) == 0


def test_a_body_that_is_not_json_gets_415_or_400(app: Flask, token: str) -> None:
    client = app.test_client()
    form = call(client, "POST", "/api/v1/suppressions", token, data={"email": "a@b.example"})
    assert form.status_code == 415
    broken = call(client, "POST", "/api/v1/suppressions", token, data='{"email": ', content_type="application/json")
    assert broken.status_code == 400
    assert "line 1, column" in broken.get_json()["detail"]


def test_unknown_fields_and_wrong_types_get_422_naming_each_field(app: Flask, session: Session, token: str) -> None:
    body = {"texts": {"en": {"title": "Ok", "colour": "red"}}, "priority": "high", "shiny": True}
    response = call(app.test_client(), "POST", "/api/v1/content-items", token, json=body)
    assert response.status_code == 422
    errors = {error["field"]: error for error in response.get_json()["errors"]}
    assert set(errors) == {"texts.en.colour", "priority", "shiny"}
    assert errors["priority"]["detail"] == "Not a valid integer."
    assert errors["texts.en.colour"]["pointer"] == "#/texts/en/colour"
    assert errors["shiny"]["detail"] == "Unknown field."
    assert count(session, ContentItem) == 0


# ---------------------------------------------------------------------------------------------- cursors


def test_pages_follow_each_other_without_gaps_or_repeats_while_rows_arrive(
    app: Flask, session: Session, token: str
) -> None:
    for number in range(7):
        suppress(session, f"gone{number}@partner.example", SuppressionReason.BOUNCED, source="provider")
    client = app.test_client()
    first = call(client, "GET", "/api/v1/suppressions?limit=3", token).get_json()
    suppress(session, "late@partner.example", SuppressionReason.MANUAL, source="admin")  # arrives between pages
    seen = [row["email"] for row in first["items"]]
    after = first["next"]
    while after:
        page = call(client, "GET", "/api/v1/suppressions", token, query_string={"after": after, "limit": 3}).get_json()
        seen += [row["email"] for row in page["items"]]
        after = page["next"]
    assert seen == [f"gone{n}@partner.example" for n in range(7)] + ["late@partner.example"]


def test_an_edited_cursor_or_one_from_another_list_is_refused_naming_after(
    app: Flask, session: Session, token: str
) -> None:
    for number in range(3):
        suppress(session, f"gone{number}@partner.example", SuppressionReason.BOUNCED, source="provider")
    CampaignFactory.create()
    CampaignFactory.create()
    client = app.test_client()
    cursor = call(client, "GET", "/api/v1/suppressions?limit=1", token).get_json()["next"]
    for bad in (cursor[:-2] + "xx", call(client, "GET", "/api/v1/campaigns?limit=1", token).get_json()["next"]):
        response = call(client, "GET", "/api/v1/suppressions", token, query_string={"after": bad})
        assert response.status_code == 422
        assert response.get_json()["errors"] == [
            {"field": "after", "location": "query", "detail": response.get_json()["errors"][0]["detail"]}
        ]


# ---------------------------------------------------------------------------------------------- errors


def test_every_error_is_a_problem_document(app: Flask, token: str) -> None:
    client = app.test_client()
    cases = [
        (call(client, "GET", "/api/v1/campaigns", None), 401),
        (call(client, "GET", "/api/v1/nothing-here", token), 404),
        (call(client, "GET", "/api/v1/campaigns/99999", token), 404),
        (call(client, "DELETE", "/api/v1/campaigns", token), 405),
        (call(client, "GET", "/api/v1/campaigns?limit=0", token), 422),
    ]
    for response, status in cases:
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["status"] == status
        assert body["title"]
        assert body["detail"]
    assert cases[3][0].headers["Allow"]


# ---------------------------------------------------------------------------------------------- rate limits


def app_with(tmp_path: Path, engine: Engine, connection: Connection, **settings: str) -> Flask:
    app = create_app(make_settings(tmp_path, engine.url.render_as_string(hide_password=False), **settings))
    app.config["TESTING"] = True
    app.extensions["channelcast.db"].bind_to_connection(connection)
    return app


def test_a_token_over_its_limit_gets_429_with_the_ratelimit_headers(
    tmp_path: Path, engine: Engine, connection: Connection, session: Session
) -> None:
    app = app_with(tmp_path, engine, connection, API_RATE_LIMIT="3/minute")
    token = make_token(app, session, "campaigns:read")
    client = app.test_client()
    answers = [call(client, "GET", "/api/v1/campaigns", token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"per-token";q=3;w=60'
    assert answers[0].headers["RateLimit"].startswith('"per-token";r=2;t=')
    refused = answers[3]
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["RateLimit"].startswith('"per-token";r=0;t=')
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = make_token(app, session, "campaigns:read")
    assert call(client, "GET", "/api/v1/campaigns", other).status_code == 200  # limits are per token


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"cc-test-{uuid.uuid4().hex}"
    yield prefix
    store = redis.Redis(host="127.0.0.1", port=6379)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)


def test_web_processes_sharing_redis_share_one_limit_per_token(
    tmp_path: Path, engine: Engine, connection: Connection, session: Session, redis_prefix: str
) -> None:
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    shared = {"API_RATE_LIMIT": "4/minute", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
              "RATELIMIT_KEY_PREFIX": redis_prefix}  # fmt: skip
    one = app_with(tmp_path / "one", engine, connection, **shared)
    two = app_with(tmp_path / "two", engine, connection, **shared)
    token = make_token(one, session, "campaigns:read")
    statuses = [call(app.test_client(), "GET", "/api/v1/campaigns", token).status_code for app in (one, two) * 3]
    assert statuses == [200, 200, 200, 200, 429, 429]
    keys = list(redis.Redis(host="127.0.0.1", port=6379).scan_iter(f"*{redis_prefix}*"))
    assert keys, "the counts live in Redis under the configured prefix"
