"""Tier badges: admins upload a still PNG per tier (and language); kits carry it with its line."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from campaigns.kits.models import Kit
from campaigns.planning.models import Campaign
from content.models import MediaAsset
from core.auth.models import User
from core.storage import storage_for
from subscribers.models import Partner, TierBadge
from tests.campaigns.portal.conftest import build_now
from tests.conftest import csrf_token_from, sign_in

PAGE = "/admin/tier-badges"


def badge_png(colour: str = "#d4af37", size: tuple[int, int] = (240, 240)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (size[0] - 40, size[1] - 40), colour), (20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def animated_png() -> bytes:
    frames = [Image.new("RGBA", (64, 64), colour) for colour in ("#d4af37", "#c0c0c0")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return buffer.getvalue()


def upload(client: FlaskClient, data: bytes, name: str, *, tier: str = "gold", locale: str = "") -> str:
    form = {"csrf_token": csrf_token_from(client, PAGE), "tier": tier, "locale": locale,
            "file": FileStorage(io.BytesIO(data), name)}  # fmt: skip
    # Encoded in memory: werkzeug's test client would spool a 20 MB body to a temporary file it never closes.
    boundary, body = encode_multipart(MultiDict(form))
    response = client.post(PAGE, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                           follow_redirects=True)  # fmt: skip
    return f"{response.status_code} {response.get_data(as_text=True)}"


def kit_for(session: Session, campaign: Campaign, partner: Partner) -> Kit:
    return session.scalars(select(Kit).where(Kit.campaign_id == campaign.id, Kit.partner_id == partner.id)).one()


def open_zip(app: Flask, kit: Kit) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(storage_for(app).read(kit.storage_key)))


def test_a_gold_partners_kit_carries_the_gold_badge_and_its_line_in_the_kits_language(
    app: Flask, client: FlaskClient, session: Session, admin: User, live_campaign: Campaign, acme: Partner,
    account_manager: User,
) -> None:  # fmt: skip
    acme.account_manager = account_manager
    account_manager.phone = "+31 30 555 0100"
    build_now(app, session)
    before = open_zip(app, kit_for(session, live_campaign, acme))
    assert not any("badge" in name for name in before.namelist())

    page = upload(sign_in(client, admin), badge_png(), "gold.png")
    assert page.startswith("200")
    assert "Gold" in page
    summary = build_now(app, session)
    assert summary.built == 1  # the badge changed the kit's inputs: rebuilt

    archive = open_zip(app, kit_for(session, live_campaign, acme))  # acme reads Dutch
    names = archive.namelist()
    badge_file = next(name for name in names if name.startswith("images/") and name.endswith("-gold-badge.png"))
    assert Image.open(io.BytesIO(archive.read(badge_file))).format == "PNG"
    line = "Gouden partner van Northwind Systems"
    readme = archive.read("README.txt").decode()
    assert line in readme
    assert "Otto Owner" in readme
    assert "+31 30 555 0100" in readme
    assert account_manager.email in readme
    html = archive.read("email/email.html").decode()
    assert line in html
    assert 'src="badge.png"' in html
    assert "email/badge.png" in names
    assert line in archive.read("email/email.txt").decode()
    flyer = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("flyer.pdf"))).pages)
    assert line in " ".join(flyer.split())
    for variant in ("light", "dark"):  # the banners now hold the badge: they differ from before
        banner = next(name for name in names if name.endswith(f"-banner-{variant}.jpg"))
        assert archive.read(banner) != before.read(banner)


def test_a_badge_for_one_language_replaces_the_tiers_badge_in_that_language_only(
    app: Flask, client: FlaskClient, session: Session, admin: User, live_campaign: Campaign, acme: Partner,
    globex: Partner,
) -> None:  # fmt: skip
    sign_in(client, admin)
    upload(client, badge_png("#d4af37"), "gold.png")
    upload(client, badge_png("#a07d10", (300, 200)), "goud.png", locale="nl")
    build_now(app, session)
    dutch = open_zip(app, kit_for(session, live_campaign, acme))
    english = open_zip(app, kit_for(session, live_campaign, globex))

    def badge_size(archive: zipfile.ZipFile) -> tuple[int, int]:
        name = next(n for n in archive.namelist() if n.endswith("-gold-badge.png"))
        return Image.open(io.BytesIO(archive.read(name))).size

    assert badge_size(dutch) == (300, 200)
    assert badge_size(english) == (240, 240)
    assert "Gold Partner of Northwind Systems" in english.read("README.txt").decode()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "gold.svg", "SVG images are not"),
        (animated_png(), "gold.png", "The image is animated"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024), "huge.png", "larger than 10 MB"),
        (Image.new("RGB", (10, 10)).tobytes(), "gold.png", "not a PNG image"),
    ],
    ids=["svg", "animated", "20-mb", "not-png"],
)
def test_a_bad_badge_gets_a_field_error_and_nothing_is_saved(
    client: FlaskClient, session: Session, admin: User, data: bytes, name: str, message: str
) -> None:
    assets = session.scalar(select(func.count()).select_from(MediaAsset))
    page = upload(sign_in(client, admin), data, name)
    assert page.startswith(("400", "413"))  # 413: the body is over the upload limit, said on the field
    assert 'class="field__error"' in page
    assert message in page
    assert session.scalar(select(func.count()).select_from(TierBadge)) == 0
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == assets


def test_a_jpeg_badge_is_refused_as_not_png(client: FlaskClient, session: Session, admin: User) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "#d4af37").save(buffer, "JPEG")
    page = upload(sign_in(client, admin), buffer.getvalue(), "gold.png")
    assert page.startswith("400")
    assert "not a PNG image" in page


def test_only_admins_upload_badges(client: FlaskClient, session: Session, marketer: User) -> None:
    sign_in(client, marketer)
    assert "Upload a badge" not in client.get(PAGE).get_data(as_text=True)
    form = {"tier": "gold", "file": (io.BytesIO(badge_png()), "gold.png")}
    assert client.post(PAGE, data=form, content_type="multipart/form-data").status_code in (400, 403)
    assert session.scalar(select(func.count()).select_from(TierBadge)) == 0
