"""Kits from the database: built for every eligible partner and language, rebuilt only when inputs change."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from flask import Flask
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.kits import SOCIAL_LIMITS, post_length
from campaigns.kits.builds import kit_locales
from campaigns.kits.models import Kit, KitStatus
from campaigns.kits.pieces import save_piece
from campaigns.kits.wiring import build_kits_tick
from campaigns.planning.models import Campaign, CampaignStatus
from campaigns.planning.services import advance_campaigns
from core.storage import storage_for
from subscribers.models import Partner, PartnerUser
from tests.campaigns.factories import CampaignFactory
from tests.campaigns.portal.conftest import build_now, draft
from tests.subscribers.factories import PartnerFactory


def kits_of(session: Session, campaign: Campaign) -> dict[tuple[int, str], Kit]:
    kits = session.scalars(select(Kit).where(Kit.campaign_id == campaign.id))
    return {(kit.partner_id, kit.locale): kit for kit in kits}


def open_kit(app: Flask, kit: Kit) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(storage_for(app).read(kit.storage_key)))


def test_a_live_campaign_gets_a_kit_per_partner_in_its_languages_that_opens_and_validates(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner
) -> None:
    PartnerFactory.create(name="Silver Ltd", tier="silver")  # not targeted
    summary = build_now(app, session)
    kits = kits_of(session, live_campaign)
    assert set(kits) == {(acme.id, "nl"), (globex.id, "en")}
    assert summary.built == 2
    assert summary.failed == 0
    for (_partner_id, locale), kit in kits.items():
        assert kit.status is KitStatus.READY
        archive = open_kit(app, kit)
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["locale"] == locale
        assert manifest["inputs_hash"] == kit.inputs_hash
        assert {entry["path"] for entry in manifest["files"]} == names - {"manifest.json"}
        html = archive.read("email/email.html").decode()
        assert "<mj-" not in html
        assert "{{" not in html
        for name in names:
            if name.startswith("images/"):
                image = Image.open(io.BytesIO(archive.read(name)))
                assert image.size == (1200, 628) or image.size == (1080, 1080) or image.width == 600
            if name.startswith("social/"):
                network = name.removeprefix("social/").removesuffix(".txt")
                assert post_length(network, archive.read(name).decode().strip()) <= SOCIAL_LIMITS[network]
        assert {"images/photo-1-jpg-1200x628.jpg", "flyer.pdf", "copy/long.md", "README.txt"} <= names
        flyer = PdfReader(io.BytesIO(archive.read("flyer.pdf")))
        assert len(flyer.pages) == 1
        partner_name = session.get_one(Partner, kit.partner_id).name
        assert partner_name.split()[0] in flyer.pages[0].extract_text()


def test_a_partner_name_with_dots_and_unicode_gives_a_safe_file_name(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner
) -> None:
    build_now(app, session)
    kit = kits_of(session, live_campaign)[(acme.id, "nl")]
    assert kit.filename == "storage-trade-in-acme-it-lodz-nl.zip"
    assert all(not name.startswith(("/", "..")) and ".." not in name for name in open_kit(app, kit).namelist())


def test_a_portal_users_language_adds_a_kit_in_that_language(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, marketer_at_globex: PartnerUser
) -> None:
    marketer_at_globex.locale = "nl"
    build_now(app, session)
    assert {locale for (pid, locale) in kits_of(session, live_campaign) if pid == marketer_at_globex.partner_id} == {
        "en",
        "nl",
    }


def test_an_unchanged_rebuild_is_skipped(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner
) -> None:
    build_now(app, session)
    before = {address: (kit.sha256, kit.built_at) for address, kit in kits_of(session, live_campaign).items()}
    again = build_now(app, session)
    assert (again.built, again.unchanged) == (0, 2)
    assert {address: (kit.sha256, kit.built_at) for address, kit in kits_of(session, live_campaign).items()} == before


def test_changing_a_brand_rebuilds_that_partners_kits_only(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner
) -> None:
    build_now(app, session)
    before = {address: kit.sha256 for address, kit in kits_of(session, live_campaign).items()}
    acme.brand_primary_color = "#7a1f5c"
    session.flush()
    summary = build_now(app, session)
    after = {address: kit.sha256 for address, kit in kits_of(session, live_campaign).items()}
    assert (summary.built, summary.unchanged) == (1, 1)
    assert after[(acme.id, "nl")] != before[(acme.id, "nl")]
    assert after[(globex.id, "en")] == before[(globex.id, "en")]


def test_editing_the_pieces_rebuilds_the_kits_in_that_language(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner
) -> None:
    build_now(app, session)
    version = live_campaign.version
    save_piece(session, live_campaign, "en", draft("en", [], preheader="A new preheader"))
    assert live_campaign.version == version + 1
    summary = build_now(app, session)
    assert (summary.built, summary.unchanged) == (1, 1)
    kit = kits_of(session, live_campaign)[(globex.id, "en")]
    assert open_kit(app, kit).read("copy/preheader.txt").decode().strip() == "A new preheader"


def test_a_brand_the_engine_refuses_fails_that_partners_kit_and_keeps_the_others(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner
) -> None:
    acme.brand_website = "javascript:alert(1)"  # only possible by going around the brand editor
    session.flush()
    summary = build_now(app, session)
    kits = kits_of(session, live_campaign)
    assert (summary.built, summary.failed) == (1, 1)
    assert kits[(acme.id, "nl")].status is KitStatus.FAILED
    assert "website" in kits[(acme.id, "nl")].error
    assert kits[(globex.id, "en")].status is KitStatus.READY


def test_the_tick_builds_kits_when_a_scheduled_campaign_goes_live(app: Flask, session: Session, acme: Partner) -> None:
    launch = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    campaign = CampaignFactory.create(
        status=CampaignStatus.SCHEDULED, launch_at=launch, ends_at=launch + dt.timedelta(days=9)
    )
    save_piece(session, campaign, "en", draft("en", []))
    with app.app_context():
        assert build_kits_tick(session, launch - dt.timedelta(minutes=1)).startswith("0 kits built")
        advance_campaigns(session, launch)
        assert build_kits_tick(session, launch).startswith("1 kits built")
    assert set(kits_of(session, campaign)) == {(acme.id, "en")}


def test_a_partner_gets_each_readers_language_or_its_first_fallback_never_a_third_language() -> None:
    # A Dutch reader, pieces in French and English: English (the fallback), not French.
    assert kit_locales(["fr", "en"], {"nl"}, ("en",)) == ["en"]
    # Readers of Dutch and French: their own languages where written.
    assert kit_locales(["fr", "nl", "en"], {"nl", "fr"}, ("en",)) == ["fr", "nl"]
    # FALLBACK_LOCALES=de: a Swedish reader gets German before English.
    assert kit_locales(["de", "en"], {"sv"}, ("de", "en")) == ["de"]
    # Nothing in the reading order: the campaign's first language.
    assert kit_locales(["pl"], {"nl"}, ("en",)) == ["pl"]
