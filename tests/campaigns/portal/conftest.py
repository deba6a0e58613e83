"""A live campaign with kit pieces in two languages, two partners with marketers, and a signed-in client."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bench import kit_samples
from campaigns.kits.builds import BuildSummary, build_due_kits
from campaigns.kits.inputs import PICTURE_ROLES
from campaigns.kits.pieces import PieceDraft, save_piece
from campaigns.planning.models import Campaign, CampaignStatus
from content.media import store_upload
from core.db import utc_now
from core.storage import storage_for
from subscribers.models import Partner, PartnerUser
from subscribers.portal import SESSION_KEY, create_partner_user
from tests.campaigns.factories import CampaignFactory
from tests.subscribers.factories import PartnerFactory

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


class Upload(io.BytesIO):
    def __init__(self, data: bytes, filename: str) -> None:
        super().__init__(data)
        self.filename: str | None = filename


def draft(locale: str, image_ids: list[int], **changes: Any) -> PieceDraft:
    """The sample texts as a kit piece; `changes` may hold bad values, which PieceDraft checks."""
    copy = kit_samples.COPY.get(locale, kit_samples.COPY["en"])
    fields: dict[str, Any] = {
        "subject_lines": list(copy["subject_lines"]),
        "preheader": copy["preheader"],
        "short_copy": copy["short_copy"],
        "medium_copy": copy["medium_copy"],
        "long_copy": copy["long_copy"],
        "social_posts": dict(copy["social_posts"]),
        "image_ids": image_ids,
        "cta_label": copy["cta_label"],
        "cta_url": copy["campaign_url"],
        "flyer_title": copy["flyer_title"],
        "flyer_text": copy["flyer_text"],
        "bullets": ["Up to 30% back", "Free pickup"],
        "pictures": dict.fromkeys(PICTURE_ROLES, image_ids[0]) if image_ids else {},
        **changes,
    }
    return PieceDraft(**fields)


@pytest.fixture
def acme(session: Session) -> Partner:
    return PartnerFactory.create(
        name="Acme ../IT Łódź",
        default_locale="nl",
        country="NL",
        tier="gold",
        brand_primary_color="#0b5cad",
        brand_accent_color="#f5a623",
        brand_website="https://acme-it.example",
    )


@pytest.fixture
def globex(session: Session) -> Partner:
    return PartnerFactory.create(name="Globex Systems", default_locale="en", country="GB", tier="gold")


@pytest.fixture
def marketer_at_acme(session: Session, acme: Partner) -> PartnerUser:
    return create_partner_user(session, acme, "Sanne@Acme-IT.example", name="Sanne Visser", locale="nl")


@pytest.fixture
def marketer_at_globex(session: Session, globex: Partner) -> PartnerUser:
    return create_partner_user(session, globex, "olivia@globex.example", name="Olivia Hughes", locale="en")


@pytest.fixture
def live_campaign(app: Flask, session: Session) -> Campaign:
    """Live now, for gold partners, with pieces in English and Dutch and two library images."""
    campaign = CampaignFactory.create(
        name="Storage trade-in",
        status=CampaignStatus.LIVE,
        launch_at=utc_now() - dt.timedelta(days=1),
        ends_at=utc_now() + dt.timedelta(days=20),
        target_tiers=["gold"],
    )
    with app.app_context():
        storage = storage_for(app)
        images = [
            store_upload(session, storage, Upload(kit_samples.photo(seed=n), f"photo-{n}.jpg"), uploaded_by=None)
            for n in (1, 2)
        ]
        for locale in ("en", "nl"):
            save_piece(session, campaign, locale, draft(locale, [image.id for image in images]))
    return campaign


def build_now(app: Flask, session: Session) -> BuildSummary:
    with app.app_context():
        return build_due_kits(
            session, storage=storage_for(app), settings=app.config["CHANNELCAST"], now=utc_now(), processes=1
        )


def portal_client(client: FlaskClient, user: PartnerUser) -> FlaskClient:
    with client.session_transaction() as web_session:
        web_session[SESSION_KEY] = user.id
    return client


def outbox_files(app: Flask) -> list[Path]:
    return sorted(Path(app.config["CHANNELCAST"].outbox_dir).glob("*.eml"))


def link_in(eml: Path) -> str:
    """The sign-in link in a sent message (quoted-printable soft breaks undone)."""
    text = eml.read_bytes().decode().replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
    match = re.search(r"https?://[^\s\"<>]+/portal/sign-in/[A-Za-z0-9._-]+", text)
    assert match, "no sign-in link in the message"
    return match.group(0)
